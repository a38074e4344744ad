//! `threatbook check`: load, cross-check, print diagnostics, and exit with a code CI can
//! gate on.

use std::path::PathBuf;

use serde::Serialize;

use super::print::{self, JsonDiagnostic};
use super::{DateArgs, Exit};
use crate::check::{Options, Require, ReviewRequirement, Summary};
use crate::diag::{Code, Severity, Stage};
use crate::model::{Choice, Level};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    /// rustc-style messages with source snippets, on standard error.
    Human,
    /// One JSON document on standard output.
    Json,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Deny {
    /// Treat warnings as errors: exit 1 when there is any.
    Warnings,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model folder (the one holding threatbook.toml) [default: the current folder].
    dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Make warnings fail the check.
    #[arg(long, value_enum, value_name = "LEVEL")]
    deny: Option<Deny>,
    /// Explain a diagnostic code and exit; `--explain all` lists every code.
    #[arg(long, value_name = "CODE", conflicts_with = "dir")]
    explain: Option<String>,
    /// Require the latest `[[review]]` approval to approve the model as it is: its
    /// `state` (written by `threatbook review`) must be the model's state now. An
    /// approval without `state` must be dated on or after the model's last change (its
    /// last git commit, today when it has uncommitted changes, or the newest file time
    /// outside git). Otherwise `review-required` is an error.
    #[arg(long)]
    require_review: bool,
    /// Report `uncovered-threat` only for threats whose inherent risk (likelihood and
    /// impact by the risk matrix, else severity) is at least LEVEL: low, medium, high or
    /// critical.
    #[arg(long, value_name = "LEVEL", value_parser = level)]
    min_risk: Option<Level>,
    /// How far each threat's handling must have got: `proposed` (the default: any
    /// mitigation, even one only proposed), `planned` (a mitigation at least planned)
    /// or `mitigated` (one implemented or verified). Threats below it are errors
    /// (`unmitigated-threat`); accepted and not-applicable threats always pass.
    #[arg(long, value_name = "STATE", value_parser = require, default_value = "proposed")]
    require: Require,
    /// Print every diagnostic; without it, human output shows the first
    /// PER_CODE_LIMIT of each code and counts the rest (JSON always has them all).
    #[arg(long)]
    all: bool,
    /// Warn (`expiring-acceptance`) during the last DAYS days an acceptance holds: with
    /// 30, from 29 days before its `expires` date through that date; 0 turns it off.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = crate::check::DEFAULT_EXPIRY_WINDOW,
        allow_negative_numbers = true
    )]
    expiry_window: u32,
    /// Report `stride-coverage`: elements missing a threat (or a `[[not-applicable]]`)
    /// for a STRIDE category that applies to their kind.
    #[arg(long)]
    stride_coverage: bool,
    #[command(flatten)]
    date: DateArgs,
}

#[derive(Serialize)]
struct JsonReport {
    model: String,
    today: String,
    loaded: bool,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic>,
    summary: Summary,
}

fn require(text: &str) -> Result<Require, String> {
    Require::ALL
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, r)| *r)
        .ok_or_else(|| {
            let names: Vec<&str> = Require::ALL.iter().map(|(n, _)| *n).collect();
            format!("expected one of {}", names.join(", "))
        })
}

fn level(text: &str) -> Result<Level, String> {
    Level::from_name(text).ok_or_else(|| format!("expected one of {}", Level::names().join(", ")))
}

pub fn run(args: Args) -> Exit {
    if let Some(code) = &args.explain {
        return explain(code);
    }
    let dir = match super::model_dir(args.dir) {
        Ok(d) => d,
        Err(exit) => return exit,
    };
    let today = match args.date.resolve() {
        Ok(d) => d,
        Err(e) => return print::failure(&e),
    };
    let mut project = crate::open(&dir);
    let mut options = Options::new(today);
    options.min_risk = args.min_risk;
    options.stride_coverage = args.stride_coverage;
    options.require = args.require;
    options.expiry_window = args.expiry_window;
    if args.require_review {
        // The day of the last change judges only an approval without a state: git runs
        // only then.
        let stateless = project
            .model
            .as_ref()
            .and_then(|m| m.latest_approval())
            .is_some_and(|r| r.state.is_none());
        let last_change = stateless.then(|| {
            let files: Vec<&std::path::Path> = project
                .sources
                .iter()
                .map(|(_, f)| f.path.as_path())
                .collect();
            crate::git::last_change(&dir, &files, today)
        });
        options.require_review = Some(ReviewRequirement {
            state: crate::review::state::of_sources(&project.sources),
            last_change,
        });
    }
    project.check(&options);
    let diagnostics = project.diagnostics.as_slice();
    let errors = project.diagnostics.count(Severity::Error);
    let warnings = project.diagnostics.count(Severity::Warning);
    match args.format {
        Format::Human => {
            let (shown, hidden) = limit_per_code(
                diagnostics,
                if args.all { usize::MAX } else { PER_CODE_LIMIT },
            );
            print::human(&project.sources, shown);
            for (code, severity, n) in &hidden {
                eprintln!(
                    "note: {} more `{code}` {} not shown (`--all` shows every diagnostic; `--format json` always has them all)",
                    n,
                    if *n == 1 {
                        severity.as_str().to_string()
                    } else {
                        format!("{}s", severity.as_str())
                    }
                );
            }
            eprintln!("{}", tally(&project, today, errors, warnings));
        }
        Format::Json => {
            let report = JsonReport {
                model: dir.display().to_string(),
                today: today.to_string(),
                loaded: !project.failed_to_load(),
                errors,
                warnings,
                diagnostics: diagnostics
                    .iter()
                    .map(|d| print::json_diagnostic(&project.sources, d))
                    .collect(),
                summary: project.summary(today),
            };
            let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
            text.push('\n');
            if let Exit::Failure = super::OutputArgs::stdout().write(&text, &Default::default()) {
                return Exit::Failure;
            }
        }
    }
    let load_failed = project.failed_to_load()
        || diagnostics
            .iter()
            .any(|d| d.code.stage() == Stage::Load && d.severity == Severity::Error);
    if load_failed {
        Exit::Failure
    } else if errors > 0 || (warnings > 0 && args.deny.is_some()) {
        Exit::Findings
    } else {
        Exit::Ok
    }
}

/// How many diagnostics of one code human output shows before it counts the rest.
const PER_CODE_LIMIT: usize = 100;

/// The diagnostics to print, at most `limit` of each code (in their order), and per
/// code with more, how many were left out.
fn limit_per_code(
    diagnostics: &[crate::diag::Diagnostic],
    limit: usize,
) -> (Vec<&crate::diag::Diagnostic>, Vec<(Code, Severity, usize)>) {
    let mut seen: std::collections::HashMap<(Code, Severity), usize> = Default::default();
    let mut shown = Vec::new();
    let mut hidden: Vec<(Code, Severity, usize)> = Vec::new();
    for d in diagnostics {
        let n = seen.entry((d.code, d.severity)).or_default();
        *n += 1;
        if *n <= limit {
            shown.push(d);
        } else if let Some(h) = hidden
            .iter_mut()
            .find(|(c, s, _)| *c == d.code && *s == d.severity)
        {
            h.2 += 1;
        } else {
            hidden.push((d.code, d.severity, 1));
        }
    }
    (shown, hidden)
}

fn tally(
    project: &crate::Project,
    today: crate::model::Date,
    errors: usize,
    warnings: usize,
) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let counts = format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    match &project.model {
        None => format!("the model could not be loaded: {counts}"),
        Some(model) => {
            let s = Summary::of_model(model, today);
            let states: Vec<String> = crate::model::Coverage::REPORT_ORDER
                .iter()
                .filter_map(|c| {
                    let n = s.count(*c).unwrap_or(0);
                    (n > 0).then(|| format!("{n} {}", c.words()))
                })
                .collect();
            let states = if states.is_empty() {
                String::new()
            } else {
                format!(": {}", states.join(", "))
            };
            format!(
                "{}: {}, {}, {}, {}{states}; {}; {counts}",
                model.project.name,
                plural(s.components, "component"),
                plural(s.flows, "flow"),
                plural(s.zones, "zone"),
                plural(s.threats, "threat"),
                plural(s.mitigations, "mitigation"),
            )
        }
    }
}

fn explain(name: &str) -> Exit {
    if name == "all" {
        let mut text = String::new();
        for code in Code::ALL {
            text.push_str(&format!(
                "{:<32} {:<8} {}\n",
                code.as_str(),
                code.severity().as_str(),
                code.summary()
            ));
        }
        // Through the one writer: a reader that stops early (`| head`) is no error.
        return super::OutputArgs::stdout().write(&text, &Default::default());
    }
    match Code::from_name(name) {
        Some(code) => {
            let stage = match code.stage() {
                Stage::Load => "loading (exit code 2)",
                Stage::Check => "the cross-check",
            };
            // The first line of the text is its `# CODE` heading, which this line
            // replaces with the code's severity and stage.
            let body = crate::explain::explanation(code)
                .and_then(|t| t.split_once('\n'))
                .map_or("", |(_, rest)| rest.trim_start());
            let text = format!(
                "{} ({}, reported by {stage})\n{}\n\n{body}",
                code.as_str(),
                code.severity().as_str(),
                code.summary()
            );
            super::OutputArgs::stdout().write(&text, &Default::default())
        }
        None => {
            let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            let close = crate::diag::suggest(name, names.iter().copied());
            let hint = match close.first() {
                Some(c) => format!("; did you mean `{c}`?"),
                None => String::new(),
            };
            print::failure(&format!(
                "unknown diagnostic code `{name}`{hint} (`threatbook check --explain all` lists them)"
            ))
        }
    }
}
