//! Reading Open Threat Model (OTM) files, JSON or YAML, versions 0.1 and 0.2, into a
//! [`Draft`].
//!
//! The OTM objects map one to one onto threatbook entities (see docs/interop.md). OTM
//! ids that are already kebab-case and unique are kept, so an OTM -> threatbook -> OTM
//! round trip keeps every object and link of a file. `attributes.threatbook` objects,
//! written by threatbook's own OTM export, restore the fields OTM has no place for.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{
    Draft, DraftAcceptance, DraftAsset, DraftComponent, DraftFlow, DraftKnowledge, DraftMitigation,
    DraftMitigationStatus, DraftNotApplicable, DraftReview, DraftThreat, DraftZone, IdMap, Ids,
    ImportError, Options, Origin, SourceFormat, parse_at,
};
use crate::model::{
    Actor, Category, Choice, Classification, ComponentKind, Date, Decision, Level, Severity, Status,
};

/// The top of an OTM document. Unknown keys are allowed: OTM producers add their own
/// (`properties` in files converted from the Microsoft tool).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtmDoc {
    pub otm_version: String,
    pub project: OtmProject,
    #[serde(default)]
    pub representations: Option<Vec<Value>>,
    #[serde(default)]
    pub assets: Option<Vec<OtmAsset>>,
    #[serde(default)]
    pub trust_zones: Option<Vec<OtmTrustZone>>,
    #[serde(default)]
    pub components: Option<Vec<OtmComponent>>,
    #[serde(default)]
    pub dataflows: Option<Vec<OtmDataflow>>,
    #[serde(default)]
    pub threats: Option<Vec<OtmThreat>>,
    #[serde(default)]
    pub mitigations: Option<Vec<OtmMitigation>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtmProject {
    pub name: String,
    pub id: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub owner_contact: Option<String>,
    #[serde(default)]
    pub attributes: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct OtmAssetRisk {
    pub confidentiality: f64,
    pub integrity: f64,
    pub availability: f64,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OtmAsset {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub risk: OtmAssetRisk,
    #[serde(default)]
    pub attributes: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtmTrustRisk {
    pub trust_rating: f64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtmParent {
    #[serde(default)]
    pub trust_zone: Option<String>,
    #[serde(default)]
    pub component: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OtmTrustZone {
    pub id: String,
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub risk: OtmTrustRisk,
    #[serde(default)]
    pub parent: Option<OtmParent>,
    #[serde(default)]
    pub representations: Option<Vec<Value>>,
    #[serde(default)]
    pub attributes: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct OtmMitigationInstance {
    pub mitigation: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OtmThreatInstance {
    pub threat: String,
    pub state: String,
    #[serde(default)]
    pub mitigations: Option<Vec<Option<OtmMitigationInstance>>>,
}

#[derive(Debug, Deserialize)]
pub struct OtmAssetInstance {
    #[serde(default)]
    pub processed: Option<Vec<Option<String>>>,
    #[serde(default)]
    pub stored: Option<Vec<Option<String>>>,
}

#[derive(Debug, Deserialize)]
pub struct OtmComponent {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub description: Option<String>,
    pub parent: OtmParent,
    #[serde(default)]
    pub representations: Option<Vec<Value>>,
    #[serde(default)]
    pub assets: Option<OtmAssetInstance>,
    #[serde(default)]
    pub threats: Option<Vec<OtmThreatInstance>>,
    #[serde(default)]
    pub tags: Option<Vec<Option<String>>>,
    #[serde(default)]
    pub attributes: RawAttributes,
}

#[derive(Debug, Deserialize)]
pub struct OtmDataflow {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub bidirectional: Option<bool>,
    pub source: String,
    pub destination: String,
    #[serde(default)]
    pub assets: Option<Vec<Option<String>>>,
    #[serde(default)]
    pub threats: Option<Vec<OtmThreatInstance>>,
    #[serde(default)]
    pub tags: Option<Vec<Option<String>>>,
    #[serde(default)]
    pub attributes: RawAttributes,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtmThreatRisk {
    #[serde(default)]
    pub likelihood: Option<f64>,
    #[serde(default)]
    pub likelihood_comment: Option<String>,
    pub impact: f64,
    #[serde(default)]
    pub impact_comment: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OtmThreat {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub categories: Option<Vec<Option<String>>>,
    #[serde(default)]
    pub cwes: Option<Vec<Option<String>>>,
    pub risk: OtmThreatRisk,
    #[serde(default)]
    pub tags: Option<Vec<Option<String>>>,
    #[serde(default)]
    pub attributes: RawAttributes,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OtmMitigation {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub risk_reduction: f64,
    #[serde(default)]
    pub attributes: RawAttributes,
}

/// The `attributes` of a component, flow, threat or mitigation, kept as their JSON text
/// until they are read. These are most of a large export, and their attributes as
/// values were most of the memory an import took.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct RawAttributes(Option<Box<serde_json::value::RawValue>>);

impl RawAttributes {
    /// The attributes as a value. The text is JSON that serde_json read, no deeper than
    /// the document's depth limit, so it parses again.
    fn value(&self) -> Option<Value> {
        serde_json::from_str(self.0.as_ref()?.get()).ok()
    }
}

/// The `threatbook` object of an `attributes` map, written by threatbook's export.
fn ours(attributes: &Option<Value>) -> Option<&serde_json::Map<String, Value>> {
    attributes.as_ref()?.get("threatbook")?.as_object()
}

fn ours_str<'a>(attributes: &'a Option<Value>, key: &str) -> Option<&'a str> {
    ours(attributes)?.get(key)?.as_str()
}

fn ours_strings(attributes: &Option<Value>, key: &str) -> Option<Vec<String>> {
    let items = ours(attributes)?.get(key)?.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
    )
}

fn ours_numbers(attributes: &Option<Value>, key: &str) -> Option<Vec<u32>> {
    let items = ours(attributes)?.get(key)?.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|v| v.as_u64().and_then(|n| u32::try_from(n).ok()))
            .collect(),
    )
}

/// The text as written, or `None` when it is absent or blank.
fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref().filter(|s| !s.trim().is_empty()).cloned()
}

/// A description: in a file threatbook exported (it has `attributes.threatbook`), the
/// OTM one exactly as written, blank text included (older exports kept a copy in the
/// attributes, which wins); in another tool's file, the OTM one when it says something.
fn exact_text(attributes: &Option<Value>, otm: &Option<String>) -> Option<String> {
    match ours(attributes) {
        Some(m) => match m.get("description") {
            Some(d) => d.as_str().map(str::to_string),
            None => otm.clone(),
        },
        None => non_empty(otm),
    }
}

fn ours_level(attributes: &Option<Value>, key: &str) -> Option<Level> {
    ours_str(attributes, key).and_then(Level::from_name)
}

/// Maps an OTM threat category (free text, usually a STRIDE word) to STRIDE.
pub fn stride_of(category: &str) -> Option<Category> {
    let key: String = category
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    let found = match key.as_str() {
        "spoofing" | "spoof" | "s" => Category::Spoofing,
        "tampering" | "tamper" | "t" | "integrity" => Category::Tampering,
        "repudiation" | "r" | "nonrepudiation" => Category::Repudiation,
        "informationdisclosure"
        | "disclosure"
        | "i"
        | "confidentiality"
        | "disclosureofinformation" => Category::InformationDisclosure,
        "denialofservice" | "dos" | "d" | "availability" => Category::DenialOfService,
        "elevationofprivilege" | "elevationofprivileges" | "e" | "privilegeescalation" => {
            Category::ElevationOfPrivilege
        }
        _ => return None,
    };
    Some(found)
}

/// Severity from OTM likelihood and impact (0–100): their product as a share of
/// 100 × 100, split into quarters. A missing likelihood counts as certain.
pub fn severity_of(likelihood: Option<f64>, impact: f64) -> Severity {
    let l = likelihood.unwrap_or(100.0).clamp(0.0, 100.0);
    let score = l * impact.clamp(0.0, 100.0) / 100.0;
    if score >= 75.0 {
        Severity::Critical
    } else if score >= 50.0 {
        Severity::High
    } else if score >= 25.0 {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// Classification from OTM confidentiality (0–100).
pub fn classification_of(confidentiality: f64) -> Classification {
    if confidentiality >= 90.0 {
        Classification::Restricted
    } else if confidentiality >= 60.0 {
        Classification::Confidential
    } else if confidentiality >= 25.0 {
        Classification::Internal
    } else {
        Classification::Public
    }
}

/// A DFD kind guessed from an OTM component type.
pub fn kind_of(otm_type: &str, tags: &[String]) -> ComponentKind {
    if let Some(k) = ComponentKind::from_name(otm_type) {
        return k;
    }
    let t = otm_type.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&[
        "database", "-db", "db-", "storage", "store", "bucket", "queue", "cache", "file", "blob",
        "s3", "sql", "redis", "kafka",
    ]) || t == "db"
    {
        ComponentKind::DataStore
    } else if has(&[
        "client", "browser", "user", "actor", "device", "external", "mobile", "human",
    ]) || tags.iter().any(|g| g.eq_ignore_ascii_case("external"))
    {
        ComponentKind::ExternalEntity
    } else {
        ComponentKind::Process
    }
}

/// A mitigation status from an OTM mitigation instance state.
fn status_of(state: &str) -> Status {
    match state.to_ascii_lowercase().replace(['_', ' '], "-").as_str() {
        "implemented" | "mitigated" => Status::Implemented,
        "verified" | "tested" => Status::Verified,
        "required" | "approved" | "planned" | "in-progress" => Status::Planned,
        _ => Status::Proposed,
    }
}

/// Sorts `ids` into the order of `order` (ids it does not name go last). The ids
/// are threatbook's, which equal the OTM ids threatbook's export wrote.
fn in_order(ids: &mut [String], order: &[String]) {
    let mut position: HashMap<&str, usize> = HashMap::with_capacity(order.len());
    for (i, o) in order.iter().enumerate() {
        position.entry(o.as_str()).or_insert(i);
    }
    ids.sort_by_key(|id| position.get(id.as_str()).copied().unwrap_or(usize::MAX));
}

fn strings(items: &Option<Vec<Option<String>>>) -> Vec<String> {
    items
        .iter()
        .flatten()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads the OTM document `value` from `file` into a draft.
pub fn import(file: &Path, value: &Value, options: &Options) -> Result<Draft, ImportError> {
    check_version(file, value.get("otmVersion").and_then(Value::as_str))?;
    let doc: OtmDoc = parse_at(file, "$", value)?;
    run(file, doc, options)
}

/// Reads the OTM JSON file `file` as a stream straight into its typed form: neither
/// its text nor a value of the whole document is ever in memory, so a large export
/// imports in a fraction of the memory. (A component's, flow's, threat's or
/// mitigation's `attributes` are kept as their text, other `attributes` as values; serde_json stops at 128 levels.)
pub fn import_json_file(file: &Path, options: &Options) -> Result<Draft, ImportError> {
    #[derive(serde::Deserialize)]
    struct Version {
        #[serde(rename = "otmVersion")]
        otm_version: Option<Value>,
    }
    let read_err = |source| ImportError::Read {
        path: file.to_path_buf(),
        source,
    };
    let syntax = |e: serde_json::Error| match e.io_error_kind() {
        Some(kind) => read_err(std::io::Error::new(kind, e.to_string())),
        None => super::syntax_error(file, "JSON", e.to_string()),
    };
    // One read when all is well: the depth is checked as the parser reads.
    let checked = super::DepthChecked::new(super::open_source(file)?, super::MAX_DEPTH);
    // The parser reads a byte at a time: the check gets whole chunks.
    let mut de =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, checked));
    let parsed: Result<OtmDoc, _> = serde_path_to_error::deserialize(&mut de);
    let parsed = match parsed {
        Ok(doc) => de.end().map(|()| doc).map_err(Err),
        Err(e) => Err(Ok(e)),
    };
    drop(de);
    let problem = match parsed {
        Ok(doc) => {
            check_version(file, Some(&doc.otm_version))?;
            return run(file, doc, options);
        }
        Err(problem) => problem,
    };
    // The problems are named in the order of passes that each keep nothing: too deep,
    // then a syntax error, then an unsupported version, then the document's shape.
    let depth = super::json_too_deep_in(super::open_source(file)?, super::MAX_DEPTH);
    if let Some(json_path) = depth.map_err(read_err)? {
        return Err(ImportError::TooDeep {
            path: file.to_path_buf(),
            json_path,
            limit: super::MAX_DEPTH,
        });
    }
    let version: Version = serde_json::from_reader(super::open_source(file)?).map_err(syntax)?;
    check_version(file, version.otm_version.as_ref().and_then(Value::as_str))?;
    match problem {
        Ok(shape) => super::located(file, "$", Err(shape)),
        Err(end) => Err(syntax(end)),
    }
}

fn check_version(file: &Path, version: Option<&str>) -> Result<(), ImportError> {
    if let Some(v) = version {
        let supported = v.starts_with("0.1.") || v.starts_with("0.2.") || v == "0.1" || v == "0.2";
        if !supported {
            return Err(ImportError::invalid(
                file,
                "$.otmVersion",
                format!("OTM version `{v}` is not supported (0.1.x and 0.2.x are)"),
            ));
        }
    }
    Ok(())
}

fn run(file: &Path, doc: OtmDoc, options: &Options) -> Result<Draft, ImportError> {
    let mut importer = Importer::new(file);
    importer.model_folder = options.model_folder.clone();
    importer.run(doc)
}

struct Importer<'a> {
    file: &'a Path,
    draft: Draft,
    ids: Ids,
    zones: IdMap,
    components: IdMap,
    assets: IdMap,
    flows: IdMap,
    threats: IdMap,
    mitigations: IdMap,
    /// Where the model is written, to find knowledge-base folders.
    model_folder: Option<std::path::PathBuf>,
    /// Ids of the knowledge bases the project names that were found: their instances
    /// are made again when the model loads, so they are not written.
    knowledge: HashSet<String>,
}

impl<'a> Importer<'a> {
    fn new(file: &'a Path) -> Self {
        Importer {
            file,
            draft: Draft::new(file, SourceFormat::Otm),
            ids: Ids::default(),
            zones: IdMap::default(),
            components: IdMap::default(),
            assets: IdMap::default(),
            flows: IdMap::default(),
            threats: IdMap::default(),
            mitigations: IdMap::default(),
            model_folder: None,
            knowledge: HashSet::new(),
        }
    }

    fn err(&self, path: String, message: String) -> ImportError {
        ImportError::invalid(self.file, path, message)
    }

    /// Registers `source` in `map`, failing on a duplicate within the kind.
    /// Registers the ids of one array of the source, `path` being the array's JSON path.
    /// Ids that `verbatim` says are knowledge-base instances (`pattern@element`) are
    /// kept as they are: the model makes them again.
    fn register_all<'i>(
        &mut self,
        kind: &str,
        which: fn(&mut Self) -> &mut IdMap,
        ids: impl Iterator<Item = (&'i str, bool)>,
        path: &str,
    ) -> Result<Vec<(String, Origin)>, ImportError> {
        ids.enumerate()
            .map(|(i, (id, verbatim))| {
                self.register(kind, which, id, verbatim, &format!("{path}[{i}]"))
            })
            .collect()
    }

    fn register(
        &mut self,
        kind: &str,
        which: fn(&mut Self) -> &mut IdMap,
        source: &str,
        verbatim: bool,
        path: &str,
    ) -> Result<(String, Origin), ImportError> {
        if which(self).get(source).is_some() {
            return Err(self.err(
                format!("{path}.id"),
                format!("duplicate {kind} id `{source}`"),
            ));
        }
        let id = if verbatim {
            source.to_string()
        } else {
            self.ids.make(kind, source)
        };
        which(self).insert(source, &id);
        let mut origin = Origin::new(path);
        if id != source {
            origin.source_id = Some(source.to_string());
        }
        Ok((id, origin))
    }

    fn run(mut self, doc: OtmDoc) -> Result<Draft, ImportError> {
        if doc.otm_version.is_empty() {
            return Err(self.err("$.otmVersion".into(), "empty OTM version".into()));
        }
        self.project(&doc.project);
        self.knowledge_bases(&doc.project.attributes);
        if doc.representations.as_ref().is_some_and(|r| !r.is_empty()) {
            self.draft.note(
                "OTM representations (diagram positions and sizes, code locations) have no place in threatbook and were not carried over",
            );
        }
        // Register every id first, so references may point forward.
        let zones = doc.trust_zones.unwrap_or_default();
        let components = doc.components.unwrap_or_default();
        let assets = doc.assets.unwrap_or_default();
        let flows = doc.dataflows.unwrap_or_default();
        let threats = doc.threats.unwrap_or_default();
        let mitigations = doc.mitigations.unwrap_or_default();
        let threat_ids: Vec<(&str, bool)> = threats
            .iter()
            .map(|t| {
                (
                    t.id.as_str(),
                    self.is_instance(&t.id, &t.attributes.value()),
                )
            })
            .collect();
        let mitigation_ids: Vec<(&str, bool)> = mitigations
            .iter()
            .map(|m| {
                (
                    m.id.as_str(),
                    self.is_instance(&m.id, &m.attributes.value()),
                )
            })
            .collect();
        let zone_origins = self.register_all(
            "zone",
            |s| &mut s.zones,
            zones.iter().map(|z| (z.id.as_str(), false)),
            "$.trustZones",
        )?;
        let component_origins = self.register_all(
            "component",
            |s| &mut s.components,
            components.iter().map(|c| (c.id.as_str(), false)),
            "$.components",
        )?;
        let asset_origins = self.register_all(
            "asset",
            |s| &mut s.assets,
            assets.iter().map(|a| (a.id.as_str(), false)),
            "$.assets",
        )?;
        let flow_origins = self.register_all(
            "flow",
            |s| &mut s.flows,
            flows.iter().map(|f| (f.id.as_str(), false)),
            "$.dataflows",
        )?;
        let threat_origins = self.register_all(
            "threat",
            |s| &mut s.threats,
            threat_ids.into_iter(),
            "$.threats",
        )?;
        let mitigation_origins = self.register_all(
            "mitigation",
            |s| &mut s.mitigations,
            mitigation_ids.into_iter(),
            "$.mitigations",
        )?;

        self.trust_zones(&zones, zone_origins)?;
        self.components(&components, component_origins)?;
        for (a, (id, origin)) in assets.iter().zip(asset_origins) {
            self.asset(a, id, origin);
        }
        self.flows(&flows, flow_origins)?;

        // Threat and mitigation links live on the component and dataflow instances.
        let mut targets: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut links: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut states: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let instances = components
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("$.components[{i}]"), &c.id, &c.threats, true))
            .chain(
                flows
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (format!("$.dataflows[{i}]"), &f.id, &f.threats, false)),
            );
        for (path, owner, list, is_component) in instances {
            let owner_id = if is_component {
                self.components.get(owner)
            } else {
                self.flows.get(owner)
            }
            .unwrap_or_default()
            .to_string();
            for (j, inst) in list.iter().flatten().enumerate() {
                let ipath = format!("{path}.threats[{j}]");
                let Some(threat) = self.threats.get(&inst.threat).map(str::to_string) else {
                    return Err(self.err(
                        format!("{ipath}.threat"),
                        format!("no threat has the id `{}`", inst.threat),
                    ));
                };
                let t = targets.entry(threat.clone()).or_default();
                if !t.contains(&owner_id) {
                    t.push(owner_id.clone());
                }
                for (k, m) in inst.mitigations.iter().flatten().enumerate() {
                    let Some(m) = m else { continue };
                    let Some(mid) = &m.mitigation else { continue };
                    let Some(mitigation) = self.mitigations.get(mid).map(str::to_string) else {
                        return Err(self.err(
                            format!("{ipath}.mitigations[{k}].mitigation"),
                            format!("no mitigation has the id `{mid}`"),
                        ));
                    };
                    let l = links.entry(mitigation.clone()).or_default();
                    if !l.contains(&threat) {
                        l.push(threat.clone());
                    }
                    states
                        .entry(mitigation)
                        .or_default()
                        .push((owner_id.clone(), m.state.clone().unwrap_or_default()));
                }
            }
        }
        for (t, (id, origin)) in threats.iter().zip(threat_origins) {
            let mut tg = targets.remove(&id).unwrap_or_default();
            let attributes = t.attributes.value();
            if let Some(order) = ours_strings(&attributes, "targets") {
                in_order(&mut tg, &order);
            }
            self.threat(t, &attributes, id, origin, tg);
        }
        for (m, (id, origin)) in mitigations.iter().zip(mitigation_origins) {
            let mut mitigates = links.remove(&id).unwrap_or_default();
            let attributes = m.attributes.value();
            if let Some(order) = ours_strings(&attributes, "mitigates") {
                in_order(&mut mitigates, &order);
            }
            let st = states.remove(&id).unwrap_or_default();
            self.mitigation(m, &attributes, id, origin, mitigates, st);
        }
        self.acceptances(&doc.project.attributes);
        self.reviews(&doc.project.attributes);
        self.not_applicable(&doc.project.attributes);
        Ok(self.draft)
    }

    fn project(&mut self, p: &OtmProject) {
        let d = &mut self.draft.project;
        d.name = p.name.clone();
        let a = &p.attributes;
        d.description = exact_text(a, &p.description);
        if let Some(owners) = ours_strings(a, "owners") {
            d.owners = owners;
        } else {
            match (non_empty(&p.owner), non_empty(&p.owner_contact)) {
                (Some(o), Some(c)) => d.owners = vec![format!("{o} <{c}>")],
                (Some(o), None) => d.owners = vec![o],
                (None, Some(c)) => d.owners = vec![c],
                (None, None) => {}
            }
        }
        d.version = ours_str(a, "version").map(str::to_string);
        d.objective = ours_str(a, "objective").map(str::to_string);
        d.scope = ours_str(a, "scope").map(str::to_string);
        d.methodology = ours_str(a, "methodology").map(str::to_string);
        d.conclusion = ours_str(a, "conclusion").map(str::to_string);
        if p.id != crate::load::raw::to_kebab_case(&p.name) {
            self.draft.note(format!(
                "the OTM project id `{}` is not kept: an OTM export makes the project id from the name",
                p.id
            ));
        }
    }

    fn trust_zones(
        &mut self,
        zones: &[OtmTrustZone],
        origins: Vec<(String, Origin)>,
    ) -> Result<(), ImportError> {
        for (i, (z, (id, mut origin))) in zones.iter().zip(origins).enumerate() {
            let path = format!("$.trustZones[{i}]");
            let rating = z.risk.trust_rating;
            let exact = ours(&z.attributes)
                .and_then(|m| m.get("trust"))
                .and_then(Value::as_u64)
                .and_then(|t| u8::try_from(t).ok())
                .filter(|t| *t <= 10);
            let trust = exact.unwrap_or((rating / 10.0).round().clamp(0.0, 10.0) as u8);
            if exact.is_none() && (!(0.0..=100.0).contains(&rating) || rating % 10.0 != 0.0) {
                origin.note(format!(
                    "OTM trustRating {rating} rounded to trust {trust} (0–10)"
                ));
            }
            let inside = match &z.parent {
                Some(OtmParent {
                    trust_zone: Some(p),
                    ..
                }) => match self.zones.get(p) {
                    Some(pid) => Some(pid.to_string()),
                    None => {
                        return Err(self.err(
                            format!("{path}.parent.trustZone"),
                            format!("no trust zone has the id `{p}`"),
                        ));
                    }
                },
                Some(OtmParent {
                    component: Some(c), ..
                }) => {
                    origin.note(format!(
                        "the OTM parent is component `{c}`; threatbook zones nest only in zones, so it was left top-level"
                    ));
                    None
                }
                _ => None,
            };
            if let Some(t) = &z.kind {
                if t != "trust-zone" && t != &id && t != &z.name.to_ascii_lowercase() {
                    origin.note(format!("OTM trust zone type `{t}` was not carried over"));
                }
            }
            self.draft.zones.push(DraftZone {
                id,
                name: z.name.clone(),
                trust,
                inside,
                description: exact_text(&z.attributes, &z.description),
                origin,
            });
        }
        // Zones must form a tree.
        let index: HashMap<&str, usize> = self
            .draft
            .zones
            .iter()
            .enumerate()
            .map(|(i, z)| (z.id.as_str(), i))
            .collect();
        let parent: Vec<Option<usize>> = self
            .draft
            .zones
            .iter()
            .map(|z| z.inside.as_deref().and_then(|p| index.get(p).copied()))
            .collect();
        if let Some(i) = super::draft::first_on_a_loop(&parent) {
            let z = &self.draft.zones[i];
            return Err(self.err(
                format!("$.trustZones[{i}].parent.trustZone"),
                format!(
                    "trust zone `{}` is nested inside itself",
                    z.origin.source_id.as_deref().unwrap_or(&z.id)
                ),
            ));
        }
        Ok(())
    }

    fn components(
        &mut self,
        components: &[OtmComponent],
        origins: Vec<(String, Origin)>,
    ) -> Result<(), ImportError> {
        // A component whose parent is a component lives in that component's zone.
        let mut zone_of: Vec<Option<String>> = vec![None; components.len()];
        let index: std::collections::HashMap<&str, usize> = components
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let parent: Vec<Option<usize>> = components
            .iter()
            .map(|c| match (&c.parent.trust_zone, &c.parent.component) {
                (None, Some(pc)) => index.get(pc.as_str()).copied(),
                _ => None,
            })
            .collect();
        if let Some(i) = super::draft::first_on_a_loop(&parent) {
            return Err(self.err(
                format!("$.components[{i}].parent.component"),
                format!("component `{}` is nested inside itself", components[i].id),
            ));
        }
        // Each component's zone is its own or, walking up, the first one found; the
        // components on the way learn it too, so every chain is walked once.
        let mut path = Vec::new();
        for i in 0..components.len() {
            let mut at = i;
            let found = loop {
                if let Some(z) = &zone_of[at] {
                    break z.clone();
                }
                path.push(at);
                let p = &components[at].parent;
                if let Some(z) = &p.trust_zone {
                    match self.zones.get(z) {
                        Some(zid) => break zid.to_string(),
                        None => {
                            return Err(self.err(
                                format!("$.components[{at}].parent.trustZone"),
                                format!("no trust zone has the id `{z}`"),
                            ));
                        }
                    }
                }
                let Some(pc) = &p.component else {
                    return Err(self.err(
                        format!("$.components[{at}].parent"),
                        "the parent names neither a trustZone nor a component".into(),
                    ));
                };
                let Some(&next) = index.get(pc.as_str()) else {
                    return Err(self.err(
                        format!("$.components[{at}].parent.component"),
                        format!("no component has the id `{pc}`"),
                    ));
                };
                at = next;
            };
            for j in path.drain(..) {
                zone_of[j] = Some(found.clone());
            }
        }
        for (i, (c, (id, mut origin))) in components.iter().zip(origins).enumerate() {
            let attributes = c.attributes.value();
            let a = &attributes;
            // Tags exactly as threatbook's export kept them, whitespace included.
            let tags = ours_strings(a, "tags").unwrap_or_else(|| strings(&c.tags));
            let kind = ours_str(a, "kind")
                .and_then(ComponentKind::from_name)
                .unwrap_or_else(|| kind_of(&c.kind, &tags));
            let technology = if ours(a).is_some() {
                ours_str(a, "technology").map(str::to_string)
            } else {
                Some(c.kind.clone()).filter(|t| !t.is_empty())
            };
            if let Some(pc) = &c.parent.component {
                origin.note(format!(
                    "the OTM parent is component `{pc}`; placed in its zone"
                ));
            }
            if let Some(assets) = &c.assets {
                let processed = strings(&assets.processed);
                let stored = strings(&assets.stored);
                if !processed.is_empty() || !stored.is_empty() {
                    origin.note(format!(
                        "threatbook components do not list assets; OTM had processed: [{}], stored: [{}]",
                        processed.join(", "),
                        stored.join(", ")
                    ));
                    for (k, a) in processed.iter().chain(&stored).enumerate() {
                        if self.assets.get(a).is_none() {
                            return Err(self.err(
                                format!("$.components[{i}].assets"),
                                format!("no asset has the id `{a}` (reference {k})"),
                            ));
                        }
                    }
                }
            }
            self.draft.components.push(DraftComponent {
                id,
                name: c.name.clone(),
                kind,
                zone: zone_of[i].clone().unwrap_or_default(),
                technology,
                tags,
                actor: ours_str(a, "actor").and_then(Actor::from_name),
                description: exact_text(a, &c.description),
                origin,
            });
        }
        Ok(())
    }

    fn asset(&mut self, a: &OtmAsset, id: String, mut origin: Origin) {
        let classification = ours_str(&a.attributes, "classification")
            .and_then(Classification::from_name)
            .unwrap_or_else(|| {
                let c = classification_of(a.risk.confidentiality);
                origin.note(format!(
                    "classification `{c}` from OTM risk: confidentiality {}, integrity {}, availability {}",
                    a.risk.confidentiality, a.risk.integrity, a.risk.availability
                ));
                c
            });
        if let (None, Some(comment)) = (ours(&a.attributes), non_empty(&a.risk.comment)) {
            origin.note(format!("OTM risk comment: {comment}"));
        }
        self.draft.assets.push(DraftAsset {
            id,
            name: a.name.clone(),
            classification,
            description: exact_text(&a.attributes, &a.description),
            origin,
        });
    }

    fn flows(
        &mut self,
        flows: &[OtmDataflow],
        origins: Vec<(String, Origin)>,
    ) -> Result<(), ImportError> {
        for (i, (f, (id, mut origin))) in flows.iter().zip(origins).enumerate() {
            let path = format!("$.dataflows[{i}]");
            let end = |s: &Self, which: &str, v: &str| -> Result<String, ImportError> {
                s.components.get(v).map(str::to_string).ok_or_else(|| {
                    s.err(
                        format!("{path}.{which}"),
                        format!("no component has the id `{v}`"),
                    )
                })
            };
            let from = end(self, "source", &f.source)?;
            let to = end(self, "destination", &f.destination)?;
            let mut data = Vec::new();
            for (k, a) in f.assets.iter().flatten().enumerate() {
                let Some(a) = a else { continue };
                match self.assets.get(a) {
                    Some(aid) => data.push(aid.to_string()),
                    None => {
                        return Err(self.err(
                            format!("{path}.assets[{k}]"),
                            format!("no asset has the id `{a}`"),
                        ));
                    }
                }
            }
            if f.bidirectional == Some(true) {
                origin.note("bidirectional in OTM; threatbook flows have one direction");
            }
            let tags = strings(&f.tags);
            if !tags.is_empty() {
                origin.note(format!("OTM tags not carried over: {}", tags.join(", ")));
            }
            let attributes = f.attributes.value();
            let a = &attributes;
            let flag = |k: &str| {
                ours(a)
                    .and_then(|m| m.get(k))
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            };
            self.draft.flows.push(DraftFlow {
                id,
                name: f.name.clone(),
                from,
                to,
                protocol: ours_str(a, "protocol").map(str::to_string),
                data,
                encrypted: flag("encrypted"),
                authenticated: flag("authenticated"),
                description: exact_text(a, &f.description),
                origin,
            });
        }
        Ok(())
    }

    /// Threat `t`, its attributes `a` read.
    fn threat(
        &mut self,
        t: &OtmThreat,
        a: &Option<Value>,
        id: String,
        mut origin: Origin,
        targets: Vec<String>,
    ) {
        if self.is_instance(&t.id, a) {
            return; // the knowledge base makes it again
        }
        if let Some(p) = ours_str(a, "pattern") {
            origin.note(format!(
                "instance of pattern `{p}` of knowledge base `{}`, which was not found: written out as a threat",
                ours_str(a, "knowledge_base").unwrap_or("?")
            ));
        }
        let cats = strings(&t.categories);
        let category = match ours_str(a, "category").and_then(Category::from_name) {
            Some(c) => c,
            None => match cats.iter().find_map(|c| stride_of(c)) {
                Some(c) => {
                    if cats.len() > 1 {
                        origin.note(format!(
                            "OTM categories [{}]; threatbook keeps one: {c}",
                            cats.join(", ")
                        ));
                    }
                    c
                }
                None => {
                    origin.note(format!(
                        "no STRIDE category among OTM categories [{}]; guessed tampering",
                        cats.join(", ")
                    ));
                    Category::Tampering
                }
            },
        };
        let severity = match ours_str(a, "severity").and_then(Severity::from_name) {
            Some(s) => s,
            None => {
                let s = severity_of(t.risk.likelihood, t.risk.impact);
                origin.note(format!(
                    "severity `{s}` from OTM risk: likelihood {}, impact {}",
                    t.risk
                        .likelihood
                        .map_or("unset".to_string(), |l| l.to_string()),
                    t.risk.impact
                ));
                s
            }
        };
        for c in [&t.risk.likelihood_comment, &t.risk.impact_comment] {
            if let Some(c) = non_empty(c) {
                origin.note(format!("OTM risk comment: {c}"));
            }
        }
        let mut cwe = Vec::new();
        for w in strings(&t.cwes).into_iter().filter(|_| ours(a).is_none()) {
            let digits = w.trim_start_matches(|c: char| !c.is_ascii_digit());
            match digits.parse::<u32>() {
                Ok(n) => cwe.push(n),
                Err(_) => origin.note(format!("CWE `{w}` is not a CWE number")),
            }
        }
        let tags = strings(&t.tags);
        if !tags.is_empty() {
            origin.note(format!("OTM tags not carried over: {}", tags.join(", ")));
        }
        if ours(a).is_some() {
            cwe = ours_numbers(a, "cwe").unwrap_or_default();
        }
        self.draft.threats.push(DraftThreat {
            id,
            title: t.name.clone(),
            category,
            severity,
            likelihood: ours_level(a, "likelihood"),
            impact: ours_level(a, "impact"),
            targets,
            cwe,
            capec: ours_numbers(a, "capec").unwrap_or_default(),
            description: exact_text(a, &t.description),
            origin,
        });
    }

    /// Mitigation `m`, its attributes `a` read.
    fn mitigation(
        &mut self,
        m: &OtmMitigation,
        a: &Option<Value>,
        id: String,
        mut origin: Origin,
        mitigates: Vec<String>,
        states: Vec<(String, String)>,
    ) {
        let status = match ours_str(a, "status").and_then(Status::from_name) {
            Some(s) => s,
            None => {
                // One status for all instances: the least advanced one, so a
                // mitigation required somewhere is not shown as in place everywhere.
                let s = states
                    .iter()
                    .map(|(_, st)| status_of(st))
                    .min()
                    .unwrap_or(Status::Proposed);
                let distinct: HashSet<&str> = states.iter().map(|(_, s)| s.as_str()).collect();
                if distinct.len() > 1 {
                    let list: Vec<String> =
                        states.iter().map(|(o, s)| format!("{o}: {s}")).collect();
                    origin.note(format!(
                        "OTM states differ per instance ({}); threatbook keeps the least advanced: {s}",
                        list.join(", ")
                    ));
                }
                s
            }
        };
        if ours(a).is_none() {
            origin.note(format!(
                "OTM riskReduction {} not carried over",
                m.risk_reduction
            ));
        }
        let owner = ours_str(a, "owner").map(str::to_string);
        let evidence = ours_strings(a, "evidence").unwrap_or_default();
        if self.is_instance(&m.id, a) {
            // A knowledge-base mitigation: the model makes it again, proposed; what
            // the source says of it is set with [[mitigation-status]].
            let element = ours_str(a, "element");
            let recommendation = ours_str(a, "recommendation");
            let set = status != Status::Proposed || owner.is_some() || !evidence.is_empty();
            if let (true, Some(element), Some(recommendation)) = (set, element, recommendation) {
                self.draft.mitigation_status.push(DraftMitigationStatus {
                    mitigation: recommendation.to_string(),
                    elements: vec![element.to_string()],
                    status,
                    owner,
                    evidence,
                    origin,
                });
            }
            return;
        }
        let mut references = ours_strings(a, "references").unwrap_or_default();
        if let Some(r) = ours_str(a, "recommendation") {
            origin.note(format!(
                "recommended by knowledge base `{}` (mitigation `{r}`), which was not found: written out as a mitigation",
                ours_str(a, "knowledge_base").unwrap_or("?")
            ));
        }
        if !evidence.is_empty() {
            origin.note("its evidence is listed with the references: a written mitigation has no `evidence`");
            references.extend(evidence);
        }
        let reduces = ours(a)
            .and_then(|m| m.get("reduces"))
            .and_then(Value::as_u64)
            .and_then(|r| u8::try_from(r).ok())
            .filter(|r| *r <= 3 && *r != 1);
        let requires = ours(a)
            .and_then(|m| m.get("requires"))
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        self.draft.mitigations.push(DraftMitigation {
            id,
            title: m.name.clone(),
            mitigates,
            status,
            reduces,
            requires,
            owner,
            references,
            description: exact_text(a, &m.description),
            origin,
        });
    }

    /// Whether an OTM threat or mitigation is an instance of a knowledge base the model
    /// names and that was found: `pattern@element` or `mitigation@element`.
    fn is_instance(&self, id: &str, attributes: &Option<Value>) -> bool {
        let from_kb = ours_str(attributes, "pattern").is_some()
            || ours_str(attributes, "recommendation").is_some();
        from_kb
            && id.contains('@')
            && ours_str(attributes, "knowledge_base").is_some_and(|k| self.knowledge.contains(k))
    }

    /// The knowledge bases and trust levels threatbook's export keeps in the project's
    /// attributes. A bundled knowledge base is always found; a folder is looked for
    /// relative to the folder the model is written to.
    fn knowledge_bases(&mut self, attributes: &Option<Value>) {
        let Some(k) = ours(attributes).and_then(|m| m.get("knowledge")) else {
            return;
        };
        let mut knowledge = DraftKnowledge::default();
        for (i, b) in k
            .get("bases")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (Some(named), Some(id)) = (
                b.get("named").and_then(Value::as_str),
                b.get("id").and_then(Value::as_str),
            ) else {
                self.draft.note(format!(
                    "$.project.attributes.threatbook.knowledge.bases[{i}] does not name a knowledge base and was left out"
                ));
                continue;
            };
            let found = if crate::load::kb::is_path(named) {
                self.model_folder
                    .as_ref()
                    .is_some_and(|d| d.join(named).join(crate::load::KB_MANIFEST).is_file())
            } else {
                crate::load::bundled::get(named).is_some()
            };
            if found {
                self.knowledge.insert(id.to_string());
                knowledge.bases.push(named.to_string());
            } else {
                self.draft.note(format!(
                    "the knowledge base `{named}` (id `{id}`) that the model names was not found relative to the imported folder; its threats and mitigations were written out as [[threat]] and [[mitigation]], and its not-applicable marks left out. Put the knowledge base there, name it in `[knowledge] bases`, and remove them to use it again"
                ));
            }
        }
        let levels = k.get("trust_levels");
        for (name, default) in crate::load::kb::TRUST_LEVELS {
            let bound = |key: &str, or: u8| {
                levels
                    .and_then(|l| l.get(name))
                    .and_then(|r| r.get(key))
                    .and_then(Value::as_u64)
                    .and_then(|n| u8::try_from(n).ok())
                    .filter(|n| *n <= 10)
                    .unwrap_or(or)
            };
            let (min, max) = (bound("min", default.min), bound("max", default.max));
            if (min, max) != (default.min, default.max) {
                knowledge.trust_levels.push((name.to_string(), min, max));
            }
        }
        if !knowledge.bases.is_empty() || !knowledge.trust_levels.is_empty() {
            self.draft.knowledge = Some(knowledge);
        }
    }

    /// Reviews written by threatbook's export, in the project's attributes.
    fn reviews(&mut self, attributes: &Option<Value>) {
        let Some(list) = ours(attributes)
            .and_then(|m| m.get("reviews"))
            .and_then(Value::as_array)
        else {
            return;
        };
        for (i, r) in list.iter().enumerate() {
            let get = |k: &str| r.get(k).and_then(Value::as_str);
            let path = format!("$.project.attributes.threatbook.reviews[{i}]");
            let date = get("date").and_then(Date::parse);
            let decision = get("decision").and_then(Decision::from_name);
            match (get("reviewer"), date, decision) {
                (Some(reviewer), Some(date), Some(decision)) => {
                    self.draft.reviews.push(DraftReview {
                        reviewer: reviewer.to_string(),
                        date,
                        scope: get("scope").map(str::to_string),
                        decision,
                        notes: get("notes").map(str::to_string),
                        state: get("state").and_then(crate::kinds::ModelState::parse),
                        origin: Origin::new(path),
                    })
                }
                _ => self
                    .draft
                    .note(format!("{path} is not a complete review and was left out")),
            }
        }
    }

    /// Not-applicable marks written by threatbook's export, in the project's
    /// attributes.
    fn not_applicable(&mut self, attributes: &Option<Value>) {
        let Some(list) = ours(attributes)
            .and_then(|m| m.get("not_applicable"))
            .and_then(Value::as_array)
        else {
            return;
        };
        for (i, n) in list.iter().enumerate() {
            let get = |k: &str| n.get(k).and_then(Value::as_str);
            let path = format!("$.project.attributes.threatbook.not_applicable[{i}]");
            let element = get("element")
                .and_then(|e| self.components.get(e).or_else(|| self.flows.get(e)))
                .map(str::to_string);
            let category = get("category").and_then(Category::from_name);
            let pattern = get("pattern").map(str::to_string);
            let kb_found = get("knowledge_base").is_none_or(|k| self.knowledge.contains(k));
            match (element, get("justification")) {
                (Some(element), Some(j))
                    if (category.is_some() != pattern.is_some())
                        && (pattern.is_none() || kb_found) =>
                {
                    self.draft.not_applicable.push(DraftNotApplicable {
                        element,
                        category,
                        pattern,
                        justification: j.to_string(),
                        origin: Origin::new(path),
                    })
                }
                _ => self.draft.note(format!(
                    "{path} is not a complete not-applicable mark, or names a pattern of a knowledge base that was not found, and was left out"
                )),
            }
        }
    }

    /// Acceptances written by threatbook's export, in the project's attributes.
    fn acceptances(&mut self, attributes: &Option<Value>) {
        let Some(list) = ours(attributes)
            .and_then(|m| m.get("acceptances"))
            .and_then(Value::as_array)
        else {
            return;
        };
        for (i, a) in list.iter().enumerate() {
            let get = |k: &str| a.get(k).and_then(Value::as_str);
            let path = format!("$.project.attributes.threatbook.acceptances[{i}]");
            let threat = get("threat")
                .and_then(|t| self.threats.get(t))
                .map(str::to_string);
            let expires = get("expires").and_then(Date::parse);
            match (threat, get("justification"), get("approved_by"), expires) {
                (Some(threat), Some(j), Some(by), Some(expires)) => {
                    self.draft.acceptances.push(DraftAcceptance {
                        threat,
                        justification: j.to_string(),
                        approved_by: by.to_string(),
                        expires,
                        origin: Origin::new(path),
                    })
                }
                _ => self.draft.note(format!(
                    "{path} is not a complete acceptance and was left out"
                )),
            }
        }
    }
}
