//! The model being written by an importer: threatbook's entities with plain string
//! ids, where each came from, and notes on what was lost; plus the id maker that keeps
//! ids kebab-case and unique across the model.
//!
//! Importers fill a [`Draft`]; `toml_text` formats it. Nothing here reads or writes files.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::SourceFormat;
use crate::load::raw::to_kebab_case;
use crate::model::{
    Actor, Category, Classification, ComponentKind, Date, Decision, Level, Severity, Status,
};

/// Ids made from names are cut to this many characters (at a hyphen when possible).
pub const MAX_ID_LEN: usize = 64;

/// Makes kebab-case ids that are unique across the whole model.
#[derive(Debug, Default)]
pub struct Ids {
    /// Every id made, with the kind of entity it was made for.
    used: HashMap<String, String>,
}

impl Ids {
    /// An id for an entity of `kind` ("zone", "threat" …) whose source id or name is
    /// `source`: its kebab-case form when that is free; when an entity of another kind
    /// has it, prefixed with the kind; when one of the same kind has it (two flows both
    /// named "Data flow"), numbered: `data-flow-2`.
    pub fn make(&mut self, kind: &str, source: &str) -> String {
        let mut base = to_kebab_case(source);
        if base.len() > MAX_ID_LEN {
            let cut = base[..MAX_ID_LEN].rfind('-').unwrap_or(MAX_ID_LEN);
            base.truncate(cut);
        }
        let same_kind = self.used.get(&base).is_some_and(|k| k == kind);
        let candidates = if base.is_empty() {
            vec![kind.to_string()]
        } else if base.starts_with(kind) || same_kind {
            vec![base.clone()]
        } else {
            vec![base.clone(), format!("{kind}-{base}")]
        };
        for c in &candidates {
            if !self.used.contains_key(c) {
                self.used.insert(c.clone(), kind.to_string());
                return c.clone();
            }
        }
        let last = candidates.last().cloned().unwrap_or_default();
        let id = (2..)
            .map(|n| format!("{last}-{n}"))
            .find(|c| !self.used.contains_key(c))
            .unwrap_or(last);
        self.used.insert(id.clone(), kind.to_string());
        id
    }

    /// Whether `id` is taken already.
    pub fn is_used(&self, id: &str) -> bool {
        self.used.contains_key(id)
    }
}

/// Where an entity came from, for the comment above it.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// The JSON/YAML path of the source object.
    pub path: String,
    /// The source id, when it differs from the threatbook id.
    pub source_id: Option<String>,
    /// What could not be carried over for this entity; written as `# note:` lines.
    pub notes: Vec<String>,
}

impl Origin {
    pub fn new(path: impl Into<String>) -> Self {
        Origin {
            path: path.into(),
            ..Origin::default()
        }
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }
}

#[derive(Clone, Debug, Default)]
pub struct DraftProject {
    pub name: String,
    pub version: Option<String>,
    pub owners: Vec<String>,
    pub description: Option<String>,
    pub objective: Option<String>,
    pub scope: Option<String>,
    pub methodology: Option<String>,
    pub conclusion: Option<String>,
}

#[derive(Clone, Debug)]
pub struct DraftZone {
    pub id: String,
    pub name: String,
    pub trust: u8,
    pub inside: Option<String>,
    pub description: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct DraftComponent {
    pub id: String,
    pub name: String,
    pub kind: ComponentKind,
    pub zone: String,
    pub technology: Option<String>,
    pub tags: Vec<String>,
    pub actor: Option<Actor>,
    pub description: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct DraftAsset {
    pub id: String,
    pub name: String,
    pub classification: Classification,
    pub description: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct DraftFlow {
    pub id: String,
    pub name: String,
    pub from: String,
    pub to: String,
    pub protocol: Option<String>,
    pub data: Vec<String>,
    pub encrypted: bool,
    pub authenticated: bool,
    pub description: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct DraftThreat {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub severity: Severity,
    pub likelihood: Option<Level>,
    pub impact: Option<Level>,
    pub targets: Vec<String>,
    pub cwe: Vec<u32>,
    pub capec: Vec<u32>,
    pub description: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct DraftMitigation {
    pub id: String,
    pub title: String,
    pub mitigates: Vec<String>,
    pub status: Status,
    /// `None`: not written, the format's default.
    pub reduces: Option<u8>,
    /// Written when it requires anything.
    pub requires: crate::kinds::Requires,
    pub owner: Option<String>,
    pub references: Vec<String>,
    pub description: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct DraftAcceptance {
    pub threat: String,
    pub justification: String,
    pub approved_by: String,
    pub expires: Date,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct DraftReview {
    pub reviewer: String,
    pub date: Date,
    pub scope: Option<String>,
    pub decision: Decision,
    pub notes: Option<String>,
    /// The state of the model it approved, kept as it was written (the imported files
    /// are other files, so it approves them only if nothing but reviews differs).
    pub state: Option<crate::kinds::ModelState>,
    pub origin: Origin,
}

/// A `[[not-applicable]]`: a STRIDE category or a knowledge-base pattern.
#[derive(Clone, Debug)]
pub struct DraftNotApplicable {
    pub element: String,
    pub category: Option<Category>,
    pub pattern: Option<String>,
    pub justification: String,
    pub origin: Origin,
}

/// A `[[mitigation-status]]` for a knowledge-base mitigation on some elements.
#[derive(Clone, Debug)]
pub struct DraftMitigationStatus {
    pub mitigation: String,
    pub elements: Vec<String>,
    pub status: Status,
    pub owner: Option<String>,
    pub evidence: Vec<String>,
    pub origin: Origin,
}

/// The manifest's `[knowledge]`.
#[derive(Clone, Debug, Default)]
pub struct DraftKnowledge {
    /// `bases`, as the source names them.
    pub bases: Vec<String>,
    /// `[knowledge.trust-levels]`: (level, min, max), only where not the default.
    pub trust_levels: Vec<(String, u8, u8)>,
}

/// A threatbook model being written from another tool's file.
#[derive(Clone, Debug)]
pub struct Draft {
    /// The file it was read from, as given (named in the header comment).
    pub source: PathBuf,
    pub format: SourceFormat,
    pub project: DraftProject,
    pub zones: Vec<DraftZone>,
    pub components: Vec<DraftComponent>,
    pub assets: Vec<DraftAsset>,
    pub flows: Vec<DraftFlow>,
    pub threats: Vec<DraftThreat>,
    pub mitigations: Vec<DraftMitigation>,
    pub acceptances: Vec<DraftAcceptance>,
    pub reviews: Vec<DraftReview>,
    pub not_applicable: Vec<DraftNotApplicable>,
    pub mitigation_status: Vec<DraftMitigationStatus>,
    /// `None`: the model names no knowledge bases.
    pub knowledge: Option<DraftKnowledge>,
    /// Model-wide notes: what could not be carried over, what was inferred.
    pub notes: Vec<String>,
}

impl Draft {
    pub fn new(source: &Path, format: SourceFormat) -> Self {
        Draft {
            source: source.to_path_buf(),
            format,
            project: DraftProject::default(),
            zones: Vec::new(),
            components: Vec::new(),
            assets: Vec::new(),
            flows: Vec::new(),
            threats: Vec::new(),
            mitigations: Vec::new(),
            acceptances: Vec::new(),
            reviews: Vec::new(),
            not_applicable: Vec::new(),
            mitigation_status: Vec::new(),
            knowledge: None,
            notes: Vec::new(),
        }
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// Every entity with notes of its own: (kind, id or what names it, origin).
    pub fn entity_notes(&self) -> Vec<(&'static str, &str, &Origin)> {
        let mut out: Vec<(&'static str, &str, &Origin)> = Vec::new();
        out.extend(
            self.zones
                .iter()
                .map(|x| ("zone", x.id.as_str(), &x.origin)),
        );
        out.extend(
            self.components
                .iter()
                .map(|x| ("component", x.id.as_str(), &x.origin)),
        );
        out.extend(
            self.assets
                .iter()
                .map(|x| ("asset", x.id.as_str(), &x.origin)),
        );
        out.extend(
            self.flows
                .iter()
                .map(|x| ("flow", x.id.as_str(), &x.origin)),
        );
        out.extend(
            self.threats
                .iter()
                .map(|x| ("threat", x.id.as_str(), &x.origin)),
        );
        out.extend(
            self.mitigations
                .iter()
                .map(|x| ("mitigation", x.id.as_str(), &x.origin)),
        );
        out.extend(
            self.acceptances
                .iter()
                .map(|x| ("acceptance of", x.threat.as_str(), &x.origin)),
        );
        out.extend(
            self.mitigation_status
                .iter()
                .map(|x| ("status of", x.mitigation.as_str(), &x.origin)),
        );
        out.retain(|(_, _, o)| !o.notes.is_empty());
        out
    }

    /// How many notes the import made, model-wide and on entities.
    pub fn note_count(&self) -> usize {
        self.notes.len()
            + self
                .entity_notes()
                .iter()
                .map(|(_, _, o)| o.notes.len())
                .sum::<usize>()
    }

    /// Drops threats left without targets (threatbook requires one) and references to
    /// them, with a note for each.
    pub fn drop_untargeted_threats(&mut self) {
        let mut dropped = HashSet::new();
        let mut notes = Vec::new();
        self.threats.retain(|t| {
            if t.targets.is_empty() {
                notes.push(format!(
                    "threat `{}` ({}, from {}) applies to no component or flow that was imported, so it was left out",
                    t.title, t.id, t.origin.path
                ));
                dropped.insert(t.id.clone());
                false
            } else {
                true
            }
        });
        self.notes.extend(notes);
        for m in &mut self.mitigations {
            m.mitigates.retain(|t| !dropped.contains(t));
        }
        self.acceptances.retain(|a| !dropped.contains(&a.threat));
    }

    /// Entity counts, for the CLI's summary line.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        [
            ("zones", self.zones.len()),
            ("components", self.components.len()),
            ("assets", self.assets.len()),
            ("flows", self.flows.len()),
            ("threats", self.threats.len()),
            ("mitigations", self.mitigations.len()),
            ("acceptances", self.acceptances.len()),
            ("reviews", self.reviews.len()),
            ("not-applicable marks", self.not_applicable.len()),
        ]
        .into_iter()
        // Only OTM written by threatbook has these: the others' summaries stay short.
        .filter(|(what, n)| *n > 0 || !matches!(*what, "reviews" | "not-applicable marks"))
        .collect()
    }
}

/// Maps a source id to the threatbook id made for it, per kind of entity.
#[derive(Debug, Default)]
pub struct IdMap {
    map: HashMap<String, String>,
}

impl IdMap {
    pub fn insert(&mut self, source: &str, id: &str) -> bool {
        self.map
            .insert(source.to_string(), id.to_string())
            .is_none()
    }

    pub fn get(&self, source: &str) -> Option<&str> {
        self.map.get(source).map(String::as_str)
    }
}

/// The first entry, in order, whose chain of `parent` links runs into a loop, if any.
/// Each entry is walked once: linear in the number of entries, whatever the depth.
pub fn first_on_a_loop(parent: &[Option<usize>]) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark = vec![Mark::New; parent.len()];
    let mut path = Vec::new();
    for start in 0..parent.len() {
        let mut at = Some(start);
        let mut looped = false;
        while let Some(i) = at.filter(|i| *i < parent.len()) {
            match mark[i] {
                Mark::Done => break,
                Mark::OnPath => {
                    looped = true;
                    break;
                }
                Mark::New => {
                    mark[i] = Mark::OnPath;
                    path.push(i);
                    at = parent[i];
                }
            }
        }
        if looped {
            return Some(start);
        }
        for i in path.drain(..) {
            mark[i] = Mark::Done;
        }
    }
    None
}

#[cfg(test)]
mod loop_tests {
    use super::first_on_a_loop;

    #[test]
    fn finds_the_first_entry_that_runs_into_a_loop() {
        assert_eq!(first_on_a_loop(&[None, Some(0), Some(1)]), None);
        assert_eq!(first_on_a_loop(&[None, Some(2), Some(1)]), Some(1));
        // An entry leading into a loop is reported first, as its chain never ends.
        assert_eq!(first_on_a_loop(&[Some(1), Some(2), Some(1)]), Some(0));
        assert_eq!(first_on_a_loop(&[Some(0)]), Some(0));
        // A chain of 100,000 is walked once.
        let chain: Vec<Option<usize>> = (0..100_000usize).map(|i| i.checked_sub(1)).collect();
        assert_eq!(first_on_a_loop(&chain), None);
    }
}
