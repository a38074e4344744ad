//! Printing diagnostics for people (codespan-reporting, coloured on a terminal) and for
//! machines (JSON).

use std::io::IsTerminal;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label, Severity as ReportSeverity};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use codespan_reporting::term::{self, Config};
use serde::Serialize;

use super::Exit;
use crate::diag::{Diagnostic, Location, Severity};
use crate::source::Sources;

fn color_choice() -> ColorChoice {
    if std::env::var_os("NO_COLOR").is_some() || !std::io::stderr().is_terminal() {
        ColorChoice::Never
    } else {
        ColorChoice::Auto
    }
}

fn to_report(d: &Diagnostic) -> Report<crate::source::FileId> {
    let severity = match d.severity {
        Severity::Error => ReportSeverity::Error,
        Severity::Warning => ReportSeverity::Warning,
    };
    let mut report = Report::new(severity)
        .with_code(d.code.as_str())
        .with_message(&d.message);
    let mut labels = Vec::new();
    if let Location::Span(span) = &d.location {
        labels.push(Label::primary(span.file, span.range()).with_message(&d.label));
    }
    for (span, message) in &d.related {
        labels.push(Label::secondary(span.file, span.range()).with_message(message));
    }
    report = report.with_labels(labels);
    let mut notes: Vec<String> = d.help.iter().map(|h| format!("help: {h}")).collect();
    if let Location::Path(p) = &d.location {
        notes.insert(0, format!("in {}", p.display()));
    }
    report.with_notes(notes)
}

/// Prints diagnostics to standard error, rustc-style, and a one-line tally.
pub fn human(sources: &Sources, diagnostics: &[Diagnostic]) {
    let mut stderr = StandardStream::stderr(color_choice());
    let config = Config::default();
    for d in diagnostics {
        if term::emit_to_write_style(&mut stderr, &config, sources, &to_report(d)).is_err() {
            eprintln!("{}[{}]: {}", d.severity.as_str(), d.code, d.message);
        }
    }
}

/// A diagnostic as `check --format json` prints it.
#[derive(Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub help: Vec<String>,
    pub related: Vec<JsonRelated>,
}

#[derive(Serialize)]
pub struct JsonRelated {
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

pub fn json_diagnostic(sources: &Sources, d: &Diagnostic) -> JsonDiagnostic {
    let (file, line, column) = d.position(sources);
    let (end_line, end_column) = match &d.location {
        Location::Span(s) => {
            let (l, c) = sources.get(s.file).line_col(s.end as usize);
            (Some(l), Some(c))
        }
        Location::Path(_) => (None, None),
    };
    JsonDiagnostic {
        code: d.code.as_str(),
        severity: d.severity.as_str(),
        message: d.message.clone(),
        file,
        line,
        column,
        end_line,
        end_column,
        help: d.help.clone(),
        related: d
            .related
            .iter()
            .map(|(span, message)| {
                let (path, line, column) = sources.locate(*span);
                JsonRelated {
                    message: message.clone(),
                    file: path.display().to_string(),
                    line,
                    column,
                }
            })
            .collect(),
    }
}

/// Reports a failure that is not about the model (I/O, templates) and returns exit 2.
pub fn failure(message: &str) -> Exit {
    eprintln!("error: {message}");
    Exit::Failure
}
