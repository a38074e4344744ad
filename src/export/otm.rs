//! Writing a resolved [`Model`] as an Open Threat Model (OTM 0.2.0) JSON document.
//!
//! Every entity becomes its OTM object with the same id. Threat targets and mitigation
//! links become the threat instances OTM keeps on components and dataflows. Fields OTM
//! has no place for (component kind, flow protection, exact severity and status,
//! acceptances …) go into `attributes.threatbook`, which threatbook's OTM import reads
//! back, so threatbook -> OTM -> threatbook keeps every entity and field. This module
//! does no I/O.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::load::raw::to_kebab_case;
use crate::model::{
    Category, Choice, Classification, Level, Model, Severity, Status, Target, ThreatId,
};

/// The OTM version written.
pub const OTM_VERSION: &str = "0.2.0";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Doc<'m> {
    otm_version: &'static str,
    project: Project,
    assets: Vec<Asset>,
    trust_zones: Vec<TrustZone>,
    components: Lazy<'m, crate::model::ComponentId, Component>,
    dataflows: Lazy<'m, crate::model::FlowId, Dataflow>,
    threats: Lazy<'m, &'m crate::model::Threat, Threat>,
    mitigations: Lazy<'m, &'m crate::model::Mitigation, Mitigation>,
}

/// A list written one element at a time, each made from its key just before it is
/// written and dropped after: the document of a large model (a knowledge base's
/// instances on every element) is never held whole, only its text.
struct Lazy<'m, K, T> {
    keys: Vec<K>,
    make: Box<dyn Fn(K) -> T + 'm>,
}

impl<'m, K, T> Lazy<'m, K, T> {
    fn new(keys: impl Iterator<Item = K>, make: impl Fn(K) -> T + 'm) -> Self {
        Lazy {
            keys: keys.collect(),
            make: Box::new(make),
        }
    }
}

impl<K: Copy, T: Serialize> Serialize for Lazy<'_, K, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.keys.len()))?;
        for k in &self.keys {
            seq.serialize_element(&(self.make)(*k))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Project {
    name: String,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<String>,
    attributes: Value,
}

#[derive(Serialize)]
struct Asset {
    name: String,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    risk: Value,
    attributes: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TrustZone {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    risk: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<Value>,
    attributes: Value,
}

#[derive(Serialize)]
struct ThreatInstance {
    threat: String,
    state: &'static str,
    mitigations: Vec<Value>,
}

#[derive(Serialize)]
struct Component {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    parent: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    threats: Vec<ThreatInstance>,
    attributes: Value,
}

#[derive(Serialize)]
struct Dataflow {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    bidirectional: bool,
    source: String,
    destination: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assets: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    threats: Vec<ThreatInstance>,
    attributes: Value,
}

#[derive(Serialize)]
struct Threat {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    categories: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cwes: Vec<String>,
    risk: Value,
    attributes: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Mitigation {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    risk_reduction: u32,
    attributes: Value,
}

/// The OTM number (0–100) of a threatbook level: 25, 50, 75, 100 for low, medium, high,
/// critical, the top of each quarter of OTM's scale.
pub fn otm_level(level: Level) -> u32 {
    match level {
        Level::Low => 25,
        Level::Medium => 50,
        Level::High => 75,
        Level::Critical => 100,
    }
}

/// OTM `risk.likelihood` and `risk.impact` of a threat: its own likelihood and impact,
/// the severity standing in for a missing one (as it does in threatbook's risk). For a
/// threat with neither, OTM import's rule (likelihood × impact / 100, by quarters)
/// gives the severity back.
pub fn risk_of(severity: Severity, likelihood: Option<Level>, impact: Option<Level>) -> (u32, u32) {
    let stand_in = Level::from(severity);
    (
        otm_level(likelihood.unwrap_or(stand_in)),
        otm_level(impact.unwrap_or(stand_in)),
    )
}

/// OTM confidentiality for a classification (import maps it back).
pub fn confidentiality_of(c: Classification) -> u32 {
    match c {
        Classification::Public => 0,
        Classification::Internal => 40,
        Classification::Confidential => 75,
        Classification::Restricted => 100,
    }
}

/// The OTM name of a STRIDE category.
fn category_name(c: Category) -> &'static str {
    match c {
        Category::Spoofing => "Spoofing",
        Category::Tampering => "Tampering",
        Category::Repudiation => "Repudiation",
        Category::InformationDisclosure => "Information Disclosure",
        Category::DenialOfService => "Denial of Service",
        Category::ElevationOfPrivilege => "Elevation of Privilege",
    }
}

/// The OTM state of a mitigation instance.
fn mitigation_state(s: Status) -> &'static str {
    match s {
        Status::Proposed => "recommended",
        Status::Planned => "required",
        Status::Implemented | Status::Verified => "implemented",
    }
}

fn ours(map: Map<String, Value>) -> Value {
    json!({ "threatbook": Value::Object(map) })
}

fn put<T: Serialize>(map: &mut Map<String, Value>, key: &str, value: T) {
    if let Ok(v) = serde_json::to_value(value) {
        if !v.is_null() {
            map.insert(key.to_string(), v);
        }
    }
}

/// A knowledge-base pattern as `attributes.threatbook` names it: its id and its base's.
fn put_pattern(map: &mut Map<String, Value>, model: &Model, pattern: crate::model::PatternId) {
    let pattern = model.pattern(pattern);
    put(map, "pattern", &pattern.id);
    put(map, "knowledge_base", &model.knowledge_base(pattern.kb).id);
}

/// The model as an OTM 0.2.0 JSON document (pretty-printed, ending in a newline).
pub fn to_otm(model: &Model) -> String {
    super::pretty_json(&doc(model))
}

/// [`to_otm`], written to `out` as it is made: each element is made just before it is
/// written, so the export holds one element at a time.
pub fn write_otm(model: &Model, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    super::pretty_json_to(&doc(model), out)
}

fn instances(model: &Model, threats: &[ThreatId]) -> Vec<ThreatInstance> {
    threats
        .iter()
        .map(|t| {
            let threat = model.threat(*t);
            let mitigations: Vec<Value> = threat
                .mitigations
                .iter()
                .map(|m| {
                    let m = model.mitigation(*m);
                    json!({ "mitigation": m.id, "state": mitigation_state(m.status) })
                })
                .collect();
            let state = if threat
                .mitigations
                .iter()
                .any(|m| model.mitigation(*m).status.is_effective())
            {
                "mitigated"
            } else if !threat.acceptances.is_empty() {
                "accepted"
            } else {
                "exposed"
            };
            ThreatInstance {
                threat: threat.id.clone(),
                state,
                mitigations,
            }
        })
        .collect()
}

/// The project's `attributes.threatbook`: its fields OTM has no place for, and the
/// entities without an OTM object (acceptances, reviews, not-applicable marks, the
/// knowledge bases it names).
fn project_attributes(model: &Model) -> Map<String, Value> {
    let p = &model.project;
    let mut pa = Map::new();
    put(&mut pa, "version", &p.version);
    put(&mut pa, "description", &p.description);
    put(&mut pa, "objective", &p.objective);
    put(&mut pa, "scope", &p.scope);
    put(&mut pa, "methodology", &p.methodology);
    put(&mut pa, "conclusion", &p.conclusion);
    put(&mut pa, "owners", &p.owners);
    if !model.knowledge_bases.is_empty() || model.trust_levels != crate::load::kb::TRUST_LEVELS {
        let bases: Vec<Value> = model
            .knowledge_bases
            .iter()
            .map(|k| json!({ "named": k.named, "id": k.id }))
            .collect();
        let mut levels = Map::new();
        for (name, range) in &model.trust_levels {
            levels.insert(
                (*name).to_string(),
                json!({ "min": range.min, "max": range.max }),
            );
        }
        pa.insert(
            "knowledge".into(),
            json!({ "bases": bases, "trust_levels": levels }),
        );
    }
    if !model.acceptances.is_empty() {
        let list: Vec<Value> = model
            .acceptances
            .iter()
            .map(|a| {
                json!({
                    "threat": model.threat(a.threat).id,
                    "justification": a.justification,
                    "approved_by": a.approved_by,
                    "expires": a.expires.to_string(),
                })
            })
            .collect();
        pa.insert("acceptances".into(), Value::Array(list));
    }
    if !model.reviews.is_empty() {
        let list: Vec<Value> = model
            .reviews
            .iter()
            .map(|r| {
                let mut m = Map::new();
                put(&mut m, "reviewer", &r.reviewer);
                put(&mut m, "date", r.date.to_string());
                put(&mut m, "scope", &r.scope);
                put(&mut m, "decision", r.decision.as_str());
                put(&mut m, "notes", &r.notes);
                put(
                    &mut m,
                    "state",
                    r.state.as_ref().map(|s| s.value.to_string()),
                );
                Value::Object(m)
            })
            .collect();
        pa.insert("reviews".into(), Value::Array(list));
    }
    if !model.not_applicable.is_empty() {
        let list: Vec<Value> = model
            .not_applicable
            .iter()
            .map(|n| {
                let mut m = Map::new();
                put(&mut m, "element", model.target_id(n.element));
                match n.pattern {
                    Some(pt) => put_pattern(&mut m, model, pt),
                    None => put(&mut m, "category", n.category.as_str()),
                }
                put(&mut m, "justification", &n.justification);
                Value::Object(m)
            })
            .collect();
        pa.insert("not_applicable".into(), Value::Array(list));
    }
    pa
}

fn doc(model: &Model) -> Doc<'_> {
    let p = &model.project;
    let project_id = Some(to_kebab_case(&p.name))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "threatbook-model".into());
    let project = Project {
        name: p.name.clone(),
        id: project_id,
        description: p.description.clone(),
        owner: (!p.owners.is_empty()).then(|| p.owners.join(", ")),
        attributes: ours(project_attributes(model)),
    };
    let assets = model
        .assets
        .iter()
        .map(|a| {
            let mut m = Map::new();
            put(&mut m, "classification", a.classification.as_str());
            Asset {
                name: a.name.clone(),
                id: a.id.clone(),
                description: a.description.clone(),
                risk: json!({
                    "confidentiality": confidentiality_of(a.classification),
                    "integrity": 50,
                    "availability": 50,
                    "comment": "confidentiality from the threatbook classification; integrity and availability are not rated in threatbook",
                }),
                attributes: ours(m),
            }
        })
        .collect();
    let trust_zones = model
        .zones
        .iter()
        .map(|z| {
            let mut m = Map::new();
            put(&mut m, "trust", z.trust);
            TrustZone {
                id: z.id.clone(),
                name: z.name.clone(),
                kind: "trust-zone",
                description: z.description.clone(),
                risk: json!({ "trustRating": u32::from(z.trust) * 10 }),
                parent: z.parent.map(|p| json!({ "trustZone": model.zone(p).id })),
                attributes: ours(m),
            }
        })
        .collect();
    let components = Lazy::new(model.component_ids(), |c| {
        let c = model.component(c);
        let mut m = Map::new();
        put(&mut m, "kind", c.kind.as_str());
        put(&mut m, "technology", &c.technology);
        put(&mut m, "actor", c.actor.map(|a| a.as_str()));
        put(&mut m, "tags", &c.tags);
        Component {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: c
                .technology
                .clone()
                .unwrap_or_else(|| c.kind.as_str().to_string()),
            description: c.description.clone(),
            parent: json!({ "trustZone": model.zone(c.zone).id }),
            tags: c.tags.clone(),
            threats: instances(model, &c.threats),
            attributes: ours(m),
        }
    });
    let dataflows = Lazy::new(model.flow_ids(), |f| {
        let f = model.flow(f);
        let mut m = Map::new();
        put(&mut m, "protocol", &f.protocol);
        put(&mut m, "encrypted", f.encrypted);
        put(&mut m, "authenticated", f.authenticated);
        Dataflow {
            id: f.id.clone(),
            name: f.name.clone(),
            description: f.description.clone(),
            bidirectional: false,
            source: model.component(f.from).id.clone(),
            destination: model.component(f.to).id.clone(),
            assets: f.data.iter().map(|a| model.asset(*a).id.clone()).collect(),
            threats: instances(model, &f.threats),
            attributes: ours(m),
        }
    });
    let threats = Lazy::new(model.threats.iter(), |t| {
        let (likelihood, impact) = risk_of(t.severity, t.likelihood, t.impact);
        let mut m = Map::new();
        put(&mut m, "category", t.category.as_str());
        put(&mut m, "severity", t.severity.as_str());
        put(&mut m, "likelihood", t.likelihood.map(|l| l.as_str()));
        put(&mut m, "impact", t.impact.map(|l| l.as_str()));
        put(&mut m, "cwe", &t.cwe);
        put(&mut m, "capec", &t.capec);
        // The instances carry the targets; this keeps their order.
        let targets: Vec<&str> = t.targets.iter().map(|x| model.target_id(*x)).collect();
        put(&mut m, "targets", targets);
        if let Some(pt) = t.pattern {
            put_pattern(&mut m, model, pt);
        }
        Threat {
            id: t.id.clone(),
            name: t.title.to_string(),
            description: t.description.as_deref().map(str::to_string),
            categories: vec![category_name(t.category)],
            cwes: t.cwe.iter().map(|n| format!("CWE-{n}")).collect(),
            risk: json!({ "likelihood": likelihood, "impact": impact }),
            attributes: ours(m),
        }
    });
    let mitigations = Lazy::new(model.mitigations.iter(), |mi| {
        let mut m = Map::new();
        put(&mut m, "status", mi.status.as_str());
        put(&mut m, "reduces", mi.reduces);
        if !mi.requires.is_empty() {
            put(&mut m, "requires", mi.requires);
        }
        put(&mut m, "owner", &mi.owner);
        put(&mut m, "references", &mi.references);
        put(&mut m, "evidence", &mi.evidence);
        let mitigates: Vec<&str> = mi
            .mitigates
            .iter()
            .map(|t| model.threat(*t).id.as_str())
            .collect();
        put(&mut m, "mitigates", mitigates);
        if let Some(r) = mi.recommendation {
            let rec = model.recommendation(r);
            put(&mut m, "recommendation", &rec.id);
            put(&mut m, "knowledge_base", &model.knowledge_base(rec.kb).id);
            // Where it stands for equivalents of other knowledge bases, its id
            // is that of the one instantiated.
            put(&mut m, "element", element_of(model, mi));
        }
        Mitigation {
            id: mi.id.clone(),
            name: mi.title.to_string(),
            description: mi.description.as_deref().map(str::to_string),
            risk_reduction: if mi.status.is_effective() { 100 } else { 50 },
            attributes: ours(m),
        }
    });
    Doc {
        otm_version: OTM_VERSION,
        project,
        assets,
        trust_zones,
        components,
        dataflows,
        threats,
        mitigations,
    }
}

/// The element a knowledge-base mitigation was recommended on: the one target its
/// threats share.
fn element_of<'m>(model: &'m Model, m: &crate::model::Mitigation) -> Option<&'m str> {
    let t = m.mitigates.first()?;
    let target: Target = *model.threat(*t).targets.first()?;
    Some(model.target_id(target))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::otm::{classification_of, severity_of, stride_of};

    #[test]
    fn exported_risk_numbers_import_as_the_same_values() {
        for (_, s) in Severity::ALL {
            let (l, i) = risk_of(*s, None, None);
            assert_eq!(severity_of(Some(f64::from(l)), f64::from(i)), *s);
        }
        for (_, c) in Classification::ALL {
            assert_eq!(classification_of(f64::from(confidentiality_of(*c))), *c);
        }
        for (_, c) in Category::ALL {
            assert_eq!(stride_of(category_name(*c)), Some(*c));
        }
    }
}
