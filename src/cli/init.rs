//! `threatbook init`: write a small, valid, commented starter model.
//!
//! The starter lives in `catalog/starter/` and is embedded here; a test checks that it
//! loads and checks cleanly. Nothing is overwritten: the files are written by
//! [`crate::output::write_new_folder`], so a failure leaves nothing behind.

use std::path::{Path, PathBuf};

use super::Exit;
use super::print;

const STARTER: &[(&str, &str)] = &[
    (
        "threatbook.toml",
        include_str!("../../catalog/starter/threatbook.toml"),
    ),
    (
        "model.toml",
        include_str!("../../catalog/starter/model.toml"),
    ),
];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to create (or an empty folder to fill).
    dir: PathBuf,
    /// The project name (default: the folder's name).
    #[arg(long)]
    name: Option<String>,
}

/// A TOML basic string's contents: quotes, backslashes and control characters escaped.
fn toml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The starter's files for a project called `name`.
/// The starter's files for a project called `name`, with the JSON Schema that their
/// `#:schema` lines point editors at.
pub fn starter_files(name: &str) -> Vec<(&'static str, String)> {
    let mut files: Vec<(&'static str, String)> = STARTER
        .iter()
        .map(|(file, text)| (*file, text.replace("{{name}}", &toml_escape(name))))
        .collect();
    files.push(("threatbook.schema.json", crate::schema::model_schema()));
    files
}

fn default_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .as_deref()
        .unwrap_or(dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "My service".into())
}

pub fn run(args: Args) -> Exit {
    let dir = &args.dir;
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return print::failure(&format!(
                "{} exists and is not empty; init writes only into a new or empty folder",
                dir.display()
            ));
        }
    }
    let name = args.name.clone().unwrap_or_else(|| default_name(dir));
    match write_starter(dir, &name) {
        Ok(()) => {
            eprintln!(
                "wrote a starter model to {}; run `threatbook check {}` next",
                dir.display(),
                dir.display()
            );
            Exit::Ok
        }
        Err(e) => print::failure(&e.to_string()),
    }
}

/// Writes the starter through [`crate::output::write_new_folder`], which never replaces
/// a file (a folder filled since the check above is refused, not overwritten).
fn write_starter(dir: &Path, name: &str) -> Result<(), crate::output::WriteError> {
    let files = starter_files(name);
    let files: Vec<(&str, &[u8])> = files.iter().map(|(f, t)| (*f, t.as_bytes())).collect();
    crate::output::write_new_folder(dir, &files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_model_checks_clean_whatever_its_name() {
        for name in ["My service", "Quote \" and \\ backslash", "Ünïcode ✓"] {
            let files = starter_files(name);
            let toml = files.iter().filter(|(n, _)| n.ends_with(".toml"));
            let project = crate::open_texts(toml.map(|(n, t)| (*n, t.as_str())));
            let model = project.model.as_ref().expect("starter resolves");
            assert_eq!(model.project.name, name);
            let mut diags = crate::Diagnostics::default();
            let today = crate::model::Date::parse("2026-01-01").unwrap();
            crate::check::run(model, &crate::check::Options::new(today), &mut diags);
            assert!(diags.is_empty(), "{:?}", diags.into_vec());
        }
    }
}
