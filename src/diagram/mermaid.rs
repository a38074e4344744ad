//! The diagram as a Mermaid `flowchart LR`, for Markdown that GitHub and GitLab render:
//! a `subgraph` per zone (nested), shapes by kind, flows labelled with their report
//! number and protocol. Marks: flows across a trust boundary are thick arrows (`==>`);
//! uncovered threats get a warning sign in the label and a red `classDef`/`linkStyle`.
//!
//! Mermaid ids are generated (`n0`, `z0`), since model ids may clash with Mermaid's
//! keywords (`end`, `graph` …); names go in quoted labels with Mermaid's entity codes.

use std::fmt::Write;

use super::{Diagram, ZoneStep, indent};
use crate::model::ComponentKind;

/// `text` escaped for a quoted Mermaid label: quotes and markup characters become
/// Mermaid entity codes (`#quot;`, `#lt;` …), line breaks become spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes `d` as a Mermaid flowchart (without a Markdown fence).
pub fn render(d: &Diagram) -> String {
    render_within(d, usize::MAX).unwrap_or_default()
}

/// [`render`], or `None` as soon as the text grows longer than `limit` bytes: the
/// Markdown report embeds only diagrams up to a limit, and writing the rest of one that
/// is already over it would be work thrown away.
pub fn render_within(d: &Diagram, limit: usize) -> Option<String> {
    let mut s = String::from("flowchart LR\n");
    let nodes = d.nodes_by_zone();
    for step in d.zone_walk() {
        match step {
            ZoneStep::Enter { zone, depth } => open_zone(&mut s, d, &nodes[zone], zone, depth + 1),
            ZoneStep::Leave { depth, .. } => {
                let _ = writeln!(s, "{}end", indent(depth + 1));
            }
        }
        if s.len() > limit {
            return None;
        }
    }
    let mut crossing = Vec::new();
    let mut uncovered = Vec::new();
    for (i, e) in d.edges.iter().enumerate() {
        let arrow = if e.crossing.is_some() { "==>" } else { "-->" };
        let label = if e.uncovered > 0 {
            format!("⚠ {}", e.label())
        } else {
            e.label()
        };
        let _ = writeln!(s, "  n{} {arrow}|\"{}\"| n{}", e.from, escape(&label), e.to);
        if s.len() > limit {
            return None;
        }
        if e.uncovered > 0 {
            uncovered.push(i.to_string());
        } else if e.crossing.is_some() {
            crossing.push(i.to_string());
        }
    }
    s.push_str("  classDef uncovered stroke:#c62828,stroke-width:3px\n");
    let marked: Vec<String> = d
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.uncovered > 0)
        .map(|(i, _)| format!("n{i}"))
        .collect();
    if !marked.is_empty() {
        let _ = writeln!(s, "  class {} uncovered", marked.join(","));
    }
    if !crossing.is_empty() {
        let _ = writeln!(s, "  linkStyle {} stroke:#1f4e8c", crossing.join(","));
    }
    if !uncovered.is_empty() {
        let _ = writeln!(
            s,
            "  linkStyle {} stroke:#c62828,color:#c62828",
            uncovered.join(",")
        );
    }
    // The report template adds its own line break after the diagram.
    s.pop();
    (s.len() <= limit).then_some(s)
}

/// A zone's `subgraph` line and own nodes; [`render`] ends it after its children.
fn open_zone(s: &mut String, d: &Diagram, nodes: &[usize], z: usize, depth: usize) {
    let pad = indent(depth);
    let zone = &d.zones[z];
    let _ = writeln!(
        s,
        "{pad}subgraph z{z}[\"{}\"]",
        escape(&format!("{} (trust {})", zone.name, zone.trust))
    );
    for &i in nodes {
        let n = &d.nodes[i];
        let label = escape(&if n.uncovered > 0 {
            format!("⚠ {}", n.name)
        } else {
            n.name.to_string()
        });
        let (open, close) = match n.kind {
            ComponentKind::ExternalEntity => ("[", "]"),
            ComponentKind::Process => ("(", ")"),
            ComponentKind::DataStore => ("[(", ")]"),
        };
        let _ = writeln!(s, "{pad}  n{i}{open}\"{label}\"{close}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_escape_quotes_markup_and_hashes() {
        assert_eq!(
            escape("a \"b\" <c> & #1"),
            "a #quot;b#quot; #lt;c#gt; #amp; #35;1"
        );
        assert_eq!(escape("naïve 数据"), "naïve 数据");
    }
}
