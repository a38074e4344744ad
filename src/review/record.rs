//! `threatbook review`'s work: the `[[review]]` entry for a reviewer's decision on the
//! model as it is, appended to the file that holds the model's reviews.
//!
//! The entry goes to the file of the model's most recent review, else to a new
//! `reviews.toml` in the model folder. Before anything is written, the file with the
//! entry is read back: it must load, hold one review more, and leave the model's state
//! unchanged. The file is replaced atomically by [`crate::output::write_file`] (its mode
//! kept), and not at all if it changed on disk since the model was read.

use std::path::{Path, PathBuf};

use super::state;
use crate::diag::{Diagnostics, Severity};
use crate::kinds::{Choice, Date, Decision, ModelState};
use crate::output::{Inputs, WriteError};

/// The file a model's first review goes in.
pub const REVIEWS_FILE: &str = "reviews.toml";

/// What the reviewer decided, as the command line gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReview {
    pub reviewer: String,
    pub date: Date,
    pub decision: Decision,
    pub scope: Option<String>,
    pub notes: Option<String>,
}

/// Where a review was recorded, and the state it approves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub path: PathBuf,
    /// Whether the file was new.
    pub created: bool,
    pub state: ModelState,
}

/// Why no review was recorded. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The model did not load; the caller has its diagnostics.
    #[error("the model could not be loaded")]
    NotLoaded,
    /// The file with the new entry would not load (an inline `review = [...]` array).
    #[error("cannot append a `[[review]]` to {}: {message}", path.display())]
    Unappendable { path: PathBuf, message: String },
    /// The file changed on disk after the model was read.
    #[error("{} changed while the review was being recorded; run the command again", path.display())]
    Changed { path: PathBuf },
    /// `reviews.toml` exists but is not one of the model's files.
    #[error("{} exists but is not one of the model's files; move it away or add the review by hand", path.display())]
    NotAModelFile { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Records `review` of the model `project`, read from `dir`.
pub fn record(
    dir: &Path,
    project: &crate::Project,
    review: &NewReview,
) -> Result<Recorded, RecordError> {
    let model = project.model.as_ref().ok_or(RecordError::NotLoaded)?;
    let sources = &project.sources;
    let state = state::of_sources(sources);
    // The file of the most recent review (the last written on its day), else reviews.toml.
    let existing = model
        .reviews
        .iter()
        .max_by_key(|r| r.date)
        .map(|r| sources.get(r.span.file));
    let (path, relative, old) = match existing {
        Some(file) => (file.path.clone(), file.relative.clone(), Some(&file.text)),
        None => {
            let relative = REVIEWS_FILE.to_string();
            let found = sources
                .iter()
                .find(|(_, f)| !f.is_knowledge && f.relative == relative)
                .map(|(_, f)| f);
            match found {
                Some(file) => (file.path.clone(), relative, Some(&file.text)),
                None => (dir.join(REVIEWS_FILE), relative, None),
            }
        }
    };
    let old_text = old.map_or("", String::as_str);
    let text = append(old_text, &entry(review, state));
    read_back(sources, &path, &relative, old_text, &text, state)?;
    // Nothing else may have written the file since the model was read.
    let on_disk = match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(RecordError::Read { path, source }),
    };
    match (old, &on_disk) {
        (Some(old), Some(now)) if old.as_bytes() == now.as_slice() => {}
        (None, None) => {}
        (None, Some(_)) => return Err(RecordError::NotAModelFile { path }),
        _ => return Err(RecordError::Changed { path }),
    }
    crate::output::write_file(&path, text.as_bytes(), &Inputs::default())?;
    Ok(Recorded {
        path,
        created: old.is_none(),
        state,
    })
}

/// Checks the file's new text before it is written: it loads, holds one review more
/// than before, and the model's state is the same with it.
fn read_back(
    sources: &crate::Sources,
    path: &Path,
    relative: &str,
    old: &str,
    new: &str,
    state: ModelState,
) -> Result<(), RecordError> {
    let reviews = |text: &str| {
        let mut diags = Diagnostics::default();
        let loaded = crate::load::load_texts([(relative, text)], &mut diags);
        let error = diags
            .iter()
            .find(|d| d.severity == Severity::Error)
            .map(|d| d.message.clone());
        (loaded.raw.review.len(), error)
    };
    let unappendable = |message: String| RecordError::Unappendable {
        path: path.to_path_buf(),
        message,
    };
    let (before, _) = reviews(old);
    match reviews(new) {
        (_, Some(message)) => {
            return Err(unappendable(format!(
                "with the entry the file would not load ({message}); a file that writes its reviews inline, as `review = [...]`, takes no `[[review]]` after them"
            )));
        }
        (after, None) if after != before + 1 => {
            return Err(unappendable(
                "the new entry does not read as a review".into(),
            ));
        }
        _ => {}
    }
    let mut files: Vec<(&str, &str)> = Vec::new();
    let mut replaced = false;
    for (_, f) in sources.iter().filter(|(_, f)| !f.is_bundled) {
        if !f.is_knowledge && f.relative == relative {
            files.push((relative, new));
            replaced = true;
        } else {
            files.push((f.relative.as_str(), f.text.as_str()));
        }
    }
    if !replaced {
        files.push((relative, new));
    }
    if state::of_files(files) != state {
        return Err(unappendable(
            "with the entry, the model's state would differ".into(),
        ));
    }
    Ok(())
}

/// The new file's text: `old`, a blank line, then `entry`, with `old`'s line breaks.
fn append(old: &str, entry: &str) -> String {
    let newline = if old.contains("\r\n") { "\r\n" } else { "\n" };
    let mut text = old.to_string();
    if !text.is_empty() {
        if !text.ends_with('\n') {
            text.push_str(newline);
        }
        text.push_str(newline);
    }
    if newline == "\n" {
        text.push_str(entry);
    } else {
        text.push_str(&entry.replace('\n', newline));
    }
    text
}

/// The `[[review]]` entry, keys in the order the format documents them.
pub fn entry(review: &NewReview, state: ModelState) -> String {
    let mut out = String::from("[[review]]\n");
    out.push_str(&format!("reviewer = {}\n", basic_string(&review.reviewer)));
    out.push_str(&format!("date = {}\n", review.date));
    if let Some(scope) = &review.scope {
        out.push_str(&format!("scope = {}\n", basic_string(scope)));
    }
    out.push_str(&format!(
        "decision = {}\n",
        basic_string(review.decision.as_str())
    ));
    if let Some(notes) = &review.notes {
        out.push_str(&format!("notes = {}\n", basic_string(notes)));
    }
    out.push_str(&format!("state = \"{state}\"\n"));
    out
}

/// `text` as a TOML basic string: quotes, backslashes and control characters escaped.
fn basic_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(reviewer: &str, notes: Option<&str>) -> NewReview {
        NewReview {
            reviewer: reviewer.into(),
            date: Date::parse("2026-11-27").unwrap(),
            decision: Decision::Approved,
            scope: Some("whole model".into()),
            notes: notes.map(Into::into),
        }
    }

    #[test]
    fn strings_of_any_content_read_back_as_written() {
        let tricky =
            "quote \" backslash \\ tab\t cr\r nul\u{0} del\u{7f} c1\u{85} é 🦀\nsecond line";
        let text = entry(&review(tricky, Some(tricky)), ModelState([7; 32]));
        let doc: toml::Table = toml::from_str(&text).expect("valid TOML");
        let first = &doc["review"].as_array().unwrap()[0];
        assert_eq!(first["reviewer"].as_str(), Some(tricky));
        assert_eq!(first["notes"].as_str(), Some(tricky));
        assert_eq!(
            first["state"].as_str().unwrap(),
            ModelState([7; 32]).to_string()
        );
    }

    #[test]
    fn appending_keeps_the_file_and_its_line_breaks() {
        assert_eq!(append("", "[[review]]\n"), "[[review]]\n");
        assert_eq!(append("x = 1\n", "[[review]]\n"), "x = 1\n\n[[review]]\n");
        assert_eq!(append("x = 1", "[[review]]\n"), "x = 1\n\n[[review]]\n");
        assert_eq!(
            append("x = 1\r\n", "[[review]]\na = 1\n"),
            "x = 1\r\n\r\n[[review]]\r\na = 1\r\n"
        );
    }
}
