//! Reading Threagile YAML models into a [`Draft`].
//!
//! Technical assets become components, trust boundaries (nested) become zones,
//! communication links become flows, data assets become assets. Threats come from the
//! model's individually identified risks and from its risk tracking entries, whose
//! statuses become mitigations or acceptances. Threagile's built-in risk rules run in
//! Threagile itself, so a tracked built-in risk is imported as a threat named after its
//! risk id, on the assets the id names.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{
    Draft, DraftAcceptance, DraftAsset, DraftComponent, DraftFlow, DraftMitigation, DraftThreat,
    DraftZone, IdMap, Ids, ImportError, Options, Origin, SourceFormat, join_key, parse_at,
};
use crate::model::{Category, Choice, Classification, ComponentKind, Severity, Status};

#[derive(Debug, Deserialize)]
struct TgDoc {
    title: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    author: Option<TgAuthor>,
    #[serde(default)]
    management_summary_comment: Option<String>,
    #[serde(default)]
    business_overview: Option<TgOverview>,
    #[serde(default)]
    technical_overview: Option<TgOverview>,
    #[serde(default)]
    data_assets: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    technical_assets: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    trust_boundaries: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    shared_runtimes: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    individual_risk_categories: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    risk_tracking: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Deserialize)]
struct TgAuthor {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TgOverview {
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TgDataAsset {
    id: String,
    #[serde(default)]
    description: Option<String>,
    confidentiality: String,
}

#[derive(Debug, Deserialize)]
struct TgLink {
    target: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    authentication: Option<String>,
    #[serde(default)]
    vpn: Option<bool>,
    #[serde(default)]
    data_assets_sent: Option<Vec<String>>,
    #[serde(default)]
    data_assets_received: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct TgTechnicalAsset {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    out_of_scope: Option<bool>,
    #[serde(default)]
    justification_out_of_scope: Option<String>,
    #[serde(default)]
    technology: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    communication_links: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Deserialize)]
struct TgBoundary {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    technical_assets_inside: Option<Vec<String>>,
    #[serde(default)]
    trust_boundaries_nested: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct TgRiskCategory {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    impact: Option<String>,
    #[serde(default)]
    mitigation: Option<String>,
    #[serde(default)]
    stride: Option<String>,
    #[serde(default)]
    cwe: Option<u32>,
    #[serde(default)]
    risks_identified: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Deserialize)]
struct TgRisk {
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    most_relevant_technical_asset: Option<String>,
    #[serde(default)]
    data_breach_technical_assets: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct TgTracking {
    status: String,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    checked_by: Option<String>,
}

/// Trust (0–10) for a Threagile trust boundary type.
fn trust_of(kind: &str) -> Option<u8> {
    Some(match kind {
        "network-cloud-provider" => 5,
        "network-dedicated-hoster" | "network-virtual-lan" | "network-cloud-security-group" => 6,
        "network-on-prem" | "network-policy-namespace-isolation" => 7,
        "execution-environment" => 8,
        _ => return None,
    })
}

/// threatbook's classification for a Threagile confidentiality.
fn classification_of(c: &str) -> Option<Classification> {
    Some(match c {
        "public" => Classification::Public,
        "internal" => Classification::Internal,
        "restricted" | "confidential" => Classification::Confidential,
        "strictly-confidential" => Classification::Restricted,
        _ => return None,
    })
}

fn severity_of(s: &str) -> Option<Severity> {
    Some(match s {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "elevated" | "high" => Severity::High,
        "critical" => Severity::Critical,
        _ => return None,
    })
}

/// The STRIDE category threatbook reads into a Threagile built-in risk rule.
fn rule_category(rule: &str) -> Option<Category> {
    use Category::*;
    Some(match rule {
        "cross-site-request-forgery"
        | "missing-file-validation"
        | "missing-identity-store"
        | "service-registry-poisoning" => Spoofing,
        "code-backdooring"
        | "container-baseimage-backdooring"
        | "cross-site-scripting"
        | "ldap-injection"
        | "missing-build-infrastructure"
        | "missing-cloud-hardening"
        | "missing-hardening"
        | "missing-waf"
        | "push-instead-of-pull-deployment"
        | "search-query-injection"
        | "sql-nosql-injection"
        | "unchecked-deployment"
        | "untrusted-deserialization" => Tampering,
        "accidental-secret-leak"
        | "incomplete-model"
        | "missing-vault"
        | "path-traversal"
        | "server-side-request-forgery"
        | "unencrypted-asset"
        | "unencrypted-communication"
        | "wrong-communication-link-content"
        | "xml-external-entity" => InformationDisclosure,
        "dos-risky-access-across-trust-boundary" => DenialOfService,
        "container-platform-escape"
        | "missing-authentication"
        | "missing-authentication-second-factor"
        | "missing-identity-propagation"
        | "missing-identity-provider-isolation"
        | "missing-network-segmentation"
        | "missing-vault-isolation"
        | "mixed-targets-on-shared-runtime"
        | "unguarded-access-from-internet"
        | "unguarded-direct-datastore-access"
        | "unnecessary-communication-link"
        | "unnecessary-data-asset"
        | "unnecessary-data-transfer"
        | "unnecessary-technical-asset"
        | "wrong-trust-boundary-content" => ElevationOfPrivilege,
        _ => return None,
    })
}

fn encrypted_protocol(p: &str) -> bool {
    p.contains("encrypted")
        || matches!(
            p,
            "https" | "wss" | "ssh" | "ssh-tunnel" | "ftps" | "sftp" | "ldaps" | "smtp-encrypted"
        )
}

fn text(s: &Option<String>) -> Option<String> {
    s.as_ref().filter(|s| !s.trim().is_empty()).cloned()
}

/// Text without the HTML tags Threagile allows in titles.
fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a risk id matches a tracking pattern (`*` stands for one `@` part).
fn matches_pattern(pattern: &str, id: &str) -> bool {
    let p: Vec<&str> = pattern.split('@').collect();
    let i: Vec<&str> = id.split('@').collect();
    p.len() == i.len() && p.iter().zip(&i).all(|(a, b)| *a == "*" || a == b)
}

/// Reads the Threagile document `value` from `file` into a draft.
pub fn import(file: &Path, value: &Value, options: &Options) -> Result<Draft, ImportError> {
    match value.get("threagile_version") {
        Some(Value::String(v)) if v.starts_with("1.") => {}
        Some(Value::String(v)) => {
            return Err(ImportError::invalid(
                file,
                "$.threagile_version",
                format!("Threagile model version `{v}` is not supported (1.x is)"),
            ));
        }
        Some(_) => {
            return Err(ImportError::invalid(
                file,
                "$.threagile_version",
                "the version is not a string",
            ));
        }
        None => {
            return Err(ImportError::invalid(
                file,
                "$",
                "missing field `threagile_version`: not a Threagile model",
            ));
        }
    }
    let doc: TgDoc = parse_at(file, "$", value)?;
    Importer {
        file,
        draft: Draft::new(file, SourceFormat::Threagile),
        ids: Ids::default(),
        assets: IdMap::default(),
        components: IdMap::default(),
        options,
    }
    .run(doc)
}

struct Importer<'a> {
    file: &'a Path,
    draft: Draft,
    ids: Ids,
    assets: IdMap,
    components: IdMap,
    options: &'a Options,
}

impl Importer<'_> {
    fn err(&self, path: String, message: String) -> ImportError {
        ImportError::invalid(self.file, path, message)
    }

    fn run(mut self, doc: TgDoc) -> Result<Draft, ImportError> {
        let p = &mut self.draft.project;
        p.name = strip_tags(&doc.title);
        p.version = text(&doc.date);
        p.owners = doc
            .author
            .as_ref()
            .and_then(|a| text(&a.name))
            .into_iter()
            .collect();
        let overview: Vec<String> = [&doc.business_overview, &doc.technical_overview]
            .into_iter()
            .filter_map(|o| o.as_ref().and_then(|o| text(&o.description)))
            .collect();
        p.description = (!overview.is_empty()).then(|| overview.join("\n\n"));
        p.conclusion = text(&doc.management_summary_comment);
        p.methodology = Some("Modelled in Threagile.".into());
        if doc.shared_runtimes.as_ref().is_some_and(|s| !s.is_empty()) {
            self.draft.note(
                "Threagile shared runtimes have no place in threatbook and were not carried over",
            );
        }
        self.draft.note(
            "Threagile's technical asset and link attributes other than those in docs/interop.md (machine, encryption, CIA ratings, usage, authorization …) were not carried over",
        );

        let data_assets = doc.data_assets.unwrap_or_default();
        for (title, raw) in &data_assets {
            let path = join_key("$.data_assets", title);
            let a: TgDataAsset = parse_at(self.file, &path, raw)?;
            self.data_asset(&path, title, a)?;
        }

        let technical = doc.technical_assets.unwrap_or_default();
        let mut parsed = Vec::new();
        for (title, raw) in &technical {
            let path = join_key("$.technical_assets", title);
            let a: TgTechnicalAsset = parse_at(self.file, &path, raw)?;
            if self.components.get(&a.id).is_some() {
                return Err(self.err(
                    format!("{path}.id"),
                    format!("duplicate technical asset id `{}`", a.id),
                ));
            }
            let id = self.ids.make("component", &a.id);
            self.components.insert(&a.id, &id);
            parsed.push((path, title.clone(), a, id));
        }

        let zone_of = self.boundaries(doc.trust_boundaries.unwrap_or_default())?;
        let mut outside_needed = false;
        for (path, title, a, id) in &parsed {
            let zone = match zone_of.get(&a.id) {
                Some(z) => z.clone(),
                None => {
                    outside_needed = true;
                    String::new()
                }
            };
            self.technical_asset(path, title, a, id, zone);
        }
        if outside_needed {
            let id = self.ids.make("zone", "outside");
            let mut origin = Origin::new("$.technical_assets");
            origin.note("made for the technical assets that are inside no Threagile trust boundary; trust 0");
            self.draft.zones.push(DraftZone {
                id: id.clone(),
                name: "Outside every trust boundary".into(),
                trust: 0,
                inside: None,
                description: None,
                origin,
            });
            for c in &mut self.draft.components {
                if c.zone.is_empty() {
                    c.zone = id.clone();
                }
            }
        }
        for (path, _, a, id) in &parsed {
            self.links(path, a, id)?;
        }
        let risk_ids = self.individual_risks(doc.individual_risk_categories.unwrap_or_default())?;
        self.tracking(doc.risk_tracking.unwrap_or_default(), &risk_ids, &parsed)?;
        Ok(self.draft)
    }

    fn data_asset(&mut self, path: &str, title: &str, a: TgDataAsset) -> Result<(), ImportError> {
        if self.assets.get(&a.id).is_some() {
            return Err(self.err(
                format!("{path}.id"),
                format!("duplicate data asset id `{}`", a.id),
            ));
        }
        let id = self.ids.make("asset", &a.id);
        self.assets.insert(&a.id, &id);
        let mut origin = Origin::new(path);
        if id != a.id {
            origin.source_id = Some(a.id.clone());
        }
        let classification = classification_of(&a.confidentiality).ok_or_else(|| {
            self.err(
                format!("{path}.confidentiality"),
                format!(
                    "`{}` is not a Threagile confidentiality (public, internal, restricted, confidential, strictly-confidential)",
                    a.confidentiality
                ),
            )
        })?;
        if a.confidentiality != classification.as_str() {
            origin.note(format!(
                "Threagile confidentiality `{}` read as `{classification}`",
                a.confidentiality
            ));
        }
        self.draft.assets.push(DraftAsset {
            id,
            name: strip_tags(title),
            classification,
            description: text(&a.description),
            origin,
        });
        Ok(())
    }

    /// Makes a zone per trust boundary and returns the innermost zone of each
    /// technical asset (by Threagile id).
    fn boundaries(
        &mut self,
        boundaries: BTreeMap<String, Value>,
    ) -> Result<HashMap<String, String>, ImportError> {
        let mut parsed = Vec::new();
        let mut by_source = IdMap::default();
        for (title, raw) in &boundaries {
            let path = join_key("$.trust_boundaries", title);
            let b: TgBoundary = parse_at(self.file, &path, raw)?;
            if by_source.get(&b.id).is_some() {
                return Err(self.err(
                    format!("{path}.id"),
                    format!("duplicate trust boundary id `{}`", b.id),
                ));
            }
            let id = self.ids.make("zone", &b.id);
            by_source.insert(&b.id, &id);
            parsed.push((path, title.clone(), b, id));
        }
        // Parents from the nesting lists.
        let mut parent: HashMap<String, String> = HashMap::new();
        for (path, _, b, id) in &parsed {
            for (k, child) in b.trust_boundaries_nested.iter().flatten().enumerate() {
                let Some(cid) = by_source.get(child) else {
                    return Err(self.err(
                        format!("{path}.trust_boundaries_nested[{k}]"),
                        format!("no trust boundary has the id `{child}`"),
                    ));
                };
                if let Some(old) = parent.insert(cid.to_string(), id.clone()) {
                    if old != *id {
                        return Err(self.err(
                            format!("{path}.trust_boundaries_nested[{k}]"),
                            format!("trust boundary `{child}` is nested in two boundaries"),
                        ));
                    }
                }
            }
        }
        let index: HashMap<&str, usize> = parsed
            .iter()
            .enumerate()
            .map(|(i, (_, _, _, id))| (id.as_str(), i))
            .collect();
        let parents: Vec<Option<usize>> = parsed
            .iter()
            .map(|(_, _, _, id)| parent.get(id).and_then(|p| index.get(p.as_str()).copied()))
            .collect();
        if let Some(i) = super::draft::first_on_a_loop(&parents) {
            let (path, _, b, _) = &parsed[i];
            return Err(self.err(
                format!("{path}.trust_boundaries_nested"),
                format!("trust boundary `{}` is nested inside itself", b.id),
            ));
        }
        let mut zone_of: HashMap<String, String> = HashMap::new();
        for (path, title, b, id) in parsed {
            let mut origin = Origin::new(path.clone());
            if id != b.id {
                origin.source_id = Some(b.id.clone());
            }
            let kind = b.kind.clone().unwrap_or_default();
            let trust = match trust_of(&kind) {
                Some(t) => {
                    origin.note(format!("trust {t} from the boundary type `{kind}`"));
                    t
                }
                None => {
                    origin.note(format!("boundary type `{kind}` is not known; trust 5"));
                    5
                }
            };
            for (k, asset) in b.technical_assets_inside.iter().flatten().enumerate() {
                if self.components.get(asset).is_none() {
                    return Err(self.err(
                        format!("{path}.technical_assets_inside[{k}]"),
                        format!("no technical asset has the id `{asset}`"),
                    ));
                }
                if let Some(other) = zone_of.insert(asset.clone(), id.clone()) {
                    return Err(self.err(
                        format!("{path}.technical_assets_inside[{k}]"),
                        format!("technical asset `{asset}` is also inside zone `{other}`"),
                    ));
                }
            }
            self.draft.zones.push(DraftZone {
                inside: parent.get(&id).cloned(),
                id,
                name: strip_tags(&title),
                trust,
                description: text(&b.description),
                origin,
            });
        }
        Ok(zone_of)
    }

    fn technical_asset(
        &mut self,
        path: &str,
        title: &str,
        a: &TgTechnicalAsset,
        id: &str,
        zone: String,
    ) {
        let mut origin = Origin::new(path);
        if id != a.id {
            origin.source_id = Some(a.id.clone());
        }
        let kind = match a.kind.as_str() {
            "external-entity" => ComponentKind::ExternalEntity,
            "datastore" => ComponentKind::DataStore,
            "process" => ComponentKind::Process,
            other => {
                origin.note(format!(
                    "asset type `{other}` is not known; read as a process"
                ));
                ComponentKind::Process
            }
        };
        let mut tags: Vec<String> = a.tags.iter().flatten().cloned().collect();
        if a.out_of_scope == Some(true) {
            tags.push("out-of-scope".into());
            origin.note(format!(
                "out of scope in Threagile: {}",
                text(&a.justification_out_of_scope).unwrap_or_else(|| "no reason given".into())
            ));
        }
        self.draft.components.push(DraftComponent {
            id: id.to_string(),
            name: strip_tags(title),
            kind,
            zone,
            technology: text(&a.technology),
            tags,
            actor: None,
            description: text(&a.description),
            origin,
        });
    }

    fn links(&mut self, path: &str, a: &TgTechnicalAsset, from: &str) -> Result<(), ImportError> {
        for (title, raw) in a.communication_links.iter().flatten() {
            let lpath = join_key(&format!("{path}.communication_links"), title);
            let l: TgLink = parse_at(self.file, &lpath, raw)?;
            let Some(to) = self.components.get(&l.target).map(str::to_string) else {
                return Err(self.err(
                    format!("{lpath}.target"),
                    format!("no technical asset has the id `{}`", l.target),
                ));
            };
            let mut data = Vec::new();
            let lists = [
                ("data_assets_sent", &l.data_assets_sent),
                ("data_assets_received", &l.data_assets_received),
            ];
            for (key, list) in lists {
                for (k, d) in list.iter().flatten().enumerate() {
                    let Some(did) = self.assets.get(d) else {
                        return Err(self.err(
                            format!("{lpath}.{key}[{k}]"),
                            format!("no data asset has the id `{d}`"),
                        ));
                    };
                    if !data.iter().any(|x| x == did) {
                        data.push(did.to_string());
                    }
                }
            }
            let protocol = text(&l.protocol);
            let encrypted =
                protocol.as_deref().is_some_and(encrypted_protocol) || l.vpn == Some(true);
            let auth = l.authentication.clone().unwrap_or_default();
            let authenticated = !auth.is_empty() && auth != "none";
            let id = self.ids.make("flow", &format!("{} {}", a.id, title));
            let mut origin = Origin::new(lpath);
            if l.data_assets_received
                .as_ref()
                .is_some_and(|r| !r.is_empty())
            {
                origin.note("data received back over the link is listed with the data sent");
            }
            if authenticated {
                origin.note(format!("authentication `{auth}`"));
            }
            self.draft.flows.push(DraftFlow {
                id,
                name: strip_tags(title),
                from: from.to_string(),
                to,
                protocol,
                data,
                encrypted,
                authenticated,
                description: text(&l.description),
                origin,
            });
        }
        Ok(())
    }

    /// Threats from the individually identified risks; returns (Threagile risk id,
    /// threat id) pairs for risk tracking.
    fn individual_risks(
        &mut self,
        categories: BTreeMap<String, Value>,
    ) -> Result<Vec<(String, String)>, ImportError> {
        let mut out = Vec::new();
        for (ctitle, raw) in &categories {
            let cpath = join_key("$.individual_risk_categories", ctitle);
            let c: TgRiskCategory = parse_at(self.file, &cpath, raw)?;
            let stride = c.stride.as_deref().and_then(Category::from_name);
            for (rtitle, raw) in c.risks_identified.iter().flatten() {
                let rpath = join_key(&format!("{cpath}.risks_identified"), rtitle);
                let r: TgRisk = parse_at(self.file, &rpath, raw)?;
                let mut origin = Origin::new(rpath.clone());
                let mut targets = Vec::new();
                let named = r
                    .most_relevant_technical_asset
                    .iter()
                    .map(|a| ("most_relevant_technical_asset".to_string(), a.clone()))
                    .chain(
                        r.data_breach_technical_assets
                            .iter()
                            .flatten()
                            .enumerate()
                            .map(|(k, a)| {
                                (format!("data_breach_technical_assets[{k}]"), a.clone())
                            }),
                    );
                for (key, a) in named {
                    let Some(id) = self.components.get(&a) else {
                        return Err(self.err(
                            format!("{rpath}.{key}"),
                            format!("no technical asset has the id `{a}`"),
                        ));
                    };
                    if !targets.iter().any(|t| t == id) {
                        targets.push(id.to_string());
                    }
                }
                let risk_id = format!(
                    "{}@{}",
                    c.id,
                    r.most_relevant_technical_asset.clone().unwrap_or_default()
                );
                let id = self.ids.make("threat", &risk_id);
                origin.source_id = Some(risk_id.clone());
                let category = stride.unwrap_or_else(|| {
                    origin.note("the risk category has no STRIDE value; guessed tampering");
                    Category::Tampering
                });
                let sev = r.severity.clone().unwrap_or_default();
                let severity = severity_of(&sev).unwrap_or_else(|| {
                    origin.note(format!("severity `{sev}` is not known; set to medium"));
                    Severity::Medium
                });
                if sev == "elevated" {
                    origin.note("Threagile severity `elevated` read as high");
                }
                let mut description = Vec::new();
                for part in [&c.description, &c.impact] {
                    if let Some(t) = text(part) {
                        description.push(t);
                    }
                }
                if let Some(m) = text(&c.mitigation) {
                    description.push(format!("Suggested mitigation: {m}"));
                }
                self.draft.threats.push(DraftThreat {
                    id: id.clone(),
                    title: strip_tags(rtitle),
                    category,
                    severity,
                    likelihood: None,
                    impact: None,
                    targets,
                    cwe: c.cwe.into_iter().collect(),
                    capec: Vec::new(),
                    description: (!description.is_empty()).then(|| description.join("\n\n")),
                    origin,
                });
                out.push((risk_id, id));
            }
        }
        Ok(out)
    }

    fn tracking(
        &mut self,
        entries: BTreeMap<String, Value>,
        risk_ids: &[(String, String)],
        technical: &[(String, String, TgTechnicalAsset, String)],
    ) -> Result<(), ImportError> {
        for (key, raw) in &entries {
            let path = join_key("$.risk_tracking", key);
            let t: TgTracking = parse_at(self.file, &path, raw)?;
            let mut threats: Vec<String> = risk_ids
                .iter()
                .filter(|(rid, _)| matches_pattern(key, rid))
                .map(|(_, id)| id.clone())
                .collect();
            if threats.is_empty() {
                threats.push(self.tracked_rule_threat(&path, key, technical));
            }
            for threat in threats {
                self.tracking_entry(&path, key, &t, &threat)?;
            }
        }
        Ok(())
    }

    /// A threat for a tracked risk of a Threagile built-in rule.
    fn tracked_rule_threat(
        &mut self,
        path: &str,
        key: &str,
        technical: &[(String, String, TgTechnicalAsset, String)],
    ) -> String {
        let mut parts = key.split('@');
        let rule = parts.next().unwrap_or_default().to_string();
        let mut origin = Origin::new(path);
        origin.source_id = Some(key.to_string());
        let mut targets: Vec<String> = parts
            .filter(|p| *p != "*")
            .filter_map(|p| self.components.get(p).map(str::to_string))
            .collect();
        targets.dedup();
        if targets.is_empty() {
            origin.note(
                "the risk id names no technical asset (wildcards only); the threat is put on every in-scope technical asset, though Threagile's rule may fire on fewer",
            );
            targets = technical
                .iter()
                .filter(|(_, _, a, _)| a.out_of_scope != Some(true))
                .map(|(_, _, _, id)| id.clone())
                .collect();
        }
        let category = rule_category(&rule).unwrap_or_else(|| {
            origin.note(format!(
                "`{rule}` is not a Threagile rule threatbook knows; category guessed as tampering"
            ));
            Category::Tampering
        });
        origin.note(
            "severity medium: Threagile computes risk severity when it runs, the model does not hold it",
        );
        let id = self.ids.make("threat", key);
        self.draft.threats.push(DraftThreat {
            id: id.clone(),
            title: format!("Threagile risk {key}"),
            category,
            severity: Severity::Medium,
            likelihood: None,
            impact: None,
            targets,
            cwe: Vec::new(),
            capec: Vec::new(),
            description: Some(format!(
                "Risk tracked in the Threagile model under the risk id `{key}` (rule `{rule}`)."
            )),
            origin,
        });
        id
    }

    fn tracking_entry(
        &mut self,
        path: &str,
        key: &str,
        t: &TgTracking,
        threat: &str,
    ) -> Result<(), ImportError> {
        let justification = text(&t.justification);
        let checked = match (&t.checked_by, &t.date) {
            (Some(by), Some(d)) => format!(" Checked by {by} on {d}."),
            (Some(by), None) => format!(" Checked by {by}."),
            (None, Some(d)) => format!(" Checked on {d}."),
            (None, None) => String::new(),
        };
        let status = match t.status.as_str() {
            "unchecked" => {
                self.draft.note(format!(
                    "risk tracking `{key}` is unchecked: no mitigation or acceptance was made"
                ));
                return Ok(());
            }
            "in-discussion" => Status::Proposed,
            "in-progress" => Status::Planned,
            "mitigated" => Status::Implemented,
            "accepted" | "false-positive" => {
                let prefix = if t.status == "false-positive" {
                    "Marked a false positive in Threagile."
                } else {
                    "Accepted in Threagile."
                };
                let mut origin = Origin::new(path);
                origin.note(format!(
                    "Threagile records no expiry; the acceptance expires on {} (`--accept-until`)",
                    self.options.accept_until
                ));
                let mut j = prefix.to_string();
                if let Some(x) = &justification {
                    j.push(' ');
                    j.push_str(x);
                }
                j.push_str(&checked);
                if let Some(ticket) = text(&t.ticket) {
                    j.push_str(&format!(" Ticket: {ticket}."));
                }
                self.draft.acceptances.push(DraftAcceptance {
                    threat: threat.to_string(),
                    justification: j,
                    approved_by: text(&t.checked_by)
                        .unwrap_or_else(|| "unknown (imported from Threagile)".into()),
                    expires: self.options.accept_until,
                    origin,
                });
                return Ok(());
            }
            other => {
                return Err(self.err(
                    format!("{path}.status"),
                    format!(
                        "`{other}` is not a Threagile risk tracking status (unchecked, in-discussion, accepted, in-progress, mitigated, false-positive)"
                    ),
                ));
            }
        };
        let id = self.ids.make("mitigation", &format!("{threat}-tracking"));
        let mut description = justification.clone().unwrap_or_default();
        description.push_str(&checked);
        self.draft.mitigations.push(DraftMitigation {
            id,
            title: justification
                .clone()
                .map(|j| strip_tags(&j))
                .unwrap_or_else(|| format!("Risk tracking of {key}")),
            mitigates: vec![threat.to_string()],
            status,
            reduces: None,
            requires: Default::default(),
            owner: text(&t.checked_by),
            references: text(&t.ticket).into_iter().collect(),
            description: Some(description.trim().to_string()).filter(|d| !d.is_empty()),
            origin: Origin::new(path),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_patterns_match_one_part_per_wildcard() {
        assert!(matches_pattern("a@*", "a@x"));
        assert!(!matches_pattern("a@*", "a@x@y"));
        assert!(matches_pattern("a@*@y", "a@x@y"));
        assert!(!matches_pattern("b@*", "a@x"));
    }

    #[test]
    fn html_is_stripped_from_titles() {
        assert_eq!(strip_tags("<b>Risk</b> at <b>DB</b>"), "Risk at DB");
    }
}
