//! Knowledge bases: folders of threat patterns and recommended mitigations that a model
//! names in its manifest, bundled with threatbook or on disk.
//!
//! A knowledge base is read like a model: every value keeps its span and every problem
//! is reported. Selectors are checked here, when the knowledge base loads, so that a
//! typo is an error with a location and never a rule that silently matches nothing.
//! Matching selectors against a model is `model::build`'s job.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use toml::de::{DeTable, DeValue};

use super::discover::{KB_MANIFEST, discover_with};
use super::raw::{choice, id, number_in, numbers, optional_choice, text};
use super::reader::{OneOf, TableReader};
use super::{array_of_tables, bundled, manifest_table, parse_document};
use crate::diag::{Code, Diagnostic, Diagnostics, quoted_list, suggest};
use crate::kinds::{
    Actor, Category, Classification, ComponentKind, Direction, ElementKind, Level, Severity,
    WordField,
};
use crate::source::{FileId, Sources, Sp, Span};

/// A knowledge base as read from its files.
#[derive(Debug)]
pub struct RawKnowledgeBase {
    pub meta: RawKbMeta,
    /// `bundled` or the folder it was read from.
    pub origin: String,
    /// The manifest's `bases` entry, as written.
    pub named: String,
    /// Where the model's manifest names it.
    pub named_at: Span,
    pub patterns: Vec<RawPattern>,
    pub mitigations: Vec<RawRecommendation>,
    /// The words its selectors use; empty for a knowledge base that declares none.
    pub vocabulary: Vec<RawWord>,
    /// Ids of patterns that could not be read: references to them stay quiet.
    pub unreadable_ids: std::collections::HashSet<String>,
}

/// A word of a knowledge base's vocabulary (`[[vocabulary]]`): a technology or a role
/// tag its selectors use, what it means, and the other ways models write it.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWord {
    /// The word as selectors write it.
    pub word: Sp<String>,
    /// `technology` or `tags`: the component field it is matched against.
    pub field: Sp<WordField>,
    /// What a component with this word is or does (Markdown).
    pub description: Option<Sp<String>>,
    /// Other words models use for the same thing; they match as the word does.
    #[serde(default)]
    pub synonyms: Vec<Sp<String>>,
    /// Technologies only: the role tags a component with this technology has without
    /// saying so, unless the model describes such components in parts (see the docs).
    #[serde(default)]
    pub implies: Vec<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// The `[knowledge-base]` table of kb.toml.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawKbMeta {
    /// Kebab-case id; a bundled knowledge base is named by it.
    #[schemars(regex(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: Sp<String>,
    pub name: Sp<String>,
    pub version: Option<Sp<String>>,
    /// Markdown.
    pub description: Option<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// A threat pattern: a threat written once, instantiated on every element it matches.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPattern {
    /// Kebab-case id, unique across the knowledge bases a model uses.
    #[schemars(regex(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: Sp<String>,
    pub title: Sp<String>,
    pub category: Sp<Category>,
    pub severity: Sp<Severity>,
    pub likelihood: Option<Sp<Level>>,
    pub impact: Option<Sp<Level>>,
    #[serde(default)]
    pub cwe: Vec<Sp<u32>>,
    #[serde(default)]
    pub capec: Vec<Sp<u32>>,
    /// Markdown.
    pub description: Option<Sp<String>>,
    /// What the pattern applies to: one selector, or several (any of them).
    #[serde(rename = "applies-to")]
    pub applies_to: Selectors,
    /// Patterns of other knowledge bases this one is a specific case of, as
    /// `knowledge-base:pattern`: where both match one element, this one replaces them.
    #[serde(default)]
    pub refines: Vec<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// One selector or an array of them.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum Selectors {
    One(Box<RawSelector>),
    Any(Vec<RawSelector>),
}

impl Selectors {
    pub fn as_slice(&self) -> &[RawSelector] {
        match self {
            Selectors::One(s) => std::slice::from_ref(s.as_ref()),
            Selectors::Any(v) => v,
        }
    }
}

/// One value or a list of them, as the schema documents a condition (the loader reads
/// either into a list).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum OneOrMore<T> {
    One(T),
    More(#[schemars(length(min = 1))] Vec<T>),
}

/// The conditions a selector sets: every one given must hold.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSelector {
    /// `component` or `flow`.
    pub element: Sp<ElementKind>,
    #[serde(flatten)]
    pub component: RawComponentSelector,
    /// Flows: whether it leaves its source's zone.
    pub crosses_boundary: Option<Sp<bool>>,
    /// Flows: the way it crosses (one or a list).
    #[serde(default)]
    #[schemars(with = "OneOrMore<Direction>")]
    pub direction: Vec<Sp<Direction>>,
    /// Flows: its protocol is one of these (ignoring case).
    #[serde(default)]
    #[schemars(with = "OneOrMore<String>")]
    pub protocol: Vec<Sp<String>>,
    /// Flows: the value of its `encrypted` flag.
    pub encrypted: Option<Sp<bool>>,
    /// Flows: the value of its `authenticated` flag.
    pub authenticated: Option<Sp<bool>>,
    /// Flows: it carries an asset with one of these classifications.
    #[serde(default)]
    #[schemars(with = "OneOrMore<Classification>")]
    pub data_classification: Vec<Sp<Classification>>,
    /// Flows: its source component matches.
    pub from: Option<RawComponentSelector>,
    /// Flows: its destination component matches.
    pub to: Option<RawComponentSelector>,
    /// Flows: its source or its destination matches.
    pub either: Option<RawComponentSelector>,
    /// Flows: its source matches, or is reached from a matching component through a
    /// chain of processes (traffic that started there).
    pub origin: Option<RawComponentSelector>,
    /// Flows: its destination matches, or reaches a matching component through a chain
    /// of processes (traffic on its way there).
    pub destination: Option<RawComponentSelector>,
    /// Flows: `true` when its protocol says it stays inside one process (a function
    /// call, ASGI), `false` for a real channel.
    pub in_process: Option<Sp<bool>>,
    #[serde(skip)]
    pub span: Span,
}

/// Conditions on a component (a component selector, or a flow's `from`/`to`).
#[derive(Debug, Default, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawComponentSelector {
    /// Its kind is one of these (one or a list).
    #[serde(default)]
    #[schemars(with = "OneOrMore<ComponentKind>")]
    pub kind: Vec<Sp<ComponentKind>>,
    /// Its technology contains one of these words (ignoring case).
    #[serde(default)]
    #[schemars(with = "OneOrMore<String>")]
    pub technology: Vec<Sp<String>>,
    /// Its technology contains none of these words.
    #[serde(default)]
    #[schemars(with = "OneOrMore<String>")]
    pub exclude_technology: Vec<Sp<String>>,
    /// It has one of these tags (ignoring case).
    #[serde(default)]
    #[schemars(with = "OneOrMore<String>")]
    pub tags: Vec<Sp<String>>,
    /// It has every one of these tags.
    #[serde(default)]
    #[schemars(with = "OneOrMore<String>")]
    pub tags_all: Vec<Sp<String>>,
    /// It has none of these tags (ignoring case).
    #[serde(default)]
    #[schemars(with = "OneOrMore<String>")]
    pub exclude_tags: Vec<Sp<String>>,
    /// Its zone's trust lies in this range, or at this named level (`untrusted`,
    /// `partly-trusted`, `trusted`, as the model defines them).
    pub zone_trust: Option<Sp<TrustSpec>>,
    /// External entities: driven by a person (`human`) or by software (`system`).
    pub actor: Option<Sp<Actor>>,
}

/// A trust condition: a range of numbers, or a level the model names.
#[derive(Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(untagged)]
pub enum TrustSpec {
    Range(TrustRange),
    /// `untrusted`, `partly-trusted` or `trusted`.
    Named(String),
}

/// An inclusive range of zone trust.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustRange {
    /// The lowest trust (default 0).
    #[serde(default)]
    #[schemars(range(min = 0, max = 10))]
    pub min: u8,
    /// The highest trust (default 10).
    #[serde(default)]
    #[schemars(range(min = 0, max = 10))]
    pub max: u8,
}

/// A mitigation a knowledge base recommends against some of its patterns.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRecommendation {
    #[schemars(regex(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: Sp<String>,
    pub title: Sp<String>,
    /// Ids of patterns of the same knowledge base.
    pub mitigates: Vec<Sp<String>>,
    #[schemars(range(min = 0, max = 3))]
    pub reduces: Option<Sp<u8>>,
    /// What must hold of each element it is recommended on for it to protect once
    /// implemented; the model contradicting it is a `contradicted-mitigation` error.
    #[serde(default)]
    pub requires: crate::kinds::Requires,
    #[serde(default)]
    pub references: Vec<Sp<String>>,
    /// Markdown.
    pub description: Option<Sp<String>>,
    /// Mitigations of other knowledge bases that are the same idea, as
    /// `knowledge-base:mitigation`: where both are recommended on one element, this one
    /// stands for both.
    #[serde(default, rename = "same-as")]
    pub same_as: Vec<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// The shape of any file of a knowledge base, for the JSON Schema.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(
    title = "threatbook knowledge-base file",
    description = "A kb.toml manifest (with [knowledge-base]) or a pattern file of a threatbook knowledge base."
)]
pub struct RawKbFile {
    pub knowledge_base: Option<RawKbMeta>,
    #[serde(default)]
    pub pattern: Vec<RawPattern>,
    #[serde(default)]
    pub mitigation: Vec<RawRecommendation>,
    #[serde(default)]
    pub vocabulary: Vec<RawWord>,
}

/// Whether a `[knowledge] bases` entry names a folder rather than a bundled knowledge base.
pub fn is_path(name: &str) -> bool {
    name.contains('/') || name.contains('\\') || name.starts_with('.')
}

/// Loads the knowledge bases `names` (from a model's manifest) into `sources`. Folders are
/// relative to `base`, the model folder; without one (a model made in memory) only
/// bundled knowledge bases can be named.
pub fn load_knowledge(
    base: Option<&Path>,
    names: &[Sp<String>],
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> Vec<RawKnowledgeBase> {
    let mut loaded = Vec::new();
    let mut seen: Vec<&Sp<String>> = Vec::new();
    for name in names {
        if let Some(first) = seen.iter().find(|s| s.value == name.value) {
            diags.push(
                Diagnostic::at(
                    Code::UnknownKnowledgeBase,
                    name.span,
                    format!("the knowledge base `{}` is named twice", name.value),
                )
                .with_label("named again")
                .with_related(first.span, "first named here"),
            );
            continue;
        }
        seen.push(name);
        let files = if is_path(&name.value) {
            folder_files(base, name, diags)
        } else {
            bundled_files(name, diags)
        };
        let Some((origin, files)) = files else {
            continue;
        };
        let mut kb = KbParts::default();
        let mut added = Vec::with_capacity(files.len());
        for (path, relative, text, is_manifest) in files {
            let file = sources.add(path, relative, text);
            added.push(file);
            parse_document(file, &sources.get(file).text, diags, |doc, span, diags| {
                read_kb_document(file, doc, span, is_manifest, &mut kb, diags);
            });
        }
        let Some(meta) = kb.meta else {
            continue; // reported by the manifest's reader
        };
        // In bundles and exports a knowledge base's files sit under its id, whatever
        // folder they came from: `knowledge/<id>/<file>`.
        let bundled = !is_path(&name.value);
        for file in added {
            let within = sources.get(file).relative.clone();
            let relative = format!("knowledge/{}/{within}", meta.id.value);
            sources.mark_knowledge(file, relative, bundled);
        }
        loaded.push(RawKnowledgeBase {
            meta,
            origin,
            named: name.value.clone(),
            named_at: name.span,
            patterns: kb.patterns,
            mitigations: kb.mitigations,
            vocabulary: kb.vocabulary,
            unreadable_ids: kb.unreadable_ids,
        });
    }
    loaded
}

/// Each file of a knowledge base: (path, name within the knowledge base, text, whether
/// it is kb.toml).
type KbFiles = Vec<(PathBuf, String, String, bool)>;

fn bundled_files(name: &Sp<String>, diags: &mut Diagnostics) -> Option<(String, KbFiles)> {
    match bundled::get(&name.value) {
        Some(kb) => Some((
            "bundled".to_string(),
            kb.files
                .iter()
                .map(|(file, text)| {
                    (
                        PathBuf::from(format!("<bundled>/{}/{file}", kb.id)),
                        file.to_string(),
                        text.to_string(),
                        *file == KB_MANIFEST,
                    )
                })
                .collect(),
        )),
        None => {
            let names = bundled::names();
            let mut d = Diagnostic::at(
                Code::UnknownKnowledgeBase,
                name.span,
                format!("there is no bundled knowledge base `{}`", name.value),
            )
            .with_label("unknown knowledge base");
            if let Some(best) = suggest(&name.value, names.iter().copied()).first() {
                d = d.with_help(format!("did you mean `{best}`?"));
            }
            d = d.with_help(format!(
                "bundled: {}; a folder is written as a path, such as `./{}`",
                quoted_list(&names),
                name.value
            ));
            diags.push(d);
            None
        }
    }
}

fn folder_files(
    base: Option<&Path>,
    name: &Sp<String>,
    diags: &mut Diagnostics,
) -> Option<(String, KbFiles)> {
    let Some(base) = base else {
        diags.push(
            Diagnostic::at(
                Code::UnknownKnowledgeBase,
                name.span,
                format!(
                    "`{}` is a folder, but this model has no folder to resolve it against",
                    name.value
                ),
            )
            .with_label("a folder"),
        );
        return None;
    };
    // `./kb` and `kb/` name the same folder; messages show it without the `.`.
    let dir: PathBuf = base
        .join(&name.value)
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if !dir.join(KB_MANIFEST).is_file() {
        let why = if dir.is_dir() {
            format!("{} has no {KB_MANIFEST}", dir.display())
        } else {
            format!("there is no folder {}", dir.display())
        };
        diags.push(
            Diagnostic::at(
                Code::UnknownKnowledgeBase,
                name.span,
                format!("`{}` is not a knowledge base: {why}", name.value),
            )
            .with_label("not a knowledge base")
            .with_help(format!(
                "a knowledge base is a folder with a {KB_MANIFEST} holding [knowledge-base]"
            )),
        );
        return None;
    }
    let mut files = Vec::new();
    for f in discover_with(&dir, KB_MANIFEST, diags) {
        let size = std::fs::metadata(&f.path).map_or(0, |m| m.len());
        if size > super::limits::MAX_FILE_BYTES {
            diags.push(super::limits::file_too_large(&f.path, size));
            continue;
        }
        match std::fs::read(&f.path).map(String::from_utf8) {
            Ok(Ok(text)) => files.push((f.path, f.relative, text, f.is_manifest)),
            Ok(Err(_)) => diags.push(Diagnostic::new(
                Code::NotUtf8,
                format!("{} is not valid UTF-8", f.path.display()),
                crate::diag::Location::Path(f.path.clone()),
            )),
            Err(e) => diags.push(Diagnostic::new(
                Code::IoError,
                format!("cannot read {}: {e}", f.path.display()),
                crate::diag::Location::Path(f.path.clone()),
            )),
        }
    }
    Some((dir.display().to_string(), files))
}

#[derive(Default)]
struct KbParts {
    meta: Option<RawKbMeta>,
    patterns: Vec<RawPattern>,
    mitigations: Vec<RawRecommendation>,
    vocabulary: Vec<RawWord>,
    unreadable_ids: std::collections::HashSet<String>,
}

/// Reads one file of a knowledge base.
fn read_kb_document(
    file: FileId,
    doc: &DeTable<'_>,
    span: Span,
    is_manifest: bool,
    kb: &mut KbParts,
    diags: &mut Diagnostics,
) {
    let mut r = TableReader::new(file, doc, span, "knowledge-base file");
    if is_manifest {
        kb.meta = manifest_table(
            &mut r,
            ("knowledge-base", KB_MANIFEST),
            "add `[knowledge-base]` with `id = \"…\"` and `name = \"…\"`",
            read_kb_meta,
            diags,
        );
    }
    if let Some(value) = r.optional_value("vocabulary")
        && let Some(items) = array_of_tables(file, "vocabulary", value, diags)
    {
        for item in items.iter() {
            let Some(mut t) = TableReader::of_value(file, item, "vocabulary word", diags) else {
                continue;
            };
            kb.vocabulary.extend(read_word(&mut t, diags));
            t.finish(diags);
        }
    }
    for (key, what) in [("pattern", "pattern"), ("mitigation", "mitigation")] {
        let Some(value) = r.optional_value(key) else {
            continue;
        };
        let Some(items) = array_of_tables(file, key, value, diags) else {
            continue;
        };
        for item in items.iter() {
            let Some(mut t) = TableReader::of_value(file, item, what, diags) else {
                continue;
            };
            if key == "pattern" {
                match read_pattern(&mut t, diags) {
                    Some(p) => kb.patterns.push(p),
                    None => kb.unreadable_ids.extend(t.peek_str("id").map(String::from)),
                }
            } else {
                kb.mitigations.extend(read_recommendation(&mut t, diags));
            }
            t.finish_with(diags, |key| match key {
                "status" | "owner" => Some(format!(
                    "a knowledge base recommends; the model sets `{key}` with `[[mitigation-status]]`"
                )),
                "targets" => Some("a pattern says what it applies to with `applies-to`".into()),
                _ => None,
            });
        }
    }
    r.finish_with(diags, |key| match key {
        "knowledge-base" => Some(format!("[knowledge-base] belongs in {KB_MANIFEST}")),
        "patterns" | "mitigations" | "word" | "words" => Some(format!(
            "entries are singular: write `[[{}]]`",
            key.trim_end_matches('s')
        )),
        "threat" => Some("a knowledge base holds `[[pattern]]`s, not threats".into()),
        _ => None,
    });
}

/// Reads one `[[vocabulary]]` word.
fn read_word(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<RawWord> {
    let mut ok = true;
    let word = non_blank(r, "word", diags, &mut ok).into_iter().next();
    if word.is_none() && ok {
        diags.push(
            Diagnostic::at(
                Code::MissingField,
                r.span(),
                "this vocabulary entry has no `word`",
            )
            .with_label("`word` missing here"),
        );
    }
    let field = choice::<WordField>(r, "field", diags);
    let description = r.optional("description", diags);
    let synonyms = non_blank(r, "synonyms", diags, &mut ok);
    let implies = non_blank(r, "implies", diags, &mut ok);
    if let (Some(f), Some(first)) = (&field, implies.first())
        && f.value != WordField::Technology
    {
        ok = false;
        diags.push(
            Diagnostic::at(
                Code::InvalidValue,
                first.span,
                "only a technology implies role tags",
            )
            .with_label("`implies` on a tag")
            .with_related(f.span, "this word is a tag"),
        );
    }
    if !ok {
        return None;
    }
    Some(RawWord {
        word: word?,
        field: field?,
        description,
        synonyms,
        implies,
        span: r.span(),
    })
}

fn read_kb_meta(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<RawKbMeta> {
    let id = id(r, diags);
    let name = text(r, "name", diags);
    let version = r.optional("version", diags);
    let description = r.optional("description", diags);
    Some(RawKbMeta {
        id: id?,
        name: name?,
        version,
        description,
        span: r.span(),
    })
}

/// Reads one `[[pattern]]`.
pub fn read_pattern(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<RawPattern> {
    let id = id(r, diags);
    let title = text(r, "title", diags);
    let category = choice(r, "category", diags);
    let severity = choice(r, "severity", diags);
    let likelihood = optional_choice(r, "likelihood", diags);
    let impact = optional_choice(r, "impact", diags);
    let cwe = numbers(r, "cwe", diags);
    let capec = numbers(r, "capec", diags);
    let description = r.optional("description", diags);
    let applies_to = read_applies_to(r, diags);
    let mut ok = true;
    let refines = non_blank(r, "refines", diags, &mut ok);
    Some(RawPattern {
        id: id?,
        title: title?,
        category: category?,
        severity: severity?,
        likelihood,
        impact,
        cwe,
        capec,
        description,
        applies_to: applies_to?,
        refines,
        span: r.span(),
    })
}

fn read_applies_to(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<Selectors> {
    let file = r.origin();
    let Some(value) = r.optional_value("applies-to") else {
        diags.push(
            Diagnostic::at(
                Code::MissingField,
                r.span(),
                "this pattern has no `applies-to` selector",
            )
            .with_label("`applies-to` missing here")
            .with_help(
                "add `applies-to = { element = \"component\", kind = \"process\" }` or similar",
            ),
        );
        return None;
    };
    match value.get_ref() {
        DeValue::Array(items) if items.is_empty() => {
            diags.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    file.span(value.span()),
                    "`applies-to` lists no selector, so the pattern could never apply",
                )
                .with_label("empty list"),
            );
            None
        }
        DeValue::Array(items) => {
            let mut all = Vec::with_capacity(items.len());
            let mut ok = true;
            for item in items.iter() {
                match TableReader::of_value(file, item, "selector", diags)
                    .and_then(|t| read_selector_table(t, diags))
                {
                    Some(s) => all.push(s),
                    None => ok = false,
                }
            }
            ok.then_some(Selectors::Any(all))
        }
        _ => TableReader::of_value(file, value, "selector", diags)
            .and_then(|t| read_selector_table(t, diags))
            .map(|s| Selectors::One(Box::new(s))),
    }
}

/// The keys of a component selector, and of a flow selector's own conditions.
pub const COMPONENT_KEYS: [&str; 8] = [
    "kind",
    "technology",
    "exclude-technology",
    "tags",
    "tags-all",
    "exclude-tags",
    "zone-trust",
    "actor",
];
pub const FLOW_KEYS: [&str; 12] = [
    "crosses-boundary",
    "direction",
    "protocol",
    "encrypted",
    "authenticated",
    "data-classification",
    "from",
    "to",
    "either",
    "origin",
    "destination",
    "in-process",
];

fn read_selector_table(mut r: TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<RawSelector> {
    let selector = read_selector(&mut r, diags);
    // Keys of either kind of element are known: the wrong kind has its own error.
    r.known(&COMPONENT_KEYS);
    r.known(&FLOW_KEYS);
    r.finish(diags);
    selector
}

fn read_selector(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<RawSelector> {
    let element = choice::<ElementKind>(r, "element", diags)?;
    // Conditions of the other kind of element are reported, not ignored.
    let (other, hint): (&[&str], &str) = match element.value {
        ElementKind::Component => (
            &FLOW_KEYS,
            "it is a flow condition; this selector has `element = \"component\"`",
        ),
        ElementKind::Flow => (
            &COMPONENT_KEYS,
            "it is a component condition: put it under `from` or `to` to select a flow by its endpoints",
        ),
    };
    let mut wrong = false;
    for key in other {
        if let Some(span) = r.value_span(key) {
            wrong = true;
            diags.push(
                Diagnostic::at(
                    Code::InvalidSelector,
                    span,
                    format!("`{key}` does not apply to a {}", element.value),
                )
                .with_label(format!("not a {} condition", element.value))
                .with_help(hint.to_string())
                .with_related(element.span, "the selector's element"),
            );
        }
    }
    let mut ok = !wrong;
    let component = match element.value {
        ElementKind::Component => read_component_conditions(r, diags, &mut ok),
        ElementKind::Flow => RawComponentSelector::default(),
    };
    let mut s = RawSelector {
        element,
        component,
        crosses_boundary: None,
        direction: Vec::new(),
        protocol: Vec::new(),
        encrypted: None,
        authenticated: None,
        data_classification: Vec::new(),
        from: None,
        to: None,
        either: None,
        origin: None,
        destination: None,
        in_process: None,
        span: r.span(),
    };
    if s.element.value == ElementKind::Flow {
        s.crosses_boundary = r.optional("crosses-boundary", diags);
        s.direction = one_or_more_choice(r, "direction", diags, &mut ok);
        s.protocol = non_blank(r, "protocol", diags, &mut ok);
        s.encrypted = r.optional("encrypted", diags);
        s.authenticated = r.optional("authenticated", diags);
        s.data_classification = classifications(r, diags, &mut ok);
        s.from = endpoint(r, "from", diags, &mut ok);
        s.to = endpoint(r, "to", diags, &mut ok);
        s.either = endpoint(r, "either", diags, &mut ok);
        s.origin = endpoint(r, "origin", diags, &mut ok);
        s.destination = endpoint(r, "destination", diags, &mut ok);
        s.in_process = r.optional("in-process", diags);
        if let (Some(c), false) = (&s.crosses_boundary, s.direction.is_empty())
            && !c.value
        {
            ok = false;
            diags.push(
                Diagnostic::at(
                    Code::InvalidSelector,
                    c.span,
                    "`crosses-boundary = false` with a `direction`: a flow that stays in its zone has no direction",
                )
                .with_label("never true together with `direction`"),
            );
        }
    }
    ok.then_some(s)
}

fn endpoint(
    r: &mut TableReader<'_, '_>,
    key: &'static str,
    diags: &mut Diagnostics,
    ok: &mut bool,
) -> Option<RawComponentSelector> {
    let value = r.optional_value(key)?;
    let what = match key {
        "from" | "origin" => "flow source selector",
        "either" => "flow endpoint selector",
        _ => "flow destination selector",
    };
    let Some(mut t) = TableReader::of_value(r.origin(), value, what, diags) else {
        *ok = false;
        return None;
    };
    let selector = read_component_conditions(&mut t, diags, ok);
    t.finish(diags);
    Some(selector)
}

fn read_component_conditions(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
    ok: &mut bool,
) -> RawComponentSelector {
    RawComponentSelector {
        kind: one_or_more_choice(r, "kind", diags, ok),
        technology: non_blank(r, "technology", diags, ok),
        exclude_technology: non_blank(r, "exclude-technology", diags, ok),
        tags: non_blank(r, "tags", diags, ok),
        tags_all: non_blank(r, "tags-all", diags, ok),
        exclude_tags: non_blank(r, "exclude-tags", diags, ok),
        zone_trust: trust_condition(r, diags, ok),
        actor: {
            let before = diags.len();
            let a = optional_choice(r, "actor", diags);
            if diags.len() > before {
                *ok = false;
            }
            a
        },
    }
}

/// The trust levels a selector may name, and their default ranges (a model can set
/// its own in `[knowledge.trust-levels]`).
pub const TRUST_LEVELS: [(&str, TrustRange); 3] = [
    ("untrusted", TrustRange { min: 0, max: 3 }),
    ("partly-trusted", TrustRange { min: 4, max: 6 }),
    ("trusted", TrustRange { min: 7, max: 10 }),
];

fn trust_condition(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
    ok: &mut bool,
) -> Option<Sp<TrustSpec>> {
    let value = r.optional_value("zone-trust")?;
    if let DeValue::String(name) = value.get_ref() {
        let span = r.origin().span(value.span());
        let name = name.trim();
        if TRUST_LEVELS.iter().any(|(n, _)| *n == name) {
            return Some(Sp::new(TrustSpec::Named(name.to_string()), span));
        }
        *ok = false;
        let names = || TRUST_LEVELS.iter().map(|(n, _)| *n);
        let mut d = Diagnostic::at(
            Code::InvalidValue,
            span,
            format!("`{name}` is not a trust level"),
        )
        .with_label("unknown level")
        .with_help(format!(
            "levels are {}; or give a range, `{{ min = …, max = … }}`",
            quoted_list(&names().collect::<Vec<_>>())
        ));
        if let Some(close) = suggest(name, names()).first() {
            d = d.with_help(format!("did you mean `{close}`?"));
        }
        diags.push(d);
        return None;
    }
    trust_range(r, diags, ok).map(|t| Sp::new(TrustSpec::Range(t.value), t.span))
}

/// `[knowledge.trust-levels]`: a model's own ranges for the named trust levels.
pub fn read_trust_levels(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
) -> crate::load::raw::RawTrustLevels {
    let mut levels = crate::load::raw::RawTrustLevels::default();
    let Some(value) = r.optional_value("trust-levels") else {
        return levels;
    };
    let Some(mut t) = TableReader::of_value(r.origin(), value, "trust-levels table", diags) else {
        return levels;
    };
    for (name, _) in TRUST_LEVELS {
        let Some(v) = t.optional_value(name) else {
            continue;
        };
        let Some(inner) = TableReader::of_value(t.origin(), v, "trust range", diags) else {
            continue;
        };
        let span = t.origin().span(v.span());
        let mut ok = true;
        let range = trust_range_table(inner, span, diags, &mut ok);
        match name {
            "untrusted" => levels.untrusted = range,
            "partly-trusted" => levels.partly_trusted = range,
            _ => levels.trusted = range,
        }
    }
    t.finish(diags);
    levels
}

/// `data-classification`: one classification or a list, or `{ min = "…" }` for that
/// classification and every more sensitive one.
fn classifications(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
    ok: &mut bool,
) -> Vec<Sp<Classification>> {
    if let Some(value) = r.optional_value("data-classification")
        && matches!(value.get_ref(), DeValue::Table(_))
    {
        let Some(mut t) =
            TableReader::of_value(r.origin(), value, "classification threshold", diags)
        else {
            *ok = false;
            return Vec::new();
        };
        let min = choice::<Classification>(&mut t, "min", diags);
        t.finish(diags);
        let Some(min) = min else {
            *ok = false;
            return Vec::new();
        };
        return <Classification as crate::kinds::Choice>::ALL
            .iter()
            .filter(|(_, c)| *c >= min.value)
            .map(|(_, c)| Sp::new(*c, min.span))
            .collect();
    }
    one_or_more_choice(r, "data-classification", diags, ok)
}

fn one_or_more_choice<T: crate::kinds::Choice>(
    r: &mut TableReader<'_, '_>,
    key: &'static str,
    diags: &mut Diagnostics,
    ok: &mut bool,
) -> Vec<Sp<T>> {
    let before = diags.len();
    let values: Vec<Sp<T>> = r
        .one_or_more::<OneOf<T>>(key, diags)
        .into_iter()
        .map(|v| Sp::new(v.value.0, v.span))
        .collect();
    if diags.len() > before {
        *ok = false;
    }
    values
}

/// Strings that must say something: a blank one would match every text or none.
fn non_blank(
    r: &mut TableReader<'_, '_>,
    key: &'static str,
    diags: &mut Diagnostics,
    ok: &mut bool,
) -> Vec<Sp<String>> {
    let before = diags.len();
    let values = r.one_or_more::<String>(key, diags);
    for v in &values {
        if v.value.trim().is_empty() {
            diags.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    v.span,
                    format!("`{key}` has an empty entry"),
                )
                .with_label("empty"),
            );
        }
    }
    if diags.len() > before {
        *ok = false;
    }
    values
}

fn trust_range(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
    ok: &mut bool,
) -> Option<Sp<TrustRange>> {
    let value = r.optional_value("zone-trust")?;
    let Some(t) = TableReader::of_value(r.origin(), value, "trust range", diags) else {
        *ok = false;
        return None;
    };
    let span = t.span();
    trust_range_table(t, span, diags, ok)
}

fn trust_range_table(
    mut t: TableReader<'_, '_>,
    span: Span,
    diags: &mut Diagnostics,
    ok: &mut bool,
) -> Option<Sp<TrustRange>> {
    let mut bound = |key: &'static str, t: &mut TableReader<'_, '_>| {
        t.optional::<i64>(key, diags)
            .map(|v| number_in::<u8>(v, key, 0..=10, diags).ok_or(()))
            .transpose()
    };
    let min = bound("min", &mut t);
    let max = bound("max", &mut t);
    t.finish(diags);
    let (Ok(min), Ok(max)) = (min, max) else {
        *ok = false;
        return None;
    };
    if min.is_none() && max.is_none() {
        *ok = false;
        diags.push(
            Diagnostic::at(Code::InvalidSelector, span, "`zone-trust` sets no bound")
                .with_label("no `min` or `max`")
                .with_help("write `zone-trust = { max = 3 }` for zones of trust 3 or less"),
        );
        return None;
    }
    let range = TrustRange {
        min: min.map_or(0, |m| m.value),
        max: max.map_or(10, |m| m.value),
    };
    if range.min > range.max {
        *ok = false;
        diags.push(
            Diagnostic::at(
                Code::InvalidSelector,
                span,
                format!(
                    "`zone-trust` asks for at least {} and at most {}: no zone can meet it",
                    range.min, range.max
                ),
            )
            .with_label("empty range"),
        );
        return None;
    }
    Some(Sp::new(range, span))
}

/// Reads one `[[mitigation]]` of a knowledge base.
pub fn read_recommendation(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
) -> Option<RawRecommendation> {
    let id = id(r, diags);
    let title = text(r, "title", diags);
    let mitigates = r.non_empty_list("mitigates", diags);
    let reduces = r
        .optional::<i64>("reduces", diags)
        .and_then(|v| number_in::<u8>(v, "reduces", 0..=3, diags));
    let requires = super::raw::requires(r, diags);
    let references = r.list("references", diags);
    let description = r.optional("description", diags);
    let mut ok = true;
    let same_as = non_blank(r, "same-as", diags, &mut ok);
    Some(RawRecommendation {
        id: id?,
        title: title?,
        mitigates: mitigates?,
        reduces,
        requires: requires?,
        references,
        description,
        same_as,
        span: r.span(),
    })
}

#[cfg(test)]
mod tests {
    use crate::diag::Code;

    #[test]
    fn a_model_made_in_memory_cannot_name_a_folder() {
        let p = crate::open_texts([(
            "threatbook.toml",
            "[project]\nname = \"t\"\n[knowledge]\nbases = [\"./kb\"]\n",
        )]);
        let d = p
            .diagnostics
            .iter()
            .find(|d| d.code == Code::UnknownKnowledgeBase)
            .expect("reported");
        assert!(
            d.message.contains("no folder to resolve it against"),
            "{}",
            d.message
        );
        assert!(p.model.is_none());
    }

    #[test]
    fn names_with_a_slash_or_a_leading_dot_are_folders() {
        for path in ["./kb", "../shared", "kb/x", ".kb"] {
            assert!(super::is_path(path), "{path}");
        }
        assert!(!super::is_path("stride"));
    }
}
