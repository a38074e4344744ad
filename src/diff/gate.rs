//! The conditions `threatbook diff --fail-on` can gate CI on, and which of them a diff
//! fires and why. Each condition reads only the lists of a [`ModelDiff`]; it does not
//! look at the models again, print, or choose an exit code.

use serde::Serialize;

use super::ModelDiff;
use super::meaning::CoverageChange;
use crate::model::{Choice, Coverage};

/// Whether a threat in this state needs no more work now: it is mitigated, accepted or
/// not applicable ([`Coverage::is_handled`]).
pub fn is_handled(c: Coverage) -> bool {
    c.is_handled()
}

/// A condition that fails the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// A threat uncovered now that was not before, or a new uncovered threat.
    NewUncovered,
    /// A threat not handled now ([`is_handled`]) that was handled before, or a new one.
    NewUnmitigated,
    /// A mitigation's status went down, or an effective one was removed while threats it
    /// mitigated remain.
    MitigationRegressed,
    /// A threat's residual risk went up, or a new threat's is high or critical.
    RiskIncreased,
    /// A flow crosses a trust boundary it did not cross before (new flows included).
    NewBoundaryCrossing,
    /// An acceptance valid in the old model is expired in the new one, or a new
    /// acceptance is expired already.
    AcceptanceExpired,
}

impl Condition {
    /// Every condition with its name, in the order the docs list them.
    pub const ALL: &'static [(&'static str, Condition)] = &[
        ("new-uncovered", Condition::NewUncovered),
        ("new-unmitigated", Condition::NewUnmitigated),
        ("mitigation-regressed", Condition::MitigationRegressed),
        ("risk-increased", Condition::RiskIncreased),
        ("new-boundary-crossing", Condition::NewBoundaryCrossing),
        ("acceptance-expired", Condition::AcceptanceExpired),
    ];

    pub fn as_str(self) -> &'static str {
        Condition::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("", |(n, _)| n)
    }

    pub fn from_name(name: &str) -> Option<Condition> {
        Condition::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
    }
}

/// One condition that fired, with every entity that made it fire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub condition: Condition,
    pub items: Vec<FailedItem>,
}

/// An entity that made a condition fire, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FailedItem {
    /// The threat, mitigation or flow, by its id in the new model.
    pub id: String,
    pub why: String,
}

fn coverage_why(c: &CoverageChange) -> String {
    match c.old {
        Some(o) => format!("{} → {}", o.as_str(), c.new.as_str()),
        None => format!("new threat, {}", c.new.as_str()),
    }
}

/// The items that make one condition fire (none: it does not).
fn items(d: &ModelDiff, condition: Condition) -> Vec<FailedItem> {
    let item = |id: &str, why: String| FailedItem {
        id: id.to_string(),
        why,
    };
    let coverage = || {
        d.newly_uncovered
            .iter()
            .chain(&d.newly_mitigated)
            .chain(&d.coverage_changes)
    };
    let mut out: Vec<FailedItem> = match condition {
        Condition::NewUncovered => d
            .newly_uncovered
            .iter()
            .map(|c| item(&c.threat, coverage_why(c)))
            .collect(),
        Condition::NewUnmitigated => coverage()
            .filter(|c| !is_handled(c.new) && c.old.is_none_or(is_handled))
            .map(|c| item(&c.threat, coverage_why(c)))
            .collect(),
        Condition::MitigationRegressed => d
            .status_changes
            .iter()
            .filter(|s| s.regressed())
            .map(|s| {
                let why = match s.new {
                    Some(n) => format!("{} → {}", s.old.as_str(), n.as_str()),
                    None => format!(
                        "{}, removed while its threats remain: {}",
                        s.old.as_str(),
                        s.threats.join(", ")
                    ),
                };
                item(&s.mitigation, why)
            })
            .collect(),
        Condition::RiskIncreased => d
            .residual_risk_changes
            .iter()
            .filter(|r| r.old.is_none_or(|o| o < r.new))
            .map(|r| {
                let why = match r.old {
                    Some(o) => format!("residual risk {} → {}", o.as_str(), r.new.as_str()),
                    None => format!("new threat, residual risk {}", r.new.as_str()),
                };
                item(&r.threat, why)
            })
            .collect(),
        Condition::NewBoundaryCrossing => d
            .new_crossings
            .iter()
            .map(|c| {
                let yes = |b: bool, what: &str| {
                    if b {
                        what.to_string()
                    } else {
                        format!("not {what}")
                    }
                };
                let why = format!(
                    "{} → {}, {}, {}, {}",
                    c.from_zone,
                    c.to_zone,
                    c.direction,
                    yes(c.encrypted, "encrypted"),
                    yes(c.authenticated, "authenticated")
                );
                item(&c.flow, why)
            })
            .collect(),
        Condition::AcceptanceExpired => d
            .expired_acceptances
            .iter()
            .map(|a| {
                let why = match &a.old_expires {
                    Some(o) => format!(
                        "accepted by {} until {}, valid before (until {o})",
                        a.approved_by, a.expires
                    ),
                    None => format!(
                        "new acceptance by {}, expired on {}",
                        a.approved_by, a.expires
                    ),
                };
                item(&a.threat, why)
            })
            .collect(),
    };
    out.sort_by(|a, b| (&a.id, &a.why).cmp(&(&b.id, &b.why)));
    out
}

/// The conditions among `conditions` that the diff fires, in [`Condition::ALL`] order.
pub fn evaluate(d: &ModelDiff, conditions: &[Condition]) -> Vec<Failure> {
    Condition::ALL
        .iter()
        .map(|(_, c)| *c)
        .filter(|c| conditions.contains(c))
        .filter_map(|condition| {
            let items = items(d, condition);
            (!items.is_empty()).then_some(Failure { condition, items })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_names_round_trip_and_match_serde() {
        for (name, c) in Condition::ALL {
            assert_eq!(c.as_str(), *name);
            assert_eq!(Condition::from_name(name), Some(*c));
            assert_eq!(serde_json::to_value(c).unwrap(), *name);
        }
        assert_eq!(Condition::from_name("new-covered"), None);
    }

    #[test]
    fn handled_means_mitigated_or_accepted() {
        assert!(is_handled(Coverage::Mitigated));
        assert!(is_handled(Coverage::Accepted));
        assert!(is_handled(Coverage::NotApplicable));
        assert!(!is_handled(Coverage::ProposedOnly));
        assert!(!is_handled(Coverage::AcceptanceExpired));
        assert!(!is_handled(Coverage::Planned));
        assert!(!is_handled(Coverage::Uncovered));
    }
}
