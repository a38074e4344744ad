//! Completion: which values fit where the cursor is, read from the line being typed
//! (which need not parse yet) and the table it is in. Ids come filtered by the kind the
//! key refers to, enum keys offer their values, and `technology` and `tags` the words
//! of the knowledge bases' vocabularies.

use std::path::Path;

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionResponse, CompletionTextEdit, Position, TextEdit,
};

use super::analysis::{Analysis, Space};
use super::text::Lines;
use crate::model::{
    Actor, Category, Choice, Classification, ComponentKind, Decision, Level, Severity, Status,
    WordField,
};

/// What a key's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wanted {
    /// Ids declared in these entity tables.
    Ids(&'static [&'static str]),
    /// Threat ids, knowledge-base instances included.
    Threats,
    Patterns,
    KbMitigations,
    Choice(Enum),
    Words(WordField),
}

/// The closed sets of values a key may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Enum {
    ComponentKind,
    Actor,
    Category,
    Severity,
    Level,
    Status,
    Classification,
    Decision,
}

fn names<T: Choice>() -> Vec<(&'static str, &'static str)> {
    T::ALL.iter().map(|(n, _)| (*n, T::WHAT)).collect()
}

/// Every value of an enum, with what the value is called.
fn values(e: Enum) -> Vec<(&'static str, &'static str)> {
    match e {
        Enum::ComponentKind => names::<ComponentKind>(),
        Enum::Actor => names::<Actor>(),
        Enum::Category => names::<Category>(),
        Enum::Severity => names::<Severity>(),
        Enum::Level => names::<Level>(),
        Enum::Status => names::<Status>(),
        Enum::Classification => names::<Classification>(),
        Enum::Decision => names::<Decision>(),
    }
}

/// What the key `key` of a `[[table]]` takes.
fn wanted(table: &str, key: &str) -> Option<Wanted> {
    use Wanted::*;
    Some(match (table, key) {
        ("component", "zone") | ("zone", "inside") => Ids(&["zone"]),
        ("flow", "from" | "to") => Ids(&["component"]),
        ("flow", "data") => Ids(&["asset"]),
        ("threat", "targets")
        | ("not-applicable", "element")
        | ("mitigation-status", "elements") => Ids(&["component", "flow"]),
        ("mitigation", "mitigates") | ("acceptance", "threat") => Threats,
        ("not-applicable", "pattern") => Patterns,
        ("mitigation-status", "mitigation") => KbMitigations,
        ("component", "kind") => Choice(Enum::ComponentKind),
        ("component", "actor") => Choice(Enum::Actor),
        ("component", "technology") => Words(WordField::Technology),
        ("component", "tags") => Words(WordField::Tags),
        (_, "category") => Choice(Enum::Category),
        (_, "severity") => Choice(Enum::Severity),
        (_, "likelihood" | "impact") => Choice(Enum::Level),
        (_, "status") => Choice(Enum::Status),
        ("asset", "classification") => Choice(Enum::Classification),
        ("review", "decision") => Choice(Enum::Decision),
        _ => return None,
    })
}

/// The completions at a position of a model file.
pub fn complete(
    analysis: &Analysis,
    path: &Path,
    position: Position,
) -> Option<CompletionResponse> {
    let file = analysis.file(path)?;
    let lines = analysis.lines(file);
    let offset = lines.offset(position);
    let n = lines.line_number(offset);
    let (line_start, line) = lines.line(n)?;
    let before = line.get(..offset.checked_sub(line_start)?)?;
    let word_start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '-' | '@' | '_' | '.')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let quoted = matches!(before[..word_start].chars().last(), Some('"' | '\''));
    let (table, key) = context(&lines, n, before)?;
    let wanted = wanted(&table, &key)?;
    let range = lines.range(line_start + word_start..offset);
    let space = if before[..word_start].ends_with('=') {
        " "
    } else {
        ""
    };
    let item = |label: String, detail: String, kind: CompletionItemKind| CompletionItem {
        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
            range,
            if quoted {
                label.clone()
            } else {
                format!("{space}\"{label}\"")
            },
        ))),
        filter_text: Some(label.clone()),
        label,
        detail: Some(detail),
        kind: Some(kind),
        ..CompletionItem::default()
    };
    let model = analysis.project.model.as_ref();
    let mut items: Vec<CompletionItem> = match wanted {
        Wanted::Ids(kinds) => analysis
            .index
            .all_declarations()
            .filter(|o| o.space == Space::Model && o.declares.is_some_and(|d| kinds.contains(&d)))
            .map(|o| {
                let detail = model
                    .and_then(|m| m.lookup(&o.id))
                    .map_or_else(String::new, |e| name_of(analysis, e));
                let kind = o.declares.unwrap_or_default();
                item(
                    o.id.clone(),
                    format!("{kind} {detail}").trim().into(),
                    CompletionItemKind::REFERENCE,
                )
            })
            .collect(),
        Wanted::Threats => match model {
            Some(m) => m
                .threats
                .iter()
                .map(|t| {
                    item(
                        t.id.clone(),
                        format!("threat: {}", t.title),
                        CompletionItemKind::REFERENCE,
                    )
                })
                .collect(),
            None => analysis
                .index
                .all_declarations()
                .filter(|o| o.declares == Some("threat"))
                .map(|o| item(o.id.clone(), "threat".into(), CompletionItemKind::REFERENCE))
                .collect(),
        },
        Wanted::Patterns => analysis
            .index
            .all_declarations()
            .filter(|o| o.space == Space::Pattern)
            .map(|o| {
                item(
                    o.id.clone(),
                    "knowledge-base pattern".into(),
                    CompletionItemKind::REFERENCE,
                )
            })
            .collect(),
        Wanted::KbMitigations => analysis
            .index
            .all_declarations()
            .filter(|o| o.space == Space::KbMitigation)
            .map(|o| {
                item(
                    o.id.clone(),
                    "knowledge-base mitigation".into(),
                    CompletionItemKind::REFERENCE,
                )
            })
            .collect(),
        Wanted::Choice(e) => values(e)
            .iter()
            .map(|(v, what)| item((*v).into(), (*what).into(), CompletionItemKind::ENUM_MEMBER))
            .collect(),
        Wanted::Words(field) => model
            .map(|m| {
                m.knowledge_bases
                    .iter()
                    .flat_map(|kb| kb.vocabulary.iter().map(move |w| (kb, w)))
                    .filter(|(_, w)| w.field == field)
                    .map(|(kb, w)| {
                        item(
                            w.word.clone(),
                            format!(
                                "{} word of `{}`{}",
                                field.as_str(),
                                kb.id,
                                w.description
                                    .as_deref()
                                    .map(|d| format!(": {d}"))
                                    .unwrap_or_default()
                            ),
                            CompletionItemKind::KEYWORD,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items.dedup_by(|a, b| a.label == b.label);
    Some(CompletionResponse::Array(items))
}

fn name_of(analysis: &Analysis, e: crate::model::EntityRef) -> String {
    use crate::model::EntityRef;
    let Some(m) = analysis.project.model.as_ref() else {
        return String::new();
    };
    match e {
        EntityRef::Zone(z) => m.zone(z).name.clone(),
        EntityRef::Component(c) => m.component(c).name.clone(),
        EntityRef::Flow(f) => m.flow(f).name.clone(),
        EntityRef::Asset(a) => m.asset(a).name.clone(),
        EntityRef::Threat(t) => m.threat(t).title.to_string(),
        EntityRef::Mitigation(x) => m.mitigation(x).title.to_string(),
    }
}

/// The table (`[[component]]` gives `component`) and the key whose value the cursor is
/// in: on the cursor's line after `key =`, or inside a list `key = [` opened on an
/// earlier line and not closed yet.
fn context(lines: &Lines<'_>, n: usize, before: &str) -> Option<(String, String)> {
    let key = match key_of(before) {
        Some((key, value)) => {
            // After a closed list or string the value is complete.
            if value.contains(']') {
                return None;
            }
            key
        }
        None => {
            if before.contains(']') {
                return None;
            }
            let mut found = None;
            for k in (0..n).rev().take(200) {
                let (_, line) = lines.line(k)?;
                let trimmed = line.trim_start();
                if trimmed.starts_with('[') {
                    return None;
                }
                if line.contains(']') {
                    return None;
                }
                if let Some((key, value)) = key_of(line) {
                    if !value.trim_start().starts_with('[') {
                        return None;
                    }
                    found = Some(key);
                    break;
                }
            }
            found?
        }
    };
    let table = (0..=n).rev().find_map(|k| {
        let (_, line) = lines.line(k)?;
        let t = line.trim();
        let name = t
            .strip_prefix("[[")
            .and_then(|r| r.split_once("]]"))
            .or_else(|| t.strip_prefix('[').and_then(|r| r.split_once(']')))?
            .0;
        Some(name.trim().to_string())
    })?;
    Some((table, key))
}

/// `key` and the text after `=` of a line `key = value`.
fn key_of(line: &str) -> Option<(String, &str)> {
    let (left, value) = line.split_once('=')?;
    let key = left.trim();
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    bare.then(|| (key.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<(String, String)> {
        let cursor = text.find('|').unwrap();
        let text = text.replace('|', "");
        let lines = Lines::new(&text);
        let n = lines.line_number(cursor);
        let (start, line) = lines.line(n).unwrap();
        context(&lines, n, &line[..cursor - start])
    }

    #[test]
    fn the_key_is_found_on_the_line_or_above_an_open_list() {
        let pair = |t: &str, k: &str| Some((t.to_string(), k.to_string()));
        assert_eq!(at("[[component]]\nzone = \"d|"), pair("component", "zone"));
        assert_eq!(
            at("[[threat]]\ntargets = [\n  \"api\",\n  \"|"),
            pair("threat", "targets")
        );
        assert_eq!(at("[[threat]]\ntargets = [\"api\"]\n|"), None);
        assert_eq!(at("[[component]]\nzo|"), None);
        assert_eq!(at("[[flow]]\ndata = [\"a\"] |"), None);
        assert_eq!(wanted("component", "zone"), Some(Wanted::Ids(&["zone"])));
        assert_eq!(wanted("component", "name"), None);
    }
}
