//! `threatbook render`: a model as a document.

use std::path::PathBuf;

use super::print;
use super::{DateArgs, Exit, OutputArgs};
use crate::check::Options;
use crate::render::{Format as RenderFormat, Renderer, ReportInput, ReportView};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    /// A Markdown document shaped like a security review.
    Md,
    /// The same document as one self-contained HTML file (inline CSS, no script).
    Html,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model folder.
    dir: PathBuf,
    /// Document format.
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// A folder whose templates replace the built-in ones of the same file name.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Print the generation time in the document (SOURCE_DATE_EPOCH when set).
    #[arg(long)]
    timestamp: bool,
    #[command(flatten)]
    date: DateArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> Exit {
    let today = match args.date.resolve() {
        Ok(d) => d,
        Err(e) => return print::failure(&e),
    };
    let generated = if args.timestamp {
        match super::source_date_epoch_seconds() {
            Ok(secs) => Some(crate::model::Date::format_timestamp(secs)),
            Err(e) => return print::failure(&e),
        }
    } else {
        None
    };
    let project = match super::open_checked(&args.dir, &Options::new(today)) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let Some(model) = &project.model else {
        return Exit::Failure;
    };
    let renderer = match Renderer::new(args.templates.as_deref()) {
        Ok(r) => r,
        Err(e) => return print::failure(&e.to_string()),
    };
    let findings: Vec<_> = project.diagnostics.iter().cloned().collect();
    // Each format embeds the diagram in the notation it can show.
    let (mermaid, svg) = match args.format {
        Format::Md => (crate::diagram::report_mermaid(model, today), None),
        Format::Html => (None, crate::diagram::report_svg(model, today)),
    };
    let view = ReportView::new(ReportInput {
        model,
        sources: &project.sources,
        today,
        generated,
        findings: &findings,
        mermaid,
        svg,
    });
    let format = match args.format {
        Format::Md => RenderFormat::Markdown,
        Format::Html => RenderFormat::Html,
    };
    let exit = match renderer.render(format, &view) {
        Ok(text) => args.output.write(&text),
        Err(e) => print::failure(&e.to_string()),
    };
    // The process ends now: freeing a large model piece by piece would only delay that
    // (a tenth of the run on big models), and the OS reclaims the memory at once.
    std::mem::forget(view);
    std::mem::forget(findings);
    std::mem::forget(project);
    exit
}
