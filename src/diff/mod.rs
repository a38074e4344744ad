//! Semantic diff: what changed between two resolved models, entity by entity and in
//! what the changes mean (threats newly uncovered or mitigated, new boundary crossings,
//! severity changes), for pull-request comments and CI gates.
//!
//! Entities are matched by kind and id. An id removed and another added of the same
//! kind whose content is otherwise the same (or nearly: same name and most fields) is a
//! rename, and references through a renamed id do not count as changes. [`markdown`]
//! renders the result; it serialises to JSON as it is. Nothing here does I/O.

mod fields;
pub mod markdown;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use self::fields::{Fields, Value, entities};
use crate::model::{Choice, Coverage, Date, Model};

/// The version of the JSON shape of a diff.
pub const FORMAT_VERSION: u32 = 1;

/// The kinds of entity compared, in report order.
pub const KINDS: &[&str] = &["zone", "component", "asset", "flow", "threat", "mitigation"];

/// One field that differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

/// What happened to one entity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum EntityChange {
    Added {
        kind: &'static str,
        id: String,
    },
    Removed {
        kind: &'static str,
        id: String,
    },
    /// Same entity, new id; `fields` lists what else changed (nothing, usually).
    Renamed {
        kind: &'static str,
        from: String,
        to: String,
        fields: Vec<FieldChange>,
    },
    Changed {
        kind: &'static str,
        id: String,
        fields: Vec<FieldChange>,
    },
}

impl EntityChange {
    pub fn kind(&self) -> &'static str {
        match self {
            EntityChange::Added { kind, .. }
            | EntityChange::Removed { kind, .. }
            | EntityChange::Renamed { kind, .. }
            | EntityChange::Changed { kind, .. } => kind,
        }
    }
}

/// A threat whose coverage changed (or a new threat, with `old` empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CoverageChange {
    pub threat: String,
    pub title: String,
    pub severity: &'static str,
    pub old: Option<Coverage>,
    pub new: Coverage,
}

/// A flow that crosses a trust boundary it did not cross before.
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
pub struct RiskChange {
    pub threat: String,
    pub old: &'static str,
    pub new: &'static str,
}

/// Everything that differs between two models.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelDiff {
    pub format_version: u32,
    pub old_project: String,
    pub new_project: String,
    /// The day coverage was judged on.
    pub today: String,
    /// By kind (in [`KINDS`] order), then id.
    pub entities: Vec<EntityChange>,
    /// Threats uncovered now that were not before (new ones included).
    pub newly_uncovered: Vec<CoverageChange>,
    /// Threats mitigated now that were not before (new ones included).
    pub newly_mitigated: Vec<CoverageChange>,
    /// Every other coverage change of a threat in both models.
    pub coverage_changes: Vec<CoverageChange>,
    pub new_crossings: Vec<CrossingChange>,
    pub risk_changes: Vec<RiskChange>,
}

impl ModelDiff {
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
            && self.newly_uncovered.is_empty()
            && self.newly_mitigated.is_empty()
            && self.coverage_changes.is_empty()
            && self.new_crossings.is_empty()
            && self.risk_changes.is_empty()
    }
}

fn changes(old: &Fields, new: &Fields, renames: &HashMap<String, String>) -> Vec<FieldChange> {
    old.iter()
        .filter_map(|(field, o)| {
            let n = new.get(field)?;
            let differs = match (o, n) {
                (Value::Refs(a), Value::Refs(b)) => {
                    a.len() != b.len()
                        || a.iter()
                            .zip(b)
                            .any(|(x, y)| renames.get(x).unwrap_or(x) != y)
                }
                _ => o != n,
            };
            differs.then(|| FieldChange {
                field,
                old: o.mapped(renames).render(),
                new: n.render(),
            })
        })
        .collect()
}

/// Whether `new` is `old` under another id: identical, or with a similar name or title
/// (edit distance under 40% of its length) and at most a quarter of the fields
/// different. Returns how many fields differ, to pick the closest of several.
fn same_entity(old: &Fields, new: &Fields, renames: &HashMap<String, String>) -> Option<usize> {
    let differing = changes(old, new, renames);
    // The first 256 characters say whether two names are alike; an edit distance over
    // whole names costs the product of their lengths, and names may be a megabyte long.
    let named = |f: &Fields| {
        let mut name = f
            .get("name")
            .or_else(|| f.get("title"))
            .map(Value::render)
            .unwrap_or_default();
        if let Some((cut, _)) = name.char_indices().nth(256) {
            name.truncate(cut);
        }
        name
    };
    let similar = strsim::normalized_levenshtein(&named(old), &named(new)) >= 0.6;
    (differing.is_empty() || (similar && differing.len() * 4 <= old.len()))
        .then_some(differing.len())
}

/// Entities by (rank of their kind in [`KINDS`], id).
fn index<'a>(list: &'a [(&'static str, String, Fields)]) -> BTreeMap<(usize, String), &'a Fields> {
    list.iter()
        .map(|(k, id, f)| {
            let rank = KINDS.iter().position(|x| x == k).unwrap_or(KINDS.len());
            ((rank, id.clone()), f)
        })
        .collect()
}

/// Compares two models, judging coverage on `today`.
pub fn diff(old: &Model, new: &Model, today: Date) -> ModelDiff {
    let old_entities = entities(old);
    let new_entities = entities(new);
    let old_map = index(&old_entities);
    let new_map = index(&new_entities);
    let mut removed: BTreeSet<&(usize, String)> = old_map
        .keys()
        .filter(|k| !new_map.contains_key(*k))
        .collect();
    let mut added: BTreeSet<&(usize, String)> = new_map
        .keys()
        .filter(|k| !old_map.contains_key(*k))
        .collect();

    // Renames, found in rounds: a rename can make a referring entity's rename visible.
    let mut renames: HashMap<String, String> = HashMap::new();
    let mut renamed: Vec<((usize, String), String)> = Vec::new();
    loop {
        let mut found = Vec::new();
        for r in &removed {
            let best = added
                .iter()
                .filter(|a| a.0 == r.0)
                .filter_map(|a| same_entity(old_map[*r], new_map[*a], &renames).map(|d| (d, *a)))
                .min();
            if let Some((_, a)) = best
                && !found
                    .iter()
                    .any(|(_, x): &(&(usize, String), &(usize, String))| *x == a)
            {
                found.push((*r, a));
            }
        }
        if found.is_empty() {
            break;
        }
        for (r, a) in found {
            removed.remove(r);
            added.remove(a);
            renames.insert(r.1.clone(), a.1.clone());
            renamed.push((r.clone(), a.1.clone()));
        }
    }

    let mut entities: Vec<((usize, String), EntityChange)> = Vec::new();
    for r in removed {
        entities.push((
            r.clone(),
            EntityChange::Removed {
                kind: KINDS[r.0],
                id: r.1.clone(),
            },
        ));
    }
    for a in added {
        entities.push((
            a.clone(),
            EntityChange::Added {
                kind: KINDS[a.0],
                id: a.1.clone(),
            },
        ));
    }
    for (from, to) in &renamed {
        let fields = changes(old_map[from], new_map[&(from.0, to.clone())], &renames);
        entities.push((
            (from.0, to.clone()),
            EntityChange::Renamed {
                kind: KINDS[from.0],
                from: from.1.clone(),
                to: to.clone(),
                fields,
            },
        ));
    }
    for (key, o) in &old_map {
        if let Some(n) = new_map.get(key) {
            let fields = changes(o, n, &renames);
            if !fields.is_empty() {
                entities.push((
                    key.clone(),
                    EntityChange::Changed {
                        kind: KINDS[key.0],
                        id: key.1.clone(),
                        fields,
                    },
                ));
            }
        }
    }
    entities.sort_by(|a, b| a.0.cmp(&b.0));

    // Old ids as the new model calls them.
    let new_id = |old_id: &str| renames.get(old_id).cloned().unwrap_or(old_id.to_string());
    let old_threats: HashMap<String, crate::model::ThreatId> = old
        .threat_ids()
        .map(|t| (new_id(&old.threat(t).id), t))
        .collect();
    let (mut newly_uncovered, mut newly_mitigated, mut coverage_changes, mut risk_changes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for t in new.threat_ids() {
        let threat = new.threat(t);
        let before = old_threats.get(&threat.id).copied();
        let old_cov = before.map(|o| old.coverage(o, today));
        let new_cov = new.coverage(t, today);
        let change = CoverageChange {
            threat: threat.id.clone(),
            title: threat.title.clone(),
            severity: threat.severity.as_str(),
            old: old_cov,
            new: new_cov,
        };
        match (old_cov, new_cov) {
            (o, n) if o == Some(n) => {}
            (_, Coverage::Uncovered) => newly_uncovered.push(change),
            (_, Coverage::Mitigated) => newly_mitigated.push(change),
            (Some(_), _) => coverage_changes.push(change),
            (None, _) => {}
        }
        if let Some(o) = before {
            let (os, ns) = (old.threat(o).severity, threat.severity);
            if os != ns {
                risk_changes.push(RiskChange {
                    threat: threat.id.clone(),
                    old: os.as_str(),
                    new: ns.as_str(),
                });
            }
        }
    }

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
    let mut new_crossings = Vec::new();
    for f in new.flow_ids() {
        let flow = new.flow(f);
        let Some(c) = flow.crossing else { continue };
        let zones = (
            new.zone(c.from_zone).id.clone(),
            new.zone(c.to_zone).id.clone(),
        );
        if old_crossings.get(&flow.id) != Some(&zones) {
            new_crossings.push(CrossingChange {
                flow: flow.id.clone(),
                from_zone: zones.0,
                to_zone: zones.1,
                direction: c.direction.as_str(),
                encrypted: flow.encrypted,
                authenticated: flow.authenticated,
            });
        }
    }
    let by_id = |a: &CoverageChange, b: &CoverageChange| a.threat.cmp(&b.threat);
    newly_uncovered.sort_by(by_id);
    newly_mitigated.sort_by(by_id);
    coverage_changes.sort_by(by_id);
    risk_changes.sort_by(|a, b| a.threat.cmp(&b.threat));
    new_crossings.sort_by(|a, b| a.flow.cmp(&b.flow));

    ModelDiff {
        format_version: FORMAT_VERSION,
        old_project: old.project.name.clone(),
        new_project: new.project.name.clone(),
        today: today.to_string(),
        entities: entities.into_iter().map(|(_, c)| c).collect(),
        newly_uncovered,
        newly_mitigated,
        coverage_changes,
        new_crossings,
        risk_changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(entities: &str) -> Model {
        let p = crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"t\"\n"),
            ("m.toml", entities),
        ]);
        p.model.expect("resolves")
    }

    const BASE: &str = "[[zone]]\nid = \"net\"\nname = \"Net\"\ntrust = 0\n\
        [[component]]\nid = \"a\"\nname = \"A\"\nkind = \"process\"\nzone = \"net\"\n\
        [[component]]\nid = \"b\"\nname = \"B\"\nkind = \"process\"\nzone = \"net\"\n";

    fn today() -> Date {
        Date::parse("2026-11-27").unwrap()
    }

    #[test]
    fn identical_models_have_no_diff() {
        let m = model(BASE);
        assert!(diff(&m, &m, today()).is_empty());
    }

    #[test]
    fn a_renamed_component_is_a_rename_and_references_follow_it() {
        let old = model(&format!(
            "{BASE}[[flow]]\nid = \"f\"\nname = \"F\"\nfrom = \"a\"\nto = \"b\"\n"
        ));
        let new = model(&format!(
            "{}[[flow]]\nid = \"f\"\nname = \"F\"\nfrom = \"a\"\nto = \"b2\"\n",
            BASE.replace("id = \"b\"", "id = \"b2\"")
        ));
        let d = diff(&old, &new, today());
        assert_eq!(
            d.entities,
            [EntityChange::Renamed {
                kind: "component",
                from: "b".into(),
                to: "b2".into(),
                fields: vec![],
            }]
        );
    }

    #[test]
    fn a_changed_field_is_named_with_both_values() {
        let old = model(BASE);
        let new = model(&BASE.replace(
            "name = \"B\"\nkind = \"process\"",
            "name = \"B\"\nkind = \"data-store\"",
        ));
        let d = diff(&old, &new, today());
        assert_eq!(
            d.entities,
            [EntityChange::Changed {
                kind: "component",
                id: "b".into(),
                fields: vec![FieldChange {
                    field: "kind",
                    old: "process".into(),
                    new: "data-store".into(),
                }],
            }]
        );
    }
}
