//! The resolved model: a petgraph graph whose nodes are components and whose edges are
//! flows, with zones resolved into a nesting tree and every reference turned into an
//! index.
//!
//! [`build`] makes it from a [`RawModel`](crate::load::RawModel), reporting every
//! reference that does not resolve. After this stage nothing handles ids as references:
//! the check rules and the renderers walk indices. This module does no I/O.

mod build;
mod instantiate;
pub mod vocab;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

pub use self::build::build;
pub use self::instantiate::{KnowledgeSet, resolve_knowledge};
pub use crate::kinds::{
    Actor, Category, Choice, Classification, ComponentKind, Date, Decision, Direction, ElementKind,
    Level, Requires, Severity, Status, WordField,
};
use crate::source::Span;

/// Text shared between a knowledge-base pattern or mitigation and its many instances:
/// an instance holds a reference, not a copy.
pub type Text = std::sync::Arc<str>;
/// A shared list of numbers (CWE and CAPEC ids).
pub type Numbers = std::sync::Arc<[u32]>;
/// A shared list of texts (references).
pub type Texts = std::sync::Arc<[String]>;

/// A component: a node of the graph.
pub type ComponentId = NodeIndex<u32>;
/// A flow: an edge of the graph.
pub type FlowId = EdgeIndex<u32>;

macro_rules! index_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        /// Serialises as the plain index.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

index_type! {
    /// Index of a zone in [`Model::zones`].
    ZoneId;
    /// Index of an asset in [`Model::assets`].
    AssetId;
    /// Index of a threat in [`Model::threats`].
    ThreatId;
    /// Index of a mitigation in [`Model::mitigations`].
    MitigationId;
    /// Index of an acceptance in [`Model::acceptances`].
    AcceptanceId;
    /// Index of a knowledge base in [`Model::knowledge_bases`].
    KbId;
    /// Index of a pattern in [`Model::patterns`].
    PatternId;
    /// Index of a knowledge base's mitigation in [`Model::recommendations`].
    RecommendationId;
}

/// The project the model describes (the manifest's `[project]`).
#[derive(Clone, Debug)]
pub struct Project {
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    pub objective: Option<String>,
    pub scope: Option<String>,
    pub methodology: Option<String>,
    pub conclusion: Option<String>,
    pub owners: Vec<String>,
    /// The `[project]` table.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Zone {
    pub id: String,
    pub name: String,
    pub trust: u8,
    pub parent: Option<ZoneId>,
    pub children: Vec<ZoneId>,
    /// 0 for a top-level zone.
    pub depth: u32,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub kind: ComponentKind,
    pub zone: ZoneId,
    pub technology: Option<String>,
    pub tags: Vec<String>,
    /// Who drives it, when the model says (external entities).
    pub actor: Option<Actor>,
    pub description: Option<String>,
    /// Threats that name this component among their targets.
    pub threats: Vec<ThreatId>,
    pub span: Span,
}

/// A flow between two different zones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crossing {
    pub from_zone: ZoneId,
    pub to_zone: ZoneId,
    pub direction: Direction,
}

#[derive(Clone, Debug)]
pub struct Flow {
    pub id: String,
    pub name: String,
    pub from: ComponentId,
    pub to: ComponentId,
    pub protocol: Option<String>,
    pub data: Vec<AssetId>,
    pub encrypted: bool,
    pub authenticated: bool,
    pub description: Option<String>,
    /// Set when the flow leaves its source's zone.
    pub crossing: Option<Crossing>,
    /// Threats that name this flow among their targets.
    pub threats: Vec<ThreatId>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Asset {
    pub id: String,
    pub name: String,
    pub classification: Classification,
    pub description: Option<String>,
    pub span: Span,
}

/// What a threat applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Component(ComponentId),
    Flow(FlowId),
}

#[derive(Clone, Debug)]
pub struct Threat {
    pub id: String,
    pub title: Text,
    pub category: Category,
    pub severity: Severity,
    /// How likely the threat is to happen, when stated.
    pub likelihood: Option<Level>,
    /// How bad it would be, when stated.
    pub impact: Option<Level>,
    pub targets: Vec<Target>,
    pub cwe: Numbers,
    pub capec: Numbers,
    pub description: Option<Text>,
    /// Mitigations whose `mitigates` names this threat, in model order.
    pub mitigations: Vec<MitigationId>,
    /// Acceptances of this threat, in model order.
    pub acceptances: Vec<AcceptanceId>,
    /// The knowledge-base pattern this threat was instantiated from; `None` for a
    /// threat written in the model.
    pub pattern: Option<PatternId>,
    /// Patterns of other knowledge bases that matched this element too and that this
    /// instance's pattern refines: they were not instantiated here.
    pub replaces: Vec<PatternId>,
    /// The model marks this instance's pattern as not applicable to its element
    /// (`[[not-applicable]]` with `pattern`): it is kept, in state not applicable.
    pub not_applicable: bool,
    /// For a written threat its id; for an instance, its element's id in the model.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Mitigation {
    pub id: String,
    pub title: Text,
    pub status: Status,
    /// Where the status was set: the mitigation's `status` key, or the
    /// `[[mitigation-status]]` entry that set it last; `None` for the default.
    pub status_span: Option<Span>,
    /// What must hold of each element the mitigation is on for it to protect.
    pub requires: Requires,
    /// The elements (of the threats it mitigates) on which a requirement is false, with
    /// the first requirement that fails there. An implemented or verified mitigation
    /// with any is contradicted: it does not count as mitigating.
    pub contradicted: Vec<(Target, &'static str)>,
    /// How many levels the mitigation lowers a threat's risk once effective (0..=3).
    pub reduces: u8,
    pub mitigates: Vec<ThreatId>,
    pub owner: Option<String>,
    pub references: Texts,
    /// Links or citations that show the status (from `[[mitigation-status]]`).
    pub evidence: Vec<String>,
    pub description: Option<Text>,
    /// The knowledge-base mitigation this one was instantiated from; `None` for a
    /// mitigation written in the model.
    pub recommendation: Option<RecommendationId>,
    /// Equivalent mitigations of other knowledge bases (`same-as`) that were also
    /// recommended on this element: this one stands for them.
    pub also: Vec<RecommendationId>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Acceptance {
    pub threat: ThreatId,
    pub justification: String,
    pub approved_by: String,
    pub expires: Date,
    pub expires_span: Span,
    pub span: Span,
}

/// A review sign-off: who looked at the model, when, and what they decided.
#[derive(Clone, Debug)]
pub struct Review {
    pub reviewer: String,
    pub date: Date,
    pub scope: Option<String>,
    pub decision: Decision,
    pub notes: Option<String>,
    /// The state of the model the reviewer approved, where the entry records one.
    pub state: Option<crate::source::Sp<crate::kinds::ModelState>>,
    pub span: Span,
}

/// A STRIDE category that does not apply to an element, and why (`[[not-applicable]]`).
#[derive(Clone, Debug)]
pub struct NotApplicable {
    pub element: Target,
    /// The category that does not apply; for a pattern, the pattern's category.
    pub category: Category,
    /// Set when the mark is for one knowledge-base pattern rather than a whole category.
    pub pattern: Option<PatternId>,
    pub justification: String,
    /// The `element` value.
    pub span: Span,
}

/// A knowledge base the model uses.
#[derive(Clone, Debug)]
pub struct KnowledgeBase {
    pub id: String,
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
    /// `bundled`, or the folder it was read from.
    pub origin: String,
    /// The manifest's `bases` entry that names it, as written.
    pub named: String,
    pub patterns: Vec<PatternId>,
    pub recommendations: Vec<RecommendationId>,
    /// The words its selectors use, as it declares them.
    pub vocabulary: Vec<Word>,
}

/// A word of a knowledge base's vocabulary.
#[derive(Clone, Debug)]
pub struct Word {
    pub word: String,
    pub field: WordField,
    pub description: Option<String>,
    pub synonyms: Vec<String>,
    pub implies: Vec<String>,
}

/// An element that fails exactly one condition of a pattern, a condition one small
/// edit of the model would meet.
#[derive(Clone, Debug)]
pub struct NearMiss {
    pub element: Target,
    pub pattern: PatternId,
    /// What keeps the pattern off the element.
    pub reason: String,
    /// The edit that would apply it.
    pub fix: String,
    /// The element plays no role at all (rather than one close to the wanted one):
    /// such misses say less than any other the element has.
    pub no_role: bool,
}

/// A threat pattern of a knowledge base.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub id: String,
    pub kb: KbId,
    pub title: Text,
    pub category: Category,
    pub severity: Severity,
    pub likelihood: Option<Level>,
    pub impact: Option<Level>,
    pub cwe: Numbers,
    pub capec: Numbers,
    pub description: Option<Text>,
    /// What it applies to, in the knowledge base's words (`element = "flow", …`).
    pub applies_to: Vec<String>,
    /// Patterns of other knowledge bases it is a specific case of.
    pub refines: Vec<PatternId>,
    /// The threats made from it, in model order.
    pub instances: Vec<ThreatId>,
    pub span: Span,
}

/// A mitigation a knowledge base recommends.
#[derive(Clone, Debug)]
pub struct Recommendation {
    pub id: String,
    pub kb: KbId,
    pub title: Text,
    pub mitigates: Vec<PatternId>,
    pub reduces: u8,
    pub references: Texts,
    pub description: Option<Text>,
    /// Equivalent mitigations of other knowledge bases (both ways).
    pub same_as: Vec<RecommendationId>,
    /// What must hold of each element it is on for it to protect.
    pub requires: Requires,
    /// The mitigations made from it (or standing for it), in model order.
    pub instances: Vec<MitigationId>,
    pub span: Span,
}

/// Any entity, as an id lookup finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntityRef {
    Zone(ZoneId),
    Component(ComponentId),
    Asset(AssetId),
    Flow(FlowId),
    Threat(ThreatId),
    Mitigation(MitigationId),
}

/// A resolved threat model.
#[derive(Clone, Debug)]
pub struct Model {
    pub project: Project,
    pub zones: Vec<Zone>,
    /// Components are the nodes, flows the edges.
    pub graph: DiGraph<Component, Flow, u32>,
    pub assets: Vec<Asset>,
    pub threats: Vec<Threat>,
    pub mitigations: Vec<Mitigation>,
    pub acceptances: Vec<Acceptance>,
    /// Review sign-offs, in model order.
    pub reviews: Vec<Review>,
    /// STRIDE categories and patterns marked not applicable, in model order.
    pub not_applicable: Vec<NotApplicable>,
    /// The knowledge bases the manifest names, in its order.
    pub knowledge_bases: Vec<KnowledgeBase>,
    /// Their patterns, knowledge base by knowledge base.
    pub patterns: Vec<Pattern>,
    /// Their recommended mitigations.
    pub recommendations: Vec<Recommendation>,
    /// Patterns that almost apply, element by element.
    pub near_misses: Vec<NearMiss>,
    /// Per component (by index), the role tags it has only through its technology.
    pub implied_roles: Vec<Vec<String>>,
    /// The zone trust each named trust level covers (`[knowledge.trust-levels]`, else
    /// the defaults).
    pub trust_levels: [(&'static str, crate::load::kb::TrustRange); 3],
    ids: std::collections::HashMap<String, EntityRef, ahash::RandomState>,
}

/// The threat among `on` (an element's threats) instantiated from the pattern with the
/// id `pattern`: how `pattern@element` ids are looked up.
fn instance_of(
    on: &[ThreatId],
    threats: &[Threat],
    patterns: &[Pattern],
    pattern: &str,
) -> Option<ThreatId> {
    on.iter().copied().find(|t| {
        threats[t.index()]
            .pattern
            .is_some_and(|p| patterns[p.index()].id == pattern)
    })
}

/// How a threat is handled, as of a date: every threat is in exactly one state. The
/// order is from least to best handled, so `min` gives the weakest of several.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Coverage {
    /// No mitigation and no acceptance.
    Uncovered,
    /// No mitigation, and every acceptance has expired.
    AcceptanceExpired,
    /// Mitigations exist, all of them only proposed (or claimed done but contradicted
    /// by the model).
    ProposedOnly,
    /// At least one mitigation is planned, none implemented or verified.
    Planned,
    /// No effective mitigation, but an acceptance that has not expired.
    Accepted,
    /// At least one mitigation is implemented or verified, and the model does not
    /// contradict it.
    Mitigated,
    /// The model marks the threat's pattern as not applicable to its element.
    NotApplicable,
}

impl Coverage {
    /// Every state, from least to best handled.
    pub const ALL: [Coverage; 7] = [
        Coverage::Uncovered,
        Coverage::AcceptanceExpired,
        Coverage::ProposedOnly,
        Coverage::Planned,
        Coverage::Accepted,
        Coverage::Mitigated,
        Coverage::NotApplicable,
    ];

    /// Every state in the order reports list them: handled first, then what is left
    /// to do, the least handled last.
    pub const REPORT_ORDER: [Coverage; 7] = [
        Coverage::Mitigated,
        Coverage::Accepted,
        Coverage::NotApplicable,
        Coverage::Planned,
        Coverage::ProposedOnly,
        Coverage::AcceptanceExpired,
        Coverage::Uncovered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Uncovered => "uncovered",
            Coverage::AcceptanceExpired => "acceptance-expired",
            Coverage::ProposedOnly => "proposed-only",
            Coverage::Planned => "planned",
            Coverage::Accepted => "accepted",
            Coverage::Mitigated => "mitigated",
            Coverage::NotApplicable => "not-applicable",
        }
    }

    /// The state in words, for headings and tables.
    pub fn label(self) -> &'static str {
        match self {
            Coverage::Uncovered => "Uncovered",
            Coverage::AcceptanceExpired => "Acceptance expired",
            Coverage::ProposedOnly => "Proposed only",
            Coverage::Planned => "Planned",
            Coverage::Accepted => "Accepted",
            Coverage::Mitigated => "Mitigated",
            Coverage::NotApplicable => "Not applicable",
        }
    }

    /// The state in words, lower case, as a sentence uses it (`proposed only`).
    pub fn words(self) -> &'static str {
        match self {
            Coverage::Uncovered => "uncovered",
            Coverage::AcceptanceExpired => "acceptance expired",
            Coverage::ProposedOnly => "proposed only",
            Coverage::Planned => "planned",
            Coverage::Accepted => "accepted",
            Coverage::Mitigated => "mitigated",
            Coverage::NotApplicable => "not applicable",
        }
    }

    /// What a threat in this state has, in one sentence (for report legends).
    pub fn meaning(self) -> &'static str {
        match self {
            Coverage::Uncovered => "no mitigation and no acceptance",
            Coverage::AcceptanceExpired => "no mitigation, and its acceptance has expired",
            Coverage::ProposedOnly => {
                "mitigations that are only proposed (or claimed done but contradicted by the model)"
            }
            Coverage::Planned => "a planned mitigation, none implemented or verified",
            Coverage::Accepted => {
                "no effective mitigation, but a risk acceptance that has not expired"
            }
            Coverage::Mitigated => {
                "an implemented or verified mitigation that the model does not contradict"
            }
            Coverage::NotApplicable => "a not-applicable mark on its pattern and element",
        }
    }

    /// Mitigated, accepted or not applicable: nothing is left to do about it today.
    pub fn is_handled(self) -> bool {
        matches!(
            self,
            Coverage::Mitigated | Coverage::Accepted | Coverage::NotApplicable
        )
    }

    /// Neither a mitigation nor a valid acceptance: what `uncovered-threat` reports.
    pub fn is_uncovered(self) -> bool {
        matches!(self, Coverage::Uncovered | Coverage::AcceptanceExpired)
    }
}

impl Model {
    /// The most recent approval (the last written of those on the latest day), if any.
    pub fn latest_approval(&self) -> Option<&Review> {
        self.reviews
            .iter()
            .filter(|r| r.decision == Decision::Approved)
            .max_by_key(|r| r.date)
    }

    pub fn zone(&self, id: ZoneId) -> &Zone {
        &self.zones[id.index()]
    }

    pub fn component(&self, id: ComponentId) -> &Component {
        &self.graph[id]
    }

    pub fn flow(&self, id: FlowId) -> &Flow {
        &self.graph[id]
    }

    pub fn asset(&self, id: AssetId) -> &Asset {
        &self.assets[id.index()]
    }

    pub fn threat(&self, id: ThreatId) -> &Threat {
        &self.threats[id.index()]
    }

    pub fn mitigation(&self, id: MitigationId) -> &Mitigation {
        &self.mitigations[id.index()]
    }

    pub fn acceptance(&self, id: AcceptanceId) -> &Acceptance {
        &self.acceptances[id.index()]
    }

    pub fn knowledge_base(&self, id: KbId) -> &KnowledgeBase {
        &self.knowledge_bases[id.index()]
    }

    pub fn pattern(&self, id: PatternId) -> &Pattern {
        &self.patterns[id.index()]
    }

    pub fn recommendation(&self, id: RecommendationId) -> &Recommendation {
        &self.recommendations[id.index()]
    }

    /// "pattern `x` of knowledge base `y`", for messages about an instantiated threat.
    pub fn pattern_origin(&self, id: PatternId) -> String {
        let p = self.pattern(id);
        format!(
            "from pattern `{}` of knowledge base `{}`",
            p.id,
            self.knowledge_base(p.kb).id
        )
    }

    /// Components in model order.
    pub fn component_ids(&self) -> impl Iterator<Item = ComponentId> + '_ {
        self.graph.node_indices()
    }

    /// Flows in model order.
    pub fn flow_ids(&self) -> impl Iterator<Item = FlowId> + '_ {
        self.graph.edge_indices()
    }

    pub fn threat_ids(&self) -> impl Iterator<Item = ThreatId> {
        (0..self.threats.len() as u32).map(ThreatId)
    }

    pub fn mitigation_ids(&self) -> impl Iterator<Item = MitigationId> {
        (0..self.mitigations.len() as u32).map(MitigationId)
    }

    pub fn zone_ids(&self) -> impl Iterator<Item = ZoneId> {
        (0..self.zones.len() as u32).map(ZoneId)
    }

    /// Flows into and out of a component, in model order.
    pub fn flows_of(&self, c: ComponentId) -> Vec<FlowId> {
        let mut flows: Vec<FlowId> = self
            .graph
            .edges_directed(c, petgraph::Direction::Outgoing)
            .chain(self.graph.edges_directed(c, petgraph::Direction::Incoming))
            .map(|e| e.id())
            .collect();
        flows.sort();
        flows.dedup();
        flows
    }

    /// Finds any entity by id, instantiated threats and mitigations (`x@element`)
    /// included.
    pub fn lookup(&self, id: &str) -> Option<EntityRef> {
        if let Some(found) = self.ids.get(id) {
            return Some(*found);
        }
        let (left, element) = id.split_once('@')?;
        let on = match self.ids.get(element)? {
            EntityRef::Component(c) => &self.component(*c).threats,
            EntityRef::Flow(f) => &self.flow(*f).threats,
            _ => return None,
        };
        if let Some(t) = instance_of(on, &self.threats, &self.patterns, left) {
            return Some(EntityRef::Threat(t));
        }
        on.iter()
            .flat_map(|t| self.threat(*t).mitigations.iter())
            .find(|m| {
                self.mitigation(**m)
                    .recommendation
                    .is_some_and(|r| self.recommendation(r).id == left)
            })
            .map(|m| EntityRef::Mitigation(*m))
    }

    /// Every component, then every flow, as targets.
    pub fn target_ids(&self) -> impl Iterator<Item = Target> + '_ {
        self.component_ids()
            .map(Target::Component)
            .chain(self.flow_ids().map(Target::Flow))
    }

    /// The id of a threat target.
    pub fn target_id(&self, t: Target) -> &str {
        match t {
            Target::Component(c) => &self.component(c).id,
            Target::Flow(f) => &self.flow(f).id,
        }
    }

    /// The zones from `z` up to its top-level ancestor, `z` first.
    pub fn zone_chain(&self, z: ZoneId) -> impl Iterator<Item = ZoneId> + '_ {
        std::iter::successors(Some(z), |z| self.zone(*z).parent)
    }

    /// Whether an acceptance still holds on `today` (it holds through its expiry day).
    pub fn acceptance_valid(&self, a: AcceptanceId, today: Date) -> bool {
        self.acceptance(a).expires >= today
    }

    /// A threat's inherent risk: its likelihood and impact combined by the risk matrix
    /// ([`Level::combined`]); a missing one of the two stands in as the severity, so a
    /// threat with neither has its severity as its risk.
    pub fn risk(&self, t: ThreatId) -> Level {
        let threat = self.threat(t);
        Level::risk(threat.severity, threat.likelihood, threat.impact)
    }

    /// Whether a mitigation protects today: implemented or verified, and not
    /// contradicted by the elements it is on (see [`Mitigation::contradicted`]).
    pub fn is_effective(&self, m: MitigationId) -> bool {
        let m = self.mitigation(m);
        m.status.is_effective() && m.contradicted.is_empty()
    }

    /// The ids of the elements that contradict what mitigation `m` requires, when it
    /// claims to protect (implemented or verified); none for one still to do, whose
    /// requirements describe what will be true.
    pub fn contradicted_by(&self, m: MitigationId) -> Vec<&str> {
        let m = self.mitigation(m);
        if !m.status.is_effective() {
            return Vec::new();
        }
        m.contradicted
            .iter()
            .map(|(t, _)| self.target_id(*t))
            .collect()
    }

    /// The risk left once effective mitigations are counted: the inherent risk lowered by
    /// the largest `reduces` among its effective mitigations ([`Model::is_effective`]),
    /// never below low. Planned mitigations and acceptances do not lower it. (`today` is
    /// taken so that the answer is judged on the same day as [`Model::coverage`].)
    pub fn residual_risk(&self, t: ThreatId, _today: Date) -> Level {
        let reduces = self
            .threat(t)
            .mitigations
            .iter()
            .filter(|m| self.is_effective(**m))
            .map(|m| self.mitigation(*m).reduces)
            .max()
            .unwrap_or(0);
        self.risk(t).lowered(reduces)
    }

    /// How a threat is handled on `today`: the first that holds of not applicable,
    /// mitigated, accepted, planned, proposed only, acceptance expired, uncovered.
    pub fn coverage(&self, t: ThreatId, today: Date) -> Coverage {
        let threat = self.threat(t);
        if threat.not_applicable {
            return Coverage::NotApplicable;
        }
        if threat.mitigations.iter().any(|m| self.is_effective(*m)) {
            Coverage::Mitigated
        } else if threat
            .acceptances
            .iter()
            .any(|a| self.acceptance_valid(*a, today))
        {
            Coverage::Accepted
        } else if threat
            .mitigations
            .iter()
            .any(|m| self.mitigation(*m).status == Status::Planned)
        {
            Coverage::Planned
        } else if !threat.mitigations.is_empty() {
            Coverage::ProposedOnly
        } else if !threat.acceptances.is_empty() {
            Coverage::AcceptanceExpired
        } else {
            Coverage::Uncovered
        }
    }
}
