//! View structs: what templates see. They borrow from the model and carry cross
//! references as indices into the report's lists (`threats[i]`, `flows[i]`,
//! `mitigations[i]`), so that each entity is serialised once, however often the document
//! mentions it. Templates never see the model itself.
//!
//! A template that can only see these structs cannot depend on the model's internals;
//! changing the model does not break user templates as long as the views stay.

use serde::Serialize;

use crate::check::Summary;
use crate::diag::Diagnostic;
use crate::model::{
    Category, Choice, ComponentId, Coverage, Date, FlowId, Level, MitigationId, Model, Target,
    ThreatId,
};
use crate::source::Sources;

/// Everything a report template can use.
#[derive(Serialize)]
pub struct ReportView<'a> {
    /// `full`, or `summary`: knowledge-base threats grouped by pattern and their
    /// mitigations by recommendation, each text once.
    pub detail: &'static str,
    pub project: ProjectView<'a>,
    /// The date coverage was judged on.
    pub today: String,
    /// Set only when a timestamp was asked for.
    pub generated: Option<String>,
    pub summary: Summary,
    pub zones: Vec<ZoneView<'a>>,
    pub components: Vec<ComponentView<'a>>,
    pub assets: Vec<AssetView<'a>>,
    pub flows: Vec<FlowView<'a>>,
    #[serde(serialize_with = "threats_for_templates")]
    pub threats: Vec<ThreatView<'a>>,
    #[serde(serialize_with = "mitigations_for_templates")]
    pub mitigations: Vec<MitigationView<'a>>,
    pub acceptances: Vec<AcceptanceView<'a>>,
    /// Indices of the threats with at least one flow among their targets.
    pub flow_threats: Vec<usize>,
    /// Of those, the ones the flows section shows in full: all in a full report; in a
    /// summary those written in the model.
    pub listed_flow_threats: Vec<usize>,
    /// Indices of the mitigations of those threats.
    pub flow_mitigations: Vec<usize>,
    /// Indices of the mitigations written in the model (not recommended by a knowledge
    /// base), in model order.
    pub own_mitigations: Vec<usize>,
    /// Threat counts per coverage state, in [`Coverage::REPORT_ORDER`], zeros included.
    pub states: Vec<StateCount>,
    /// Indices of the threats with no mitigation and no valid acceptance (states
    /// uncovered and acceptance expired), most severe first.
    pub uncovered: Vec<usize>,
    /// Indices of all threats, highest residual risk first (then highest inherent risk,
    /// then model order).
    pub by_risk: Vec<usize>,
    /// Indices of the threats the coverage table lists, in the order of `by_risk`:
    /// every one in a full report; in a summary those written in the model and those
    /// with no mitigation and no valid acceptance.
    pub listed_by_risk: Vec<usize>,
    /// Threat counts per residual risk level, critical first.
    pub risk_summary: Vec<RiskCount>,
    /// The first attack paths (at most [`TOP_PATHS`]), fully unprotected ones first;
    /// empty when the model has none.
    pub attack_paths: Vec<PathView<'a>>,
    /// Threat counts per STRIDE category.
    pub categories: Vec<CategoryCount>,
    /// Check findings (warnings and errors) with positions.
    pub findings: Vec<FindingView<'a>>,
    /// A Mermaid flowchart of the model, when one was drawn.
    pub mermaid: Option<String>,
    /// The data-flow diagram as inline SVG, when one was drawn.
    pub svg: Option<String>,
    /// Review sign-offs, oldest first.
    pub reviews: Vec<ReviewView<'a>>,
    /// The knowledge bases the model uses, their patterns, and the not-applicable marks.
    pub knowledge: KnowledgeView<'a>,
}

/// How many threats are in one coverage state.
#[derive(Serialize)]
pub struct StateCount {
    /// `mitigated`, `proposed-only`, … (a CSS class too).
    pub state: &'static str,
    /// `Mitigated`, `Proposed only`, …
    pub label: &'static str,
    /// What a threat in this state has, in words.
    pub meaning: &'static str,
    pub count: usize,
    /// `count` over all the threats counted, in whole percent rounded down.
    pub percent: u8,
}

/// Counts per state of the threats in `of`, in report order; zeros kept unless
/// `skip_zeros`.
pub(crate) fn state_counts(
    coverage: &[Coverage],
    of: impl Iterator<Item = usize>,
    skip_zeros: bool,
) -> Vec<StateCount> {
    let mut by = [0usize; Coverage::ALL.len()];
    let mut total = 0;
    for i in of {
        by[coverage[i] as usize] += 1;
        total += 1;
    }
    Coverage::REPORT_ORDER
        .iter()
        .filter(|c| !skip_zeros || by[**c as usize] > 0)
        .map(|c| StateCount {
            state: c.as_str(),
            label: c.label(),
            meaning: c.meaning(),
            count: by[*c as usize],
            percent: crate::check::percent_of(by[*c as usize], total),
        })
        .collect()
}

/// The knowledge bases of a report's model, and its not-applicable marks.
#[derive(Serialize)]
pub struct KnowledgeView<'a> {
    pub bases: Vec<KbView<'a>>,
    /// Every pattern of every knowledge base; threats point here with `pattern`.
    pub patterns: Vec<PatternView<'a>>,
    /// `[[not-applicable]]` marks, in model order.
    pub not_applicable: Vec<NotApplicableView<'a>>,
    /// Every recommended mitigation of every knowledge base.
    pub recommendations: Vec<RecommendationView<'a>>,
}

/// A knowledge base as a report shows it.
#[derive(Serialize)]
pub struct KbView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub version: Option<&'a str>,
    /// `bundled` or its folder.
    pub origin: &'a str,
    pub description: Option<&'a str>,
    /// Indices into `knowledge.patterns`.
    pub patterns: Vec<usize>,
    /// How many mitigations it recommends.
    pub mitigations: usize,
}

/// A pattern as a report shows it.
#[derive(Serialize)]
pub struct PatternView<'a> {
    pub id: &'a str,
    /// The id of its knowledge base.
    pub kb: &'a str,
    pub title: &'a str,
    pub category: &'static str,
    pub category_title: &'static str,
    pub severity: &'static str,
    pub cwe: &'a [u32],
    pub capec: &'a [u32],
    /// Its selectors, as the knowledge base wrote them.
    pub applies_to: &'a [String],
    /// How many threats it produced in this model.
    pub instances: usize,
    pub description: Option<&'a str>,
    /// The threats it produced, by index.
    pub threats: Vec<usize>,
    /// How many of them are in each coverage state (states with none left out).
    pub states: Vec<StateCount>,
    /// Ids of the patterns of other knowledge bases it refines.
    pub refines: Vec<&'a str>,
}

/// A mitigation a knowledge base recommends, as a summary report shows it once.
#[derive(Serialize)]
pub struct RecommendationView<'a> {
    pub id: &'a str,
    pub kb: &'a str,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub references: &'a [String],
    /// Ids of equivalent mitigations of other knowledge bases.
    pub same_as: Vec<&'a str>,
    /// Its instances (indices into `mitigations`), one per element.
    pub mitigations: Vec<usize>,
}

/// A `[[not-applicable]]` mark.
#[derive(Serialize)]
pub struct NotApplicableView<'a> {
    pub element: &'a str,
    pub category: &'static str,
    /// The pattern id, for a mark of one pattern rather than a whole category.
    pub pattern: Option<&'a str>,
    pub justification: &'a str,
}

/// A `[[review]]` as the report shows it.
#[derive(Serialize)]
pub struct ReviewView<'a> {
    pub reviewer: &'a str,
    pub date: String,
    pub scope: Option<&'a str>,
    pub decision: &'static str,
    pub notes: Option<&'a str>,
}

#[derive(Serialize)]
pub struct ProjectView<'a> {
    pub name: &'a str,
    pub version: Option<&'a str>,
    pub description: Option<&'a str>,
    pub objective: Option<&'a str>,
    pub scope: Option<&'a str>,
    pub methodology: Option<&'a str>,
    pub conclusion: Option<&'a str>,
    pub owners: &'a [String],
}

#[derive(Serialize)]
pub struct ZoneView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub trust: u8,
    pub inside: Option<&'a str>,
    pub depth: u32,
    pub description: Option<&'a str>,
    /// Ids of the components directly in this zone.
    pub components: Vec<&'a str>,
}

#[derive(Serialize)]
pub struct ComponentView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub kind: &'static str,
    pub zone: &'a str,
    pub zone_name: &'a str,
    pub technology: Option<&'a str>,
    pub tags: &'a [String],
    pub description: Option<&'a str>,
    /// Indices into `threats`.
    pub threats: &'a [ThreatId],
    /// Of those, the ones written in the model, and the ones made from knowledge bases
    /// (a summary lists the second kind by pattern).
    pub own_threats: Vec<usize>,
    pub kb_threats: Vec<usize>,
    /// Indices into `mitigations`: the mitigations of this component's threats, once each.
    pub mitigations: Vec<MitigationId>,
    /// Indices into `flows`.
    pub flows_in: Vec<usize>,
    pub flows_out: Vec<usize>,
}

#[derive(Serialize)]
pub struct AssetView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub classification: &'static str,
    pub description: Option<&'a str>,
}

#[derive(Serialize)]
pub struct FlowView<'a> {
    /// 1-based number, as the diagrams label flows.
    pub number: usize,
    pub id: &'a str,
    pub name: &'a str,
    /// Component ids.
    pub from: &'a str,
    pub to: &'a str,
    pub protocol: Option<&'a str>,
    /// Asset ids.
    pub data: Vec<&'a str>,
    pub encrypted: bool,
    pub authenticated: bool,
    pub description: Option<&'a str>,
    /// `inbound`, `outbound` or `lateral` when the flow crosses a trust boundary.
    pub crossing: Option<&'static str>,
    pub from_zone: &'a str,
    pub to_zone: &'a str,
    /// Indices into `threats`.
    pub threats: &'a [ThreatId],
}

#[derive(Serialize)]
pub struct ThreatView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub category: &'static str,
    pub category_title: &'static str,
    pub severity: &'static str,
    /// Likelihood and impact by the risk matrix, or the severity.
    pub risk: &'static str,
    /// The risk left after implemented or verified mitigations.
    pub residual_risk: &'static str,
    pub cwe: &'a [u32],
    pub capec: &'a [u32],
    /// Its coverage state: `mitigated`, `accepted`, `not-applicable`, `planned`,
    /// `proposed-only`, `acceptance-expired` or `uncovered`.
    pub coverage: &'static str,
    /// The state in words (`proposed only`).
    pub coverage_label: &'static str,
    /// No mitigation and no valid acceptance (uncovered or acceptance expired).
    pub uncovered: bool,
    pub description: Option<&'a str>,
    /// Ids of the components and flows it targets.
    pub targets: Vec<&'a str>,
    /// The same targets with their names and kinds, for links.
    pub target_links: Vec<TargetLink<'a>>,
    /// Indices into `mitigations`.
    pub mitigations: &'a [MitigationId],
    /// Indices into `acceptances`.
    pub acceptances: Vec<usize>,
    /// Index into `knowledge.patterns` of the pattern it was instantiated from.
    pub pattern: Option<usize>,
    /// Ids of the patterns of other knowledge bases it replaced on its element.
    pub replaces: Vec<&'a str>,
    /// For a knowledge base's threat, which part of it templates see: all of it, or
    /// only what a summary ([`CompactThreat`]) or a site page ([`SiteThreat`]) shows.
    #[serde(skip)]
    pub compact: Compact,
}

/// How much of a knowledge-base instance a view hands to templates: the template
/// engine copies every field it is given, and instances are most of a large model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compact {
    /// Every field.
    #[default]
    No,
    /// What the summary report shows of an instance.
    Summary,
    /// What the site's pattern, mitigation, component and flow pages show.
    Site,
}

/// What the site's templates see of a knowledge base's threat.
#[derive(Serialize)]
pub struct SiteThreat<'v, 'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub category_title: &'static str,
    pub severity: &'static str,
    pub residual_risk: &'static str,
    pub coverage: &'static str,
    pub coverage_label: &'static str,
    pub target_links: &'v [TargetLink<'a>],
    pub mitigations: &'a [MitigationId],
    pub acceptances: &'v [usize],
    pub pattern: Option<usize>,
}

/// What the site's templates see of a knowledge base's mitigation.
#[derive(Serialize)]
pub struct SiteMitigation<'v, 'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub status: &'static str,
    pub owner: Option<&'a str>,
    pub element: Option<&'a str>,
    pub evidence: &'a [String],
    pub threat_indices: &'a [ThreatId],
    pub contradicted_by: &'v [&'a str],
}

/// What templates see of a knowledge base's threat in a summary view, which gives the
/// rest once, with its pattern: a quarter of the template engine's memory per instance.
#[derive(Serialize)]
pub struct CompactThreat<'v, 'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub category: &'static str,
    pub severity: &'static str,
    pub risk: &'static str,
    pub residual_risk: &'static str,
    pub coverage: &'static str,
    pub coverage_label: &'static str,
    pub uncovered: bool,
    pub targets: &'v [&'a str],
    pub mitigations: &'a [MitigationId],
    pub pattern: Option<usize>,
}

/// What templates see of a knowledge base's mitigation in a summary view.
#[derive(Serialize)]
pub struct CompactMitigation<'v, 'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub status: &'static str,
    pub owner: Option<&'a str>,
    pub element: Option<&'a str>,
    pub recommendation: Option<usize>,
    pub contradicted_by: &'v [&'a str],
}

fn threats_for_templates<S: serde::Serializer>(
    threats: &[ThreatView<'_>],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(threats.iter().map(TemplateThreat))
}

fn mitigations_for_templates<S: serde::Serializer>(
    mitigations: &[MitigationView<'_>],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(mitigations.iter().map(TemplateMitigation))
}

/// One threat as templates get it: all of it, or its compact form.
struct TemplateThreat<'v, 'a>(&'v ThreatView<'a>);

impl Serialize for TemplateThreat<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        match t.compact {
            Compact::Summary => CompactThreat {
                id: t.id,
                title: t.title,
                category: t.category,
                severity: t.severity,
                risk: t.risk,
                residual_risk: t.residual_risk,
                coverage: t.coverage,
                coverage_label: t.coverage_label,
                uncovered: t.uncovered,
                targets: &t.targets,
                mitigations: t.mitigations,
                pattern: t.pattern,
            }
            .serialize(s),
            Compact::Site => SiteThreat {
                id: t.id,
                title: t.title,
                category_title: t.category_title,
                severity: t.severity,
                residual_risk: t.residual_risk,
                coverage: t.coverage,
                coverage_label: t.coverage_label,
                target_links: &t.target_links,
                mitigations: t.mitigations,
                acceptances: &t.acceptances,
                pattern: t.pattern,
            }
            .serialize(s),
            Compact::No => t.serialize(s),
        }
    }
}

/// One mitigation as templates get it: all of it, or its compact form.
struct TemplateMitigation<'v, 'a>(&'v MitigationView<'a>);

impl Serialize for TemplateMitigation<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        match x.compact {
            Compact::Summary => CompactMitigation {
                id: x.id,
                title: x.title,
                status: x.status,
                owner: x.owner,
                element: x.element,
                recommendation: x.recommendation,
                contradicted_by: &x.contradicted_by,
            }
            .serialize(s),
            Compact::Site => SiteMitigation {
                id: x.id,
                title: x.title,
                status: x.status,
                owner: x.owner,
                element: x.element,
                evidence: x.evidence,
                threat_indices: x.threat_indices,
                contradicted_by: &x.contradicted_by,
            }
            .serialize(s),
            Compact::No => x.serialize(s),
        }
    }
}

/// A threat's target as a link needs it.
#[derive(Serialize)]
pub struct TargetLink<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// `component` or `flow`.
    pub kind: &'static str,
    /// Where its page or row is, relative to a model's folder in the site.
    pub href: String,
}

#[derive(Serialize)]
pub struct MitigationView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub status: &'static str,
    pub owner: Option<&'a str>,
    pub description: Option<&'a str>,
    /// Ids of the threats it addresses.
    pub threats: Vec<&'a str>,
    /// The same threats, as indices into `threats`.
    pub threat_indices: &'a [ThreatId],
    pub references: &'a [String],
    /// Ids of the equivalent mitigations of other knowledge bases it stands for.
    pub also: Vec<&'a str>,
    /// For a knowledge base's mitigation, the element it is recommended on.
    pub element: Option<&'a str>,
    /// For a knowledge base's mitigation, its index in `knowledge.recommendations`.
    pub recommendation: Option<usize>,
    /// Links or citations that show its status.
    pub evidence: &'a [String],
    /// Whether it protects today: implemented or verified, and not contradicted.
    pub effective: bool,
    /// For an implemented or verified mitigation, the ids of the flows that contradict
    /// what it requires (empty when none do, and for one still to do).
    pub contradicted_by: Vec<&'a str>,
    /// For a knowledge base's mitigation, which part of it templates see (as for
    /// threats: [`CompactMitigation`], [`SiteMitigation`]).
    #[serde(skip)]
    pub compact: Compact,
}

#[derive(Serialize)]
pub struct AcceptanceView<'a> {
    pub threat: &'a str,
    pub threat_title: &'a str,
    pub justification: &'a str,
    pub approved_by: &'a str,
    pub expires: String,
    pub expired: bool,
}

/// How many attack paths a report shows.
pub const TOP_PATHS: usize = 5;

/// An attack path as the report shows it.
#[derive(Serialize)]
pub struct PathView<'a> {
    /// Component ids, source first.
    pub components: Vec<&'a str>,
    /// Flow ids, in order.
    pub flows: Vec<&'a str>,
    /// Indices into `threats` of the threats on the path that are neither mitigated,
    /// accepted nor not applicable.
    pub open_threats: Vec<usize>,
    /// Its steps, one per flow: how protected each is and its residual risk.
    pub steps: Vec<StepView<'a>>,
    /// No step is protected, even partly.
    pub unprotected: bool,
}

/// A step of an attack path: a flow and the component it reaches.
#[derive(Serialize)]
pub struct StepView<'a> {
    pub flow: &'a str,
    /// `protected`, `partial` or `unprotected`.
    pub protection: &'static str,
    /// The highest residual risk among its threats; none without threats.
    pub residual_risk: Option<&'static str>,
}

/// How many threats have a residual risk level.
#[derive(Serialize)]
pub struct RiskCount {
    pub level: &'static str,
    pub count: usize,
}

#[derive(Serialize)]
pub struct CategoryCount {
    pub category: &'static str,
    pub title: &'static str,
    pub count: usize,
}

#[derive(Serialize)]
pub struct FindingView<'a> {
    /// The id of the component or flow the finding is at, when it is at one.
    pub element: Option<&'a str>,
    /// Whether the previous finding is at the same element: reports group an element's
    /// findings and name the element once.
    pub continues: bool,
    pub code: &'static str,
    pub severity: &'static str,
    pub message: &'a str,
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// The names of a report context's top-level values: the fields of [`ReportView`], in
/// their order.
pub const CONTEXT_KEYS: [&str; 28] = [
    "detail",
    "project",
    "today",
    "generated",
    "summary",
    "zones",
    "components",
    "assets",
    "flows",
    "threats",
    "mitigations",
    "acceptances",
    "flow_threats",
    "listed_flow_threats",
    "flow_mitigations",
    "own_mitigations",
    "states",
    "uncovered",
    "by_risk",
    "listed_by_risk",
    "risk_summary",
    "attack_paths",
    "categories",
    "findings",
    "mermaid",
    "svg",
    "reviews",
    "knowledge",
];

/// Threats as templates get them (see `threats_for_templates`).
struct TemplateThreats<'v, 'a>(&'v [ThreatView<'a>]);

impl Serialize for TemplateThreats<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        threats_for_templates(self.0, s)
    }
}

/// Mitigations as templates get them (see `mitigations_for_templates`).
struct TemplateMitigations<'v, 'a>(&'v [MitigationView<'a>]);

impl Serialize for TemplateMitigations<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        mitigations_for_templates(self.0, s)
    }
}

impl ReportView<'_> {
    /// The template value of the field `key` (one of [`CONTEXT_KEYS`]), as the whole
    /// view serialised would hold it; `None` for any other name. A renderer builds only
    /// the values a template reads.
    pub fn value_of(&self, key: &str) -> Option<tera::TeraResult<tera::Value>> {
        fn to<T: Serialize + ?Sized>(x: &T) -> tera::TeraResult<tera::Value> {
            tera::Value::try_from_serializable(x)
        }
        Some(match key {
            "detail" => to(&self.detail),
            "project" => to(&self.project),
            "today" => to(&self.today),
            "generated" => to(&self.generated),
            "summary" => to(&self.summary),
            "zones" => to(&self.zones),
            "components" => to(&self.components),
            "assets" => to(&self.assets),
            "flows" => to(&self.flows),
            "threats" => to(&TemplateThreats(&self.threats)),
            "mitigations" => to(&TemplateMitigations(&self.mitigations)),
            "acceptances" => to(&self.acceptances),
            "flow_threats" => to(&self.flow_threats),
            "listed_flow_threats" => to(&self.listed_flow_threats),
            "flow_mitigations" => to(&self.flow_mitigations),
            "own_mitigations" => to(&self.own_mitigations),
            "states" => to(&self.states),
            "uncovered" => to(&self.uncovered),
            "by_risk" => to(&self.by_risk),
            "listed_by_risk" => to(&self.listed_by_risk),
            "risk_summary" => to(&self.risk_summary),
            "attack_paths" => to(&self.attack_paths),
            "categories" => to(&self.categories),
            "findings" => to(&self.findings),
            "mermaid" => to(&self.mermaid),
            "svg" => to(&self.svg),
            "reviews" => to(&self.reviews),
            "knowledge" => to(&self.knowledge),
            _ => return None,
        })
    }

    /// Threat `i` as `threats[i]` would hold it; `None` past the end. Templates ask for
    /// one at a time (`threat(i=…)`), so the whole list is never a template value.
    pub fn threat_value(&self, i: usize) -> Option<tera::TeraResult<tera::Value>> {
        let t = self.threats.get(i)?;
        Some(tera::Value::try_from_serializable(&TemplateThreat(t)))
    }

    /// Component `i` as `components[i]` would hold it; `None` past the end.
    pub fn component_value(&self, i: usize) -> Option<tera::TeraResult<tera::Value>> {
        Some(tera::Value::try_from_serializable(self.components.get(i)?))
    }

    /// Flow `i` as `flows[i]` would hold it; `None` past the end.
    pub fn flow_value(&self, i: usize) -> Option<tera::TeraResult<tera::Value>> {
        Some(tera::Value::try_from_serializable(self.flows.get(i)?))
    }

    /// Finding `i` as `findings[i]` would hold it; `None` past the end.
    pub fn finding_value(&self, i: usize) -> Option<tera::TeraResult<tera::Value>> {
        Some(tera::Value::try_from_serializable(self.findings.get(i)?))
    }

    /// Mitigation `i` as `mitigations[i]` would hold it; `None` past the end.
    pub fn mitigation_value(&self, i: usize) -> Option<tera::TeraResult<tera::Value>> {
        let x = self.mitigations.get(i)?;
        Some(tera::Value::try_from_serializable(&TemplateMitigation(x)))
    }
}

/// Inputs of a report beyond the model.
pub struct ReportInput<'a> {
    pub model: &'a Model,
    pub sources: &'a Sources,
    pub today: Date,
    pub generated: Option<String>,
    pub findings: &'a [Diagnostic],
    pub mermaid: Option<String>,
    pub svg: Option<String>,
    pub detail: Detail,
}

/// How much a report says about knowledge-base threats and mitigations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Every threat and mitigation with its whole text.
    Full,
    /// Instances grouped: each pattern's and each recommendation's text once, with the
    /// elements and their coverage or status.
    Summary,
}

impl Detail {
    /// Above this many threats a report is a summary unless asked otherwise.
    pub const SUMMARY_ABOVE: usize = 200;

    /// `Summary` for a model past [`Detail::SUMMARY_ABOVE`] threats, else `Full`.
    pub fn automatic(model: &Model) -> Detail {
        if model.threats.len() > Detail::SUMMARY_ABOVE {
            Detail::Summary
        } else {
            Detail::Full
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Detail::Full => "full",
            Detail::Summary => "summary",
        }
    }
}

/// The model's first attack paths, for the report's short section.
fn attack_paths(model: &Model, today: Date) -> Vec<PathView<'_>> {
    let query = crate::paths::Query {
        from: None,
        to: None,
        k: 1,
        today,
    };
    let Ok(analysis) = crate::paths::analyse(model, &query) else {
        return Vec::new();
    };
    analysis
        .paths
        .iter()
        .take(TOP_PATHS)
        .map(|p| PathView {
            components: p
                .walk
                .nodes
                .iter()
                .map(|c| model.component(*c).id.as_str())
                .collect(),
            flows: p
                .walk
                .flows
                .iter()
                .map(|f| model.flow(*f).id.as_str())
                .collect(),
            open_threats: p.open_threats.iter().map(|t| t.index()).collect(),
            steps: p
                .steps
                .iter()
                .map(|s| StepView {
                    flow: model.flow(s.flow).id.as_str(),
                    protection: match s.protection {
                        crate::paths::Protection::Protected => "protected",
                        crate::paths::Protection::Partial => "partial",
                        crate::paths::Protection::Unprotected => "unprotected",
                    },
                    residual_risk: s.residual_risk.map(Level::as_str),
                })
                .collect(),
            unprotected: p.unprotected,
        })
        .collect()
}

/// The model's reviews, oldest first (in model order within a day).
fn review_views(model: &Model) -> Vec<ReviewView<'_>> {
    let mut reviews: Vec<_> = model.reviews.iter().collect();
    reviews.sort_by_key(|r| r.date);
    reviews
        .into_iter()
        .map(|r| ReviewView {
            reviewer: &r.reviewer,
            date: r.date.to_string(),
            scope: r.scope.as_deref(),
            decision: crate::model::Choice::as_str(r.decision),
            notes: r.notes.as_deref(),
        })
        .collect()
}

impl<'a> ReportView<'a> {
    /// The view of a model. The component and flow views, the largest lists, are built
    /// on a second thread while this one builds the rest.
    pub fn new(input: ReportInput<'a>) -> Self {
        let model = input.model;
        std::thread::scope(|scope| {
            let lists = scope.spawn(move || {
                let components: Vec<ComponentView<'a>> = model
                    .component_ids()
                    .map(|c| component_view(model, c))
                    .collect();
                let flows: Vec<FlowView<'a>> =
                    model.flow_ids().map(|f| flow_view(model, f)).collect();
                (components, flows)
            });
            let mut view = ReportView::without_components_and_flows(input);
            (view.components, view.flows) = match lists.join() {
                Ok(lists) => lists,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            view
        })
    }

    /// Everything but `components` and `flows`, which [`ReportView::new`] adds.
    fn without_components_and_flows(input: ReportInput<'a>) -> Self {
        let ReportInput {
            model,
            sources,
            today,
            generated,
            findings,
            mermaid,
            svg,
            detail,
        } = input;
        let coverage: Vec<Coverage> = model
            .threat_ids()
            .map(|t| model.coverage(t, today))
            .collect();

        let risk: Vec<Level> = model.threat_ids().map(|t| model.risk(t)).collect();
        let residual: Vec<Level> = model
            .threat_ids()
            .map(|t| model.residual_risk(t, today))
            .collect();
        let mut by_risk: Vec<usize> = (0..model.threats.len()).collect();
        by_risk.sort_by_key(|i| std::cmp::Reverse((residual[*i], risk[*i])));
        let listed_by_risk: Vec<usize> = by_risk
            .iter()
            .copied()
            .filter(|i| {
                detail == Detail::Full
                    || model.threats[*i].pattern.is_none()
                    || coverage[*i].is_uncovered()
            })
            .collect();
        let risk_summary = Level::ALL
            .iter()
            .rev()
            .map(|(name, level)| RiskCount {
                level: name,
                count: residual.iter().filter(|r| *r == level).count(),
            })
            .collect();

        let mut zone_components: Vec<Vec<&'a str>> = vec![Vec::new(); model.zones.len()];
        for c in model.component_ids() {
            let comp = model.component(c);
            zone_components[comp.zone.index()].push(&comp.id);
        }
        let zones = model
            .zone_ids()
            .zip(zone_components)
            .map(|(z, components)| {
                let zone = model.zone(z);
                ZoneView {
                    id: &zone.id,
                    name: &zone.name,
                    trust: zone.trust,
                    inside: zone.parent.map(|p| model.zone(p).id.as_str()),
                    depth: zone.depth,
                    description: zone.description.as_deref(),
                    components,
                }
            })
            .collect();

        let mut flow_threats = Vec::new();
        let threats = model
            .threat_ids()
            .map(|t| {
                let threat = model.threat(t);
                if threat.targets.iter().any(|x| matches!(x, Target::Flow(_))) {
                    flow_threats.push(t);
                }
                ThreatView {
                    id: &threat.id,
                    title: &threat.title,
                    category: threat.category.as_str(),
                    category_title: threat.category.title(),
                    severity: threat.severity.as_str(),
                    risk: risk[t.index()].as_str(),
                    residual_risk: residual[t.index()].as_str(),
                    cwe: &threat.cwe,
                    capec: &threat.capec,
                    coverage: coverage[t.index()].as_str(),
                    coverage_label: coverage[t.index()].words(),
                    uncovered: coverage[t.index()].is_uncovered(),
                    // A summary gives an instance's text once, with its pattern: the
                    // view need not carry it per element.
                    description: threat
                        .description
                        .as_deref()
                        .filter(|_| detail == Detail::Full || threat.pattern.is_none()),
                    targets: threat.targets.iter().map(|x| model.target_id(*x)).collect(),
                    target_links: threat
                        .targets
                        .iter()
                        .map(|x| target_link(model, *x))
                        .collect(),
                    mitigations: &threat.mitigations,
                    acceptances: threat.acceptances.iter().map(|a| a.index()).collect(),
                    pattern: threat.pattern.map(|p| p.index()),
                    compact: if detail == Detail::Summary && threat.pattern.is_some() {
                        Compact::Summary
                    } else {
                        Compact::No
                    },
                    replaces: threat
                        .replaces
                        .iter()
                        .map(|p| model.pattern(*p).id.as_str())
                        .collect(),
                }
            })
            .collect();

        let mut uncovered: Vec<ThreatId> = model
            .threat_ids()
            .filter(|t| coverage[t.index()].is_uncovered())
            .collect();
        uncovered.sort_by_key(|t| std::cmp::Reverse(model.threat(*t).severity));

        let categories = Category::ALL
            .iter()
            .map(|(name, c)| CategoryCount {
                category: name,
                title: c.title(),
                count: model.threats.iter().filter(|t| t.category == *c).count(),
            })
            .collect();

        ReportView {
            detail: detail.as_str(),
            project: ProjectView {
                name: &model.project.name,
                version: model.project.version.as_deref(),
                description: model.project.description.as_deref(),
                objective: model.project.objective.as_deref(),
                scope: model.project.scope.as_deref(),
                methodology: model.project.methodology.as_deref(),
                conclusion: model.project.conclusion.as_deref(),
                owners: &model.project.owners,
            },
            today: today.to_string(),
            generated,
            summary: Summary::of_model(model, today),
            zones,
            components: Vec::new(),
            assets: model
                .assets
                .iter()
                .map(|a| AssetView {
                    id: &a.id,
                    name: &a.name,
                    classification: a.classification.as_str(),
                    description: a.description.as_deref(),
                })
                .collect(),
            flows: Vec::new(),
            threats,
            mitigations: model
                .mitigation_ids()
                .map(|m| {
                    let mitigation = model.mitigation(m);
                    MitigationView {
                        id: &mitigation.id,
                        title: &mitigation.title,
                        status: mitigation.status.as_str(),
                        owner: mitigation.owner.as_deref(),
                        description: mitigation.description.as_deref().filter(|_| {
                            detail == Detail::Full || mitigation.recommendation.is_none()
                        }),
                        threats: mitigation
                            .mitigates
                            .iter()
                            .map(|t| model.threat(*t).id.as_str())
                            .collect(),
                        threat_indices: &mitigation.mitigates,
                        references: &mitigation.references,
                        evidence: &mitigation.evidence,
                        also: mitigation
                            .also
                            .iter()
                            .map(|r| model.recommendations[r.index()].id.as_str())
                            .collect(),
                        element: mitigation.recommendation.and_then(|_| {
                            let t = model.threat(*mitigation.mitigates.first()?);
                            Some(model.target_id(*t.targets.first()?))
                        }),
                        recommendation: mitigation.recommendation.map(|r| r.index()),
                        effective: model.is_effective(m),
                        // Only a claim can be contradicted: a mitigation still to do
                        // describes what will be true.
                        contradicted_by: model.contradicted_by(m),
                        compact: if detail == Detail::Summary && mitigation.recommendation.is_some()
                        {
                            Compact::Summary
                        } else {
                            Compact::No
                        },
                    }
                })
                .collect(),
            acceptances: model
                .acceptances
                .iter()
                .map(|a| {
                    let threat = model.threat(a.threat);
                    AcceptanceView {
                        threat: &threat.id,
                        threat_title: &threat.title,
                        justification: &a.justification,
                        approved_by: &a.approved_by,
                        expires: a.expires.to_string(),
                        expired: a.expires < today,
                    }
                })
                .collect(),
            flow_mitigations: mitigations_of(model, &flow_threats)
                .into_iter()
                .map(|m| m.index())
                .collect(),
            listed_flow_threats: flow_threats
                .iter()
                .filter(|t| detail == Detail::Full || model.threat(**t).pattern.is_none())
                .map(|t| t.index())
                .collect(),
            flow_threats: flow_threats.into_iter().map(|t| t.index()).collect(),
            own_mitigations: model
                .mitigations
                .iter()
                .enumerate()
                .filter(|(_, x)| x.recommendation.is_none())
                .map(|(i, _)| i)
                .collect(),
            uncovered: uncovered.into_iter().map(|t| t.index()).collect(),
            by_risk,
            listed_by_risk,
            risk_summary,
            attack_paths: attack_paths(model, today),
            reviews: review_views(model),
            categories,
            findings: finding_views(model, sources, findings),
            mermaid,
            svg,
            knowledge: knowledge_view(model, &coverage),
            states: state_counts(&coverage, 0..model.threats.len(), false),
        }
    }
}

/// The findings, each with the element it is at (when it is at an element's id), in
/// their order: an element's findings are adjacent, since they share its position.
fn finding_views<'a>(
    model: &'a Model,
    sources: &Sources,
    findings: &'a [Diagnostic],
) -> Vec<FindingView<'a>> {
    let mut at: std::collections::HashMap<crate::source::Span, &'a str> =
        std::collections::HashMap::new();
    if !findings.is_empty() {
        at.extend(
            model
                .component_ids()
                .map(|c| model.component(c))
                .map(|c| (c.span, c.id.as_str())),
        );
        at.extend(
            model
                .flow_ids()
                .map(|f| model.flow(f))
                .map(|f| (f.span, f.id.as_str())),
        );
    }
    let mut previous: Option<&str> = None;
    findings
        .iter()
        .map(|d| {
            let (file, line, column) = d.position(sources);
            let element = match &d.location {
                crate::diag::Location::Span(span) => at.get(span).copied(),
                crate::diag::Location::Path(_) => None,
            };
            let continues = element.is_some() && element == previous;
            previous = element;
            FindingView {
                element,
                continues,
                code: d.code.as_str(),
                severity: d.severity.as_str(),
                message: &d.message,
                file,
                line,
                column,
            }
        })
        .collect()
}

fn knowledge_view<'a>(model: &'a Model, coverage: &[Coverage]) -> KnowledgeView<'a> {
    KnowledgeView {
        bases: model
            .knowledge_bases
            .iter()
            .map(|kb| KbView {
                id: &kb.id,
                name: &kb.name,
                version: kb.version.as_deref(),
                origin: &kb.origin,
                description: kb.description.as_deref(),
                patterns: kb.patterns.iter().map(|p| p.index()).collect(),
                mitigations: kb.recommendations.len(),
            })
            .collect(),
        patterns: model
            .patterns
            .iter()
            .map(|p| PatternView {
                id: &p.id,
                kb: &model.knowledge_base(p.kb).id,
                title: &p.title,
                category: p.category.as_str(),
                category_title: p.category.title(),
                severity: p.severity.as_str(),
                cwe: &p.cwe,
                capec: &p.capec,
                applies_to: &p.applies_to,
                instances: p.instances.len(),
                description: p.description.as_deref(),
                threats: p.instances.iter().map(|t| t.index()).collect(),
                states: state_counts(coverage, p.instances.iter().map(|t| t.index()), true),
                refines: p
                    .refines
                    .iter()
                    .map(|q| model.pattern(*q).id.as_str())
                    .collect(),
            })
            .collect(),
        recommendations: model
            .recommendations
            .iter()
            .enumerate()
            .map(|(i, r)| RecommendationView {
                id: &r.id,
                kb: &model.knowledge_base(r.kb).id,
                title: &r.title,
                description: r.description.as_deref(),
                references: &r.references,
                same_as: r
                    .same_as
                    .iter()
                    .map(|o| model.recommendations[o.index()].id.as_str())
                    .collect(),
                // Its own instances: those standing for it under another id are listed
                // with the other.
                mitigations: r
                    .instances
                    .iter()
                    .filter(|m| model.mitigation(**m).recommendation.map(|x| x.index()) == Some(i))
                    .map(|m| m.index())
                    .collect(),
            })
            .collect(),
        not_applicable: model
            .not_applicable
            .iter()
            .map(|n| NotApplicableView {
                element: model.target_id(n.element),
                category: n.category.as_str(),
                pattern: n.pattern.map(|p| model.pattern(p).id.as_str()),
                justification: &n.justification,
            })
            .collect(),
    }
}

fn target_link(model: &Model, target: Target) -> TargetLink<'_> {
    match target {
        Target::Component(c) => {
            let c = model.component(c);
            TargetLink {
                id: &c.id,
                name: &c.name,
                kind: "component",
                href: format!("components/{}.html", c.id),
            }
        }
        Target::Flow(f) => {
            let f = model.flow(f);
            TargetLink {
                id: &f.id,
                name: &f.name,
                kind: "flow",
                href: format!("flows.html#flow-{}", f.id),
            }
        }
    }
}

/// The mitigations of `threats`, each once, in model order.
fn mitigations_of(model: &Model, threats: &[ThreatId]) -> Vec<MitigationId> {
    let mut ids: Vec<MitigationId> = threats
        .iter()
        .flat_map(|t| model.threat(*t).mitigations.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The indices of `threats` written in the model (`own`), or made from knowledge bases.
fn threats_where(model: &Model, threats: &[ThreatId], own: bool) -> Vec<usize> {
    threats
        .iter()
        .filter(|t| model.threat(**t).pattern.is_none() == own)
        .map(|t| t.index())
        .collect()
}

fn component_view(model: &Model, c: ComponentId) -> ComponentView<'_> {
    let comp = model.component(c);
    let zone = model.zone(comp.zone);
    let mut flows_in = Vec::new();
    let mut flows_out = Vec::new();
    for f in model.flows_of(c) {
        let flow = model.flow(f);
        if flow.to == c {
            flows_in.push(f.index());
        }
        if flow.from == c {
            flows_out.push(f.index());
        }
    }
    ComponentView {
        id: &comp.id,
        name: &comp.name,
        kind: comp.kind.as_str(),
        zone: &zone.id,
        zone_name: &zone.name,
        technology: comp.technology.as_deref(),
        tags: &comp.tags,
        description: comp.description.as_deref(),
        threats: &comp.threats,
        own_threats: threats_where(model, &comp.threats, true),
        kb_threats: threats_where(model, &comp.threats, false),
        mitigations: mitigations_of(model, &comp.threats),
        flows_in,
        flows_out,
    }
}

fn flow_view(model: &Model, f: FlowId) -> FlowView<'_> {
    let flow = model.flow(f);
    let (from, to) = (model.component(flow.from), model.component(flow.to));
    FlowView {
        number: f.index() + 1,
        id: &flow.id,
        name: &flow.name,
        from: &from.id,
        to: &to.id,
        protocol: flow.protocol.as_deref(),
        data: flow
            .data
            .iter()
            .map(|a| model.asset(*a).id.as_str())
            .collect(),
        encrypted: flow.encrypted,
        authenticated: flow.authenticated,
        description: flow.description.as_deref(),
        crossing: flow.crossing.map(|c| c.direction.as_str()),
        from_zone: &model.zone(from.zone).id,
        to_zone: &model.zone(to.zone).id,
        threats: &flow.threats,
    }
}
