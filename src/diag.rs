//! Coded diagnostics: every problem threatbook reports, from a TOML syntax error to an
//! uncovered threat, is a [`Diagnostic`] with a stable kebab-case [`Code`].
//!
//! Stages push diagnostics into a [`Diagnostics`] collector and go on, so one run reports
//! every problem. This module knows nothing about terminals or exit codes: the CLI decides
//! how to print a diagnostic (`codespan-reporting` or JSON) and what it means for the exit
//! status. Codes are part of the public contract (users suppress and search for them), so
//! they are never renamed; a test keeps them unique.

use std::path::PathBuf;

use serde::Serialize;

use crate::source::{Sources, Span};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Information that changes nothing by itself (a near miss of a pattern).
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The stage a code belongs to. A model with load errors cannot be checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Reading files, parsing TOML, reading entities and resolving references.
    Load,
    /// The cross-check rules that run on a resolved model.
    Check,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $stage:ident, $severity:ident, $summary:literal; )*) => {
        /// Every diagnostic code threatbook can report.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// All codes, in documentation order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable kebab-case name users see and search for.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The severity a diagnostic with this code has.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            pub fn stage(self) -> Stage {
                match self { $( Code::$variant => Stage::$stage, )* }
            }

            /// One line on what the code means and how to resolve it.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }
        }
    };
}

codes! {
    /// The model path does not exist or is not a folder.
    ModelNotFound = "model-not-found", Load, Error,
        "The path given is not a folder holding a model: pass the folder that contains threatbook.toml.";
    /// The model folder has no `threatbook.toml`.
    MissingManifest = "missing-manifest", Load, Error,
        "A model folder needs a threatbook.toml manifest with a [project] table; `threatbook init` writes one.";
    /// A file or folder could not be read.
    IoError = "io-error", Load, Error,
        "A file or folder of the model could not be read (permissions, a broken link, or a device error).";
    /// A file is not valid UTF-8.
    NotUtf8 = "not-utf8", Load, Error,
        "TOML files must be UTF-8; re-save the file as UTF-8.";
    /// A symbolic link leads back to a folder that is already being read.
    SymlinkLoop = "symlink-loop", Load, Error,
        "A symbolic link points at one of its own parent folders; the loop is skipped. Remove the link.";
    /// A file, string, nesting or count beyond threatbook's input limits.
    InputLimit = "input-limit", Load, Error,
        "An input is far beyond any real model (file size, string length, key nesting, number of files, entities or knowledge-base instances); docs/format.md lists the limits.";
    /// The TOML itself does not parse.
    TomlSyntax = "toml-syntax", Load, Error,
        "The file is not valid TOML; the caret shows where the parser gave up.";
    /// A key that the format does not define.
    UnknownField = "unknown-field", Load, Error,
        "A key that the format does not define, often a typo; the hint names the closest known key.";
    /// A required key is absent.
    MissingField = "missing-field", Load, Error,
        "An entity lacks a key the format requires, such as `id` or `name`.";
    /// A value has the wrong TOML type.
    InvalidType = "invalid-type", Load, Error,
        "A value has the wrong TOML type, such as a number where a string is expected.";
    /// A value is outside what the field allows (enum values, ranges, empty lists).
    InvalidValue = "invalid-value", Load, Error,
        "A value is not one of those the field allows; the message lists them.";
    /// An id that is not kebab-case.
    InvalidId = "invalid-id", Load, Error,
        "Ids are kebab-case: lower-case letters and digits separated by single hyphens, such as `api-gateway`.";
    /// Two entities share one id.
    DuplicateId = "duplicate-id", Load, Error,
        "Ids are unique across the whole model, whatever the kind of entity; rename one of the two.";
    /// A reference names an id that no entity of the right kind has.
    DanglingReference = "dangling-reference", Load, Error,
        "A reference names an id that does not exist (or is of another kind); the hint names the closest ids.";
    /// A flow starts or ends at a component that does not exist.
    UnknownFlowEndpoint = "unknown-flow-endpoint", Load, Error,
        "A flow's `from` or `to` names no component of the model.";
    /// Zones whose `inside` links form a loop.
    ZoneCycle = "zone-cycle", Load, Error,
        "Zones nest with `inside`, and a zone cannot end up inside itself.";
    /// The manifest names a knowledge base that does not exist.
    UnknownKnowledgeBase = "unknown-knowledge-base", Load, Error,
        "`[knowledge] bases` names a knowledge base that is neither bundled (`threatbook kb list`) nor a folder with a kb.toml, or names one twice.";
    /// A knowledge-base selector that cannot mean what it says.
    InvalidSelector = "invalid-selector", Load, Error,
        "A pattern's `applies-to` uses a condition of the other element kind (a component key in a flow selector, or the reverse) or a trust range no zone can meet.";
    /// A not-applicable mark for a pattern that no longer applies to the element.
    StaleNotApplicable = "stale-not-applicable", Check, Warning,
        "A [[not-applicable]] names a pattern whose selector does not match the element (any more): remove the mark.";
    /// A model without components.
    EmptyModel = "empty-model", Check, Warning,
        "The model has no components, so there is nothing to check or draw.";
    /// A threat with neither a mitigation nor a valid acceptance.
    UncoveredThreat = "uncovered-threat", Check, Error,
        "A threat that no mitigation addresses and no unexpired acceptance covers (state uncovered or acceptance expired).";
    /// A threat whose mitigations are all still to be done.
    UnmitigatedThreat = "unmitigated-threat", Check, Warning,
        "A threat with mitigations, none of them implemented or verified yet (state planned or proposed only); an error for the states `check --require` does not accept.";
    /// A risk acceptance past its expiry date.
    ExpiredAcceptance = "expired-acceptance", Check, Error,
        "A risk acceptance has expired; renew it with a new date or mitigate the threat.";
    /// A risk acceptance that expires soon.
    ExpiringAcceptance = "expiring-acceptance", Check, Warning,
        "A risk acceptance ends within the expiry window (30 days unless `check --expiry-window DAYS` says otherwise); renew it or plan the mitigation before it lapses.";
    /// An implemented or verified mitigation whose requirement the model contradicts.
    ContradictedMitigation = "contradicted-mitigation", Check, Error,
        "A mitigation is implemented or verified, but it requires something (`requires = { encrypted = true }`) that an element it is on does not have; it does not count as mitigating until the model and the claim agree.";
    /// A flow across a trust boundary without encryption or authentication.
    UnprotectedBoundaryCrossing = "unprotected-boundary-crossing", Check, Warning,
        "A flow into a more trusted zone, or carrying confidential or restricted data between zones, is not both encrypted and authenticated.";
    /// An element missing a STRIDE category that applies to its kind (opt-in).
    StrideCoverage = "stride-coverage", Check, Warning,
        "An element lacks a threat for a STRIDE category that applies to its kind (reported under --stride-coverage); add one, or a [[not-applicable]] with a justification.";
    /// A component that takes part in no flow.
    OrphanComponent = "orphan-component", Check, Warning,
        "A component with no flows in or out: connect it, or remove it from the model.";
    /// A mitigation that addresses nothing.
    UnusedMitigation = "unused-mitigation", Check, Warning,
        "A mitigation whose `mitigates` list is empty: link it to the threats it addresses.";
    /// A knowledge-base pattern an element misses by one condition a small edit meets.
    NearMiss = "near-miss", Check, Note,
        "A knowledge-base pattern would apply to the element but for one condition, one a small edit meets (a tag close to a vocabulary word, a technology word inside another word, a missing role tag); the help gives the edit.";
    /// Under `check --require-review`: no approval of the model as it is.
    ReviewRequired = "review-required", Check, Error,
        "Under `check --require-review`, the latest [[review]] approval must record the model's current `state` (`threatbook review` writes it); an approval without `state` must be dated on or after the model's last change (git commit date, or today when it has uncommitted changes).";
}

impl Code {
    /// Looks a code up by its kebab-case name.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a diagnostic points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A range inside a file that was read.
    Span(Span),
    /// A whole file or folder (one that could not be read, for example).
    Path(PathBuf),
}

/// One problem found in a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    /// Text shown under the primary location.
    pub label: String,
    /// Other places that explain the problem (the first definition of a duplicate id).
    pub related: Vec<(Span, String)>,
    /// Hints: "did you mean", allowed values, how to fix it.
    pub help: Vec<String>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>, location: Location) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            location,
            label: String::new(),
            related: Vec::new(),
            help: Vec::new(),
        }
    }

    pub fn at(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(code, message, Location::Span(span))
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// The sort key that makes output order independent of discovery order.
    fn sort_key(&self) -> (u8, Option<Span>, Option<&PathBuf>, Code, &str) {
        match &self.location {
            Location::Path(p) => (0, None, Some(p), self.code, &self.message),
            Location::Span(s) => (1, Some(*s), None, self.code, &self.message),
        }
    }

    /// File, line and column, where the diagnostic has a position.
    pub fn position<'s>(&'s self, sources: &'s Sources) -> (String, Option<usize>, Option<usize>) {
        match &self.location {
            Location::Path(p) => (p.display().to_string(), None, None),
            Location::Span(span) => {
                let (path, line, col) = sources.locate(*span);
                (path.display().to_string(), Some(line), Some(col))
            }
        }
    }
}

/// A diagnostic with its position resolved to file, line and column (one-based, the
/// column in characters): the shape `check --format json` and the JSON export use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub help: Vec<String>,
    pub related: Vec<JsonRelated>,
}

/// Another place that explains a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct JsonRelated {
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// Resolves a diagnostic's spans into file, line and column.
pub fn json_diagnostic(sources: &Sources, d: &Diagnostic) -> JsonDiagnostic {
    let (file, line, column) = d.position(sources);
    let (end_line, end_column) = match &d.location {
        Location::Span(s) => {
            let (l, c) = sources.get(s.file).line_col(s.end as usize);
            (Some(l), Some(c))
        }
        Location::Path(_) => (None, None),
    };
    JsonDiagnostic {
        code: d.code.as_str(),
        severity: d.severity.as_str(),
        message: d.message.clone(),
        file,
        line,
        column,
        end_line,
        end_column,
        help: d.help.clone(),
        related: d
            .related
            .iter()
            .map(|(span, message)| {
                let (path, line, column) = sources.locate(*span);
                JsonRelated {
                    message: message.clone(),
                    file: path.display().to_string(),
                    line,
                    column,
                }
            })
            .collect(),
    }
}

/// Collects diagnostics from every stage.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Adds every diagnostic of `other`, in its order.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Sets the severity of every diagnostic pushed after the first `since`.
    pub fn raise_since(&mut self, since: usize, severity: Severity) {
        for d in self.items.iter_mut().skip(since) {
            d.severity = severity;
        }
    }

    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.items
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Sorts by file position, so output is the same whatever order the rules ran in.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

/// Words longer than this get no "did you mean": no id is that long by mistake, and an
/// edit distance costs the product of the two lengths.
const SUGGEST_MAX_CHARS: usize = 128;

/// The ids in `candidates` closest to `word`, best first: the "did you mean" of a hint.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let word_len = word.chars().count();
    if word_len > SUGGEST_MAX_CHARS {
        return Vec::new();
    }
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let c_len = c.chars().count();
            if c_len > SUGGEST_MAX_CHARS {
                return None;
            }
            let shares_prefix =
                c.len() >= 4 && word.len() >= 4 && (c.starts_with(word) || word.starts_with(c));
            let limit = (word_len.max(c_len) / 3).max(1);
            // The distance is at least the difference in length: most candidates are
            // ruled out without computing it.
            if !shares_prefix && word_len.abs_diff(c_len) > limit {
                return None;
            }
            // Case differences cost nothing (`STRIDE` finds `stride`), but an exact
            // match of the letters ranks before one that differs only in case.
            let d = strsim::damerau_levenshtein(&word.to_lowercase(), &c.to_lowercase());
            let exact = usize::from(d == 0 && word != c);
            (d <= limit || shares_prefix).then_some((d + exact, c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// A reference to an id that no candidate has: "`field` names `x`, but no {wanted} has
/// that id", with the closest candidates as a hint.
pub fn unknown_reference<'a>(
    code: Code,
    r: &crate::source::Sp<String>,
    field: &str,
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Diagnostic {
    let mut close = suggest(&r.value, candidates);
    close.sort();
    let d = Diagnostic::at(
        code,
        r.span,
        format!("`{field}` names `{}`, but no {wanted} has that id", r.value),
    )
    .with_label(format!("unknown {wanted}"));
    if close.is_empty() {
        d
    } else {
        d.with_help(format!("did you mean {}?", quoted_list(&close)))
    }
}

#[cfg(test)]
mod suggest_tests {
    use super::suggest;

    #[test]
    fn close_ids_are_suggested_and_far_or_huge_ones_are_not() {
        let ids = ["backend", "frontend", "database"];
        assert_eq!(suggest("bakend", ids), ["backend"]);
        assert!(suggest("x", ids).is_empty());
        // A 50,000-character reference is compared with nothing (it took seconds per
        // reference against thousands of ids).
        let huge = "b".repeat(50_000);
        assert!(suggest(&huge, ids).is_empty());
        assert!(suggest("backend", [huge.as_str()]).is_empty());
    }
}

/// "1 path", "2 paths": a count with its noun, in the plural unless it is one. Nouns
/// whose plural is not the singular with an `s` give it as `many`.
pub fn count(n: usize, one: &str) -> String {
    count_as(n, one, &format!("{one}s"))
}

/// [`count`] with an irregular plural ("1 entry", "2 entries").
pub fn count_as(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "`a`, `b` or `c`" for messages.
/// `a zone`, `an asset`: a noun with its indefinite article.
pub fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

pub fn quoted_list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{}`", s.as_ref())).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "code {name} is used twice");
            assert!(
                crate::load::raw::is_kebab_case(name),
                "code {name} is not kebab-case"
            );
            assert_eq!(Code::from_name(name), Some(*code));
            assert!(
                code.summary().ends_with('.'),
                "summary of {name} is not a sentence"
            );
        }
    }

    #[test]
    fn suggestions_find_typos_and_ignore_unrelated_words() {
        let known = ["name", "title", "description", "technology"];
        assert_eq!(suggest("nmae", known), vec!["name"]);
        assert_eq!(suggest("descripton", known), vec!["description"]);
        assert_eq!(suggest("tech", known), vec!["technology"]);
        assert!(suggest("zzzzzz", known).is_empty());
        // A difference of case only is the closest of all.
        assert_eq!(
            suggest("STRIDE", ["stride", "strider"]),
            vec!["stride", "strider"]
        );
        assert_eq!(suggest("Name", known), vec!["name"]);
    }

    #[test]
    fn counts_are_singular_only_for_one() {
        assert_eq!(count(0, "path"), "0 paths");
        assert_eq!(count(1, "path"), "1 path");
        assert_eq!(count(2, "error"), "2 errors");
        assert_eq!(count_as(1, "entry", "entries"), "1 entry");
        assert_eq!(count_as(3, "entry", "entries"), "3 entries");
    }

    #[test]
    fn quoted_list_reads_as_english() {
        assert_eq!(quoted_list(&["a"]), "`a`");
        assert_eq!(quoted_list(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
