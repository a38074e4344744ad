//! Noticing that a model changed: a fingerprint of the watched folders (every file's
//! path, size and modification time), taken again on a timer and compared.
//!
//! Polling needs no dependency and behaves alike on every platform and file system
//! (network mounts and containers included, where change notifications are unreliable);
//! a model folder is small, so a walk every few hundred milliseconds costs little. Hidden
//! entries (names starting with `.`, such as `.git`) are skipped, and a walk stops after
//! [`MAX_ENTRIES`] entries so that a folder named by mistake (`/`) cannot stall it. This
//! module reads metadata only, never a file's content, and decides nothing about builds.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The most entries one fingerprint walks.
pub const MAX_ENTRIES: usize = 50_000;

/// What the watched folders held at one moment: (path, size, modified) of every file,
/// sorted by path. Two fingerprints differ when a file was added, removed, resized or
/// touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprint(Vec<(PathBuf, u64, Option<SystemTime>)>);

impl Fingerprint {
    /// The fingerprint of `roots`: each a folder walked in full, or a single file. A root
    /// that does not exist contributes nothing (its appearance is a change).
    pub fn of(roots: &[PathBuf]) -> Fingerprint {
        let mut entries = Vec::new();
        let mut budget = MAX_ENTRIES;
        for root in roots {
            walk(root, &mut entries, &mut budget);
        }
        entries.sort();
        entries.dedup();
        Fingerprint(entries)
    }

    /// How many files it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn walk(path: &Path, out: &mut Vec<(PathBuf, u64, Option<SystemTime>)>, budget: &mut usize) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    // Links are followed (as the loader follows them); a loop ends with the budget.
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if meta.is_file() {
        out.push((path.to_path_buf(), meta.len(), meta.modified().ok()));
        return;
    }
    if !meta.is_dir() {
        return;
    }
    let Ok(read) = std::fs::read_dir(path) else {
        return;
    };
    let mut children: Vec<PathBuf> = read
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    children.sort();
    for child in children {
        walk(&child, out, budget);
    }
}

/// The folders to watch for a build that read `files`: `roots` (model folders, the
/// templates folder) and the folder of each file outside them (a knowledge base's), so
/// that a file added beside one is seen too. Sorted, without repeats.
pub fn roots_for(roots: &[PathBuf], files: &[PathBuf]) -> Vec<PathBuf> {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let fixed: Vec<PathBuf> = roots.iter().map(|r| canonical(r)).collect();
    let mut out = fixed.clone();
    for file in files {
        let file = canonical(file);
        if fixed.iter().any(|r| file.starts_with(r)) {
            continue;
        }
        if let Some(parent) = file.parent() {
            out.push(parent.to_path_buf());
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_changes_with_an_edit_an_addition_and_a_removal() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        std::fs::write(root.join("a.toml"), "x = 1\n").unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/HEAD"), "ref").unwrap();
        let roots = [root.clone()];
        let first = Fingerprint::of(&roots);
        assert_eq!(first.len(), 1, "hidden entries are skipped: {first:?}");
        assert_eq!(Fingerprint::of(&roots), first, "nothing changed");
        std::fs::write(root.join(".git/HEAD"), "ref two").unwrap();
        assert_eq!(Fingerprint::of(&roots), first, "a hidden file is no change");
        std::fs::write(root.join("a.toml"), "x = 12\n").unwrap();
        let edited = Fingerprint::of(&roots);
        assert_ne!(edited, first, "an edit that changes the size");
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/b.toml"), "").unwrap();
        let added = Fingerprint::of(&roots);
        assert_ne!(added, edited, "a file in a new sub-folder");
        std::fs::remove_file(root.join("a.toml")).unwrap();
        assert_ne!(Fingerprint::of(&roots), added, "a removal");
    }

    #[test]
    fn files_outside_the_roots_bring_their_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let model = tmp.path().join("model");
        let kb = tmp.path().join("kb");
        std::fs::create_dir_all(&model).unwrap();
        std::fs::create_dir_all(&kb).unwrap();
        std::fs::write(model.join("m.toml"), "").unwrap();
        std::fs::write(kb.join("kb.toml"), "").unwrap();
        let roots = roots_for(
            std::slice::from_ref(&model),
            &[model.join("m.toml"), kb.join("kb.toml"), kb.join("kb.toml")],
        );
        assert_eq!(
            roots,
            vec![kb.canonicalize().unwrap(), model.canonicalize().unwrap()]
        );
    }
}
