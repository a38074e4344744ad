//! The integration suite: the `threatbook` binary run on fixture models, as a user runs it.

mod blind_coverage;
mod browser;
mod catalog;
mod ci_recipes;
mod cli;
mod diagram;
mod diff;
mod docs;
mod evidence;
mod explain;
mod export;
mod fixtures;
#[path = "../fuzz/mod.rs"]
mod fuzz;
mod fuzzing;
mod html;
mod import;
mod kb;
mod load_errors;
mod lsp;
mod otm_round_trip;
mod output;
mod paths;
mod review;
mod risk;
mod serve;
mod stride;
mod support;
mod vocabulary;

/// The bundled FastAPI model, resolved.
pub fn catalog_model() -> threatbook::Model {
    let project = threatbook::open(&support::root().join("catalog/fastapi"));
    project.model.expect("the FastAPI model loads")
}
