//! `threatbook export`: a model in another tool's format.

use std::path::PathBuf;

use super::print;
use super::{Exit, OutputArgs};
use crate::diag::Severity;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    /// Open Threat Model 0.2.0 JSON.
    Otm,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model folder.
    dir: PathBuf,
    /// The format to write.
    #[arg(long, value_enum)]
    format: Format,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> Exit {
    let project = crate::open(&args.dir);
    let Some(model) = &project.model else {
        let diagnostics: Vec<_> = project.diagnostics.iter().cloned().collect();
        print::human(&project.sources, &diagnostics);
        return print::failure(&format!(
            "{} could not be loaded ({} errors); nothing was written",
            args.dir.display(),
            project.diagnostics.count(Severity::Error)
        ));
    };
    let text = match args.format {
        Format::Otm => crate::export::otm::to_otm(model),
    };
    args.output.write(&text)
}
