//! The comparable fields of each entity of a model: text for values, id lists for
//! references (so that a rename can be followed through them). Which fields count is
//! decided here; how they are matched and reported is the diff's business.

use std::collections::{BTreeMap, HashMap};

use crate::model::Model;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Value {
    Text(String),
    /// Ids of other entities, in model order.
    Refs(Vec<String>),
}

impl Value {
    pub(super) fn render(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::Refs(r) => r.join(", "),
        }
    }

    pub(super) fn mapped(&self, renames: &HashMap<String, String>) -> Value {
        match self {
            Value::Text(_) => self.clone(),
            Value::Refs(r) => Value::Refs(
                r.iter()
                    .map(|id| renames.get(id).unwrap_or(id).clone())
                    .collect(),
            ),
        }
    }
}

pub(super) type Fields = BTreeMap<&'static str, Value>;

fn text(v: impl ToString) -> Value {
    Value::Text(v.to_string())
}

fn opt(v: &Option<String>) -> Value {
    Value::Text(v.clone().unwrap_or_default())
}

fn refs<'a>(ids: impl IntoIterator<Item = &'a str>) -> Value {
    Value::Refs(ids.into_iter().map(str::to_string).collect())
}

fn list<T: ToString>(items: &[T]) -> Value {
    Value::Text(
        items
            .iter()
            .map(T::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Every entity of a model as (kind, id, comparable fields).
pub(super) fn entities(model: &Model) -> Vec<(&'static str, String, Fields)> {
    let mut out = Vec::new();
    for z in &model.zones {
        let f = Fields::from([
            ("name", text(&z.name)),
            ("trust", text(z.trust)),
            ("inside", refs(z.parent.map(|p| model.zone(p).id.as_str()))),
            ("description", opt(&z.description)),
        ]);
        out.push(("zone", z.id.clone(), f));
    }
    for c in model.component_ids().map(|c| model.component(c)) {
        let f = Fields::from([
            ("name", text(&c.name)),
            ("kind", text(c.kind)),
            ("zone", refs([model.zone(c.zone).id.as_str()])),
            ("technology", opt(&c.technology)),
            ("tags", list(&c.tags)),
            ("description", opt(&c.description)),
        ]);
        out.push(("component", c.id.clone(), f));
    }
    for a in &model.assets {
        let f = Fields::from([
            ("name", text(&a.name)),
            ("classification", text(a.classification)),
            ("description", opt(&a.description)),
        ]);
        out.push(("asset", a.id.clone(), f));
    }
    for fl in model.flow_ids().map(|f| model.flow(f)) {
        let f = Fields::from([
            ("name", text(&fl.name)),
            ("from", refs([model.component(fl.from).id.as_str()])),
            ("to", refs([model.component(fl.to).id.as_str()])),
            ("protocol", opt(&fl.protocol)),
            (
                "data",
                refs(fl.data.iter().map(|a| model.asset(*a).id.as_str())),
            ),
            ("encrypted", text(fl.encrypted)),
            ("authenticated", text(fl.authenticated)),
            ("description", opt(&fl.description)),
        ]);
        out.push(("flow", fl.id.clone(), f));
    }
    for t in &model.threats {
        let acceptances: Vec<String> = t
            .acceptances
            .iter()
            .map(|a| {
                let a = model.acceptance(*a);
                format!("{} until {}", a.approved_by, a.expires)
            })
            .collect();
        let f = Fields::from([
            ("title", text(&t.title)),
            ("category", text(t.category)),
            ("severity", text(t.severity)),
            (
                "targets",
                refs(t.targets.iter().map(|x| model.target_id(*x))),
            ),
            ("cwe", list(&t.cwe)),
            ("capec", list(&t.capec)),
            ("description", opt(&t.description)),
            ("acceptances", list(&acceptances)),
        ]);
        out.push(("threat", t.id.clone(), f));
    }
    for m in &model.mitigations {
        let f = Fields::from([
            ("title", text(&m.title)),
            ("status", text(m.status)),
            (
                "mitigates",
                refs(m.mitigates.iter().map(|t| model.threat(*t).id.as_str())),
            ),
            ("owner", opt(&m.owner)),
            ("references", list(&m.references)),
            ("description", opt(&m.description)),
        ]);
        out.push(("mitigation", m.id.clone(), f));
    }
    out
}
