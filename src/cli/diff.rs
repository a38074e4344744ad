//! `threatbook diff`: compare two versions of a model, as Markdown for a pull-request
//! comment or as JSON, and optionally fail (exit 1) when the change fires one of the
//! `--fail-on` conditions.

use std::path::PathBuf;

use super::open_checked;
use super::print;
use super::{DateArgs, Exit, OutputArgs};
use crate::check::Options;
use crate::diff::Condition;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Markdown that fits a pull-request comment.
    Md,
    /// The diff as one JSON document.
    Json,
}

/// The `--fail-on` conditions, as [`crate::diff::Condition`] has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOn {
    /// A threat uncovered now that was not before (new threats included).
    NewUncovered,
    /// A threat neither mitigated nor accepted now that was before (new threats included).
    NewUnmitigated,
    /// A mitigation's status went down, or an effective one was removed while its threats remain.
    MitigationRegressed,
    /// A threat's residual risk went up, or a new threat's is high or critical.
    RiskIncreased,
    /// A flow crosses a trust boundary it did not cross before (new flows included).
    NewBoundaryCrossing,
    /// An acceptance valid before is expired now, or a new acceptance is expired already.
    AcceptanceExpired,
}

impl FailOn {
    fn condition(self) -> Condition {
        match self {
            FailOn::NewUncovered => Condition::NewUncovered,
            FailOn::NewUnmitigated => Condition::NewUnmitigated,
            FailOn::MitigationRegressed => Condition::MitigationRegressed,
            FailOn::RiskIncreased => Condition::RiskIncreased,
            FailOn::NewBoundaryCrossing => Condition::NewBoundaryCrossing,
            FailOn::AcceptanceExpired => Condition::AcceptanceExpired,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// OLD_DIR NEW_DIR, or with --git only the model folder (compared with itself at REV;
    /// default: the current folder).
    #[arg(num_args = 0..=2, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Compare the model folder as it was at this git revision with the work tree.
    #[arg(long, value_name = "REV")]
    git: Option<String>,
    /// Output format [default: from the -o extension (.md, .json), else md].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Make the command a CI gate: exit 1 when any of these conditions fires
    /// (repeat the flag or separate them with commas).
    #[arg(long, value_enum, value_name = "CONDITION", value_delimiter = ',')]
    fail_on: Vec<FailOn>,
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
        (Some(rev), [] | [_]) => {
            let dir = match super::model_dir(args.dirs.first().cloned()) {
                Ok(d) => d,
                Err(exit) => return exit,
            };
            let dir = &dir;
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
    let conditions: Vec<Condition> = args.fail_on.iter().map(|f| f.condition()).collect();
    let d = crate::diff::diff(old_model, new_model, today).gated(&conditions);
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
    if d.failed.is_empty() {
        return Exit::Ok;
    }
    for f in &d.failed {
        let ids: Vec<&str> = f.items.iter().map(|i| i.id.as_str()).collect();
        eprintln!(
            "failed {} ({}): {}",
            f.condition.as_str(),
            ids.len(),
            ids.join(", ")
        );
    }
    Exit::Findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_condition_is_a_fail_on_value() {
        let names: Vec<String> = FailOn::value_variants()
            .iter()
            .map(|v| v.to_possible_value().unwrap().get_name().to_string())
            .collect();
        let conditions: Vec<&str> = Condition::ALL.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, conditions);
        for v in FailOn::value_variants() {
            let name = v.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(v.condition().as_str(), name);
        }
    }
}
