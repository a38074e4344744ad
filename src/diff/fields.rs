//! The comparable fields of each entity of a model, each with its shape: a scalar (text,
//! number, yes/no, or absent), long text (compared word by word when shown), an id list
//! or a single id (so that a rename can be followed through them), or a list of plain
//! items. Which fields count and what shape each has is decided here; how they are
//! matched and reported is the diff's business.

use std::collections::HashMap;

use serde::Serialize;

use crate::model::{Choice, Model, Text};

/// One value as the diff reports it: serialises as a JSON string, number, boolean, or
/// `null` for an optional field that is not set.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum Scalar {
    /// Shared with the model where the model shares it (a knowledge-base instance's
    /// title is its pattern's), so that comparing two models does not copy every text.
    Text(Text),
    Number(u64),
    Bool(bool),
    None,
}

impl Scalar {
    /// The value as text; empty when absent.
    pub fn text(&self) -> String {
        match self {
            Scalar::Text(t) => t.to_string(),
            Scalar::Number(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::None => String::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Value {
    Scalar(Scalar),
    /// Descriptions and justifications: text a reader wants compared word by word.
    Prose(Option<Text>),
    /// The id of another entity, if any.
    Ref(Option<String>),
    /// Ids of other entities, in model order.
    Refs(Vec<String>),
    /// Plain items (tags, links, CWE numbers), in model order.
    List(Vec<Scalar>),
}

impl Value {
    /// The value as one line of text, for comparing names.
    pub(super) fn text(&self) -> String {
        match self {
            Value::Scalar(s) => s.text(),
            Value::Prose(p) => p.as_deref().unwrap_or_default().to_string(),
            Value::Ref(p) => p.clone().unwrap_or_default(),
            Value::Refs(r) => r.join(", "),
            Value::List(l) => l.iter().map(Scalar::text).collect::<Vec<_>>().join(", "),
        }
    }

    /// The value with the ids it refers to as the new model calls them.
    pub(super) fn mapped(&self, renames: &HashMap<String, String>) -> Value {
        let map = |id: &String| renames.get(id).unwrap_or(id).clone();
        match self {
            Value::Ref(r) => Value::Ref(r.as_ref().map(map)),
            Value::Refs(r) => Value::Refs(r.iter().map(map).collect()),
            _ => self.clone(),
        }
    }
}

/// An entity's fields by name, in name order. A sorted boxed slice: a tree map per
/// entity cost half a kilobyte each, and a diff of large models holds every entity of
/// both.
#[derive(Debug)]
pub(super) struct Fields(Box<[(&'static str, Value)]>);

impl<const N: usize> From<[(&'static str, Value); N]> for Fields {
    fn from(fields: [(&'static str, Value); N]) -> Fields {
        let mut fields: Vec<(&'static str, Value)> = fields.into();
        fields.sort_by_key(|(name, _)| *name);
        Fields(fields.into_boxed_slice())
    }
}

impl Fields {
    /// The fields, in name order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.0.iter().map(|(name, value)| (*name, value))
    }

    pub(super) fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .binary_search_by_key(&name, |(n, _)| n)
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }
}

fn text(v: impl ToString) -> Value {
    Value::Scalar(Scalar::Text(v.to_string().into()))
}

/// A text the model holds shared: shared, not copied.
fn shared(v: &Text) -> Value {
    Value::Scalar(Scalar::Text(v.clone()))
}

fn number(n: impl Into<u64>) -> Value {
    Value::Scalar(Scalar::Number(n.into()))
}

fn yes_no(b: bool) -> Value {
    Value::Scalar(Scalar::Bool(b))
}

fn opt<T: ToString>(v: Option<T>) -> Value {
    Value::Scalar(v.map_or(Scalar::None, |v| Scalar::Text(v.to_string().into())))
}

fn prose(v: Option<&String>) -> Value {
    Value::Prose(v.map(|s| s.as_str().into()))
}

/// A text the model holds shared, as prose: shared, not copied.
fn shared_prose(v: Option<&Text>) -> Value {
    Value::Prose(v.cloned())
}

fn reference(id: &str) -> Value {
    Value::Ref(Some(id.to_string()))
}

fn refs<'a>(ids: impl IntoIterator<Item = &'a str>) -> Value {
    Value::Refs(ids.into_iter().map(str::to_string).collect())
}

fn texts<T: ToString>(items: &[T]) -> Value {
    Value::List(
        items
            .iter()
            .map(|i| Scalar::Text(i.to_string().into()))
            .collect(),
    )
}

fn numbers(items: &[u32]) -> Value {
    Value::List(items.iter().map(|n| Scalar::Number((*n).into())).collect())
}

/// Every entity of a model as (kind, id, comparable fields).
pub(super) fn entities(model: &Model) -> Vec<(&'static str, &str, Fields)> {
    let mut out = Vec::new();
    for z in &model.zones {
        let f = Fields::from([
            ("name", text(&z.name)),
            ("trust", number(z.trust)),
            (
                "inside",
                Value::Ref(z.parent.map(|p| model.zone(p).id.clone())),
            ),
            ("description", prose(z.description.as_ref())),
        ]);
        out.push(("zone", z.id.as_str(), f));
    }
    for c in model.component_ids().map(|c| model.component(c)) {
        let f = Fields::from([
            ("name", text(&c.name)),
            ("kind", text(c.kind)),
            ("zone", reference(&model.zone(c.zone).id)),
            ("technology", opt(c.technology.as_ref())),
            ("actor", opt(c.actor.map(Choice::as_str))),
            ("tags", texts(&c.tags)),
            ("description", prose(c.description.as_ref())),
        ]);
        out.push(("component", c.id.as_str(), f));
    }
    for a in &model.assets {
        let f = Fields::from([
            ("name", text(&a.name)),
            ("classification", text(a.classification)),
            ("description", prose(a.description.as_ref())),
        ]);
        out.push(("asset", a.id.as_str(), f));
    }
    for fl in model.flow_ids().map(|f| model.flow(f)) {
        let f = Fields::from([
            ("name", text(&fl.name)),
            ("from", reference(&model.component(fl.from).id)),
            ("to", reference(&model.component(fl.to).id)),
            ("protocol", opt(fl.protocol.as_ref())),
            (
                "data",
                refs(fl.data.iter().map(|a| model.asset(*a).id.as_str())),
            ),
            ("encrypted", yes_no(fl.encrypted)),
            ("authenticated", yes_no(fl.authenticated)),
            ("description", prose(fl.description.as_ref())),
        ]);
        out.push(("flow", fl.id.as_str(), f));
    }
    for t in &model.threats {
        let acceptances = t.acceptances.iter().map(|a| model.acceptance(*a));
        let who: Vec<String> = acceptances
            .clone()
            .map(|a| format!("{} until {}", a.approved_by, a.expires))
            .collect();
        let why: Vec<&str> = acceptances.map(|a| a.justification.as_str()).collect();
        let f = Fields::from([
            ("title", shared(&t.title)),
            ("category", text(t.category)),
            ("severity", text(t.severity)),
            ("likelihood", opt(t.likelihood.map(Choice::as_str))),
            ("impact", opt(t.impact.map(Choice::as_str))),
            (
                "targets",
                refs(t.targets.iter().map(|x| model.target_id(*x))),
            ),
            ("cwe", numbers(&t.cwe)),
            ("capec", numbers(&t.capec)),
            ("description", shared_prose(t.description.as_ref())),
            ("acceptances", texts(&who)),
            (
                "justification",
                Value::Prose((!why.is_empty()).then(|| why.join("\n").into())),
            ),
        ]);
        out.push(("threat", t.id.as_str(), f));
    }
    for m in &model.mitigations {
        let f = Fields::from([
            ("title", shared(&m.title)),
            ("status", text(m.status)),
            ("reduces", number(m.reduces)),
            (
                "mitigates",
                refs(m.mitigates.iter().map(|t| model.threat(*t).id.as_str())),
            ),
            ("owner", opt(m.owner.as_ref())),
            ("references", texts(&m.references)),
            ("evidence", texts(&m.evidence)),
            ("description", shared_prose(m.description.as_ref())),
        ]);
        out.push(("mitigation", m.id.as_str(), f));
    }
    out
}
