//! Reading OWASP Threat Dragon v2 JSON models into a [`Draft`].
//!
//! Threat Dragon stores diagrams of cells: actors, processes and stores become
//! components, flows become flows, and the threats on every cell become threats with a
//! mitigation (from their mitigation text) or an acceptance (for "not applicable").
//! Trust boundaries are shapes drawn on the diagram, not containers, so zone membership
//! is inferred from geometry (see `zones_of` and docs/interop.md) and every inference
//! is noted.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{
    Draft, DraftAcceptance, DraftComponent, DraftFlow, DraftMitigation, DraftThreat, DraftZone,
    Ids, ImportError, Options, Origin, SourceFormat, parse_at,
};
use crate::model::{Category, ComponentKind, Severity, Status};

#[derive(Debug, Deserialize)]
struct TdDoc {
    version: Option<String>,
    summary: TdSummary,
    detail: TdDetail,
}

#[derive(Debug, Deserialize)]
struct TdSummary {
    title: String,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TdContributor {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TdDetail {
    #[serde(default)]
    contributors: Vec<TdContributor>,
    diagrams: Vec<TdDiagram>,
    #[serde(default)]
    reviewer: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TdDiagram {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    cells: Vec<Value>,
}

#[derive(Debug, Deserialize, Clone, Copy)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(Debug, Deserialize, Clone, Copy)]
struct Size {
    width: f64,
    height: f64,
}

#[derive(Debug, Deserialize)]
struct TdThreat {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    mitigation: Option<String>,
    #[serde(default, rename = "modelType")]
    model_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TdData {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    out_of_scope: Option<bool>,
    #[serde(default)]
    reason_out_of_scope: Option<String>,
    #[serde(default)]
    threats: Option<Vec<TdThreat>>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    is_encrypted: Option<bool>,
    #[serde(default)]
    is_public_network: Option<bool>,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

#[derive(Debug, Deserialize)]
struct TdEnd {
    #[serde(default)]
    cell: Option<String>,
    #[serde(default)]
    x: Option<f64>,
    #[serde(default)]
    y: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct TdCell {
    id: String,
    shape: String,
    #[serde(default)]
    position: Option<Point>,
    #[serde(default)]
    size: Option<Size>,
    #[serde(default)]
    source: Option<TdEnd>,
    #[serde(default)]
    target: Option<TdEnd>,
    #[serde(default)]
    vertices: Option<Vec<Point>>,
    #[serde(default)]
    data: Option<TdData>,
    #[serde(default)]
    attrs: Option<Value>,
}

/// What a cell is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Node(ComponentKind),
    Flow,
    Boundary,
    Other,
}

fn shape_of(cell: &TdCell) -> Shape {
    let data_type = cell
        .data
        .as_ref()
        .and_then(|d| d.kind.as_deref())
        .unwrap_or("");
    match (cell.shape.as_str(), data_type) {
        ("actor", _) | (_, "tm.Actor") => Shape::Node(ComponentKind::ExternalEntity),
        ("process", _) | (_, "tm.Process") => Shape::Node(ComponentKind::Process),
        ("store", _) | (_, "tm.Store") => Shape::Node(ComponentKind::DataStore),
        ("flow", _) | (_, "tm.Flow") => Shape::Flow,
        // Some Threat Dragon versions spell it "broundary".
        (s, t) if s.contains("boundary") || s.contains("broundary") || t == "tm.Boundary" => {
            Shape::Boundary
        }
        _ => Shape::Other,
    }
}

/// A STRIDE category for a Threat Dragon threat type (STRIDE, LINDDUN, CIA, DIE,
/// PLOT4ai types), and whether it was guessed.
fn category_of(kind: &str) -> (Category, bool) {
    let k: String = kind
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    let exact = match k.as_str() {
        "spoofing" => Some(Category::Spoofing),
        "tampering" | "integrity" | "immutable" => Some(Category::Tampering),
        "repudiation" | "nonrepudiation" => Some(Category::Repudiation),
        "informationdisclosure"
        | "confidentiality"
        | "disclosureofinformation"
        | "linkability"
        | "identifiability"
        | "detectability" => Some(Category::InformationDisclosure),
        "denialofservice" | "availability" | "distributed" | "ephemeral" => {
            Some(Category::DenialOfService)
        }
        "elevationofprivilege" | "elevationofprivileges" => Some(Category::ElevationOfPrivilege),
        _ => None,
    };
    match exact {
        Some(c) => (c, false),
        None if k.contains("privilege") || k.contains("access") => {
            (Category::ElevationOfPrivilege, true)
        }
        None if k.contains("privacy") || k.contains("disclos") || k.contains("aware") => {
            (Category::InformationDisclosure, true)
        }
        None => (Category::Tampering, true),
    }
}

fn severity_of(s: &str) -> Option<Severity> {
    match s.trim().to_ascii_lowercase().as_str() {
        "low" => Some(Severity::Low),
        "medium" => Some(Severity::Medium),
        "high" => Some(Severity::High),
        "critical" => Some(Severity::Critical),
        _ => None,
    }
}

fn text(s: &Option<String>) -> Option<String> {
    s.as_ref().filter(|s| !s.trim().is_empty()).cloned()
}

/// A one-line name from diagram text (which may hold line breaks).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A short title from free text: its first line, cut at a word near 80 characters.
fn title_from(s: &str) -> String {
    let first = one_line(s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s));
    if first.chars().count() <= 80 {
        return first;
    }
    let cut: String = first.chars().take(80).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => format!("{cut}…"),
    }
}

/// Reads the Threat Dragon document `value` from `file` into a draft.
pub fn import(file: &Path, value: &Value, options: &Options) -> Result<Draft, ImportError> {
    match value.get("version") {
        Some(Value::String(v)) if v.starts_with("2.") || v == "2" => {}
        Some(Value::String(v)) => {
            return Err(ImportError::invalid(
                file,
                "$.version",
                format!("Threat Dragon version `{v}` is not supported (version 2 models are)"),
            ));
        }
        Some(_) => {
            return Err(ImportError::invalid(
                file,
                "$.version",
                "the version is not a string",
            ));
        }
        None => {
            return Err(ImportError::invalid(
                file,
                "$",
                "missing field `version`: not a Threat Dragon v2 model",
            ));
        }
    }
    let doc: TdDoc = parse_at(file, "$", value)?;
    let mut draft = Draft::new(file, SourceFormat::ThreatDragon);
    draft.note(
        "ids were made from the names of elements, flows and threats (Threat Dragon's own ids are UUIDs); the comment above each entity names its Threat Dragon id",
    );
    let mut ids = Ids::default();
    draft.project.name = one_line(&doc.summary.title);
    if draft.project.name.is_empty() {
        draft.project.name = "Threat Dragon model".into();
    }
    draft.project.owners = text(&doc.summary.owner).into_iter().collect();
    draft.project.description = text(&doc.summary.description);
    draft.project.version = doc.version.clone();
    let contributors: Vec<String> = doc
        .detail
        .contributors
        .iter()
        .filter_map(|c| text(&c.name))
        .collect();
    let reviewer = text(&doc.detail.reviewer);
    let mut methodology = vec!["Modelled in OWASP Threat Dragon.".to_string()];
    if let Some(r) = &reviewer {
        methodology.push(format!("Reviewer: {r}."));
    }
    if !contributors.is_empty() {
        methodology.push(format!("Contributors: {}.", contributors.join(", ")));
    }
    draft.project.methodology = Some(methodology.join(" "));
    let approver = reviewer
        .clone()
        .or_else(|| text(&doc.summary.owner))
        .unwrap_or_else(|| "unknown (imported from Threat Dragon)".into());
    for (d, diagram) in doc.detail.diagrams.iter().enumerate() {
        let base = format!("$.detail.diagrams[{d}]");
        let diagram_title = text(&diagram.title).unwrap_or_else(|| format!("Diagram {}", d + 1));
        read_diagram(
            file,
            &base,
            &diagram_title,
            &diagram.cells,
            &mut draft,
            &mut ids,
            &approver,
            options,
        )?;
    }
    Ok(draft)
}

/// A node of one diagram, as zone inference sees it.
struct Node {
    cell: usize,
    id: String,
    centre: Option<Point>,
    rect: Option<(Point, Size)>,
    kind: ComponentKind,
}

#[allow(clippy::too_many_arguments)]
fn read_diagram(
    file: &Path,
    base: &str,
    title: &str,
    raw_cells: &[Value],
    draft: &mut Draft,
    ids: &mut Ids,
    approver: &str,
    options: &Options,
) -> Result<(), ImportError> {
    let mut cells = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, raw) in raw_cells.iter().enumerate() {
        let path = format!("{base}.cells[{i}]");
        let cell: TdCell = parse_at(file, &path, raw)?;
        if let Some(first) = seen.insert(cell.id.clone(), i) {
            return Err(ImportError::invalid(
                file,
                format!("{path}.id"),
                format!(
                    "duplicate cell id `{}` (also {base}.cells[{first}])",
                    cell.id
                ),
            ));
        }
        cells.push(cell);
    }
    // Components first, so flows can name them.
    let mut nodes: Vec<Node> = Vec::new();
    let mut node_of: HashMap<String, usize> = HashMap::new();
    let mut skipped = 0;
    for (i, cell) in cells.iter().enumerate() {
        let Shape::Node(kind) = shape_of(cell) else {
            if shape_of(cell) == Shape::Other {
                skipped += 1;
            }
            continue;
        };
        let name = cell_name(cell).unwrap_or_else(|| format!("Unnamed {}", cell.shape));
        // Threat Dragon's ids are UUIDs: the id is made from the name.
        let id = ids.make("component", &name);
        let mut origin = Origin::new(format!("{base}.cells[{i}]"));
        if id != cell.id {
            origin.source_id = Some(cell.id.clone());
        }
        let mut tags = Vec::new();
        if let Some(data) = &cell.data {
            if data.out_of_scope == Some(true) {
                tags.push("out-of-scope".to_string());
                let why =
                    text(&data.reason_out_of_scope).unwrap_or_else(|| "no reason given".into());
                origin.note(format!("out of scope in Threat Dragon: {}", one_line(&why)));
            }
            for (key, v) in &data.rest {
                let flag = key.starts_with("is")
                    || key.starts_with("stores")
                    || key.starts_with("handles")
                    || key.starts_with("provides");
                if flag && key != "isTrustBoundary" && v.as_bool() == Some(true) {
                    tags.push(crate::load::raw::to_kebab_case(key));
                }
            }
            if data.is_encrypted == Some(true) {
                tags.push("is-encrypted".into());
            }
        }
        let rect = cell.position.zip(cell.size);
        let centre = rect.map(|(p, s)| Point {
            x: p.x + s.width / 2.0,
            y: p.y + s.height / 2.0,
        });
        draft.components.push(DraftComponent {
            id: id.clone(),
            name,
            kind,
            zone: String::new(),
            technology: None,
            tags,
            actor: None,
            description: cell.data.as_ref().and_then(|d| text(&d.description)),
            origin,
        });
        node_of.insert(cell.id.clone(), nodes.len());
        nodes.push(Node {
            cell: i,
            id,
            centre,
            rect,
            kind,
        });
    }
    if skipped > 0 {
        draft.note(format!(
            "{title}: {skipped} cell(s) that are neither elements, flows nor trust boundaries (text blocks) were not carried over"
        ));
    }
    let first_component = draft.components.len() - nodes.len();
    zones_of(base, title, &cells, &nodes, draft, ids, first_component);

    // Flows.
    let mut flow_id_of: HashMap<usize, String> = HashMap::new();
    for (i, cell) in cells.iter().enumerate() {
        if shape_of(cell) != Shape::Flow {
            continue;
        }
        let path = format!("{base}.cells[{i}]");
        let mut origin = Origin::new(path.clone());
        let mut ends = Vec::new();
        for (which, end) in [("source", &cell.source), ("target", &cell.target)] {
            let found = match end {
                Some(TdEnd { cell: Some(c), .. }) => match node_of.get(c) {
                    Some(n) => Some(*n),
                    None => {
                        return Err(ImportError::invalid(
                            file,
                            format!("{path}.{which}.cell"),
                            format!("no actor, process or store has the id `{c}`"),
                        ));
                    }
                },
                Some(TdEnd {
                    x: Some(x),
                    y: Some(y),
                    ..
                }) => {
                    let n = nearest_node(&nodes, Point { x: *x, y: *y });
                    if let Some(n) = n {
                        origin.note(format!(
                            "the {which} is a loose point ({x}, {y}) in Threat Dragon; attached to `{}`, the element it touches",
                            nodes[n].id
                        ));
                    }
                    n
                }
                _ => None,
            };
            ends.push(found);
        }
        let name = cell_name(cell).unwrap_or_else(|| "Data flow".into());
        let (Some(from), Some(to)) = (ends[0], ends[1]) else {
            draft.note(format!(
                "flow `{name}` ({path}) is not connected to an element at both ends, so it was left out"
            ));
            continue;
        };
        let id = ids.make("flow", &name);
        if id != cell.id {
            origin.source_id = Some(cell.id.clone());
        }
        let data = cell.data.as_ref();
        if data.and_then(|d| d.is_public_network) == Some(true) {
            origin.note("crosses a public network (Threat Dragon `isPublicNetwork`)");
        }
        if data.and_then(|d| d.out_of_scope) == Some(true) {
            origin.note("out of scope in Threat Dragon");
        }
        draft.flows.push(DraftFlow {
            id: id.clone(),
            name,
            from: nodes[from].id.clone(),
            to: nodes[to].id.clone(),
            protocol: data.and_then(|d| text(&d.protocol)),
            data: Vec::new(),
            encrypted: data.and_then(|d| d.is_encrypted) == Some(true),
            authenticated: false,
            description: data.and_then(|d| text(&d.description)),
            origin,
        });
        flow_id_of.insert(i, id);
    }

    // Threats on every element and flow.
    for (i, cell) in cells.iter().enumerate() {
        let target = match shape_of(cell) {
            Shape::Node(_) => node_of.get(&cell.id).map(|n| nodes[*n].id.clone()),
            Shape::Flow => flow_id_of.get(&i).cloned(),
            _ => None,
        };
        let Some(threats) = cell.data.as_ref().and_then(|d| d.threats.as_ref()) else {
            continue;
        };
        for (j, t) in threats.iter().enumerate() {
            let path = format!("{base}.cells[{i}].data.threats[{j}]");
            read_threat(draft, ids, &path, t, target.clone(), approver, options);
        }
    }
    Ok(())
}

fn cell_name(cell: &TdCell) -> Option<String> {
    let from_data = cell.data.as_ref().and_then(|d| text(&d.name));
    let from_attrs = || {
        cell.attrs
            .as_ref()
            .and_then(|a| a.pointer("/text/text"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .filter(|s| !s.trim().is_empty())
    };
    from_data.or_else(from_attrs).map(|s| one_line(&s))
}

/// The element whose box, grown by 20 units, holds `p`; the closest centre wins.
fn nearest_node(nodes: &[Node], p: Point) -> Option<usize> {
    const SLACK: f64 = 20.0;
    nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            n.rect.is_some_and(|(pos, s)| {
                p.x >= pos.x - SLACK
                    && p.x <= pos.x + s.width + SLACK
                    && p.y >= pos.y - SLACK
                    && p.y <= pos.y + s.height + SLACK
            })
        })
        .min_by(|(_, a), (_, b)| {
            let d = |n: &Node| n.centre.map_or(f64::MAX, |c| (c.x - p.x).hypot(c.y - p.y));
            d(a).total_cmp(&d(b))
        })
        .map(|(i, _)| i)
}

/// Which side of the polyline `line` the point `p` lies on: the sign of the cross
/// product with the segment nearest to `p` (end segments extend as lines).
fn side(line: &[Point], p: Point) -> bool {
    let mut best = (f64::MAX, 0.0);
    for w in line.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 {
            0.0
        } else {
            (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
        };
        let (cx, cy) = (a.x + t * dx, a.y + t * dy);
        let dist = (p.x - cx).hypot(p.y - cy);
        let cross = dx * (p.y - a.y) - dy * (p.x - a.x);
        if dist < best.0 {
            best = (dist, cross);
        }
    }
    best.1 >= 0.0
}

/// Infers zones for the elements of one diagram and sets each component's zone.
///
/// - A box boundary (`trust-boundary-box`, with a position and size) is a zone; an
///   element whose centre lies in it belongs to the smallest such box, and a box lying
///   inside a larger one is nested in it.
/// - A curve boundary is a line that cuts the diagram in two. Elements outside every
///   box are grouped by the side of each curve they lie on: elements on the same side
///   of every curve share a zone.
/// - A zone holding only actors gets trust 0 (outside the system); every other zone
///   gets trust 5, since Threat Dragon does not rate trust.
fn zones_of(
    base: &str,
    title: &str,
    cells: &[TdCell],
    nodes: &[Node],
    draft: &mut Draft,
    ids: &mut Ids,
    first_component: usize,
) {
    let mut boxes: Vec<(usize, Point, Size)> = Vec::new();
    let mut curves: Vec<(usize, Vec<Point>)> = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        if shape_of(cell) != Shape::Boundary {
            continue;
        }
        if let (Some(p), Some(s)) = (cell.position, cell.size) {
            boxes.push((i, p, s));
            continue;
        }
        let end = |e: &Option<TdEnd>| match e {
            Some(TdEnd {
                x: Some(x),
                y: Some(y),
                ..
            }) => Some(Point { x: *x, y: *y }),
            _ => None,
        };
        match (end(&cell.source), end(&cell.target)) {
            (Some(a), Some(b)) => {
                let mut line = vec![a];
                line.extend(cell.vertices.iter().flatten().copied());
                line.push(b);
                curves.push((i, line));
            }
            _ => draft.note(format!(
                "{title}: the trust boundary at {base}.cells[{i}] has no end points to place it by, so it was not used"
            )),
        }
    }
    let inside = |p: Point, (_, pos, s): &(usize, Point, Size)| {
        p.x >= pos.x && p.x <= pos.x + s.width && p.y >= pos.y && p.y <= pos.y + s.height
    };
    let area = |b: &(usize, Point, Size)| b.2.width * b.2.height;
    // Box zones, largest first so parents come before the boxes nested in them.
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|a, b| area(&boxes[*b]).total_cmp(&area(&boxes[*a])));
    let mut box_zone: HashMap<usize, String> = HashMap::new();
    for &b in &order {
        let (cell, pos, s) = boxes[b];
        let corner_in = |o: &(usize, Point, Size)| {
            o.0 != cell
                && area(o) > area(&boxes[b])
                && inside(pos, o)
                && inside(
                    Point {
                        x: pos.x + s.width,
                        y: pos.y + s.height,
                    },
                    o,
                )
        };
        let parent = boxes
            .iter()
            .filter(|o| corner_in(o))
            .min_by(|a, b| area(a).total_cmp(&area(b)))
            .and_then(|o| box_zone.get(&boxes.iter().position(|x| x.0 == o.0).unwrap_or(0)))
            .cloned();
        let name =
            cell_name(&cells[cell]).unwrap_or_else(|| format!("{title}: boundary {}", b + 1));
        let id = ids.make("zone", &name);
        let mut origin = Origin::new(format!("{base}.cells[{cell}]"));
        origin.note("trust 5: Threat Dragon does not rate trust");
        draft.zones.push(DraftZone {
            id: id.clone(),
            name,
            trust: 5,
            inside: parent,
            description: cells[cell].data.as_ref().and_then(|d| text(&d.description)),
            origin,
        });
        box_zone.insert(b, id);
    }
    // Each element: its smallest box, else its side of every curve.
    let mut groups: BTreeMap<Vec<bool>, Vec<usize>> = BTreeMap::new();
    let mut unplaced = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        let Some(c) = node.centre else {
            unplaced.push(n);
            continue;
        };
        let smallest = boxes
            .iter()
            .enumerate()
            .filter(|(_, b)| inside(c, b))
            .min_by(|(_, a), (_, b)| area(a).total_cmp(&area(b)))
            .map(|(i, _)| i);
        if let Some(b) = smallest {
            let zone = box_zone[&b].clone();
            let comp = &mut draft.components[first_component + n];
            comp.zone = zone.clone();
            comp.origin.note(format!(
                "zone `{zone}` inferred: the element lies inside that trust boundary box"
            ));
            continue;
        }
        let signature: Vec<bool> = curves.iter().map(|(_, line)| side(line, c)).collect();
        groups.entry(signature).or_default().push(n);
    }
    if !unplaced.is_empty() {
        groups.entry(Vec::new()).or_default().extend(unplaced);
    }
    let many = groups.len() > 1;
    // Zones in the order of their first element, so output follows the diagram.
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_by_key(|g| g.first().map(|n| nodes[*n].cell));
    for members in groups {
        let names: Vec<String> = members
            .iter()
            .map(|n| draft.components[first_component + *n].name.clone())
            .collect();
        let name = if !many && curves.is_empty() {
            title.to_string()
        } else if names.len() <= 3 {
            format!("{title}: {}", names.join(", "))
        } else {
            format!(
                "{title}: {} and {} more",
                names[..2].join(", "),
                names.len() - 2
            )
        };
        let all_actors = members
            .iter()
            .all(|n| nodes[*n].kind == ComponentKind::ExternalEntity);
        let trust = if all_actors { 0 } else { 5 };
        let id_source = if !many && curves.is_empty() {
            name.clone()
        } else {
            format!("{} zone", names.first().map_or("", String::as_str))
        };
        let id = ids.make("zone", &id_source);
        let mut origin = Origin::new(base.to_string());
        if curves.is_empty() {
            origin.note(
                "the diagram has no trust boundaries; every element outside a box is placed here",
            );
        } else {
            origin.note(format!(
                "inferred from geometry: the elements on the same side of each of the diagram's {} trust boundary curve(s)",
                curves.len()
            ));
        }
        origin.note(if all_actors {
            "trust 0: it holds only actors (outside the system)"
        } else {
            "trust 5: Threat Dragon does not rate trust"
        });
        draft.zones.push(DraftZone {
            id: id.clone(),
            name,
            trust,
            inside: None,
            description: None,
            origin,
        });
        for n in members {
            draft.components[first_component + n].zone = id.clone();
        }
    }
    if !curves.is_empty() {
        draft.note(format!(
            "{title}: zones were inferred from the positions of elements relative to {} trust boundary curve(s); check the `zone` of each component",
            curves.len()
        ));
    }
}

fn read_threat(
    draft: &mut Draft,
    ids: &mut Ids,
    path: &str,
    t: &TdThreat,
    target: Option<String>,
    approver: &str,
    options: &Options,
) {
    let title = text(&t.title)
        .map(|s| one_line(&s))
        .unwrap_or_else(|| "Untitled threat".into());
    let source_id = text(&t.id).unwrap_or_else(|| title.clone());
    let id = ids.make("threat", &title);
    let mut origin = Origin::new(path.to_string());
    if id != source_id {
        origin.source_id = Some(source_id.clone());
    }
    let kind = text(&t.kind).unwrap_or_default();
    let (category, guessed) = category_of(&kind);
    if guessed {
        origin.note(format!(
            "Threat Dragon type `{kind}` ({}) has no STRIDE equivalent; category guessed as {category}",
            t.model_type.as_deref().unwrap_or("unknown model")
        ));
    }
    let severity = match t.severity.as_deref().and_then(severity_of) {
        Some(s) => s,
        None => {
            origin.note(format!(
                "severity `{}` is not low/medium/high/critical; set to medium",
                t.severity.as_deref().unwrap_or("")
            ));
            Severity::Medium
        }
    };
    let status = t.status.clone().unwrap_or_default();
    let status_key: String = status
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let mitigation_text = text(&t.mitigation);
    draft.threats.push(DraftThreat {
        id: id.clone(),
        title: title.clone(),
        category,
        severity,
        likelihood: None,
        impact: None,
        targets: target.into_iter().collect(),
        cwe: Vec::new(),
        capec: Vec::new(),
        description: text(&t.description),
        origin,
    });
    match status_key.as_str() {
        "na" | "notapplicable" => {
            let justification = match &mitigation_text {
                Some(m) => format!("Marked not applicable in Threat Dragon. {m}"),
                None => "Marked not applicable in Threat Dragon.".into(),
            };
            let mut origin = Origin::new(format!("{path}.status"));
            origin.note(format!(
                "Threat Dragon status `{status}` becomes an acceptance; it expires on {} (`--accept-until`)",
                options.accept_until
            ));
            draft.acceptances.push(DraftAcceptance {
                threat: id,
                justification,
                approved_by: approver.to_string(),
                expires: options.accept_until,
                origin,
            });
        }
        _ => {
            let mitigated = status_key == "mitigated";
            if mitigation_text.is_none() && !mitigated {
                return;
            }
            let mut origin = Origin::new(format!("{path}.mitigation"));
            let status = if mitigated {
                Status::Implemented
            } else {
                if status_key != "open" {
                    origin.note(format!(
                        "Threat Dragon status `{status}` read as open: the mitigation is proposed"
                    ));
                }
                Status::Proposed
            };
            let (mtitle, description) = match &mitigation_text {
                Some(m) => (title_from(m), Some(m.clone())),
                None => {
                    origin.note("marked mitigated in Threat Dragon without a mitigation text");
                    (format!("Mitigation of: {title}"), None)
                }
            };
            let mid = ids.make("mitigation", &format!("{id}-mitigation"));
            draft.mitigations.push(DraftMitigation {
                id: mid,
                title: mtitle,
                mitigates: vec![id],
                status,
                reduces: None,
                requires: Default::default(),
                owner: None,
                references: Vec::new(),
                description,
                origin,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_lies_on_the_side_of_a_curve_its_nearest_segment_gives() {
        let line = [Point { x: 0.0, y: 0.0 }, Point { x: 10.0, y: 0.0 }];
        assert_ne!(
            side(&line, Point { x: 5.0, y: 3.0 }),
            side(&line, Point { x: 5.0, y: -3.0 })
        );
        // Beyond the ends the end segment extends as a line.
        assert_eq!(
            side(&line, Point { x: 50.0, y: 3.0 }),
            side(&line, Point { x: 5.0, y: 3.0 })
        );
    }

    #[test]
    fn threat_types_of_every_model_map_to_stride() {
        assert_eq!(
            category_of("Information disclosure"),
            (Category::InformationDisclosure, false)
        );
        assert_eq!(
            category_of("Elevation of privilege"),
            (Category::ElevationOfPrivilege, false)
        );
        assert_eq!(
            category_of("Availability"),
            (Category::DenialOfService, false)
        );
        assert_eq!(
            category_of("Linkability"),
            (Category::InformationDisclosure, false)
        );
        assert!(category_of("Something new").1);
    }
}
