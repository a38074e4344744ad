//! Verifying a bundle: recompute every file's hash and compare the folder with its
//! manifest, naming each file that was changed, added or removed.

use std::collections::BTreeMap;
use std::path::Path;

use super::EvidenceError;
use super::manifest::{MANIFEST, Manifest, sha256_hex};

/// How a bundle differs from its manifest; empty when it is intact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verification {
    /// Files whose bytes no longer match their hash or size.
    pub changed: Vec<String>,
    /// Files in the folder that the manifest does not list.
    pub added: Vec<String>,
    /// Files the manifest lists that are gone.
    pub removed: Vec<String>,
    /// How many files the manifest lists.
    pub listed: usize,
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        self.changed.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }
}

fn read_err(path: &Path) -> impl FnOnce(std::io::Error) -> EvidenceError + '_ {
    move |source| EvidenceError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// Every file under `dir`, by path relative to `root` with `/`. Symbolic links are not
/// followed (a link could loop, or point outside the bundle): they are recorded without
/// content, so they never match a hash.
fn walk(
    root: &Path,
    dir: &Path,
    found: &mut BTreeMap<String, Option<Vec<u8>>>,
) -> Result<(), EvidenceError> {
    for entry in std::fs::read_dir(dir).map_err(read_err(dir))? {
        let entry = entry.map_err(read_err(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(read_err(&path))?;
        if kind.is_dir() {
            walk(root, &path, found)?;
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let bytes = if kind.is_symlink() {
            None
        } else {
            Some(std::fs::read(&path).map_err(read_err(&path))?)
        };
        found.insert(relative, bytes);
    }
    Ok(())
}

/// Compares the bundle in `dir` with its manifest.
pub fn verify(dir: &Path) -> Result<Verification, EvidenceError> {
    let manifest_path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path).map_err(read_err(&manifest_path))?;
    let manifest = Manifest::parse(&text).map_err(|message| EvidenceError::BadManifest {
        path: manifest_path.clone(),
        message,
    })?;
    let mut found = BTreeMap::new();
    walk(dir, dir, &mut found)?;
    found.remove(MANIFEST);
    let mut v = Verification {
        listed: manifest.files.len(),
        ..Verification::default()
    };
    for entry in &manifest.files {
        match found.remove(&entry.path) {
            None => v.removed.push(entry.path.clone()),
            Some(bytes) => {
                let intact = bytes.is_some_and(|b| {
                    b.len() as u64 == entry.size && sha256_hex(&b) == entry.sha256
                });
                if !intact {
                    v.changed.push(entry.path.clone());
                }
            }
        }
    }
    v.added = found.into_keys().collect();
    v.changed.sort();
    v.removed.sort();
    Ok(v)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::evidence::{Artefact, Manifest, write};

    #[test]
    fn links_are_not_followed_and_never_match() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("bundle");
        let files = [Artefact::new("a.txt", b"a".to_vec())];
        let meta = Manifest::new("p", "2026-11-27".into(), None, Default::default());
        write(&out, &files, meta, &Default::default()).unwrap();
        // A link back to the bundle itself would loop if followed.
        std::os::unix::fs::symlink(&out, out.join("loop")).unwrap();
        std::fs::remove_file(out.join("a.txt")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("elsewhere"), out.join("a.txt")).unwrap();
        let v = verify(&out).unwrap();
        assert_eq!(v.changed, ["a.txt"]);
        assert_eq!(v.added, ["loop"]);
    }
}
