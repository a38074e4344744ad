//! `threatbook diff`: compare two versions of a model, as Markdown for a pull-request
//! comment or as JSON, and optionally fail when a change leaves threats uncovered.

use std::path::PathBuf;

use super::open_checked;
use super::print;
use super::{DateArgs, Exit, OutputArgs};
use crate::check::Options;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Markdown that fits a pull-request comment.
    Md,
    /// The diff as one JSON document.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOn {
    /// Exit 1 when a threat is uncovered now that was not before (new threats included).
    NewUncovered,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// OLD_DIR NEW_DIR, or with --git only the model folder (compared with itself at REV).
    #[arg(num_args = 1..=2, required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Compare the model folder as it was at this git revision with the work tree.
    #[arg(long, value_name = "REV")]
    git: Option<String>,
    /// Output format [default: from the -o extension (.md, .json), else md].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Make the command a CI gate.
    #[arg(long, value_enum, value_name = "CONDITION")]
    fail_on: Option<FailOn>,
    #[command(flatten)]
    date: DateArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// The extension of each format's files, for `-o` without `--format`.
const EXTENSIONS: &[(&str, Format)] = &[(".md", Format::Md), (".json", Format::Json)];

pub fn run(args: Args) -> Exit {
    let today = match args.date.resolve() {
        Ok(d) => d,
        Err(e) => return print::failure(&e),
    };
    // With --git the old side is materialised here; the guard keeps it until the end.
    let mut _checkout = None;
    let (old_dir, new_dir) = match (&args.git, args.dirs.as_slice()) {
        (None, [old, new]) => (old.clone(), new.clone()),
        (Some(rev), [dir]) => {
            let tmp = match tempfile::Builder::new()
                .prefix("threatbook-diff-")
                .tempdir()
            {
                Ok(t) => t,
                Err(e) => return print::failure(&format!("cannot make a temporary folder: {e}")),
            };
            if let Err(e) = crate::git::checkout_folder(dir, rev, tmp.path()) {
                return print::failure(&e.to_string());
            }
            let old = tmp.path().to_path_buf();
            _checkout = Some(tmp);
            (old, dir.clone())
        }
        (None, _) => return print::failure("give OLD_DIR and NEW_DIR, or --git REV and one DIR"),
        (Some(_), _) => return print::failure("with --git, give only the model folder"),
    };
    let options = Options::new(today);
    let old = match open_checked(&old_dir, &options) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let new = match open_checked(&new_dir, &options) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let (Some(old_model), Some(new_model)) = (&old.model, &new.model) else {
        return Exit::Failure;
    };
    // With --git the old side is a private copy; only the work tree's files are inputs.
    let mut inputs = super::inputs_of(&new, &new_dir);
    if args.git.is_none() {
        inputs.add_sources(&old.sources);
        inputs.add_folder(&old_dir);
    }
    let format = match args
        .output
        .format(args.format, EXTENSIONS, Some(Format::Md), &inputs)
    {
        Ok(f) => f,
        Err(e) => return print::failure(&e),
    };
    let d = crate::diff::diff(old_model, new_model, today);
    let text = match format {
        Format::Md => crate::diff::markdown::render(&d),
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&d).unwrap_or_default();
            t.push('\n');
            t
        }
    };
    if let Exit::Failure = args.output.write(&text, &inputs) {
        return Exit::Failure;
    }
    if args.fail_on == Some(FailOn::NewUncovered) && !d.newly_uncovered.is_empty() {
        eprintln!(
            "{} threat(s) newly uncovered: {}",
            d.newly_uncovered.len(),
            d.newly_uncovered
                .iter()
                .map(|c| c.threat.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Exit::Findings;
    }
    Exit::Ok
}
