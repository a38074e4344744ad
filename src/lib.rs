//! threatbook: threat models as plain TOML, cross-checked and rendered.
//!
//! The pipeline runs one way: [`load`] reads a model folder into raw entities with
//! spans, [`model`] resolves them into a petgraph graph, [`check`] cross-checks it into
//! coded [`diag`]nostics, and [`render`] and [`export`] turn it into documents and
//! machine-readable files; [`diagram`] draws its data-flow diagram (SVG laid out here,
//! DOT, Mermaid). [`evidence`] bundles them with hashes for auditors, [`diff`]
//! compares two models, and [`review`] records sign-offs tied to the model's state; [`serve`] serves a live preview. Only the binary's [`cli`] prints or picks exit codes.

pub mod check;
pub mod cli;
pub mod diag;
pub mod diagram;
pub mod diff;
pub mod evidence;
pub mod explain;
pub mod export;
pub mod git;
pub mod import;
pub mod kinds;
pub mod load;
pub mod lsp;
pub mod model;
pub mod output;
pub mod paths;
pub mod render;
pub mod review;
pub mod schema;
pub mod serve;
pub mod site;
pub mod source;
pub mod synthetic;

use std::path::Path;

pub use crate::diag::{Code, Diagnostic, Diagnostics, Severity};
pub use crate::model::Model;
pub use crate::source::Sources;

/// A model folder after loading and resolution.
#[derive(Debug)]
pub struct Project {
    pub sources: Sources,
    /// Counts of what was read, for the summary of a model that did not resolve.
    pub read: check::Summary,
    /// `None` when loading or resolution reported an error.
    pub model: Option<Model>,
    pub diagnostics: Diagnostics,
}

/// Loads and resolves the model in `dir`, collecting every problem.
pub fn open(dir: &Path) -> Project {
    let mut diagnostics = Diagnostics::default();
    let loaded = load::load_dir(dir, &mut diagnostics);
    finish(loaded, Some(dir), diagnostics)
}

/// Like [`open`], with the text of the files `overlay` names (an editor's unsaved
/// buffers, by path) read from it instead of the disk.
pub fn open_overlay(dir: &Path, overlay: &load::Overlay) -> Project {
    let mut diagnostics = Diagnostics::default();
    let loaded = load::load_dir_overlay(dir, overlay, &mut diagnostics);
    finish(loaded, Some(dir), diagnostics)
}

/// Loads and resolves a model given as in-memory files (relative path, text).
pub fn open_texts<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Project {
    let mut diagnostics = Diagnostics::default();
    let loaded = load::load_texts(files, &mut diagnostics);
    finish(loaded, None, diagnostics)
}

/// Like [`open_texts`], for files that are to live in `dir`: knowledge-base folders the
/// manifest names are read relative to it.
pub fn open_texts_in<N: AsRef<str>, T: Into<String>>(
    dir: &Path,
    files: impl IntoIterator<Item = (N, T)>,
) -> Project {
    let mut diagnostics = Diagnostics::default();
    let loaded = load::load_texts(files, &mut diagnostics);
    finish(loaded, Some(dir), diagnostics)
}

/// Loads the knowledge bases the manifest names (folders relative to `dir`), then
/// resolves the model.
fn finish(mut loaded: load::Loaded, dir: Option<&Path>, mut diagnostics: Diagnostics) -> Project {
    let read = check::Summary::of_raw(&loaded.raw);
    let names = loaded
        .raw
        .knowledge
        .take()
        .map(|k| k.bases)
        .unwrap_or_default();
    let knowledge = load::kb::load_knowledge(dir, &names, &mut loaded.sources, &mut diagnostics);
    // The raw entities are consumed: their strings move into the model.
    let model = if loaded.sources.is_empty() {
        None
    } else {
        model::build(loaded.raw, knowledge, &mut diagnostics)
    };
    Project {
        sources: loaded.sources,
        read,
        model,
        diagnostics,
    }
}

impl Project {
    /// Whether loading or resolution reported an error.
    pub fn failed_to_load(&self) -> bool {
        self.model.is_none()
    }

    /// Runs the cross-check rules (when the model resolved) and sorts all diagnostics
    /// into file order.
    pub fn check(&mut self, options: &check::Options) {
        if let Some(model) = &self.model {
            check::run(model, options, &mut self.diagnostics);
        }
        self.diagnostics.sort();
    }

    /// The counts `check --format json` reports.
    pub fn summary(&self, today: model::Date) -> check::Summary {
        match &self.model {
            Some(m) => check::Summary::of_model(m, today),
            None => self.read.clone(),
        }
    }
}
