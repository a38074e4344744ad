//! Semantic diff: what changed between two resolved models, entity by entity and in
//! what the changes mean (threats newly uncovered or mitigated, new boundary crossings,
//! severity changes), for pull-request comments and CI gates.
//!
//! Entities are matched by kind and id. An id removed and another added of the same
//! kind whose content is otherwise the same (or nearly: same name and most fields) is a
//! rename, and references through a renamed id do not count as changes. [`markdown`]
//! renders the result; it serialises to JSON as it is. Nothing here does I/O.

mod fields;
pub mod gate;
pub mod markdown;
mod meaning;
mod words;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

pub use self::fields::Scalar;
use self::fields::{Fields, Value, entities};
pub use self::gate::{Condition, FailedItem, Failure};
pub use self::meaning::{
    CoverageChange, CrossingChange, ExpiredAcceptance, RiskChange, SeverityChange, StatusChange,
};
use crate::model::{Date, Model};

/// The version of the JSON shape of a diff.
pub const FORMAT_VERSION: u32 = 2;

/// The kinds of entity compared, in report order.
pub const KINDS: &[&str] = &["zone", "component", "asset", "flow", "threat", "mitigation"];

/// One field that differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    #[serde(flatten)]
    pub change: Change,
}

/// How a field differs. Old values are given with ids as the new model calls them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Change {
    /// A list field: both lists in model order, and the items only one side has. The
    /// order of a list does not count as a change.
    List {
        old: Vec<Scalar>,
        new: Vec<Scalar>,
        added: Vec<Scalar>,
        removed: Vec<Scalar>,
        /// The items are ids of other entities.
        #[serde(skip)]
        ids: bool,
    },
    /// Long text (descriptions, justifications), shown as a word diff.
    Text {
        old: Option<String>,
        new: Option<String>,
    },
    /// Any other field: text, a number, yes/no, or absent (`null`).
    Value {
        old: Scalar,
        new: Scalar,
        /// The values are ids of other entities.
        #[serde(skip)]
        ids: bool,
    },
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

/// Everything that differs between two models.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelDiff {
    pub format_version: u32,
    pub old_project: String,
    pub new_project: String,
    /// The day coverage, residual risk and acceptances were judged on.
    pub today: String,
    /// By kind (in [`KINDS`] order), then id.
    pub entities: Vec<EntityChange>,
    /// Threats uncovered now that were not before (new ones included).
    pub newly_uncovered: Vec<CoverageChange>,
    /// Threats mitigated now that were not before (new ones included).
    pub newly_mitigated: Vec<CoverageChange>,
    /// Every other coverage change, new threats in other states included.
    pub coverage_changes: Vec<CoverageChange>,
    pub new_crossings: Vec<CrossingChange>,
    pub severity_changes: Vec<SeverityChange>,
    pub residual_risk_changes: Vec<RiskChange>,
    pub status_changes: Vec<StatusChange>,
    pub expired_acceptances: Vec<ExpiredAcceptance>,
    /// The conditions the diff was gated on, in [`Condition::ALL`] order.
    pub fail_on: Vec<Condition>,
    /// Those of them that fired.
    pub failed: Vec<Failure>,
}

impl ModelDiff {
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
            && self.newly_uncovered.is_empty()
            && self.newly_mitigated.is_empty()
            && self.coverage_changes.is_empty()
            && self.new_crossings.is_empty()
            && self.severity_changes.is_empty()
            && self.residual_risk_changes.is_empty()
            && self.status_changes.is_empty()
            && self.expired_acceptances.is_empty()
    }

    /// The diff gated on `conditions`: [`ModelDiff::failed`] lists those that fire.
    pub fn gated(mut self, conditions: &[Condition]) -> ModelDiff {
        self.fail_on = Condition::ALL
            .iter()
            .map(|(_, c)| *c)
            .filter(|c| conditions.contains(c))
            .collect();
        self.failed = gate::evaluate(&self, &self.fail_on);
        self
    }
}

/// The items of `a` that `b` lacks, counting repeats, in the order of `a`.
fn missing<T: Ord + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let mut left: BTreeMap<&T, usize> = BTreeMap::new();
    for x in b {
        *left.entry(x).or_default() += 1;
    }
    a.iter()
        .filter(|x| match left.get_mut(x) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

/// How `old` became `new`, or `None` when they are the same (a reordered list is).
fn change(old: Value, new: &Value) -> Option<Change> {
    let list = |old: Vec<Scalar>, new: Vec<Scalar>, ids: bool| {
        let (added, removed) = (missing(&new, &old), missing(&old, &new));
        (!added.is_empty() || !removed.is_empty()).then_some(Change::List {
            old,
            new,
            added,
            removed,
            ids,
        })
    };
    let texts = |ids: &[&str]| ids.iter().map(|id| Scalar::Text((*id).into())).collect();
    let opt = |id: Option<&str>| id.map_or(Scalar::None, |id| Scalar::Text(id.into()));
    let prose = |p: Option<crate::model::Text>| p.map(|t| t.to_string());
    match (old, new) {
        (o, n) if o == *n => None,
        (o, n) if o.items().is_some() && n.items().is_some() => list(o.items()?, n.items()?, false),
        (Value::Refs(o), Value::Refs(n)) => list(texts(&o), texts(n), true),
        (Value::Prose(o), Value::Prose(n)) => Some(Change::Text {
            old: prose(o),
            new: prose(n.clone()),
        }),
        (Value::Ref(o), Value::Ref(n)) => Some(Change::Value {
            old: opt(o),
            new: opt(*n),
            ids: true,
        }),
        (Value::Scalar(o), Value::Scalar(n)) => Some(Change::Value {
            old: o,
            new: n.clone(),
            ids: false,
        }),
        // Every entity of a kind has the same fields with the same shapes.
        (o, n) => Some(Change::Value {
            old: Scalar::Text(o.text().into()),
            new: Scalar::Text(n.text().into()),
            ids: false,
        }),
    }
}

fn changes(old: &Fields, new: &Fields, renames: &HashMap<String, String>) -> Vec<FieldChange> {
    old.iter()
        .filter_map(|(field, o)| {
            let change = change(o.mapped(renames), new.get(field)?)?;
            Some(FieldChange { field, change })
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
            .map(Value::text)
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
fn index<'a>(
    list: &'a [(&'static str, &'a str, Fields<'a>)],
) -> BTreeMap<(usize, &'a str), &'a Fields<'a>> {
    list.iter()
        .map(|(k, id, f)| {
            let rank = KINDS.iter().position(|x| x == k).unwrap_or(KINDS.len());
            ((rank, *id), f)
        })
        .collect()
}

/// Compares two models, judging coverage on `today`.
pub fn diff(old: &Model, new: &Model, today: Date) -> ModelDiff {
    let old_entities = entities(old);
    let new_entities = entities(new);
    let old_map = index(&old_entities);
    let new_map = index(&new_entities);
    let mut removed: BTreeSet<&(usize, &str)> = old_map
        .keys()
        .filter(|k| !new_map.contains_key(*k))
        .collect();
    let mut added: BTreeSet<&(usize, &str)> = new_map
        .keys()
        .filter(|k| !old_map.contains_key(*k))
        .collect();

    // Renames, found in rounds: a rename can make a referring entity's rename visible.
    let mut renames: HashMap<String, String> = HashMap::new();
    let mut renamed: Vec<((usize, &str), &str)> = Vec::new();
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
                    .any(|(_, x): &(&(usize, &str), &(usize, &str))| *x == a)
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
            renames.insert(r.1.to_string(), a.1.to_string());
            renamed.push((*r, a.1));
        }
    }

    let mut entities: Vec<((usize, &str), EntityChange)> = Vec::new();
    for r in removed {
        entities.push((
            *r,
            EntityChange::Removed {
                kind: KINDS[r.0],
                id: r.1.to_string(),
            },
        ));
    }
    for a in added {
        entities.push((
            *a,
            EntityChange::Added {
                kind: KINDS[a.0],
                id: a.1.to_string(),
            },
        ));
    }
    for (from, to) in &renamed {
        let fields = changes(old_map[from], new_map[&(from.0, *to)], &renames);
        entities.push((
            (from.0, *to),
            EntityChange::Renamed {
                kind: KINDS[from.0],
                from: from.1.to_string(),
                to: to.to_string(),
                fields,
            },
        ));
    }
    for (key, o) in &old_map {
        if let Some(n) = new_map.get(key) {
            let fields = changes(o, n, &renames);
            if !fields.is_empty() {
                entities.push((
                    *key,
                    EntityChange::Changed {
                        kind: KINDS[key.0],
                        id: key.1.to_string(),
                        fields,
                    },
                ));
            }
        }
    }
    entities.sort_by(|a, b| a.0.cmp(&b.0));

    // Old ids as the new model calls them.
    let new_id = |old_id: &str| renames.get(old_id).cloned().unwrap_or(old_id.to_string());
    let m = meaning::meaning(old, new, today, &new_id);
    ModelDiff {
        format_version: FORMAT_VERSION,
        old_project: old.project.name.clone(),
        new_project: new.project.name.clone(),
        today: today.to_string(),
        entities: entities.into_iter().map(|(_, c)| c).collect(),
        newly_uncovered: m.newly_uncovered,
        newly_mitigated: m.newly_mitigated,
        coverage_changes: m.coverage_changes,
        new_crossings: m.new_crossings,
        severity_changes: m.severity_changes,
        residual_risk_changes: m.residual_risk_changes,
        status_changes: m.status_changes,
        expired_acceptances: m.expired_acceptances,
        fail_on: Vec::new(),
        failed: Vec::new(),
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
                    change: Change::Value {
                        old: Scalar::Text("process".into()),
                        new: Scalar::Text("data-store".into()),
                        ids: false,
                    },
                }],
            }]
        );
    }

    #[test]
    fn list_items_only_one_side_has_count_repeats_and_ignore_order() {
        assert_eq!(missing(&["a", "b", "a", "c"], &["c", "a"]), ["b", "a"]);
        assert!(missing(&["a", "b"], &["b", "a"]).is_empty());
        let reordered = change(Value::Refs(vec!["x", "y"]), &Value::Refs(vec!["y", "x"]));
        assert_eq!(reordered, None);
    }

    /// Lists borrowed from the model (tags, CWE numbers) compare as lists: a reordered
    /// one is no change, an added item is named with both sides.
    #[test]
    fn model_lists_compare_as_lists_of_items() {
        let tagged = |tags: &str| {
            model(&BASE.replace(
                "name = \"B\"\nkind = \"process\"",
                &format!("name = \"B\"\nkind = \"process\"\ntags = [{tags}]"),
            ))
        };
        let old = tagged("\"x\", \"y\"");
        assert!(diff(&old, &tagged("\"y\", \"x\""), today()).is_empty());
        let d = diff(&old, &tagged("\"y\", \"x\", \"z\""), today());
        let [EntityChange::Changed { fields, .. }] = d.entities.as_slice() else {
            panic!("{:?}", d.entities);
        };
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].field, "tags");
        let Change::List { added, removed, .. } = &fields[0].change else {
            panic!("{:?}", fields[0].change);
        };
        assert_eq!(added, &[Scalar::Text("z".into())]);
        assert!(removed.is_empty());
        let numbers = change(Value::Numbers(&[79, 89]), &Value::Numbers(&[89]));
        let Some(Change::List { removed, .. }) = numbers else {
            panic!("{numbers:?}");
        };
        assert_eq!(removed, [Scalar::Number(79)]);
    }

    #[test]
    fn a_flow_whose_target_moves_zone_is_a_new_crossing_and_regresses_nothing() {
        let flow = "[[flow]]\nid = \"f\"\nname = \"F\"\nfrom = \"a\"\nto = \"b\"\n";
        let old = model(&format!("{BASE}{flow}"));
        let moved = BASE
            .replacen("zone = \"net\"\n", "zone = \"dmz\"\n", 2)
            .replacen("zone = \"dmz\"\n", "zone = \"net\"\n", 1);
        let new = model(&format!(
            "[[zone]]\nid = \"dmz\"\nname = \"DMZ\"\ntrust = 3\n{moved}{flow}"
        ));
        let d = diff(&old, &new, today()).gated(&[
            Condition::NewBoundaryCrossing,
            Condition::MitigationRegressed,
        ]);
        assert_eq!(d.new_crossings.len(), 1);
        assert_eq!(
            (
                d.new_crossings[0].from_zone.as_str(),
                d.new_crossings[0].to_zone.as_str()
            ),
            ("net", "dmz")
        );
        assert_eq!(d.fail_on.len(), 2);
        let fired: Vec<Condition> = d.failed.iter().map(|f| f.condition).collect();
        assert_eq!(fired, [Condition::NewBoundaryCrossing]);
        // The same model: nothing crosses anew.
        assert!(diff(&new, &new, today()).new_crossings.is_empty());
    }
}
