//! Where every id of a model folder is declared and where it is referred to, read from
//! the TOML text of each file (the model's and its knowledge bases').
//!
//! The index is built from the text, not from the resolved model, so that go to
//! definition and find references keep working while a file does not resolve (a
//! dangling reference, a half-typed entity). It reads no disk and judges nothing: the
//! loader and the checks say what is wrong.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::source::{FileId, Sources};

/// The namespace an id lives in: model entities share one, knowledge bases' patterns
/// and mitigations have their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Space {
    Model,
    Pattern,
    KbMitigation,
}

/// One place an id is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub file: FileId,
    /// The id's bytes, without quotes.
    pub range: Range<usize>,
    pub id: String,
    pub space: Space,
    /// For a declaration, the entity table it is in (`component`, `pattern` …);
    /// `None` for a reference.
    pub declares: Option<&'static str>,
}

impl Occurrence {
    pub fn is_declaration(&self) -> bool {
        self.declares.is_some()
    }
}

/// Every occurrence of an id in a model folder, in file and position order.
#[derive(Debug, Default)]
pub struct Index {
    occurrences: Vec<Occurrence>,
}

/// The entity tables of model files with an `id`, and the fields that refer to ids.
const MODEL_TABLES: &[&str] = &[
    "zone",
    "component",
    "asset",
    "flow",
    "threat",
    "mitigation",
    "acceptance",
    "not-applicable",
    "mitigation-status",
];

/// How a field names ids.
#[derive(Clone, Copy, Debug)]
enum Names {
    /// Ids of one namespace.
    Id(Space),
    /// Model ids, or instances `left@element` whose left part is of this namespace.
    Instance(Space),
}

/// The keys of a table that name ids.
fn reference_keys(table: &str, knowledge: bool) -> &'static [(&'static str, Names)] {
    use Names::{Id, Instance};
    if knowledge {
        return match table {
            "mitigation" => &[
                ("mitigates", Id(Space::Pattern)),
                ("same-as", Id(Space::KbMitigation)),
            ],
            "pattern" => &[("refines", Id(Space::Pattern))],
            _ => &[],
        };
    }
    match table {
        "zone" => &[("inside", Id(Space::Model))],
        "component" => &[("zone", Id(Space::Model))],
        "flow" => &[
            ("from", Id(Space::Model)),
            ("to", Id(Space::Model)),
            ("data", Id(Space::Model)),
        ],
        "threat" => &[("targets", Id(Space::Model))],
        "mitigation" => &[("mitigates", Instance(Space::Pattern))],
        "acceptance" => &[("threat", Instance(Space::Pattern))],
        "not-applicable" => &[
            ("element", Id(Space::Model)),
            ("pattern", Id(Space::Pattern)),
        ],
        "mitigation-status" => &[
            ("mitigation", Id(Space::KbMitigation)),
            ("elements", Id(Space::Model)),
        ],
        _ => &[],
    }
}

impl Index {
    pub fn build(sources: &Sources) -> Index {
        let mut occurrences = Vec::new();
        for (file, source) in sources.iter() {
            index_file(file, &source.text, source.is_knowledge, &mut occurrences);
        }
        occurrences.sort_by_key(|o| (o.file, o.range.start));
        Index { occurrences }
    }

    /// The occurrence under a byte offset of a file (its end included, where a cursor
    /// after the last letter is).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let first = self
            .occurrences
            .partition_point(|o| (o.file, o.range.end) < (file, offset));
        self.occurrences[first..]
            .iter()
            .take_while(|o| o.file == file && o.range.start <= offset)
            .find(|o| o.range.end >= offset)
    }

    /// The declarations of an id.
    pub fn declarations<'a>(
        &'a self,
        id: &'a str,
        space: Space,
    ) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences
            .iter()
            .filter(move |o| o.is_declaration() && o.space == space && o.id == id)
    }

    /// Every occurrence of an id, declarations included.
    pub fn occurrences_of<'a>(
        &'a self,
        id: &'a str,
        space: Space,
    ) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences
            .iter()
            .filter(move |o| o.space == space && o.id == id)
    }

    /// Every declaration, for completion.
    pub fn all_declarations(&self) -> impl Iterator<Item = &Occurrence> {
        self.occurrences.iter().filter(|o| o.is_declaration())
    }
}

fn index_file(file: FileId, text: &str, knowledge: bool, out: &mut Vec<Occurrence>) {
    if crate::load::limits::scan(file, text).is_some() {
        return;
    }
    // What parses of a file with a syntax error is indexed too: the other entities of a
    // file being typed in keep their links.
    let (doc, _) = DeTable::parse_recoverable(text);
    for (key, value) in doc.get_ref() {
        let table = key.get_ref().as_ref();
        let declares = if knowledge {
            match table {
                "pattern" => Some(("pattern", Space::Pattern)),
                "mitigation" => Some(("kb-mitigation", Space::KbMitigation)),
                _ => None,
            }
        } else {
            MODEL_TABLES
                .iter()
                .find(|t| **t == table)
                .map(|t| (*t, Space::Model))
        };
        let Some((kind, space)) = declares else {
            continue;
        };
        let DeValue::Array(items) = value.get_ref() else {
            continue;
        };
        for item in items.iter() {
            let DeValue::Table(entity) = item.get_ref() else {
                continue;
            };
            if let Some(id) = entity.get("id") {
                strings(file, text, id, Names::Id(space), out, Some(kind));
            }
            for (field, names) in reference_keys(table, knowledge) {
                if let Some(value) = entity.get(*field) {
                    strings(file, text, value, *names, out, None);
                }
            }
        }
    }
}

/// The id strings of a value (a string or an array of strings). A reference
/// `left@element` is two: `left`, and `element` among model ids.
fn strings(
    file: FileId,
    text: &str,
    value: &Spanned<DeValue<'_>>,
    names: Names,
    out: &mut Vec<Occurrence>,
    declares: Option<&'static str>,
) {
    match value.get_ref() {
        DeValue::String(s) => {
            let Some(range) = unquoted(text, value.span(), s) else {
                return;
            };
            let s: &str = s.as_ref();
            let (Names::Id(left_space) | Names::Instance(left_space)) = names;
            match s.split_once('@') {
                Some((left, element)) if declares.is_none() => {
                    let at = range.start + left.len();
                    out.push(Occurrence {
                        file,
                        range: range.start..at,
                        id: left.to_string(),
                        space: left_space,
                        declares,
                    });
                    out.push(Occurrence {
                        file,
                        range: at + 1..range.end,
                        id: element.to_string(),
                        space: Space::Model,
                        declares,
                    });
                }
                _ => out.push(Occurrence {
                    file,
                    range,
                    id: s.to_string(),
                    space: match names {
                        Names::Id(space) => space,
                        Names::Instance(_) => Space::Model,
                    },
                    declares,
                }),
            }
        }
        DeValue::Array(items) => {
            for item in items.iter() {
                strings(file, text, item, names, out, declares);
            }
        }
        _ => {}
    }
}

/// The bytes of a string value without its quotes, when it is written as a plain
/// one-line string whose text is the value itself (no escapes).
fn unquoted(text: &str, span: Range<usize>, value: &str) -> Option<Range<usize>> {
    let written = text.get(span.clone())?;
    let quote = written.chars().next()?;
    if !matches!(quote, '"' | '\'') || written.len() < value.len() + 2 {
        return None;
    }
    let inner = span.start + 1..span.end - 1;
    (text.get(inner.clone())? == value).then_some(inner)
}
