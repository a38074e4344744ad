//! One model folder as the server sees it: loaded with the editor's text over the disk,
//! checked as `check` checks it, its diagnostics turned into the protocol's, and its ids
//! indexed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString};

use super::index::Index;
use super::text::{Lines, path_to_uri};
use crate::diag::{Diagnostic, Location as DiagLocation, Severity};
use crate::model::Date;
use crate::source::{FileId, Span};
use crate::{Project, check};

pub use super::index::{Occurrence, Space};

/// A diagnostic as published, with the one it was made from (for code actions).
#[derive(Debug)]
pub struct Published {
    pub lsp: lsp_types::Diagnostic,
    pub source: Diagnostic,
}

/// A model folder, loaded, checked and indexed.
#[derive(Debug)]
pub struct Analysis {
    pub dir: PathBuf,
    pub today: Date,
    pub project: Project,
    pub index: Index,
    /// The diagnostics of each file, by path.
    pub diagnostics: HashMap<PathBuf, Vec<Published>>,
    files: HashMap<PathBuf, FileId>,
    /// Where each line of each file starts, by file.
    starts: Vec<Vec<usize>>,
}

impl Analysis {
    /// Loads `dir` with `overlay` over its files, and checks it as `check` does with its
    /// default options.
    pub fn new(dir: &Path, overlay: &crate::load::Overlay, today: Date) -> Analysis {
        let mut project = crate::open_overlay(dir, overlay);
        project.check(&check::Options::new(today));
        let index = Index::build(&project.sources);
        let files = project
            .sources
            .iter()
            .filter(|(_, f)| !f.is_bundled)
            .map(|(id, f)| (super::text::normalize(&f.path), id))
            .collect();
        let starts = project
            .sources
            .iter()
            .map(|(_, f)| super::text::line_starts(&f.text))
            .collect();
        let mut analysis = Analysis {
            dir: dir.to_path_buf(),
            today,
            project,
            index,
            diagnostics: HashMap::new(),
            files,
            starts,
        };
        analysis.diagnostics = analysis.publish();
        analysis
    }

    /// The file of the model at `path`, if it was read.
    pub fn file(&self, path: &Path) -> Option<FileId> {
        self.files.get(path).copied()
    }

    pub fn lines(&self, file: FileId) -> Lines<'_> {
        Lines::with_starts(
            &self.project.sources.get(file).text,
            &self.starts[file.index()],
        )
    }

    pub fn text(&self, file: FileId) -> &str {
        &self.project.sources.get(file).text
    }

    /// Where a span is, for the protocol; `None` for a file that is not on disk (a
    /// bundled knowledge base's).
    pub fn location(&self, span: Span) -> Option<Location> {
        let file = self.project.sources.get(span.file);
        if file.is_bundled {
            return None;
        }
        let uri = path_to_uri(&file.path)?;
        Some(Location::new(
            uri,
            self.lines(span.file).range(span.range()),
        ))
    }

    /// The diagnostics, file by file.
    fn publish(&self) -> HashMap<PathBuf, Vec<Published>> {
        let mut out: HashMap<PathBuf, Vec<Published>> = HashMap::new();
        let manifest = self.dir.join(crate::load::MANIFEST);
        for d in self.project.diagnostics.iter() {
            let (path, range) = match &d.location {
                DiagLocation::Span(span) => {
                    let file = self.project.sources.get(span.file);
                    if file.is_bundled {
                        continue;
                    }
                    (
                        super::text::normalize(&file.path),
                        self.lines(span.file).range(span.range()),
                    )
                }
                // A problem with a whole file or folder is shown at the top of the file,
                // or of the manifest for a folder.
                DiagLocation::Path(p) => {
                    let path = if p.is_dir() {
                        manifest.clone()
                    } else {
                        super::text::normalize(p)
                    };
                    (path, lsp_types::Range::default())
                }
            };
            let lsp = lsp_types::Diagnostic {
                range,
                severity: Some(match d.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                    Severity::Note => DiagnosticSeverity::INFORMATION,
                }),
                code: Some(NumberOrString::String(d.code.as_str().into())),
                source: Some("threatbook".into()),
                message: message(d),
                related_information: Some(
                    d.related
                        .iter()
                        .filter_map(|(span, label)| {
                            Some(DiagnosticRelatedInformation {
                                location: self.location(*span)?,
                                message: label.clone(),
                            })
                        })
                        .collect(),
                )
                .filter(|r: &Vec<_>| !r.is_empty()),
                ..lsp_types::Diagnostic::default()
            };
            out.entry(path).or_default().push(Published {
                lsp,
                source: d.clone(),
            });
        }
        out
    }

    /// The occurrence of an id at a position of a file.
    pub fn occurrence_at(&self, path: &Path, position: lsp_types::Position) -> Option<&Occurrence> {
        let file = self.file(path)?;
        let offset = self.lines(file).offset(position);
        self.index.at(file, offset)
    }
}

/// The message editors show: the diagnostic's, its label when it says more, and its help.
fn message(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    for help in &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    text
}
