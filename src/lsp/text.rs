//! Positions and addresses as the protocol has them: lines and UTF-16 columns, and
//! `file://` URIs, converted to and from the byte offsets and paths of [`crate::source`].
//!
//! Nothing here knows about the model; it only converts.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};

/// The start of every line of a text, to turn byte offsets into positions and back.
#[derive(Debug)]
pub struct Lines<'t> {
    text: &'t str,
    starts: std::borrow::Cow<'t, [usize]>,
}

/// Where each line of `text` starts.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Lines<'t> {
        Lines {
            text,
            starts: line_starts(text).into(),
        }
    }

    /// Lines of `text` whose starts ([`line_starts`]) are known already.
    pub fn with_starts(text: &'t str, starts: &'t [usize]) -> Lines<'t> {
        Lines {
            text,
            starts: starts.into(),
        }
    }

    /// The position of a byte offset (clamped to the text, moved back to a character
    /// boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let character = self.text[start..offset].encode_utf16().count();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, bytes: std::ops::Range<usize>) -> Range {
        Range::new(self.position(bytes.start), self.position(bytes.end))
    }

    /// The byte offset of a position; a position past the end of its line is the end of
    /// the line, and one past the last line the end of the text.
    pub fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |next| next - 1);
        let mut units = 0u32;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= position.character {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }

    /// The text of the line holding `offset`, and the offset where it starts.
    pub fn line_of(&self, offset: usize) -> (usize, &'t str) {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        self.line(line).unwrap_or((offset, ""))
    }

    /// Line `n` (from 0) without its line break, and the offset where it starts.
    pub fn line(&self, n: usize) -> Option<(usize, &'t str)> {
        let start = *self.starts.get(n)?;
        let end = self
            .starts
            .get(n + 1)
            .map_or(self.text.len(), |next| next - 1);
        Some((start, self.text[start..end].trim_end_matches('\r')))
    }

    /// The number of the line holding `offset`.
    pub fn line_number(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }
}

/// The path a `file://` URI names; `None` for any other scheme.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'?' | b'#' => break,
            b => out.push(b),
        }
        i += 1;
    }
    Some(normalize(Path::new(&String::from_utf8(out).ok()?)))
}

/// `path` with `.` dropped and `..` taken back, without asking the disk: how editors
/// name files (`/m/./kb/../kb/p.toml` is `/m/kb/p.toml`).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The `file://` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let path = normalize(path);
    let text = path.to_str()?;
    let mut uri = String::from("file://");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        let text = "a = 1\né😀 = \"x\"\n";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap();
        // é is one UTF-16 unit, 😀 two: `x` follows ` = "`.
        assert_eq!(lines.position(x), Position::new(1, 7));
        assert_eq!(lines.offset(Position::new(1, 7)), x);
        assert_eq!(lines.offset(Position::new(0, 99)), 5);
        assert_eq!(lines.offset(Position::new(9, 0)), text.len());
    }

    #[test]
    fn file_uris_round_trip_with_escapes() {
        let path = Path::new("/tmp/my model/threatbook.toml");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/my%20model/threatbook.toml");
        assert_eq!(uri_to_path(&uri).unwrap(), path);
        let dotted: Uri = "file:///m/./kb/../kb/p.toml".parse().unwrap();
        assert_eq!(uri_to_path(&dotted).unwrap(), Path::new("/m/kb/p.toml"));
        let other: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(uri_to_path(&other), None);
    }
}
