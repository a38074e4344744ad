//! Knowledge bases applied to a model: their ids resolved, their selectors compiled,
//! and every pattern matched against every component and flow.
//!
//! Matching is a pure function of the resolved graph: a component is matched on its
//! kind, technology, tags and zone trust; a flow on its crossing, protocol, flags, the
//! classification of what it carries and its two endpoints. Text is compared ignoring
//! case; technologies and protocols match as whole words.

use std::collections::HashMap;

use petgraph::graph::DiGraph;

use super::*;
use crate::diag::{Code, Diagnostic, Diagnostics, unknown_reference};
use crate::load::kb::{RawComponentSelector, RawKnowledgeBase, RawSelector};
use crate::source::Sp;

/// Knowledge bases resolved on their own, without a model: what `kb show` browses.
#[derive(Debug)]
pub struct KnowledgeSet {
    pub knowledge_bases: Vec<KnowledgeBase>,
    pub patterns: Vec<Pattern>,
    pub recommendations: Vec<Recommendation>,
}

/// Resolves knowledge bases without a model to apply them to, reporting every problem
/// (duplicate ids, `mitigates` naming unknown patterns).
pub fn resolve_knowledge(raw: Vec<RawKnowledgeBase>, diags: &mut Diagnostics) -> KnowledgeSet {
    let k = Knowledge::resolve(raw, diags);
    KnowledgeSet {
        knowledge_bases: k.kbs,
        patterns: k.patterns,
        recommendations: k.recommendations,
    }
}

/// The knowledge bases of a model, resolved.
#[derive(Default)]
pub(super) struct Knowledge {
    pub kbs: Vec<KnowledgeBase>,
    pub patterns: Vec<Pattern>,
    pub recommendations: Vec<Recommendation>,
    /// Per pattern, its selectors (any of them).
    selectors: Vec<Vec<Selector>>,
    pattern_ids: HashMap<String, PatternId>,
    /// Ids of patterns that could not be read: references to them stay quiet.
    unreadable: std::collections::HashSet<String>,
    recommendation_ids: HashMap<String, RecommendationId>,
    /// Per pattern, the recommendations that mitigate it.
    pub recommended_for: Vec<Vec<RecommendationId>>,
}

impl Knowledge {
    /// Resolves the knowledge bases: ids unique across all of them, every `mitigates`
    /// naming a pattern of the same knowledge base.
    pub fn resolve(raw: Vec<RawKnowledgeBase>, diags: &mut Diagnostics) -> Knowledge {
        let mut k = Knowledge::default();
        let mut kb_ids: HashMap<String, Span> = HashMap::new();
        let mut first_at: HashMap<String, Span> = HashMap::new();
        let mut pending: Vec<(RecommendationId, KbId, Vec<Sp<String>>)> = Vec::new();
        for kb in raw {
            if let Some(at) = kb_ids.get(&kb.meta.id.value) {
                diags.push(
                    Diagnostic::at(
                        Code::UnknownKnowledgeBase,
                        kb.named_at,
                        format!(
                            "two knowledge bases named in the manifest have the id `{}`",
                            kb.meta.id.value
                        ),
                    )
                    .with_label("the second")
                    .with_related(*at, "the first"),
                );
                continue;
            }
            kb_ids.insert(kb.meta.id.value.clone(), kb.named_at);
            k.unreadable.extend(kb.unreadable_ids);
            let kb_id = KbId(k.kbs.len() as u32);
            let mut entry = KnowledgeBase {
                id: kb.meta.id.value,
                name: kb.meta.name.value,
                version: kb.meta.version.map(|v| v.value),
                description: kb.meta.description.map(|v| v.value),
                origin: kb.origin,
                patterns: Vec::new(),
                recommendations: Vec::new(),
            };
            for p in kb.patterns {
                if duplicate(&mut first_at, &p.id, "pattern", diags) {
                    continue;
                }
                let id = PatternId(k.patterns.len() as u32);
                k.pattern_ids.insert(p.id.value.clone(), id);
                entry.patterns.push(id);
                let selectors = p.applies_to.as_slice();
                k.selectors
                    .push(selectors.iter().map(Selector::compile).collect());
                k.patterns.push(Pattern {
                    id: p.id.value,
                    kb: kb_id,
                    title: p.title.value,
                    category: p.category.value,
                    severity: p.severity.value,
                    likelihood: p.likelihood.map(|l| l.value),
                    impact: p.impact.map(|l| l.value),
                    cwe: p.cwe.iter().map(|n| n.value).collect(),
                    capec: p.capec.iter().map(|n| n.value).collect(),
                    description: p.description.map(|d| d.value),
                    applies_to: selectors.iter().map(describe).collect(),
                    instances: Vec::new(),
                    span: p.id.span,
                });
            }
            for m in kb.mitigations {
                if duplicate(&mut first_at, &m.id, "mitigation", diags) {
                    continue;
                }
                let id = RecommendationId(k.recommendations.len() as u32);
                k.recommendation_ids.insert(m.id.value.clone(), id);
                entry.recommendations.push(id);
                pending.push((id, kb_id, m.mitigates));
                k.recommendations.push(Recommendation {
                    id: m.id.value,
                    kb: kb_id,
                    title: m.title.value,
                    mitigates: Vec::new(),
                    reduces: m.reduces.map_or(1, |r| r.value),
                    references: m.references.into_iter().map(|r| r.value).collect(),
                    description: m.description.map(|d| d.value),
                    instances: Vec::new(),
                    span: m.id.span,
                });
            }
            k.kbs.push(entry);
        }
        k.recommended_for = vec![Vec::new(); k.patterns.len()];
        for (rec, kb, mitigates) in pending {
            for r in mitigates {
                let Some(p) = k.find_pattern(&r, Some(kb), "mitigates", diags) else {
                    continue;
                };
                let list = &mut k.recommendations[rec.index()].mitigates;
                if !list.contains(&p) {
                    list.push(p);
                    k.recommended_for[p.index()].push(rec);
                }
            }
        }
        k
    }

    /// Resolves a pattern id (of knowledge base `kb` when given), reporting it if unknown.
    pub fn find_pattern(
        &self,
        r: &Sp<String>,
        kb: Option<KbId>,
        field: &str,
        diags: &mut Diagnostics,
    ) -> Option<PatternId> {
        match self.pattern_ids.get(&r.value) {
            Some(p) if kb.is_none_or(|kb| self.patterns[p.index()].kb == kb) => Some(*p),
            Some(p) => {
                let owner = &self.kbs[self.patterns[p.index()].kb.index()].id;
                diags.push(
                    Diagnostic::at(
                        Code::DanglingReference,
                        r.span,
                        format!(
                            "`{field}` names `{}`, a pattern of another knowledge base (`{owner}`)",
                            r.value
                        ),
                    )
                    .with_label("not a pattern of this knowledge base"),
                );
                None
            }
            None if self.unreadable.contains(&r.value) => None,
            None => {
                let candidates = self
                    .pattern_ids
                    .iter()
                    .filter(|(_, p)| kb.is_none_or(|kb| self.patterns[p.index()].kb == kb))
                    .map(|(id, _)| id.as_str());
                diags.push(unknown_reference(
                    Code::DanglingReference,
                    r,
                    field,
                    "pattern",
                    candidates,
                ));
                None
            }
        }
    }

    /// Resolves a recommended mitigation's id, reporting it if unknown.
    pub fn find_recommendation(
        &self,
        r: &Sp<String>,
        diags: &mut Diagnostics,
    ) -> Option<RecommendationId> {
        let found = self.recommendation_ids.get(&r.value).copied();
        if found.is_none() {
            let candidates = self.recommendation_ids.keys().map(String::as_str);
            diags.push(unknown_reference(
                Code::DanglingReference,
                r,
                "mitigation",
                "knowledge-base mitigation",
                candidates,
            ));
        }
        found
    }

    /// Whether pattern `p` applies to element `e`.
    pub fn applies(&self, p: PatternId, e: Target, facts: &Facts) -> bool {
        let selectors = &self.selectors[p.index()];
        match e {
            Target::Component(c) => selectors.iter().any(|s| s.matches_component(c, facts)),
            Target::Flow(f) => selectors.iter().any(|s| s.matches_flow(f, facts)),
        }
    }

    /// Every (element, pattern) that matches, elements in model order (components, then
    /// flows) and patterns in knowledge-base order for each.
    pub fn matches(&self, facts: &Facts) -> Vec<(Target, PatternId)> {
        let (mut for_components, mut for_flows) = (Vec::new(), Vec::new());
        for (i, selectors) in self.selectors.iter().enumerate() {
            let p = PatternId(i as u32);
            if selectors
                .iter()
                .any(|s| matches!(s, Selector::Component(_)))
            {
                for_components.push(p);
            }
            if selectors.iter().any(|s| matches!(s, Selector::Flow(_))) {
                for_flows.push(p);
            }
        }
        let mut out = Vec::new();
        for c in 0..facts.components.len() {
            let c = ComponentId::new(c);
            for &p in &for_components {
                if self.selectors[p.index()]
                    .iter()
                    .any(|s| s.matches_component(c, facts))
                {
                    out.push((Target::Component(c), p));
                }
            }
        }
        for f in 0..facts.flows.len() {
            let f = FlowId::new(f);
            for &p in &for_flows {
                if self.selectors[p.index()]
                    .iter()
                    .any(|s| s.matches_flow(f, facts))
                {
                    out.push((Target::Flow(f), p));
                }
            }
        }
        out
    }
}

fn duplicate(
    first_at: &mut HashMap<String, Span>,
    id: &Sp<String>,
    what: &str,
    diags: &mut Diagnostics,
) -> bool {
    if let Some(at) = first_at.get(&id.value) {
        diags.push(
            Diagnostic::at(
                Code::DuplicateId,
                id.span,
                format!("the id `{}` is used twice in the knowledge bases", id.value),
            )
            .with_label(format!("this {what} reuses the id"))
            .with_related(*at, "first used here"),
        );
        return true;
    }
    first_at.insert(id.value.clone(), id.span);
    false
}

/// What selectors look at, worked out once per element: lower-cased texts, zone trust,
/// the classifications a flow carries.
#[derive(Default)]
pub(super) struct Facts {
    components: Vec<ComponentFacts>,
    flows: Vec<FlowFacts>,
}

struct ComponentFacts {
    kind: ComponentKind,
    technology: String,
    tags: Vec<String>,
    trust: u8,
}

struct FlowFacts {
    from: usize,
    to: usize,
    direction: Option<Direction>,
    protocol: String,
    encrypted: bool,
    authenticated: bool,
    /// A bit per [`Classification`] the flow carries.
    classes: u8,
}

fn class_bit(c: Classification) -> u8 {
    1 << (c as u8)
}

impl Facts {
    pub fn of(zones: &[Zone], graph: &DiGraph<Component, Flow, u32>, assets: &[Asset]) -> Facts {
        let components = graph
            .node_weights()
            .map(|c| ComponentFacts {
                kind: c.kind,
                technology: c.technology.as_deref().unwrap_or("").to_lowercase(),
                tags: c.tags.iter().map(|t| t.to_lowercase()).collect(),
                trust: zones.get(c.zone.index()).map_or(0, |z| z.trust),
            })
            .collect();
        let flows = graph
            .edge_weights()
            .map(|f| FlowFacts {
                from: f.from.index(),
                to: f.to.index(),
                direction: f.crossing.map(|c| c.direction),
                protocol: f.protocol.as_deref().unwrap_or("").to_lowercase(),
                encrypted: f.encrypted,
                authenticated: f.authenticated,
                classes: f
                    .data
                    .iter()
                    .filter_map(|a| assets.get(a.index()))
                    .fold(0, |bits, a| bits | class_bit(a.classification)),
            })
            .collect();
        Facts { components, flows }
    }
}

/// A compiled selector.
enum Selector {
    Component(ComponentSelector),
    Flow(FlowSelector),
}

#[derive(Default)]
struct ComponentSelector {
    kinds: Vec<ComponentKind>,
    technology: Vec<String>,
    tags: Vec<String>,
    exclude_tags: Vec<String>,
    trust: Option<(u8, u8)>,
}

struct FlowSelector {
    crosses: Option<bool>,
    directions: Vec<Direction>,
    protocols: Vec<String>,
    encrypted: Option<bool>,
    authenticated: Option<bool>,
    classes: u8,
    from: Option<ComponentSelector>,
    to: Option<ComponentSelector>,
}

impl ComponentSelector {
    fn compile(raw: &RawComponentSelector) -> ComponentSelector {
        ComponentSelector {
            kinds: raw.kind.iter().map(|k| k.value).collect(),
            technology: raw
                .technology
                .iter()
                .map(|t| t.value.trim().to_lowercase())
                .collect(),
            tags: raw
                .tags
                .iter()
                .map(|t| t.value.trim().to_lowercase())
                .collect(),
            exclude_tags: raw
                .exclude_tags
                .iter()
                .map(|t| t.value.trim().to_lowercase())
                .collect(),
            trust: raw.zone_trust.as_ref().map(|r| (r.value.min, r.value.max)),
        }
    }

    fn matches(&self, c: &ComponentFacts) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&c.kind))
            && (self.technology.is_empty()
                || self
                    .technology
                    .iter()
                    .any(|w| contains_word(&c.technology, w)))
            && (self.tags.is_empty() || self.tags.iter().any(|t| c.tags.contains(t)))
            && !self.exclude_tags.iter().any(|t| c.tags.contains(t))
            && self
                .trust
                .is_none_or(|(min, max)| (min..=max).contains(&c.trust))
    }
}

impl Selector {
    fn compile(raw: &RawSelector) -> Selector {
        match raw.element.value {
            ElementKind::Component => {
                Selector::Component(ComponentSelector::compile(&raw.component))
            }
            ElementKind::Flow => Selector::Flow(FlowSelector {
                crosses: raw.crosses_boundary.as_ref().map(|b| b.value),
                directions: raw.direction.iter().map(|d| d.value).collect(),
                protocols: raw
                    .protocol
                    .iter()
                    .map(|p| p.value.trim().to_lowercase())
                    .collect(),
                encrypted: raw.encrypted.as_ref().map(|b| b.value),
                authenticated: raw.authenticated.as_ref().map(|b| b.value),
                classes: raw
                    .data_classification
                    .iter()
                    .fold(0, |bits, c| bits | class_bit(c.value)),
                from: raw.from.as_ref().map(ComponentSelector::compile),
                to: raw.to.as_ref().map(ComponentSelector::compile),
            }),
        }
    }

    fn matches_component(&self, c: ComponentId, facts: &Facts) -> bool {
        match self {
            Selector::Component(s) => s.matches(&facts.components[c.index()]),
            Selector::Flow(_) => false,
        }
    }

    fn matches_flow(&self, f: FlowId, facts: &Facts) -> bool {
        let Selector::Flow(s) = self else {
            return false;
        };
        let flow = &facts.flows[f.index()];
        s.crosses.is_none_or(|c| c == flow.direction.is_some())
            && (s.directions.is_empty()
                || flow.direction.is_some_and(|d| s.directions.contains(&d)))
            && (s.protocols.is_empty()
                || s.protocols.iter().any(|p| contains_word(&flow.protocol, p)))
            && s.encrypted.is_none_or(|e| e == flow.encrypted)
            && s.authenticated.is_none_or(|a| a == flow.authenticated)
            && (s.classes == 0 || s.classes & flow.classes != 0)
            && s.from
                .as_ref()
                .is_none_or(|sel| sel.matches(&facts.components[flow.from]))
            && s.to
                .as_ref()
                .is_none_or(|sel| sel.matches(&facts.components[flow.to]))
    }
}

/// Whether `needle` occurs in `hay` as a whole word (not inside a longer word).
fn contains_word(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// A selector as the knowledge base wrote it, for reports: `element = "flow", …`.
fn describe(s: &RawSelector) -> String {
    let mut parts = vec![format!("element = \"{}\"", s.element.value)];
    describe_component(&s.component, &mut parts);
    if let Some(b) = &s.crosses_boundary {
        parts.push(format!("crosses-boundary = {}", b.value));
    }
    list(
        &mut parts,
        "direction",
        s.direction.iter().map(|d| d.value.as_str()),
    );
    list(
        &mut parts,
        "protocol",
        s.protocol.iter().map(|p| p.value.as_str()),
    );
    if let Some(b) = &s.encrypted {
        parts.push(format!("encrypted = {}", b.value));
    }
    if let Some(b) = &s.authenticated {
        parts.push(format!("authenticated = {}", b.value));
    }
    list(
        &mut parts,
        "data-classification",
        s.data_classification.iter().map(|c| c.value.as_str()),
    );
    for (key, end) in [("from", &s.from), ("to", &s.to)] {
        if let Some(e) = end {
            let mut inner = Vec::new();
            describe_component(e, &mut inner);
            parts.push(format!("{key} = {{ {} }}", inner.join(", ")));
        }
    }
    parts.join(", ")
}

fn describe_component(c: &RawComponentSelector, parts: &mut Vec<String>) {
    list(parts, "kind", c.kind.iter().map(|k| k.value.as_str()));
    list(
        parts,
        "technology",
        c.technology.iter().map(|t| t.value.as_str()),
    );
    list(parts, "tags", c.tags.iter().map(|t| t.value.as_str()));
    list(
        parts,
        "exclude-tags",
        c.exclude_tags.iter().map(|t| t.value.as_str()),
    );
    if let Some(r) = &c.zone_trust {
        parts.push(format!(
            "zone-trust = {{ min = {}, max = {} }}",
            r.value.min, r.value.max
        ));
    }
}

fn list<'a>(parts: &mut Vec<String>, key: &str, values: impl Iterator<Item = &'a str>) {
    let quoted: Vec<String> = values.map(|v| format!("\"{v}\"")).collect();
    match quoted.len() {
        0 => {}
        1 => parts.push(format!("{key} = {}", quoted[0])),
        _ => parts.push(format!("{key} = [{}]", quoted.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::contains_word;

    #[test]
    fn technologies_match_as_whole_words() {
        assert!(contains_word("fastapi 0.115", "fastapi"));
        assert!(contains_word("starlette (fastapi)", "fastapi"));
        assert!(contains_word("jinja2", "jinja2"));
        assert!(contains_word("python/fastapi-users", "fastapi"));
        assert!(!contains_word("javascript", "java"));
        assert!(!contains_word("myfastapi", "fastapi"));
        assert!(!contains_word("", "fastapi"));
    }
}
