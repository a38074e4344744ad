//! The CSV export: a threat register with one row per threat on each of its targets,
//! for spreadsheets and GRC tools.
//!
//! Written by hand to RFC 4180 (CRLF line ends, fields quoted when they hold a comma,
//! quote or line break, quotes doubled). A cell that a spreadsheet would run as a
//! formula (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
//! leading `'`, so model text can never execute in an auditor's spreadsheet.

use super::Input;
use crate::model::{Choice, Target};

/// The header row, in column order.
pub const COLUMNS: &[&str] = &[
    "threat_id",
    "title",
    "target",
    "target_kind",
    "category",
    "severity",
    "coverage",
    "mitigations",
    "acceptance",
    "owner",
    "risk",
    "residual_risk",
    "pattern",
];

/// A cell as a spreadsheet may safely open it: formula triggers neutralised.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// A cell quoted as RFC 4180 asks, when it needs it.
pub fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

fn push_row<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    let line: Vec<String> = cells
        .iter()
        .map(|c| quote(&neutralise(c.as_ref())))
        .collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

/// The threat register of `input`, rows sorted by threat id, then target id.
pub fn export(input: &Input<'_>) -> String {
    let model = input.model;
    let mut rows: Vec<[String; 13]> = Vec::new();
    for t in model.threat_ids() {
        let threat = model.threat(t);
        let coverage = model.coverage(t, input.today);
        let mut mitigations: Vec<_> = threat
            .mitigations
            .iter()
            .map(|m| model.mitigation(*m))
            .collect();
        mitigations.sort_by(|a, b| a.id.cmp(&b.id));
        let mitigation_cell: Vec<String> = mitigations
            .iter()
            .map(|m| format!("{} ({})", m.id, m.status.as_str()))
            .collect();
        let mut owners: Vec<&str> = mitigations
            .iter()
            .filter_map(|m| m.owner.as_deref())
            .collect();
        owners.sort_unstable();
        owners.dedup();
        let mut acceptances: Vec<_> = threat
            .acceptances
            .iter()
            .map(|a| model.acceptance(*a))
            .collect();
        acceptances.sort_by(|a, b| (a.expires, &a.approved_by).cmp(&(b.expires, &b.approved_by)));
        let acceptance_cell: Vec<String> = acceptances
            .iter()
            .map(|a| {
                let state = if a.expires < input.today {
                    "expired"
                } else {
                    "until"
                };
                format!("{} {state} {}", a.approved_by, a.expires)
            })
            .collect();
        for target in &threat.targets {
            let kind = match target {
                Target::Component(_) => "component",
                Target::Flow(_) => "flow",
            };
            rows.push([
                threat.id.clone(),
                threat.title.to_string(),
                model.target_id(*target).to_string(),
                kind.to_string(),
                threat.category.as_str().to_string(),
                threat.severity.as_str().to_string(),
                coverage.as_str().to_string(),
                mitigation_cell.join("; "),
                acceptance_cell.join("; "),
                owners.join("; "),
                model.risk(t).as_str().to_string(),
                model.residual_risk(t, input.today).as_str().to_string(),
                threat
                    .pattern
                    .map(|p| {
                        let p = model.pattern(p);
                        format!("{}/{}", model.knowledge_base(p.kb).id, p.id)
                    })
                    .unwrap_or_default(),
            ]);
        }
    }
    rows.sort_by(|a, b| (&a[0], &a[2]).cmp(&(&b[0], &b[2])));
    let mut out = String::new();
    push_row(&mut out, COLUMNS);
    for row in &rows {
        push_row(&mut out, row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_triggers_are_neutralised() {
        for hostile in ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"] {
            assert!(neutralise(hostile).starts_with('\''), "{hostile:?}");
        }
        assert_eq!(neutralise("plain"), "plain");
        assert_eq!(neutralise("a=b"), "a=b");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn quoting_follows_rfc_4180() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
    }
}
