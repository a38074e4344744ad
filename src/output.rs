//! The one writer of every command's output: where the bytes of a report, diagram,
//! export, site or evidence bundle go, and how they get there without harm.
//!
//! Responsible for the rules of `-o`: no `-o`, `-o -` or `-o /dev/stdout` is standard
//! output (a closed pipe is not an error); a regular file is replaced atomically (a new
//! file in the same folder, synced, then renamed) and gets the mode a new file gets under
//! the umask, or keeps the mode of the file it replaces; a symbolic link is followed and
//! its target replaced, the link kept; a FIFO, device or socket is written in place,
//! never replaced (an open file reached through `/dev/fd` is appended to); a file or
//! folder the model was read from ([`Inputs`]) is refused. Folders of files ([`tree`])
//! are staged beside their target and renamed into place whole.
//!
//! It must not print, choose exit codes, or know any output format: callers hand it bytes
//! and get a typed [`WriteError`] back.

pub mod tree;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use self::tree::{TREE_MARKER, TreeWriter, write_new_folder, write_tree, write_tree_atomic};

/// Where a command's output goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Standard output.
    Stdout,
    /// A path: a file to replace, a link to follow, or a special file to write into.
    Path(PathBuf),
}

/// Names of the process's own standard output: written through it, so that its offset
/// and append mode hold (reopening it would start again at the top of a file).
const STDOUT_NAMES: &[&str] = &["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"];

impl Target {
    /// The target of an `-o` argument: none, `-` or `/dev/stdout` is standard output.
    pub fn from_arg(arg: Option<&Path>) -> Target {
        match arg {
            None => Target::Stdout,
            Some(p) if STDOUT_NAMES.iter().any(|n| p.as_os_str() == *n) => Target::Stdout,
            Some(p) => Target::Path(p.to_path_buf()),
        }
    }
}

/// What can go wrong while writing output. Nothing was written when an error is returned
/// (an existing target is left as it was), except for a special file written in place.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The target is one of the files the model was read from.
    #[error(
        "{} is {}, which this command reads; refusing to write over it (nothing was written)",
        path.display(),
        input.display()
    )]
    InputFile { path: PathBuf, input: PathBuf },
    /// A folder to replace is, or holds, a folder or file the model was read from.
    #[error(
        "{} holds {}, which this command reads; refusing to replace it (nothing was written)",
        path.display(),
        input.display()
    )]
    InputFolder { path: PathBuf, input: PathBuf },
    /// A file was to be written where a folder is.
    #[error("{} is a folder; give a file name", path.display())]
    IsAFolder { path: PathBuf },
    /// A folder was to be written where a file (or other non-folder) is.
    #[error("{} is not a folder; give a folder name", path.display())]
    NotAFolder { path: PathBuf },
    /// A folder to replace was not written by threatbook and is not empty.
    #[error(
        "{} is not empty and was not written by threatbook; choose another folder",
        path.display()
    )]
    NotReplaceable { path: PathBuf },
    /// A folder to fill is neither new nor empty.
    #[error(
        "{} exists and is not empty; only a new or empty folder is written into",
        path.display()
    )]
    NotEmpty { path: PathBuf },
    /// A file of a folder would land outside it.
    #[error("refusing to write outside the folder: {relative}")]
    OutsideFolder { relative: String },
    /// The file system refused.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Standard output refused (other than a closed pipe).
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] io::Error),
}

impl WriteError {
    fn io(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
        move |source| WriteError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The files and folders a command read, which its output must never replace.
///
/// Paths are compared canonicalized (and, on Unix, by device and inode, so that a hard
/// link to an input is caught too). Paths that do not exist, such as the bundled
/// knowledge bases' `<bundled>/…`, are ignored.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    files: Vec<Known>,
    folders: Vec<Known>,
}

#[derive(Clone, Debug)]
struct Known {
    canonical: PathBuf,
    shown: PathBuf,
    id: Option<(u64, u64)>,
}

/// Device and inode of a file, where the platform has them.
fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

impl Inputs {
    /// Every file of `sources` (model files, manifest, knowledge-base files).
    pub fn of_sources(sources: &crate::Sources) -> Inputs {
        let mut inputs = Inputs::default();
        inputs.add_sources(sources);
        inputs
    }

    /// Adds every file of `sources`.
    pub fn add_sources(&mut self, sources: &crate::Sources) {
        for (_, file) in sources.iter() {
            self.add_file(&file.path);
        }
    }

    /// Adds one file read as input.
    pub fn add_file(&mut self, path: &Path) {
        let Ok(canonical) = std::fs::canonicalize(path) else {
            return;
        };
        let id = std::fs::metadata(&canonical)
            .ok()
            .as_ref()
            .and_then(file_id);
        self.files.push(Known {
            canonical,
            shown: path.to_path_buf(),
            id,
        });
    }

    /// Adds a folder read as input (a model folder): a folder write may not replace it
    /// or a folder that holds it.
    pub fn add_folder(&mut self, dir: &Path) {
        if let Ok(canonical) = std::fs::canonicalize(dir) {
            self.folders.push(Known {
                canonical,
                shown: dir.to_path_buf(),
                id: None,
            });
        }
    }

    /// Adds the regular files directly inside `dir` whose names `keep` accepts (the
    /// templates of a templates folder).
    pub fn add_files_in(&mut self, dir: &Path, keep: impl Fn(&str) -> bool) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if entry.file_type().is_ok_and(|t| t.is_file()) && keep(&name.to_string_lossy()) {
                self.add_file(&entry.path());
            }
        }
    }

    /// The input that the existing regular file `resolved` (with `meta`) is, if any.
    fn file_matching(&self, resolved: &Path, meta: &std::fs::Metadata) -> Option<&Path> {
        let canonical = std::fs::canonicalize(resolved).ok();
        let id = file_id(meta);
        self.files
            .iter()
            .find(|k| Some(&k.canonical) == canonical.as_ref() || (id.is_some() && k.id == id))
            .map(|k| k.shown.as_path())
    }

    /// An input inside the existing folder `dir` (or `dir` itself), if any.
    fn inside(&self, dir: &Path) -> Option<PathBuf> {
        let canonical = std::fs::canonicalize(dir).ok()?;
        self.folders
            .iter()
            .chain(&self.files)
            .find(|k| k.canonical.starts_with(&canonical))
            .map(|k| k.shown.clone())
    }
}

/// Writes `bytes` to `target` under the rules of this module.
pub fn write(target: &Target, bytes: &[u8], inputs: &Inputs) -> Result<(), WriteError> {
    write_pieces(target, &[bytes], inputs)
}

/// Writes `pieces`, one after another, to `target` as [`write()`] writes one piece: a
/// large document made in pieces is never joined in memory first.
pub fn write_pieces(target: &Target, pieces: &[&[u8]], inputs: &Inputs) -> Result<(), WriteError> {
    write_with(target, inputs, |out| {
        pieces.iter().try_for_each(|piece| out.write_all(piece))
    })
}

/// Writes to `target` what `produce` writes to the writer it is given, under the rules
/// of [`write()`], so that a document can be written as it is made and never held
/// whole. A file is written to a temporary file beside it, which replaces it only once
/// `produce` has succeeded: an error (of `produce` or of the disk) leaves the target as
/// it was. Standard output and special files get the bytes as they come.
pub fn write_with(
    target: &Target,
    inputs: &Inputs,
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    match target {
        Target::Stdout => write_stdout(produce),
        Target::Path(path) => write_file_with(path, inputs, produce),
    }
}

fn write_stdout(produce: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), WriteError> {
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    match produce(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(WriteError::Stdout(e)),
    }
}

/// Whether [`write_with`] puts `target` in place only once it is complete: a regular
/// file or a new one, where a producer that fails half-way leaves nothing behind.
/// Standard output and special files get the bytes as they come.
pub fn is_atomic(target: &Target) -> bool {
    match target {
        Target::Stdout => false,
        Target::Path(path) => matches!(
            inspect(path, &Inputs::default()),
            Ok(Found::Nothing(_) | Found::Regular(..))
        ),
    }
}

/// Refuses `target` early, before any work, when it is a folder or one of `inputs`.
/// [`write()`] checks again; this lets a command say so before anything else.
pub fn check(target: &Target, inputs: &Inputs) -> Result<(), WriteError> {
    match target {
        Target::Stdout => Ok(()),
        Target::Path(path) => inspect(path, inputs).map(|_| ()),
    }
}

/// What is at a file target, once links are followed.
enum Found {
    /// Nothing yet: a new file at this (link-resolved) path.
    Nothing(PathBuf),
    /// A regular file, at this real path.
    Regular(PathBuf, std::fs::Metadata),
    /// A FIFO, device or socket, or an open file reached through `/dev` or `/proc`
    /// (`/dev/fd/3`): opened by the path given, appending when `append`.
    InPlace { append: bool },
}

/// Whether `path` names an open file of a process (`/dev/stderr`, `/dev/fd/N`,
/// `/proc/self/fd/N`), whose links are not paths to follow by hand.
fn through_system_folder(path: &Path) -> bool {
    cfg!(unix)
        && (path.starts_with("/proc")
            || path.starts_with("/dev/fd")
            || ["/dev/stdout", "/dev/stderr"]
                .iter()
                .any(|n| path == Path::new(n)))
}

fn inspect(path: &Path, inputs: &Inputs) -> Result<Found, WriteError> {
    let refuse_input =
        |meta: &std::fs::Metadata, real: &Path| match inputs.file_matching(real, meta) {
            Some(input) => Err(WriteError::InputFile {
                path: path.to_path_buf(),
                input: input.to_path_buf(),
            }),
            None => Ok(()),
        };
    // The system follows the links first: this also sees through the links of `/proc`
    // (`/dev/stdout` to `pipe:[…]`) that lead nowhere on the file system.
    match std::fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let resolved = follow_links(path).map_err(WriteError::io(path))?;
            Ok(Found::Nothing(resolved))
        }
        Err(e) => Err(WriteError::io(path)(e)),
        Ok(meta) if meta.is_dir() => Err(WriteError::IsAFolder {
            path: path.to_path_buf(),
        }),
        Ok(meta) if meta.is_file() && through_system_folder(path) => {
            refuse_input(&meta, path)?;
            Ok(Found::InPlace { append: true })
        }
        Ok(meta) if meta.is_file() => {
            let real = std::fs::canonicalize(path)
                .or_else(|_| follow_links(path))
                .map_err(WriteError::io(path))?;
            refuse_input(&meta, &real)?;
            Ok(Found::Regular(real, meta))
        }
        Ok(_) => Ok(Found::InPlace { append: false }),
    }
}

/// Writes `bytes` to the file at `path`: a regular file (or a new one) is replaced
/// atomically, a link is followed, a special file is written in place, and an input
/// file is refused.
pub fn write_file(path: &Path, bytes: &[u8], inputs: &Inputs) -> Result<(), WriteError> {
    write_file_pieces(path, &[bytes], inputs)
}

/// [`write_file`] of a document in pieces.
fn write_file_pieces(path: &Path, pieces: &[&[u8]], inputs: &Inputs) -> Result<(), WriteError> {
    write_file_with(path, inputs, |out| {
        pieces.iter().try_for_each(|piece| out.write_all(piece))
    })
}

/// [`write_with`] to the file at `path`.
fn write_file_with(
    path: &Path,
    inputs: &Inputs,
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    match inspect(path, inputs)? {
        Found::Nothing(resolved) => replace(path, &resolved, produce, None),
        Found::Regular(resolved, meta) => {
            replace(path, &resolved, produce, Some(meta.permissions()))
        }
        Found::InPlace { append } => write_in_place(path, append, produce),
    }
}

/// `path` with every symbolic link of its last component followed, even to a target
/// that does not exist yet. Links in the folders above are left to the system.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = if target.is_absolute() {
                    target
                } else {
                    folder_of(&current).join(target)
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// The folder a path's file lives in (`.` for a bare file name).
pub(crate) fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A name for a temporary sibling of `target`, different on every call.
pub(crate) fn temporary_name(target: &Path, tag: &str) -> std::ffi::OsString {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let mut name = std::ffi::OsString::from(".");
    name.push(target.file_name().unwrap_or_default());
    name.push(format!(".threatbook-{tag}-{:016x}", hasher.finish()));
    name
}

/// Creates a new file that nobody else has, with the mode a new file gets under the
/// umask, beside `target`.
fn create_temporary(target: &Path) -> io::Result<(PathBuf, File)> {
    let folder = folder_of(target);
    let mut last = None;
    for _ in 0..64 {
        let path = folder.join(temporary_name(target, "tmp"));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o666);
        }
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// Removes a path on drop unless disarmed: what a failed write leaves behind.
#[derive(Debug)]
pub(crate) struct Cleanup {
    path: Option<PathBuf>,
    folder: bool,
}

impl Cleanup {
    pub(crate) fn file(path: PathBuf) -> Cleanup {
        Cleanup {
            path: Some(path),
            folder: false,
        }
    }

    pub(crate) fn folder(path: PathBuf) -> Cleanup {
        Cleanup {
            path: Some(path),
            folder: true,
        }
    }

    pub(crate) fn disarm(mut self) {
        self.path = None;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = if self.folder {
                std::fs::remove_dir_all(path)
            } else {
                std::fs::remove_file(path)
            };
        }
    }
}

/// Replaces the regular file (or creates the file) `resolved` with `bytes`: a temporary
/// file in the same folder is written, given `keep` (the old file's permissions) if any,
/// synced and renamed over it. Errors name `shown`, the path the user gave.
fn replace(
    shown: &Path,
    resolved: &Path,
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    keep: Option<std::fs::Permissions>,
) -> Result<(), WriteError> {
    let err = WriteError::io(shown);
    let folder = folder_of(resolved);
    if let Err(e) = std::fs::create_dir_all(folder) {
        return Err(err(e));
    }
    let (temporary, mut file) = match create_temporary(resolved) {
        Ok(t) => t,
        Err(e) => return Err(err(e)),
    };
    let cleanup = Cleanup::file(temporary.clone());
    let produced = {
        let mut buffered = io::BufWriter::with_capacity(64 * 1024, &mut file);
        produce(&mut buffered).and_then(|()| buffered.flush())
    };
    let written = produced
        .and_then(|()| match keep {
            Some(permissions) => file.set_permissions(permissions),
            None => Ok(()),
        })
        .and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written.and_then(|()| std::fs::rename(&temporary, resolved)) {
        return Err(err(e));
    }
    cleanup.disarm();
    // The rename is durable once the folder is synced; a failure here loses nothing.
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Writes into a FIFO, device or socket as it is: such a file is a channel, not a
/// document, and replacing it would break whoever set it up. An open file reached
/// through `/dev/fd` is appended to, as a shell's `>>` would.
fn write_in_place(
    path: &Path,
    append: bool,
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let written = OpenOptions::new()
        .write(true)
        .append(append)
        .open(path)
        .and_then(|f| {
            let mut out = io::BufWriter::with_capacity(64 * 1024, f);
            produce(&mut out).and_then(|()| out.flush())
        });
    match written {
        Ok(()) => Ok(()),
        // A reader that went away (`-o >(head)`) is like a closed standard output.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(WriteError::io(path)(e)),
    }
}

/// The names in folder `dir`, sorted: what unit tests compare after a write.
#[cfg(test)]
pub(crate) fn folder_names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::folder_names as names;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    /// The mode this process's umask gives a new file (std::fs::write asks for 0666).
    #[cfg(unix)]
    fn umask_mode(dir: &Path) -> u32 {
        let probe = dir.join("probe");
        std::fs::write(&probe, b"").unwrap();
        let m = mode(&probe);
        std::fs::remove_file(probe).unwrap();
        m
    }

    #[test]
    fn a_dash_and_no_argument_are_standard_output() {
        assert_eq!(Target::from_arg(None), Target::Stdout);
        assert_eq!(Target::from_arg(Some(Path::new("-"))), Target::Stdout);
        assert_eq!(
            Target::from_arg(Some(Path::new("/dev/stdout"))),
            Target::Stdout
        );
        assert_eq!(
            Target::from_arg(Some(Path::new("./-"))),
            Target::Path("./-".into())
        );
    }

    #[test]
    fn replaces_the_target_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub/report.md");
        let none = Inputs::default();
        write_file(&target, b"first", &none).unwrap();
        write_file(&target, b"second", &none).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"second");
        assert_eq!(names(&dir.path().join("sub")), ["report.md"]);
    }

    /// What a producer writes before it fails never reaches the target: the old file
    /// stays as it was and no temporary file is left; a producer that succeeds replaces
    /// it with everything it wrote, in as many writes as it made.
    #[test]
    fn a_failed_producer_leaves_the_target_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let none = Inputs::default();
        let path = dir.path().join("dfd.svg");
        std::fs::write(&path, b"old").unwrap();
        let target = Target::Path(path.clone());
        let err = write_with(&target, &none, |out| {
            out.write_all(&[b'x'; 200_000])?;
            Err(io::Error::other("the renderer failed"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("the renderer failed"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["dfd.svg"]);
        write_with(&target, &none, |out| {
            (0..1000).try_for_each(|i| write!(out, "{i},"))
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("0,1,2,") && text.ends_with(",999,"),
            "{text}"
        );
        assert_eq!(names(dir.path()), ["dfd.svg"]);
    }

    /// A document in pieces is written as the pieces one after another, to a file (new
    /// or replaced) and to a special file alike.
    #[test]
    fn pieces_are_written_one_after_another() {
        let dir = tempfile::tempdir().unwrap();
        let none = Inputs::default();
        let target = Target::Path(dir.path().join("doc.md"));
        let pieces: [&[u8]; 4] = [b"# T\n", b"", b"body ", b"end\n"];
        write_pieces(&target, &pieces, &none).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("doc.md")).unwrap(),
            b"# T\nbody end\n"
        );
        write_pieces(&target, &[b"again".as_slice(), b"!"], &none).unwrap();
        assert_eq!(std::fs::read(dir.path().join("doc.md")).unwrap(), b"again!");
        assert_eq!(names(dir.path()), ["doc.md"]);
        #[cfg(unix)]
        write_pieces(&Target::Path("/dev/null".into()), &pieces, &none).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_the_target_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A file cannot be written where a folder is.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir_all(blocked.join("inner")).unwrap();
        let err = write_file(&blocked, b"new", &Inputs::default()).unwrap_err();
        assert!(matches!(err, WriteError::IsAFolder { .. }), "{err}");
        assert!(blocked.join("inner").is_dir());
        assert_eq!(names(dir.path()), ["blocked"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_gets_the_umask_mode_not_a_private_one() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.md");
        write_file(&target, b"x", &Inputs::default()).unwrap();
        assert_eq!(mode(&target), umask_mode(dir.path()));
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.md");
        std::fs::write(&target, b"old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_file(&target, b"new", &Inputs::default()).unwrap();
        assert_eq!(mode(&target), 0o640);
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_kept_and_its_target_replaced_even_a_dangling_one() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real/report.md");
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink("real/report.md", &link).unwrap();
        write_file(&link, b"new", &Inputs::default()).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert_eq!(names(&dir.path().join("real")), ["report.md"]);

        let dangling = dir.path().join("dangling.md");
        std::os::unix::fs::symlink("real/later.md", &dangling).unwrap();
        write_file(&dangling, b"later", &Inputs::default()).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("real/later.md")).unwrap(),
            b"later"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_loop_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert!(matches!(
            write_file(&a, b"x", &Inputs::default()),
            Err(WriteError::Io { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_character_device_is_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        write_file(Path::new("/dev/null"), b"gone", &Inputs::default()).unwrap();
        assert!(
            std::fs::symlink_metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
        if Path::new("/dev/full").exists() {
            let err = write_file(Path::new("/dev/full"), b"x", &Inputs::default()).unwrap_err();
            assert!(matches!(err, WriteError::Io { .. }), "{err}");
        }
    }

    #[test]
    fn an_input_file_is_refused_and_left_alone_also_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("model.toml");
        std::fs::write(&model, b"[project]").unwrap();
        let mut inputs = Inputs::default();
        inputs.add_file(&model);
        let err = write_file(&model, b"report", &inputs).unwrap_err();
        assert!(matches!(err, WriteError::InputFile { .. }), "{err}");
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&model, &link).unwrap();
            assert!(matches!(
                write_file(&link, b"report", &inputs),
                Err(WriteError::InputFile { .. })
            ));
            let hard = dir.path().join("hard");
            std::fs::hard_link(&model, &hard).unwrap();
            assert!(matches!(
                write_file(&hard, b"report", &inputs),
                Err(WriteError::InputFile { .. })
            ));
        }
        assert_eq!(std::fs::read(&model).unwrap(), b"[project]");
        // Beside it is fine.
        write_file(&dir.path().join("report.md"), b"ok", &inputs).unwrap();
    }
}
