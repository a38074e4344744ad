//! Finding the files of a model folder.
//!
//! The manifest is `threatbook.toml` at the root; every other `*.toml` below it holds
//! entities. Hidden entries (names starting with `.`) are skipped, and so is any
//! sub-folder with a `threatbook.toml` of its own: that is another model. Files come back
//! sorted by relative path so that loading is deterministic. Symbolic links are followed,
//! but a link back to a folder being walked is reported instead of looping.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic, Diagnostics, Location};

/// The manifest's file name.
pub const MANIFEST: &str = "threatbook.toml";

/// A knowledge base's manifest: a folder with one is a knowledge base, not model files.
pub const KB_MANIFEST: &str = "kb.toml";

/// A TOML file of a model.
#[derive(Debug)]
pub struct ModelFile {
    pub path: PathBuf,
    /// Relative to the model folder, `/`-separated.
    pub relative: String,
    pub is_manifest: bool,
}

/// Lists the TOML files of the model in `dir`, reporting what cannot be walked.
pub fn discover(dir: &Path, diags: &mut Diagnostics) -> Vec<ModelFile> {
    discover_with(dir, MANIFEST, diags)
}

/// Lists the TOML files of the folder `dir` whose manifest is called `manifest` (a
/// model's or a knowledge base's); sub-folders with a manifest of either kind are
/// skipped.
pub fn discover_with(dir: &Path, manifest: &str, diags: &mut Diagnostics) -> Vec<ModelFile> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            diags.push(
                Diagnostic::new(
                    Code::ModelNotFound,
                    format!("{} is a file, not a model folder", dir.display()),
                    Location::Path(dir.to_path_buf()),
                )
                .with_help(format!("pass the folder that holds {MANIFEST}")),
            );
            return Vec::new();
        }
        Err(e) => {
            diags.push(Diagnostic::new(
                Code::ModelNotFound,
                format!("cannot open model folder {}: {e}", dir.display()),
                Location::Path(dir.to_path_buf()),
            ));
            return Vec::new();
        }
    }
    let mut files = Vec::new();
    let mut ancestors = HashSet::new();
    if let Ok(canonical) = dir.canonicalize() {
        ancestors.insert(canonical);
    }
    walk(dir, dir, "", manifest, &mut ancestors, &mut files, diags);
    if files.is_empty() {
        diags.push(
            Diagnostic::new(
                Code::MissingManifest,
                format!("{} holds no TOML files: it is not a model", dir.display()),
                Location::Path(dir.to_path_buf()),
            )
            .with_help("`threatbook init DIR` writes a starter model"),
        );
    }
    files.sort_by(|a, b| (!a.is_manifest, &a.relative).cmp(&(!b.is_manifest, &b.relative)));
    if files.len() > super::limits::MAX_FILES {
        diags.push(super::limits::too_many_files(dir, files.len()));
        files.truncate(super::limits::MAX_FILES);
    }
    files
}

fn walk(
    root: &Path,
    dir: &Path,
    prefix: &str,
    manifest: &str,
    ancestors: &mut HashSet<PathBuf>,
    files: &mut Vec<ModelFile>,
    diags: &mut Diagnostics,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(Diagnostic::new(
                Code::IoError,
                format!("cannot list {}: {e}", dir.display()),
                Location::Path(dir.to_path_buf()),
            ));
            return;
        }
    };
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !name.starts_with('.') {
                    names.push((name, entry.path()));
                }
            }
            Err(e) => diags.push(Diagnostic::new(
                Code::IoError,
                format!("cannot list {}: {e}", dir.display()),
                Location::Path(dir.to_path_buf()),
            )),
        }
    }
    names.sort();
    for (name, path) in names {
        let relative = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        // `metadata` follows links: a broken link is an error, a linked folder a folder.
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                diags.push(Diagnostic::new(
                    Code::IoError,
                    format!("cannot read {}: {e}", path.display()),
                    Location::Path(path),
                ));
                continue;
            }
        };
        if meta.is_dir() {
            let Ok(canonical) = path.canonicalize() else {
                continue;
            };
            if ancestors.contains(&canonical) {
                diags.push(
                    Diagnostic::new(
                        Code::SymlinkLoop,
                        format!(
                            "{} links back to {}, a folder that contains it",
                            path.display(),
                            canonical.display()
                        ),
                        Location::Path(path),
                    )
                    .with_help("remove the link; the folder was read once already"),
                );
                continue;
            }
            if path.join(MANIFEST).is_file() || path.join(KB_MANIFEST).is_file() {
                continue; // a model or knowledge base of its own
            }
            ancestors.insert(canonical.clone());
            walk(root, &path, &relative, manifest, ancestors, files, diags);
            ancestors.remove(&canonical);
        } else if meta.is_file() && name.ends_with(".toml") {
            let is_manifest = relative == manifest;
            files.push(ModelFile {
                path: root.join(&relative),
                relative,
                is_manifest,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_toml_files_sorted_and_skips_hidden_and_nested_models() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(MANIFEST), "").unwrap();
        std::fs::create_dir_all(root.join("b")).unwrap();
        std::fs::write(root.join("b/z.toml"), "").unwrap();
        std::fs::write(root.join("a.toml"), "").unwrap();
        std::fs::write(root.join("notes.md"), "").unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/x.toml"), "").unwrap();
        std::fs::create_dir_all(root.join("other")).unwrap();
        std::fs::write(root.join("other").join(MANIFEST), "").unwrap();
        std::fs::create_dir_all(root.join("kb")).unwrap();
        std::fs::write(root.join("kb").join(KB_MANIFEST), "").unwrap();
        let mut diags = Diagnostics::default();
        let files = discover(root, &mut diags);
        let names: Vec<_> = files.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(names, [MANIFEST, "a.toml", "b/z.toml"]);
        assert!(diags.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_reported_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(MANIFEST), "").unwrap();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::os::unix::fs::symlink(root, root.join("sub/back")).unwrap();
        let mut diags = Diagnostics::default();
        let files = discover(root, &mut diags);
        assert_eq!(files.len(), 1);
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::SymlinkLoop]);
    }
}
