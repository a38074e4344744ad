//! Check: the cross-check rules that run on a resolved model.
//!
//! Each rule is its own module with one `run` function that pushes coded diagnostics into
//! the collector. Rules never print and never decide exit codes; they only look at the
//! model. The date that decides whether an acceptance has expired comes in [`Options`],
//! so results are reproducible.

mod contradicted_mitigation;
mod empty_model;
mod expired_acceptance;
mod expiring_acceptance;
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
    /// The least a threat's mitigations must have reached for the gate to pass;
    /// `check --require` sets it.
    pub require: Require,
    /// `expiring-acceptance` warns about acceptances that end within this many days;
    /// `check --expiry-window` sets it.
    pub expiry_window: u32,
}

/// How far a threat's handling must have got for `check` to pass: the states below it
/// are errors. A mitigated, accepted or not-applicable threat always passes, and an
/// uncovered one (or one whose acceptance expired) never does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Require {
    /// Any mitigation, even one only proposed (the default).
    #[default]
    Proposed,
    /// A mitigation that is at least planned.
    Planned,
    /// An implemented or verified mitigation.
    Mitigated,
}

impl Require {
    /// Every level with its name, as `check --require` takes it.
    pub const ALL: [(&'static str, Require); 3] = [
        ("proposed", Require::Proposed),
        ("planned", Require::Planned),
        ("mitigated", Require::Mitigated),
    ];

    /// Whether a threat in state `c` passes.
    pub fn accepts(self, c: Coverage) -> bool {
        match c {
            Coverage::Uncovered | Coverage::AcceptanceExpired => false,
            Coverage::ProposedOnly => self == Require::Proposed,
            Coverage::Planned => self <= Require::Planned,
            Coverage::Accepted | Coverage::Mitigated | Coverage::NotApplicable => true,
        }
    }
}

/// Days before its end that an acceptance is reported as expiring, unless set.
pub const DEFAULT_EXPIRY_WINDOW: u32 = 30;

impl Options {
    /// Judge on `today`, without asking for a review.
    pub fn new(today: Date) -> Options {
        Options {
            today,
            require_review: None,
            min_risk: None,
            stride_coverage: false,
            require: Require::Proposed,
            expiry_window: DEFAULT_EXPIRY_WINDOW,
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
    expiring_acceptance::run(model, options, diags);
    contradicted_mitigation::run(model, diags);
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
    /// Threats in state uncovered: no mitigation and no acceptance; `None` when the
    /// model could not be resolved (as every count below).
    pub uncovered_threats: Option<usize>,
    /// Threats in state acceptance expired: no mitigation, and every acceptance of
    /// them has expired.
    pub acceptance_expired_threats: Option<usize>,
    /// Threats in state proposed only: their mitigations are all only proposed (or
    /// claimed done but contradicted by the model).
    pub proposed_only_threats: Option<usize>,
    /// Threats in state planned: a planned mitigation, none implemented or verified.
    pub planned_threats: Option<usize>,
    /// Threats in state accepted: no effective mitigation, a valid acceptance.
    pub accepted_threats: Option<usize>,
    /// Threats in state mitigated: an implemented or verified mitigation that the
    /// model does not contradict.
    pub mitigated_threats: Option<usize>,
    /// Threats in state not applicable: knowledge-base threats the model marks so.
    pub not_applicable_threats: Option<usize>,
    /// Mitigated threats as a share of all threats, in whole percent rounded down
    /// (0 for a model without threats).
    pub mitigated_percent: Option<u8>,
    /// Flows between two zones.
    pub boundary_crossings: Option<usize>,
    /// The share of (element, applicable STRIDE category) pairs that a threat or a
    /// `[[not-applicable]]` considers, in whole percent rounded down; see the
    /// `stride-coverage` rule. `None` when the model could not be resolved.
    pub stride_coverage_percent: Option<u8>,
}

/// `part` as a whole percentage of `whole`, rounded down; 0 of nothing is 0.
pub fn percent_of(part: usize, whole: usize) -> u8 {
    (part.min(whole) * 100).checked_div(whole).unwrap_or(0) as u8
}

impl Summary {
    /// The count of threats in state `c`, when the model resolved.
    pub fn count(&self, c: Coverage) -> Option<usize> {
        match c {
            Coverage::Uncovered => self.uncovered_threats,
            Coverage::AcceptanceExpired => self.acceptance_expired_threats,
            Coverage::ProposedOnly => self.proposed_only_threats,
            Coverage::Planned => self.planned_threats,
            Coverage::Accepted => self.accepted_threats,
            Coverage::Mitigated => self.mitigated_threats,
            Coverage::NotApplicable => self.not_applicable_threats,
        }
    }

    /// Counts of a resolved model.
    pub fn of_model(model: &Model, today: Date) -> Summary {
        let mut by = [0usize; Coverage::ALL.len()];
        for t in model.threat_ids() {
            by[model.coverage(t, today) as usize] += 1;
        }
        let mitigated = by[Coverage::Mitigated as usize];
        Summary {
            components: model.graph.node_count(),
            zones: model.zones.len(),
            flows: model.graph.edge_count(),
            assets: model.assets.len(),
            threats: model.threats.len(),
            mitigations: model.mitigations.len(),
            acceptances: model.acceptances.len(),
            uncovered_threats: Some(by[Coverage::Uncovered as usize]),
            acceptance_expired_threats: Some(by[Coverage::AcceptanceExpired as usize]),
            proposed_only_threats: Some(by[Coverage::ProposedOnly as usize]),
            planned_threats: Some(by[Coverage::Planned as usize]),
            accepted_threats: Some(by[Coverage::Accepted as usize]),
            mitigated_threats: Some(mitigated),
            not_applicable_threats: Some(by[Coverage::NotApplicable as usize]),
            mitigated_percent: Some(percent_of(mitigated, model.threats.len())),
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

#[cfg(test)]
mod tests {
    use super::testing::BASE;
    use crate::model::{Coverage, Date};

    /// The state of threat `t1` with these mitigations and acceptances, on 2027-01-01.
    fn state(extra: &str) -> Coverage {
        let entities = format!(
            "{BASE}[[flow]]\nid = \"f\"\nname = \"F\"\nfrom = \"user\"\nto = \"api\"\n\
             [[threat]]\nid = \"t1\"\ntitle = \"T\"\ncategory = \"spoofing\"\ntargets = [\"f\"]\nseverity = \"low\"\n{extra}"
        );
        let project = crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"t\"\n"),
            ("m.toml", entities.as_str()),
        ]);
        let model = project.model.expect("the model loads");
        let t = model.threat_ids().next().unwrap();
        model.coverage(t, Date::parse("2027-01-01").unwrap())
    }

    fn mitigation(id: &str, status: &str, more: &str) -> String {
        format!(
            "[[mitigation]]\nid = \"{id}\"\ntitle = \"M\"\nmitigates = [\"t1\"]\nstatus = \"{status}\"\n{more}"
        )
    }

    fn acceptance(expires: &str) -> String {
        format!(
            "[[acceptance]]\nthreat = \"t1\"\njustification = \"j\"\napproved_by = \"ciso\"\nexpires = {expires}\n"
        )
    }

    #[test]
    fn each_threat_is_in_the_first_state_that_holds() {
        assert_eq!(state(""), Coverage::Uncovered);
        assert_eq!(
            state(&acceptance("2026-01-01")),
            Coverage::AcceptanceExpired
        );
        assert_eq!(state(&acceptance("2027-06-01")), Coverage::Accepted);
        assert_eq!(
            state(&mitigation("m", "proposed", "")),
            Coverage::ProposedOnly
        );
        let planned = mitigation("m", "planned", "") + &mitigation("n", "proposed", "");
        assert_eq!(state(&planned), Coverage::Planned);
        // A valid acceptance outranks mitigations still to do; an expired one does not.
        assert_eq!(
            state(&(mitigation("m", "planned", "") + &acceptance("2027-06-01"))),
            Coverage::Accepted
        );
        assert_eq!(
            state(&(mitigation("m", "proposed", "") + &acceptance("2026-01-01"))),
            Coverage::ProposedOnly
        );
        assert_eq!(
            state(&(mitigation("m", "verified", "") + &acceptance("2027-06-01"))),
            Coverage::Mitigated
        );
        // The flow is not encrypted: a mitigation that requires it is contradicted, and
        // counts as no more than proposed.
        let claim = mitigation("m", "implemented", "requires = { encrypted = true }\n");
        assert_eq!(state(&claim), Coverage::ProposedOnly);
        let claim = mitigation("m", "implemented", "requires = { encrypted = false }\n");
        assert_eq!(state(&claim), Coverage::Mitigated);
    }

    #[test]
    fn the_gate_accepts_states_by_requirement() {
        use super::Require;
        for c in Coverage::ALL {
            assert_eq!(Require::Proposed.accepts(c), !c.is_uncovered(), "{c:?}");
            assert!(Require::Planned.accepts(c) <= Require::Proposed.accepts(c));
            assert!(Require::Mitigated.accepts(c) <= Require::Planned.accepts(c));
            assert_eq!(Require::Mitigated.accepts(c), c.is_handled(), "{c:?}");
        }
    }

    #[test]
    fn a_malformed_requirement_is_located() {
        let entities = format!(
            "{BASE}[[threat]]\nid = \"t1\"\ntitle = \"T\"\ncategory = \"spoofing\"\ntargets = [\"api\"]\nseverity = \"low\"\n{}",
            mitigation("m", "implemented", "requires = { encrypt = true }\n")
        );
        let project = crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"t\"\n"),
            ("m.toml", entities.as_str()),
        ]);
        assert!(project.model.is_none());
        let d = project
            .diagnostics
            .iter()
            .find(|d| d.code == crate::diag::Code::UnknownField)
            .expect("an unknown-field error");
        assert!(d.message.contains("`encrypt`"), "{}", d.message);
        assert!(
            d.help.iter().any(|h| h.contains("encrypted")),
            "{:?}",
            d.help
        );
    }
}
