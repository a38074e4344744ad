//! Attack paths: the ways along flows from where an attacker starts to where sensitive
//! data lies, with the threats left open on each.
//!
//! Sources are external entities and components in zones of trust 0. Targets are data
//! stores and components that receive a flow carrying confidential or restricted data;
//! a component that is both is only a source. The search is bounded so that large
//! models stay fast (see the `search` module): without a target, one breadth-first search from
//! all sources gives each target its shortest path; for one target (`to`), Yen's
//! algorithm gives its `k` shortest simple paths. All simple paths are never
//! enumerated. This module does no I/O; `threatbook paths` prints what it finds.

mod search;
mod text;

use serde::Serialize;

pub use self::search::Walk;
pub use self::text::text;
use crate::model::{
    ComponentId, ComponentKind, Coverage, Date, EntityRef, FlowId, Level, Model, ThreatId,
};

/// What to search for.
#[derive(Clone, Debug)]
pub struct Query {
    /// Start only at this source (a component id).
    pub from: Option<String>,
    /// Only paths to this target (a component id); turns on `k` shortest paths.
    pub to: Option<String>,
    /// How many shortest paths to a target given with `to` (at least 1).
    pub k: usize,
    /// The day coverage is judged on.
    pub today: Date,
}

/// A query that cannot be answered. Each carries a hint: the closest ids that would
/// do, or the few that there are.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("`{id}` is not a component of the model{hint}")]
    NotAComponent { id: String, hint: String },
    #[error(
        "`{id}` is not a source: sources are external entities and components in zones of trust 0{hint}"
    )]
    NotASource { id: String, hint: String },
    #[error(
        "`{id}` is not a target: targets are data stores and components receiving confidential or restricted data{hint}"
    )]
    NotATarget { id: String, hint: String },
}

/// How many ids a hint lists when none is close to the one given.
const HINT_LIST_MAX: usize = 6;

/// "; did you mean `x`?" with the ids of `candidates` closest to `id`; else, when there
/// are only a few, "; the {what}s are `a` or `b`"; else nothing.
fn hint(model: &Model, id: &str, candidates: &[ComponentId], what: &str) -> String {
    let ids: Vec<&str> = candidates
        .iter()
        .map(|c| model.component(*c).id.as_str())
        .collect();
    let close = crate::diag::suggest(id, ids.iter().copied());
    if !close.is_empty() {
        format!("; did you mean {}?", crate::diag::quoted_list(&close))
    } else if ids.is_empty() {
        format!("; the model has no {what}")
    } else if ids.len() <= HINT_LIST_MAX {
        let mut ids = ids;
        ids.sort_unstable();
        let list: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
        format!("; the {what}s are {}", list.join(", "))
    } else {
        String::new()
    }
}

/// How well one step of a path is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Protection {
    /// Every threat of the step is mitigated or accepted.
    Protected,
    /// Some of its threats are mitigated or accepted, others are not.
    Partial,
    /// None of its threats is mitigated or accepted, or it has none.
    Unprotected,
}

/// One step of a path: a flow and the component it reaches.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    pub flow: FlowId,
    pub protection: Protection,
    /// The highest residual risk among the step's threats; `None` without threats.
    pub residual_risk: Option<Level>,
    /// The step's threats, not-applicable ones left out.
    pub threats: usize,
    /// How many of them are mitigated or accepted.
    pub handled: usize,
}

/// One attack path.
#[derive(Clone, Debug)]
pub struct AttackPath {
    pub walk: Walk,
    /// Threats on the path's components and flows that are neither mitigated, accepted
    /// nor not applicable, most severe first, each once.
    pub open_threats: Vec<ThreatId>,
    /// Its steps, in order, one per flow.
    pub steps: Vec<Step>,
    /// Whether no step is protected, even partly (see [`Analysis`]).
    pub unprotected: bool,
}

/// The paths found, fully unprotected ones first, then shortest, then with the most
/// open threats, then in model order.
///
/// A path's *steps* are its flows, each with the component it reaches; a step's threats
/// are those on the flow and on that component (not-applicable ones left out). A step is
/// *protected* when it has threats and every one is mitigated or accepted, *partial*
/// when some are, and *unprotected* when none is (which includes steps without
/// threats). Each step carries the highest residual risk among its threats. A path is
/// *fully unprotected* only when every step is unprotected.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub sources: Vec<ComponentId>,
    pub targets: Vec<ComponentId>,
    pub paths: Vec<AttackPath>,
    /// Targets that no source reaches.
    pub unreachable: Vec<ComponentId>,
}

/// Where attackers start: external entities and components in zones of trust 0.
pub fn sources(model: &Model) -> Vec<ComponentId> {
    model
        .component_ids()
        .filter(|c| {
            let c = model.component(*c);
            c.kind == ComponentKind::ExternalEntity || model.zone(c.zone).trust == 0
        })
        .collect()
}

/// What attackers want: data stores and components that receive sensitive data. Sources
/// are left out.
pub fn targets(model: &Model) -> Vec<ComponentId> {
    let mut wanted = vec![false; model.graph.node_count()];
    for c in model.component_ids() {
        wanted[c.index()] = model.component(c).kind == ComponentKind::DataStore;
    }
    for f in model.flow_ids() {
        let flow = model.flow(f);
        if flow
            .data
            .iter()
            .any(|a| model.asset(*a).classification.is_sensitive())
        {
            wanted[flow.to.index()] = true;
        }
    }
    let mut is_source = vec![false; model.graph.node_count()];
    for s in sources(model) {
        is_source[s.index()] = true;
    }
    model
        .component_ids()
        .filter(|c| wanted[c.index()] && !is_source[c.index()])
        .collect()
}

fn component(model: &Model, id: &str) -> Result<ComponentId, Error> {
    match model.lookup(id) {
        Some(EntityRef::Component(c)) => Ok(c),
        _ => {
            let all: Vec<ComponentId> = model.component_ids().collect();
            Err(Error::NotAComponent {
                id: id.to_string(),
                hint: hint(model, id, &all, "component"),
            })
        }
    }
}

/// Finds the attack paths of `model` that `query` asks for.
pub fn analyse(model: &Model, query: &Query) -> Result<Analysis, Error> {
    let mut sources = sources(model);
    let mut targets = targets(model);
    if let Some(id) = &query.from {
        let c = component(model, id)?;
        if !sources.contains(&c) {
            return Err(Error::NotASource {
                id: id.clone(),
                hint: hint(model, id, &sources, "source"),
            });
        }
        sources = vec![c];
    }
    if let Some(id) = &query.to {
        let c = component(model, id)?;
        if !targets.contains(&c) {
            return Err(Error::NotATarget {
                id: id.clone(),
                hint: hint(model, id, &targets, "target"),
            });
        }
        targets = vec![c];
    }
    let coverage: Vec<Coverage> = model
        .threat_ids()
        .map(|t| model.coverage(t, query.today))
        .collect();
    let mut walks = Vec::new();
    let mut unreachable = Vec::new();
    if query.to.is_some() {
        let found = search::k_shortest(model, &sources, targets[0], query.k.max(1));
        if found.is_empty() {
            unreachable.push(targets[0]);
        }
        walks = found;
    } else {
        let tree = search::Tree::new(model, &sources);
        for t in &targets {
            match tree.walk_to(model, *t) {
                Some(w) if !w.flows.is_empty() => walks.push(w),
                _ => unreachable.push(*t),
            }
        }
    }
    let mut paths: Vec<AttackPath> = walks
        .into_iter()
        .map(|walk| judge(model, &coverage, query.today, walk))
        .collect();
    paths.sort_by(|a, b| {
        (
            !a.unprotected,
            a.walk.flows.len(),
            std::cmp::Reverse(a.open_threats.len()),
        )
            .cmp(&(
                !b.unprotected,
                b.walk.flows.len(),
                std::cmp::Reverse(b.open_threats.len()),
            ))
    });
    Ok(Analysis {
        sources,
        targets,
        paths,
        unreachable,
    })
}

fn is_open(c: Coverage) -> bool {
    !c.is_handled()
}

/// A step: the threats on the flow and on the component it reaches, judged.
fn step(model: &Model, coverage: &[Coverage], today: Date, f: FlowId) -> Step {
    let flow = model.flow(f);
    let (mut threats, mut handled) = (0, 0);
    let mut residual: Option<Level> = None;
    for t in flow.threats.iter().chain(&model.component(flow.to).threats) {
        let c = coverage[t.index()];
        if c == Coverage::NotApplicable {
            continue;
        }
        threats += 1;
        handled += usize::from(c.is_handled());
        let r = model.residual_risk(*t, today);
        residual = Some(residual.map_or(r, |x| x.max(r)));
    }
    let protection = if threats > 0 && handled == threats {
        Protection::Protected
    } else if handled > 0 {
        Protection::Partial
    } else {
        Protection::Unprotected
    };
    Step {
        flow: f,
        protection,
        residual_risk: residual,
        threats,
        handled,
    }
}

fn judge(model: &Model, coverage: &[Coverage], today: Date, walk: Walk) -> AttackPath {
    let mut open: Vec<ThreatId> = walk
        .nodes
        .iter()
        .flat_map(|c| model.component(*c).threats.iter())
        .chain(
            walk.flows
                .iter()
                .flat_map(|f| model.flow(*f).threats.iter()),
        )
        .copied()
        .filter(|t| is_open(coverage[t.index()]))
        .collect();
    open.sort_by_key(|t| (std::cmp::Reverse(model.threat(*t).severity), *t));
    open.dedup();
    let steps: Vec<Step> = walk
        .flows
        .iter()
        .map(|f| step(model, coverage, today, *f))
        .collect();
    let unprotected = steps
        .iter()
        .all(|s| s.protection == Protection::Unprotected);
    AttackPath {
        walk,
        open_threats: open,
        steps,
        unprotected,
    }
}

/// An attack path with ids, for JSON and for templates.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PathOut {
    /// The source component's id.
    pub from: String,
    /// The target component's id.
    pub to: String,
    /// Component ids, source first.
    pub components: Vec<String>,
    /// Flow ids, in order.
    pub flows: Vec<String>,
    /// Ids of the threats on the path that are neither mitigated, accepted nor not
    /// applicable, most severe first.
    pub open_threats: Vec<String>,
    /// Its steps, one per flow, in order.
    pub steps: Vec<StepOut>,
    /// No step is protected, even partly.
    pub unprotected: bool,
}

/// A step of a path with ids, for JSON and for templates.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct StepOut {
    /// The flow's id.
    pub flow: String,
    /// The id of the component it reaches.
    pub to: String,
    pub protection: Protection,
    /// The highest residual risk among the step's threats; null without threats.
    pub residual_risk: Option<Level>,
    /// The step's threats (on the flow and on the component it reaches), not-applicable
    /// ones left out.
    pub threats: usize,
    /// How many of them are mitigated or accepted.
    pub handled: usize,
}

/// The JSON shape of `threatbook paths --format json`.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct AnalysisOut {
    pub sources: Vec<String>,
    pub targets: Vec<String>,
    pub paths: Vec<PathOut>,
    /// Targets no source reaches.
    pub unreachable: Vec<String>,
}

impl AnalysisOut {
    pub fn new(model: &Model, analysis: &Analysis) -> AnalysisOut {
        let ids = |cs: &[ComponentId]| -> Vec<String> {
            cs.iter().map(|c| model.component(*c).id.clone()).collect()
        };
        AnalysisOut {
            sources: ids(&analysis.sources),
            targets: ids(&analysis.targets),
            paths: analysis.paths.iter().map(|p| path_out(model, p)).collect(),
            unreachable: ids(&analysis.unreachable),
        }
    }
}

pub fn path_out(model: &Model, p: &AttackPath) -> PathOut {
    let nodes = &p.walk.nodes;
    PathOut {
        from: model.component(nodes[0]).id.clone(),
        to: model.component(nodes[nodes.len() - 1]).id.clone(),
        components: nodes
            .iter()
            .map(|c| model.component(*c).id.clone())
            .collect(),
        flows: p
            .walk
            .flows
            .iter()
            .map(|f| model.flow(*f).id.clone())
            .collect(),
        open_threats: p
            .open_threats
            .iter()
            .map(|t| model.threat(*t).id.clone())
            .collect(),
        steps: p
            .steps
            .iter()
            .map(|s| StepOut {
                flow: model.flow(s.flow).id.clone(),
                to: model.component(model.flow(s.flow).to).id.clone(),
                protection: s.protection,
                residual_risk: s.residual_risk,
                threats: s.threats,
                handled: s.handled,
            })
            .collect(),
        unprotected: p.unprotected,
    }
}
