//! The diagram as a Mermaid `flowchart LR`, for Markdown that GitHub and GitLab render:
//! a `subgraph` per zone (nested), shapes by kind, flows labelled with their report
//! number and protocol. Marks: flows across a trust boundary are thick arrows (`==>`);
//! uncovered threats get a warning sign in the label and a red `classDef`/`linkStyle`.
//!
//! Mermaid ids are generated (`n0`, `z0`), since model ids may clash with Mermaid's
//! keywords (`end`, `graph` …); names go in quoted labels with Mermaid's entity codes.

use std::fmt::Write;

use super::Diagram;
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
    let mut s = String::from("flowchart LR\n");
    for z in 0..d.zones.len() {
        if d.zones[z].parent.is_none() {
            write_zone(&mut s, d, z, 1);
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
    s
}

fn write_zone(s: &mut String, d: &Diagram, z: usize, depth: usize) {
    let pad = "  ".repeat(depth);
    let zone = &d.zones[z];
    let _ = writeln!(
        s,
        "{pad}subgraph z{z}[\"{}\"]",
        escape(&format!("{} (trust {})", zone.name, zone.trust))
    );
    for (i, n) in d.nodes.iter().enumerate() {
        if n.zone != z {
            continue;
        }
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
    for &c in &zone.children {
        write_zone(s, d, c, depth + 1);
    }
    let _ = writeln!(s, "{pad}end");
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
