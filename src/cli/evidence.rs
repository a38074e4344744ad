//! `threatbook evidence`: write an evidence bundle for auditors, or `evidence verify` one.
//!
//! Writing exits 0 when the bundle is in place and 2 when the model does not load or a
//! file cannot be written (nothing is left behind). Verifying exits 0 when every hash
//! matches, 1 naming each changed, added or removed file, 2 when there is no manifest.

use std::path::PathBuf;

use super::export::input;
use super::open_checked;
use super::print;
use super::{DateArgs, Exit};
use crate::check::Options;
use crate::evidence::{self, Manifest};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
    /// The model folder (the one holding threatbook.toml) [default: the current folder].
    dir: Option<PathBuf>,
    /// The bundle folder to write (an earlier bundle there is replaced).
    #[arg(short, long, value_name = "OUT", required = true)]
    output: Option<PathBuf>,
    #[command(flatten)]
    date: DateArgs,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Recompute every hash of a bundle and name each file changed, added or removed.
    Verify {
        /// The bundle folder.
        bundle: PathBuf,
    },
}

pub fn run(args: Args) -> Exit {
    match (args.command, args.dir, args.output) {
        (Some(Sub::Verify { bundle }), _, _) => verify(&bundle),
        (None, dir, Some(out)) => match super::model_dir(dir) {
            Ok(dir) => write(&dir, &out, &args.date),
            Err(exit) => exit,
        },
        _ => print::failure("give a model folder and -o OUT, or `evidence verify OUT`"),
    }
}

fn write(dir: &std::path::Path, out: &std::path::Path, date: &DateArgs) -> Exit {
    let today = match date.resolve() {
        Ok(d) => d,
        Err(e) => return print::failure(&e),
    };
    let generated = match super::source_date_epoch_seconds() {
        Ok(secs) => crate::model::Date::format_timestamp(secs),
        Err(e) => return print::failure(&e),
    };
    let project = match open_checked(dir, &Options::new(today)) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let Some(input) = input(&project, today) else {
        return Exit::Failure;
    };
    let meta = Manifest::new(
        &input.model.project.name,
        today.to_string(),
        Some(generated),
        crate::git::state(dir),
    );
    let inputs = super::inputs_of(&project, dir);
    let progress = super::progress::Progress::new("evidence");
    let written = evidence::write_streamed(out, &input, meta, &inputs, &|done, total| {
        progress.count(done, total, "files")
    });
    progress.finish();
    match written {
        Ok(manifest) => {
            eprintln!(
                "wrote {} ({} and {})",
                out.display(),
                crate::diag::count(manifest.files.len(), "file"),
                evidence::MANIFEST
            );
            Exit::Ok
        }
        Err(e) => print::failure(&e.to_string()),
    }
}

fn verify(bundle: &std::path::Path) -> Exit {
    let v = match evidence::verify(bundle) {
        Ok(v) => v,
        Err(e) => return print::failure(&e.to_string()),
    };
    let mut listing = String::new();
    for (what, paths) in [
        ("changed", &v.changed),
        ("added", &v.added),
        ("removed", &v.removed),
    ] {
        for path in paths {
            listing.push_str(&format!("{what}: {path}\n"));
        }
    }
    if !listing.is_empty() {
        if let Exit::Failure = super::OutputArgs::stdout().write(&listing, &Default::default()) {
            return Exit::Failure;
        }
    }
    if v.is_intact() {
        eprintln!(
            "{}: {} the manifest",
            bundle.display(),
            match v.listed {
                1 => "the one file matches".to_string(),
                n => format!("all {n} files match"),
            }
        );
        Exit::Ok
    } else {
        eprintln!(
            "{}: {} changed, {} added, {} removed",
            bundle.display(),
            v.changed.len(),
            v.added.len(),
            v.removed.len()
        );
        Exit::Findings
    }
}
