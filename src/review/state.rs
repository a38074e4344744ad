//! The state a review approves: one SHA-256 over the text of a model's files with their
//! review entries cut out, so that recording a review never changes the state it
//! records, and any other edit to the model does.
//!
//! This module is the one definition; docs/reviews.md spells it out for users.
//! `threatbook review` writes the state into the new entry, and `check --require-review`
//! compares the latest approval's with the model's. Nothing here reads the disk: it works
//! on the texts the loader read.
//!
//! The definition, file by file in the order the loader read them (`threatbook.toml`,
//! the other model files by relative path, then each local knowledge base's files;
//! bundled knowledge bases belong to threatbook's version and are left out):
//!
//! 1. The file is split into lines, each with its line break.
//! 2. Each `[[review]]` entry is cut: from its header line to the line where its last
//!    value ends, with the comment lines directly above the header (no blank line
//!    between). An inline `review = [...]` is cut from its key to the end of its value.
//! 3. Blank lines (only spaces, tabs and line breaks) are dropped, except inside
//!    multi-line strings: blank lines carry no meaning in TOML, and they are what sits
//!    around a review entry.
//! 4. The last kept line gets a line break if it has none.
//!
//! A file left empty is skipped. The others are hashed as the UTF-8 bytes of the
//! domain line [`DOMAIN`], then, per file, `<length of name>:<name><length of text>:<text>`
//! (lengths in bytes, in decimal), where the name is the path relative to the model
//! folder (`knowledge/<id>/<path>` for a knowledge base's file).

use std::ops::Range;

use sha2::{Digest, Sha256};
use toml::de::{DeTable, DeValue};

use crate::kinds::ModelState;
use crate::source::{FileId, Sources};

/// The first bytes hashed: names the definition, so that a new one gives new states.
pub const DOMAIN: &str = "threatbook model state 1\n";

/// The state of the model whose files are `sources`.
pub fn of_sources(sources: &Sources) -> ModelState {
    of_files(
        sources
            .iter()
            .filter(|(_, f)| !f.is_bundled)
            .map(|(_, f)| (f.relative.as_str(), f.text.as_str())),
    )
}

/// The state of files given as (name, text), in the order given.
pub fn of_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> ModelState {
    let mut hasher = Sha256::new();
    hasher.update(DOMAIN.as_bytes());
    for (name, text) in files {
        let counted = counted_text(text);
        if counted.is_empty() {
            continue;
        }
        hasher.update(format!("{}:", name.len()).as_bytes());
        hasher.update(name.as_bytes());
        hasher.update(format!("{}:", counted.len()).as_bytes());
        hasher.update(counted.as_bytes());
    }
    ModelState(hasher.finalize().into())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    Review,
    Blank,
    Comment,
    Other,
}

/// The part of one file's text that the state counts: steps 1 to 4 of the module's
/// definition. A text that is not valid TOML is counted whole, but for blank lines.
pub fn counted_text(text: &str) -> String {
    // The loader's limits first: past them the parser is not to be run at all.
    let within_limits = crate::load::limits::scan(FileId::from_index(0), text).is_none();
    let (reviews, strings) = match within_limits.then(|| DeTable::parse(text)) {
        Some(Ok(doc)) => (
            review_ranges(text, doc.get_ref()),
            multiline_strings(text, doc.get_ref()),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    let mut lines: Vec<(Range<usize>, Line)> = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let range = start..start + line.len();
        start = range.end;
        let kind = if reviews
            .iter()
            .any(|r| r.start < range.end && range.start < r.end)
        {
            Line::Review
        } else if strings
            .iter()
            .any(|s| s.start < range.start && range.start < s.end)
        {
            Line::Other // inside a multi-line string: text, whatever it looks like
        } else if line.trim().is_empty() {
            Line::Blank
        } else if line.trim_start().starts_with('#') {
            Line::Comment
        } else {
            Line::Other
        };
        lines.push((range, kind));
    }
    // Comments directly above a review header belong to it.
    for i in 1..lines.len() {
        if lines[i].1 == Line::Review {
            let mut j = i;
            while j > 0 && lines[j - 1].1 == Line::Comment {
                lines[j - 1].1 = Line::Review;
                j -= 1;
            }
        }
    }
    let mut out = String::new();
    for (range, kind) in lines {
        if matches!(kind, Line::Comment | Line::Other) {
            out.push_str(&text[range]);
        }
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The byte ranges of the review entries of a parsed document: each `[[review]]` from
/// its header to the end of its last value, or an inline `review = [...]` whole.
fn review_ranges(text: &str, doc: &DeTable<'_>) -> Vec<Range<usize>> {
    let Some((key, value)) = doc.iter().find(|(k, _)| k.get_ref() == "review") else {
        return Vec::new();
    };
    let DeValue::Array(items) = value.get_ref() else {
        return Vec::new();
    };
    let mut ranges = Vec::new();
    for item in items.iter() {
        let header = item.span();
        if !text
            .get(header.start..)
            .is_some_and(|t| t.starts_with("[["))
        {
            // An inline array: the whole key-value is reviews.
            let whole = key.span().start..value.span().end;
            return Vec::from([whole]);
        }
        ranges.push(header.start..header.end.max(end_of_values(item.get_ref())));
    }
    ranges
}

/// The end of the last value written in a table (through dotted keys and sub-tables).
fn end_of_values(value: &DeValue<'_>) -> usize {
    let mut end = 0;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        if let DeValue::Table(t) = v {
            for (k, v) in t.iter() {
                end = end.max(k.span().end).max(v.span().end);
                stack.push(v.get_ref());
            }
        }
    }
    end
}

/// The byte ranges of the strings of a document that span more than one line.
fn multiline_strings(text: &str, doc: &DeTable<'_>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut stack: Vec<&toml::Spanned<DeValue<'_>>> = doc.iter().map(|(_, v)| v).collect();
    while let Some(v) = stack.pop() {
        match v.get_ref() {
            DeValue::String(_) => {
                let span = v.span();
                if text.get(span.clone()).is_some_and(|s| s.contains('\n')) {
                    out.push(span);
                }
            }
            DeValue::Array(items) => stack.extend(items.iter()),
            DeValue::Table(t) => stack.extend(t.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = "\
# Architecture
[[component]]
id = \"api\"   # the public one
name = \"API\"
kind = \"process\"
description = \"\"\"
First paragraph.

# Not a comment: text of the description.
\"\"\"

[[component]]
id = \"db\"
";

    const REVIEW: &str = "[[review]]\nreviewer = \"ana\"\ndate = 2026-03-01\ndecision = \"approved\"\nnotes = \"\"\"\nline one\n\nline three\n\"\"\"\n";

    fn state(files: &[(&str, &str)]) -> ModelState {
        of_files(files.iter().copied())
    }

    #[test]
    fn review_entries_are_cut_wherever_they_are_added() {
        let before = state(&[("m.toml", MODEL)]);
        let at_end = format!("{MODEL}\n{REVIEW}");
        let at_end_squeezed = format!("{MODEL}{REVIEW}\n\n");
        let at_top = format!("{REVIEW}\n{MODEL}");
        let (head, tail) = MODEL.split_once("[[component]]\nid = \"db\"").unwrap();
        let between = format!("{head}{REVIEW}[[component]]\nid = \"db\"{tail}");
        let with_comment = format!("{MODEL}\n# Signed off after the threat workshop.\n{REVIEW}");
        for text in [&at_end, &at_end_squeezed, &at_top, &between, &with_comment] {
            assert_eq!(state(&[("m.toml", text)]), before, "{text}");
        }
        // Two reviews, and a file of reviews only.
        let two = format!("{at_end}\n{REVIEW}");
        assert_eq!(state(&[("m.toml", &two)]), before);
        let reviews_only = format!("# Sign-offs\n{REVIEW}\n{REVIEW}");
        assert_eq!(
            state(&[("m.toml", MODEL), ("reviews.toml", &reviews_only)]),
            before
        );
        // Inline reviews too.
        let inline = "review = [\n  { reviewer = \"ana\", date = 2026-03-01, decision = \"approved\" },\n]\n";
        assert_eq!(state(&[("a.toml", inline), ("m.toml", MODEL)]), before);
    }

    #[test]
    fn a_missing_final_line_break_is_not_an_edit() {
        let trimmed = MODEL.trim_end();
        assert_eq!(state(&[("m.toml", trimmed)]), state(&[("m.toml", MODEL)]));
        let appended = format!("{trimmed}\n\n{REVIEW}");
        assert_eq!(state(&[("m.toml", &appended)]), state(&[("m.toml", MODEL)]));
    }

    #[test]
    fn every_other_edit_changes_the_state() {
        let before = state(&[("m.toml", MODEL)]);
        let edits = [
            MODEL.replace("# Architecture", "# Architecture and data"),
            MODEL.replace("   # the public one", ""),
            MODEL.replace("name = \"API\"", "name  = \"API\""),
            MODEL.replace("First paragraph.\n\n", "First paragraph.\n"),
            MODEL.replace("# Not a comment", "# Still not a comment"),
            MODEL.replace("id = \"db\"", "id = \"database\""),
            format!("{MODEL}# a closing remark\n"),
        ];
        for edit in &edits {
            assert_ne!(state(&[("m.toml", edit)]), before, "{edit}");
        }
        // The file's name counts, and so does the order of files.
        assert_ne!(state(&[("other.toml", MODEL)]), before);
        let a = state(&[("a.toml", "x = 1\n"), ("b.toml", "y = 2\n")]);
        let b = state(&[("b.toml", "y = 2\n"), ("a.toml", "x = 1\n")]);
        assert_ne!(a, b);
        // A comment after a review's last value, with a blank line, is not the review's.
        let floating = format!("{MODEL}\n{REVIEW}\n# kept\n");
        assert_ne!(state(&[("m.toml", &floating)]), before);
    }

    #[test]
    fn editing_a_review_does_not_change_the_state_but_its_neighbours_do() {
        let with = format!("{MODEL}\n{REVIEW}");
        let before = state(&[("m.toml", &with)]);
        let edited = with.replace("reviewer = \"ana\"", "reviewer = \"bo\"  # later");
        assert_eq!(state(&[("m.toml", &edited)]), before);
        let neighbour = with.replace("id = \"db\"", "id = \"db\"\nname = \"DB\"");
        assert_ne!(state(&[("m.toml", &neighbour)]), before);
    }

    #[test]
    fn the_framing_keeps_names_and_texts_apart() {
        assert_ne!(state(&[("a", "b = 1\n")]), state(&[("ab", " = 1\n")]),);
        assert_ne!(
            state(&[("a.toml", "x = 1\n"), ("b.toml", "y = 2\n")]),
            state(&[("a.toml", "x = 1\n2:b.toml6:y = 2\n")]),
        );
    }

    #[test]
    fn empty_and_review_only_files_do_not_count() {
        let none = state(&[]);
        assert_eq!(state(&[("empty.toml", ""), ("blank.toml", "\n\n")]), none);
        assert_eq!(state(&[("reviews.toml", REVIEW)]), none);
    }

    #[test]
    fn the_state_of_a_known_text_is_fixed() {
        // Pinned so that a change of the definition cannot go unnoticed: every recorded
        // approval would stop matching.
        let text = "x = 1\n";
        let mut hasher = Sha256::new();
        hasher.update(b"threatbook model state 1\n6:a.toml6:x = 1\n");
        let expected = ModelState(hasher.finalize().into());
        assert_eq!(state(&[("a.toml", text)]), expected);
        assert_eq!(
            expected.to_string(),
            format!(
                "sha256:{}",
                crate::evidence::manifest::sha256_hex(
                    b"threatbook model state 1\n6:a.toml6:x = 1\n"
                )
            )
        );
    }

    #[test]
    fn invalid_toml_is_counted_whole_and_never_panics() {
        for text in [
            "[[review]\nx",
            "review = 1\n",
            "[[review]]\n[review.x]\ny = 1\n",
            "\u{0}",
            "\"\"\"\n",
        ] {
            let _ = counted_text(text);
        }
        assert_eq!(counted_text("[[review\n\nx\n"), "[[review\nx\n");
    }
}
