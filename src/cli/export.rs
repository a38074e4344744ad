//! `threatbook export`: a checked model as JSON, SARIF, a CSV threat register, or an
//! Open Threat Model file for other tools.
//!
//! The exit code says whether the export was written (0) or the model could not be
//! loaded (2); findings are in the export, they do not fail the command.

use std::path::PathBuf;

use super::print;
use super::{DateArgs, Exit, OutputArgs};
use crate::check::Options;
use crate::export::{self, Input};
use crate::model::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// The resolved model and every finding (`threatbook schema --export` describes it).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// A threat register: one row per threat on each target.
    Csv,
    /// Open Threat Model 0.2.0 JSON, for other threat-modelling tools.
    Otm,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model folder (the one holding threatbook.toml) [default: the current folder].
    dir: Option<PathBuf>,
    /// Export format [default: from the -o extension (.json, .sarif, .csv, .otm.json)].
    #[arg(long, value_enum)]
    format: Option<Format>,
    #[command(flatten)]
    date: DateArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// The export input of a project that loaded.
pub(super) fn input(project: &crate::Project, today: Date) -> Option<Input<'_>> {
    Some(Input {
        model: project.model.as_ref()?,
        sources: &project.sources,
        today,
        findings: project.diagnostics.as_slice(),
    })
}

/// The extension of each format's files, for `-o` without `--format`.
const EXTENSIONS: &[(&str, Format)] = &[
    (".json", Format::Json),
    (".sarif", Format::Sarif),
    (".csv", Format::Csv),
    (".otm.json", Format::Otm),
];

pub fn run(args: Args) -> Exit {
    let dir = match super::model_dir(args.dir.clone()) {
        Ok(d) => d,
        Err(exit) => return exit,
    };
    let today = match args.date.resolve() {
        Ok(d) => d,
        Err(e) => return print::failure(&e),
    };
    let project = match super::open_checked(&dir, &Options::new(today)) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let Some(input) = input(&project, today) else {
        return Exit::Failure;
    };
    let inputs = super::inputs_of(&project, &dir);
    let format = match args.output.format(args.format, EXTENSIONS, None, &inputs) {
        Ok(f) => f,
        Err(e) => return print::failure(&e),
    };
    let format = match format {
        Format::Json => export::Format::Json,
        Format::Sarif => export::Format::Sarif,
        Format::Csv => export::Format::Csv,
        Format::Otm => {
            return args
                .output
                .write_with(&inputs, |out| export::otm::write_otm(input.model, out));
        }
    };
    // Written as it is made: a large model's export is tens of megabytes.
    args.output
        .write_with(&inputs, |out| export::export_to(format, &input, out))
}
