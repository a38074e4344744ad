//! The integration suite: the `threatbook` binary run on fixture models, as a user runs it.

mod catalog;
mod cli;
mod diff;
mod docs;
mod evidence;
mod export;
mod fixtures;
mod load_errors;
mod support;
