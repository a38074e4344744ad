//! Large model files parsed in pieces, so that the parser's tree of a whole file is
//! never held at once.
//!
//! The parser's tree of a TOML file is about twenty times the file's size. A generated
//! model of 20,000 components has a 15 MB file of flows: its tree alone was 300 MB, the
//! peak of every command. Entity files are long runs of `[[flow]]` (or `[[threat]]`, …)
//! tables that do not depend on each other, so such a file can be cut before an entity
//! header line into pieces of about [`PIECE_BYTES`], each parsed and read on its own
//! and dropped before the next.
//!
//! Cutting must never change what a file means. A cut is only made before a line that
//! is exactly `[[name]]` for an entity array `name`; a cut that lands inside a
//! multi-line string or array leaves a piece that does not parse, and then the whole
//! file is parsed as one. Once every piece has parsed, a top-level key that occurs in
//! more than one piece must be an array of tables written with `[[…]]` headers in each
//! (what appending pieces amounts to); anything else (a table defined twice, an inline
//! array extended by a header) sends the file to the whole parse too, which reports it
//! as TOML does.

use std::collections::HashMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// The size of a piece: a piece's tree is about 1.3 MB, and a piece's setup is
/// nothing beside its parse. Smaller pieces are smaller peaks (`check`, N = 10,000:
/// 170 MB with pieces of 1 MiB, 128 MB with 256 KiB, 117 MB with 64 KiB) at no
/// measurable cost in time.
pub const PIECE_BYTES: usize = 1 << 16;

/// Where the pieces of `text` start: 0, then the start of each line `[[name]]` (with
/// `name` in `names`, optionally followed by spaces and a comment) that begins at least
/// `piece` bytes after the previous start. One start means the file is not cut.
pub fn starts(text: &str, piece: usize, names: &[&str]) -> Vec<usize> {
    let mut starts = vec![0];
    let bytes = text.as_bytes();
    let mut line = 0;
    while line < bytes.len() {
        let end = line_end(bytes, line);
        let last = *starts.last().unwrap_or(&0);
        if line - last >= piece && is_entity_header(&text[line..end], names) {
            starts.push(line);
        }
        line = end + 1;
    }
    starts
}

/// The index of the next `\n` at or after `from`, or the length of `bytes`.
fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| from + i)
}

/// Whether `line` is `[[name]]` for one of `names`, maybe followed by blanks and a comment.
fn is_entity_header(line: &str, names: &[&str]) -> bool {
    let Some(rest) = line.strip_prefix("[[") else {
        return false;
    };
    let Some(close) = rest.find("]]") else {
        return false;
    };
    let after = rest[close + 2..].trim_start_matches([' ', '\t', '\r']);
    names.contains(&&rest[..close]) && (after.is_empty() || after.starts_with('#'))
}

/// The pieces of `text` as ranges, from [`starts`].
pub fn ranges(text: &str, starts: &[usize]) -> Vec<Range<usize>> {
    starts
        .iter()
        .enumerate()
        .map(|(i, &s)| s..starts.get(i + 1).copied().unwrap_or(text.len()))
        .collect()
}

/// The top-level keys of the pieces parsed so far, and whether each was an array of
/// tables written with `[[…]]` headers.
#[derive(Default)]
pub struct SeenKeys(HashMap<String, bool>);

impl SeenKeys {
    /// Notes the top-level keys of one parsed piece (`text` is the piece's text).
    /// `false` when a key that an earlier piece had is not, in both, an array of tables
    /// written with headers: the pieces then do not add up to the file.
    pub fn add(&mut self, text: &str, doc: &DeTable<'_>) -> bool {
        for (key, value) in doc.iter() {
            let headers = matches!(value.get_ref(), DeValue::Array(_))
                && text
                    .get(..key.span().start)
                    .is_some_and(|before| before.trim_end_matches([' ', '\t']).ends_with("[["));
            let name: &str = key.get_ref();
            match self.0.get(name) {
                Some(&earlier) if !(earlier && headers) => return false,
                Some(_) => {}
                None => {
                    self.0.insert(name.to_string(), headers);
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["flow", "threat"];

    #[test]
    fn cuts_only_before_entity_headers_far_enough_apart() {
        let text = "[[flow]]\nid = \"a\"\n[[flow]] # second\nid = \"b\"\n[[other]]\nx = 1\n[[flow]]\r\nid = \"c\"\n [[flow]]\n";
        let s = starts(text, 1, NAMES);
        let lines: Vec<&str> = s[1..]
            .iter()
            .map(|&i| text[i..].lines().next().unwrap())
            .collect();
        assert_eq!(lines, ["[[flow]] # second", "[[flow]]"]);
        assert!(text[s[2]..].starts_with("[[flow]]\r\n"));
        assert_eq!(starts(text, 1000, NAMES), [0]);
        assert_eq!(ranges(text, &s).last().unwrap().end, text.len());
    }

    #[test]
    fn a_key_in_two_pieces_must_be_a_header_array_in_both() {
        let check = |a: &str, b: &str| {
            let mut seen = SeenKeys::default();
            let da = DeTable::parse(a).unwrap();
            let db = DeTable::parse(b).unwrap();
            seen.add(a, da.get_ref()) && seen.add(b, db.get_ref())
        };
        assert!(check("[[flow]]\nid = 1\n", "[[flow]]\nid = 2\n"));
        assert!(check("[[flow]]\n[extra]\n", "[[flow]]\n[more]\n"));
        assert!(!check("flow = [{ id = 1 }]\n", "[[flow]]\nid = 2\n"));
        assert!(!check("[[flow]]\n[extra]\n", "[[flow]]\n[extra.sub]\n"));
        assert!(!check("[flow]\nid = 1\n", "[[flow]]\nid = 2\n"));
    }
}
