//! Check: the cross-check rules that run on a resolved model.
//!
//! Each rule is its own module with one `run` function that pushes coded diagnostics into
//! the collector. Rules never print and never decide exit codes; they only look at the
//! model. The date that decides whether an acceptance has expired comes in [`Options`],
//! so results are reproducible.

mod empty_model;
mod expired_acceptance;
mod near_miss;
mod orphan_component;
mod review_required;
pub mod stride_coverage;
mod uncovered_threat;
mod unmitigated_threat;
mod unprotected_crossing;
mod unused_mitigation;

use serde::Serialize;

use crate::diag::Diagnostics;
use crate::kinds::ModelState;
use crate::load::RawModel;
use crate::model::{Coverage, Date, Level, Model};

/// What the rules need beyond the model.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The day acceptances are judged against.
    pub today: Date,
    /// When set, the model's latest approval must approve its current state;
    /// `check --require-review` sets it.
    pub require_review: Option<ReviewRequirement>,
    /// When set, `uncovered-threat` is reported only for threats whose inherent risk
    /// ([`Model::risk`]) is at or above this level; `check --min-risk` sets it.
    pub min_risk: Option<Level>,
    /// Run the opt-in `stride-coverage` rule; `check --stride-coverage` sets it.
    pub stride_coverage: bool,
}

impl Options {
    /// Judge on `today`, without asking for a review.
    pub fn new(today: Date) -> Options {
        Options {
            today,
            require_review: None,
            min_risk: None,
            stride_coverage: false,
        }
    }
}

/// What `check --require-review` holds the latest approval against.
#[derive(Clone, Copy, Debug)]
pub struct ReviewRequirement {
    /// The model's state now ([`crate::review::state`]).
    pub state: ModelState,
    /// The day the model last changed (its last commit, or file times): judges an
    /// approval that records no `state`. `None` when the caller did not work it out.
    pub last_change: Option<Date>,
}

/// Threats split into those written in the model and, per element, those instantiated
/// from knowledge bases: rules report the former one by one and the latter once per
/// element, so that a knowledge base applied to a large model does not repeat itself.
pub(crate) struct ByElement {
    pub written: Vec<crate::model::ThreatId>,
    /// (the element, its instances), elements in model order.
    pub instances: Vec<(crate::model::Target, Vec<crate::model::ThreatId>)>,
}

impl ByElement {
    pub fn of(model: &Model, threats: impl Iterator<Item = crate::model::ThreatId>) -> ByElement {
        let mut by = ByElement {
            written: Vec::new(),
            instances: Vec::new(),
        };
        for t in threats {
            let threat = model.threat(t);
            match (threat.pattern, threat.targets.first()) {
                (Some(_), Some(target)) => match by.instances.last_mut() {
                    // Instances are made element by element, so a group is a run.
                    Some((last, group)) if last == target => group.push(t),
                    _ => by.instances.push((*target, vec![t])),
                },
                _ => by.written.push(t),
            }
        }
        by
    }
}

/// Runs every rule on `model`.
pub fn run(model: &Model, options: &Options, diags: &mut Diagnostics) {
    empty_model::run(model, diags);
    uncovered_threat::run(model, options, diags);
    unmitigated_threat::run(model, options, diags);
    expired_acceptance::run(model, options, diags);
    unprotected_crossing::run(model, diags);
    orphan_component::run(model, diags);
    unused_mitigation::run(model, diags);
    near_miss::run(model, diags);
    review_required::run(model, options, diags);
    if options.stride_coverage {
        stride_coverage::run(model, diags);
    }
}

/// Counts of a model, for `check --format json` and the reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub components: usize,
    pub zones: usize,
    pub flows: usize,
    pub assets: usize,
    pub threats: usize,
    pub mitigations: usize,
    pub acceptances: usize,
    /// Threats with neither a mitigation nor a valid acceptance; `None` when the model
    /// could not be resolved.
    pub uncovered_threats: Option<usize>,
    /// Threats with an implemented or verified mitigation.
    pub mitigated_threats: Option<usize>,
    /// Threats covered by a valid acceptance only.
    pub accepted_threats: Option<usize>,
    /// Threats whose mitigations are all still to be done.
    pub planned_threats: Option<usize>,
    /// Flows between two zones.
    pub boundary_crossings: Option<usize>,
    /// The share of (element, applicable STRIDE category) pairs that a threat or a
    /// `[[not-applicable]]` considers, in whole percent rounded down; see the
    /// `stride-coverage` rule. `None` when the model could not be resolved.
    pub stride_coverage_percent: Option<u8>,
}

impl Summary {
    /// Counts of a resolved model.
    pub fn of_model(model: &Model, today: Date) -> Summary {
        let mut by = [0usize; 4];
        for t in model.threat_ids() {
            by[model.coverage(t, today) as usize] += 1;
        }
        Summary {
            components: model.graph.node_count(),
            zones: model.zones.len(),
            flows: model.graph.edge_count(),
            assets: model.assets.len(),
            threats: model.threats.len(),
            mitigations: model.mitigations.len(),
            acceptances: model.acceptances.len(),
            uncovered_threats: Some(by[Coverage::Uncovered as usize]),
            planned_threats: Some(by[Coverage::Planned as usize]),
            accepted_threats: Some(by[Coverage::Accepted as usize]),
            mitigated_threats: Some(by[Coverage::Mitigated as usize]),
            boundary_crossings: Some(
                model
                    .flow_ids()
                    .filter(|f| model.flow(*f).crossing.is_some())
                    .count(),
            ),
            stride_coverage_percent: Some(stride_coverage::gaps(model).percent()),
        }
    }

    /// Counts of what could be read from a model that did not resolve.
    pub fn of_raw(raw: &RawModel) -> Summary {
        Summary {
            components: raw.component.len(),
            zones: raw.zone.len(),
            flows: raw.flow.len(),
            assets: raw.asset.len(),
            threats: raw.threat.len(),
            mitigations: raw.mitigation.len(),
            acceptances: raw.acceptance.len(),
            ..Summary::default()
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::diag::Code;

    /// The codes the rules report on a one-file model (manifest included by the helper).
    pub fn codes(entities: &str, today: &str) -> Vec<Code> {
        codes_with(entities, &Options::new(Date::parse(today).unwrap()))
    }

    /// [`codes`] with options beyond the date.
    pub fn codes_with(entities: &str, options: &Options) -> Vec<Code> {
        let manifest = "[project]\nname = \"t\"\n";
        let project = crate::open_texts([("threatbook.toml", manifest), ("m.toml", entities)]);
        let errors: Vec<_> = project
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect();
        let model = project
            .model
            .unwrap_or_else(|| panic!("fixture does not resolve: {errors:?}"));
        let mut diags = Diagnostics::default();
        run(&model, options, &mut diags);
        diags.iter().map(|d| d.code).collect()
    }

    pub const BASE: &str = r#"
[[zone]]
id = "internet"
name = "Internet"
trust = 0

[[zone]]
id = "dc"
name = "Data centre"
trust = 8

[[component]]
id = "user"
name = "User"
kind = "external-entity"
zone = "internet"

[[component]]
id = "api"
name = "API"
kind = "process"
zone = "dc"
"#;
}
