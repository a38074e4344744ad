//! Data-flow diagrams drawn from the model: SVG laid out here (no Graphviz needed), and
//! DOT and Mermaid text for people who prefer those tools.
//!
//! [`Diagram::new`] picks what to draw (the whole model, one zone and its neighbours, or
//! the neighbourhood of a component, see [`select`]) and resolves everything the drawings
//! show: zones as a nesting tree in drawing order, components, flows with their report
//! numbers, and the marks (trust-boundary crossings, uncovered threats). The three
//! formats read only that [`Diagram`]. [`layout`] places it; [`svg`] draws the layout.
//! [`png`] rasterises the SVG. Nothing here does I/O: every function returns a string, or
//! for PNG the image's bytes.

pub mod dot;
pub mod layout;
pub mod mermaid;
pub mod png;
pub mod select;
pub mod stats;
pub mod svg;
pub mod text;

use crate::model::{ComponentId, ComponentKind, Date, Direction, FlowId, Model, ZoneId};

pub use self::select::{Scope, SelectError};

/// The text formats of `threatbook diagram`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Svg,
    Dot,
    Mermaid,
}

/// What the SVG writes on each flow's arrow. Every mode starts with the flow's number,
/// which the flow table under the drawing carries in full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Labels {
    /// The flow's name where it fits without overlapping anything, else its number.
    #[default]
    Auto,
    /// The number only.
    Number,
    /// Number and protocol.
    Protocol,
    /// Number and name, cut to fit.
    Name,
}

/// Which way the SVG's layers run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Orientation {
    /// Whichever of the two is drawn larger when fitted to a landscape page
    /// ([`layout::PAGE`]); when both fit at full size, the smaller.
    #[default]
    Auto,
    /// Left to right: layers are columns, zones horizontal bands.
    Lr,
    /// Top to bottom: layers are rows, zones vertical bands.
    Tb,
}

/// What to draw and the day coverage is judged on.
#[derive(Clone, Debug)]
pub struct Options {
    pub today: Date,
    pub scope: Scope,
}

/// A zone as drawn: only zones that hold a drawn component, directly or below.
#[derive(Clone, Debug)]
pub struct Zone<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub trust: u8,
    /// Index into [`Diagram::zones`]; parents come before their children.
    pub parent: Option<usize>,
    pub children: Vec<usize>,
}

/// A component as drawn.
#[derive(Clone, Debug)]
pub struct Node<'a> {
    pub component: ComponentId,
    pub id: &'a str,
    pub name: &'a str,
    pub kind: ComponentKind,
    /// Index into [`Diagram::zones`].
    pub zone: usize,
    /// Threats on the component that are uncovered.
    pub uncovered: usize,
}

/// A flow as drawn.
#[derive(Clone, Debug)]
pub struct Edge<'a> {
    pub flow: FlowId,
    /// The number the report's flow table gives the flow.
    pub number: usize,
    pub id: &'a str,
    pub name: &'a str,
    /// Indices into [`Diagram::nodes`].
    pub from: usize,
    pub to: usize,
    pub protocol: Option<&'a str>,
    /// Set when the flow crosses a trust boundary.
    pub crossing: Option<Direction>,
    /// Threats on the flow that are uncovered.
    pub uncovered: usize,
}

impl Edge<'_> {
    /// The short label on the arrow: number and protocol.
    pub fn label(&self) -> String {
        match self.protocol {
            Some(p) => format!("{}: {}", self.number, p),
            None => self.number.to_string(),
        }
    }

    /// The label as `mode` asks, [`Labels::Auto`] giving the name.
    pub fn label_as(&self, mode: Labels) -> String {
        match mode {
            Labels::Number => self.number.to_string(),
            Labels::Protocol => self.label(),
            Labels::Auto | Labels::Name => {
                let name = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
                format!("{}: {}", self.number, name)
            }
        }
    }
}

/// Everything one drawing shows, resolved from the model.
#[derive(Clone, Debug)]
pub struct Diagram<'a> {
    pub title: &'a str,
    /// Zones in pre-order: each parent, then its children in model order.
    pub zones: Vec<Zone<'a>>,
    /// Components in model order.
    pub nodes: Vec<Node<'a>>,
    /// Flows in model (and number) order.
    pub edges: Vec<Edge<'a>>,
    /// Set when only part of the model is drawn: what part.
    pub scope_note: Option<String>,
    /// What the SVG writes on the arrows ([`Labels::Auto`] unless set).
    pub labels: Labels,
    /// Which way the SVG's layers run ([`Orientation::Auto`] unless set).
    pub direction: Orientation,
}

impl<'a> Diagram<'a> {
    /// The part of `model` that `options.scope` selects, with marks judged on
    /// `options.today`.
    pub fn new(model: &'a Model, options: &Options) -> Result<Diagram<'a>, SelectError> {
        let picked = select::select(model, &options.scope)?;
        let mut shown = vec![false; model.zones.len()];
        for c in &picked.components {
            // A shown zone's ancestors are shown already: climbing on would make deep
            // nesting quadratic.
            for z in model.zone_chain(model.component(*c).zone) {
                if std::mem::replace(&mut shown[z.index()], true) {
                    break;
                }
            }
        }
        // Pre-order over the zone tree, keeping only zones that hold something drawn.
        let mut order: Vec<ZoneId> = Vec::new();
        let mut stack: Vec<ZoneId> = model
            .zone_ids()
            .filter(|z| model.zone(*z).parent.is_none())
            .collect();
        stack.reverse();
        while let Some(z) = stack.pop() {
            if !shown[z.index()] {
                continue;
            }
            order.push(z);
            stack.extend(model.zone(z).children.iter().rev().copied());
        }
        let mut local = vec![usize::MAX; model.zones.len()];
        for (i, z) in order.iter().enumerate() {
            local[z.index()] = i;
        }
        let mut zones: Vec<Zone<'a>> = order
            .iter()
            .map(|z| {
                let zone = model.zone(*z);
                Zone {
                    id: &zone.id,
                    name: &zone.name,
                    trust: zone.trust,
                    parent: zone.parent.map(|p| local[p.index()]),
                    children: Vec::new(),
                }
            })
            .collect();
        for i in 0..zones.len() {
            if let Some(p) = zones[i].parent {
                zones[p].children.push(i);
            }
        }

        let uncovered = |threats: &[crate::model::ThreatId]| {
            threats
                .iter()
                .filter(|t| model.coverage(**t, options.today).is_uncovered())
                .count()
        };
        let mut node_of = vec![usize::MAX; model.graph.node_count()];
        let nodes: Vec<Node<'a>> = picked
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| {
                node_of[c.index()] = i;
                let comp = model.component(*c);
                Node {
                    component: *c,
                    id: &comp.id,
                    name: &comp.name,
                    kind: comp.kind,
                    zone: local[comp.zone.index()],
                    uncovered: uncovered(&comp.threats),
                }
            })
            .collect();
        let edges = picked
            .flows
            .iter()
            .map(|f| {
                let flow = model.flow(*f);
                Edge {
                    flow: *f,
                    number: f.index() + 1,
                    id: &flow.id,
                    name: &flow.name,
                    from: node_of[flow.from.index()],
                    to: node_of[flow.to.index()],
                    protocol: flow.protocol.as_deref(),
                    crossing: flow.crossing.map(|c| c.direction),
                    uncovered: uncovered(&flow.threats),
                }
            })
            .collect();
        Ok(Diagram {
            title: &model.project.name,
            zones,
            nodes,
            edges,
            scope_note: picked.note,
            labels: Labels::Auto,
            direction: Orientation::Auto,
        })
    }

    /// The zone tree depth first, top-level zones and children in drawing order: every
    /// zone is entered, then its children are walked, then it is left. Iterative, so
    /// that nesting as deep as a model can write does not overflow the stack.
    pub fn zone_walk(&self) -> ZoneWalk<'_, 'a> {
        ZoneWalk {
            diagram: self,
            next_root: 0,
            stack: Vec::new(),
        }
    }

    /// The indices of the nodes in each zone (directly, not in zones below), in order.
    pub fn nodes_by_zone(&self) -> Vec<Vec<usize>> {
        let mut by_zone = vec![Vec::new(); self.zones.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            by_zone[n.zone].push(i);
        }
        by_zone
    }

    /// The zones from `z` up to its top-level ancestor, `z` first.
    pub fn zone_chain(&self, z: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(z), |z| self.zones[*z].parent)
    }

    /// A one-sentence description for screen readers and the SVG's `<desc>`.
    pub fn description(&self) -> String {
        let crossing = self.edges.iter().filter(|e| e.crossing.is_some()).count();
        let bad_nodes = self.nodes.iter().filter(|n| n.uncovered > 0).count();
        let bad_edges = self.edges.iter().filter(|e| e.uncovered > 0).count();
        let mut text = format!(
            "Data-flow diagram of {}: {} {} in {} trust {}, {} {} ({} crossing a trust boundary).",
            self.title,
            self.nodes.len(),
            plural(self.nodes.len(), "component", "components"),
            self.zones.len(),
            plural(self.zones.len(), "zone", "zones"),
            self.edges.len(),
            plural(self.edges.len(), "flow", "flows"),
            crossing,
        );
        if bad_nodes + bad_edges > 0 {
            text.push_str(&format!(
                " Uncovered threats on {bad_nodes} {} and {bad_edges} {}.",
                plural(bad_nodes, "component", "components"),
                plural(bad_edges, "flow", "flows"),
            ));
        }
        if let Some(note) = &self.scope_note {
            text.push(' ');
            text.push_str(note);
        }
        text
    }
}

/// A step of [`Diagram::zone_walk`], with the zone's depth (0 for a top-level zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneStep {
    Enter { zone: usize, depth: usize },
    Leave { zone: usize, depth: usize },
}

/// The iterator of [`Diagram::zone_walk`]: an explicit stack of (zone, next child).
pub struct ZoneWalk<'d, 'a> {
    diagram: &'d Diagram<'a>,
    next_root: usize,
    stack: Vec<(usize, usize)>,
}

impl Iterator for ZoneWalk<'_, '_> {
    type Item = ZoneStep;

    fn next(&mut self) -> Option<ZoneStep> {
        let zones = &self.diagram.zones;
        if let Some((zone, next)) = self.stack.last_mut() {
            let zone = *zone;
            if let Some(&child) = zones[zone].children.get(*next) {
                *next += 1;
                self.stack.push((child, 0));
                return Some(ZoneStep::Enter {
                    zone: child,
                    depth: self.stack.len() - 1,
                });
            }
            self.stack.pop();
            return Some(ZoneStep::Leave {
                zone,
                depth: self.stack.len(),
            });
        }
        while self.next_root < zones.len() {
            let zone = self.next_root;
            self.next_root += 1;
            if zones[zone].parent.is_none() {
                self.stack.push((zone, 0));
                return Some(ZoneStep::Enter { zone, depth: 0 });
            }
        }
        None
    }
}

/// How many levels text formats (DOT, Mermaid) indent nested zones at most. Deeper zones
/// are indented no further: indenting every level would make the text grow with the
/// square of the nesting depth (10,000 nested zones would take hundreds of megabytes).
pub const MAX_INDENT: usize = 8;

/// The indentation of a line `depth` levels in, capped at [`MAX_INDENT`] levels.
pub fn indent(depth: usize) -> &'static str {
    const SPACES: &str = "                ";
    &SPACES[..2 * depth.min(MAX_INDENT)]
}

fn plural<'s>(n: usize, one: &'s str, many: &'s str) -> &'s str {
    if n == 1 { one } else { many }
}

/// The longest Mermaid text a report embeds. GitHub's renderer refuses diagrams above
/// 50,000 characters, and a diagram that large is unreadable anyway.
pub const REPORT_MERMAID_LIMIT: usize = 50_000;

/// The whole model as Mermaid for the Markdown report, or `None` when it is too large
/// to render (see [`REPORT_MERMAID_LIMIT`]).
pub fn report_mermaid(model: &Model, today: Date) -> Option<String> {
    // Every node and edge takes at least ten characters: skip drawing what cannot fit.
    // What can still be too long (deep zones, long names) stops at the limit.
    if (model.graph.node_count() + model.graph.edge_count()) * 10 > REPORT_MERMAID_LIMIT {
        return None;
    }
    let options = Options {
        today,
        scope: Scope::All,
    };
    let diagram = Diagram::new(model, &options).ok()?;
    mermaid::render_within(&diagram, REPORT_MERMAID_LIMIT)
}

/// The largest SVG a report or site page inlines (about 400 components with 5 flows
/// each); above it the page links to nothing and `threatbook diagram --zone/--focus`
/// draws parts.
pub const REPORT_SVG_LIMIT: usize = 5 * 1024 * 1024;

/// The fewest bytes a component or flow takes in the SVG.
const MIN_SVG_BYTES_PER_ELEMENT: usize = 500;

/// The whole model as SVG for the HTML report and the site, or `None` when it is too
/// large to be useful inline (see [`REPORT_SVG_LIMIT`]).
pub fn report_svg(model: &Model, today: Date) -> Option<String> {
    // Every component and flow takes at least 500 bytes (a flow: its curve, its label
    // and its row of the table; about 900 on the bundled models, 2,000 at 1,000
    // components): skip the layout of what cannot fit.
    if (model.graph.node_count() + model.graph.edge_count()) * MIN_SVG_BYTES_PER_ELEMENT
        > REPORT_SVG_LIMIT
    {
        return None;
    }
    let options = Options {
        today,
        scope: Scope::All,
    };
    let text = render(model, Format::Svg, &options).ok()?;
    (text.len() <= REPORT_SVG_LIMIT).then_some(text)
}

/// Draws the part of `model` that `options` selects in `format`.
pub fn render(model: &Model, format: Format, options: &Options) -> Result<String, SelectError> {
    let diagram = Diagram::new(model, options)?;
    Ok(render_diagram(&diagram, format))
}

/// Draws `diagram` in `format`.
pub fn render_diagram(diagram: &Diagram, format: Format) -> String {
    match format {
        Format::Svg => svg::render(diagram),
        Format::Dot => dot::render(diagram),
        Format::Mermaid => mermaid::render(diagram),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic;

    fn load(files: &[(String, String)]) -> Model {
        crate::open_texts(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .model
            .expect("the limit case resolves")
    }

    fn input_bytes(files: &[(String, String)]) -> usize {
        files.iter().map(|(_, t)| t.len()).sum()
    }

    /// Runs `f` on a thread with a 256 KiB stack: a walk that recursed once per zone
    /// level would overflow it long before 10,000 levels.
    fn on_a_small_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn_scoped(scope, f)
                .expect("a thread starts")
                .join()
                .expect("no stack overflow")
        })
    }

    fn options(scope: Scope) -> Options {
        Options {
            today: Date::parse("2026-11-27").unwrap(),
            scope,
        }
    }

    #[test]
    fn ten_thousand_nested_zones_do_not_overflow_the_stack_in_any_format() {
        // DOT writing recursed once per zone level and aborted the process on 23,000
        // nested zones.
        let files = synthetic::nested_zones(10_000);
        let model = load(&files);
        on_a_small_stack(|| {
            for format in [Format::Dot, Format::Mermaid, Format::Svg] {
                let text = render(&model, format, &options(Scope::All)).unwrap();
                assert!(text.contains("Zone 9999"), "{format:?}");
            }
            let zone = render(&model, Format::Dot, &options(Scope::Zone("z0".into()))).unwrap();
            assert!(zone.contains("Zone 9999"));
        });
    }

    #[test]
    fn dot_and_mermaid_of_deeply_nested_zones_stay_linear_in_the_model() {
        // Indenting every level made 10,000 nested zones (661 KB of TOML) 294 MB of DOT.
        let files = synthetic::nested_zones(10_000);
        let model = load(&files);
        let input = input_bytes(&files);
        for format in [Format::Dot, Format::Mermaid] {
            let text = render(&model, format, &options(Scope::All)).unwrap();
            assert!(
                text.len() < 20 * input,
                "{format:?}: {} bytes from {input}",
                text.len()
            );
        }
        // Normal nesting keeps its indentation.
        assert_eq!(indent(3), "      ");
        assert_eq!(indent(MAX_INDENT + 100).len(), 2 * MAX_INDENT);
    }

    #[test]
    fn the_report_stops_drawing_mermaid_at_its_limit() {
        let model = load(&synthetic::nested_zones(10_000));
        let today = Date::parse("2026-11-27").unwrap();
        assert_eq!(report_mermaid(&model, today), None);
        let small = load(&synthetic::nested_zones(20));
        let text = report_mermaid(&small, today).expect("small enough to embed");
        assert!(text.len() < REPORT_MERMAID_LIMIT && text.contains("Zone 19"));
    }

    #[test]
    fn a_megabyte_name_is_drawn_once_not_once_per_flow() {
        // Each flow's tooltip and table line repeated both component names in full.
        let files = synthetic::long_name(1 << 20, 50);
        let model = load(&files);
        let svg = render(&model, Format::Svg, &options(Scope::All)).unwrap();
        let input = input_bytes(&files);
        assert!(
            svg.len() < 3 * input,
            "{} bytes of SVG from {input}",
            svg.len()
        );
    }

    #[test]
    fn thousands_of_flows_between_two_components_get_their_labels_placed() {
        // Counting every overlapping label for every candidate place made placing the
        // labels of 3,000 parallel flows take seconds, 10,000 minutes.
        let mut text = String::from(
            "[[zone]]\nid = \"z\"\nname = \"Z\"\ntrust = 3\n\n\
             [[component]]\nid = \"a\"\nname = \"A\"\nkind = \"process\"\nzone = \"z\"\n\n\
             [[component]]\nid = \"b\"\nname = \"B\"\nkind = \"process\"\nzone = \"z\"\n\n",
        );
        for i in 0..3_000 {
            text.push_str(&format!(
                "[[flow]]\nid = \"f{i}\"\nname = \"F\"\nfrom = \"a\"\nto = \"b\"\n\n"
            ));
        }
        let files = [
            (
                "threatbook.toml".to_string(),
                "[project]\nname = \"P\"\n".to_string(),
            ),
            ("model.toml".to_string(), text),
        ];
        let model = load(&files);
        let diagram = Diagram::new(&model, &options(Scope::All)).unwrap();
        let placed = layout::layout(&diagram);
        assert_eq!(placed.edges.len(), 3_000);
        assert!(placed.edges.iter().all(|r| r.label.w > 0.0));
    }
}
