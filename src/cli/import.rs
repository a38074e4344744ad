//! `threatbook import`: another tool's model file as a new threatbook model folder.

use std::path::PathBuf;

use super::print;
use super::{Exit, parse_date};
use crate::import::{self, Options, SourceFormat};
use crate::model::Date;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum From {
    /// Open Threat Model, JSON or YAML (0.1.x, 0.2.x).
    Otm,
    /// OWASP Threat Dragon v2 JSON.
    ThreatDragon,
    /// Threagile YAML.
    Threagile,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The format of the source file.
    #[arg(long, value_enum)]
    from: From,
    /// The file to import.
    file: PathBuf,
    /// The model folder to create (it must not exist, or be empty).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Expiry of acceptances the source gives no date for (Threat Dragon's "N/A"
    /// threats, Threagile's accepted risks). Default: 90 days after today
    /// (SOURCE_DATE_EPOCH when set, else the clock).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    accept_until: Option<Date>,
}

pub fn run(args: Args) -> Exit {
    let accept_until = match args.accept_until {
        Some(d) => d,
        None => match super::source_date_epoch_seconds() {
            Ok(secs) => Date::from_unix_seconds(secs + 90 * 86_400),
            Err(e) => return print::failure(&e),
        },
    };
    let format = match args.from {
        From::Otm => SourceFormat::Otm,
        From::ThreatDragon => SourceFormat::ThreatDragon,
        From::Threagile => SourceFormat::Threagile,
    };
    let options = Options {
        accept_until,
        model_folder: Some(args.output.clone()),
    };
    // Large files take seconds: on a terminal, the stage reached is shown after the first.
    let progress = super::progress::Progress::new("import");
    progress.stage("reading the file");
    let draft = match import::read(&args.file, format, &options) {
        Ok(d) => d,
        Err(e) => return print::failure(&e.to_string()),
    };
    progress.stage("checking and writing the model");
    let (counts, notes) = (draft.counts(), draft.note_count());
    let written = match import::write_model(draft, &args.output) {
        Ok(w) => w,
        Err(e) => return print::failure(&e.to_string()),
    };
    progress.finish();
    // Threats and mitigations as the model has them: instances of the knowledge bases
    // it names are not in its files.
    let counts: Vec<String> = counts
        .iter()
        .map(|(what, n)| match *what {
            "threats" if written.instances > 0 => format!(
                "{} threats ({} from knowledge bases)",
                written.threats, written.instances
            ),
            "threats" => format!("{} threats", written.threats),
            "mitigations" => format!("{} mitigations", written.mitigations),
            _ => format!("{n} {what}"),
        })
        .collect();
    eprintln!(
        "imported {} into {}: {}",
        args.file.display(),
        args.output.display(),
        counts.join(", ")
    );
    if notes > 0 {
        eprintln!(
            "{notes} note(s) on what was inferred or not carried over: {}",
            args.output.join("NOTES.md").display()
        );
    }
    Exit::Ok
}
