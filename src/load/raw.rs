//! The raw entities of a model as written in its TOML files: strings for references,
//! a span on every value. These types are also the source of the JSON Schema.
//!
//! Reading fills them from [`TableReader`]s; `model::build` turns them into the resolved
//! model. Nothing here resolves a reference or checks a rule across entities.

use schemars::JsonSchema;

use super::reader::{OneOf, TableReader};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::kinds::{
    Actor, Category, Classification, ComponentKind, Date, Decision, Level, ModelState, Severity,
    Status,
};
use crate::source::{Sp, Span};

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// The kebab-case shape every id has.
pub const ID_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

/// Whether `id` is kebab-case (see [`ID_PATTERN`]).
pub fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// A kebab-case version of `text`, to suggest for a malformed id or to make one from a
/// name. Words break at anything that is not an ASCII letter or digit and where case
/// changes, acronyms included: `isALog` → `is-a-log`, `HTTPServer` → `http-server`,
/// `userID` → `user-id`. A single capital that opens a word stays with the capitals
/// after it (`OAuth2Token` → `oauth2-token`).
pub fn to_kebab_case(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    // Where the current run of letters and digits started.
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            start = i + 1;
            continue;
        }
        if c.is_ascii_uppercase() && i > start {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            // `aB`, `2B`: a new word; `ABc`: B opens a word after the acronym `A…`,
            // unless that acronym is the one letter opening the run (`OAuth`).
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower && i - 1 > start);
            if boundary && !out.ends_with('-') {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out.trim_end_matches('-').to_string()
}

/// Everything read from a model's files: the manifest's project and every entity.
///
/// As a JSON Schema this is the shape of any threatbook TOML file: the manifest
/// (`threatbook.toml`, which must have `[project]`) and the entity files (which must not).
#[derive(Debug, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "threatbook model file",
    description = "A threatbook.toml manifest (with [project]) or an entity file of a threatbook model."
)]
pub struct RawModel {
    /// The project the model describes. Only in threatbook.toml, where it is required.
    pub project: Option<RawProject>,
    /// The knowledge bases the model uses. Only in threatbook.toml.
    pub knowledge: Option<RawKnowledge>,
    /// Trust zones.
    #[serde(default)]
    pub zone: Vec<RawZone>,
    /// Components: the nodes of the data-flow diagram.
    #[serde(default)]
    pub component: Vec<RawComponent>,
    /// Data the system holds or moves.
    #[serde(default)]
    pub asset: Vec<RawAsset>,
    /// Data flows between components.
    #[serde(default)]
    pub flow: Vec<RawFlow>,
    /// What can go wrong.
    #[serde(default)]
    pub threat: Vec<RawThreat>,
    /// What is done about it.
    #[serde(default)]
    pub mitigation: Vec<RawMitigation>,
    /// Risks accepted for a time instead of mitigated.
    #[serde(default)]
    pub acceptance: Vec<RawAcceptance>,
    /// Review sign-offs of the model.
    #[serde(default)]
    pub review: Vec<RawReview>,
    /// STRIDE categories that do not apply to an element, with the reason; the
    /// `stride-coverage` check counts them as considered.
    #[serde(default, rename = "not-applicable")]
    pub not_applicable: Vec<RawNotApplicable>,
    /// The status of mitigations recommended by the knowledge bases.
    #[serde(default, rename = "mitigation-status")]
    pub mitigation_status: Vec<RawMitigationStatus>,
    /// Ids of entities that could not be read. A reference to one of them is not
    /// reported again: the entity's own error says what is wrong.
    #[serde(skip)]
    pub unreadable_ids: std::collections::HashSet<String>,
}

impl RawModel {
    /// Adds the entities of `other` after those of `self`. (The destructuring makes a
    /// new field a compile error here until it is appended too.)
    pub fn append(&mut self, other: RawModel) {
        let RawModel {
            project,
            knowledge,
            zone,
            component,
            asset,
            flow,
            threat,
            mitigation,
            acceptance,
            review,
            not_applicable,
            mitigation_status,
            unreadable_ids,
        } = other;
        if project.is_some() {
            self.project = project;
        }
        if knowledge.is_some() {
            self.knowledge = knowledge;
        }
        self.zone.extend(zone);
        self.component.extend(component);
        self.asset.extend(asset);
        self.flow.extend(flow);
        self.threat.extend(threat);
        self.mitigation.extend(mitigation);
        self.acceptance.extend(acceptance);
        self.review.extend(review);
        self.not_applicable.extend(not_applicable);
        self.mitigation_status.extend(mitigation_status);
        self.unreadable_ids.extend(unreadable_ids);
    }
}

/// The `[project]` table of threatbook.toml.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawProject {
    /// The system's name, the title of every report.
    pub name: Sp<String>,
    /// The version of the system or of the model.
    pub version: Option<Sp<String>>,
    /// Markdown: what the system is.
    pub description: Option<Sp<String>>,
    /// Markdown: what the threat model sets out to find.
    pub objective: Option<Sp<String>>,
    /// Markdown: what the model covers and what it leaves out.
    pub scope: Option<Sp<String>>,
    /// Markdown: how the threats were found.
    pub methodology: Option<Sp<String>>,
    /// Markdown: the outcome of the review.
    pub conclusion: Option<Sp<String>>,
    /// Who answers for the model.
    #[serde(default)]
    pub owners: Vec<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// The `[knowledge]` table of threatbook.toml.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawKnowledge {
    /// Knowledge bases whose patterns apply to the model: bundled ones by name
    /// (`"stride"`), others as a folder relative to the manifest (`"./kb"`).
    pub bases: Vec<Sp<String>>,
    /// What the trust levels that patterns name (`untrusted`, `partly-trusted`,
    /// `trusted`) mean in this model, as ranges of zone trust.
    #[serde(default, rename = "trust-levels")]
    pub trust_levels: RawTrustLevels,
}

/// `[knowledge.trust-levels]`: the zone trust each named level covers in this model.
#[derive(Debug, Default, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTrustLevels {
    /// Default `{ min = 0, max = 3 }`.
    pub untrusted: Option<Sp<crate::load::kb::TrustRange>>,
    /// Default `{ min = 4, max = 6 }`.
    pub partly_trusted: Option<Sp<crate::load::kb::TrustRange>>,
    /// Default `{ min = 7, max = 10 }`.
    pub trusted: Option<Sp<crate::load::kb::TrustRange>>,
}

impl RawTrustLevels {
    /// The range of a named level: the model's, or the default.
    pub fn range(&self, name: &str) -> Option<crate::load::kb::TrustRange> {
        let own = match name {
            "untrusted" => &self.untrusted,
            "partly-trusted" => &self.partly_trusted,
            "trusted" => &self.trusted,
            _ => return None,
        };
        own.as_ref().map(|r| r.value).or_else(|| {
            crate::load::kb::TRUST_LEVELS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, r)| *r)
        })
    }
}

/// A trust zone: a region of equal trust, bounded by a trust boundary.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawZone {
    /// Unique kebab-case id.
    #[schemars(regex(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: Sp<String>,
    pub name: Sp<String>,
    /// 0 = untrusted (the internet) … 10 = most trusted.
    #[schemars(range(min = 0, max = 10))]
    pub trust: Sp<u8>,
    /// The id of the zone this one lies in.
    pub inside: Option<Sp<String>>,
    /// Markdown.
    pub description: Option<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// A component: an element of the data-flow diagram.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    /// Unique kebab-case id.
    #[schemars(regex(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: Sp<String>,
    pub name: Sp<String>,
    pub kind: Sp<ComponentKind>,
    /// The id of the zone the component runs in.
    pub zone: Sp<String>,
    /// What it is built with ("FastAPI", "PostgreSQL 16").
    pub technology: Option<Sp<String>>,
    /// Free-form labels.
    #[serde(default)]
    pub tags: Vec<Sp<String>>,
    /// External entities: `human` (a person at a browser or app) or `system` (software).
    /// When left out, knowledge bases infer it from the name, technology and tags.
    pub actor: Option<Sp<Actor>>,
    /// Markdown.
    pub description: Option<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// An asset: data the system holds or moves.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAsset {
    /// Unique kebab-case id.
    #[schemars(regex(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: Sp<String>,
    pub name: Sp<String>,
    pub classification: Sp<Classification>,
    /// Markdown.
    pub description: Option<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// A data flow from one component to another.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFlow {
    /// Unique kebab-case id.
    #[schemars(regex(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: Sp<String>,
    pub name: Sp<String>,
    /// The id of the component the data leaves.
    pub from: Sp<String>,
    /// The id of the component the data reaches.
    pub to: Sp<String>,
    /// "HTTPS", "gRPC", "in-process" …
    pub protocol: Option<Sp<String>>,
    /// Ids of the assets the flow carries.
    #[serde(default)]
    pub data: Vec<Sp<String>>,
    /// Whether the channel is encrypted (default false).
    pub encrypted: Option<Sp<bool>>,
    /// Whether the sender is authenticated (default false).
    pub authenticated: Option<Sp<bool>>,
    /// Markdown.
    pub description: Option<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// A threat: something that can go wrong on components or flows.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawThreat {
    /// Unique kebab-case id.
    #[schemars(regex(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: Sp<String>,
    pub title: Sp<String>,
    pub category: Sp<Category>,
    /// Ids of the components and flows the threat applies to.
    #[schemars(length(min = 1))]
    pub targets: Vec<Sp<String>>,
    pub severity: Sp<Severity>,
    /// How likely the threat is; with `impact` it gives the risk (see the risk matrix).
    pub likelihood: Option<Sp<Level>>,
    /// How bad it would be; with `likelihood` it gives the risk.
    pub impact: Option<Sp<Level>>,
    /// CWE numbers (79 for CWE-79).
    #[serde(default)]
    pub cwe: Vec<Sp<u32>>,
    /// CAPEC numbers.
    #[serde(default)]
    pub capec: Vec<Sp<u32>>,
    /// Markdown.
    pub description: Option<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// A mitigation: a control that addresses one or more threats.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMitigation {
    /// Unique kebab-case id.
    #[schemars(regex(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: Sp<String>,
    pub title: Sp<String>,
    /// Ids of the threats it addresses.
    #[serde(default)]
    pub mitigates: Vec<Sp<String>>,
    pub status: Sp<Status>,
    /// How many risk levels it lowers its threats' risk once implemented or verified
    /// (default 1).
    #[schemars(range(min = 0, max = 3))]
    pub reduces: Option<Sp<u8>>,
    /// What must hold of the elements it is on for it to protect; an implemented or
    /// verified mitigation whose requirement the model contradicts does not count.
    #[serde(default)]
    pub requires: crate::kinds::Requires,
    /// Who is responsible for it.
    pub owner: Option<Sp<String>>,
    /// Links or citations: standards, tickets, evidence.
    #[serde(default)]
    pub references: Vec<Sp<String>>,
    /// Markdown.
    pub description: Option<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// A risk accepted instead of mitigated, until a date.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAcceptance {
    /// The id of the accepted threat.
    pub threat: Sp<String>,
    /// Markdown: why the risk is acceptable.
    pub justification: Sp<String>,
    /// Who accepted it.
    pub approved_by: Sp<String>,
    /// The last day the acceptance holds.
    pub expires: Sp<Date>,
    #[serde(skip)]
    pub span: Span,
}

/// A review sign-off: a reviewer's decision on the model, on a day.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReview {
    /// Who reviewed the model.
    pub reviewer: Sp<String>,
    /// The day of the review.
    pub date: Sp<Date>,
    /// What the review covered ("whole model", "payment flows").
    pub scope: Option<Sp<String>>,
    /// `approved` or `changes-requested`.
    pub decision: Sp<Decision>,
    /// Markdown: what the reviewer said.
    pub notes: Option<Sp<String>>,
    /// The state of the model the review looked at (`sha256:` and 64 hex digits):
    /// `threatbook review` computes it; `check --require-review` compares it with the
    /// model's current state.
    pub state: Option<Sp<ModelState>>,
    #[serde(skip)]
    pub span: Span,
}

/// A STRIDE category, or a knowledge-base pattern, marked as not applicable to one
/// element, with the reason. Give `category` or `pattern`, not both.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNotApplicable {
    /// The id of the component or flow.
    pub element: Sp<String>,
    /// The STRIDE category that does not apply to it.
    pub category: Option<Sp<Category>>,
    /// The id of a knowledge-base pattern that is not to be instantiated on it.
    pub pattern: Option<Sp<String>>,
    /// Markdown: why the category does not apply.
    pub justification: Sp<String>,
    #[serde(skip)]
    pub span: Span,
}

/// The status a model gives a mitigation recommended by a knowledge base.
#[derive(Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMitigationStatus {
    /// The id of a knowledge base's mitigation.
    pub mitigation: Sp<String>,
    /// Only on these components or flows (default: everywhere it is recommended).
    pub elements: Option<Vec<Sp<String>>>,
    pub status: Sp<Status>,
    /// Who is responsible for it.
    pub owner: Option<Sp<String>>,
    /// Links or citations that show the status.
    #[serde(default)]
    pub evidence: Vec<Sp<String>>,
    #[serde(skip)]
    pub span: Span,
}

pub(super) fn id(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<Sp<String>> {
    let id = r.required::<String>("id", diags)?;
    if is_kebab_case(&id.value) {
        return Some(id);
    }
    let mut d = Diagnostic::at(
        Code::InvalidId,
        id.span,
        format!("`{}` is not a kebab-case id", id.value),
    )
    .with_label("not kebab-case");
    let suggestion = to_kebab_case(&id.value);
    if !suggestion.is_empty() {
        d = d.with_help(format!("write `{suggestion}`"));
    }
    diags.push(d);
    None
}

/// A required string that must say something: empty or blank text is `invalid-value`.
pub(super) fn text(
    r: &mut TableReader<'_, '_>,
    key: &'static str,
    diags: &mut Diagnostics,
) -> Option<Sp<String>> {
    let value = r.required::<String>(key, diags)?;
    if !value.value.trim().is_empty() {
        return Some(value);
    }
    diags.push(
        Diagnostic::at(
            Code::InvalidValue,
            value.span,
            format!("`{key}` must not be empty"),
        )
        .with_label("empty"),
    );
    None
}

pub(super) fn choice<T: crate::kinds::Choice>(
    r: &mut TableReader<'_, '_>,
    key: &'static str,
    diags: &mut Diagnostics,
) -> Option<Sp<T>> {
    r.required::<OneOf<T>>(key, diags)
        .map(|v| Sp::new(v.value.0, v.span))
}

pub(super) fn optional_choice<T: crate::kinds::Choice>(
    r: &mut TableReader<'_, '_>,
    key: &'static str,
    diags: &mut Diagnostics,
) -> Option<Sp<T>> {
    r.optional::<OneOf<T>>(key, diags)
        .map(|v| Sp::new(v.value.0, v.span))
}

pub(super) fn number_in<T: TryFrom<i64>>(
    v: Sp<i64>,
    key: &str,
    range: std::ops::RangeInclusive<i64>,
    diags: &mut Diagnostics,
) -> Option<Sp<T>> {
    match T::try_from(v.value) {
        Ok(n) if range.contains(&v.value) => Some(Sp::new(n, v.span)),
        _ => {
            diags.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    v.span,
                    format!(
                        "{key}: {} is out of range {}..={}",
                        v.value,
                        range.start(),
                        range.end()
                    ),
                )
                .with_label("out of range"),
            );
            None
        }
    }
}

pub(super) fn numbers(
    r: &mut TableReader<'_, '_>,
    key: &'static str,
    diags: &mut Diagnostics,
) -> Vec<Sp<u32>> {
    let list = r.list::<i64>(key, diags);
    list.into_iter()
        .filter_map(|v| number_in::<u32>(v, key, 1..=999_999, diags))
        .collect()
}

/// Reads `[project]`.
pub fn read_project(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<RawProject> {
    let name = text(r, "name", diags);
    let project = RawProject {
        version: r.optional("version", diags),
        description: r.optional("description", diags),
        objective: r.optional("objective", diags),
        scope: r.optional("scope", diags),
        methodology: r.optional("methodology", diags),
        conclusion: r.optional("conclusion", diags),
        owners: r.list("owners", diags),
        name: name?,
        span: r.span(),
    };
    Some(project)
}

/// Reads one `[[zone]]`.
pub fn read_zone(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<RawZone> {
    let id = id(r, diags);
    let name = text(r, "name", diags);
    let trust = r
        .required::<i64>("trust", diags)
        .and_then(|t| number_in::<u8>(t, "trust", 0..=10, diags));
    let inside = r.optional("inside", diags);
    let description = r.optional("description", diags);
    Some(RawZone {
        id: id?,
        name: name?,
        trust: trust?,
        inside,
        description,
        span: r.span(),
    })
}

/// Reads one `[[component]]`.
pub fn read_component(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
) -> Option<RawComponent> {
    let id = id(r, diags);
    let name = text(r, "name", diags);
    let kind = choice(r, "kind", diags);
    let zone = r.required::<String>("zone", diags);
    let technology = r.optional("technology", diags);
    let tags = r.list("tags", diags);
    let actor = optional_choice(r, "actor", diags);
    let description = r.optional("description", diags);
    Some(RawComponent {
        id: id?,
        name: name?,
        kind: kind?,
        zone: zone?,
        technology,
        tags,
        actor,
        description,
        span: r.span(),
    })
}

/// Reads one `[[asset]]`.
pub fn read_asset(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<RawAsset> {
    let id = id(r, diags);
    let name = text(r, "name", diags);
    let classification = choice(r, "classification", diags);
    let description = r.optional("description", diags);
    Some(RawAsset {
        id: id?,
        name: name?,
        classification: classification?,
        description,
        span: r.span(),
    })
}

/// Reads one `[[flow]]`.
pub fn read_flow(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<RawFlow> {
    let id = id(r, diags);
    let name = text(r, "name", diags);
    let from = r.required::<String>("from", diags);
    let to = r.required::<String>("to", diags);
    let protocol = r.optional("protocol", diags);
    let data = r.list("data", diags);
    let encrypted = r.optional("encrypted", diags);
    let authenticated = r.optional("authenticated", diags);
    let description = r.optional("description", diags);
    Some(RawFlow {
        id: id?,
        name: name?,
        from: from?,
        to: to?,
        protocol,
        data,
        encrypted,
        authenticated,
        description,
        span: r.span(),
    })
}

/// Reads one `[[threat]]`.
pub fn read_threat(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<RawThreat> {
    let id = id(r, diags);
    let title = text(r, "title", diags);
    let category = choice(r, "category", diags);
    let targets = r.non_empty_list("targets", diags);
    let severity = choice(r, "severity", diags);
    let likelihood = optional_choice(r, "likelihood", diags);
    let impact = optional_choice(r, "impact", diags);
    let cwe = numbers(r, "cwe", diags);
    let capec = numbers(r, "capec", diags);
    let description = r.optional("description", diags);
    Some(RawThreat {
        id: id?,
        title: title?,
        category: category?,
        targets: targets?,
        severity: severity?,
        likelihood,
        impact,
        cwe,
        capec,
        description,
        span: r.span(),
    })
}

/// Reads one `[[mitigation]]`.
pub fn read_mitigation(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
) -> Option<RawMitigation> {
    let id = id(r, diags);
    let title = text(r, "title", diags);
    let mitigates = r.list("mitigates", diags);
    let status = choice(r, "status", diags);
    let reduces = r
        .optional::<i64>("reduces", diags)
        .and_then(|v| number_in::<u8>(v, "reduces", 0..=3, diags));
    let requires = requires(r, diags);
    let owner = r.optional("owner", diags);
    let references = r.list("references", diags);
    let description = r.optional("description", diags);
    Some(RawMitigation {
        id: id?,
        title: title?,
        mitigates,
        status: status?,
        reduces,
        requires: requires?,
        owner,
        references,
        description,
        span: r.span(),
    })
}

/// `requires = { encrypted = true, … }` of a mitigation: nothing when absent, `None`
/// after reporting a malformed table.
pub fn requires(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
) -> Option<crate::kinds::Requires> {
    let mut out = crate::kinds::Requires::default();
    let Some(value) = r.optional_value("requires") else {
        return Some(out);
    };
    let mut t = TableReader::of_value(r.origin(), value, "requires table", diags)?;
    let encrypted = t.optional::<bool>("encrypted", diags);
    let authenticated = t.optional::<bool>("authenticated", diags);
    let before = diags.count(crate::diag::Severity::Error);
    t.finish(diags);
    out.encrypted = encrypted.map(|v| v.value);
    out.authenticated = authenticated.map(|v| v.value);
    (diags.count(crate::diag::Severity::Error) == before).then_some(out)
}

/// Reads one `[[acceptance]]`.
pub fn read_acceptance(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
) -> Option<RawAcceptance> {
    let threat = r.required::<String>("threat", diags);
    let justification = text(r, "justification", diags);
    let approved_by = text(r, "approved_by", diags);
    let expires = r.required::<Date>("expires", diags);
    Some(RawAcceptance {
        threat: threat?,
        justification: justification?,
        approved_by: approved_by?,
        expires: expires?,
        span: r.span(),
    })
}

/// Reads one `[[review]]`.
pub fn read_review(r: &mut TableReader<'_, '_>, diags: &mut Diagnostics) -> Option<RawReview> {
    let reviewer = r.required::<String>("reviewer", diags);
    let date = r.required::<Date>("date", diags);
    let scope = r.optional("scope", diags);
    let decision = choice(r, "decision", diags);
    let notes = r.optional("notes", diags);
    let state = r.optional("state", diags);
    Some(RawReview {
        reviewer: reviewer?,
        date: date?,
        scope,
        decision: decision?,
        notes,
        state,
        span: r.span(),
    })
}

/// Reads one `[[not-applicable]]`.
pub fn read_not_applicable(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
) -> Option<RawNotApplicable> {
    let element = r.required::<String>("element", diags);
    let category = optional_choice(r, "category", diags);
    let pattern = r.optional::<String>("pattern", diags);
    let justification = text(r, "justification", diags);
    let which = match (&category, &pattern) {
        (Some(_), Some(p)) => {
            diags.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    p.span,
                    "a [[not-applicable]] names a `category` or a `pattern`, not both",
                )
                .with_label("remove this or `category`"),
            );
            false
        }
        (None, None) if r.value_span("category").is_none() => {
            diags.push(
                Diagnostic::at(
                    Code::MissingField,
                    r.span(),
                    "this not-applicable names neither a `category` nor a `pattern`",
                )
                .with_label("`category` or `pattern` missing here")
                .with_help("add `category = \"spoofing\"` (a STRIDE category) or `pattern = \"…\"` (a knowledge-base pattern id)"),
            );
            false
        }
        (None, None) => false, // the category was there but wrong: already reported
        _ => true,
    };
    let (element, justification) = (element?, justification?);
    which.then(|| RawNotApplicable {
        element,
        category,
        pattern,
        justification,
        span: r.span(),
    })
}

/// Reads one `[[mitigation-status]]`.
pub fn read_mitigation_status(
    r: &mut TableReader<'_, '_>,
    diags: &mut Diagnostics,
) -> Option<RawMitigationStatus> {
    let mitigation = r.required::<String>("mitigation", diags);
    r.known(&["elements"]);
    let elements = r
        .value_span("elements")
        .map(|_| r.non_empty_list::<String>("elements", diags));
    let status = choice(r, "status", diags);
    let owner = r.optional("owner", diags);
    let evidence = r.list("evidence", diags);
    Some(RawMitigationStatus {
        mitigation: mitigation?,
        elements: match elements {
            Some(list) => Some(list?),
            None => None,
        },
        status: status?,
        owner,
        evidence,
        span: r.span(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_case_ids() {
        for ok in ["a", "api-gateway", "t1", "x-2-y"] {
            assert!(is_kebab_case(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "Api", "a_b", "a b", "é"] {
            assert!(!is_kebab_case(bad), "{bad}");
        }
        assert_eq!(to_kebab_case("API Gateway"), "api-gateway");
        assert_eq!(to_kebab_case("orderService_v2"), "order-service-v2");
    }

    #[test]
    fn kebab_case_knows_acronyms() {
        for (text, want) in [
            ("isALog", "is-a-log"),
            ("HTTPServer", "http-server"),
            ("userID", "user-id"),
            ("OAuth2Token", "oauth2-token"),
            ("XMLHttpRequest", "xml-http-request"),
            ("ABTest", "ab-test"),
            ("handlesCardPayment", "handles-card-payment"),
            ("storesPII", "stores-pii"),
            ("Web Client", "web-client"),
            ("v2Api", "v2-api"),
            ("  --Already-kebab--  ", "already-kebab"),
            ("Ünïcode ✓", "n-code"),
            ("", ""),
        ] {
            assert_eq!(to_kebab_case(text), want, "{text:?}");
            assert!(want.is_empty() || is_kebab_case(want), "{want}");
        }
    }

    #[test]
    fn a_bad_likelihood_or_reduces_is_an_invalid_value() {
        let model = "[[zone]]\nid = \"z\"\nname = \"Z\"\ntrust = 1\n\
            [[component]]\nid = \"c\"\nname = \"C\"\nkind = \"process\"\nzone = \"z\"\n\
            [[threat]]\nid = \"t\"\ntitle = \"T\"\ncategory = \"tampering\"\ntargets = [\"c\"]\n\
            severity = \"low\"\nlikelihood = \"often\"\n\
            [[mitigation]]\nid = \"m\"\ntitle = \"M\"\nmitigates = [\"t\"]\nstatus = \"verified\"\nreduces = 4\n";
        let p = crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"t\"\n"),
            ("m.toml", model),
        ]);
        let told: Vec<String> = p
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::InvalidValue)
            .map(|d| format!("{} {:?}", d.message, d.help))
            .collect();
        assert!(
            told.iter()
                .any(|t| t.contains("`often`") && t.contains("critical")),
            "{told:?}"
        );
        assert!(
            told.iter()
                .any(|t| t.contains("reduces: 4 is out of range 0..=3")),
            "{told:?}"
        );
        assert!(p.model.is_none());
    }

    #[test]
    fn a_review_with_an_unknown_decision_or_no_date_is_reported() {
        let model = "[[review]]\nreviewer = \"ana\"\ndecision = \"maybe\"\nmood = 1\n";
        let p = crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"t\"\n"),
            ("m.toml", model),
        ]);
        let codes: Vec<Code> = p.diagnostics.iter().map(|d| d.code).collect();
        assert!(codes.contains(&Code::MissingField), "{codes:?}");
        assert!(codes.contains(&Code::UnknownField), "{codes:?}");
        let invalid = p
            .diagnostics
            .iter()
            .find(|d| d.code == Code::InvalidValue)
            .expect("the decision is reported");
        let told = format!("{} {:?}", invalid.message, invalid.help);
        assert!(
            told.contains("`maybe`") && told.contains("changes-requested"),
            "{told}"
        );
        assert!(p.model.is_none());
    }
}
