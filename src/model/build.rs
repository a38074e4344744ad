//! Resolution of a raw model into a [`Model`]: ids into indices, zones into a tree, flows
//! into graph edges that know whether they cross a trust boundary.
//!
//! Every problem is reported (duplicate ids with both places, references to missing ids
//! with the closest existing ones, zone cycles, flows to missing components); if there
//! was any, no model is returned, so that later stages only ever see a consistent one.

use std::collections::HashMap;

use petgraph::graph::DiGraph;

use super::instantiate::{Facts, Knowledge};
use super::*;
use crate::diag::{
    Code, Diagnostic, Diagnostics, quoted_list, suggest, unknown_reference, with_article,
};
use crate::load::RawModel;
use crate::load::kb::RawKnowledgeBase;
use crate::source::{Sp, Span};

/// The kind of entity an id names, for messages and for type-checking references.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Zone,
    Component,
    Asset,
    Flow,
    Threat,
    Mitigation,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Zone => "zone",
            Kind::Component => "component",
            Kind::Asset => "asset",
            Kind::Flow => "flow",
            Kind::Threat => "threat",
            Kind::Mitigation => "mitigation",
        }
    }
}

/// A map keyed by id. ahash rather than the standard SipHash: a large model has
/// hundreds of thousands of ids and references, and hashing them was a tenth of
/// resolving it. (Iteration order is never relied on.)
type IdMap<V> = HashMap<String, V, ahash::RandomState>;

struct Ids {
    map: IdMap<(Kind, u32, Span)>,
    /// Ids of entities that could not be read, or were dropped while resolving (a flow
    /// whose endpoint is missing): their own error is reported, references to them stay
    /// quiet.
    quiet: std::collections::HashSet<String>,
}

impl Ids {
    /// Resolves a reference to a component or flow.
    fn resolve_element(
        &self,
        r: &Sp<String>,
        field: &str,
        diags: &mut Diagnostics,
    ) -> Option<Target> {
        match self.resolve(
            r,
            &[Kind::Component, Kind::Flow],
            Code::DanglingReference,
            field,
            diags,
        )? {
            (Kind::Component, i) => Some(Target::Component(ComponentId::new(i as usize))),
            (_, i) => Some(Target::Flow(FlowId::new(i as usize))),
        }
    }

    /// Points flow ids at their graph edges once flows are built: `edge_of[n]` is the
    /// edge of the flow declared as `n`, `None` when it was dropped. A dropped flow's id
    /// leaves the table (references to it stay quiet), so that every flow index resolved
    /// afterwards is a valid edge by construction.
    fn renumber_flows(&mut self, edge_of: &[Option<u32>]) {
        if edge_of
            .iter()
            .enumerate()
            .all(|(n, e)| *e == Some(n as u32))
        {
            return;
        }
        let quiet = &mut self.quiet;
        self.map.retain(|id, (kind, n, _)| {
            if *kind != Kind::Flow {
                return true;
            }
            match edge_of.get(*n as usize).copied().flatten() {
                Some(e) => {
                    *n = e;
                    true
                }
                None => {
                    quiet.insert(id.clone());
                    false
                }
            }
        });
    }

    /// Resolves a reference to one of `kinds`, reporting it under `code` if it fails.
    fn resolve(
        &self,
        r: &Sp<String>,
        kinds: &[Kind],
        code: Code,
        field: &str,
        diags: &mut Diagnostics,
    ) -> Option<(Kind, u32)> {
        let found = self.map.get(&r.value);
        if let Some((kind, index, _)) = found
            && kinds.contains(kind)
        {
            return Some((*kind, *index));
        }
        // Only a reference that does not resolve needs the words for its message.
        let wanted = quoted_names(kinds);
        match found {
            Some((kind, _, _)) if kinds.contains(kind) => None,
            Some((kind, _, at)) => {
                diags.push(
                    Diagnostic::at(
                        code,
                        r.span,
                        format!(
                            "`{field}` names `{}`, which is {}, not {}",
                            r.value,
                            with_article(kind.name()),
                            with_article(&wanted)
                        ),
                    )
                    .with_label(format!("expected {}", with_article(&wanted)))
                    .with_related(*at, format!("`{}` is defined here", r.value)),
                );
                None
            }
            None if self.quiet.contains(&r.value) => None,
            None => {
                let candidates = self
                    .map
                    .iter()
                    .filter(|(_, (k, _, _))| kinds.contains(k))
                    .map(|(id, _)| id.as_str());
                diags.push(unknown_reference(code, r, field, &wanted, candidates));
                None
            }
        }
    }
}

/// Declares every id, so that references may point forwards and across files. Of two
/// entities with one id, the one written first (in file order) keeps it and the other
/// is reported and dropped. Returns the ids and, per kind in [`KINDS`] order, which
/// entities were kept.
fn declare_ids(
    raw: &RawModel,
    unreadable: std::collections::HashSet<String>,
    diags: &mut Diagnostics,
) -> (Ids, [Vec<bool>; 6]) {
    let lists: [Vec<&Sp<String>>; 6] = [
        raw.zone.iter().map(|x| &x.id).collect(),
        raw.component.iter().map(|x| &x.id).collect(),
        raw.asset.iter().map(|x| &x.id).collect(),
        raw.flow.iter().map(|x| &x.id).collect(),
        raw.threat.iter().map(|x| &x.id).collect(),
        raw.mitigation.iter().map(|x| &x.id).collect(),
    ];
    let total = lists.iter().map(Vec::len).sum();
    let mut all: Vec<(Span, usize, usize)> = Vec::with_capacity(total);
    for (k, list) in lists.iter().enumerate() {
        all.extend(list.iter().enumerate().map(|(i, id)| (id.span, k, i)));
    }
    all.sort_unstable();
    if let Some((span, _, _)) = all.get(crate::load::limits::MAX_ENTITIES) {
        diags.push(
            Diagnostic::at(
                Code::InputLimit,
                *span,
                format!(
                    "the model has {total} entities; a model is limited to {}",
                    crate::load::limits::MAX_ENTITIES
                ),
            )
            .with_label("the first entity over the limit"),
        );
    }
    let mut keep: [Vec<bool>; 6] = std::array::from_fn(|k| vec![true; lists[k].len()]);
    // In file order, each kind's entities come in their list's order: numbering the
    // kept ones as they come gives each its index among the kept of its kind.
    let mut next = [0u32; 6];
    let mut map = IdMap::with_capacity_and_hasher(total, Default::default());
    for (span, k, i) in all {
        let id = lists[k][i];
        match map.entry(id.value.clone()) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let (kind, _, at): &(Kind, u32, Span) = first.get();
                keep[k][i] = false;
                diags.push(
                    Diagnostic::at(
                        Code::DuplicateId,
                        span,
                        format!("the id `{}` is used twice", id.value),
                    )
                    .with_label(format!("this {} reuses the id", KINDS[k].name()))
                    .with_related(
                        *at,
                        format!("first used here by {}", with_article(kind.name())),
                    ),
                );
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((KINDS[k], next[k], span));
                next[k] += 1;
            }
        }
    }
    let ids = Ids {
        map,
        quiet: unreadable,
    };
    (ids, keep)
}

/// The kinds that have ids, in the order [`declare_ids`] returns them.
const KINDS: [Kind; 6] = [
    Kind::Zone,
    Kind::Component,
    Kind::Asset,
    Kind::Flow,
    Kind::Threat,
    Kind::Mitigation,
];

fn quoted_names(kinds: &[Kind]) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
    names.join(" or ")
}

fn text(v: Option<Sp<String>>) -> Option<String> {
    v.map(|s| s.value)
}

fn texts(v: Vec<Sp<String>>) -> Vec<String> {
    v.into_iter().map(|s| s.value).collect()
}

/// Resolves a raw model and the knowledge bases it names into a [`Model`], in stages
/// that read in order: declare ids, resolve zones, components, assets and flows,
/// resolve written threats, instantiate knowledge, resolve mitigations, recommend
/// knowledge-base mitigations and apply their statuses, resolve acceptances. Every
/// problem is reported; `None` if there was any.
pub fn build(
    mut raw: RawModel,
    knowledge: Vec<RawKnowledgeBase>,
    diags: &mut Diagnostics,
) -> Option<Model> {
    let unreadable = std::mem::take(&mut raw.unreadable_ids);
    let (ids, keep) = declare_ids(&raw, unreadable, diags);
    // Entities are taken apart from here on: their strings move into the model.
    let RawModel {
        project,
        knowledge: manifest_knowledge,
        zone,
        component,
        asset,
        flow,
        threat,
        mitigation,
        acceptance,
        review,
        not_applicable,
        mitigation_status,
        unreadable_ids: _,
    } = raw;
    let mut b = Builder {
        ids,
        keep,
        diags,
        zones: Vec::new(),
        graph: DiGraph::default(),
        assets: Vec::new(),
        threats: Vec::new(),
        mitigations: Vec::new(),
    };
    b.resolve_zones(zone);
    b.resolve_components(component);
    b.resolve_assets(asset);
    b.resolve_flows(flow);
    b.resolve_threats(threat);
    let trust_levels = manifest_knowledge
        .map(|k| k.trust_levels)
        .unwrap_or_default();
    let mut knowledge = Knowledge::resolve(knowledge, &trust_levels, b.diags);
    let trust_levels = crate::load::kb::TRUST_LEVELS
        .map(|(name, default)| (name, trust_levels.range(name).unwrap_or(default)));
    let applied = b.instantiate(&mut knowledge, not_applicable);
    b.resolve_mitigations(mitigation, &knowledge);
    b.recommend(&mut knowledge);
    b.apply_statuses(mitigation_status, &knowledge);
    b.contradictions();
    let acceptances = b.resolve_acceptances(acceptance, &knowledge);
    let reviews = review
        .into_iter()
        .map(|r| Review {
            reviewer: r.reviewer.value,
            date: r.date.value,
            scope: text(r.scope),
            decision: r.decision.value,
            notes: text(r.notes),
            state: r.state,
            span: r.reviewer.span,
        })
        .collect();
    b.finish(
        project,
        knowledge,
        applied,
        acceptances,
        reviews,
        trust_levels,
    )
}

/// The model as it is being built, stage by stage.
struct Builder<'d> {
    ids: Ids,
    /// Per kind of entity (in [`KINDS`] order), which entities survived id checks.
    keep: [Vec<bool>; 6],
    diags: &'d mut Diagnostics,
    zones: Vec<Zone>,
    graph: DiGraph<Component, Flow, u32>,
    assets: Vec<Asset>,
    threats: Vec<Threat>,
    mitigations: Vec<Mitigation>,
}

/// What instantiating the knowledge bases adds besides threats.
struct Applied {
    not_applicable: Vec<NotApplicable>,
    near_misses: Vec<NearMiss>,
    implied_roles: Vec<Vec<String>>,
}

impl Builder<'_> {
    /// Whether entity `i` of a kind survived id checks.
    fn kept(&self, kind: Kind, i: usize) -> bool {
        let at = KINDS.iter().position(|k| *k == kind).unwrap_or(0);
        self.keep[at].get(i).copied().unwrap_or(false)
    }

    /// Zones, their parents, the nesting tree and depths (unless `inside` loops).
    fn resolve_zones(&mut self, raw: Vec<crate::load::raw::RawZone>) {
        let mut inside_at: Vec<Option<Span>> = Vec::new();
        for (i, z) in raw.into_iter().enumerate() {
            if !self.kept(Kind::Zone, i) {
                continue;
            }
            let parent = z.inside.as_ref().and_then(|r| {
                self.ids
                    .resolve(
                        r,
                        &[Kind::Zone],
                        Code::DanglingReference,
                        "inside",
                        self.diags,
                    )
                    .map(|(_, i)| ZoneId(i))
            });
            inside_at.push(z.inside.as_ref().map(|r| r.span));
            self.zones.push(Zone {
                id: z.id.value,
                name: z.name.value,
                trust: z.trust.value,
                parent,
                children: Vec::new(),
                depth: 0,
                description: text(z.description),
                span: z.id.span,
            });
        }
        let zones = &mut self.zones;
        if report_zone_cycles(zones, &inside_at, self.diags) {
            set_depths(zones);
            for i in 0..zones.len() {
                if let Some(p) = zones[i].parent {
                    zones[p.index()].children.push(ZoneId(i as u32));
                }
            }
        }
    }

    /// Components: the graph's nodes.
    fn resolve_components(&mut self, raw: Vec<crate::load::raw::RawComponent>) {
        self.graph.reserve_nodes(raw.len());
        for (i, c) in raw.into_iter().enumerate() {
            if !self.kept(Kind::Component, i) {
                continue;
            }
            let zone = self
                .ids
                .resolve(
                    &c.zone,
                    &[Kind::Zone],
                    Code::DanglingReference,
                    "zone",
                    self.diags,
                )
                .map_or(ZoneId(0), |(_, i)| ZoneId(i));
            self.graph.add_node(Component {
                id: c.id.value,
                name: c.name.value,
                kind: c.kind.value,
                zone,
                technology: text(c.technology),
                tags: texts(c.tags),
                actor: c.actor.map(|a| a.value),
                description: text(c.description),
                threats: Vec::new(),
                span: c.id.span,
            });
        }
    }

    fn resolve_assets(&mut self, raw: Vec<crate::load::raw::RawAsset>) {
        for (i, a) in raw.into_iter().enumerate() {
            if self.kept(Kind::Asset, i) {
                self.assets.push(Asset {
                    id: a.id.value,
                    name: a.name.value,
                    classification: a.classification.value,
                    description: text(a.description),
                    span: a.id.span,
                });
            }
        }
    }

    /// Flows: the graph's edges. A flow whose endpoint does not resolve is dropped, so
    /// edge indices can differ from the indices `declare_ids` gave: `edge_of` maps the
    /// one to the other, and the id table is renumbered at the end.
    fn resolve_flows(&mut self, raw: Vec<crate::load::raw::RawFlow>) {
        self.graph.reserve_edges(raw.len());
        let mut edge_of: Vec<Option<u32>> = Vec::with_capacity(raw.len());
        for (i, f) in raw.into_iter().enumerate() {
            if !self.kept(Kind::Flow, i) {
                continue;
            }
            edge_of.push(None);
            let ids = &self.ids;
            let diags = &mut *self.diags;
            let from = ids.resolve(
                &f.from,
                &[Kind::Component],
                Code::UnknownFlowEndpoint,
                "from",
                diags,
            );
            let to = ids.resolve(
                &f.to,
                &[Kind::Component],
                Code::UnknownFlowEndpoint,
                "to",
                diags,
            );
            let data: Vec<AssetId> = f
                .data
                .iter()
                .filter_map(|d| {
                    ids.resolve(d, &[Kind::Asset], Code::DanglingReference, "data", diags)
                })
                .map(|(_, i)| AssetId(i))
                .collect();
            let (Some((_, from)), Some((_, to))) = (from, to) else {
                continue;
            };
            let (from, to) = (
                ComponentId::new(from as usize),
                ComponentId::new(to as usize),
            );
            let crossing = crossing(&self.zones, self.graph[from].zone, self.graph[to].zone);
            if let Some(slot) = edge_of.last_mut() {
                *slot = Some(self.graph.edge_count() as u32);
            }
            self.graph.add_edge(
                from,
                to,
                Flow {
                    id: f.id.value,
                    name: f.name.value,
                    from,
                    to,
                    protocol: text(f.protocol),
                    data,
                    encrypted: f.encrypted.as_ref().is_some_and(|b| b.value),
                    authenticated: f.authenticated.as_ref().is_some_and(|b| b.value),
                    description: text(f.description),
                    crossing,
                    threats: Vec::new(),
                    span: f.id.span,
                },
            );
        }
        self.ids.renumber_flows(&edge_of);
    }

    /// Threats written in the model, and the reverse links from their targets.
    fn resolve_threats(&mut self, raw: Vec<crate::load::raw::RawThreat>) {
        self.threats.reserve(raw.len());
        for (i, t) in raw.into_iter().enumerate() {
            if !self.kept(Kind::Threat, i) {
                continue;
            }
            let id = ThreatId(self.threats.len() as u32);
            let mut targets = Vec::with_capacity(t.targets.len());
            for r in &t.targets {
                let found = self.ids.resolve(
                    r,
                    &[Kind::Component, Kind::Flow],
                    Code::DanglingReference,
                    "targets",
                    self.diags,
                );
                let target = match found {
                    Some((Kind::Component, n)) => Target::Component(ComponentId::new(n as usize)),
                    Some((_, n)) => Target::Flow(FlowId::new(n as usize)),
                    None => continue,
                };
                if targets.contains(&target) {
                    continue; // named twice: once is enough
                }
                let on = match target {
                    Target::Component(c) => self.graph.node_weight_mut(c).map(|n| &mut n.threats),
                    Target::Flow(f) => self.graph.edge_weight_mut(f).map(|e| &mut e.threats),
                };
                if let Some(on) = on {
                    on.push(id);
                    targets.push(target);
                }
            }
            self.threats.push(Threat {
                id: t.id.value,
                title: t.title.value.into(),
                category: t.category.value,
                severity: t.severity.value,
                likelihood: t.likelihood.as_ref().map(|l| l.value),
                impact: t.impact.as_ref().map(|l| l.value),
                targets,
                cwe: t.cwe.iter().map(|n| n.value).collect(),
                capec: t.capec.iter().map(|n| n.value).collect(),
                description: text(t.description).map(Text::from),
                mitigations: Vec::new(),
                acceptances: Vec::new(),
                pattern: None,
                replaces: Vec::new(),
                not_applicable: false,
                span: t.id.span,
            });
        }
    }

    /// Knowledge bases: not-applicable marks first; then every match of every pattern
    /// becomes a threat (a marked one in state not applicable), and what almost matched
    /// is kept as near misses.
    fn instantiate(
        &mut self,
        knowledge: &mut Knowledge,
        raw_marks: Vec<crate::load::raw::RawNotApplicable>,
    ) -> Applied {
        // Without patterns there is nothing to match: skip working out the facts.
        let facts = if knowledge.patterns.is_empty() {
            Facts::default()
        } else {
            Facts::of(knowledge, &self.zones, &self.graph, &self.assets)
        };
        let matcher = knowledge.matcher(&facts, &self.graph);
        let mut not_applicable = Vec::with_capacity(raw_marks.len());
        let mut marked: std::collections::HashSet<(Target, PatternId)> = Default::default();
        for n in raw_marks {
            let Some(element) = self.ids.resolve_element(&n.element, "element", self.diags) else {
                continue;
            };
            let (category, pattern) = match (&n.category, &n.pattern) {
                (Some(c), _) => (c.value, None),
                (None, Some(r)) => {
                    let Some(p) = knowledge.find_pattern(r, None, "pattern", self.diags) else {
                        continue;
                    };
                    if matcher.applies(p, element) {
                        marked.insert((element, p));
                    } else {
                        let element_id = match element {
                            Target::Component(c) => &self.graph[c].id,
                            Target::Flow(f) => &self.graph[f].id,
                        };
                        self.diags.push(
                            Diagnostic::at(
                                Code::StaleNotApplicable,
                                r.span,
                                format!(
                                    "pattern `{}` does not apply to `{element_id}`: the mark is not needed",
                                    r.value
                                ),
                            )
                            .with_label("its selector does not match this element")
                            .with_related(knowledge.patterns[p.index()].span, "the pattern")
                            .with_help("remove this [[not-applicable]]"),
                        );
                    }
                    (knowledge.patterns[p.index()].category, Some(p))
                }
                (None, None) => continue,
            };
            not_applicable.push(NotApplicable {
                element,
                category,
                pattern,
                justification: n.justification.value,
                span: n.element.span,
            });
        }
        let (matches, near_misses) = matcher.matches();
        let written = self.threats.len();
        for m in matches {
            let not_applicable = marked.contains(&(m.target, m.pattern));
            if self.threats.len() - written >= crate::load::limits::MAX_INSTANCES {
                self.diags.push(
                    Diagnostic::at(
                        Code::InputLimit,
                        knowledge.patterns[m.pattern.index()].span,
                        format!(
                            "the knowledge bases instantiate more than {} threats on this model",
                            crate::load::limits::MAX_INSTANCES
                        ),
                    )
                    .with_label("this pattern went over the limit")
                    .with_help("narrow the broadest selectors, or split the model"),
                );
                break;
            }
            let id = ThreatId(self.threats.len() as u32);
            let (element_id, span) = match m.target {
                Target::Component(c) => {
                    let node = &mut self.graph[c];
                    node.threats.push(id);
                    (&node.id, node.span)
                }
                Target::Flow(f) => {
                    let edge = &mut self.graph[f];
                    edge.threats.push(id);
                    (&edge.id, edge.span)
                }
            };
            let pattern = &mut knowledge.patterns[m.pattern.index()];
            pattern.instances.push(id);
            self.threats.push(Threat {
                id: format!("{}@{element_id}", pattern.id),
                title: pattern.title.clone(),
                category: pattern.category,
                severity: pattern.severity,
                likelihood: pattern.likelihood,
                impact: pattern.impact,
                targets: vec![m.target],
                cwe: pattern.cwe.clone(),
                capec: pattern.capec.clone(),
                description: pattern.description.clone(),
                mitigations: Vec::new(),
                acceptances: Vec::new(),
                pattern: Some(m.pattern),
                replaces: m.replaces,
                not_applicable,
                span,
            });
        }
        let implied_roles = facts.implied;
        Applied {
            not_applicable,
            near_misses,
            implied_roles,
        }
    }

    /// Mitigations written in the model, and the reverse links from their threats.
    fn resolve_mitigations(
        &mut self,
        raw: Vec<crate::load::raw::RawMitigation>,
        knowledge: &Knowledge,
    ) {
        self.mitigations.reserve(raw.len());
        for (i, m) in raw.into_iter().enumerate() {
            if !self.kept(Kind::Mitigation, i) {
                continue;
            }
            let id = MitigationId(self.mitigations.len() as u32);
            let mut mitigates = Vec::with_capacity(m.mitigates.len());
            for r in &m.mitigates {
                let found = resolve_threat(
                    &self.ids,
                    &self.graph,
                    &self.threats,
                    knowledge,
                    r,
                    "mitigates",
                    self.diags,
                );
                if let Some(t) = found
                    && !mitigates.contains(&t)
                {
                    mitigates.push(t);
                    if let Some(threat) = self.threats.get_mut(t.index()) {
                        threat.mitigations.push(id);
                    }
                }
            }
            self.mitigations.push(Mitigation {
                id: m.id.value,
                title: m.title.value.into(),
                status: m.status.value,
                status_span: Some(m.status.span),
                requires: m.requires,
                contradicted: Vec::new(),
                reduces: m.reduces.as_ref().map_or(1, |r| r.value),
                mitigates,
                owner: text(m.owner),
                references: texts(m.references).into(),
                evidence: Vec::new(),
                description: text(m.description).map(Text::from),
                recommendation: None,
                also: Vec::new(),
                span: m.id.span,
            });
        }
    }

    /// Recommended mitigations: one per element on which a pattern they mitigate was
    /// instantiated. Where two equivalent ones (`same-as`) meet on one element, the
    /// first in knowledge-base order stands for both.
    fn recommend(&mut self, knowledge: &mut Knowledge) {
        let instances: Vec<(Target, PatternId, ThreatId)> = self
            .threats
            .iter()
            .enumerate()
            // Nothing is recommended against a threat the model marks not applicable.
            .filter(|(_, t)| !t.not_applicable)
            .filter_map(|(i, t)| Some((*t.targets.first()?, t.pattern?, ThreatId(i as u32))))
            .collect();
        let mut start = 0;
        while start < instances.len() {
            let target = instances[start].0;
            let end = start
                + instances[start..]
                    .iter()
                    .take_while(|(t, _, _)| *t == target)
                    .count();
            let mut recs: std::collections::BTreeMap<RecommendationId, Vec<ThreatId>> =
                Default::default();
            for (_, p, t) in &instances[start..end] {
                for r in &knowledge.recommended_for[p.index()] {
                    recs.entry(*r).or_default().push(*t);
                }
            }
            let mut also: std::collections::BTreeMap<RecommendationId, Vec<RecommendationId>> =
                Default::default();
            let ids: Vec<RecommendationId> = recs.keys().copied().collect();
            for r in ids {
                if !recs.contains_key(&r) {
                    continue;
                }
                for o in knowledge.recommendations[r.index()].same_as.clone() {
                    if let Some(threats) = recs.remove(&o) {
                        let list = recs.entry(r).or_default();
                        for t in threats {
                            if !list.contains(&t) {
                                list.push(t);
                            }
                        }
                        also.entry(r).or_default().push(o);
                    }
                }
            }
            let (element_id, span) = match target {
                Target::Component(c) => (&self.graph[c].id, self.graph[c].span),
                Target::Flow(f) => (&self.graph[f].id, self.graph[f].span),
            };
            for (r, mitigates) in recs {
                let id = MitigationId(self.mitigations.len() as u32);
                let also = also.remove(&r).unwrap_or_default();
                for o in &also {
                    knowledge.recommendations[o.index()].instances.push(id);
                }
                let rec = &mut knowledge.recommendations[r.index()];
                rec.instances.push(id);
                for t in &mitigates {
                    self.threats[t.index()].mitigations.push(id);
                }
                self.mitigations.push(Mitigation {
                    id: format!("{}@{element_id}", rec.id),
                    title: rec.title.clone(),
                    status: Status::Proposed,
                    status_span: None,
                    requires: rec.requires,
                    contradicted: Vec::new(),
                    reduces: rec.reduces,
                    mitigates,
                    owner: None,
                    references: rec.references.clone(),
                    evidence: Vec::new(),
                    description: rec.description.clone(),
                    recommendation: Some(r),
                    also,
                    span,
                });
            }
            start = end;
        }
    }

    /// `[[mitigation-status]]`, in file order: a later entry naming an element
    /// overrides an earlier one for that element.
    fn apply_statuses(
        &mut self,
        raw: Vec<crate::load::raw::RawMitigationStatus>,
        knowledge: &Knowledge,
    ) {
        for st in raw {
            let Some(r) = knowledge.find_recommendation(&st.mitigation, self.diags) else {
                continue;
            };
            let chosen: Vec<MitigationId> = match &st.elements {
                None => knowledge.recommendations[r.index()].instances.clone(),
                Some(elements) => elements
                    .iter()
                    .filter_map(|e| {
                        let target = self.ids.resolve_element(e, "elements", self.diags)?;
                        let found =
                            recommended_on(&self.graph, &self.threats, &self.mitigations, r, target);
                        if found.is_none() {
                            self.diags.push(
                                Diagnostic::at(
                                    Code::DanglingReference,
                                    e.span,
                                    format!(
                                        "`{}` is not recommended for `{}`: none of the patterns it mitigates applies there",
                                        st.mitigation.value, e.value
                                    ),
                                )
                                .with_label("not one of its elements")
                                .with_related(knowledge.recommendations[r.index()].span, "the mitigation"),
                            );
                        }
                        found
                    })
                    .collect(),
            };
            for m in chosen {
                let m = &mut self.mitigations[m.index()];
                m.status = st.status.value;
                m.status_span = Some(st.status.span);
                if let Some(owner) = &st.owner {
                    m.owner = Some(owner.value.clone());
                }
                if !st.evidence.is_empty() {
                    m.evidence = st.evidence.iter().map(|e| e.value.clone()).collect();
                }
            }
        }
    }

    /// Each mitigation's requirements judged on the elements of the threats it
    /// mitigates: a flow by its own fields, a component by every flow into it from
    /// another zone. What fails is kept in [`Mitigation::contradicted`].
    fn contradictions(&mut self) {
        for m in &mut self.mitigations {
            if m.requires.is_empty() {
                continue;
            }
            let mut found: Vec<(Target, &'static str)> = Vec::new();
            for t in &m.mitigates {
                for target in &self.threats[t.index()].targets {
                    let flows: Vec<FlowId> = match *target {
                        Target::Flow(f) => vec![f],
                        Target::Component(c) => self
                            .graph
                            .edges_directed(c, petgraph::Direction::Incoming)
                            .filter(|e| e.weight().crossing.is_some())
                            .map(|e| e.id())
                            .collect(),
                    };
                    for f in flows {
                        let flow = &self.graph[f];
                        if let Some(what) = m.requires.failed(flow.encrypted, flow.authenticated)
                            && !found.iter().any(|(x, _)| *x == Target::Flow(f))
                        {
                            found.push((Target::Flow(f), what));
                        }
                    }
                }
            }
            m.contradicted = found;
        }
    }

    fn resolve_acceptances(
        &mut self,
        raw: Vec<crate::load::raw::RawAcceptance>,
        knowledge: &Knowledge,
    ) -> Vec<Acceptance> {
        let mut acceptances = Vec::with_capacity(raw.len());
        for a in raw {
            let Some(t) = resolve_threat(
                &self.ids,
                &self.graph,
                &self.threats,
                knowledge,
                &a.threat,
                "threat",
                self.diags,
            ) else {
                continue;
            };
            if let Some(threat) = self.threats.get_mut(t.index()) {
                threat
                    .acceptances
                    .push(AcceptanceId(acceptances.len() as u32));
            }
            acceptances.push(Acceptance {
                threat: t,
                justification: a.justification.value,
                approved_by: a.approved_by.value,
                expires: a.expires.value,
                expires_span: a.expires.span,
                span: a.threat.span,
            });
        }
        acceptances
    }

    /// The model, unless any stage reported an error.
    fn finish(
        self,
        project: Option<crate::load::raw::RawProject>,
        knowledge: Knowledge,
        applied: Applied,
        acceptances: Vec<Acceptance>,
        reviews: Vec<Review>,
        trust_levels: [(&'static str, crate::load::kb::TrustRange); 3],
    ) -> Option<Model> {
        if self.diags.has_errors() {
            return None;
        }
        let p = project?;
        let project = Project {
            name: p.name.value,
            version: text(p.version),
            description: text(p.description),
            objective: text(p.objective),
            scope: text(p.scope),
            methodology: text(p.methodology),
            conclusion: text(p.conclusion),
            owners: texts(p.owners),
            span: p.span,
        };
        let mut lookup = IdMap::with_capacity_and_hasher(self.ids.map.len(), Default::default());
        for (id, (kind, n, _)) in self.ids.map {
            let r = match kind {
                Kind::Zone => EntityRef::Zone(ZoneId(n)),
                Kind::Component => EntityRef::Component(ComponentId::new(n as usize)),
                Kind::Asset => EntityRef::Asset(AssetId(n)),
                Kind::Flow => EntityRef::Flow(FlowId::new(n as usize)),
                Kind::Threat => EntityRef::Threat(ThreatId(n)),
                Kind::Mitigation => EntityRef::Mitigation(MitigationId(n)),
            };
            lookup.insert(id, r);
        }
        Some(Model {
            project,
            zones: self.zones,
            graph: self.graph,
            assets: self.assets,
            threats: self.threats,
            mitigations: self.mitigations,
            acceptances,
            reviews,
            not_applicable: applied.not_applicable,
            knowledge_bases: knowledge.kbs,
            patterns: knowledge.patterns,
            recommendations: knowledge.recommendations,
            near_misses: applied.near_misses,
            implied_roles: applied.implied_roles,
            trust_levels,
            ids: lookup,
        })
    }
}

/// Resolves a reference to a threat: a written threat's id, or an instantiated one's
/// `pattern@element`. Instances are not in the id table (a model may have hundreds of
/// thousands); they are found among their element's threats.
fn resolve_threat(
    ids: &Ids,
    graph: &DiGraph<Component, Flow, u32>,
    threats: &[Threat],
    knowledge: &Knowledge,
    r: &Sp<String>,
    field: &str,
    diags: &mut Diagnostics,
) -> Option<ThreatId> {
    let Some((pattern, element)) = r.value.split_once('@') else {
        return ids
            .resolve(r, &[Kind::Threat], Code::DanglingReference, field, diags)
            .map(|(_, n)| ThreatId(n));
    };
    let on = match ids.map.get(element) {
        Some((Kind::Component, n, _)) => &graph[ComponentId::new(*n as usize)].threats,
        Some((Kind::Flow, n, _)) => &graph[FlowId::new(*n as usize)].threats,
        _ if ids.quiet.contains(element) => return None,
        _ => {
            diags.push(
                Diagnostic::at(
                    Code::DanglingReference,
                    r.span,
                    format!(
                        "`{field}` names `{}`, but `{element}` is not a component or flow of the model",
                        r.value
                    ),
                )
                .with_label("unknown element")
                .with_help("an instantiated threat's id is `pattern@element`"),
            );
            return None;
        }
    };
    let pattern_of = |t: &ThreatId| {
        threats
            .get(t.index())
            .and_then(|t| t.pattern)
            .map(|p| knowledge.patterns[p.index()].id.as_str())
    };
    if let Some(t) = instance_of(on, threats, &knowledge.patterns, pattern) {
        return Some(t);
    }
    let instances: Vec<String> = on
        .iter()
        .filter_map(|t| Some(format!("{}@{element}", pattern_of(t)?)))
        .collect();
    let mut close = suggest(&r.value, instances.iter().map(String::as_str));
    close.sort();
    let mut d = Diagnostic::at(
        Code::DanglingReference,
        r.span,
        format!(
            "`{field}` names `{}`, but no pattern `{pattern}` was instantiated on `{element}`",
            r.value
        ),
    )
    .with_label("unknown threat");
    if !close.is_empty() {
        d = d.with_help(format!("did you mean {}?", quoted_list(&close)));
    } else if instances.is_empty() {
        d = d.with_help(format!("no pattern applies to `{element}`"));
    } else {
        d = d.with_help(format!(
            "the threats instantiated on `{element}` are {}",
            quoted_list(&instances)
        ));
    }
    diags.push(d);
    None
}

/// The mitigation instantiated from recommendation `r` on `target`, if there is one.
fn recommended_on(
    graph: &DiGraph<Component, Flow, u32>,
    threats: &[Threat],
    mitigations: &[Mitigation],
    r: RecommendationId,
    target: Target,
) -> Option<MitigationId> {
    let on = match target {
        Target::Component(c) => &graph[c].threats,
        Target::Flow(f) => &graph[f].threats,
    };
    on.iter()
        .flat_map(|t| threats[t.index()].mitigations.iter())
        .find(|m| {
            let m = &mitigations[m.index()];
            m.recommendation == Some(r) || m.also.contains(&r)
        })
        .copied()
}

/// Sets each zone's depth in the tree (0 for a top-level zone). Each zone is walked up
/// only as far as the first ancestor whose depth is known, so deep nesting costs linear
/// time, not the square of the depth. The parent links must be free of loops.
fn set_depths(zones: &mut [Zone]) {
    let mut known = vec![false; zones.len()];
    let mut path = Vec::new();
    for start in 0..zones.len() {
        let mut at = start;
        while !known[at] {
            path.push(at);
            match zones[at].parent {
                Some(p) => at = p.index(),
                None => break,
            }
        }
        // `at` is either known or the root the walk ended at (then last on the path).
        let mut depth = if known[at] { zones[at].depth + 1 } else { 0 };
        while let Some(z) = path.pop() {
            if known[z] {
                continue;
            }
            zones[z].depth = depth;
            known[z] = true;
            depth += 1;
        }
    }
}

/// How a flow from zone `a` to zone `b` crosses a trust boundary, if it does.
fn crossing(zones: &[Zone], a: ZoneId, b: ZoneId) -> Option<Crossing> {
    if a == b {
        return None;
    }
    let (ta, tb) = (zones.get(a.index())?.trust, zones.get(b.index())?.trust);
    let direction = match tb.cmp(&ta) {
        std::cmp::Ordering::Greater => Direction::Inbound,
        std::cmp::Ordering::Less => Direction::Outbound,
        std::cmp::Ordering::Equal => Direction::Lateral,
    };
    Some(Crossing {
        from_zone: a,
        to_zone: b,
        direction,
    })
}

/// Reports each loop of `inside` links once. Returns true if there was none; otherwise
/// the parents of the zones on a loop are cleared so that later walks terminate.
fn report_zone_cycles(
    zones: &mut [Zone],
    inside: &[Option<Span>],
    diags: &mut Diagnostics,
) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark = vec![Mark::New; zones.len()];
    let mut clean = true;
    for start in 0..zones.len() {
        let mut path = Vec::new();
        let mut at = Some(start);
        while let Some(z) = at {
            match mark[z] {
                Mark::Done => break,
                Mark::OnPath => {
                    let loop_start = path.iter().position(|p| *p == z).unwrap_or(0);
                    let mut members: Vec<usize> = path[loop_start..].to_vec();
                    // Report at the member that comes first in the model.
                    let first = members
                        .iter()
                        .position(|m| *m == *members.iter().min().unwrap_or(&z))
                        .unwrap_or(0);
                    members.rotate_left(first);
                    let chain: Vec<&str> = members
                        .iter()
                        .chain(std::iter::once(&members[0]))
                        .map(|m| zones[*m].id.as_str())
                        .collect();
                    let at_span = inside[members[0]].unwrap_or(zones[members[0]].span);
                    let mut d = Diagnostic::at(
                        Code::ZoneCycle,
                        at_span,
                        format!(
                            "zone `{}` ends up inside itself: {}",
                            zones[members[0]].id,
                            chain.join(" → ")
                        ),
                    )
                    .with_label("this `inside` closes the loop");
                    for m in &members[1..] {
                        if let Some(s) = inside[*m] {
                            d = d.with_related(
                                s,
                                format!(
                                    "`{}` is inside `{}`",
                                    zones[*m].id,
                                    zones[zones[*m].parent.map_or(0, |p| p.index())].id
                                ),
                            );
                        }
                    }
                    diags.push(
                        d.with_help("zones nest as a tree: remove one of these `inside` keys"),
                    );
                    for m in members {
                        zones[m].parent = None;
                    }
                    clean = false;
                    break;
                }
                Mark::New => {
                    mark[z] = Mark::OnPath;
                    path.push(z);
                    at = zones[z].parent.map(|p| p.index());
                }
            }
        }
        for p in path {
            mark[p] = Mark::Done;
        }
    }
    clean
}

#[cfg(test)]
mod tests {
    use crate::model::Target;

    #[test]
    fn a_target_named_twice_is_one_target() {
        let project = crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"t\"\n"),
            (
                "m.toml",
                "[[zone]]\nid = \"z\"\nname = \"Z\"\ntrust = 1\n\
                 [[component]]\nid = \"c\"\nname = \"C\"\nkind = \"process\"\nzone = \"z\"\n\
                 [[threat]]\nid = \"t\"\ntitle = \"T\"\ncategory = \"tampering\"\ntargets = [\"c\", \"c\"]\nseverity = \"low\"\n",
            ),
        ]);
        let model = project.model.expect("resolves");
        assert_eq!(model.threats[0].targets.len(), 1);
        let c = match model.threats[0].targets[0] {
            Target::Component(c) => c,
            Target::Flow(_) => panic!("a component"),
        };
        assert_eq!(model.component(c).threats.len(), 1);
    }

    #[test]
    fn zone_depths_are_right_whatever_order_zones_come_in() {
        // Children before parents, and a chain deep enough that a walk per zone (the
        // quadratic way depths were found) would be felt.
        let n = 5_000;
        let mut text = String::new();
        for i in (0..n).rev() {
            text.push_str(&format!(
                "[[zone]]\nid = \"z{i}\"\nname = \"Z\"\ntrust = 1\n{}\n",
                if i > 0 {
                    format!("inside = \"z{}\"", i - 1)
                } else {
                    String::new()
                }
            ));
        }
        text.push_str("[[zone]]\nid = \"side\"\nname = \"S\"\ntrust = 1\ninside = \"z2\"\n");
        text.push_str(
            "[[component]]\nid = \"c\"\nname = \"C\"\nkind = \"process\"\nzone = \"side\"\n",
        );
        let project = crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"t\"\n"),
            ("m.toml", text.as_str()),
        ]);
        let model = project.model.expect("resolves");
        let depth = |id: &str| model.zones.iter().find(|z| z.id == id).map(|z| z.depth);
        assert_eq!(depth("z0"), Some(0));
        assert_eq!(depth("z1"), Some(1));
        assert_eq!(depth(&format!("z{}", n - 1)), Some(n as u32 - 1));
        assert_eq!(depth("side"), Some(3));
    }

    #[test]
    fn flows_between_zones_know_their_direction() {
        let project = crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"t\"\n"),
            (
                "m.toml",
                "[[zone]]\nid = \"low\"\nname = \"L\"\ntrust = 1\n\
                 [[zone]]\nid = \"high\"\nname = \"H\"\ntrust = 9\n\
                 [[zone]]\nid = \"peer\"\nname = \"P\"\ntrust = 9\n\
                 [[component]]\nid = \"a\"\nname = \"A\"\nkind = \"process\"\nzone = \"low\"\n\
                 [[component]]\nid = \"b\"\nname = \"B\"\nkind = \"process\"\nzone = \"high\"\n\
                 [[component]]\nid = \"c\"\nname = \"C\"\nkind = \"process\"\nzone = \"peer\"\n\
                 [[component]]\nid = \"d\"\nname = \"D\"\nkind = \"process\"\nzone = \"high\"\n\
                 [[flow]]\nid = \"up\"\nname = \"up\"\nfrom = \"a\"\nto = \"b\"\n\
                 [[flow]]\nid = \"down\"\nname = \"down\"\nfrom = \"b\"\nto = \"a\"\n\
                 [[flow]]\nid = \"side\"\nname = \"side\"\nfrom = \"b\"\nto = \"c\"\n\
                 [[flow]]\nid = \"inside\"\nname = \"inside\"\nfrom = \"b\"\nto = \"d\"\n",
            ),
        ]);
        let model = project.model.expect("resolves");
        let direction = |id: &str| {
            let Some(crate::model::EntityRef::Flow(f)) = model.lookup(id) else {
                panic!("{id} is a flow")
            };
            model.flow(f).crossing.map(|c| c.direction)
        };
        use crate::model::Direction::*;
        assert_eq!(direction("up"), Some(Inbound));
        assert_eq!(direction("down"), Some(Outbound));
        assert_eq!(direction("side"), Some(Lateral));
        assert_eq!(direction("inside"), None);
    }
}
