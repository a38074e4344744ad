//! The integration suite: the `threatbook` binary run on fixture models, as a user runs it.

mod catalog;
mod cli;
mod docs;
mod fixtures;
mod import;
mod load_errors;
mod support;
