//! Writing output files atomically: the bytes go to a temporary file in the target's
//! folder, which is then renamed over the target. A reader never sees half a file, and
//! a failure leaves the old file (or no file) in place.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically, creating the parent folder if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".threatbook-")
        .suffix(".tmp")
        .tempfile_in(parent)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_target_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub/report.md");
        write_atomic(&target, b"first").unwrap();
        write_atomic(&target, b"second").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["report.md"]);
    }

    #[test]
    fn a_failed_write_leaves_the_target_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A file cannot be renamed over a non-empty folder, so the last step fails.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir_all(blocked.join("inner")).unwrap();
        assert!(write_atomic(&blocked, b"new").is_err());
        assert!(blocked.join("inner").is_dir());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["blocked"]);
    }
}

/// The file that marks a folder as written by threatbook, so that it may be replaced.
pub const TREE_MARKER: &str = ".threatbook";

/// Writes a whole folder of files: into a temporary folder next to `dir`, which then
/// takes `dir`'s place. `dir` may be missing, empty, or a folder this function wrote
/// before (it holds [`TREE_MARKER`]); anything else is refused, so that no user folder
/// is ever replaced by mistake. On any failure `dir` is left as it was.
pub fn write_tree_atomic(dir: &Path, files: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    let replaceable = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(e),
        Ok(mut entries) => entries.next().is_none() || dir.join(TREE_MARKER).is_file(),
    };
    if !replaceable {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} is not empty and was not written by threatbook; choose another folder",
                dir.display()
            ),
        ));
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".threatbook-")
        .tempdir_in(parent)?;
    for (relative, bytes) in files {
        if relative
            .split('/')
            .any(|part| part.is_empty() || part == ".." || part == ".")
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("refusing to write outside the folder: {relative}"),
            ));
        }
        let path = staging.path().join(relative);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(&path, bytes)?;
    }
    std::fs::write(staging.path().join(TREE_MARKER), b"written by threatbook\n")?;
    if dir.exists() {
        // Move the old folder aside first: two renames, the old one deleted only after the
        // new one is in place.
        let old = tempfile::Builder::new()
            .prefix(".threatbook-old-")
            .tempdir_in(parent)?;
        let old_path = old.path().join("previous");
        std::fs::rename(dir, &old_path)?;
        if let Err(e) = std::fs::rename(staging.path(), dir) {
            let _ = std::fs::rename(&old_path, dir);
            return Err(e);
        }
        let _ = staging.keep();
        drop(old);
    } else {
        std::fs::rename(staging.keep(), dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tree_tests {
    use super::*;

    fn files() -> Vec<(String, Vec<u8>)> {
        vec![
            ("index.html".into(), b"a".to_vec()),
            ("m/x.html".into(), b"b".to_vec()),
        ]
    }

    #[test]
    fn writes_a_new_folder_and_replaces_its_own_output() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        write_tree_atomic(&out, &files()).unwrap();
        assert_eq!(std::fs::read(out.join("m/x.html")).unwrap(), b"b");
        std::fs::write(out.join("stale.html"), b"old").unwrap();
        write_tree_atomic(&out, &files()).unwrap();
        assert!(
            !out.join("stale.html").exists(),
            "the old site is replaced whole"
        );
        let siblings: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(siblings, ["public"], "no staging folder left");
    }

    #[test]
    fn refuses_a_folder_it_did_not_write() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("precious.txt"), b"keep").unwrap();
        let err = write_tree_atomic(tmp.path(), &files()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(
            std::fs::read(tmp.path().join("precious.txt")).unwrap(),
            b"keep"
        );
    }

    #[test]
    fn refuses_paths_that_leave_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("o");
        let bad = vec![("../escape.html".to_string(), b"x".to_vec())];
        assert!(write_tree_atomic(&out, &bad).is_err());
        assert!(!tmp.path().join("escape.html").exists());
        assert!(!out.exists());
    }
}
