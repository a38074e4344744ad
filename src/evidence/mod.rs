//! The evidence bundle: everything an auditor asks for in one folder, with a manifest
//! that hashes every file so the bundle can be verified later.
//!
//! [`artefacts`] is the one list of what goes in (reports, exports, a copy of the model's
//! files); a new artefact, such as an HTML report or an SVG diagram, is one more entry
//! there. [`write()`] builds the bundle in a temporary folder beside the target and renames
//! it into place, so a failure half-way leaves nothing behind; [`verify()`] recomputes every
//! hash. Nothing here prints.

pub mod manifest;
mod verify;

use std::path::{Path, PathBuf};

pub use self::manifest::{FileEntry, MANIFEST, Manifest};
pub use self::verify::{Verification, verify};
use crate::export::{self, Input};
use crate::render::{Format as RenderFormat, Renderer, ReportInput, ReportView};

/// One file of a bundle: its path inside the bundle (with `/`) and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artefact {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// What can go wrong while writing or verifying a bundle.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("{0} exists and is not an evidence bundle; refusing to overwrite it")]
    NotABundle(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid evidence manifest: {message}")]
    BadManifest { path: PathBuf, message: String },
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
}

/// Every artefact of the bundle of a checked model, sorted by path: the reports, the
/// exports and the model's files under `model/`. The manifest is added by [`write()`].
pub fn artefacts(input: &Input<'_>) -> Result<Vec<Artefact>, EvidenceError> {
    let mut out = Vec::new();
    let renderer = Renderer::new(None)?;
    let svg = crate::diagram::report_svg(input.model, input.today);
    let reports = [
        (
            "report.md",
            RenderFormat::Markdown,
            crate::diagram::report_mermaid(input.model, input.today),
            None,
        ),
        ("report.html", RenderFormat::Html, None, svg.clone()),
    ];
    for (path, format, mermaid, svg) in reports {
        let view = ReportView::new(ReportInput {
            model: input.model,
            sources: input.sources,
            today: input.today,
            generated: None,
            findings: input.findings,
            mermaid,
            svg,
        });
        out.push(Artefact {
            path: path.into(),
            bytes: renderer.render(format, &view)?.into_bytes(),
        });
    }
    if let Some(svg) = svg {
        out.push(Artefact {
            path: "diagram.svg".into(),
            bytes: svg.into_bytes(),
        });
    }
    for format in export::Format::ALL {
        out.push(Artefact {
            path: format!("export/{}", format.file_name()),
            bytes: export::export(format, input).into_bytes(),
        });
    }
    // The model's files under model/, those of its knowledge bases under knowledge/.
    for (_, file) in input.sources.iter() {
        out.push(Artefact {
            path: if file.is_knowledge {
                file.relative.clone()
            } else {
                format!("model/{}", file.relative)
            },
            bytes: file.text.clone().into_bytes(),
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Whether `dir` may be replaced by a new bundle: it is one, or it is an empty folder.
fn replaceable(dir: &Path) -> bool {
    let manifest = dir.join(MANIFEST);
    if let Ok(text) = std::fs::read_to_string(&manifest) {
        return Manifest::parse(&text).is_ok();
    }
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> EvidenceError + '_ {
    move |source| EvidenceError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a bundle of `artefacts` with a manifest (`meta` supplies everything but the
/// file list) to `out`, replacing an earlier bundle there. Returns the manifest.
pub fn write(
    out: &Path,
    artefacts: &[Artefact],
    mut meta: Manifest,
) -> Result<Manifest, EvidenceError> {
    if out.exists() && !(out.is_dir() && replaceable(out)) {
        return Err(EvidenceError::NotABundle(out.to_path_buf()));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).map_err(write_err(parent))?;
    let staging = tempfile::Builder::new()
        .prefix(".threatbook-evidence-")
        .tempdir_in(parent)
        .map_err(write_err(parent))?;
    meta.files = artefacts.iter().map(FileEntry::of).collect();
    meta.files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest_text = meta.to_json();
    let all = artefacts
        .iter()
        .map(|a| (a.path.as_str(), a.bytes.as_slice()));
    for (path, bytes) in all.chain([(MANIFEST, manifest_text.as_bytes())]) {
        let target = staging.path().join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(write_err(dir))?;
        }
        std::fs::write(&target, bytes).map_err(write_err(&target))?;
    }
    // A temporary folder is private to its owner; a bundle is read like any output.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(staging.path(), mode).map_err(write_err(staging.path()))?;
    }
    // Move an old bundle aside first, so that a failed rename can put it back.
    let old = if out.exists() {
        let aside = tempfile::Builder::new()
            .prefix(".threatbook-evidence-old-")
            .tempdir_in(parent)
            .map_err(write_err(parent))?;
        let target = aside.path().join("bundle");
        std::fs::rename(out, &target).map_err(write_err(out))?;
        Some((aside, target))
    } else {
        None
    };
    if let Err(e) = std::fs::rename(staging.path(), out) {
        if let Some((_, target)) = &old {
            let _ = std::fs::rename(target, out);
        }
        return Err(write_err(out)(e));
    }
    // The staging folder is now `out`; keep its guard from deleting anything.
    let _ = staging.keep();
    drop(old);
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artefact(path: &str, text: &str) -> Artefact {
        Artefact {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    fn meta() -> Manifest {
        Manifest::new("p", "2026-11-27".into(), None, crate::git::State::default())
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn a_failure_half_way_leaves_no_bundle_and_no_staging_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("bundle");
        // The second file needs `a` to be a folder, but the first made it a file.
        let clash = [artefact("a", "file"), artefact("a/b", "under a file")];
        assert!(matches!(
            write(&out, &clash, meta()),
            Err(EvidenceError::Write { .. })
        ));
        assert!(names(tmp.path()).is_empty(), "{:?}", names(tmp.path()));
    }

    #[test]
    fn a_failed_rewrite_keeps_the_earlier_bundle() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("bundle");
        write(&out, &[artefact("x.txt", "one")], meta()).unwrap();
        let clash = [artefact("a", "file"), artefact("a/b", "under a file")];
        assert!(write(&out, &clash, meta()).is_err());
        assert_eq!(std::fs::read_to_string(out.join("x.txt")).unwrap(), "one");
        assert_eq!(names(tmp.path()), ["bundle"]);
        assert!(verify(&out).unwrap().is_intact());
        write(&out, &[artefact("y.txt", "two")], meta()).unwrap();
        assert_eq!(names(&out), ["manifest.json", "y.txt"]);
        assert_eq!(names(tmp.path()), ["bundle"], "the old bundle is gone");
    }
}
