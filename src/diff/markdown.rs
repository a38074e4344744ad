//! A diff as Markdown short enough for a pull-request comment: a one-line tally, then
//! only the sections that have something in them, as tables.

use super::{CoverageChange, EntityChange, ModelDiff};

/// Text safe inside a table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.replace('\r', "")
        .replace('\n', " ")
        .replace('|', "\\|")
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
            "| `{}` {} | {} | {} | {} |\n",
            c.threat,
            cell(&c.title),
            c.severity,
            before,
            c.new.as_str()
        ));
    }
}

/// The Markdown of a diff.
pub fn render(d: &ModelDiff) -> String {
    let mut out = format!("## Threat model changes: {}\n\n", cell(&d.new_project));
    if d.is_empty() {
        out.push_str("No changes to the threat model.\n");
        return out;
    }
    let count = |f: fn(&EntityChange) -> bool| d.entities.iter().filter(|e| f(e)).count();
    out.push_str(&format!(
        "**{} added, {} removed, {} renamed, {} changed** · {} newly uncovered · {} newly mitigated · {} new boundary crossings\n",
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
    if !d.new_crossings.is_empty() {
        out.push_str("\n### New boundary crossings\n\n| Flow | From zone | To zone | Direction | Encrypted | Authenticated |\n|---|---|---|---|---|---|\n");
        for c in &d.new_crossings {
            let yes = |b: bool| if b { "yes" } else { "**no**" };
            out.push_str(&format!(
                "| `{}` | `{}` | `{}` | {} | {} | {} |\n",
                c.flow,
                c.from_zone,
                c.to_zone,
                c.direction,
                yes(c.encrypted),
                yes(c.authenticated)
            ));
        }
    }
    if !d.risk_changes.is_empty() {
        out.push_str("\n### Severity changes\n\n| Threat | Before | Now |\n|---|---|---|\n");
        for r in &d.risk_changes {
            out.push_str(&format!("| `{}` | {} | {} |\n", r.threat, r.old, r.new));
        }
    }
    if !d.entities.is_empty() {
        out.push_str("\n### Entities\n\n| Kind | Change | Id | Fields |\n|---|---|---|---|\n");
        for e in &d.entities {
            let (change, id, fields) = match e {
                EntityChange::Added { id, .. } => ("added", format!("`{id}`"), &[][..]),
                EntityChange::Removed { id, .. } => ("removed", format!("`{id}`"), &[][..]),
                EntityChange::Renamed {
                    from, to, fields, ..
                } => ("renamed", format!("`{from}` → `{to}`"), &fields[..]),
                EntityChange::Changed { id, fields, .. } => {
                    ("changed", format!("`{id}`"), &fields[..])
                }
            };
            let fields: Vec<String> = fields
                .iter()
                .map(|f| {
                    let short = |s: &str| {
                        let one = cell(s);
                        if one.chars().count() > 40 {
                            format!("{}…", one.chars().take(40).collect::<String>())
                        } else {
                            one
                        }
                    };
                    format!("{}: {} → {}", f.field, short(&f.old), short(&f.new))
                })
                .collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                e.kind(),
                change,
                id,
                fields.join("; ")
            ));
        }
    }
    out
}
