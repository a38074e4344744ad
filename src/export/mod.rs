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

/// Exports `input` in `format`.
pub fn export(format: Format, input: &Input<'_>) -> String {
    match format {
        Format::Json => json::export(input),
        Format::Sarif => sarif::export(input),
        Format::Csv => csv::export(input),
    }
}
