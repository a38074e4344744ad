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

/// A field's value. Ids are borrowed from the model they were read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Value<'a> {
    Scalar(Scalar),
    /// Descriptions and justifications: text a reader wants compared word by word.
    Prose(Option<Text>),
    /// The id of another entity, if any.
    Ref(Option<&'a str>),
    /// Ids of other entities, in model order.
    Refs(Vec<&'a str>),
    /// Plain items made for the diff (acceptances), in model order.
    List(Vec<Scalar>),
    /// Plain text items of the model (tags, links, evidence), in model order.
    Strings(&'a [String]),
    /// Numbers of the model (CWE, CAPEC), in model order.
    Numbers(&'a [u32]),
}

impl<'a> Value<'a> {
    /// The value as one line of text, for comparing names.
    pub(super) fn text(&self) -> String {
        match self {
            Value::Scalar(s) => s.text(),
            Value::Prose(p) => p.as_deref().unwrap_or_default().to_string(),
            Value::Ref(p) => p.unwrap_or_default().to_string(),
            Value::Refs(r) => r.join(", "),
            Value::List(l) => l.iter().map(Scalar::text).collect::<Vec<_>>().join(", "),
            Value::Strings(l) => l.join(", "),
            Value::Numbers(l) => l.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
        }
    }

    /// The items of a list, whichever its kind; `None` for a value that is not one.
    pub(super) fn items(&self) -> Option<Vec<Scalar>> {
        Some(match self {
            Value::List(l) => l.clone(),
            Value::Strings(l) => l.iter().map(|i| Scalar::Text(i.as_str().into())).collect(),
            Value::Numbers(l) => l.iter().map(|n| Scalar::Number((*n).into())).collect(),
            _ => return None,
        })
    }

    /// The value with the ids it refers to as the new model calls them.
    pub(super) fn mapped<'r>(&self, renames: &'r HashMap<String, String>) -> Value<'r>
    where
        'a: 'r,
    {
        let map = |id: &&'a str| -> &'r str { renames.get(*id).map_or(*id, String::as_str) };
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
pub(super) struct Fields<'a>(Box<[(&'static str, Value<'a>)]>);

impl<'a, const N: usize> From<[(&'static str, Value<'a>); N]> for Fields<'a> {
    fn from(fields: [(&'static str, Value<'a>); N]) -> Fields<'a> {
        let mut fields: Vec<(&'static str, Value<'a>)> = fields.into();
        fields.sort_by_key(|(name, _)| *name);
        Fields(fields.into_boxed_slice())
    }
}

impl<'a> Fields<'a> {
    /// The fields, in name order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&'static str, &Value<'a>)> {
        self.0.iter().map(|(name, value)| (*name, value))
    }

    pub(super) fn get(&self, name: &str) -> Option<&Value<'a>> {
        self.0
            .binary_search_by_key(&name, |(n, _)| n)
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }
}

fn text<'a>(v: impl ToString) -> Value<'a> {
    Value::Scalar(Scalar::Text(v.to_string().into()))
}

/// A text the model holds shared: shared, not copied.
fn shared<'a>(v: &Text) -> Value<'a> {
    Value::Scalar(Scalar::Text(v.clone()))
}

/// The names of a model's choices (kinds, categories, severities, statuses), each made
/// once and shared by every entity that has it.
#[derive(Default)]
struct Names(HashMap<&'static str, Text>);

impl Names {
    fn of<'a>(&mut self, name: impl Choice) -> Value<'a> {
        Value::Scalar(self.scalar(name))
    }

    fn opt<'a>(&mut self, name: Option<impl Choice>) -> Value<'a> {
        Value::Scalar(name.map_or(Scalar::None, |n| self.scalar(n)))
    }

    fn scalar(&mut self, name: impl Choice) -> Scalar {
        let name = name.as_str();
        Scalar::Text(self.0.entry(name).or_insert_with(|| name.into()).clone())
    }
}

fn number<'a>(n: impl Into<u64>) -> Value<'a> {
    Value::Scalar(Scalar::Number(n.into()))
}

fn yes_no<'a>(b: bool) -> Value<'a> {
    Value::Scalar(Scalar::Bool(b))
}

fn opt<'a, T: ToString>(v: Option<T>) -> Value<'a> {
    Value::Scalar(v.map_or(Scalar::None, |v| Scalar::Text(v.to_string().into())))
}

fn prose<'a>(v: Option<&String>) -> Value<'a> {
    Value::Prose(v.map(|s| s.as_str().into()))
}

/// A text the model holds shared, as prose: shared, not copied.
fn shared_prose<'a>(v: Option<&Text>) -> Value<'a> {
    Value::Prose(v.cloned())
}

fn reference(id: &str) -> Value<'_> {
    Value::Ref(Some(id))
}

fn refs<'a>(ids: impl IntoIterator<Item = &'a str>) -> Value<'a> {
    Value::Refs(ids.into_iter().collect())
}

fn texts<'a, T: ToString>(items: &[T]) -> Value<'a> {
    Value::List(
        items
            .iter()
            .map(|i| Scalar::Text(i.to_string().into()))
            .collect(),
    )
}

/// Every entity of a model as (kind, id, comparable fields).
pub(super) fn entities(model: &Model) -> Vec<(&'static str, &str, Fields<'_>)> {
    let mut out = Vec::new();
    let mut names = Names::default();
    for z in &model.zones {
        let f = Fields::from([
            ("name", text(&z.name)),
            ("trust", number(z.trust)),
            (
                "inside",
                Value::Ref(z.parent.map(|p| model.zone(p).id.as_str())),
            ),
            ("description", prose(z.description.as_ref())),
        ]);
        out.push(("zone", z.id.as_str(), f));
    }
    for c in model.component_ids().map(|c| model.component(c)) {
        let f = Fields::from([
            ("name", text(&c.name)),
            ("kind", names.of(c.kind)),
            ("zone", reference(&model.zone(c.zone).id)),
            ("technology", opt(c.technology.as_ref())),
            ("actor", names.opt(c.actor)),
            ("tags", Value::Strings(&c.tags)),
            ("description", prose(c.description.as_ref())),
        ]);
        out.push(("component", c.id.as_str(), f));
    }
    for a in &model.assets {
        let f = Fields::from([
            ("name", text(&a.name)),
            ("classification", names.of(a.classification)),
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
            ("category", names.of(t.category)),
            ("severity", names.of(t.severity)),
            ("likelihood", names.opt(t.likelihood)),
            ("impact", names.opt(t.impact)),
            (
                "targets",
                refs(t.targets.iter().map(|x| model.target_id(*x))),
            ),
            ("cwe", Value::Numbers(&t.cwe)),
            ("capec", Value::Numbers(&t.capec)),
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
            ("status", names.of(m.status)),
            ("reduces", number(m.reduces)),
            (
                "mitigates",
                refs(m.mitigates.iter().map(|t| model.threat(*t).id.as_str())),
            ),
            ("owner", opt(m.owner.as_ref())),
            ("references", Value::Strings(&m.references)),
            ("evidence", Value::Strings(&m.evidence)),
            ("description", shared_prose(m.description.as_ref())),
        ]);
        out.push(("mitigation", m.id.as_str(), f));
    }
    out
}
