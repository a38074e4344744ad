//! What git knows about a model folder: the commit it is at, whether it has changes,
//! the day it last changed, and its files at another revision.
//!
//! git runs as a subprocess. Outside a work tree, or without git installed, the answers
//! are `None`: provenance is a courtesy, and nothing fails because git is missing.

use std::path::Path;
use std::process::Command;

use crate::model::Date;

fn git(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

fn git_text(dir: &Path, args: &[&str]) -> Option<String> {
    let bytes = git(dir, args)?;
    Some(String::from_utf8_lossy(&bytes).trim().to_string())
}

/// The commit and dirty flag of a folder in a git work tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// The full hash of HEAD; `None` outside a work tree.
    pub commit: Option<String>,
    /// Whether files under the folder differ from HEAD (untracked ones included).
    pub dirty: Option<bool>,
}

/// The git state of `dir`.
pub fn state(dir: &Path) -> State {
    let Some(commit) = git_text(dir, &["rev-parse", "--verify", "HEAD"]) else {
        return State::default();
    };
    let dirty = git(dir, &["status", "--porcelain", "--", "."]).map(|s| !s.is_empty());
    State {
        commit: Some(commit),
        dirty,
    }
}

/// The day of the last commit that touched `dir`, if it is in a work tree with one.
pub fn last_commit_date(dir: &Path) -> Option<Date> {
    let text = git_text(dir, &["log", "-1", "--format=%cs", "--", "."])?;
    Date::parse(&text)
}

/// The day the model in `dir` last changed: today when it has uncommitted changes,
/// else its last commit's day; outside git, the newest modification time of `files`.
pub fn last_change(dir: &Path, files: &[&Path], today: Date) -> Date {
    let st = state(dir);
    if st.commit.is_some() {
        if st.dirty != Some(false) {
            return today;
        }
        if let Some(day) = last_commit_date(dir) {
            return day;
        }
        return today;
    }
    files
        .iter()
        .filter_map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .max()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(today, |d| Date::from_unix_seconds(d.as_secs() as i64))
}

/// What can go wrong while reading a folder at a revision.
#[derive(Debug, thiserror::Error)]
pub enum RevisionError {
    #[error("{0} is not inside a git work tree")]
    NotAWorkTree(String),
    #[error("git cannot find `{rev}`: {message}")]
    UnknownRevision { rev: String, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Writes the files under `dir` as they were at `rev` into `into` (same relative
/// layout), and returns how many there were.
pub fn checkout_folder(dir: &Path, rev: &str, into: &Path) -> Result<usize, RevisionError> {
    let prefix = git_text(dir, &["rev-parse", "--show-prefix"])
        .ok_or_else(|| RevisionError::NotAWorkTree(dir.display().to_string()))?;
    let top = git_text(dir, &["rev-parse", "--show-toplevel"])
        .ok_or_else(|| RevisionError::NotAWorkTree(dir.display().to_string()))?;
    let top = Path::new(&top);
    let spec = format!("{rev}^{{commit}}");
    let listed = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["ls-tree", "-r", "-z", "--name-only", &spec, "--"])
        .arg(if prefix.is_empty() { "." } else { &prefix })
        .output()
        .map_err(|e| RevisionError::NotAWorkTree(e.to_string()))?;
    if !listed.status.success() {
        return Err(RevisionError::UnknownRevision {
            rev: rev.to_string(),
            message: String::from_utf8_lossy(&listed.stderr).trim().to_string(),
        });
    }
    let mut count = 0;
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let Some(relative) = name.strip_prefix(&prefix) else {
            continue;
        };
        let bytes = git(top, &["show", &format!("{rev}:{name}")]).ok_or_else(|| {
            RevisionError::UnknownRevision {
                rev: rev.to_string(),
                message: format!("cannot read {name}"),
            }
        })?;
        let target = into.join(relative);
        let write = |target: &Path| -> std::io::Result<()> {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(target, &bytes)
        };
        write(&target).map_err(|source| RevisionError::Write {
            path: target.display().to_string(),
            source,
        })?;
        count += 1;
    }
    Ok(count)
}
