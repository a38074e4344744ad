//! What the changes between two models mean for its decisions: threats whose coverage
//! changed, flows that cross a boundary they did not cross before, severities and
//! residual risks that moved, mitigations whose status moved or that were removed while
//! their threats stay, and acceptances that have run out. Each list is sorted by id.
//!
//! Old ids are read as the new model calls them (through the renames the entity diff
//! found). Nothing here decides what fails a CI gate: that is [`super::gate`]'s job.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::model::{Choice, Coverage, Date, Level, Model, Status, ThreatId};

/// A threat whose coverage changed (or a new threat, with `old` null).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CoverageChange {
    pub threat: String,
    pub title: String,
    pub severity: &'static str,
    pub old: Option<Coverage>,
    pub new: Coverage,
}

/// A flow that crosses a trust boundary it did not cross before (new flows included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CrossingChange {
    pub flow: String,
    pub from_zone: String,
    pub to_zone: String,
    pub direction: &'static str,
    pub encrypted: bool,
    pub authenticated: bool,
}

/// A threat whose severity changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeverityChange {
    pub threat: String,
    pub old: &'static str,
    pub new: &'static str,
}

/// A threat whose residual risk ([`Model::residual_risk`]) changed, or a new threat whose
/// residual risk is high or critical (with `old` null).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskChange {
    pub threat: String,
    pub title: String,
    pub old: Option<Level>,
    pub new: Level,
}

/// A mitigation whose status changed, or an effective (implemented or verified) one that
/// was removed while threats it mitigated are still in the model (`new` null).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub mitigation: String,
    pub title: String,
    pub old: Status,
    pub new: Option<Status>,
    /// The threats it mitigates now; for a removed one, those it mitigated that remain.
    pub threats: Vec<String>,
}

impl StatusChange {
    /// The status went down (verified > implemented > planned > proposed), or an
    /// effective mitigation was removed.
    pub fn regressed(&self) -> bool {
        self.new.is_none_or(|n| n < self.old)
    }
}

/// An acceptance expired on the day of the diff that was not expired before: one that was
/// valid in the old model, or a new one that is expired already (`old_expires` null).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpiredAcceptance {
    pub threat: String,
    pub approved_by: String,
    pub expires: String,
    /// The expiry the same approver's acceptance of the threat had in the old model.
    pub old_expires: Option<String>,
}

/// Everything the changes mean, each list sorted by id.
pub(super) struct Meaning {
    pub newly_uncovered: Vec<CoverageChange>,
    pub newly_mitigated: Vec<CoverageChange>,
    pub coverage_changes: Vec<CoverageChange>,
    pub new_crossings: Vec<CrossingChange>,
    pub severity_changes: Vec<SeverityChange>,
    pub residual_risk_changes: Vec<RiskChange>,
    pub status_changes: Vec<StatusChange>,
    pub expired_acceptances: Vec<ExpiredAcceptance>,
}

/// Reads what changed between `old` and `new` on `today`; `new_id` gives an old id as
/// the new model calls it.
pub(super) fn meaning(
    old: &Model,
    new: &Model,
    today: Date,
    new_id: &dyn Fn(&str) -> String,
) -> Meaning {
    let old_threats: HashMap<String, ThreatId> = old
        .threat_ids()
        .map(|t| (new_id(&old.threat(t).id), t))
        .collect();
    let mut m = Meaning {
        newly_uncovered: Vec::new(),
        newly_mitigated: Vec::new(),
        coverage_changes: Vec::new(),
        new_crossings: crossings(old, new, new_id),
        severity_changes: Vec::new(),
        residual_risk_changes: Vec::new(),
        status_changes: statuses(old, new, new_id),
        expired_acceptances: Vec::new(),
    };
    for t in new.threat_ids() {
        let threat = new.threat(t);
        let before = old_threats.get(&threat.id).copied();
        let old_cov = before.map(|o| old.coverage(o, today));
        let new_cov = new.coverage(t, today);
        let change = CoverageChange {
            threat: threat.id.clone(),
            title: threat.title.to_string(),
            severity: threat.severity.as_str(),
            old: old_cov,
            new: new_cov,
        };
        match (old_cov, new_cov) {
            (o, n) if o == Some(n) => {}
            // Uncovered now (an expired acceptance included) and not before.
            (o, n) if n.is_uncovered() && !o.is_some_and(Coverage::is_uncovered) => {
                m.newly_uncovered.push(change)
            }
            (_, Coverage::Mitigated) => m.newly_mitigated.push(change),
            _ => m.coverage_changes.push(change),
        }
        let old_risk = before.map(|o| old.residual_risk(o, today));
        let new_risk = new.residual_risk(t, today);
        let counts = match old_risk {
            Some(o) => o != new_risk,
            None => new_risk >= Level::High,
        };
        if counts {
            m.residual_risk_changes.push(RiskChange {
                threat: threat.id.clone(),
                title: threat.title.to_string(),
                old: old_risk,
                new: new_risk,
            });
        }
        if let Some(o) = before {
            let (os, ns) = (old.threat(o).severity, threat.severity);
            if os != ns {
                m.severity_changes.push(SeverityChange {
                    threat: threat.id.clone(),
                    old: os.as_str(),
                    new: ns.as_str(),
                });
            }
        }
        m.expired_acceptances
            .extend(expired(old, before, new, t, today));
    }
    m.newly_uncovered.sort_by(|a, b| a.threat.cmp(&b.threat));
    m.newly_mitigated.sort_by(|a, b| a.threat.cmp(&b.threat));
    m.coverage_changes.sort_by(|a, b| a.threat.cmp(&b.threat));
    m.severity_changes.sort_by(|a, b| a.threat.cmp(&b.threat));
    m.residual_risk_changes
        .sort_by(|a, b| a.threat.cmp(&b.threat));
    m.expired_acceptances.sort_by(|a, b| {
        (&a.threat, &a.approved_by, &a.expires).cmp(&(&b.threat, &b.approved_by, &b.expires))
    });
    m
}

/// Acceptances of `t` (in `new`) expired on `today` that were valid before or are new:
/// matched with the old threat's acceptances by approver.
fn expired(
    old: &Model,
    before: Option<ThreatId>,
    new: &Model,
    t: ThreatId,
    today: Date,
) -> Vec<ExpiredAcceptance> {
    let old_acceptances = before.map_or(&[][..], |o| &old.threat(o).acceptances[..]);
    new.threat(t)
        .acceptances
        .iter()
        .filter(|a| !new.acceptance_valid(**a, today))
        .filter_map(|a| {
            let acc = new.acceptance(*a);
            let same: Vec<_> = old_acceptances
                .iter()
                .filter(|o| old.acceptance(**o).approved_by == acc.approved_by)
                .collect();
            let was_valid = same.iter().find(|o| old.acceptance_valid(***o, today));
            let old_expires = match (same.is_empty(), was_valid) {
                (true, _) => None,
                (false, Some(o)) => Some(old.acceptance(**o).expires.to_string()),
                // Expired in both models: nothing new.
                (false, None) => return None,
            };
            Some(ExpiredAcceptance {
                threat: new.threat(t).id.clone(),
                approved_by: acc.approved_by.clone(),
                expires: acc.expires.to_string(),
                old_expires,
            })
        })
        .collect()
}

fn crossings(old: &Model, new: &Model, new_id: &dyn Fn(&str) -> String) -> Vec<CrossingChange> {
    let old_crossings: HashMap<String, (String, String)> = old
        .flow_ids()
        .filter_map(|f| {
            let flow = old.flow(f);
            let c = flow.crossing?;
            Some((
                new_id(&flow.id),
                (
                    new_id(&old.zone(c.from_zone).id),
                    new_id(&old.zone(c.to_zone).id),
                ),
            ))
        })
        .collect();
    let mut out = Vec::new();
    for f in new.flow_ids() {
        let flow = new.flow(f);
        let Some(c) = flow.crossing else { continue };
        let zones = (
            new.zone(c.from_zone).id.clone(),
            new.zone(c.to_zone).id.clone(),
        );
        if old_crossings.get(&flow.id) != Some(&zones) {
            out.push(CrossingChange {
                flow: flow.id.clone(),
                from_zone: zones.0,
                to_zone: zones.1,
                direction: c.direction.as_str(),
                encrypted: flow.encrypted,
                authenticated: flow.authenticated,
            });
        }
    }
    out.sort_by(|a, b| a.flow.cmp(&b.flow));
    out
}

/// Status changes of mitigations in both models, and effective mitigations removed while
/// threats they mitigated remain.
fn statuses(old: &Model, new: &Model, new_id: &dyn Fn(&str) -> String) -> Vec<StatusChange> {
    let in_new: HashMap<&str, &crate::model::Mitigation> =
        new.mitigations.iter().map(|m| (m.id.as_str(), m)).collect();
    let new_threats: BTreeSet<&str> = new.threats.iter().map(|t| t.id.as_str()).collect();
    let threat_ids = |model: &Model, m: &crate::model::Mitigation| -> Vec<String> {
        m.mitigates
            .iter()
            .map(|t| model.threat(*t).id.clone())
            .collect()
    };
    let mut out = Vec::new();
    for m in &old.mitigations {
        let id = new_id(&m.id);
        match in_new.get(id.as_str()) {
            Some(n) if n.status != m.status => out.push(StatusChange {
                mitigation: id,
                title: n.title.to_string(),
                old: m.status,
                new: Some(n.status),
                threats: threat_ids(new, n),
            }),
            Some(_) => {}
            None if m.status.is_effective() => {
                let remaining: Vec<String> = threat_ids(old, m)
                    .iter()
                    .map(|t| new_id(t))
                    .filter(|t| new_threats.contains(t.as_str()))
                    .collect();
                if !remaining.is_empty() {
                    out.push(StatusChange {
                        mitigation: id,
                        title: m.title.to_string(),
                        old: m.status,
                        new: None,
                        threats: remaining,
                    });
                }
            }
            None => {}
        }
    }
    out.sort_by(|a, b| a.mitigation.cmp(&b.mitigation));
    out
}
