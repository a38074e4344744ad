//! Writing whole folders: a site, an evidence bundle, a new model folder.
//!
//! A folder is built in a staging folder beside its target, with the modes the umask
//! gives new folders and files, and renamed into place, so a reader never sees half of
//! it and a failure leaves the old folder (or nothing) behind. A folder is replaced only
//! when its owner's rule allows it, and never when it is or holds one of the [`Inputs`].

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Cleanup, Inputs, WriteError, folder_of, temporary_name};

/// The file that marks a folder as written by threatbook, so that it may be replaced.
pub const TREE_MARKER: &str = ".threatbook";

/// Writes a folder of `files` (relative paths with `/`) at `dir`, adding [`TREE_MARKER`].
/// `dir` may be missing, empty, or a folder written here before (it holds the marker);
/// anything else is refused, so that no user folder is ever replaced by mistake.
pub fn write_tree_atomic(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    inputs: &Inputs,
) -> Result<(), WriteError> {
    let tree = TreeWriter::marked(dir, inputs)?;
    for (relative, bytes) in files {
        tree.add(relative, bytes)?;
    }
    tree.finish()
}

/// Writes a folder of `files` at `dir`, replacing an existing folder only when it is
/// empty or `replaceable` says so. On any failure `dir` is left as it was.
pub fn write_tree(
    dir: &Path,
    files: &[(&str, &[u8])],
    inputs: &Inputs,
    replaceable: &dyn Fn(&Path) -> bool,
) -> Result<(), WriteError> {
    let tree = TreeWriter::begin(dir, inputs, replaceable)?;
    for (relative, bytes) in files {
        tree.add(relative, bytes)?;
    }
    tree.finish()
}

/// A folder written file by file, as its files are made, and put in place whole by
/// [`TreeWriter::finish`]: until then it is a staging folder beside its target, and a
/// writer dropped unfinished removes it, leaving the target as it was.
///
/// Whether the target may be written is decided by [`TreeWriter::begin`], before any
/// work. [`TreeWriter::add`] takes `&self`, so that several threads may add files.
#[derive(Debug)]
pub struct TreeWriter {
    dir: PathBuf,
    staging: PathBuf,
    cleanup: Cleanup,
    files: std::sync::atomic::AtomicUsize,
}

impl TreeWriter {
    /// Checks that `dir` may be written (it is missing, empty, or `replaceable` says so,
    /// and it neither is nor holds one of `inputs`) and creates the staging folder.
    pub fn begin(
        dir: &Path,
        inputs: &Inputs,
        replaceable: &dyn Fn(&Path) -> bool,
    ) -> Result<TreeWriter, WriteError> {
        if let Some(input) = inputs.inside(dir) {
            return Err(WriteError::InputFolder {
                path: dir.to_path_buf(),
                input,
            });
        }
        if folder_exists(dir)? && !(is_empty_folder(dir)? || replaceable(dir)) {
            return Err(WriteError::NotReplaceable {
                path: dir.to_path_buf(),
            });
        }
        let (staging, cleanup) = stage(dir, &[])?;
        Ok(TreeWriter {
            dir: dir.to_path_buf(),
            staging,
            cleanup,
            files: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// A [`TreeWriter`] for a folder that threatbook marks as its own ([`TREE_MARKER`]):
    /// one that may replace a folder holding the marker.
    pub fn marked(dir: &Path, inputs: &Inputs) -> Result<TreeWriter, WriteError> {
        let tree = TreeWriter::begin(dir, inputs, &|d| d.join(TREE_MARKER).is_file())?;
        tree.add(TREE_MARKER, b"written by threatbook\n")?;
        Ok(tree)
    }

    /// Writes one file (`relative` with `/`, no `.` or `..` part) into the folder; a file
    /// already added under that name is an error, never replaced.
    pub fn add(&self, relative: &str, bytes: &[u8]) -> Result<(), WriteError> {
        self.add_pieces(relative, &[bytes])
    }

    /// [`TreeWriter::add`] of a file made in `pieces`, written one after another.
    pub fn add_pieces(&self, relative: &str, pieces: &[&[u8]]) -> Result<(), WriteError> {
        self.add_with(relative, |out| {
            pieces.iter().try_for_each(|piece| out.write_all(piece))
        })
    }

    /// [`TreeWriter::add`] of a file that `produce` writes as it is made. If it fails,
    /// so does the whole folder: nothing of it is put in place.
    pub fn add_with(
        &self,
        relative: &str,
        produce: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), WriteError> {
        check_relative(relative)?;
        stage_file(&self.staging, &self.dir, relative, produce)?;
        self.files
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// How many files have been added.
    pub fn count(&self) -> usize {
        self.files.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Puts the folder in place of its target: two renames when a folder is there, the
    /// old one deleted only after the new one is in place, and put back if the second
    /// rename fails.
    pub fn finish(self) -> Result<(), WriteError> {
        let TreeWriter {
            dir,
            staging,
            cleanup,
            ..
        } = self;
        // Checked again: the folder may have appeared or changed since `begin`.
        if folder_exists(&dir)? {
            let parent = folder_of(&dir);
            let aside = create_folder(parent, &dir, "old").map_err(WriteError::io(parent))?;
            let aside_cleanup = Cleanup::folder(aside.clone());
            let previous = aside.join("previous");
            std::fs::rename(&dir, &previous).map_err(WriteError::io(&dir))?;
            if let Err(e) = std::fs::rename(&staging, &dir) {
                if std::fs::rename(&previous, &dir).is_err() {
                    // The old folder could not be put back: keep it where it is.
                    aside_cleanup.disarm();
                }
                return Err(WriteError::io(&dir)(e));
            }
        } else {
            std::fs::rename(&staging, &dir).map_err(WriteError::io(&dir))?;
        }
        cleanup.disarm();
        Ok(())
    }
}

/// Whether the folder `dir` exists; an error when it names standard output (`-o -` is
/// refused rather than taken for a folder named `-`) or something that is not a folder.
fn folder_exists(dir: &Path) -> Result<bool, WriteError> {
    let not_a_folder = || WriteError::NotAFolder {
        path: dir.to_path_buf(),
    };
    if super::Target::from_arg(Some(dir)) == super::Target::Stdout {
        return Err(not_a_folder());
    }
    match std::fs::symlink_metadata(dir) {
        Ok(_) if dir.is_dir() => Ok(true),
        Ok(_) => Err(not_a_folder()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(WriteError::io(dir)(e)),
    }
}

/// Writes `files` into `dir`, which must not exist or be empty; nothing already there is
/// ever replaced. A new folder is renamed into place whole; into an empty one the files
/// are linked one by one, each link failing rather than replacing a file that appeared.
pub fn write_new_folder(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), WriteError> {
    let exists = folder_exists(dir)?;
    if exists && !is_empty_folder(dir)? {
        return Err(WriteError::NotEmpty {
            path: dir.to_path_buf(),
        });
    }
    let (staging, cleanup) = stage(dir, files)?;
    if !exists {
        // A rename onto a folder fails unless that folder is empty: still no overwrite.
        return match std::fs::rename(&staging, dir) {
            Ok(()) => {
                cleanup.disarm();
                Ok(())
            }
            Err(e) => Err(WriteError::io(dir)(e)),
        };
    }
    let mut linked = Vec::new();
    for (relative, _) in files {
        let target = dir.join(relative);
        let made = folder_of(&target);
        let result = std::fs::create_dir_all(made)
            .and_then(|()| std::fs::hard_link(staging.join(relative), &target));
        if let Err(e) = result {
            for path in linked {
                let _ = std::fs::remove_file(path);
            }
            return Err(WriteError::io(&target)(e));
        }
        linked.push(target);
    }
    Ok(())
}

fn is_empty_folder(dir: &Path) -> Result<bool, WriteError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Ok(false),
        Err(e) => Err(WriteError::io(dir)(e)),
    }
}

/// Creates a new folder beside `target`, with the umask's mode for new folders.
fn create_folder(parent: &Path, target: &Path, tag: &str) -> std::io::Result<PathBuf> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o777);
    }
    let mut last = None;
    for _ in 0..64 {
        let path = parent.join(temporary_name(target, tag));
        match builder.create(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}

/// Writes a new file (never replacing one) at `relative` in `staging`, with the mode the
/// umask gives new files; errors name the path in `dir`, the folder the user asked for.
fn stage_file(
    staging: &Path,
    dir: &Path,
    relative: &str,
    produce: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let path = staging.join(relative);
    std::fs::create_dir_all(folder_of(&path)).map_err(WriteError::io(&path))?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o666);
    }
    options
        .open(&path)
        .and_then(|f| {
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, f);
            produce(&mut out).and_then(|()| out.flush())
        })
        .map_err(|source| WriteError::Io {
            path: dir.join(relative),
            source,
        })
}

/// Refuses a relative path that is empty or has an empty, `.` or `..` part.
fn check_relative(relative: &str) -> Result<(), WriteError> {
    if relative
        .split('/')
        .any(|part| part.is_empty() || part == ".." || part == ".")
    {
        return Err(WriteError::OutsideFolder {
            relative: relative.to_string(),
        });
    }
    Ok(())
}

/// Writes `files` into a new staging folder beside `dir`; the guard removes it unless
/// disarmed.
fn stage(dir: &Path, files: &[(&str, &[u8])]) -> Result<(PathBuf, Cleanup), WriteError> {
    for (relative, _) in files {
        check_relative(relative)?;
    }
    let parent = folder_of(dir);
    std::fs::create_dir_all(parent).map_err(WriteError::io(parent))?;
    let staging = create_folder(parent, dir, "new").map_err(WriteError::io(parent))?;
    let cleanup = Cleanup::folder(staging.clone());
    for (relative, bytes) in files {
        stage_file(&staging, dir, relative, |out| out.write_all(bytes))?;
    }
    Ok((staging, cleanup))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, Vec<u8>)> {
        vec![
            ("index.html".into(), b"a".to_vec()),
            ("m/x.html".into(), b"b".to_vec()),
        ]
    }

    use crate::output::folder_names as names;

    #[test]
    fn writes_a_new_folder_and_replaces_its_own_output() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let none = Inputs::default();
        write_tree_atomic(&out, &files(), &none).unwrap();
        assert_eq!(std::fs::read(out.join("m/x.html")).unwrap(), b"b");
        std::fs::write(out.join("stale.html"), b"old").unwrap();
        write_tree_atomic(&out, &files(), &none).unwrap();
        assert!(
            !out.join("stale.html").exists(),
            "the old site is replaced whole"
        );
        assert_eq!(names(tmp.path()), ["public"], "no staging folder left");
    }

    #[cfg(unix)]
    #[test]
    fn folders_and_files_get_the_umask_modes_not_private_ones() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        std::fs::write(tmp.path().join("probe"), b"").unwrap();
        std::fs::create_dir(tmp.path().join("probe-dir")).unwrap();
        let (file_mode, dir_mode) = (
            mode(&tmp.path().join("probe")),
            mode(&tmp.path().join("probe-dir")),
        );
        let out = tmp.path().join("public");
        write_tree_atomic(&out, &files(), &Inputs::default()).unwrap();
        assert_eq!(mode(&out), dir_mode);
        assert_eq!(mode(&out.join("m")), dir_mode);
        assert_eq!(mode(&out.join("index.html")), file_mode);
        assert_eq!(mode(&out.join("m/x.html")), file_mode);
    }

    #[test]
    fn a_tree_writer_dropped_unfinished_leaves_the_old_folder_and_no_staging() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        write_tree_atomic(&out, &files(), &Inputs::default()).unwrap();
        let tree = TreeWriter::marked(&out, &Inputs::default()).unwrap();
        tree.add("new.html", b"n").unwrap();
        assert!(
            matches!(tree.add("new.html", b"again"), Err(WriteError::Io { .. })),
            "a file is never added twice"
        );
        assert!(matches!(
            tree.add("../escape.html", b"x"),
            Err(WriteError::OutsideFolder { .. })
        ));
        drop(tree);
        assert_eq!(names(tmp.path()), ["public"], "no staging folder left");
        assert!(!out.join("new.html").exists());
        assert_eq!(std::fs::read(out.join("m/x.html")).unwrap(), b"b");

        let tree = TreeWriter::marked(&out, &Inputs::default()).unwrap();
        tree.add("new.html", b"n").unwrap();
        assert_eq!(tree.count(), 2, "the marker and one file");
        tree.finish().unwrap();
        assert_eq!(names(&out), [".threatbook", "new.html"]);
        assert_eq!(names(tmp.path()), ["public"], "the old folder is gone");
    }

    #[test]
    fn a_tree_writer_refuses_a_foreign_folder_before_any_work() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("precious.txt"), b"keep").unwrap();
        let err = TreeWriter::marked(tmp.path(), &Inputs::default()).unwrap_err();
        assert!(matches!(err, WriteError::NotReplaceable { .. }), "{err}");
        assert_eq!(names(tmp.path()), ["precious.txt"]);
    }

    #[test]
    fn refuses_a_folder_it_did_not_write() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("precious.txt"), b"keep").unwrap();
        let err = write_tree_atomic(tmp.path(), &files(), &Inputs::default()).unwrap_err();
        assert!(matches!(err, WriteError::NotReplaceable { .. }), "{err}");
        assert_eq!(
            std::fs::read(tmp.path().join("precious.txt")).unwrap(),
            b"keep"
        );
    }

    #[test]
    fn refuses_the_model_folder_and_a_folder_holding_it_even_when_marked() {
        let tmp = tempfile::tempdir().unwrap();
        let model = tmp.path().join("model");
        std::fs::create_dir(&model).unwrap();
        std::fs::write(model.join("model.toml"), b"x").unwrap();
        std::fs::write(model.join(TREE_MARKER), b"").unwrap();
        std::fs::write(tmp.path().join(TREE_MARKER), b"").unwrap();
        let mut inputs = Inputs::default();
        inputs.add_folder(&model);
        for out in [model.as_path(), tmp.path()] {
            let err = write_tree_atomic(out, &files(), &inputs).unwrap_err();
            assert!(matches!(err, WriteError::InputFolder { .. }), "{err}");
        }
        assert_eq!(std::fs::read(model.join("model.toml")).unwrap(), b"x");
        // An input file alone (a knowledge base outside the model folder) counts too.
        let mut inputs = Inputs::default();
        inputs.add_file(&model.join("model.toml"));
        assert!(matches!(
            write_tree_atomic(&model, &files(), &inputs),
            Err(WriteError::InputFolder { .. })
        ));
    }

    #[test]
    fn a_file_where_the_folder_should_be_is_refused_and_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("public");
        std::fs::write(&file, b"keep").unwrap();
        let err = write_tree_atomic(&file, &files(), &Inputs::default()).unwrap_err();
        assert!(matches!(err, WriteError::NotAFolder { .. }), "{err}");
        let err = write_new_folder(&file, &[("a.toml", b"a")]).unwrap_err();
        assert!(matches!(err, WriteError::NotAFolder { .. }), "{err}");
        assert_eq!(std::fs::read(&file).unwrap(), b"keep");
        assert_eq!(names(tmp.path()), ["public"]);
    }

    #[test]
    fn refuses_paths_that_leave_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("o");
        let bad = vec![("../escape.html".to_string(), b"x".to_vec())];
        assert!(matches!(
            write_tree_atomic(&out, &bad, &Inputs::default()),
            Err(WriteError::OutsideFolder { .. })
        ));
        assert!(!tmp.path().join("escape.html").exists());
        assert!(!out.exists());
    }

    #[test]
    fn a_new_folder_is_written_whole_and_an_existing_file_never_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("new");
        write_new_folder(&out, &[("a.toml", b"a"), ("b/c.toml", b"c")]).unwrap();
        assert_eq!(std::fs::read(out.join("b/c.toml")).unwrap(), b"c");
        assert_eq!(names(tmp.path()), ["new"]);
        let err = write_new_folder(&out, &[("a.toml", b"x")]).unwrap_err();
        assert!(matches!(err, WriteError::NotEmpty { .. }), "{err}");
        assert_eq!(std::fs::read(out.join("a.toml")).unwrap(), b"a");
        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        write_new_folder(&empty, &[("a.toml", b"a")]).unwrap();
        assert_eq!(names(&empty), ["a.toml"]);
        assert_eq!(
            names(tmp.path()),
            ["empty", "new"],
            "no staging folder left"
        );
    }
}
