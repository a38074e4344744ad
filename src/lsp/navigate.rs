//! Go to definition, find references and hover: what the id under the cursor is and
//! where else it is written.

use std::fmt::Write;
use std::path::Path;

use lsp_types::{
    GotoDefinitionResponse, Hover, HoverContents, Location, MarkupContent, MarkupKind, Position,
};

use super::analysis::{Analysis, Space};
use crate::model::{Choice, EntityRef, Model, ThreatId};
use crate::source::Span;

fn location(analysis: &Analysis, o: &super::analysis::Occurrence) -> Option<Location> {
    analysis.location(Span::new(o.file, o.range.clone()))
}

/// Where the id under the cursor is declared: an entity's `id`, a knowledge-base
/// pattern or mitigation; for `pattern@element`, the pattern or the element, whichever
/// part the cursor is on.
pub fn definition(
    analysis: &Analysis,
    path: &Path,
    position: Position,
) -> Option<GotoDefinitionResponse> {
    let o = analysis.occurrence_at(path, position)?;
    let found: Vec<Location> = analysis
        .index
        .declarations(&o.id, o.space)
        .filter_map(|d| location(analysis, d))
        .collect();
    (!found.is_empty()).then_some(GotoDefinitionResponse::Array(found))
}

/// Every place the id under the cursor is written, in file order.
pub fn references(
    analysis: &Analysis,
    path: &Path,
    position: Position,
    include_declaration: bool,
) -> Option<Vec<Location>> {
    let o = analysis.occurrence_at(path, position)?;
    Some(
        analysis
            .index
            .occurrences_of(&o.id, o.space)
            .filter(|r| include_declaration || !r.is_declaration())
            .filter_map(|r| location(analysis, r))
            .collect(),
    )
}

/// What the id under the cursor is, in Markdown.
pub fn hover(analysis: &Analysis, path: &Path, position: Position) -> Option<Hover> {
    let o = analysis.occurrence_at(path, position)?;
    let file = analysis.file(path)?;
    let model = analysis.project.model.as_ref()?;
    let text = match o.space {
        Space::Model => describe(model, analysis.today, model.lookup(&o.id)?),
        Space::Pattern => {
            let p = model.patterns.iter().find(|p| p.id == o.id)?;
            let mut s = format!("**pattern** `{}`: {}\n\n", p.id, p.title);
            let kb = &model.knowledge_bases[p.kb.index()];
            let _ = writeln!(
                s,
                "{} · severity {} · knowledge base `{}` ({})\n",
                p.category.as_str(),
                p.severity.as_str(),
                kb.id,
                kb.name
            );
            let _ = writeln!(s, "applies to: {}\n", p.applies_to.join("; "));
            let _ = writeln!(
                s,
                "{} in this model",
                crate::diag::count(p.instances.len(), "instance")
            );
            push_description(&mut s, p.description.as_deref());
            s
        }
        Space::KbMitigation => {
            let r = model.recommendations.iter().find(|r| r.id == o.id)?;
            let kb = &model.knowledge_bases[r.kb.index()];
            let mut s = format!(
                "**knowledge-base mitigation** `{}`: {}\n\nknowledge base `{}` ({})\n\n",
                r.id, r.title, kb.id, kb.name
            );
            let patterns: Vec<&str> = r
                .mitigates
                .iter()
                .map(|p| model.pattern(*p).id.as_str())
                .collect();
            let _ = writeln!(s, "mitigates {}", crate::diag::quoted_list(&patterns));
            push_description(&mut s, r.description.as_deref());
            s
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(analysis.lines(file).range(o.range.clone())),
    })
}

fn push_description(s: &mut String, description: Option<&str>) {
    if let Some(d) = description {
        let _ = write!(s, "\n---\n\n{}\n", d.trim());
    }
}

/// A model entity in Markdown: kind, name, where it is, its description; for an
/// element, the threats on it and how each is handled.
fn describe(model: &Model, today: crate::model::Date, entity: EntityRef) -> String {
    let mut s = String::new();
    match entity {
        EntityRef::Zone(z) => {
            let zone = model.zone(z);
            let _ = writeln!(s, "**zone** `{}`: {}\n", zone.id, zone.name);
            let _ = write!(s, "trust {}", zone.trust);
            if let Some(parent) = zone.parent {
                let _ = write!(s, " · inside `{}`", model.zone(parent).id);
            }
            s.push('\n');
            push_description(&mut s, zone.description.as_deref());
        }
        EntityRef::Component(c) => {
            let comp = model.component(c);
            let zone = model.zone(comp.zone);
            let _ = writeln!(s, "**component** `{}`: {}\n", comp.id, comp.name);
            let _ = write!(
                s,
                "{} · zone `{}` ({}, trust {})",
                comp.kind.as_str(),
                zone.id,
                zone.name,
                zone.trust
            );
            if let Some(t) = &comp.technology {
                let _ = write!(s, " · technology {t}");
            }
            if !comp.tags.is_empty() {
                let _ = write!(s, " · tags {}", comp.tags.join(", "));
            }
            s.push('\n');
            push_description(&mut s, comp.description.as_deref());
            threats(&mut s, model, today, &comp.threats);
        }
        EntityRef::Flow(f) => {
            let flow = model.flow(f);
            let from = model.component(flow.from);
            let to = model.component(flow.to);
            let _ = writeln!(s, "**flow** `{}`: {}\n", flow.id, flow.name);
            let _ = write!(s, "`{}` → `{}`", from.id, to.id);
            if let Some(p) = &flow.protocol {
                let _ = write!(s, " · {p}");
            }
            let _ = write!(
                s,
                " · {} · {}",
                if flow.encrypted {
                    "encrypted"
                } else {
                    "not encrypted"
                },
                if flow.authenticated {
                    "authenticated"
                } else {
                    "not authenticated"
                }
            );
            if let Some(c) = flow.crossing {
                let _ = write!(
                    s,
                    " · crosses from zone `{}` to `{}` ({})",
                    model.zone(c.from_zone).id,
                    model.zone(c.to_zone).id,
                    c.direction.as_str()
                );
            }
            if !flow.data.is_empty() {
                let data: Vec<&str> = flow
                    .data
                    .iter()
                    .map(|a| model.asset(*a).id.as_str())
                    .collect();
                let _ = write!(s, " · carries {}", crate::diag::quoted_list(&data));
            }
            s.push('\n');
            push_description(&mut s, flow.description.as_deref());
            threats(&mut s, model, today, &flow.threats);
        }
        EntityRef::Asset(a) => {
            let asset = model.asset(a);
            let _ = writeln!(s, "**asset** `{}`: {}\n", asset.id, asset.name);
            let _ = writeln!(s, "classification {}", asset.classification.as_str());
            push_description(&mut s, asset.description.as_deref());
        }
        EntityRef::Threat(t) => {
            let threat = model.threat(t);
            let _ = writeln!(s, "**threat** `{}`: {}\n", threat.id, threat.title);
            let _ = write!(
                s,
                "{} · severity {} · {}",
                threat.category.as_str(),
                threat.severity.as_str(),
                model.coverage(t, today).label()
            );
            let targets: Vec<&str> = threat.targets.iter().map(|t| model.target_id(*t)).collect();
            let _ = writeln!(s, " · on {}", crate::diag::quoted_list(&targets));
            if let Some(p) = threat.pattern {
                let _ = writeln!(s, "\n{}", model.pattern_origin(p));
            }
            push_description(&mut s, threat.description.as_deref());
        }
        EntityRef::Mitigation(m) => {
            let mitigation = model.mitigation(m);
            let _ = writeln!(
                s,
                "**mitigation** `{}`: {}\n",
                mitigation.id, mitigation.title
            );
            let mitigates: Vec<&str> = mitigation
                .mitigates
                .iter()
                .map(|t| model.threat(*t).id.as_str())
                .collect();
            let _ = writeln!(
                s,
                "{} · mitigates {}",
                mitigation.status.as_str(),
                crate::diag::quoted_list(&mitigates)
            );
            push_description(&mut s, mitigation.description.as_deref());
        }
    }
    s
}

/// The threats on an element: those from knowledge bases with their state, then those
/// written in the model.
fn threats(s: &mut String, model: &Model, today: crate::model::Date, on: &[ThreatId]) {
    let (from_kb, written): (Vec<ThreatId>, Vec<ThreatId>) =
        on.iter().partition(|t| model.threat(**t).pattern.is_some());
    for (heading, list) in [
        ("Threats from knowledge bases", from_kb),
        ("Threats written in the model", written),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n**{heading}** ({}):\n", list.len());
        for t in list {
            let threat = model.threat(t);
            let _ = writeln!(
                s,
                "- `{}` {} ({}): {}",
                threat.id,
                threat.title,
                threat.severity.as_str(),
                model.coverage(t, today).label()
            );
        }
    }
}
