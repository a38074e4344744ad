//! The JSON export: the resolved model with coverage and every finding, in a shape that
//! is versioned ([`FORMAT_VERSION`]) and described by a JSON Schema
//! (`threatbook schema --export`, committed as `schema/threatbook-export.schema.json`).
//!
//! Entities are sorted by id (acceptances by threat, then expiry), so that moving an
//! entity between files does not reorder the document. References are ids. Positions
//! are relative to the model folder, with `/` separators.

use schemars::JsonSchema;
use serde::Serialize;

use super::Input;
use crate::check::Summary;
use crate::diag::{JsonDiagnostic, json_diagnostic};
use crate::model::{
    Category, Classification, ComponentKind, Coverage, Decision, Direction, Level, Model, Requires,
    Severity, Status,
};
use crate::source::{Sources, Span};

/// The version of the export's shape. It goes up when a field is removed or changes
/// meaning; new fields may appear without a new version.
pub const FORMAT_VERSION: u32 = 1;

/// Where the committed copy of the export schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/threatbook-export.schema.json";

/// A threatbook model as exported: the whole resolved model and its findings.
#[derive(Serialize, JsonSchema)]
#[schemars(
    title = "threatbook export",
    description = "The resolved threat model, its coverage and the findings of the cross-check, as `threatbook export --format json` writes it."
)]
pub struct Export<'a> {
    /// The version of this shape; 1 so far.
    pub format_version: u32,
    pub tool: Tool,
    /// The day coverage and acceptances were judged on (YYYY-MM-DD).
    pub today: String,
    pub project: ProjectOut<'a>,
    pub summary: Summary,
    pub zones: Vec<ZoneOut<'a>>,
    pub components: Vec<ComponentOut<'a>>,
    pub assets: Vec<AssetOut<'a>>,
    pub flows: Vec<FlowOut<'a>>,
    pub threats: Vec<ThreatOut<'a>>,
    pub mitigations: Vec<MitigationOut<'a>>,
    pub acceptances: Vec<AcceptanceOut<'a>>,
    pub reviews: Vec<ReviewOut<'a>>,
    /// Every diagnostic of the cross-check, in file order.
    pub findings: Vec<JsonDiagnostic>,
}

/// The program that wrote the export.
#[derive(Serialize, JsonSchema)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Tool {
    pub fn this() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Where an entity is written: a file relative to the model folder and a one-based line.
#[derive(Serialize, JsonSchema)]
pub struct Position<'a> {
    pub file: &'a str,
    pub line: usize,
}

fn position(sources: &Sources, span: Span) -> Position<'_> {
    let file = sources.get(span.file);
    Position {
        file: &file.relative,
        line: file.line_col(span.start as usize).0,
    }
}

#[derive(Serialize, JsonSchema)]
pub struct ProjectOut<'a> {
    pub name: &'a str,
    pub version: Option<&'a str>,
    pub description: Option<&'a str>,
    pub objective: Option<&'a str>,
    pub scope: Option<&'a str>,
    pub methodology: Option<&'a str>,
    pub conclusion: Option<&'a str>,
    pub owners: &'a [String],
}

#[derive(Serialize, JsonSchema)]
pub struct ZoneOut<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// 0 (untrusted) to 10 (most trusted).
    pub trust: u8,
    /// The id of the zone this one lies in.
    pub inside: Option<&'a str>,
    pub description: Option<&'a str>,
    pub source: Position<'a>,
}

#[derive(Serialize, JsonSchema)]
pub struct ComponentOut<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub kind: ComponentKind,
    pub zone: &'a str,
    pub technology: Option<&'a str>,
    pub tags: &'a [String],
    pub description: Option<&'a str>,
    pub source: Position<'a>,
}

#[derive(Serialize, JsonSchema)]
pub struct AssetOut<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub classification: Classification,
    pub description: Option<&'a str>,
    pub source: Position<'a>,
}

/// A flow between two zones.
#[derive(Serialize, JsonSchema)]
pub struct CrossingOut<'a> {
    pub from_zone: &'a str,
    pub to_zone: &'a str,
    pub direction: Direction,
}

#[derive(Serialize, JsonSchema)]
pub struct FlowOut<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub protocol: Option<&'a str>,
    /// Ids of the assets carried.
    pub data: Vec<&'a str>,
    pub encrypted: bool,
    pub authenticated: bool,
    pub description: Option<&'a str>,
    /// Set when the flow crosses a trust boundary.
    pub crossing: Option<CrossingOut<'a>>,
    pub source: Position<'a>,
}

#[derive(Serialize, JsonSchema)]
pub struct ThreatOut<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub category: Category,
    pub severity: Severity,
    /// How likely it is, when the model states it.
    pub likelihood: Option<Level>,
    /// How bad it would be, when the model states it.
    pub impact: Option<Level>,
    /// Likelihood and impact by the risk matrix (the severity when neither is stated).
    pub risk: Level,
    /// The risk left after its implemented or verified mitigations.
    pub residual_risk: Level,
    /// Ids of the components and flows the threat applies to.
    pub targets: Vec<&'a str>,
    pub cwe: &'a [u32],
    pub capec: &'a [u32],
    pub description: Option<&'a str>,
    /// How well the threat is handled on `today`.
    pub coverage: Coverage,
    /// Ids of the mitigations that address it, sorted.
    pub mitigations: Vec<&'a str>,
    /// The knowledge-base pattern it was instantiated from (its id is
    /// `pattern@element`); null for a threat written in the model.
    pub pattern: Option<&'a str>,
    /// The knowledge base of that pattern.
    pub knowledge_base: Option<&'a str>,
    /// Patterns of other knowledge bases that matched the element too and that its
    /// pattern refines: they were not instantiated there.
    pub replaces: Vec<&'a str>,
    pub source: Position<'a>,
}

#[derive(Serialize, JsonSchema)]
pub struct MitigationOut<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub status: Status,
    /// Whether it protects today: implemented or verified, and not contradicted.
    pub effective: bool,
    /// What must hold of the elements it is on for it to protect.
    pub requires: Requires,
    /// For an implemented or verified mitigation, the ids of the flows whose fields
    /// contradict `requires` (the elements it is on, or for a component, the flows into
    /// it from other zones); empty for one still to do.
    pub contradicted_by: Vec<&'a str>,
    /// How many risk levels it lowers its threats' risk once effective.
    pub reduces: u8,
    /// Ids of the threats it addresses.
    pub mitigates: Vec<&'a str>,
    pub owner: Option<&'a str>,
    pub references: &'a [String],
    /// Links or citations that show its status.
    pub evidence: &'a [String],
    pub description: Option<&'a str>,
    /// The knowledge-base mitigation it was instantiated from; null for one written in
    /// the model.
    pub recommendation: Option<&'a str>,
    /// Equivalent mitigations of other knowledge bases (`same-as`) recommended on the
    /// same element, which this one stands for.
    pub also: Vec<&'a str>,
    pub source: Position<'a>,
}

#[derive(Serialize, JsonSchema)]
pub struct AcceptanceOut<'a> {
    /// The id of the accepted threat.
    pub threat: &'a str,
    pub justification: &'a str,
    pub approved_by: &'a str,
    /// The last day the acceptance holds (YYYY-MM-DD).
    pub expires: String,
    /// Whether it had expired on `today`.
    pub expired: bool,
    pub source: Position<'a>,
}

#[derive(Serialize, JsonSchema)]
pub struct ReviewOut<'a> {
    pub reviewer: &'a str,
    /// YYYY-MM-DD.
    pub date: String,
    pub scope: Option<&'a str>,
    pub decision: Decision,
    pub notes: Option<&'a str>,
    /// The model state the review approved (`sha256:…`), where the entry records one.
    pub state: Option<String>,
    pub source: Position<'a>,
}

fn sorted_by_id<T>(mut items: Vec<T>, id: impl Fn(&T) -> &str) -> Vec<T> {
    items.sort_by(|a, b| id(a).cmp(id(b)));
    items
}

/// The export document of `input`.
pub fn document<'a>(input: &Input<'a>) -> Export<'a> {
    let Input {
        model,
        sources,
        today,
        findings,
    } = *input;
    let pos = |span| position(sources, span);
    let project = &model.project;
    let zones = model
        .zones
        .iter()
        .map(|z| ZoneOut {
            id: &z.id,
            name: &z.name,
            trust: z.trust,
            inside: z.parent.map(|p| model.zone(p).id.as_str()),
            description: z.description.as_deref(),
            source: pos(z.span),
        })
        .collect();
    let components = model
        .component_ids()
        .map(|c| {
            let c = model.component(c);
            ComponentOut {
                id: &c.id,
                name: &c.name,
                kind: c.kind,
                zone: &model.zone(c.zone).id,
                technology: c.technology.as_deref(),
                tags: &c.tags,
                description: c.description.as_deref(),
                source: pos(c.span),
            }
        })
        .collect();
    let assets = model
        .assets
        .iter()
        .map(|a| AssetOut {
            id: &a.id,
            name: &a.name,
            classification: a.classification,
            description: a.description.as_deref(),
            source: pos(a.span),
        })
        .collect();
    let flows = model
        .flow_ids()
        .map(|f| flow_out(model, sources, f))
        .collect();
    let threats = model
        .threat_ids()
        .map(|t| {
            let threat = model.threat(t);
            let mut mitigations: Vec<&str> = threat
                .mitigations
                .iter()
                .map(|m| model.mitigation(*m).id.as_str())
                .collect();
            mitigations.sort_unstable();
            ThreatOut {
                id: &threat.id,
                title: &threat.title,
                category: threat.category,
                severity: threat.severity,
                likelihood: threat.likelihood,
                impact: threat.impact,
                risk: model.risk(t),
                residual_risk: model.residual_risk(t, today),
                targets: threat.targets.iter().map(|x| model.target_id(*x)).collect(),
                cwe: &threat.cwe,
                capec: &threat.capec,
                description: threat.description.as_deref(),
                coverage: model.coverage(t, today),
                mitigations,
                pattern: threat.pattern.map(|p| model.pattern(p).id.as_str()),
                knowledge_base: threat
                    .pattern
                    .map(|p| model.knowledge_base(model.pattern(p).kb).id.as_str()),
                replaces: threat
                    .replaces
                    .iter()
                    .map(|p| model.pattern(*p).id.as_str())
                    .collect(),
                source: pos(threat.span),
            }
        })
        .collect();
    let mitigations = model
        .mitigation_ids()
        .map(|id| (id, model.mitigation(id)))
        .map(|(id, m)| MitigationOut {
            id: &m.id,
            title: &m.title,
            status: m.status,
            effective: model.is_effective(id),
            requires: m.requires,
            contradicted_by: model.contradicted_by(id),
            reduces: m.reduces,
            mitigates: m
                .mitigates
                .iter()
                .map(|t| model.threat(*t).id.as_str())
                .collect(),
            owner: m.owner.as_deref(),
            references: &m.references,
            evidence: &m.evidence,
            description: m.description.as_deref(),
            recommendation: m
                .recommendation
                .map(|r| model.recommendation(r).id.as_str()),
            also: m
                .also
                .iter()
                .map(|r| model.recommendation(*r).id.as_str())
                .collect(),
            source: pos(m.span),
        })
        .collect();
    let mut acceptances: Vec<AcceptanceOut<'a>> = model
        .acceptances
        .iter()
        .map(|a| AcceptanceOut {
            threat: &model.threat(a.threat).id,
            justification: &a.justification,
            approved_by: &a.approved_by,
            expires: a.expires.to_string(),
            expired: a.expires < today,
            source: pos(a.span),
        })
        .collect();
    acceptances.sort_by(|a, b| (a.threat, &a.expires).cmp(&(b.threat, &b.expires)));
    let mut reviews: Vec<ReviewOut<'a>> = model
        .reviews
        .iter()
        .map(|r| ReviewOut {
            reviewer: &r.reviewer,
            date: r.date.to_string(),
            scope: r.scope.as_deref(),
            decision: r.decision,
            notes: r.notes.as_deref(),
            state: r.state.as_ref().map(|s| s.value.to_string()),
            source: pos(r.span),
        })
        .collect();
    reviews.sort_by(|a, b| (&a.date, a.reviewer).cmp(&(&b.date, b.reviewer)));
    Export {
        format_version: FORMAT_VERSION,
        tool: Tool::this(),
        today: today.to_string(),
        project: ProjectOut {
            name: &project.name,
            version: project.version.as_deref(),
            description: project.description.as_deref(),
            objective: project.objective.as_deref(),
            scope: project.scope.as_deref(),
            methodology: project.methodology.as_deref(),
            conclusion: project.conclusion.as_deref(),
            owners: &project.owners,
        },
        summary: Summary::of_model(model, today),
        zones: sorted_by_id(zones, |z| z.id),
        components: sorted_by_id(components, |c| c.id),
        assets: sorted_by_id(assets, |a| a.id),
        flows: sorted_by_id(flows, |f| f.id),
        threats: sorted_by_id(threats, |t| t.id),
        mitigations: sorted_by_id(mitigations, |m| m.id),
        acceptances,
        reviews,
        findings: findings
            .iter()
            .map(|d| json_diagnostic(sources, d))
            .collect(),
    }
}

fn flow_out<'a>(model: &'a Model, sources: &'a Sources, f: crate::model::FlowId) -> FlowOut<'a> {
    let flow = model.flow(f);
    FlowOut {
        id: &flow.id,
        name: &flow.name,
        from: &model.component(flow.from).id,
        to: &model.component(flow.to).id,
        protocol: flow.protocol.as_deref(),
        data: flow
            .data
            .iter()
            .map(|a| model.asset(*a).id.as_str())
            .collect(),
        encrypted: flow.encrypted,
        authenticated: flow.authenticated,
        description: flow.description.as_deref(),
        crossing: flow.crossing.map(|c| CrossingOut {
            from_zone: &model.zone(c.from_zone).id,
            to_zone: &model.zone(c.to_zone).id,
            direction: c.direction,
        }),
        source: position(sources, flow.span),
    }
}

/// The JSON export of `input`: pretty JSON with a final newline.
pub fn export(input: &Input<'_>) -> String {
    super::pretty_json(&document(input))
}

/// [`export`], written to `out` as it is made.
pub fn export_to(input: &Input<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    super::pretty_json_to(&document(input), out)
}

/// The JSON Schema of the export, as pretty JSON with a final newline.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Export<'static>);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_export_schema_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_PATH);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != schema() {
            panic!(
                "{SCHEMA_PATH} is out of date; regenerate it with \
                 `cargo run -- schema --export -o {SCHEMA_PATH}`"
            );
        }
    }

    #[test]
    fn the_schema_carries_the_format_version_and_every_section() {
        let schema: serde_json::Value = serde_json::from_str(&schema()).unwrap();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for key in ["format_version", "threats", "findings", "reviews"] {
            assert!(required.contains(&key), "{key} missing from {required:?}");
        }
    }
}
