//! Load: find a model's TOML files, parse them, and read their entities into a
//! [`RawModel`] that keeps a span on every value.
//!
//! This is the only stage that touches the disk for a model. It never stops at the first
//! problem: every file is read and every entity of every file is looked at, and all that
//! is wrong goes into the [`Diagnostics`]. References between entities are not resolved
//! here; that is `model::build`'s job.

pub mod bundled;
mod discover;
pub mod kb;
pub mod limits;
mod pieces;
pub mod raw;
pub mod reader;

use std::path::Path;

use toml::de::{DeTable, DeValue};

pub use self::discover::{KB_MANIFEST, MANIFEST};
use self::discover::{ModelFile, discover};
pub use self::raw::RawModel;
use self::raw::{
    RawKnowledge, read_acceptance, read_asset, read_component, read_flow, read_mitigation,
    read_mitigation_status, read_not_applicable, read_project, read_review, read_threat, read_zone,
};
use self::reader::{TableReader, type_name};
use crate::diag::{Code, Diagnostic, Diagnostics, Location};
use crate::source::{FileId, Origin, Sources, Span};

/// What loading a model folder produced.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: Sources,
    pub raw: RawModel,
}

/// The entity arrays a file may hold, in the order the format documents them.
pub const ENTITY_TABLES: &[&str] = &[
    "zone",
    "component",
    "asset",
    "flow",
    "threat",
    "mitigation",
    "acceptance",
    "review",
    "not-applicable",
    "mitigation-status",
];

/// Loads the model in `dir`. Problems go into `diags`; whatever could be read is returned.
///
/// Files are read and parsed on all cores: each file is independent until its entities
/// are appended, in path order, to one [`RawModel`].
pub fn load_dir(dir: &Path, diags: &mut Diagnostics) -> Loaded {
    load_dir_overlay(dir, &Overlay::new(), diags)
}

/// Texts that stand in for files on disk (an editor's unsaved buffers), by path.
pub type Overlay = std::collections::HashMap<std::path::PathBuf, String>;

/// Loads the model in `dir` as [`load_dir`] does, with the text of the files `overlay`
/// names taken from it instead of the disk. An overlaid `.toml` file inside `dir` that is
/// not on disk yet (a new, unsaved file) is part of the model too, unless the folder
/// walk would skip it (hidden, or in a folder of another model or a knowledge base).
pub fn load_dir_overlay(dir: &Path, overlay: &Overlay, diags: &mut Diagnostics) -> Loaded {
    let mut files = discover(dir, diags);
    let known: std::collections::HashSet<std::path::PathBuf> =
        files.iter().map(|f| f.path.clone()).collect();
    for path in overlay.keys() {
        if known.contains(path) || path.exists() || path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let Ok(rest) = path.strip_prefix(dir) else {
            continue;
        };
        let elsewhere = path
            .ancestors()
            .skip(1)
            .take_while(|a| *a != dir)
            .any(|a| a.join(MANIFEST).is_file() || a.join(KB_MANIFEST).is_file());
        if elsewhere {
            continue;
        }
        let relative: Vec<String> = rest
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if relative.iter().any(|part| part.starts_with('.')) {
            continue;
        }
        let relative = relative.join("/");
        files.push(ModelFile {
            path: path.clone(),
            is_manifest: relative == MANIFEST,
            relative,
        });
    }
    files.sort_by(|a, b| (!a.is_manifest, &a.relative).cmp(&(!b.is_manifest, &b.relative)));
    let has_manifest = files.iter().any(|f| f.is_manifest);
    let mut loaded = Loaded::default();
    if files.is_empty() {
        return loaded;
    }
    for (index, parsed) in read_all(&files, overlay).into_iter().enumerate() {
        let file = &files[index];
        let id = loaded
            .sources
            .add(file.path.clone(), file.relative.clone(), parsed.text);
        debug_assert_eq!(id, FileId::from_index(index));
        loaded.raw.append(parsed.raw);
        diags.extend(parsed.diags);
    }
    if !has_manifest {
        diags.push(
            Diagnostic::new(
                Code::MissingManifest,
                format!("no {MANIFEST} in {}", dir.display()),
                Location::Path(dir.to_path_buf()),
            )
            .with_help("`threatbook init DIR` writes a starter model with a manifest"),
        );
    }
    loaded
}

/// Loads a model from in-memory files (relative path, text); for tests and tools that
/// generate models. The file named `threatbook.toml` is the manifest.
pub fn load_texts<N: AsRef<str>, T: Into<String>>(
    files: impl IntoIterator<Item = (N, T)>,
    diags: &mut Diagnostics,
) -> Loaded {
    let mut loaded = Loaded::default();
    for (index, (relative, text)) in files.into_iter().enumerate() {
        let relative = relative.as_ref();
        // An owned text moves into the sources; a borrowed one is copied.
        let parsed = parse_text(FileId::from_index(index), relative == MANIFEST, text.into());
        loaded
            .sources
            .add(relative.into(), relative.into(), parsed.text);
        loaded.raw.append(parsed.raw);
        diags.extend(parsed.diags);
    }
    loaded
}

/// One file, read and parsed on its own.
struct Parsed {
    text: String,
    raw: RawModel,
    diags: Diagnostics,
}

/// Reads and parses every file, largest first, on as many threads as there are cores.
/// The result is in the order of `files`.
fn read_all(files: &[ModelFile], overlay: &Overlay) -> Vec<Parsed> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len());
    if threads <= 1 {
        return files
            .iter()
            .enumerate()
            .map(|(i, f)| read_file(FileId::from_index(i), f, overlay))
            .collect();
    }
    let mut order: Vec<usize> = (0..files.len()).collect();
    let size = |i: &usize| std::fs::metadata(&files[*i].path).map_or(0, |m| m.len());
    order.sort_by_cached_key(|i| std::cmp::Reverse(size(i)));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Parsed)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&i) = order.get(k) else { break };
                        mine.push((i, read_file(FileId::from_index(i), &files[i], overlay)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, p)| p).collect()
}

fn read_file(id: FileId, file: &ModelFile, overlay: &Overlay) -> Parsed {
    if let Some(text) = overlay.get(&file.path) {
        return parse_text(id, file.is_manifest, text.clone());
    }
    let size = std::fs::metadata(&file.path).map_or(0, |m| m.len());
    if size > limits::MAX_FILE_BYTES {
        let mut diags = Diagnostics::default();
        diags.push(limits::file_too_large(&file.path, size));
        return Parsed {
            text: String::new(),
            raw: RawModel::default(),
            diags,
        };
    }
    let bytes = match std::fs::read(&file.path) {
        Ok(b) => b,
        Err(e) => {
            let mut diags = Diagnostics::default();
            diags.push(Diagnostic::new(
                Code::IoError,
                format!("cannot read {}: {e}", file.path.display()),
                Location::Path(file.path.clone()),
            ));
            return Parsed {
                text: String::new(),
                raw: RawModel::default(),
                diags,
            };
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => parse_text(id, file.is_manifest, text),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            // The lossy text has the same bytes up to `at`, so the span is right.
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let mut diags = Diagnostics::default();
            diags.push(
                Diagnostic::at(
                    Code::NotUtf8,
                    Span::new(id, at..at + 1),
                    "the file is not valid UTF-8",
                )
                .with_label("invalid byte sequence here")
                .with_help("save the file as UTF-8"),
            );
            Parsed {
                text,
                raw: RawModel::default(),
                diags,
            }
        }
    }
}

fn parse_text(id: FileId, is_manifest: bool, text: String) -> Parsed {
    if !is_manifest && let Some((raw, diags)) = parse_in_pieces(id, &text, pieces::PIECE_BYTES) {
        return Parsed { text, raw, diags };
    }
    let mut raw = RawModel::default();
    let mut diags = Diagnostics::default();
    parse_document(id, &text, &mut diags, |doc, span, diags| {
        read_document(id.into(), doc, span, is_manifest, &mut raw, diags);
    });
    Parsed { text, raw, diags }
}

/// Whether the entity file `text` reads the same in pieces, cut before every entity
/// header, as it reads whole (what was read, and the diagnostics); `Err` shows both.
/// For the fuzz harness, which runs it on every mutated file; a file whose pieces do
/// not add up is read whole, and agrees.
#[doc(hidden)]
pub fn pieces_agree(text: &str) -> Result<(), String> {
    let id = FileId::from_index(0);
    let show = |raw: &mut RawModel, mut diags: Diagnostics| {
        diags.sort();
        let unreadable: std::collections::BTreeSet<String> = raw.unreadable_ids.drain().collect();
        format!("{raw:?}\n{unreadable:?}\n{diags:?}")
    };
    let Some((mut raw, diags)) = parse_in_pieces(id, text, 1) else {
        return Ok(());
    };
    let pieces = show(&mut raw, diags);
    let mut whole = parse_text(id, false, text.to_string());
    let whole = show(&mut whole.raw, whole.diags);
    if pieces == whole {
        Ok(())
    } else {
        Err(format!("read in pieces:\n{pieces}\nread whole:\n{whole}"))
    }
}

/// Parses and reads an entity file in pieces of about `piece` bytes (see [`pieces`]), or
/// `None` when it is not cut or its pieces do not add up to the file: then it is parsed
/// as a whole, which also reports its syntax errors.
fn parse_in_pieces(id: FileId, text: &str, piece: usize) -> Option<(RawModel, Diagnostics)> {
    let starts = pieces::starts(text, piece, ENTITY_TABLES);
    if starts.len() < 2 || limits::scan(id, text).is_some() {
        return None;
    }
    let mut raw = RawModel::default();
    let mut diags = Diagnostics::default();
    let mut seen = pieces::SeenKeys::default();
    for range in pieces::ranges(text, &starts) {
        let origin = Origin {
            file: id,
            offset: range.start,
        };
        let part = &text[range];
        let (doc, errors) = DeTable::parse_recoverable(part);
        if !errors.is_empty() || !seen.add(part, doc.get_ref()) {
            return None;
        }
        let span = origin.span(doc.span());
        read_document(origin, doc.get_ref(), span, false, &mut raw, &mut diags);
    }
    Some((raw, diags))
}

/// Parses one TOML document and hands its root table to `read`; syntax errors are
/// reported instead, and the document is then not read at all: what the parser recovered
/// would produce follow-on errors that only confuse.
fn parse_document(
    id: FileId,
    text: &str,
    diags: &mut Diagnostics,
    read: impl FnOnce(&DeTable<'_>, Span, &mut Diagnostics),
) {
    if let Some(d) = limits::scan(id, text) {
        diags.push(d);
        return;
    }
    let (doc, errors) = DeTable::parse_recoverable(text);
    if errors.is_empty() {
        let span = Span::new(id, doc.span());
        read(doc.get_ref(), span, diags);
    } else {
        for e in errors {
            let range = e.span().unwrap_or(0..0);
            diags.push(
                Diagnostic::at(Code::TomlSyntax, Span::new(id, range), syntax_message(&e))
                    .with_label("TOML syntax error"),
            );
        }
    }
}

fn syntax_message(e: &toml::de::Error) -> String {
    let message = e.message().trim();
    let first = message.lines().next().unwrap_or("invalid TOML");
    first.to_string()
}

fn read_document(
    file: Origin,
    doc: &DeTable<'_>,
    span: Span,
    is_manifest: bool,
    raw: &mut RawModel,
    diags: &mut Diagnostics,
) {
    let mut r = TableReader::new(file, doc, span, "model file");
    if is_manifest {
        raw.project = manifest_table(
            &mut r,
            ("project", MANIFEST),
            "add `[project]` with at least `name = \"…\"`",
            read_project,
            diags,
        );
    }
    if is_manifest
        && let Some(value) = r.optional_value("knowledge")
        && let Some(mut t) = TableReader::of_value(file, value, "knowledge table", diags)
    {
        let bases = t.list::<String>("bases", diags);
        let trust_levels = kb::read_trust_levels(&mut t, diags);
        raw.knowledge = Some(RawKnowledge {
            bases,
            trust_levels,
        });
        t.finish(diags);
    }
    for &key in ENTITY_TABLES {
        let Some(value) = r.optional_value(key) else {
            continue;
        };
        let Some(items) = array_of_tables(file, key, value, diags) else {
            continue;
        };
        for item in items.iter() {
            let Some(mut t) = TableReader::of_value(file, item, entity_name(key), diags) else {
                continue;
            };
            let read = match key {
                "zone" => push(&mut raw.zone, read_zone(&mut t, diags)),
                "component" => push(&mut raw.component, read_component(&mut t, diags)),
                "asset" => push(&mut raw.asset, read_asset(&mut t, diags)),
                "flow" => push(&mut raw.flow, read_flow(&mut t, diags)),
                "threat" => push(&mut raw.threat, read_threat(&mut t, diags)),
                "mitigation" => push(&mut raw.mitigation, read_mitigation(&mut t, diags)),
                "acceptance" => push(&mut raw.acceptance, read_acceptance(&mut t, diags)),
                "review" => push(&mut raw.review, read_review(&mut t, diags)),
                "not-applicable" => {
                    push(&mut raw.not_applicable, read_not_applicable(&mut t, diags))
                }
                "mitigation-status" => push(
                    &mut raw.mitigation_status,
                    read_mitigation_status(&mut t, diags),
                ),
                _ => false,
            };
            if !read && let Some(id) = t.peek_str("id") {
                raw.unreadable_ids.insert(id.to_string());
            }
            t.finish(diags);
        }
    }
    r.finish_with(diags, |key| {
        if key == "project" || key == "knowledge" {
            return Some(format!("the [{key}] table belongs in {MANIFEST}"));
        }
        let singular = key.strip_suffix('s')?;
        ENTITY_TABLES
            .contains(&singular)
            .then(|| format!("entity arrays are singular: write `[[{singular}]]`"))
    });
}

/// Reads the table `key` that the manifest `file_name` must have, reporting it when
/// absent.
fn manifest_table<T>(
    r: &mut TableReader<'_, '_>,
    (key, file_name): (&'static str, &str),
    help: &str,
    read: impl FnOnce(&mut TableReader<'_, '_>, &mut Diagnostics) -> Option<T>,
    diags: &mut Diagnostics,
) -> Option<T> {
    let file = r.origin();
    let Some(value) = r.optional_value(key) else {
        diags.push(
            Diagnostic::at(
                Code::MissingField,
                Span::new(file.file, 0..0),
                format!("{file_name} has no [{key}] table"),
            )
            .with_label(format!("[{key}] expected"))
            .with_help(help.to_string()),
        );
        return None;
    };
    let mut t = TableReader::of_value(file, value, key, diags)?;
    let read = read(&mut t, diags);
    t.finish(diags);
    read
}

/// The entries of an array of tables (`[[key]]`), or a report that `value` is not one.
fn array_of_tables<'t, 'i>(
    file: impl Into<Origin>,
    key: &str,
    value: &'t toml::Spanned<DeValue<'i>>,
    diags: &mut Diagnostics,
) -> Option<&'t toml::de::DeArray<'i>> {
    if let DeValue::Array(items) = value.get_ref() {
        return Some(items);
    }
    diags.push(
        Diagnostic::at(
            Code::InvalidType,
            file.into().span(value.span()),
            format!(
                "`{key}` must be an array of tables, found {}",
                type_name(value.get_ref())
            ),
        )
        .with_label("not an array of tables")
        .with_help(format!("write each entry under its own `[[{key}]]` header")),
    );
    None
}

/// Keeps an entity that could be read; says whether there was one.
fn push<T>(list: &mut Vec<T>, item: Option<T>) -> bool {
    let read = item.is_some();
    list.extend(item);
    read
}

fn entity_name(key: &str) -> &'static str {
    ENTITY_TABLES
        .iter()
        .find(|k| **k == key)
        .copied()
        .unwrap_or("entity")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_read_in_pieces_read_as_the_whole_file_does() {
        let mut files = Vec::new();
        let mut dirs = vec![
            std::path::PathBuf::from("catalog"),
            std::path::PathBuf::from("tests/fixtures"),
        ];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "toml")
                    && !path.ends_with(MANIFEST)
                    && !path.ends_with(KB_MANIFEST)
                {
                    files.push(path);
                }
            }
        }
        let mut cut = 0;
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            if pieces::starts(&text, 1, ENTITY_TABLES).len() > 1 {
                cut += 1;
            }
            if let Err(e) = pieces_agree(&text) {
                panic!("{}: {e}", path.display());
            }
        }
        assert!(cut > 50, "only {cut} of {} files were cut", files.len());
    }

    #[test]
    fn files_whose_pieces_do_not_add_up_are_read_whole() {
        let flow =
            |id: &str| format!("[[flow]]\nid = \"{id}\"\nname = \"F\"\nfrom = \"a\"\nto = \"b\"\n");
        let cases = [
            // A cut inside a multi-line string: the first piece does not parse.
            format!(
                "{}description = \"\"\"\n[[flow]]\n\"\"\"\n{}",
                flow("f1"),
                flow("f2")
            ),
            // An inline array that a header later extends: an error of the whole file.
            format!("flow = [{{ id = \"f0\" }}]\n{}", flow("f1")),
            // A table defined twice, in different pieces.
            format!("[extra]\nx = 1\n{}[extra]\ny = 2\n", flow("f1")),
            // A syntax error in a later piece: reported where it is in the file.
            format!("{}{}id = = 1\n", flow("f1"), flow("f2")),
        ];
        for text in &cases {
            let id = FileId::from_index(0);
            assert!(
                parse_in_pieces(id, text, 1).is_none(),
                "{text}\nwas read in pieces"
            );
            assert_eq!(pieces_agree(text), Ok(()));
        }
        // And a cut file's spans are positions in the whole file.
        let text = format!("{}{}", flow("f1"), flow("f2"));
        let (raw, _) = parse_in_pieces(FileId::from_index(0), &text, 1).unwrap();
        let second = &raw.flow[1].id;
        assert_eq!(&text[second.span.range()], "\"f2\"");
    }

    #[test]
    fn overlaid_texts_replace_files_and_add_only_files_the_walk_would_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(MANIFEST), "[project]\nname = \"M\"\n").unwrap();
        std::fs::write(root.join("zones.toml"), "").unwrap();
        std::fs::create_dir(root.join("kb")).unwrap();
        std::fs::write(root.join("kb").join(KB_MANIFEST), "").unwrap();
        std::fs::write(root.join("kb/patterns.toml"), "").unwrap();
        let zone = "[[zone]]\nid = \"z\"\nname = \"Z\"\ntrust = 1\n";
        let mut overlay = Overlay::new();
        overlay.insert(root.join("zones.toml"), zone.into());
        overlay.insert(root.join("new.toml"), zone.replace("\"z\"", "\"y\""));
        // A knowledge base's file open in an editor is not a model file.
        overlay.insert(root.join("kb/patterns.toml"), "[[pattern]]\n".into());
        overlay.insert(root.join("kb/new.toml"), "[[pattern]]\n".into());
        overlay.insert(root.join(".hidden.toml"), "x".into());
        let mut diags = Diagnostics::default();
        let loaded = load_dir_overlay(root, &overlay, &mut diags);
        let files: Vec<&str> = loaded
            .sources
            .iter()
            .map(|(_, f)| f.relative.as_str())
            .collect();
        assert_eq!(files, [MANIFEST, "new.toml", "zones.toml"]);
        let zones: Vec<&str> = loaded
            .raw
            .zone
            .iter()
            .map(|z| z.id.value.as_str())
            .collect();
        assert_eq!(zones, ["y", "z"]);
        assert!(diags.is_empty(), "{diags:?}");
    }
}
