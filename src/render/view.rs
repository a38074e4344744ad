//! View structs: what templates see. They borrow from the model and carry every cross
//! reference resolved into ids and titles, so templates never look anything up.
//!
//! A template that can only see these structs cannot depend on the model's internals,
//! and changing the model does not break user templates as long as the views stay.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::check::Summary;
use crate::diag::Diagnostic;
use crate::model::{
    Category, Choice, ComponentId, Coverage, Date, FlowId, Model, Target, ThreatId,
};
use crate::source::Sources;

/// Everything a report template can use.
#[derive(Serialize)]
pub struct ReportView<'a> {
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
    pub threats: Vec<ThreatView<'a>>,
    /// Threats with at least one flow among their targets.
    pub flow_threats: Vec<ThreatRef<'a>>,
    pub mitigations: Vec<MitigationView<'a>>,
    /// Mitigations of threats on flows.
    pub flow_mitigations: Vec<MitigationRef<'a>>,
    pub acceptances: Vec<AcceptanceView<'a>>,
    /// Uncovered threats, most severe first.
    pub uncovered: Vec<ThreatRef<'a>>,
    /// Threat counts per STRIDE category.
    pub categories: Vec<CategoryCount>,
    /// Check findings (warnings and errors) with positions.
    pub findings: Vec<FindingView>,
    /// A Mermaid flowchart of the model, when one was drawn.
    pub mermaid: Option<String>,
    /// Review sign-offs, oldest first.
    pub reviews: Vec<ReviewView<'a>>,
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
    pub threats: Vec<ThreatRef<'a>>,
    /// Mitigations of this component's threats, each once.
    pub mitigations: Vec<MitigationRef<'a>>,
    pub flows_in: Vec<&'a str>,
    pub flows_out: Vec<&'a str>,
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
    pub from: &'a str,
    pub to: &'a str,
    pub from_name: &'a str,
    pub to_name: &'a str,
    pub protocol: Option<&'a str>,
    pub data: Vec<&'a str>,
    pub encrypted: bool,
    pub authenticated: bool,
    pub description: Option<&'a str>,
    /// `inbound`, `outbound` or `lateral` when the flow crosses a trust boundary.
    pub crossing: Option<&'static str>,
    pub from_zone: &'a str,
    pub to_zone: &'a str,
    pub threats: Vec<ThreatRef<'a>>,
}

/// A threat as a list or table row shows it.
#[derive(Clone, Serialize)]
pub struct ThreatRef<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub category: &'static str,
    pub category_title: &'static str,
    pub severity: &'static str,
    pub cwe: &'a [u32],
    pub coverage: &'static str,
    pub description: Option<&'a str>,
    pub targets: Vec<&'a str>,
}

#[derive(Serialize)]
pub struct ThreatView<'a> {
    #[serde(flatten)]
    pub threat: ThreatRef<'a>,
    pub capec: &'a [u32],
    pub mitigations: Vec<MitigationRef<'a>>,
    pub acceptances: Vec<AcceptanceView<'a>>,
}

/// A mitigation as a list or table row shows it.
#[derive(Clone, Serialize)]
pub struct MitigationRef<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub status: &'static str,
    pub owner: Option<&'a str>,
    pub description: Option<&'a str>,
    pub threats: Vec<&'a str>,
    pub references: &'a [String],
}

#[derive(Serialize)]
pub struct MitigationView<'a> {
    #[serde(flatten)]
    pub mitigation: MitigationRef<'a>,
}

#[derive(Clone, Serialize)]
pub struct AcceptanceView<'a> {
    pub threat: &'a str,
    pub threat_title: &'a str,
    pub justification: &'a str,
    pub approved_by: &'a str,
    pub expires: String,
    pub expired: bool,
}

#[derive(Serialize)]
pub struct CategoryCount {
    pub category: &'static str,
    pub title: &'static str,
    pub count: usize,
}

#[derive(Serialize)]
pub struct FindingView {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// Inputs of a report beyond the model.
pub struct ReportInput<'a> {
    pub model: &'a Model,
    pub sources: &'a Sources,
    pub today: Date,
    pub generated: Option<String>,
    pub findings: &'a [Diagnostic],
    pub mermaid: Option<String>,
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
    pub fn new(input: ReportInput<'a>) -> Self {
        let ReportInput {
            model,
            sources,
            today,
            generated,
            findings,
            mermaid,
        } = input;
        let coverage: Vec<Coverage> = model
            .threat_ids()
            .map(|t| model.coverage(t, today))
            .collect();
        let threat_ref = |t: ThreatId| -> ThreatRef<'a> {
            let threat = model.threat(t);
            ThreatRef {
                id: &threat.id,
                title: &threat.title,
                category: threat.category.as_str(),
                category_title: threat.category.title(),
                severity: threat.severity.as_str(),
                cwe: &threat.cwe,
                coverage: coverage[t.index()].as_str(),
                description: threat.description.as_deref(),
                targets: threat.targets.iter().map(|x| model.target_id(*x)).collect(),
            }
        };
        let mitigation_ref = |m: crate::model::MitigationId| -> MitigationRef<'a> {
            let mitigation = model.mitigation(m);
            MitigationRef {
                id: &mitigation.id,
                title: &mitigation.title,
                status: mitigation.status.as_str(),
                owner: mitigation.owner.as_deref(),
                description: mitigation.description.as_deref(),
                threats: mitigation
                    .mitigates
                    .iter()
                    .map(|t| model.threat(*t).id.as_str())
                    .collect(),
                references: &mitigation.references,
            }
        };
        let acceptance_view = |i: usize| -> AcceptanceView<'a> {
            let a = &model.acceptances[i];
            let threat = model.threat(a.threat);
            AcceptanceView {
                threat: &threat.id,
                threat_title: &threat.title,
                justification: &a.justification,
                approved_by: &a.approved_by,
                expires: a.expires.to_string(),
                expired: a.expires < today,
            }
        };
        let mitigations_of = |threats: &[ThreatId]| -> Vec<MitigationRef<'a>> {
            let mut ids: Vec<_> = threats
                .iter()
                .flat_map(|t| model.threat(*t).mitigations.iter().copied())
                .collect();
            ids.sort();
            ids.dedup();
            ids.into_iter().map(mitigation_ref).collect()
        };

        let mut zone_components: BTreeMap<usize, Vec<&'a str>> = BTreeMap::new();
        for c in model.component_ids() {
            let comp = model.component(c);
            zone_components
                .entry(comp.zone.index())
                .or_default()
                .push(&comp.id);
        }
        let zones = model
            .zone_ids()
            .map(|z| {
                let zone = model.zone(z);
                ZoneView {
                    id: &zone.id,
                    name: &zone.name,
                    trust: zone.trust,
                    inside: zone.parent.map(|p| model.zone(p).id.as_str()),
                    depth: zone.depth,
                    description: zone.description.as_deref(),
                    components: zone_components.remove(&z.index()).unwrap_or_default(),
                }
            })
            .collect();

        let components = model
            .component_ids()
            .map(|c| component_view(model, c, &threat_ref, &mitigations_of))
            .collect();

        let flows = model
            .flow_ids()
            .map(|f| flow_view(model, f, &threat_ref))
            .collect();

        let mut flow_threat_ids = Vec::new();
        let threats = model
            .threat_ids()
            .map(|t| {
                let threat = model.threat(t);
                if threat.targets.iter().any(|x| matches!(x, Target::Flow(_))) {
                    flow_threat_ids.push(t);
                }
                ThreatView {
                    threat: threat_ref(t),
                    capec: &threat.capec,
                    mitigations: threat
                        .mitigations
                        .iter()
                        .map(|m| mitigation_ref(*m))
                        .collect(),
                    acceptances: threat
                        .acceptances
                        .iter()
                        .map(|a| acceptance_view(a.index()))
                        .collect(),
                }
            })
            .collect();

        let mut uncovered: Vec<ThreatId> = model
            .threat_ids()
            .filter(|t| coverage[t.index()] == Coverage::Uncovered)
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
            components,
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
            flows,
            flow_mitigations: mitigations_of(&flow_threat_ids),
            flow_threats: flow_threat_ids.into_iter().map(threat_ref).collect(),
            threats,
            mitigations: model
                .mitigation_ids()
                .map(|m| MitigationView {
                    mitigation: mitigation_ref(m),
                })
                .collect(),
            acceptances: (0..model.acceptances.len()).map(acceptance_view).collect(),
            reviews: review_views(model),
            uncovered: uncovered.into_iter().map(threat_ref).collect(),
            categories,
            findings: findings
                .iter()
                .map(|d| {
                    let (file, line, column) = d.position(sources);
                    FindingView {
                        code: d.code.as_str(),
                        severity: d.severity.as_str(),
                        message: d.message.clone(),
                        file,
                        line,
                        column,
                    }
                })
                .collect(),
            mermaid,
        }
    }
}

fn component_view<'a>(
    model: &'a Model,
    c: ComponentId,
    threat_ref: &impl Fn(ThreatId) -> ThreatRef<'a>,
    mitigations_of: &impl Fn(&[ThreatId]) -> Vec<MitigationRef<'a>>,
) -> ComponentView<'a> {
    let comp = model.component(c);
    let zone = model.zone(comp.zone);
    let mut flows_in = Vec::new();
    let mut flows_out = Vec::new();
    for f in model.flows_of(c) {
        let flow = model.flow(f);
        if flow.to == c {
            flows_in.push(flow.id.as_str());
        }
        if flow.from == c {
            flows_out.push(flow.id.as_str());
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
        threats: comp.threats.iter().map(|t| threat_ref(*t)).collect(),
        mitigations: mitigations_of(&comp.threats),
        flows_in,
        flows_out,
    }
}

fn flow_view<'a>(
    model: &'a Model,
    f: FlowId,
    threat_ref: &impl Fn(ThreatId) -> ThreatRef<'a>,
) -> FlowView<'a> {
    let flow = model.flow(f);
    let (from, to) = (model.component(flow.from), model.component(flow.to));
    FlowView {
        number: f.index() + 1,
        id: &flow.id,
        name: &flow.name,
        from: &from.id,
        to: &to.id,
        from_name: &from.name,
        to_name: &to.name,
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
        threats: flow.threats.iter().map(|t| threat_ref(*t)).collect(),
    }
}
