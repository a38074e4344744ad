//! `manifest.json`: the SHA-256 and size of every file of a bundle, with what made it
//! (tool version, the model's git commit and dirty flag, the generation time).
//!
//! Paths are relative to the bundle, with `/`, sorted; the manifest does not list itself.
//! The generation time is SOURCE_DATE_EPOCH when set, else the clock: two runs on the
//! same input give byte-identical bundles when SOURCE_DATE_EPOCH is set.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Artefact;
use crate::git;

/// The file name of the manifest at the root of a bundle.
pub const MANIFEST: &str = "manifest.json";

/// The version of the manifest's shape.
pub const MANIFEST_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub manifest_version: u32,
    pub tool: Tool,
    /// The model's project name.
    pub project: String,
    /// The day coverage was judged on.
    pub today: String,
    /// When the bundle was written, RFC 3339 UTC: SOURCE_DATE_EPOCH when set, else the
    /// clock. `null` only in bundles of earlier versions, which left it out without
    /// SOURCE_DATE_EPOCH.
    pub generated: Option<String>,
    /// Where the model came from, when it is in a git work tree.
    pub git: git::State,
    pub files: Vec<FileEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn this() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// One file of the bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Relative to the bundle, with `/`.
    pub path: String,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    pub size: u64,
}

/// The lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256_hex_of(&[bytes])
}

/// The lower-case hex SHA-256 of `pieces`, one after another.
fn sha256_hex_of(pieces: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for piece in pieces {
        hasher.update(piece);
    }
    hex(&hasher.finalize())
}

/// `bytes` in lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl FileEntry {
    pub fn of(a: &Artefact) -> FileEntry {
        FileEntry {
            path: a.path.clone(),
            sha256: sha256_hex_of(&a.slices()),
            size: a.len() as u64,
        }
    }
}

impl Manifest {
    /// A manifest without files yet (the bundle writer fills them in).
    pub fn new(project: &str, today: String, generated: Option<String>, git: git::State) -> Self {
        Manifest {
            manifest_version: MANIFEST_VERSION,
            tool: Tool::this(),
            project: project.to_string(),
            today,
            generated,
            git,
            files: Vec::new(),
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a manifest; it must be one threatbook wrote, with safe relative paths.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let m: Manifest = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if m.tool.name != env!("CARGO_PKG_NAME") || m.manifest_version != MANIFEST_VERSION {
            return Err(format!(
                "written by {} with manifest version {}",
                m.tool.name, m.manifest_version
            ));
        }
        for f in &m.files {
            let safe = !f.path.is_empty()
                && !f.path.starts_with('/')
                && !f.path.contains('\\')
                && f.path
                    .split('/')
                    .all(|p| !p.is_empty() && p != "." && p != "..");
            if !safe || f.path == MANIFEST {
                return Err(format!("`{}` is not a path inside the bundle", f.path));
            }
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_published_test_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// A file made in pieces is hashed and sized as its bytes joined.
    #[test]
    fn a_file_in_pieces_has_the_entry_of_its_bytes_joined() {
        let pieces = Artefact {
            path: "report.html".into(),
            pieces: vec![b"<html>".to_vec(), Vec::new(), b"body</html>\n".to_vec()],
        };
        let joined = Artefact::new("report.html", pieces.bytes());
        assert_eq!(FileEntry::of(&pieces), FileEntry::of(&joined));
        assert_eq!(
            FileEntry::of(&joined).sha256,
            sha256_hex(b"<html>body</html>\n")
        );
        assert_eq!(FileEntry::of(&pieces).size, 18);
    }

    #[test]
    fn manifests_with_paths_outside_the_bundle_are_rejected() {
        let mut m = Manifest::new("p", "2026-01-01".into(), None, git::State::default());
        assert!(Manifest::parse(&m.to_json()).is_ok());
        for bad in ["../x", "/etc/passwd", "a//b", "manifest.json", "a/./b"] {
            m.files = vec![FileEntry {
                path: bad.into(),
                sha256: String::new(),
                size: 0,
            }];
            assert!(Manifest::parse(&m.to_json()).is_err(), "{bad}");
        }
    }
}
