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
use crate::output::{self, Inputs, WriteError};
use crate::render::{Format as RenderFormat, Renderer, ReportInput, ReportView, StreamError};
use sha2::Digest as _;

/// One file of a bundle: its path inside the bundle (with `/`) and its bytes, in the
/// pieces it was made in (a report's sections are never joined in memory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artefact {
    pub path: String,
    pub pieces: Vec<Vec<u8>>,
}

impl Artefact {
    /// A file of one piece.
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> Artefact {
        Artefact {
            path: path.into(),
            pieces: vec![bytes],
        }
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.pieces.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Its pieces, in order.
    pub fn slices(&self) -> Vec<&[u8]> {
        self.pieces.iter().map(Vec::as_slice).collect()
    }

    /// Its bytes, joined.
    pub fn bytes(&self) -> Vec<u8> {
        self.pieces.concat()
    }
}

/// What can go wrong while writing or verifying a bundle.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("{0} exists and is not an evidence bundle; refusing to overwrite it")]
    NotABundle(PathBuf),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid evidence manifest: {message}")]
    BadManifest { path: PathBuf, message: String },
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    #[error("cannot make a file of the bundle: {0}")]
    Make(std::io::Error),
}

impl From<StreamError> for EvidenceError {
    fn from(e: StreamError) -> Self {
        match e {
            StreamError::Render(e) => EvidenceError::Render(e),
            StreamError::Write(e) => EvidenceError::Make(e),
        }
    }
}

/// Every artefact of the bundle of a checked model, sorted by path: the reports, the
/// exports and the model's files under `model/`. The manifest is added by [`write()`].
pub fn artefacts(input: &Input<'_>) -> Result<Vec<Artefact>, EvidenceError> {
    artefacts_with_progress(input, &|_, _| {})
}

/// [`artefacts`], calling `progress(done, total)` after each report, diagram and export
/// (the model's own files are copied, which takes no time worth showing).
pub fn artefacts_with_progress(
    input: &Input<'_>,
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<Artefact>, EvidenceError> {
    let mut out = Vec::new();
    produce(
        input,
        &mut |path, make| {
            let mut bytes = Vec::new();
            make(&mut bytes)?;
            out.push(Artefact::new(path, bytes));
            Ok(())
        },
        progress,
    )?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// What makes one file of the bundle: it writes the file's bytes to the writer given.
pub type Make<'m> = &'m mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), StreamError>;

/// Makes the bundle's files one by one, handing each to `sink` with its path as it is
/// made: a sink that writes them to disk holds no report or export whole.
pub fn produce(
    input: &Input<'_>,
    sink: &mut dyn FnMut(&str, Make<'_>) -> Result<(), EvidenceError>,
    progress: &dyn Fn(usize, usize),
) -> Result<(), EvidenceError> {
    // Two reports, the diagram, and each export.
    let total = 3 + export::Format::ALL.len();
    let mut done = 0;
    let mut step = || {
        done += 1;
        progress(done, total);
    };
    let renderer = Renderer::new(None)?;
    // One view for both reports: the Markdown one shows only the Mermaid diagram and the
    // HTML one only the SVG, so each ignores the other's; the SVG the HTML report embeds
    // is the very one the bundle stores.
    let mut view = ReportView::new(ReportInput {
        model: input.model,
        sources: input.sources,
        today: input.today,
        generated: None,
        findings: input.findings,
        mermaid: crate::diagram::report_mermaid(input.model, input.today),
        svg: crate::diagram::report_svg(input.model, input.today),
        detail: crate::render::view::Detail::Full,
    });
    for (path, format) in [
        ("report.md", RenderFormat::Markdown),
        ("report.html", RenderFormat::Html),
    ] {
        sink(path, &mut |out| write_report(&renderer, format, &view, out))?;
        step();
    }
    let svg = view.svg.take();
    drop(view);
    if let Some(svg) = svg {
        sink("diagram.svg", &mut |out| Ok(out.write_all(svg.as_bytes())?))?;
    }
    step();
    for format in export::Format::ALL {
        let path = format!("export/{}", format.file_name());
        sink(&path, &mut |out| Ok(export::export_to(format, input, out)?))?;
        step();
    }
    // The model's files under model/, those of its knowledge bases under knowledge/.
    for (_, file) in input.sources.iter() {
        let path = if file.is_knowledge {
            file.relative.clone()
        } else {
            format!("model/{}", file.relative)
        };
        sink(&path, &mut |out| Ok(out.write_all(file.text.as_bytes())?))?;
    }
    Ok(())
}

/// Writes the report of `view` in `format` to `out` as it is made, or, where the
/// document cannot be written so (a section marker in the model's text), whole.
fn write_report(
    renderer: &Renderer,
    format: RenderFormat,
    view: &ReportView<'_>,
    out: &mut dyn std::io::Write,
) -> Result<(), StreamError> {
    if !renderer.write_document(format, view, out)? {
        for piece in renderer.render_document(format, view)?.pieces() {
            out.write_all(piece.as_bytes())?;
        }
    }
    Ok(())
}

/// Whether `dir` may be replaced by a new bundle: it is one (an empty folder may be
/// replaced too; the writer allows that itself).
fn replaceable(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(MANIFEST)).is_ok_and(|text| Manifest::parse(&text).is_ok())
}

/// Writes a bundle of `artefacts` with a manifest (`meta` supplies everything but the
/// file list) to `out`, replacing an earlier bundle there but never a folder that is or
/// holds one of `inputs`. The bundle is staged beside `out` and renamed into place by
/// [`crate::output::TreeWriter`]. Returns the manifest.
pub fn write(
    out: &Path,
    artefacts: &[Artefact],
    meta: Manifest,
    inputs: &Inputs,
) -> Result<Manifest, EvidenceError> {
    let mut bundle = Bundle::begin(out, meta, inputs)?;
    for a in artefacts {
        bundle.add(a)?;
    }
    bundle.finish()
}

/// Makes the bundle of `input` and writes it to `out` as [`write()`] does, each file
/// written (and hashed) as soon as it is made and then dropped.
pub fn write_streamed(
    out: &Path,
    input: &Input<'_>,
    meta: Manifest,
    inputs: &Inputs,
    progress: &dyn Fn(usize, usize),
) -> Result<Manifest, EvidenceError> {
    let mut bundle = Bundle::begin(out, meta, inputs)?;
    produce(
        input,
        &mut |path, make| bundle.add_with(path, make),
        progress,
    )?;
    bundle.finish()
}

/// A writer that hashes and counts what goes through it.
struct Hashing<'w> {
    out: &'w mut dyn std::io::Write,
    hasher: sha2::Sha256,
    size: u64,
}

impl std::io::Write for Hashing<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(bytes)?;
        sha2::Digest::update(&mut self.hasher, &bytes[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A bundle being written: its folder, and the manifest's entries so far.
struct Bundle {
    tree: output::TreeWriter,
    meta: Manifest,
}

impl Bundle {
    fn begin(out: &Path, mut meta: Manifest, inputs: &Inputs) -> Result<Bundle, EvidenceError> {
        meta.files.clear();
        match output::TreeWriter::begin(out, inputs, &replaceable) {
            Ok(tree) => Ok(Bundle { tree, meta }),
            Err(WriteError::NotReplaceable { path }) => Err(EvidenceError::NotABundle(path)),
            Err(e) => Err(e.into()),
        }
    }

    fn add(&mut self, a: &Artefact) -> Result<(), EvidenceError> {
        self.tree.add_pieces(&a.path, &a.slices())?;
        self.meta.files.push(FileEntry::of(a));
        Ok(())
    }

    /// Adds the file at `path` that `make` writes, hashed as it is written.
    fn add_with(&mut self, path: &str, make: Make<'_>) -> Result<(), EvidenceError> {
        let mut failed = None;
        let mut entry = None;
        let written = self.tree.add_with(path, |out| {
            let mut hashing = Hashing {
                out,
                hasher: sha2::Sha256::new(),
                size: 0,
            };
            match make(&mut hashing) {
                Ok(()) => {
                    entry = Some(FileEntry {
                        path: path.to_string(),
                        sha256: manifest::hex(&hashing.hasher.finalize()),
                        size: hashing.size,
                    });
                    Ok(())
                }
                Err(StreamError::Write(e)) => Err(e),
                Err(StreamError::Render(e)) => {
                    failed = Some(e);
                    Err(std::io::Error::other("the report did not render"))
                }
            }
        });
        if let Some(e) = failed {
            return Err(e.into());
        }
        written?;
        self.meta.files.extend(entry);
        Ok(())
    }

    fn finish(mut self) -> Result<Manifest, EvidenceError> {
        self.meta.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.tree.add(MANIFEST, self.meta.to_json().as_bytes())?;
        self.tree.finish()?;
        Ok(self.meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artefact(path: &str, text: &str) -> Artefact {
        Artefact::new(path, text.as_bytes().to_vec())
    }

    fn meta() -> Manifest {
        Manifest::new("p", "2026-11-27".into(), None, crate::git::State::default())
    }

    use crate::output::folder_names as names;

    #[test]
    fn a_failure_half_way_leaves_no_bundle_and_no_staging_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("bundle");
        // The second file needs `a` to be a folder, but the first made it a file.
        let clash = [artefact("a", "file"), artefact("a/b", "under a file")];
        assert!(matches!(
            write(&out, &clash, meta(), &Inputs::default()),
            Err(EvidenceError::Write(_))
        ));
        assert!(names(tmp.path()).is_empty(), "{:?}", names(tmp.path()));
    }

    #[test]
    fn a_failed_rewrite_keeps_the_earlier_bundle() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("bundle");
        write(
            &out,
            &[artefact("x.txt", "one")],
            meta(),
            &Inputs::default(),
        )
        .unwrap();
        let clash = [artefact("a", "file"), artefact("a/b", "under a file")];
        assert!(write(&out, &clash, meta(), &Inputs::default()).is_err());
        assert_eq!(std::fs::read_to_string(out.join("x.txt")).unwrap(), "one");
        assert_eq!(names(tmp.path()), ["bundle"]);
        assert!(verify(&out).unwrap().is_intact());
        write(
            &out,
            &[artefact("y.txt", "two")],
            meta(),
            &Inputs::default(),
        )
        .unwrap();
        assert_eq!(names(&out), ["manifest.json", "y.txt"]);
        assert_eq!(names(tmp.path()), ["bundle"], "the old bundle is gone");
    }
}
