//! Printing diagnostics for people (codespan-reporting, coloured on a terminal) and for
//! machines (JSON).

use std::io::IsTerminal;

use super::Exit;
use crate::diag::{Diagnostic, Location, Severity};
pub use crate::diag::{JsonDiagnostic, json_diagnostic};
use crate::source::Sources;
use codespan_reporting::diagnostic::{Diagnostic as Report, Label, Severity as ReportSeverity};
use codespan_reporting::term::termcolor::{BufferedStandardStream, ColorChoice};
use codespan_reporting::term::{self, Config};

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
        Severity::Note => ReportSeverity::Note,
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

/// Prints diagnostics to standard error, rustc-style. Output is buffered: a large model
/// can have tens of thousands of findings, and unbuffered standard error would make a
/// system call per fragment.
pub fn human<'d>(sources: &Sources, diagnostics: impl IntoIterator<Item = &'d Diagnostic>) {
    let mut stderr = BufferedStandardStream::stderr(color_choice());
    let config = Config::default();
    for d in diagnostics {
        if term::emit_to_write_style(&mut stderr, &config, sources, &to_report(d)).is_err() {
            let _ = std::io::Write::flush(&mut stderr);
            eprintln!("{}[{}]: {}", d.severity.as_str(), d.code, d.message);
        }
    }
    let _ = std::io::Write::flush(&mut stderr);
}

/// Reports a failure that is not about the model (I/O, templates) and returns exit 2.
pub fn failure(message: &str) -> Exit {
    eprintln!("error: {message}");
    Exit::Failure
}

/// A warning that is not about the model (a template file that replaces nothing); the
/// command goes on.
pub fn warning(message: &str) {
    eprintln!("warning: {message}");
}

/// Diagnostics as plain rustc-style text (no colour), for a page or a file.
pub fn plain(sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    let config = Config::default();
    let mut out = String::new();
    for d in diagnostics {
        match term::emit_into_string(&config, sources, &to_report(d)) {
            Ok(text) => out.push_str(&text),
            Err(_) => out.push_str(&format!(
                "{}[{}]: {}\n",
                d.severity.as_str(),
                d.code,
                d.message
            )),
        }
    }
    out
}
