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
use crate::model::{
    Category, Classification, ComponentKind, Direction, ElementKind, Level, Severity,
};
use crate::source::{FileId, Sources, Sp, Span};

/// A knowledge base as read from its files.
#[derive(Debug)]
pub struct RawKnowledgeBase {
    pub meta: RawKbMeta,
    /// `bundled` or the folder it was read from.
    pub origin: String,
    /// Where the model's manifest names it.
    pub named_at: Span,
    pub patterns: Vec<RawPattern>,
    pub mitigations: Vec<RawRecommendation>,
    /// Ids of patterns that could not be read: references to them stay quiet.
    pub unreadable_ids: std::collections::HashSet<String>,
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
    /// It has one of these tags (ignoring case).
    #[serde(default)]
    #[schemars(with = "OneOrMore<String>")]
    pub tags: Vec<Sp<String>>,
    /// It has none of these tags (ignoring case).
    #[serde(default)]
    #[schemars(with = "OneOrMore<String>")]
    pub exclude_tags: Vec<Sp<String>>,
    /// Its zone's trust lies in this range.
    pub zone_trust: Option<Sp<TrustRange>>,
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
    #[serde(default)]
    pub references: Vec<Sp<String>>,
    /// Markdown.
    pub description: Option<Sp<String>>,
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
        for file in added {
            let within = sources.get(file).relative.clone();
            sources.mark_knowledge(file, format!("knowledge/{}/{within}", meta.id.value));
        }
        loaded.push(RawKnowledgeBase {
            meta,
            origin,
            named_at: name.span,
            patterns: kb.patterns,
            mitigations: kb.mitigations,
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
        "patterns" | "mitigations" => Some(format!(
            "entries are singular: write `[[{}]]`",
            key.trim_end_matches('s')
        )),
        "threat" => Some("a knowledge base holds `[[pattern]]`s, not threats".into()),
        _ => None,
    });
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
        span: r.span(),
    })
}

fn read_applies_to(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<Selectors> {
    let file = r.file();
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
                    Span::new(file, value.span()),
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
pub const COMPONENT_KEYS: [&str; 5] = ["kind", "technology", "tags", "exclude-tags", "zone-trust"];
pub const FLOW_KEYS: [&str; 8] = [
    "crosses-boundary",
    "direction",
    "protocol",
    "encrypted",
    "authenticated",
    "data-classification",
    "from",
    "to",
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
        span: r.span(),
    };
    if s.element.value == ElementKind::Flow {
        s.crosses_boundary = r.optional("crosses-boundary", diags);
        s.direction = one_or_more_choice(r, "direction", diags, &mut ok);
        s.protocol = non_blank(r, "protocol", diags, &mut ok);
        s.encrypted = r.optional("encrypted", diags);
        s.authenticated = r.optional("authenticated", diags);
        s.data_classification = one_or_more_choice(r, "data-classification", diags, &mut ok);
        s.from = endpoint(r, "from", diags, &mut ok);
        s.to = endpoint(r, "to", diags, &mut ok);
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
    let what = if key == "from" {
        "flow source selector"
    } else {
        "flow destination selector"
    };
    let Some(mut t) = TableReader::of_value(r.file(), value, what, diags) else {
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
        tags: non_blank(r, "tags", diags, ok),
        exclude_tags: non_blank(r, "exclude-tags", diags, ok),
        zone_trust: trust_range(r, diags, ok),
    }
}

fn one_or_more_choice<T: crate::model::Choice>(
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
    let Some(mut t) = TableReader::of_value(r.file(), value, "trust range", diags) else {
        *ok = false;
        return None;
    };
    let span = t.span();
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
    let references = r.list("references", diags);
    let description = r.optional("description", diags);
    Some(RawRecommendation {
        id: id?,
        title: title?,
        mitigates: mitigates?,
        reduces,
        references,
        description,
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
