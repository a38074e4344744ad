//! A diff as Markdown for a pull-request comment: what failed the gate, a one-line tally,
//! then only the sections that have something in them, as tables.
//!
//! Values are shown whole: list fields as the items added and removed, long text as a
//! word diff (~~removed~~ **added**) in which only long unchanged stretches are
//! shortened. Every text from the model is escaped, so that it reads as written and
//! cannot become markup, a link or HTML.

use super::words::{self, Op};
use super::{Change, CoverageChange, EntityChange, FieldChange, ModelDiff, Scalar};
use crate::model::Choice;

/// Unchanged words kept on each side of a change in a word diff.
const CONTEXT: usize = 6;

/// Text from the model, safe inside a table cell: one line, and every character that
/// Markdown or HTML would act on escaped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\r' => {}
            '\n' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '<' | '>' | '|' | '&' | '!' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// An id as code. Ids are kebab-case (with `@` for instances), so no backtick ends it
/// early; pipes are escaped all the same, as a table cell needs.
fn code(id: &str) -> String {
    format!("`{}`", id.replace('`', "'").replace('|', "\\|"))
}

fn scalar(s: &Scalar, ids: bool) -> String {
    match s {
        Scalar::None => "*(none)*".into(),
        Scalar::Bool(true) => "yes".into(),
        Scalar::Bool(false) => "no".into(),
        Scalar::Number(n) => n.to_string(),
        Scalar::Text(t) if ids => code(t),
        Scalar::Text(t) => text(t),
    }
}

/// Unchanged words: all of them when few, else those next to the changes around them.
fn same_run(out: &mut Vec<String>, run: &[&str], first: bool, last: bool) {
    let keep = |ws: &[&str]| text(&ws.join(" "));
    let limit = if first || last { CONTEXT } else { 2 * CONTEXT };
    if run.len() <= limit + 1 || (first && last) {
        out.push(keep(run));
        return;
    }
    if !first {
        out.push(keep(&run[..CONTEXT]));
    }
    out.push("…".into());
    if !last {
        out.push(keep(&run[run.len() - CONTEXT..]));
    }
}

/// A word diff of two texts, one line.
fn word_diff(old: Option<&str>, new: Option<&str>) -> String {
    let runs = words::diff(old.unwrap_or(""), new.unwrap_or(""));
    if let [(Op::Same, _)] = runs[..] {
        return "*(only spacing changed)*".into();
    }
    let mut out = Vec::new();
    for (i, (op, run)) in runs.iter().enumerate() {
        match op {
            Op::Same => same_run(&mut out, run, i == 0, i + 1 == runs.len()),
            Op::Removed => out.push(format!("~~{}~~", text(&run.join(" ")))),
            Op::Added => out.push(format!("**{}**", text(&run.join(" ")))),
        }
    }
    if out.is_empty() {
        return "*(none)*".into();
    }
    out.join(" ")
}

fn field_change(f: &FieldChange) -> String {
    match &f.change {
        Change::Value { old, new, ids } => format!("{} → {}", scalar(old, *ids), scalar(new, *ids)),
        Change::Text { old, new } => word_diff(old.as_deref(), new.as_deref()),
        Change::List {
            added,
            removed,
            ids,
            ..
        } => {
            let items = |l: &[Scalar]| {
                l.iter()
                    .map(|s| scalar(s, *ids))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!("added {}", items(added)));
            }
            if !removed.is_empty() {
                parts.push(format!("removed {}", items(removed)));
            }
            parts.join("; ")
        }
    }
}

fn coverage_table(out: &mut String, title: &str, rows: &[CoverageChange]) {
    if rows.is_empty() {
        return;
    }
    out.push_str(&format!(
        "\n### {title}\n\n| Threat | Severity | Before | Now |\n|---|---|---|---|\n"
    ));
    for c in rows {
        let before = c.old.map_or("(new threat)", |o| o.as_str());
        out.push_str(&format!(
            "| {} {} | {} | {} | {} |\n",
            code(&c.threat),
            text(&c.title),
            c.severity,
            before,
            c.new.as_str()
        ));
    }
}

fn gate(out: &mut String, d: &ModelDiff) {
    if d.fail_on.is_empty() {
        return;
    }
    let names = |cs: &mut dyn Iterator<Item = &str>| cs.map(code).collect::<Vec<_>>().join(", ");
    if d.failed.is_empty() {
        out.push_str(&format!(
            "\nCI gate passed: none of {} fired.\n",
            names(&mut d.fail_on.iter().map(|c| c.as_str()))
        ));
        return;
    }
    out.push_str(&format!(
        "\n### Failed conditions\n\n**The CI gate failed:** {}.\n\n| Condition | Id | Why |\n|---|---|---|\n",
        names(&mut d.failed.iter().map(|f| f.condition.as_str()))
    ));
    for f in &d.failed {
        for i in &f.items {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                code(f.condition.as_str()),
                code(&i.id),
                text(&i.why)
            ));
        }
    }
}

fn entities(out: &mut String, d: &ModelDiff) {
    if d.entities.is_empty() {
        return;
    }
    out.push_str("\n### Entities\n\n| Kind | Change | Id | Fields |\n|---|---|---|---|\n");
    let mut rows = Vec::new();
    for e in &d.entities {
        let (change, id, fields) = match e {
            EntityChange::Added { id, .. } => ("added", code(id), &[][..]),
            EntityChange::Removed { id, .. } => ("removed", code(id), &[][..]),
            EntityChange::Renamed {
                from, to, fields, ..
            } => (
                "renamed",
                format!("{} → {}", code(from), code(to)),
                &fields[..],
            ),
            EntityChange::Changed { id, fields, .. } => ("changed", code(id), &fields[..]),
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field).collect();
        out.push_str(&format!(
            "| {} | {change} | {id} | {} |\n",
            e.kind(),
            names.join(", ")
        ));
        for f in fields {
            rows.push(format!(
                "| {} {id} | {} | {} |\n",
                e.kind(),
                f.field,
                field_change(f)
            ));
        }
    }
    if !rows.is_empty() {
        out.push_str("\n### Field changes\n\n| Entity | Field | Change |\n|---|---|---|\n");
        out.push_str(&rows.concat());
    }
}

/// The Markdown of a diff.
pub fn render(d: &ModelDiff) -> String {
    let mut out = format!("## Threat model changes: {}\n", text(&d.new_project));
    gate(&mut out, d);
    if d.is_empty() {
        out.push_str("\nNo changes to the threat model.\n");
        return out;
    }
    let count = |f: fn(&EntityChange) -> bool| d.entities.iter().filter(|e| f(e)).count();
    out.push_str(&format!(
        "\n**{} added, {} removed, {} renamed, {} changed** · {} newly uncovered · {} newly mitigated · {} new boundary crossings\n",
        count(|e| matches!(e, EntityChange::Added { .. })),
        count(|e| matches!(e, EntityChange::Removed { .. })),
        count(|e| matches!(e, EntityChange::Renamed { .. })),
        count(|e| matches!(e, EntityChange::Changed { .. })),
        d.newly_uncovered.len(),
        d.newly_mitigated.len(),
        d.new_crossings.len(),
    ));
    coverage_table(&mut out, "Newly uncovered threats", &d.newly_uncovered);
    coverage_table(&mut out, "Newly mitigated threats", &d.newly_mitigated);
    coverage_table(&mut out, "Other coverage changes", &d.coverage_changes);
    if !d.status_changes.is_empty() {
        out.push_str("\n### Mitigation status changes\n\n| Mitigation | Before | Now | Threats |\n|---|---|---|---|\n");
        for s in &d.status_changes {
            let threats: Vec<String> = s.threats.iter().map(|t| code(t)).collect();
            out.push_str(&format!(
                "| {} {} | {} | {} | {} |\n",
                code(&s.mitigation),
                text(&s.title),
                s.old.as_str(),
                s.new.map_or("**removed**", |n| n.as_str()),
                threats.join(", ")
            ));
        }
    }
    if !d.residual_risk_changes.is_empty() {
        out.push_str("\n### Residual risk changes\n\n| Threat | Before | Now |\n|---|---|---|\n");
        for r in &d.residual_risk_changes {
            out.push_str(&format!(
                "| {} {} | {} | {} |\n",
                code(&r.threat),
                text(&r.title),
                r.old.map_or("(new threat)", |o| o.as_str()),
                r.new.as_str()
            ));
        }
    }
    if !d.new_crossings.is_empty() {
        out.push_str("\n### New boundary crossings\n\n| Flow | From zone | To zone | Direction | Encrypted | Authenticated |\n|---|---|---|---|---|---|\n");
        for c in &d.new_crossings {
            let yes = |b: bool| if b { "yes" } else { "**no**" };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                code(&c.flow),
                code(&c.from_zone),
                code(&c.to_zone),
                c.direction,
                yes(c.encrypted),
                yes(c.authenticated)
            ));
        }
    }
    if !d.severity_changes.is_empty() {
        out.push_str("\n### Severity changes\n\n| Threat | Before | Now |\n|---|---|---|\n");
        for r in &d.severity_changes {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                code(&r.threat),
                r.old,
                r.new
            ));
        }
    }
    if !d.expired_acceptances.is_empty() {
        out.push_str("\n### Expired acceptances\n\n| Threat | Approved by | Expired | Before |\n|---|---|---|---|\n");
        for a in &d.expired_acceptances {
            let before = a
                .old_expires
                .as_ref()
                .map_or("(new acceptance)".to_string(), |o| {
                    format!("valid until {o}")
                });
            out.push_str(&format!(
                "| {} | {} | {} | {before} |\n",
                code(&a.threat),
                text(&a.approved_by),
                a.expires
            ));
        }
    }
    entities(&mut out, d);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_text_cannot_become_markup() {
        assert_eq!(
            text("a | b <script>*x*</script>\n[l](u)"),
            "a \\| b \\<script\\>\\*x\\*\\</script\\> \\[l\\](u)"
        );
    }

    #[test]
    fn a_long_description_keeps_only_the_words_around_its_changes() {
        let old = "one two three four five six seven eight nine ten eleven twelve \
                   thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty";
        let new = old.replace("ten", "TEN");
        assert_eq!(
            word_diff(Some(old), Some(&new)),
            "… four five six seven eight nine ~~ten~~ **TEN** eleven twelve thirteen fourteen fifteen sixteen …"
        );
        // Short texts are shown whole, a new one as all added.
        assert_eq!(word_diff(Some("a b"), Some("a c")), "a ~~b~~ **c**");
        assert_eq!(word_diff(None, Some("new")), "**new**");
        assert_eq!(word_diff(Some("gone"), None), "~~gone~~");
    }
}
