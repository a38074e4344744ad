//! The diagram as Graphviz DOT, for people who render with `dot`: one `cluster_` subgraph
//! per zone (nested as the zones nest), DFD shapes by kind, flows labelled with their
//! report number and protocol, and the same marks as the SVG (thick flows across trust
//! boundaries; red plus a warning sign for uncovered threats).
//!
//! Identifiers are generated (`n0`, `z0`), so model ids never need quoting; names go in
//! quoted strings or HTML-like labels, escaped for each.

use std::fmt::Write;

use super::{Diagram, Edge, ZoneStep, indent};
use crate::model::{Choice, ComponentKind};

/// `text` escaped for a DOT double-quoted string. Backslashes are doubled so that
/// Graphviz does not read them as its own escapes (`\n`, `\N`, `\G` …).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` escaped for a DOT HTML-like label.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Writes `d` as a DOT `digraph`.
pub fn render(d: &Diagram) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "digraph dfd {{");
    let _ = writeln!(
        s,
        "  label={};",
        quote(&format!("Data-flow diagram: {}", d.title))
    );
    s.push_str("  labelloc=t;\n  rankdir=LR;\n  compound=true;\n  fontname=\"Helvetica,Arial,sans-serif\";\n");
    s.push_str("  node [fontname=\"Helvetica,Arial,sans-serif\", fontsize=11];\n");
    s.push_str(
        "  edge [fontname=\"Helvetica,Arial,sans-serif\", fontsize=9, color=\"#555555\"];\n",
    );
    let nodes = d.nodes_by_zone();
    for step in d.zone_walk() {
        match step {
            ZoneStep::Enter { zone, depth } => open_zone(&mut s, d, &nodes[zone], zone, depth + 1),
            ZoneStep::Leave { depth, .. } => {
                let _ = writeln!(s, "{}}}", indent(depth + 1));
            }
        }
    }
    for e in &d.edges {
        edge(&mut s, e);
    }
    s.push_str("}\n");
    s
}

/// A zone's `subgraph` line, label and own nodes; [`render`] closes it after its children.
fn open_zone(s: &mut String, d: &Diagram, nodes: &[usize], z: usize, depth: usize) {
    let pad = indent(depth);
    let zone = &d.zones[z];
    let _ = writeln!(s, "{pad}subgraph cluster_z{z} {{");
    let _ = writeln!(
        s,
        "{pad}  label={}; style=\"dashed,rounded\"; color=\"#5a6b85\"; fontcolor=\"#5a6b85\";",
        quote(&format!("{} (trust {})", zone.name, zone.trust))
    );
    for &i in nodes {
        let n = &d.nodes[i];
        let colour = if n.uncovered > 0 {
            "#c62828"
        } else {
            "#333333"
        };
        let width = if n.uncovered > 0 { 3 } else { 1 };
        let mark = if n.uncovered > 0 { "⚠ " } else { "" };
        let tooltip = quote(&format!("{} ({}): {}", n.name, n.id, n.kind.as_str()));
        match n.kind {
            ComponentKind::ExternalEntity => {
                let _ = writeln!(
                    s,
                    "{pad}  n{i} [label={}, shape=box, color=\"{colour}\", penwidth={width}, tooltip={tooltip}];",
                    quote(&format!("{mark}{}", n.name))
                );
            }
            ComponentKind::Process => {
                let _ = writeln!(
                    s,
                    "{pad}  n{i} [label={}, shape=box, style=rounded, color=\"{colour}\", penwidth={width}, tooltip={tooltip}];",
                    quote(&format!("{mark}{}", n.name))
                );
            }
            ComponentKind::DataStore => {
                // An open-ended box: a table cell with only its top and bottom borders.
                let _ = writeln!(
                    s,
                    "{pad}  n{i} [shape=plain, tooltip={tooltip}, label=<<table border=\"0\" cellborder=\"{width}\" cellspacing=\"0\" cellpadding=\"8\" color=\"{colour}\"><tr><td sides=\"tb\">{}</td></tr></table>>];",
                    html(&format!("{mark}{}", n.name))
                );
            }
        }
    }
}

fn edge(s: &mut String, e: &Edge) {
    let mut attrs = vec![format!(
        "label={}",
        quote(&if e.uncovered > 0 {
            format!("⚠ {}", e.label())
        } else {
            e.label()
        })
    )];
    attrs.push(format!(
        "tooltip={}",
        quote(&format!("{}. {} ({})", e.number, e.name, e.id))
    ));
    if e.crossing.is_some() {
        attrs.push("penwidth=2.8".into());
        attrs.push("color=\"#1f4e8c\"".into());
    }
    if e.uncovered > 0 {
        attrs.push("color=\"#c62828\"".into());
        attrs.push("fontcolor=\"#c62828\"".into());
    }
    let _ = writeln!(s, "  n{} -> n{} [{}];", e.from, e.to, attrs.join(", "));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote(r#"a "b" \N"#), r#""a \"b\" \\N""#);
        assert_eq!(quote("x\ny"), "\"x y\"");
        assert_eq!(html("<b>&\""), "&lt;b&gt;&amp;&quot;");
    }
}
