//! `threatbook render`: a model as a document.

use std::path::PathBuf;

use super::print;
use super::{DateArgs, Exit, OutputArgs};
use crate::check::Options;
use crate::render::view::Detail;
use crate::render::{Format as RenderFormat, Renderer, ReportInput, ReportView, StreamError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A Markdown document shaped like a security review.
    Md,
    /// The same document as one self-contained HTML file (inline CSS, no script).
    Html,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model folder (the one holding threatbook.toml) [default: the current folder].
    dir: Option<PathBuf>,
    /// Document format [default: from the -o extension (.md, .html), else md].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// A folder whose templates replace the built-in ones of the same file name.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Print the generation time in the document (SOURCE_DATE_EPOCH when set).
    #[arg(long)]
    timestamp: bool,
    /// How much to say about knowledge-base threats and mitigations [default: summary
    /// above 200 threats, else full].
    #[arg(long, value_enum)]
    detail: Option<DetailArg>,
    #[command(flatten)]
    date: DateArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// `--detail`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum DetailArg {
    /// Each pattern's and each recommended mitigation's text once, with the elements
    /// it applies to and their coverage or status; threats and mitigations written in
    /// the model in full. The report says it is a summary.
    Summary,
    /// Every threat and every mitigation with its whole text.
    Full,
}

impl From<DetailArg> for Detail {
    fn from(d: DetailArg) -> Detail {
        match d {
            DetailArg::Summary => Detail::Summary,
            DetailArg::Full => Detail::Full,
        }
    }
}

/// The extension of each format's files, for `-o` without `--format`.
const EXTENSIONS: &[(&str, Format)] = &[(".md", Format::Md), (".html", Format::Html)];

pub fn run(args: Args) -> Exit {
    let dir = match super::model_dir(args.dir.clone()) {
        Ok(d) => d,
        Err(exit) => return exit,
    };
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
    let progress = super::progress::Progress::new("render");
    let project = match super::open_checked(&dir, &Options::new(today)) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let Some(model) = &project.model else {
        return Exit::Failure;
    };
    let mut inputs = super::inputs_of(&project, &dir);
    if let Some(templates) = &args.templates {
        // Its templates and the built-in assets it may replace, not an earlier report
        // written beside them.
        inputs.add_files_in(templates, |name| {
            name.ends_with(".tera")
                || crate::render::theme::BUILTIN_ASSETS
                    .iter()
                    .any(|(asset, _)| *asset == name)
        });
    }
    let format = match args
        .output
        .format(args.format, EXTENSIONS, Some(Format::Md), &inputs)
    {
        Ok(f) => f,
        Err(e) => return print::failure(&e),
    };
    let renderer = match Renderer::new(args.templates.as_deref()) {
        Ok(r) => r,
        Err(e) => return print::failure(&e.to_string()),
    };
    super::warn_unmatched_templates(&renderer, args.templates.as_deref());
    progress.stage("drawing the diagram");
    // Each format embeds the diagram in the notation it can show.
    let (mermaid, svg) = match format {
        Format::Md => (crate::diagram::report_mermaid(model, today), None),
        Format::Html => (None, crate::diagram::report_svg(model, today)),
    };
    let view = ReportView::new(ReportInput {
        model,
        sources: &project.sources,
        today,
        generated,
        findings: project.diagnostics.as_slice(),
        mermaid,
        svg,
        detail: args
            .detail
            .map_or_else(|| Detail::automatic(model), Detail::from),
    });
    let format = match format {
        Format::Md => RenderFormat::Markdown,
        Format::Html => RenderFormat::Html,
    };
    progress.stage("rendering the document");
    // A report to a file is written as it is made, never held whole; the file is put
    // in place only once it is complete, so a template error half-way leaves nothing.
    // Standard output and special files get the report once it is whole.
    if crate::output::is_atomic(&args.output.target()) {
        let mut failure = None;
        let mut streamed = true;
        let written =
            crate::output::write_with(&args.output.target(), &inputs, |out| {
                match renderer.write_document(format, &view, out) {
                    Ok(true) => Ok(()),
                    Ok(false) => {
                        streamed = false;
                        Err(std::io::Error::other("not written as it is made"))
                    }
                    Err(StreamError::Write(e)) => Err(e),
                    Err(StreamError::Render(e)) => {
                        failure = Some(e);
                        Err(std::io::Error::other("the report did not render"))
                    }
                }
            });
        if streamed {
            progress.finish();
            let exit = match (failure, written) {
                (Some(e), _) => print::failure(&e.to_string()),
                (None, Err(e)) => print::failure(&e.to_string()),
                (None, Ok(())) => Exit::Ok,
            };
            std::mem::forget(view);
            std::mem::forget(project);
            return exit;
        }
    }
    let rendered = renderer.render_document(format, &view);
    progress.finish();
    let exit = match rendered {
        Ok(document) => {
            let pieces: Vec<&[u8]> = document.pieces().map(str::as_bytes).collect();
            args.output.write_pieces(&pieces, &inputs)
        }
        Err(e) => print::failure(&e.to_string()),
    };
    // The process ends now: freeing a large model piece by piece would only delay that
    // (a tenth of the run on big models), and the OS reclaims the memory at once.
    std::mem::forget(view);
    std::mem::forget(project);
    exit
}
