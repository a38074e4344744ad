//! Export: a checked model as machine-readable files for auditors and CI systems.
//!
//! One format a file: [`json`] (the resolved model and every finding, versioned and
//! described by its own JSON Schema), [`sarif`] (SARIF 2.1.0 for code-scanning viewers)
//! and [`csv`] (a threat register for spreadsheets), and [`otm`] (the Open Threat Model
//! interchange format, for other tools). Each returns a string; writing it anywhere is
//! the caller's business, and nothing here prints.

pub mod csv;
pub mod json;
pub mod otm;
pub mod sarif;

use crate::diag::Diagnostic;
use crate::model::{Date, Model};
use crate::source::Sources;

/// The export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Sarif,
    Csv,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Json, Format::Sarif, Format::Csv];

    /// The file name an export of this format gets in an evidence bundle.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "threatbook.json",
            Format::Sarif => "threatbook.sarif",
            Format::Csv => "threat-register.csv",
        }
    }
}

/// What every export is made from: a resolved model, the files it was read from, the
/// day coverage is judged on, and the sorted findings of the cross-check.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    pub model: &'a Model,
    pub sources: &'a Sources,
    pub today: Date,
    pub findings: &'a [Diagnostic],
}

/// Writes the export of `input` in `format` to `out` as it is made: the text of a large
/// model's export is never held whole. The same bytes as [`export`].
pub fn export_to(
    format: Format,
    input: &Input<'_>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::export_to(input, out),
        Format::Sarif => sarif::export_to(input, out),
        Format::Csv => out.write_all(csv::export(input).as_bytes()),
    }
}

/// Writes `value` to `out` as pretty JSON with a final newline, through a buffer of its
/// own (the serialiser makes a write per token).
pub(crate) fn pretty_json_to(
    value: &impl serde::Serialize,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut buffered, value)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// `value` as pretty JSON with a final newline: what [`pretty_json_to`] writes.
pub(crate) fn pretty_json(value: &impl serde::Serialize) -> String {
    let mut bytes = Vec::new();
    // Writing to memory cannot fail, and serde_json writes UTF-8.
    let _ = pretty_json_to(value, &mut bytes);
    String::from_utf8(bytes).unwrap_or_default()
}

/// Exports `input` in `format`.
pub fn export(format: Format, input: &Input<'_>) -> String {
    match format {
        Format::Json => json::export(input),
        Format::Sarif => sarif::export(input),
        Format::Csv => csv::export(input),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written as it is made, each export is byte for byte the text [`export`] and
    /// [`otm::to_otm`] give, on a model with knowledge-base instances and findings.
    #[test]
    fn an_export_written_as_it_is_made_is_the_same_text() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let today = crate::model::Date::parse("2026-06-01").unwrap();
        let mut project = crate::open(&root.join("catalog/stride-example"));
        project.check(&crate::check::Options::new(today));
        let findings: Vec<_> = project.diagnostics.iter().cloned().collect();
        assert!(!findings.is_empty());
        let input = Input {
            model: project.model.as_ref().unwrap(),
            sources: &project.sources,
            today,
            findings: &findings,
        };
        for format in [Format::Json, Format::Sarif, Format::Csv] {
            let mut written = Vec::new();
            export_to(format, &input, &mut written).unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                export(format, &input),
                "{format:?}"
            );
        }
        let mut written = Vec::new();
        otm::write_otm(input.model, &mut written).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            otm::to_otm(input.model)
        );
    }
}
