//! Code actions: the fixes the diagnostics already suggest, as edits. "Did you mean"
//! and "write `…`" hints replace the value they are about, a missing `name` or `title`
//! is added, and an uncovered or unmitigated threat can be accepted (an `[[acceptance]]` skeleton) or,
//! for a knowledge-base threat, marked not applicable (a `[[not-applicable]]` skeleton).
//! The skeletons leave the reasons to the author: they say `TODO`, which no review will
//! take for a justification.

use std::collections::HashMap;
use std::path::Path;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionResponse, Range, TextEdit,
    WorkspaceEdit,
};

use super::analysis::{Analysis, Published};
use super::text::path_to_uri;
use crate::diag::{Code, Location};
use crate::model::{Date, EntityRef};
use crate::source::{FileId, Span};

/// How long the acceptance skeleton runs: a quarter, to be shortened or renewed.
const ACCEPTANCE_DAYS: i64 = 90;

/// The fixes for the diagnostics of `path` that touch `range`.
// `WorkspaceEdit::changes` is keyed by `Uri`, whose parsed form caches data in a `Cell`;
// its hash and equality are those of the text, so the key cannot change in the map.
#[allow(clippy::mutable_key_type)]
pub fn code_actions(analysis: &Analysis, path: &Path, range: Range) -> Option<CodeActionResponse> {
    let published = analysis.diagnostics.get(path)?;
    let uri = path_to_uri(path)?;
    let mut out = Vec::new();
    for p in published {
        if p.lsp.range.end < range.start || range.end < p.lsp.range.start {
            continue;
        }
        for (title, edit) in fixes(analysis, p) {
            let mut changes = HashMap::new();
            changes.insert(uri.clone(), vec![edit]);
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![p.lsp.clone()]),
                edit: Some(WorkspaceEdit::new(changes)),
                ..CodeAction::default()
            }));
        }
    }
    Some(out)
}

/// The words between backticks of a text.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The edits that fix one diagnostic, each with its title.
fn fixes(analysis: &Analysis, p: &Published) -> Vec<(String, TextEdit)> {
    let Location::Span(span) = p.source.location else {
        return Vec::new();
    };
    let d = &p.source;
    let mut out = Vec::new();
    for help in &d.help {
        let replacements = if let Some(rest) = help.strip_prefix("did you mean") {
            quoted(rest)
        } else if let Some(rest) = help.strip_prefix("write ") {
            quoted(rest).into_iter().take(1).collect()
        } else {
            Vec::new()
        };
        let range = value_range(analysis, span);
        let old = analysis
            .text(span.file)
            .get(range.clone())
            .unwrap_or_default();
        for new in replacements {
            out.push((
                format!("Replace `{old}` with `{new}`"),
                TextEdit::new(
                    analysis.lines(span.file).range(range.clone()),
                    new.to_string(),
                ),
            ));
        }
    }
    if d.code == Code::MissingField
        && let Some(key) = quoted(&d.message).first()
        && matches!(*key, "name" | "title")
    {
        out.extend(add_key(analysis, span, key));
    }
    if matches!(d.code, Code::UncoveredThreat | Code::UnmitigatedThreat) {
        out.extend(skeletons(analysis, span.file, &d.message));
    }
    out
}

/// The bytes of a span without the quotes of a string value.
fn value_range(analysis: &Analysis, span: Span) -> std::ops::Range<usize> {
    let range = span.range();
    let text = analysis.text(span.file).get(range.clone()).unwrap_or("");
    let quote = |c: char| c == '"' || c == '\'';
    if text.len() >= 2 && text.starts_with(quote) && text.ends_with(quote) {
        range.start + 1..range.end - 1
    } else {
        range
    }
}

/// `key = "…"` added as the first key of the table `span` covers, its value made from
/// the table's id (`api-gateway` gives `Api gateway`).
fn add_key(analysis: &Analysis, span: Span, key: &str) -> Option<(String, TextEdit)> {
    let lines = analysis.lines(span.file);
    let first = lines.line_number(span.start as usize);
    let (_, header) = lines.line(first)?;
    // Below the `[[kind]]` header, or at the table's first line.
    let at = if header.trim_start().starts_with('[') {
        first + 1
    } else {
        first
    };
    // The table's `id`, from its lines up to the next header.
    let id = (at..)
        .map_while(|n| lines.line(n).map(|(_, l)| l))
        .take_while(|l| !l.trim_start().starts_with('['))
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == "id").then(|| v.trim().trim_matches(['"', '\'']).to_string())
        });
    let value = id.map(|id| sentence_case(&id)).unwrap_or_default();
    let position = lsp_types::Position::new(at as u32, 0);
    Some((
        format!("Add `{key} = \"{value}\"`"),
        TextEdit::new(
            Range::new(position, position),
            format!("{key} = \"{}\"\n", value.replace('"', "\\\"")),
        ),
    ))
}

/// `api-gateway` → `Api gateway`.
fn sentence_case(id: &str) -> String {
    let words = id.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `[[acceptance]]` and, for knowledge-base threats, `[[not-applicable]]` skeletons for
/// the threats an `uncovered-threat` message names, appended to the file.
fn skeletons(analysis: &Analysis, file: FileId, message: &str) -> Vec<(String, TextEdit)> {
    let Some(model) = analysis.project.model.as_ref() else {
        return Vec::new();
    };
    let text = analysis.text(file);
    let end = analysis.lines(file).position(text.len());
    let lead = if text.is_empty() || text.ends_with("\n\n") {
        ""
    } else if text.ends_with('\n') {
        "\n"
    } else {
        "\n\n"
    };
    let append = |title: String, body: String| {
        (
            title,
            TextEdit::new(Range::new(end, end), format!("{lead}{body}")),
        )
    };
    let expires =
        Date::from_unix_seconds((analysis.today.days_since_epoch() + ACCEPTANCE_DAYS) * 86_400);
    let mut out = Vec::new();
    for id in quoted(message) {
        let Some(EntityRef::Threat(t)) = model.lookup(id) else {
            continue;
        };
        let threat = model.threat(t);
        if let (Some(p), [target]) = (threat.pattern, threat.targets.as_slice()) {
            let pattern = &model.pattern(p).id;
            let element = model.target_id(*target);
            out.push(append(
                format!("Mark `{pattern}` not applicable to `{element}`"),
                format!(
                    "[[not-applicable]]\nelement = \"{element}\"\npattern = \"{pattern}\"\njustification = \"TODO: why this threat cannot happen here\"\n"
                ),
            ));
        }
        out.push(append(
            format!("Accept `{}` until {expires}", threat.id),
            format!(
                "[[acceptance]]\nthreat = \"{}\"\njustification = \"TODO: why the risk is acceptable for now\"\napproved_by = \"TODO\"\nexpires = {expires}\n",
                threat.id
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles_and_edits(model: &str) -> Vec<(String, TextEdit)> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("threatbook.toml"),
            "[project]\nname = \"M\"\n",
        )
        .unwrap();
        let path = dir.path().join("model.toml");
        std::fs::write(&path, model).unwrap();
        let today = Date::new(2026, 12, 1).unwrap();
        let analysis = Analysis::new(dir.path(), &crate::load::Overlay::new(), today);
        analysis.diagnostics[&path]
            .iter()
            .flat_map(|p| fixes(&analysis, p))
            .collect()
    }

    #[test]
    fn a_misspelt_key_is_replaced_and_a_missing_name_added_below_the_header() {
        let fixes = titles_and_edits(
            "[[zone]]\nid = \"z\"\nname = \"Z\"\ntrust = 1\n\n\
             [[component]]\nid = \"api-gateway\"\nkind = \"process\"\nzone = \"z\"\n\n\
             [[component]]\nid = \"db\"\nnmae = \"DB\"\nkind = \"data-store\"\nzone = \"z\"\n",
        );
        let add = fixes
            .iter()
            .find(|(t, _)| t == "Add `name = \"Api gateway\"`")
            .unwrap_or_else(|| panic!("{fixes:?}"));
        // Line 5 (from 0) is the `[[component]]` header: the name goes below it.
        assert_eq!(add.1.range.start, lsp_types::Position::new(6, 0));
        assert_eq!(add.1.new_text, "name = \"Api gateway\"\n");
        let rename = fixes
            .iter()
            .find(|(t, _)| t == "Replace `nmae` with `name`")
            .unwrap_or_else(|| panic!("{fixes:?}"));
        assert_eq!(rename.1.range.start, lsp_types::Position::new(12, 0));
        assert_eq!(rename.1.new_text, "name");
    }

    #[test]
    fn backticked_words_and_sentence_case() {
        assert_eq!(quoted(" `a`, `b` or `c`?"), ["a", "b", "c"]);
        assert_eq!(sentence_case("api-gateway"), "Api gateway");
    }
}
