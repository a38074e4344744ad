//! Importing models written by other tools (OTM, Threat Dragon, Threagile) into a
//! threatbook model folder.
//!
//! Each source format has its own module that reads a parsed document into a [`Draft`]:
//! the model being written, with threatbook's vocabulary but plain strings for ids.
//! This module holds what the formats share: reading a source file within bounds
//! ([`read_document`]), typed deserialisation that names the JSON/YAML path of a
//! problem ([`parse_at`]), kebab-case id making ([`Ids`]), and writing the draft as a
//! tidy, commented folder that is verified with [`crate::open`] before it is renamed
//! into place ([`write_model`]). Nothing here prints; the CLI reports the
//! [`ImportError`]s.

mod draft;
pub mod otm;
pub mod threagile;
pub mod threat_dragon;
mod toml_text;

use std::path::{Path, PathBuf};

use crate::model::Date;

pub use self::draft::{
    Draft, DraftAcceptance, DraftAsset, DraftComponent, DraftFlow, DraftKnowledge, DraftMitigation,
    DraftMitigationStatus, DraftNotApplicable, DraftProject, DraftReview, DraftThreat, DraftZone,
    IdMap, Ids, MAX_ID_LEN, Origin,
};
pub use self::toml_text::render_files;

/// Source files larger than this are refused before they are read: 512 MiB, above the
/// largest OTM export measured, a 5,000-component model with the `stride` knowledge base
/// (428 MB, 362,000 threats and mitigations), which imports in 1.6 GB of memory.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Documents nested deeper than this are refused (serde_json and the YAML reader stop
/// at 128 levels on their own; no real model comes close to either).
pub const MAX_DEPTH: usize = 64;

/// The formats `threatbook import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    Otm,
    ThreatDragon,
    Threagile,
}

impl SourceFormat {
    pub fn tool(self) -> &'static str {
        match self {
            SourceFormat::Otm => "Open Threat Model (OTM)",
            SourceFormat::ThreatDragon => "OWASP Threat Dragon",
            SourceFormat::Threagile => "Threagile",
        }
    }
}

/// Why an import failed. Every variant names the source file; problems inside the
/// document name the JSON/YAML path (`$.components[3].parent.trustZone`).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is {size} bytes; imports are limited to {limit} bytes", path.display())]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{}: not valid {format}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{}: {json_path}: nested deeper than {limit} levels", path.display())]
    TooDeep {
        path: PathBuf,
        json_path: String,
        limit: usize,
    },
    #[error("{}: {json_path}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        json_path: String,
        message: String,
    },
    #[error("{} exists and is not empty; import writes only into a new or empty folder", path.display())]
    TargetNotEmpty { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The written model did not load: a bug in the importer, reported rather than
    /// left behind as a broken folder.
    #[error("the model imported from {} does not load ({problems}); nothing was written", path.display())]
    Verify { path: PathBuf, problems: String },
}

impl ImportError {
    pub fn invalid(path: &Path, json_path: impl Into<String>, message: impl Into<String>) -> Self {
        ImportError::Invalid {
            path: path.to_path_buf(),
            json_path: json_path.into(),
            message: message.into(),
        }
    }
}

/// Reads a JSON or YAML source file into a JSON value, refusing files over
/// [`MAX_FILE_BYTES`] and documents deeper than [`MAX_DEPTH`]. YAML anchors, aliases
/// and `<<` merge keys are resolved.
pub fn read_document(path: &Path) -> Result<serde_json::Value, ImportError> {
    parse_document(path, &read_text(path)?)
}

/// Reads a source file as text, refusing files over [`MAX_FILE_BYTES`].
fn read_text(path: &Path) -> Result<String, ImportError> {
    let read_err = |source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_err)?.len();
    if size > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    String::from_utf8(bytes).map_err(|e| ImportError::Syntax {
        path: path.to_path_buf(),
        format: "UTF-8 text",
        message: e.to_string(),
    })
}

/// Opens a source file for reading as a stream, refusing files over [`MAX_FILE_BYTES`]
/// as [`read_text`] does; a byte-order mark at its start is skipped.
pub(crate) fn open_source(path: &Path) -> Result<std::io::BufReader<std::fs::File>, ImportError> {
    use std::io::BufRead;
    let read_err = |source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let size = file.metadata().map_err(read_err)?.len();
    if size > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    if reader
        .fill_buf()
        .map_err(read_err)?
        .starts_with("\u{feff}".as_bytes())
    {
        reader.consume(3);
    }
    Ok(reader)
}

/// Whether the file's first character (after a byte-order mark and white space) opens
/// a JSON document (`{` or `[`), as [`is_json`] says of a text.
fn starts_as_json(path: &Path) -> Result<bool, ImportError> {
    use std::io::Read;
    let mut reader = open_source(path)?;
    let mut byte = [0u8];
    loop {
        match reader.read(&mut byte) {
            Ok(0) => return Ok(false),
            Ok(_) if byte[0].is_ascii_whitespace() => {}
            Ok(_) => return Ok(byte[0] == b'{' || byte[0] == b'['),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(ImportError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
}

/// Whether a document's text is JSON (it starts with `{` or `[`) rather than YAML.
fn is_json(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('{') || t.starts_with('[')
}

/// Parses `text` (JSON when it starts with `{` or `[`, else YAML).
pub fn parse_document(path: &Path, text: &str) -> Result<serde_json::Value, ImportError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let value = if is_json(text) {
        serde_json::from_str(trimmed).map_err(|e| syntax_error(path, "JSON", e.to_string()))?
    } else {
        let mut yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(trimmed)
            .map_err(|e| syntax_error(path, "YAML", e.to_string()))?;
        yaml.apply_merge()
            .map_err(|e| syntax_error(path, "YAML", e.to_string()))?;
        serde_json::to_value(yaml).map_err(|e| syntax_error(path, "YAML", e.to_string()))?
    };
    if let Some(json_path) = too_deep(&value, MAX_DEPTH) {
        return Err(ImportError::TooDeep {
            path: path.to_path_buf(),
            json_path,
            limit: MAX_DEPTH,
        });
    }
    Ok(value)
}

pub(crate) fn syntax_error(path: &Path, format: &'static str, message: String) -> ImportError {
    let message = if message.contains("recursion limit") {
        format!("{message} (nested too deeply)")
    } else {
        message
    };
    ImportError::Syntax {
        path: path.to_path_buf(),
        format,
        message,
    }
}

/// The path of the first value deeper than `limit`, walking without recursion.
fn too_deep(value: &serde_json::Value, limit: usize) -> Option<String> {
    let mut stack = vec![(value, 0usize, String::from("$"))];
    while let Some((v, depth, path)) = stack.pop() {
        if depth > limit {
            return Some(path);
        }
        match v {
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    stack.push((item, depth + 1, format!("{path}[{i}]")));
                }
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    stack.push((item, depth + 1, join_key(&path, k)));
                }
            }
            _ => {}
        }
    }
    None
}

/// The path of the first value of the JSON read from `reader` deeper than `limit`,
/// found by one scan of the text, a chunk at a time, that keeps only the stack of open
/// containers: the check [`too_deep`] makes on a value, for documents read without one.
/// Lenient about syntax: the parser that follows reports that.
pub(crate) fn json_too_deep_in(
    mut reader: impl std::io::Read,
    limit: usize,
) -> std::io::Result<Option<String>> {
    let mut scan = DepthScan::new(limit);
    let mut chunk = vec![0; 1 << 16];
    while scan.found.is_none() {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        scan.feed(&chunk[..n]);
    }
    Ok(scan.found)
}

/// A reader that scans the JSON it hands on as [`json_too_deep_in`] does, and fails
/// once the text nests deeper than its limit: the parser reading through it never goes
/// deeper, and the file is read once when all is well.
pub(crate) struct DepthChecked<R> {
    inner: R,
    scan: DepthScan,
}

impl<R> DepthChecked<R> {
    pub(crate) fn new(inner: R, limit: usize) -> Self {
        DepthChecked {
            inner,
            scan: DepthScan::new(limit),
        }
    }
}

impl<R: std::io::Read> std::io::Read for DepthChecked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan.feed(&buf[..n]);
        match &self.scan.found {
            Some(path) => Err(std::io::Error::other(format!(
                "nested deeper than the limit at {path}"
            ))),
            None => Ok(n),
        }
    }
}

/// [`json_too_deep_in`] of a whole text.
#[cfg(test)]
fn json_too_deep(text: &str, limit: usize) -> Option<String> {
    let mut scan = DepthScan::new(limit);
    scan.feed(text.as_bytes());
    scan.found
}

/// The state of a depth check between chunks of the text.
struct DepthScan {
    limit: usize,
    stack: Vec<Frame>,
    /// Inside a string: `Some(true)` for an object's key (collected in `key`).
    string: Option<bool>,
    /// The byte before was a backslash inside a string.
    escape: bool,
    /// Inside a number, `true`, `false` or `null`.
    scalar: bool,
    key: Vec<u8>,
    found: Option<String>,
}

enum Frame {
    Object { key: String, expect_key: bool },
    Array { index: usize },
}

impl DepthScan {
    fn new(limit: usize) -> DepthScan {
        DepthScan {
            limit,
            stack: Vec::new(),
            string: None,
            escape: false,
            scalar: false,
            key: Vec::new(),
            found: None,
        }
    }

    /// The path of the innermost open container.
    fn path(&self) -> String {
        let mut p = String::from("$");
        for f in &self.stack {
            match f {
                Frame::Object { key, .. } => p = join_key(&p, key),
                Frame::Array { index } => p = format!("{p}[{index}]"),
            }
        }
        p
    }

    /// A value starts here: too deep if its container is.
    fn value(&mut self) {
        if self.found.is_none() && self.stack.len() > self.limit {
            self.found = Some(self.path());
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.found.is_some() {
                return;
            }
            if let Some(is_key) = self.string {
                if self.escape {
                    self.escape = false;
                } else if b == b'\\' {
                    self.escape = true;
                } else if b == b'"' {
                    self.string = None;
                    if is_key {
                        let key = String::from_utf8_lossy(&self.key).into_owned();
                        if let Some(Frame::Object { key: k, expect_key }) = self.stack.last_mut() {
                            *k = key;
                            *expect_key = false;
                        }
                    }
                    continue;
                }
                if is_key {
                    self.key.push(b);
                }
                continue;
            }
            if self.scalar {
                if !b",]}: \t\n\r".contains(&b) {
                    continue;
                }
                self.scalar = false;
            }
            match b {
                b'"' => {
                    let is_key = matches!(
                        self.stack.last(),
                        Some(Frame::Object {
                            expect_key: true,
                            ..
                        })
                    );
                    if is_key {
                        self.key.clear();
                    } else {
                        self.value();
                    }
                    self.string = Some(is_key);
                }
                b'{' | b'[' => {
                    self.value();
                    self.stack.push(if b == b'{' {
                        Frame::Object {
                            key: String::new(),
                            expect_key: true,
                        }
                    } else {
                        Frame::Array { index: 0 }
                    });
                }
                b'}' | b']' => {
                    self.stack.pop();
                }
                b',' => match self.stack.last_mut() {
                    Some(Frame::Array { index }) => *index += 1,
                    Some(Frame::Object { expect_key, .. }) => *expect_key = true,
                    None => {}
                },
                b':' | b' ' | b'\t' | b'\n' | b'\r' => {}
                _ => {
                    // A number, `true`, `false` or `null`: one value, up to the next
                    // structural character.
                    self.value();
                    self.scalar = true;
                }
            }
        }
    }
}

/// `$.a.b`, or `$["odd key"]` for keys that are not plain words.
pub fn join_key(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", serde_json::Value::String(key.into()))
    }
}

/// Deserialises `value` (found at `base`) into `T`, naming the path of a problem.
pub fn parse_at<T: serde::de::DeserializeOwned>(
    file: &Path,
    base: &str,
    value: &serde_json::Value,
) -> Result<T, ImportError> {
    located(file, base, serde_path_to_error::deserialize(value))
}

/// A typed parse's error located at its JSON path under `base`.
pub(crate) fn located<T, E: std::fmt::Display>(
    file: &Path,
    base: &str,
    result: Result<T, serde_path_to_error::Error<E>>,
) -> Result<T, ImportError> {
    result.map_err(|e| {
        let mut json_path = base.to_string();
        for segment in e.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => {
                    json_path = format!("{json_path}[{index}]")
                }
                serde_path_to_error::Segment::Map { key } => json_path = join_key(&json_path, key),
                serde_path_to_error::Segment::Enum { variant } => {
                    json_path = join_key(&json_path, variant)
                }
                serde_path_to_error::Segment::Unknown => json_path.push_str(".?"),
            }
        }
        ImportError::invalid(file, json_path, e.into_inner().to_string())
    })
}

/// Writes `draft` as a model folder at `target`: files are rendered, loaded back in
/// memory with [`crate::open_texts`], and only then written, through the one folder
/// writer ([`crate::output::write_new_folder`]: atomic, umask modes, never over an
/// existing file). An existing non-empty `target` is refused. Returns the counts of the
/// model as it loads, knowledge-base instances included.
pub fn write_model(draft: Draft, target: &Path) -> Result<Written, ImportError> {
    if target.exists() {
        let empty = std::fs::read_dir(target)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(ImportError::TargetNotEmpty {
                path: target.to_path_buf(),
            });
        }
    }
    let source = draft.source.clone();
    let files = render_files(&draft);
    // Only the files are needed from here on; the TOML ones move into the load, which
    // keeps their text, and are written from there.
    drop(draft);
    let (toml, others): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|(name, _)| name.ends_with(".toml"));
    let names: Vec<String> = toml.iter().map(|(name, _)| name.clone()).collect();
    let project = crate::open_texts_in(target, toml);
    let load_errors: Vec<String> = project
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::Severity::Error)
        .map(|d| format!("{}: {}", d.code.as_str(), d.message))
        .collect();
    if project.model.is_none() || !load_errors.is_empty() {
        return Err(ImportError::Verify {
            path: source,
            problems: load_errors.join("; "),
        });
    }
    let written = project
        .model
        .as_ref()
        .map_or(Written::default(), |m| Written {
            threats: m.threats.len(),
            instances: m.threats.iter().filter(|t| t.pattern.is_some()).count(),
            mitigations: m.mitigations.len(),
        });
    let bytes: Vec<(&str, &[u8])> = project
        .sources
        .iter()
        .map(|(_, f)| f)
        .filter(|f| !f.is_knowledge && names.contains(&f.relative))
        .map(|f| (f.relative.as_str(), f.text.as_bytes()))
        .chain(others.iter().map(|(n, t)| (n.as_str(), t.as_bytes())))
        .collect();
    debug_assert_eq!(bytes.len(), names.len() + others.len());
    crate::output::write_new_folder(target, &bytes)
        .map(|()| written)
        .map_err(|e| match e {
            crate::output::WriteError::NotEmpty { path } => ImportError::TargetNotEmpty { path },
            other => ImportError::Write {
                path: target.to_path_buf(),
                source: std::io::Error::other(other.to_string()),
            },
        })
}

/// What an imported model holds once loaded: knowledge bases it names make threats and
/// mitigations the files do not write out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub threats: usize,
    /// Of those, the ones made from knowledge-base patterns.
    pub instances: usize,
    /// Mitigations, recommended ones included.
    pub mitigations: usize,
}

/// Reads a source file of `format` into a draft.
pub fn read(path: &Path, format: SourceFormat, options: &Options) -> Result<Draft, ImportError> {
    if format == SourceFormat::Otm && starts_as_json(path)? {
        // The largest files are OTM exports: read as a stream, into the typed document,
        // without their text or a value of the whole in memory.
        let mut draft = otm::import_json_file(path, options)?;
        draft.drop_untargeted_threats();
        return Ok(draft);
    }
    let text = read_text(path)?;
    let value = parse_document(path, &text)?;
    drop(text);
    let mut draft = match format {
        SourceFormat::Otm => otm::import(path, &value, options)?,
        SourceFormat::ThreatDragon => threat_dragon::import(path, &value, options)?,
        SourceFormat::Threagile => threagile::import(path, &value, options)?,
    };
    draft.drop_untargeted_threats();
    Ok(draft)
}

/// Choices the importer cannot take from the source file.
#[derive(Clone, Debug)]
pub struct Options {
    /// The expiry of acceptances made from sources that have none (Threat Dragon's
    /// "not applicable" threats, Threagile's accepted risks without a date).
    pub accept_until: Date,
    /// The folder the model is written to. Knowledge-base folders that an OTM file
    /// written by threatbook names (`./kb`) are looked for relative to it; without it
    /// only bundled knowledge bases are found.
    pub model_folder: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_kebab_case_and_unique_across_kinds() {
        let mut ids = Ids::default();
        assert_eq!(ids.make("component", "Web Client"), "web-client");
        assert_eq!(ids.make("threat", "55"), "55");
        // The same source id for another kind gets the kind as prefix, then a number.
        assert_eq!(ids.make("mitigation", "55"), "mitigation-55");
        assert_eq!(ids.make("mitigation", "55"), "mitigation-55-2");
        assert_eq!(ids.make("zone", "Ünïcode ✓"), "n-code");
        assert_eq!(ids.make("zone", "✓"), "zone");
        assert_eq!(ids.make("zone", "✓"), "zone-2");
        // Two of one kind with one name are numbered; the names are kept readable.
        assert_eq!(ids.make("flow", "Data flow"), "data-flow");
        assert_eq!(ids.make("flow", "Data flow"), "data-flow-2");
        assert_eq!(ids.make("flow", "Data flow"), "data-flow-3");
        assert_eq!(ids.make("component", "Data flow"), "component-data-flow");
        assert_eq!(ids.make("component", "isALog"), "is-a-log");
        let long = "word ".repeat(40);
        let id = ids.make("threat", &long);
        assert!(id.len() <= MAX_ID_LEN && !id.ends_with('-'), "{id}");
        for id in ["web-client", "55", "mitigation-55", "n-code", "zone-2"] {
            assert!(ids.is_used(id));
            assert!(crate::load::raw::is_kebab_case(id));
        }
    }

    #[test]
    fn depth_is_measured_without_recursion_and_names_the_path() {
        let mut v = serde_json::json!(1);
        for _ in 0..1_000 {
            v = serde_json::Value::Array(vec![v]);
        }
        let mut inner = serde_json::Map::new();
        inner.insert("c".into(), v);
        let mut outer = serde_json::Map::new();
        outer.insert("a b".into(), serde_json::Value::Object(inner));
        let doc = serde_json::Value::Object(outer);
        let path = too_deep(&doc, MAX_DEPTH).expect("too deep");
        assert!(path.starts_with("$[\"a b\"].c[0][0]"), "{path}");
        assert_eq!(too_deep(&serde_json::json!({"a": [[1]]}), MAX_DEPTH), None);
    }

    #[test]
    fn the_text_scan_finds_what_the_value_walk_finds() {
        let nested = |n: usize, inner: &str| format!("{}{inner}{}", "[".repeat(n), "]".repeat(n));
        let docs = [
            r#"{"a": {"b c": [1, 2, {"d": true}]}, "e": "x,]}"}"#.to_string(),
            format!(
                r#"{{"project": {{"attributes": {{"x": {}}}}}}}"#,
                nested(70, "")
            ),
            format!(r#"{{"a": [0, {}]}}"#, nested(3, "\"s\"")),
            format!(r#"{{"k\"ey": [1, 2, {}]}}"#, nested(5, "null")),
        ];
        for doc in &docs {
            let value: serde_json::Value = serde_json::from_str(doc).unwrap();
            for limit in [1, 2, 3, 4, 6, 64] {
                let (scan, walk) = (json_too_deep(doc, limit), too_deep(&value, limit));
                assert_eq!(scan.is_some(), walk.is_some(), "{doc} at {limit}");
                // The scan names the first such value in the text, the walk the one it
                // meets first: the same where there is one chain of them.
                if doc.contains("project") {
                    assert_eq!(scan, walk, "{doc} at {limit}");
                }
                // Read in chunks, cut anywhere (inside strings, escapes and numbers
                // too), the scan finds the same.
                for cut in [1, 2, 3, 5, 7] {
                    let chunked = json_too_deep_in(Chunks(doc.as_bytes(), cut), limit).unwrap();
                    assert_eq!(chunked, scan, "{doc} at {limit} in chunks of {cut}");
                }
            }
        }
        assert_eq!(
            json_too_deep(&docs[0], 2).as_deref(),
            Some("$.a[\"b c\"][0]")
        );
        {}
    }

    /// A reader checked for depth hands on a document within the limit as it is, and
    /// fails on one nested deeper, before the parser gets past the limit.
    #[test]
    fn a_depth_checked_reader_stops_at_the_limit() {
        use std::io::Read;
        let fine = r#"{"a": [1, {"b": "[[["}]}"#;
        let mut out = String::new();
        super::DepthChecked::new(Chunks(fine.as_bytes(), 3), 3)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, fine);
        let deep = format!("{{\"a\": {}1{}}}", "[".repeat(10), "]".repeat(10));
        let err = super::DepthChecked::new(Chunks(deep.as_bytes(), 4), 3)
            .read_to_string(&mut String::new())
            .unwrap_err();
        assert!(err.to_string().contains("$.a[0][0]"), "{err}");
        let parsed: Result<serde_json::Value, _> =
            serde_json::from_reader(super::DepthChecked::new(deep.as_bytes(), 3));
        assert!(parsed.unwrap_err().is_io());
    }

    /// A reader that hands out at most `.1` bytes at a time.
    struct Chunks<'b>(&'b [u8], usize);

    impl std::io::Read for Chunks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_type_error_names_the_json_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Item {
            name: String,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Doc {
            items: Vec<Item>,
        }
        let value = serde_json::json!({ "items": [ { "name": "a" }, { "name": 3 } ] });
        let err = parse_at::<Doc>(Path::new("f.json"), "$", &value).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("f.json: $.items[1].name: invalid type"),
            "{text}"
        );
    }

    #[test]
    fn json_and_yaml_are_told_apart_and_yaml_merge_keys_resolve() {
        let path = Path::new("x");
        let json = parse_document(path, " {\"a\": 1}").unwrap();
        assert_eq!(json["a"], 1);
        let yaml = parse_document(path, "base: &b\n  k: 1\nother:\n  <<: *b\n  j: 2\n").unwrap();
        assert_eq!(yaml["other"]["k"], 1);
        assert_eq!(yaml["other"]["j"], 2);
        let err = parse_document(path, "{\"a\": }").unwrap_err().to_string();
        assert!(
            err.contains("not valid JSON") && err.contains("line 1"),
            "{err}"
        );
    }
}
