//! Knowledge bases applied to a model: their ids resolved, their selectors compiled,
//! and every pattern matched against every component and flow.
//!
//! Matching is a pure function of the resolved graph: a component is matched on its
//! kind, technology, tags, actor and zone trust; a flow on its crossing, protocol, flags,
//! the classification of what it carries, its two endpoints and where its traffic comes
//! from and goes. Words go through the knowledge bases' vocabulary (see [`super::vocab`]):
//! case, separators, plurals and declared synonyms do not matter, a technology word
//! matches inside a compound name, and a technology implies its role tags unless the
//! model describes such components in parts.
//!
//! Alongside the matches it finds *near misses*: an element that fails exactly one
//! condition of a pattern, where that condition is one a small edit would meet (a tag one
//! or two letters off, a technology word written inside another word, a missing role
//! tag).

use std::collections::HashMap;

use petgraph::graph::DiGraph;

use super::vocab::{self, Segments, key};
use super::*;
use crate::diag::{Code, Diagnostic, Diagnostics, suggest, unknown_reference};
use crate::load::kb::{RawComponentSelector, RawKnowledgeBase, RawSelector, TrustSpec};
use crate::load::raw::RawTrustLevels;
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
    let k = Knowledge::resolve(raw, &RawTrustLevels::default(), diags);
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
    /// The words of every knowledge base, merged.
    vocab: Vocab,
    /// How many reachability sets the compiled selectors use.
    reach_sets: usize,
}

/// The merged vocabulary: each word under its key, each synonym pointing at its word.
#[derive(Default)]
struct Vocab {
    /// Key of a tag word or synonym → index in `words`.
    tags: HashMap<String, usize>,
    /// Key of a technology word or synonym → index in `words`.
    technologies: HashMap<String, usize>,
    words: Vec<VocabWord>,
}

struct VocabWord {
    key: String,
    /// As the knowledge base writes it, for messages.
    word: String,
    field: WordField,
    /// The keys of the word and of each synonym.
    spellings: Vec<String>,
    /// Keys of the role tags a technology implies.
    implies: Vec<String>,
}

impl Vocab {
    /// The tag word a key stands for (itself when it is no word of the vocabulary).
    fn canonical(&self, k: &str) -> String {
        self.tags
            .get(k)
            .map_or_else(|| k.to_string(), |&i| self.words[i].key.clone())
    }

    /// How the vocabulary writes the tag with this key.
    fn tag_word<'a>(&'a self, k: &'a str) -> &'a str {
        self.tags.get(k).map_or(k, |&i| self.words[i].word.as_str())
    }

    fn is_tag_word(&self, k: &str) -> bool {
        self.tags.contains_key(k)
    }

    fn technology_index(&self, k: &str) -> Option<u32> {
        self.technologies.get(k).map(|&i| i as u32)
    }

    /// Adds a knowledge base's words; a word two knowledge bases declare is one word
    /// with the synonyms and implied roles of both.
    fn add(&mut self, words: &[crate::load::kb::RawWord]) {
        for w in words {
            let k = key(&w.word.value);
            if k.is_empty() {
                continue;
            }
            let field = w.field.value;
            let lookup = match field {
                WordField::Tags => &mut self.tags,
                WordField::Technology => &mut self.technologies,
            };
            let i = *lookup.entry(k.clone()).or_insert(self.words.len());
            if i == self.words.len() {
                self.words.push(VocabWord {
                    key: k.clone(),
                    word: w.word.value.trim().to_string(),
                    field,
                    spellings: vec![k],
                    implies: Vec::new(),
                });
            }
            for syn in &w.synonyms {
                let sk = key(&syn.value);
                if sk.is_empty() {
                    continue;
                }
                lookup.entry(sk.clone()).or_insert(i);
                if !self.words[i].spellings.contains(&sk) {
                    self.words[i].spellings.push(sk);
                }
            }
            for role in &w.implies {
                let rk = key(&role.value);
                if !self.words[i].implies.contains(&rk) {
                    self.words[i].implies.push(rk);
                }
            }
        }
        // Implied roles are words too: resolve them to their canonical keys.
        for i in 0..self.words.len() {
            let implies: Vec<String> = self.words[i]
                .implies
                .iter()
                .map(|r| self.canonical(r))
                .collect();
            self.words[i].implies = implies;
        }
    }
}

impl Knowledge {
    /// Resolves the knowledge bases: ids unique across all of them, every `mitigates`
    /// naming a pattern of the same knowledge base, every selector word declared by a
    /// knowledge base that has a vocabulary, `refines` and `same-as` naming entries of
    /// other knowledge bases.
    pub fn resolve(
        raw: Vec<RawKnowledgeBase>,
        trust_levels: &RawTrustLevels,
        diags: &mut Diagnostics,
    ) -> Knowledge {
        let mut k = Knowledge::default();
        for kb in &raw {
            k.vocab.add(&kb.vocabulary);
            check_vocabulary(kb, diags);
        }
        let mut kb_ids: HashMap<String, Span> = HashMap::new();
        let mut first_at: HashMap<String, Span> = HashMap::new();
        let mut pending: Vec<(RecommendationId, KbId, Vec<Sp<String>>)> = Vec::new();
        let mut refines: Vec<(PatternId, Vec<Sp<String>>)> = Vec::new();
        let mut same_as: Vec<(RecommendationId, Vec<Sp<String>>)> = Vec::new();
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
                named: kb.named,
                patterns: Vec::new(),
                recommendations: Vec::new(),
                vocabulary: kb
                    .vocabulary
                    .into_iter()
                    .map(|w| Word {
                        word: w.word.value,
                        field: w.field.value,
                        description: w.description.map(|d| d.value),
                        synonyms: w.synonyms.into_iter().map(|s| s.value).collect(),
                        implies: w.implies.into_iter().map(|s| s.value).collect(),
                    })
                    .collect(),
            };
            for p in kb.patterns {
                if duplicate(&mut first_at, &p.id, "pattern", diags) {
                    continue;
                }
                let id = PatternId(k.patterns.len() as u32);
                k.pattern_ids.insert(p.id.value.clone(), id);
                entry.patterns.push(id);
                let selectors = p.applies_to.as_slice();
                let compiled = selectors
                    .iter()
                    .map(|s| Selector::compile(s, &k.vocab, trust_levels, &mut k.reach_sets))
                    .collect();
                k.selectors.push(compiled);
                if !p.refines.is_empty() {
                    refines.push((id, p.refines));
                }
                k.patterns.push(Pattern {
                    id: p.id.value,
                    kb: kb_id,
                    title: p.title.value.into(),
                    category: p.category.value,
                    severity: p.severity.value,
                    likelihood: p.likelihood.map(|l| l.value),
                    impact: p.impact.map(|l| l.value),
                    cwe: p.cwe.iter().map(|n| n.value).collect(),
                    capec: p.capec.iter().map(|n| n.value).collect(),
                    description: p.description.map(|d| d.value.into()),
                    applies_to: selectors.iter().map(describe).collect(),
                    refines: Vec::new(),
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
                if !m.same_as.is_empty() {
                    same_as.push((id, m.same_as));
                }
                k.recommendations.push(Recommendation {
                    id: m.id.value,
                    kb: kb_id,
                    title: m.title.value.into(),
                    mitigates: Vec::new(),
                    reduces: m.reduces.map_or(1, |r| r.value),
                    references: m.references.into_iter().map(|r| r.value).collect(),
                    description: m.description.map(|d| d.value.into()),
                    same_as: Vec::new(),
                    requires: m.requires,
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
        for (p, names) in refines {
            let own = k.patterns[p.index()].kb;
            for r in names {
                if let Some(q) = k.cross_reference(&r, own, "refines", true, diags) {
                    let list = &mut k.patterns[p.index()].refines;
                    if !list.contains(&PatternId(q)) {
                        list.push(PatternId(q));
                    }
                }
            }
        }
        for (m, names) in same_as {
            let own = k.recommendations[m.index()].kb;
            for r in names {
                if let Some(o) = k.cross_reference(&r, own, "same-as", false, diags) {
                    let o = RecommendationId(o);
                    if !k.recommendations[m.index()].same_as.contains(&o) {
                        k.recommendations[m.index()].same_as.push(o);
                    }
                    if !k.recommendations[o.index()].same_as.contains(&m) {
                        k.recommendations[o.index()].same_as.push(m);
                    }
                }
            }
        }
        k
    }

    /// Resolves `knowledge-base:id` in `refines` (a pattern) or `same-as` (a
    /// mitigation). A knowledge base the model does not use is no error: the link only
    /// matters when both are in use.
    fn cross_reference(
        &self,
        r: &Sp<String>,
        own: KbId,
        field: &str,
        pattern: bool,
        diags: &mut Diagnostics,
    ) -> Option<u32> {
        let what = if pattern { "pattern" } else { "mitigation" };
        let Some((kb, id)) = r.value.split_once(':') else {
            diags.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    r.span,
                    format!("`{field}` names `{}` without its knowledge base", r.value),
                )
                .with_label("no knowledge base")
                .with_help(format!(
                    "write `knowledge-base:{what}`, such as `stride:{}`",
                    r.value
                )),
            );
            return None;
        };
        let kb_id = self.kbs.iter().position(|k| k.id == kb)?;
        if kb_id == own.index() {
            diags.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    r.span,
                    format!("`{field}` names a {what} of the same knowledge base"),
                )
                .with_label("same knowledge base")
                .with_help(format!(
                    "`{field}` links to another knowledge base's {what}"
                )),
            );
            return None;
        }
        let found = if pattern {
            self.pattern_ids
                .get(id)
                .filter(|p| self.patterns[p.index()].kb.index() == kb_id)
                .map(|p| p.0)
        } else {
            self.recommendation_ids
                .get(id)
                .filter(|m| self.recommendations[m.index()].kb.index() == kb_id)
                .map(|m| m.0)
        };
        if found.is_none() {
            let names: Vec<&str> = if pattern {
                self.kbs[kb_id]
                    .patterns
                    .iter()
                    .map(|p| self.patterns[p.index()].id.as_str())
                    .collect()
            } else {
                self.kbs[kb_id]
                    .recommendations
                    .iter()
                    .map(|m| self.recommendations[m.index()].id.as_str())
                    .collect()
            };
            let sub = Sp::new(id.to_string(), r.span);
            diags.push(unknown_reference(
                Code::DanglingReference,
                &sub,
                field,
                &format!("{what} of `{kb}`"),
                names,
            ));
        }
        found
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

    /// Matches this knowledge against a model's facts: the reachability sets the
    /// selectors use are worked out here, once.
    pub fn matcher<'a>(
        &'a self,
        facts: &'a Facts,
        graph: &'a DiGraph<Component, Flow, u32>,
    ) -> Matcher<'a> {
        let mut reach = vec![Vec::new(); self.reach_sets];
        for selectors in &self.selectors {
            for s in selectors {
                let Selector::Flow(f) = s else { continue };
                if let Some(o) = &f.origin {
                    reach[o.set] = facts.reach(&o.sel, Way::Forward);
                }
                if let Some(d) = &f.destination {
                    reach[d.set] = facts.reach(&d.sel, Way::Backward);
                }
            }
        }
        Matcher {
            k: self,
            facts,
            graph,
            reach,
        }
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

/// Every selector word of a knowledge base that declares a vocabulary must be one of
/// its words: a selector never silently matches nothing because of a typo.
fn check_vocabulary(kb: &RawKnowledgeBase, diags: &mut Diagnostics) {
    if kb.vocabulary.is_empty() {
        return;
    }
    let mut used: Vec<(&Sp<String>, WordField)> = Vec::new();
    for s in kb.patterns.iter().flat_map(|p| p.applies_to.as_slice()) {
        let ends = [&s.from, &s.to, &s.either, &s.origin, &s.destination];
        for c in std::iter::once(&s.component).chain(ends.into_iter().flatten()) {
            let technologies = c.technology.iter().chain(&c.exclude_technology);
            used.extend(technologies.map(|w| (w, WordField::Technology)));
            let tags = c.tags.iter().chain(&c.tags_all).chain(&c.exclude_tags);
            used.extend(tags.map(|w| (w, WordField::Tags)));
        }
    }
    used.extend(
        kb.vocabulary
            .iter()
            .flat_map(|w| &w.implies)
            .map(|r| (r, WordField::Tags)),
    );
    for (word, field) in used {
        let k = key(&word.value);
        let declared = || kb.vocabulary.iter().filter(|w| w.field.value == field);
        if declared().any(|w| key(&w.word.value) == k) {
            continue;
        }
        let what = match field {
            WordField::Technology => "technology",
            WordField::Tags => "tag",
        };
        let mut d = Diagnostic::at(
            Code::InvalidSelector,
            word.span,
            format!(
                "`{}` is not a {what} word of the knowledge base `{}`",
                word.value, kb.meta.id.value
            ),
        )
        .with_label("not in its vocabulary");
        let synonym_of = declared().find(|w| w.synonyms.iter().any(|s| key(&s.value) == k));
        let words: Vec<&str> = declared().map(|w| w.word.value.as_str()).collect();
        d = if let Some(w) = synonym_of {
            d.with_help(format!(
                "it is a synonym of `{0}`: write `{0}`",
                w.word.value
            ))
        } else if let Some(close) = suggest(&word.value, words).first() {
            d.with_help(format!("did you mean `{close}`?"))
        } else {
            d.with_help("declare it with a `[[vocabulary]]` entry")
        };
        diags.push(d);
    }
}

/// What selectors look at, worked out once per element: keyed technology and tags
/// (with the roles a technology implies), zone trust, actor, the classifications a flow
/// carries, and the graph's adjacency for reachability.
#[derive(Default)]
pub(super) struct Facts {
    components: Vec<ComponentFacts>,
    flows: Vec<FlowFacts>,
    /// Per component, its outgoing and incoming flows.
    out_flows: Vec<Vec<u32>>,
    in_flows: Vec<Vec<u32>>,
    /// Per component, the roles it has only because its technology implies them.
    pub implied: Vec<Vec<String>>,
}

struct ComponentFacts {
    kind: ComponentKind,
    trust: u8,
    actor: Actor,
    /// The technology cut into keyed segments.
    technology: Segments,
    /// The vocabulary's technology words found in it (indices, sorted).
    tech_words: Vec<u32>,
    /// Canonical keys of its tags, words found inside them and implied roles.
    tags: Vec<String>,
    /// Keys of the tags as written, for near-miss hints.
    written_tags: Vec<String>,
    /// The technology as written, lower-cased, for near-miss hints.
    technology_text: String,
}

struct FlowFacts {
    from: usize,
    to: usize,
    direction: Option<Direction>,
    protocol: String,
    encrypted: bool,
    authenticated: bool,
    in_process: bool,
    /// A bit per [`Classification`] the flow carries.
    classes: u8,
}

fn class_bit(c: Classification) -> u8 {
    1 << (c as u8)
}

#[derive(Clone, Copy)]
enum Way {
    /// Components reached from a match, following flows.
    Forward,
    /// Components from which a match is reached.
    Backward,
}

impl Facts {
    pub fn of(
        knowledge: &Knowledge,
        zones: &[Zone],
        graph: &DiGraph<Component, Flow, u32>,
        assets: &[Asset],
    ) -> Facts {
        let vocab = &knowledge.vocab;
        let tag_words: Vec<&VocabWord> = vocab
            .words
            .iter()
            .filter(|w| w.field == WordField::Tags)
            .collect();
        let tech_words: Vec<(u32, &VocabWord)> = vocab
            .words
            .iter()
            .enumerate()
            .filter(|(_, w)| w.field == WordField::Technology)
            .map(|(i, w)| (i as u32, w))
            .collect();
        let mut components: Vec<ComponentFacts> = graph
            .node_weights()
            .map(|c| {
                let technology_text = c.technology.as_deref().unwrap_or("").to_lowercase();
                let technology = Segments::of(c.technology.as_deref().unwrap_or(""));
                let mut found: Vec<u32> = tech_words
                    .iter()
                    .filter(|(_, w)| w.spellings.iter().any(|k| technology.contains(k)))
                    .map(|(i, _)| *i)
                    .collect();
                found.sort_unstable();
                let written_tags: Vec<String> = c.tags.iter().map(|t| key(t)).collect();
                let mut tags = Vec::with_capacity(written_tags.len());
                for t in &written_tags {
                    push_unique(&mut tags, vocab.canonical(t));
                    if t.contains('-') {
                        for w in &tag_words {
                            if w.spellings.iter().any(|k| k != t && vocab::has_run(t, k)) {
                                push_unique(&mut tags, w.key.clone());
                            }
                        }
                    }
                }
                let actor = c.actor.unwrap_or_else(|| infer_actor(c));
                ComponentFacts {
                    kind: c.kind,
                    trust: zones.get(c.zone.index()).map_or(0, |z| z.trust),
                    actor,
                    technology,
                    tech_words: found,
                    tags,
                    written_tags,
                    technology_text,
                }
            })
            .collect();
        let implied = imply_roles(vocab, &mut components);
        let mut out_flows = vec![Vec::new(); components.len()];
        let mut in_flows = vec![Vec::new(); components.len()];
        let flows = graph
            .edge_weights()
            .enumerate()
            .map(|(i, f)| {
                out_flows[f.from.index()].push(i as u32);
                in_flows[f.to.index()].push(i as u32);
                let protocol = f.protocol.as_deref().unwrap_or("");
                FlowFacts {
                    from: f.from.index(),
                    to: f.to.index(),
                    direction: f.crossing.map(|c| c.direction),
                    protocol: protocol.to_lowercase(),
                    encrypted: f.encrypted,
                    authenticated: f.authenticated,
                    in_process: vocab::mentions(&Segments::of(protocol), vocab::IN_PROCESS_WORDS),
                    classes: f
                        .data
                        .iter()
                        .filter_map(|a| assets.get(a.index()))
                        .fold(0, |bits, a| bits | class_bit(a.classification)),
                }
            })
            .collect();
        Facts {
            components,
            flows,
            out_flows,
            in_flows,
            implied,
        }
    }

    /// Per component, whether traffic reaches it from (`Forward`) or goes from it to
    /// (`Backward`) a component matching `sel` through a chain of processes: it is a
    /// process, and a path links it with a match whose every component between is a
    /// process. Iterative, linear in the graph.
    fn reach(&self, sel: &ComponentSelector, way: Way) -> Vec<bool> {
        let n = self.components.len();
        let mut seen = vec![false; n];
        let mut stack: Vec<usize> = (0..n)
            .filter(|&c| sel.matches(&self.components[c]))
            .collect();
        let mut expanded = vec![false; n];
        while let Some(c) = stack.pop() {
            if std::mem::replace(&mut expanded[c], true) {
                continue;
            }
            let next = match way {
                Way::Forward => &self.out_flows[c],
                Way::Backward => &self.in_flows[c],
            };
            for &f in next {
                let flow = &self.flows[f as usize];
                let other = match way {
                    Way::Forward => flow.to,
                    Way::Backward => flow.from,
                };
                if self.components[other].kind == ComponentKind::Process && !seen[other] {
                    seen[other] = true;
                    stack.push(other);
                }
            }
        }
        seen
    }
}

fn push_unique(list: &mut Vec<String>, k: String) {
    if !list.contains(&k) {
        list.push(k);
    }
}

/// An external entity is driven by a person when its name, technology or tags say so
/// (`browser`, `user`, `customer`, `staff` …) and none says it is software (`system`,
/// `service`, `api`, `endpoint` …); everything else is a system.
fn infer_actor(c: &Component) -> Actor {
    if c.kind != ComponentKind::ExternalEntity {
        return Actor::System;
    }
    let mut text = c.name.clone();
    for t in c.technology.iter().chain(&c.tags) {
        text.push(' ');
        text.push_str(t);
    }
    let words = Segments::of(&text);
    if vocab::mentions(&words, vocab::HUMAN_WORDS) && !vocab::mentions(&words, vocab::SYSTEM_WORDS)
    {
        Actor::Human
    } else {
        Actor::System
    }
}

/// A technology that implies roles gives them to each component built with it, unless
/// the model describes such components in parts: once two or more components have that
/// technology and any of them carries one of the roles as a tag, only tags count for
/// all of them.
fn imply_roles(vocab: &Vocab, components: &mut [ComponentFacts]) -> Vec<Vec<String>> {
    let mut implied = vec![Vec::new(); components.len()];
    for (i, w) in vocab.words.iter().enumerate() {
        if w.implies.is_empty() {
            continue;
        }
        let i = i as u32;
        let with: Vec<usize> = (0..components.len())
            .filter(|&c| components[c].tech_words.binary_search(&i).is_ok())
            .collect();
        // One component alone is a whole application, whatever its tags.
        let in_parts = with.len() > 1
            && with
                .iter()
                .any(|&c| components[c].tags.iter().any(|t| w.implies.contains(t)));
        if in_parts {
            continue;
        }
        for c in with {
            for role in &w.implies {
                if !components[c].tags.contains(role) {
                    components[c].tags.push(role.clone());
                    implied[c].push(vocab.tag_word(role).to_string());
                }
            }
        }
    }
    implied
}

/// A compiled selector.
enum Selector {
    Component(ComponentSelector),
    Flow(Box<FlowSelector>),
}

/// A technology word: one of the vocabulary's (matched through its synonyms) or a
/// plain key (matched as whole segments).
#[derive(Clone)]
enum TechWord {
    Vocab(u32),
    Text(String),
}

#[derive(Default)]
struct ComponentSelector {
    kinds: Vec<ComponentKind>,
    technology: Vec<TechWord>,
    exclude_technology: Vec<TechWord>,
    tags: Vec<String>,
    tags_all: Vec<String>,
    exclude_tags: Vec<String>,
    trust: Option<(u8, u8)>,
    actor: Option<Actor>,
}

struct FlowSelector {
    crosses: Option<bool>,
    directions: Vec<Direction>,
    protocols: Vec<String>,
    encrypted: Option<bool>,
    authenticated: Option<bool>,
    in_process: Option<bool>,
    classes: u8,
    from: Option<ComponentSelector>,
    to: Option<ComponentSelector>,
    either: Option<ComponentSelector>,
    origin: Option<Reach>,
    destination: Option<Reach>,
}

/// An `origin` or `destination` condition and the reachability set it uses.
struct Reach {
    sel: ComponentSelector,
    set: usize,
}

/// A condition of a selector, in the order they are tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cond {
    Kind,
    Trust,
    Actor,
    Technology,
    ExcludedTechnology,
    Tags,
    TagsAll,
    ExcludedTag,
    /// A flow's own conditions: crossing, protocol, flags, classification.
    Flow,
    From,
    To,
    Either,
    Origin,
    Destination,
}

const COMPONENT_CONDS: [Cond; 8] = [
    Cond::Kind,
    Cond::Trust,
    Cond::Actor,
    Cond::Technology,
    Cond::ExcludedTechnology,
    Cond::Tags,
    Cond::TagsAll,
    Cond::ExcludedTag,
];

const FLOW_CONDS: [Cond; 6] = [
    Cond::Flow,
    Cond::From,
    Cond::To,
    Cond::Either,
    Cond::Origin,
    Cond::Destination,
];

impl ComponentSelector {
    fn compile(
        raw: &RawComponentSelector,
        vocab: &Vocab,
        levels: &RawTrustLevels,
    ) -> ComponentSelector {
        let tech = |words: &[Sp<String>]| -> Vec<TechWord> {
            words
                .iter()
                .map(|t| {
                    let k = key(&t.value);
                    match vocab.technology_index(&k) {
                        Some(i) => TechWord::Vocab(i),
                        None => TechWord::Text(k),
                    }
                })
                .collect()
        };
        let tags = |words: &[Sp<String>]| -> Vec<String> {
            words
                .iter()
                .map(|t| vocab.canonical(&key(&t.value)))
                .collect()
        };
        ComponentSelector {
            kinds: raw.kind.iter().map(|k| k.value).collect(),
            technology: tech(&raw.technology),
            exclude_technology: tech(&raw.exclude_technology),
            tags: tags(&raw.tags),
            tags_all: tags(&raw.tags_all),
            exclude_tags: tags(&raw.exclude_tags),
            trust: raw.zone_trust.as_ref().map(|r| match &r.value {
                TrustSpec::Range(t) => (t.min, t.max),
                TrustSpec::Named(n) => levels.range(n).map_or((0, 10), |t| (t.min, t.max)),
            }),
            actor: raw.actor.as_ref().map(|a| a.value),
        }
    }

    fn has_technology(c: &ComponentFacts, w: &TechWord) -> bool {
        match w {
            TechWord::Vocab(i) => c.tech_words.binary_search(i).is_ok(),
            TechWord::Text(k) => c.technology.contains(k),
        }
    }

    /// Whether `c` meets condition `cond` (an unset condition always holds).
    fn holds(&self, cond: Cond, c: &ComponentFacts) -> bool {
        match cond {
            Cond::Kind => self.kinds.is_empty() || self.kinds.contains(&c.kind),
            Cond::Trust => self
                .trust
                .is_none_or(|(min, max)| (min..=max).contains(&c.trust)),
            Cond::Actor => self.actor.is_none_or(|a| a == c.actor),
            Cond::Technology => {
                self.technology.is_empty()
                    || self.technology.iter().any(|w| Self::has_technology(c, w))
            }
            Cond::ExcludedTechnology => !self
                .exclude_technology
                .iter()
                .any(|w| Self::has_technology(c, w)),
            Cond::Tags => self.tags.is_empty() || self.tags.iter().any(|t| c.tags.contains(t)),
            Cond::TagsAll => self.tags_all.iter().all(|t| c.tags.contains(t)),
            Cond::ExcludedTag => !self.exclude_tags.iter().any(|t| c.tags.contains(t)),
            _ => true,
        }
    }

    /// The conditions `c` fails, lazily: matching stops at the first.
    fn failures<'a>(&'a self, c: &'a ComponentFacts) -> impl Iterator<Item = Cond> + 'a {
        COMPONENT_CONDS
            .into_iter()
            .filter(move |&cond| !self.holds(cond, c))
    }

    fn matches(&self, c: &ComponentFacts) -> bool {
        self.failures(c).next().is_none()
    }
}

impl Selector {
    fn compile(
        raw: &RawSelector,
        vocab: &Vocab,
        levels: &RawTrustLevels,
        reach_sets: &mut usize,
    ) -> Selector {
        let component = |c: &RawComponentSelector| ComponentSelector::compile(c, vocab, levels);
        let mut reach = |c: &Option<RawComponentSelector>| {
            c.as_ref().map(|c| {
                *reach_sets += 1;
                Reach {
                    sel: component(c),
                    set: *reach_sets - 1,
                }
            })
        };
        match raw.element.value {
            ElementKind::Component => Selector::Component(component(&raw.component)),
            ElementKind::Flow => Selector::Flow(Box::new(FlowSelector {
                crosses: raw.crosses_boundary.as_ref().map(|b| b.value),
                directions: raw.direction.iter().map(|d| d.value).collect(),
                protocols: raw
                    .protocol
                    .iter()
                    .map(|p| p.value.trim().to_lowercase())
                    .collect(),
                encrypted: raw.encrypted.as_ref().map(|b| b.value),
                authenticated: raw.authenticated.as_ref().map(|b| b.value),
                in_process: raw.in_process.as_ref().map(|b| b.value),
                classes: raw
                    .data_classification
                    .iter()
                    .fold(0, |bits, c| bits | class_bit(c.value)),
                from: raw.from.as_ref().map(component),
                to: raw.to.as_ref().map(component),
                either: raw.either.as_ref().map(component),
                origin: reach(&raw.origin),
                destination: reach(&raw.destination),
            })),
        }
    }
}

/// Knowledge matched against one model.
pub(super) struct Matcher<'a> {
    k: &'a Knowledge,
    facts: &'a Facts,
    /// For the element ids near-miss messages name.
    graph: &'a DiGraph<Component, Flow, u32>,
    /// Per reachability set, per component.
    reach: Vec<Vec<bool>>,
}

/// One pattern matched on one element.
pub(super) struct Match {
    pub target: Target,
    pub pattern: PatternId,
    /// Patterns of other knowledge bases that also matched and that this one refines:
    /// they are not instantiated here.
    pub replaces: Vec<PatternId>,
}

impl Matcher<'_> {
    /// Whether pattern `p` applies to element `e` (before refinement).
    pub fn applies(&self, p: PatternId, e: Target) -> bool {
        self.k.selectors[p.index()]
            .iter()
            .any(|s| self.failures(s, e).is_some_and(|mut f| f.next().is_none()))
    }

    /// The conditions of `s` that `e` fails, lazily; `None` when `s` is for the other
    /// kind of element.
    fn failures<'a>(
        &'a self,
        s: &'a Selector,
        e: Target,
    ) -> Option<Box<dyn Iterator<Item = Cond> + 'a>> {
        match (s, e) {
            (Selector::Component(s), Target::Component(c)) => {
                Some(Box::new(s.failures(&self.facts.components[c.index()])))
            }
            (Selector::Flow(s), Target::Flow(f)) => {
                let flow = &self.facts.flows[f.index()];
                Some(Box::new(
                    FLOW_CONDS
                        .into_iter()
                        .filter(move |&cond| !self.flow_holds(s, cond, flow)),
                ))
            }
            _ => None,
        }
    }

    fn flow_holds(&self, s: &FlowSelector, cond: Cond, flow: &FlowFacts) -> bool {
        let c = &self.facts.components;
        match cond {
            Cond::Flow => {
                s.crosses.is_none_or(|c| c == flow.direction.is_some())
                    && (s.directions.is_empty()
                        || flow.direction.is_some_and(|d| s.directions.contains(&d)))
                    && (s.protocols.is_empty()
                        || s.protocols.iter().any(|p| contains_word(&flow.protocol, p)))
                    && s.encrypted.is_none_or(|e| e == flow.encrypted)
                    && s.authenticated.is_none_or(|a| a == flow.authenticated)
                    && s.in_process.is_none_or(|i| i == flow.in_process)
                    && (s.classes == 0 || s.classes & flow.classes != 0)
            }
            Cond::From => s.from.as_ref().is_none_or(|sel| sel.matches(&c[flow.from])),
            Cond::To => s.to.as_ref().is_none_or(|sel| sel.matches(&c[flow.to])),
            Cond::Either => s
                .either
                .as_ref()
                .is_none_or(|sel| sel.matches(&c[flow.from]) || sel.matches(&c[flow.to])),
            Cond::Origin => s
                .origin
                .as_ref()
                .is_none_or(|r| r.sel.matches(&c[flow.from]) || self.reach[r.set][flow.from]),
            Cond::Destination => s
                .destination
                .as_ref()
                .is_none_or(|r| r.sel.matches(&c[flow.to]) || self.reach[r.set][flow.to]),
            _ => true,
        }
    }

    /// Every (element, pattern) that matches, elements in model order (components, then
    /// flows) and patterns in knowledge-base order for each. A pattern that another
    /// matching pattern refines is left out on that element, and named by it. Patterns
    /// that do not match are looked at once more for near misses.
    pub fn matches(&self) -> (Vec<Match>, Vec<NearMiss>) {
        let (mut for_components, mut for_flows) = (Vec::new(), Vec::new());
        for (i, selectors) in self.k.selectors.iter().enumerate() {
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
        let targets = (0..self.facts.components.len())
            .map(|c| (Target::Component(ComponentId::new(c)), &for_components))
            .chain((0..self.facts.flows.len()).map(|f| (Target::Flow(FlowId::new(f)), &for_flows)));
        let (mut out, mut near) = (Vec::new(), Vec::new());
        let mut here: Vec<PatternId> = Vec::new();
        for (target, patterns) in targets {
            here.clear();
            for &p in patterns {
                if self.applies(p, target) {
                    here.push(p);
                } else if let Some(miss) = self.near_miss(p, target) {
                    near.push(miss);
                }
            }
            let refined = |q: &PatternId| {
                here.iter()
                    .any(|p| self.k.patterns[p.index()].refines.contains(q))
            };
            for &p in &here {
                if refined(&p) {
                    continue;
                }
                let replaces = self.k.patterns[p.index()]
                    .refines
                    .iter()
                    .copied()
                    .filter(|q| here.contains(q))
                    .collect();
                out.push(Match {
                    target,
                    pattern: p,
                    replaces,
                });
            }
        }
        (out, near)
    }

    /// A pattern that does not apply to `e`: a near miss when some selector fails one
    /// condition only, and a small edit would meet that condition.
    fn near_miss(&self, p: PatternId, e: Target) -> Option<NearMiss> {
        self.k.selectors[p.index()].iter().find_map(|s| {
            let mut failures = self.failures(s, e)?;
            let first = failures.next()?;
            // Only these conditions can be near; skip the rest before looking further.
            if !matches!(first, Cond::Tags | Cond::TagsAll | Cond::Technology) {
                return None;
            }
            if failures.next().is_some() {
                return None;
            }
            let (Selector::Component(sel), Target::Component(c)) = (s, e) else {
                return None;
            };
            let facts = &self.facts.components[c.index()];
            let (reason, fix, no_role) = match first {
                Cond::Tags => self.near_tag(c, &sel.tags)?,
                Cond::TagsAll => {
                    let missing: Vec<String> = sel
                        .tags_all
                        .iter()
                        .filter(|t| !facts.tags.contains(t))
                        .cloned()
                        .collect();
                    match missing.as_slice() {
                        [one] => self.near_tag(c, std::slice::from_ref(one))?,
                        _ => return None,
                    }
                }
                _ => self.near_technology(facts, sel)?,
            };
            Some(NearMiss {
                element: e,
                pattern: p,
                reason,
                fix,
                no_role,
            })
        })
    }

    /// A tag close to a wanted one, or a component of a technology that implies the
    /// wanted role, in a model of parts, that plays no role at all.
    fn near_tag(&self, c: ComponentId, wanted: &[String]) -> Option<(String, String, bool)> {
        let facts = &self.facts.components[c.index()];
        let vocab = &self.k.vocab;
        for w in wanted {
            if let Some(t) = facts.written_tags.iter().find(|t| close_words(t, w)) {
                let w = vocab.tag_word(w);
                return Some((
                    format!("its tag `{t}` is close to the role `{w}`"),
                    format!("write the tag `{w}`"),
                    false,
                ));
            }
        }
        if facts.tags.iter().any(|t| vocab.is_tag_word(t)) {
            return None; // it plays some role: the others are not its own
        }
        facts.tech_words.iter().find_map(|&i| {
            let word = &vocab.words[i as usize];
            let w = wanted.iter().find(|w| word.implies.contains(w))?;
            Some((
                format!(
                    "`{}` is built with `{}` but has no role tag, and the model describes such components in parts",
                    self.graph[c].id, word.word
                ),
                format!("add the tag `{}` if it plays that part", vocab.tag_word(w)),
                true,
            ))
        })
    }

    /// A wanted technology word written inside another word, or one letter off.
    fn near_technology(
        &self,
        facts: &ComponentFacts,
        sel: &ComponentSelector,
    ) -> Option<(String, String, bool)> {
        let vocab = &self.k.vocab;
        let spellings = sel.technology.iter().flat_map(|w| match w {
            TechWord::Text(k) => std::slice::from_ref(k),
            TechWord::Vocab(i) => vocab.words[*i as usize].spellings.as_slice(),
        });
        for k in spellings {
            let plain = k.replace('-', "");
            let inside = facts.technology.words().find(|seg| {
                seg.contains(plain.as_str()) || (plain.len() >= 5 && close_words(seg, &plain))
            });
            if inside.is_some() || facts.technology_text.contains(plain.as_str()) {
                let place = inside.map_or("another word".to_string(), |w| format!("`{w}`"));
                return Some((
                    format!("its technology has `{k}` only inside {place}"),
                    format!("write `{k}` as a word of its own in `technology`"),
                    false,
                ));
            }
        }
        None
    }
}

/// Two keys one or two edits apart, or one a part of the other (`auth` and
/// `authentication`, `websockets` and `websocket`).
fn close_words(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() >= 3 && long.starts_with(short) {
        return true;
    }
    let limit = if short.len() >= 6 { 2 } else { 1 };
    short.len() >= 4 && vocab::distance_within(a, b, limit) <= limit
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
    if let Some(b) = &s.in_process {
        parts.push(format!("in-process = {}", b.value));
    }
    list(
        &mut parts,
        "data-classification",
        s.data_classification.iter().map(|c| c.value.as_str()),
    );
    for (key, end) in [
        ("from", &s.from),
        ("to", &s.to),
        ("either", &s.either),
        ("origin", &s.origin),
        ("destination", &s.destination),
    ] {
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
    list(
        parts,
        "exclude-technology",
        c.exclude_technology.iter().map(|t| t.value.as_str()),
    );
    list(
        parts,
        "tags-all",
        c.tags_all.iter().map(|t| t.value.as_str()),
    );
    match c.zone_trust.as_ref().map(|r| &r.value) {
        Some(TrustSpec::Range(r)) => parts.push(format!(
            "zone-trust = {{ min = {}, max = {} }}",
            r.min, r.max
        )),
        Some(TrustSpec::Named(n)) => parts.push(format!("zone-trust = \"{n}\"")),
        None => {}
    }
    if let Some(a) = &c.actor {
        parts.push(format!("actor = \"{}\"", a.value));
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
