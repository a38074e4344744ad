//! Input limits: sizes far beyond any real model, checked before the work they would
//! make expensive, so that a hostile or broken input fails early with a located
//! `input-limit` diagnostic instead of taking minutes, gigabytes or the stack.
//!
//! The limits are documented in docs/format.md ("Limits"). This module only measures
//! and reports; the loader and the model builder decide where to call it.

use crate::diag::{Code, Diagnostic, Location};
use crate::source::{FileId, Span};

/// The largest model or knowledge-base file read: 64 MiB (a 20,000-component model
/// spreads 33 MB over its files).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// The most `.toml` files one model folder (or knowledge base) may hold.
pub const MAX_FILES: usize = 10_000;
/// The longest string value: 1 MiB.
pub const MAX_STRING_BYTES: usize = 1024 * 1024;
/// The most parts of one dotted key or table header (`a.b.c` has three). TOML's parser
/// limits the nesting of arrays and inline tables itself.
pub const MAX_KEY_PARTS: usize = 32;
/// The most entities (zones, components, assets, flows, threats, mitigations) in a model.
pub const MAX_ENTITIES: usize = 1_000_000;
/// The most threats knowledge bases may instantiate in one model.
pub const MAX_INSTANCES: usize = 2_000_000;

/// A file larger than [`MAX_FILE_BYTES`].
pub fn file_too_large(path: &std::path::Path, size: u64) -> Diagnostic {
    Diagnostic::new(
        Code::InputLimit,
        format!(
            "{} is {size} bytes; model files are limited to {MAX_FILE_BYTES} bytes",
            path.display()
        ),
        Location::Path(path.to_path_buf()),
    )
    .with_help("split the model into several files")
}

/// A folder with more than [`MAX_FILES`] files.
pub fn too_many_files(dir: &std::path::Path, count: usize) -> Diagnostic {
    Diagnostic::new(
        Code::InputLimit,
        format!(
            "{} holds {count} model files; a model is limited to {MAX_FILES}",
            dir.display()
        ),
        Location::Path(dir.to_path_buf()),
    )
}

/// Scans `text` as TOML tokens without parsing it: the first string longer than
/// [`MAX_STRING_BYTES`] or dotted key of more than [`MAX_KEY_PARTS`] parts, if any.
/// A file the scan passes may still be invalid TOML: that is the parser's to say.
pub fn scan(file: FileId, text: &str) -> Option<Diagnostic> {
    let b = text.as_bytes();
    let mut i = 0;
    // Whether the bytes since the last line break, `{`, `[` or `,` can be a key.
    let mut in_key = true;
    let mut parts = 1usize;
    let mut key_start = 0usize;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            q @ (b'"' | b'\'') => {
                let start = i;
                let triple = b[i..].starts_with(if q == b'"' { b"\"\"\"" } else { b"'''" });
                i += if triple { 3 } else { 1 };
                loop {
                    if i >= b.len() {
                        break;
                    }
                    let c = b[i];
                    if c == b'\\' && q == b'"' {
                        i += 2;
                        continue;
                    }
                    if c == b'\n' && !triple {
                        break;
                    }
                    if c == q && (!triple || b[i..].starts_with(&[q, q, q])) {
                        // A closing triple quote may be followed by one or two more quotes
                        // that belong to the string.
                        i += if triple { 3 } else { 1 };
                        let mut extra = 0;
                        while triple && extra < 2 && i < b.len() && b[i] == q {
                            i += 1;
                            extra += 1;
                        }
                        break;
                    }
                    i += 1;
                }
                // The quotes do not count: a string of exactly the limit is allowed.
                let len = (i - start).saturating_sub(if triple { 6 } else { 2 });
                if len > MAX_STRING_BYTES {
                    return Some(
                        Diagnostic::at(
                            Code::InputLimit,
                            Span::new(file, start..start + 1),
                            format!(
                                "this string is {len} bytes long; strings are limited to {MAX_STRING_BYTES} bytes"
                            ),
                        )
                        .with_label("string starts here"),
                    );
                }
                continue;
            }
            b'\n' | b'{' | b'[' | b',' => {
                in_key = true;
                parts = 1;
                key_start = i + 1;
            }
            b'=' | b']' | b'}' => in_key = false,
            b'.' if in_key => {
                parts += 1;
                if parts > MAX_KEY_PARTS {
                    return Some(
                        Diagnostic::at(
                            Code::InputLimit,
                            Span::new(file, key_start..i + 1),
                            format!("this key has more than {MAX_KEY_PARTS} dotted parts"),
                        )
                        .with_label("key nested too deeply"),
                    );
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(text: &str) -> Option<String> {
        scan(FileId::from_index(0), text).map(|d| d.message)
    }

    #[test]
    fn ordinary_toml_passes() {
        let text = "# a.b.c.d\n[project]\nname = \"a.b\" # x.y\nversion = '1.2.3'\nx = 1.5\n\
                    d = \"\"\"\nmany.dots.in.text\n\"\"\"\n[[zone]]\ntrust = { min = 1.0 }\n";
        assert_eq!(scanned(text), None);
        let parts: Vec<String> = (0..MAX_KEY_PARTS).map(|i| format!("k{i}")).collect();
        assert_eq!(scanned(&format!("{} = 1\n", parts.join("."))), None);
    }

    #[test]
    fn deep_dotted_keys_and_headers_are_refused() {
        let parts: Vec<String> = (0..=MAX_KEY_PARTS).map(|i| format!("k{i}")).collect();
        let key = parts.join(".");
        assert!(scanned(&format!("{key} = 1\n")).is_some());
        assert!(scanned(&format!("[{key}]\n")).is_some());
        assert!(scanned(&format!("a = {{ {key} = 1 }}\n")).is_some());
        // Dots in values and strings are not keys.
        let dots = format!("v = \"{}\"\nw = [{}]\n", key, "1.5, ".repeat(100));
        assert_eq!(scanned(&dots), None);
    }

    #[test]
    fn overlong_strings_are_refused_in_every_quoting() {
        let long = "x".repeat(MAX_STRING_BYTES + 1);
        for text in [
            format!("a = \"{long}\""),
            format!("a = '{long}'"),
            format!("a = \"\"\"{long}\"\"\""),
            format!("a = '''{long}'''"),
        ] {
            assert!(scanned(&text).is_some(), "{}", &text[..8]);
        }
        let fits = "x".repeat(MAX_STRING_BYTES);
        assert_eq!(scanned(&format!("a = \"{fits}\"\nb = \"\\\"\"")), None);
    }
}
