//! `threatbook review`: record a reviewer's decision on the model as it is, as a
//! `[[review]]` entry with the model's `state`, in the model's own files.
//!
//! Exits 0 when the entry is written, 2 when the model does not load (its diagnostics
//! are printed) or the file cannot be written; nothing is written then.

use std::path::PathBuf;

use super::{Exit, parse_date, print, source_date_epoch_seconds};
use crate::model::{Date, Decision};
use crate::review::{NewReview, RecordError, record};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DecisionArg {
    /// The reviewer signs the model off.
    Approved,
    /// The reviewer asks for changes first.
    ChangesRequested,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model folder (the one holding threatbook.toml).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Who reviewed the model.
    #[arg(long, value_name = "NAME")]
    reviewer: String,
    /// What the reviewer decided.
    #[arg(long, value_enum, default_value = "approved")]
    decision: DecisionArg,
    /// What the review covered ("whole model", "payment flows").
    #[arg(long, value_name = "TEXT")]
    scope: Option<String>,
    /// What the reviewer said (Markdown).
    #[arg(long, value_name = "TEXT")]
    notes: Option<String>,
    /// The day of the review (YYYY-MM-DD). Without it, SOURCE_DATE_EPOCH is used when
    /// set, else the system clock (UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    date: Option<Date>,
}

pub fn run(args: Args) -> Exit {
    let date = match args.date {
        Some(d) => d,
        None => match source_date_epoch_seconds() {
            Ok(secs) => Date::from_unix_seconds(secs),
            Err(e) => return print::failure(&e),
        },
    };
    let review = NewReview {
        reviewer: args.reviewer,
        date,
        decision: match args.decision {
            DecisionArg::Approved => Decision::Approved,
            DecisionArg::ChangesRequested => Decision::ChangesRequested,
        },
        scope: args.scope,
        notes: args.notes,
    };
    let project = crate::open(&args.dir);
    match record(&args.dir, &project, &review) {
        Ok(done) => {
            eprintln!(
                "{} {} ({} by {}, {}) of state {}",
                if done.created { "created" } else { "added to" },
                done.path.display(),
                review.decision,
                review.reviewer,
                review.date,
                done.state
            );
            Exit::Ok
        }
        Err(RecordError::NotLoaded) => {
            let diagnostics: Vec<_> = project.diagnostics.iter().cloned().collect();
            print::human(&project.sources, &diagnostics);
            print::failure(&format!(
                "{} could not be loaded ({}); no review was recorded",
                args.dir.display(),
                crate::diag::count(
                    project.diagnostics.count(crate::diag::Severity::Error),
                    "error"
                )
            ))
        }
        Err(e) => print::failure(&format!("{e}; no review was recorded")),
    }
}
