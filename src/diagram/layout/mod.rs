//! The layered (Sugiyama-style) layout of a [`Diagram`], left to right or top to bottom,
//! with trust zones as nested bands across the layers.
//!
//! Steps: cycles are broken by reversing flows (along a depth-first search in model
//! order, or the Eades–Lin–Smyth greedy order where that gives too many layers; small
//! drawings try several such choices and keep the one whose quick layout crosses least);
//! components get layers by longest path, then move to shorten their flows (with the
//! network simplex method where the graph is small enough), and the layers are capped
//! at 2·√n (flows whose ends then share a layer become flat loops);
//! flows spanning several layers get dummy points, one per layer, within a budget, in
//! their source's band up to the gap where they change band (one clear of zones that hold
//! neither end; with none, they go around all zones); the order inside each layer comes
//! from median sweeps that keep every zone's members together, with transpositions and,
//! where affordable, sifting; y
//! positions follow neighbours within each zone's band. Routes run straight through the
//! columns and bend only in the gaps between them.
//!
//! Top to bottom is the same layout computed in turned coordinates (x along the layers,
//! y across them), turned back at the end; the comments below speak left to right.
//!
//! Zones: each zone owns a horizontal band of the drawing. A zone's band holds, top to
//! bottom, a header for its label, a strip for its own components, then the bands of its
//! child zones. Sibling bands never share a y, so zone regions only overlap when nested,
//! and a component lies inside exactly the regions of its zone chain. Columns (layers)
//! are shared by all zones; a zone's region spans the columns of its components, padded
//! more for zones with deeper subtrees so that nested regions stay strictly inside.
//!
//! The result is a [`Layout`] of plain rectangles and polylines, which [`svg`](super::svg)
//! draws and the tests check. Everything is deterministic: ties break on model order.

mod labels;
mod rank;
mod simplex;

pub use self::labels::curve_point;
use self::labels::place_labels;
use self::rank::{
    assign_layers, break_cycles_dfs, break_cycles_greedy, order_layers, squeeze_layers,
};
use super::text;
use super::{Diagram, Labels, Orientation, ZoneStep};

/// Font size of component names (px).
pub const NODE_FONT: f64 = 12.0;
/// Line height of component names.
pub const NODE_LINE: f64 = 15.0;
/// Font size of zone labels.
pub const ZONE_FONT: f64 = 12.0;
/// Font size of flow labels.
pub const EDGE_FONT: f64 = 10.0;
/// Horizontal padding inside a component shape.
pub const NODE_PAD_X: f64 = 10.0;
/// Vertical padding inside a component shape.
pub const NODE_PAD_Y: f64 = 9.0;
/// Width of the warning mark drawn in components and flow labels with uncovered threats.
pub const MARK_W: f64 = 14.0;
/// Horizontal padding inside a flow label.
pub const LABEL_PAD: f64 = 3.0;
/// Height of a flow label.
pub const LABEL_H: f64 = 14.0;
/// Horizontal padding of a zone label inside its region.
pub const ZONE_LABEL_PAD: f64 = 8.0;

const MAX_TEXT_W: f64 = 132.0;
const MAX_LINES: usize = 3;
const MIN_NODE_W: f64 = 96.0;
const MIN_NODE_H: f64 = 38.0;
const LAYER_GAP: f64 = 116.0;
const NODE_GAP: f64 = 16.0;
const DUMMY_H: f64 = 6.0;
const ZONE_HEADER: f64 = 22.0;
/// Top to bottom, the gap between rows (labels are wide, not tall) and the strip left
/// of each zone band (titles go at the top instead).
const LAYER_GAP_TB: f64 = 84.0;
const ZONE_HEADER_TB: f64 = 10.0;
/// Top to bottom, room above a zone's first row for its title, more per level of zones
/// inside it so that nested titles do not meet.
const ZONE_TITLE_ROOM: f64 = 26.0;
const ZONE_TITLE_STEP: f64 = 22.0;
const ZONE_BOTTOM: f64 = 8.0;
const ZONE_GAP: f64 = 10.0;
const TOP_ZONE_GAP: f64 = 12.0;
const ZONE_PAD: f64 = 14.0;
const ZONE_PAD_STEP: f64 = 10.0;
const MARGIN: f64 = 8.0;
/// Zone regions widen to fit labels up to this width; longer labels are cut.
const MAX_ZONE_LABEL_W: f64 = 320.0;
const SWEEPS: usize = 24;
/// At most this many layers per square root of the number of components (and at least
/// [`MIN_LAYER_CAP`]), so that long chains of flows cannot stretch the drawing.
const LAYERS_PER_SQRT: f64 = 2.0;
const MIN_LAYER_CAP: usize = 40;
/// How far right of its column a flat flow's loop reaches.
const TURN_REACH: f64 = 12.0;
/// Bend points allowed per component before further long flows are drawn directly.
const DUMMIES_PER_NODE: usize = 200;
/// Bend points allowed whatever the number of components…
const MIN_DUMMIES: usize = 4_000;
/// …and at most, in all: ordering and drawing grow with them, and a drawing that needs
/// more (some 1,500 components with five flows each) is not read whole anyway.
const MAX_DUMMIES: usize = 150_000;
/// A flow changes band in a stretch of a gap at least this wide, this far from the
/// zones on either side.
const MIN_WINDOW: f64 = 4.0;
const WINDOW_MARGIN: f64 = 4.0;
const Y_PASSES: usize = 6;

/// An axis-aligned rectangle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    /// Whether the interiors of the two rectangles meet.
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }

    /// Whether `o` lies inside this rectangle (edges may touch).
    pub fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x && o.y >= self.y && o.right() <= self.right() && o.bottom() <= self.bottom()
    }

    fn shift(&mut self, dx: f64, dy: f64) {
        self.x += dx;
        self.y += dy;
    }
}

/// A component's shape and the lines of its name.
#[derive(Clone, Debug)]
pub struct NodeBox {
    pub rect: Rect,
    pub lines: Vec<String>,
    /// Whether the name had to be cut (the full name goes in a tooltip).
    pub cut: bool,
    pub layer: usize,
}

/// A zone's region and its label, cut to fit.
#[derive(Clone, Debug)]
pub struct ZoneBox {
    pub rect: Rect,
    pub label: String,
    /// Where the title starts, right of the region's left edge: [`ZONE_LABEL_PAD`]
    /// unless a flow's curve runs there.
    pub title_dx: f64,
    /// Whether a flow's curve runs across the title where it is: it then gets a backing.
    pub title_crossed: bool,
}

/// How a flow is drawn.
#[derive(Clone, Debug)]
pub struct Route {
    /// From the source's side to the target's side; consecutive points are joined by
    /// curves with horizontal tangents (straight where they share a y); two consecutive
    /// points with the same x are joined by a loop bulging right (a flat flow's turn).
    /// Top to bottom ([`Route::vertical`]) the same with x and y swapped.
    /// A self-loop has two points on the right side.
    pub points: Vec<(f64, f64)>,
    pub self_loop: bool,
    /// Drawn top to bottom: curves have vertical tangents, and a flat flow's turn
    /// bulges down.
    pub vertical: bool,
    /// The arrowhead points along the layers (right, or down when [`Route::vertical`])
    /// when true, against them otherwise.
    pub arrow_right: bool,
    /// The label's box and its lines of text (one, or two for a wrapped name).
    pub label: Rect,
    pub lines: Vec<String>,
}

impl Route {
    /// The curve as cubic Bézier pieces (start, two control points, end): what the SVG
    /// draws and [`stats`](super::stats) measures.
    pub fn pieces(&self) -> Vec<[(f64, f64); 4]> {
        if self.self_loop {
            let (p, q) = (self.points[0], self.points[1]);
            return vec![[
                p,
                (p.0 + LOOP_REACH, p.1 - 24.0),
                (q.0 + LOOP_REACH, q.1),
                q,
            ]];
        }
        self.points
            .windows(2)
            .map(|w| {
                let (p, q) = (w[0], w[1]);
                if self.vertical {
                    if p.1 == q.1 && p.0 != q.0 {
                        return [p, (p.0, p.1 + TURN_REACH), (q.0, q.1 + TURN_REACH), q];
                    }
                    let my = (p.1 + q.1) / 2.0;
                    return [p, (p.0, my), (q.0, my), q];
                }
                if p.0 == q.0 && p.1 != q.1 {
                    // A flat flow's turn: a loop bulging right.
                    return [p, (p.0 + TURN_REACH, p.1), (q.0 + TURN_REACH, q.1), q];
                }
                let mx = (p.0 + q.0) / 2.0;
                [p, (mx, p.1), (mx, q.1), q]
            })
            .collect()
    }
}

/// A laid-out diagram: every coordinate the SVG uses.
#[derive(Clone, Debug)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    /// Parallel to [`Diagram::nodes`].
    pub nodes: Vec<NodeBox>,
    /// Parallel to [`Diagram::zones`].
    pub zones: Vec<ZoneBox>,
    /// Parallel to [`Diagram::edges`].
    pub edges: Vec<Route>,
    pub layers: usize,
    /// Edge crossings between adjacent layers after ordering (dummy segments included).
    pub crossings: usize,
}

/// The inner text width of a node of width `w`.
pub fn node_text_width(w: f64, marked: bool) -> f64 {
    w - 2.0 * NODE_PAD_X - if marked { MARK_W } else { 0.0 }
}

/// A virtual node: a component or a dummy point of a long flow.
struct Graph {
    layer: Vec<usize>,
    band: Vec<usize>,
    w: Vec<f64>,
    h: Vec<f64>,
    /// Neighbours in the layer above (lower index) and below.
    up: Vec<Vec<usize>>,
    down: Vec<Vec<usize>>,
}

/// The most components and flows for which [`Orientation::Auto`] lays out both
/// directions to choose; larger drawings are laid out left to right only.
pub const AUTO_BOTH_UP_TO: usize = 3_000;

/// The page [`Orientation::Auto`] fits drawings to: 1,400 × 1,000 px, landscape.
pub const PAGE: (f64, f64) = (1400.0, 1000.0);

/// The scale at which `l` fits on [`PAGE`], never above 1.
pub fn page_scale(l: &Layout) -> f64 {
    (PAGE.0 / l.width.max(1.0))
        .min(PAGE.1 / l.height.max(1.0))
        .min(1.0)
}

/// Lays out `d`, left to right or top to bottom as [`Diagram::direction`] says; for
/// [`Orientation::Auto`] both, keeping the one that is drawn larger when fitted to
/// [`PAGE`]; when both fit at full size, the smaller; left to right on a tie.
pub fn layout(d: &Diagram) -> Layout {
    let plan = plan(d);
    match d.direction {
        Orientation::Lr => layout_in(d, false, plan),
        Orientation::Tb => layout_in(d, true, plan),
        // A drawing this large fits no page either way: left to right, as DOT and
        // Mermaid draw it, without laying it out twice.
        Orientation::Auto if d.nodes.len() + d.edges.len() > AUTO_BOTH_UP_TO => {
            layout_in(d, false, plan)
        }
        Orientation::Auto => {
            let lr = layout_in(d, false, plan);
            let tb = layout_in(d, true, plan);
            let key = |l: &Layout| (page_scale(l), -(l.width * l.height));
            if key(&tb) > key(&lr) { tb } else { lr }
        }
    }
}

/// How cycles are broken before layering.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Breaking {
    /// The back edges of a depth-first search: in model order for 0 (and then the
    /// greedy order instead where the search gives too many layers), else in an order
    /// shuffled from this seed (squeezed to the layer cap like any other).
    Search(u64),
    /// The greedy order of Eades, Lin and Smyth.
    Greedy,
}

/// The choices a layout is made with.
#[derive(Clone, Copy, Debug)]
struct Plan {
    breaking: Breaking,
    /// Order layers with the full search (a second start from model order, sifting,
    /// unbounded transposition), not a quick one.
    thorough: bool,
}

/// Drawings of at most this many components and flows try several ways of breaking
/// cycles and keep the one whose quick ordering crosses least: which flows turn around
/// decides the layers, and crossings vary by a quarter between them.
const SEARCH_UP_TO: usize = 800;
/// Shuffled depth-first searches tried besides model order and the greedy order.
const SEARCH_SEEDS: u64 = 10;

/// How to lay out `d`: for small drawings, the way of breaking cycles whose quick
/// layout crosses least (ties to the earlier candidate: model order first).
fn plan(d: &Diagram) -> Plan {
    let plain = Plan {
        breaking: Breaking::Search(0),
        thorough: true,
    };
    if d.nodes.len() + d.edges.len() > SEARCH_UP_TO || d.edges.len() < 2 {
        return plain;
    }
    let candidates = std::iter::once(Breaking::Search(0))
        .chain(std::iter::once(Breaking::Greedy))
        .chain((1..=SEARCH_SEEDS).map(Breaking::Search));
    let mut best: Option<(usize, Breaking)> = None;
    for breaking in candidates {
        let quick = Plan {
            breaking,
            thorough: false,
        };
        let c = layout_in(d, false, quick).crossings;
        if best.is_none_or(|(b, _)| c < b) {
            best = Some((c, breaking));
        }
        if c == 0 {
            break;
        }
    }
    Plan {
        breaking: best.map_or(Breaking::Search(0), |b| b.1),
        thorough: true,
    }
}

/// Lays out `d` left to right, or top to bottom when `tb`. Top to bottom is the same
/// layout in turned coordinates ("main" along the layers, "cross" across them): node
/// sizes are turned before and every coordinate after, and zone titles, which read left
/// to right either way, get room at the top of their region instead of a header strip.
fn layout_in(d: &Diagram, tb: bool, plan: Plan) -> Layout {
    let n = d.nodes.len();
    let layer_gap = if tb { LAYER_GAP_TB } else { LAYER_GAP };
    let zone_header = if tb { ZONE_HEADER_TB } else { ZONE_HEADER };
    // Sizes from the wrapped names.
    let mut nodes: Vec<NodeBox> = d
        .nodes
        .iter()
        .map(|node| {
            let lines = text::wrap(node.name, MAX_TEXT_W, NODE_FONT, MAX_LINES);
            let cut = lines.join(" ") != node.name.split_whitespace().collect::<Vec<_>>().join(" ");
            let text_w = lines
                .iter()
                .map(|l| text::width(l, NODE_FONT))
                .fold(0.0, f64::max);
            let mark = if node.uncovered > 0 { MARK_W } else { 0.0 };
            let w = (text_w + 2.0 * NODE_PAD_X + mark).max(MIN_NODE_W).ceil();
            let h = (lines.len().max(1) as f64 * NODE_LINE + 2.0 * NODE_PAD_Y).max(MIN_NODE_H);
            let (w, h) = if tb { (h, w) } else { (w, h) };
            NodeBox {
                rect: Rect {
                    x: 0.0,
                    y: 0.0,
                    w,
                    h,
                },
                lines,
                cut,
                layer: 0,
            }
        })
        .collect();

    let mut loops = vec![false; n];
    for e in d.edges.iter().filter(|e| e.from == e.to) {
        loops[e.from] = true;
    }

    // 1. Break cycles; 2. layers.
    // Cycles are broken along a depth-first search in model order, which follows the
    // order a model is written in; where that gives more layers than the cap, by the
    // greedy heuristic, which leaves shorter paths.
    let cap = ((LAYERS_PER_SQRT * (n as f64).sqrt()).ceil() as usize).max(MIN_LAYER_CAP);
    let acyclic = |reversed: &[bool]| -> Vec<Option<(usize, usize)>> {
        d.edges
            .iter()
            .zip(reversed)
            .map(|(e, r)| match (e.from == e.to, r) {
                (true, _) => None,
                (false, false) => Some((e.from, e.to)),
                (false, true) => Some((e.to, e.from)),
            })
            .collect()
    };
    let mut reversed = match plan.breaking {
        Breaking::Search(seed) => break_cycles_dfs(d, seed),
        Breaking::Greedy => break_cycles_greedy(d),
    };
    let mut dag = acyclic(&reversed);
    let mut layer = assign_layers(n, &dag);
    if plan.breaking == Breaking::Search(0) && layer.iter().max().is_some_and(|l| l + 1 > cap) {
        reversed = break_cycles_greedy(d);
        dag = acyclic(&reversed);
        layer = assign_layers(n, &dag);
    }
    let layers = squeeze_layers(&mut layer, cap);
    // Flows whose ends share a layer once it is squeezed.
    let flat: Vec<bool> = dag
        .iter()
        .map(|e| e.is_some_and(|(a, b)| layer[a] == layer[b]))
        .collect();

    // 3. x: shared columns, which depend on the layers only; then each zone's extent
    // across them, so that long flows can be routed around zones before ordering.
    let mut col_w = vec![20.0f64; layers];
    for (v, l) in layer.iter().enumerate() {
        col_w[*l] = col_w[*l].max(nodes[v].rect.w);
    }
    let mut col_x = vec![0.0; layers];
    for l in 1..layers {
        col_x[l] = col_x[l - 1] + col_w[l - 1] + layer_gap;
    }
    let col_right = |l: usize| col_x[l] + col_w[l];
    let node_x: Vec<f64> = (0..n)
        .map(|v| col_x[layer[v]] + (col_w[layer[v]] - nodes[v].rect.w) / 2.0)
        .collect();
    let full_labels: Vec<String> = d
        .zones
        .iter()
        .map(|z| format!("{} (trust {})", z.name, z.trust))
        .collect();
    let node_right: Vec<f64> = (0..n).map(|v| node_x[v] + nodes[v].rect.w).collect();
    let zone_x = zone_extents(d, &layer, &col_x, &col_w, &node_right, &full_labels, tb);
    let mut pre = vec![0usize; d.zones.len()];
    for (k, step) in d
        .zone_walk()
        .filter_map(|s| match s {
            ZoneStep::Enter { zone, .. } => Some(zone),
            ZoneStep::Leave { .. } => None,
        })
        .enumerate()
    {
        pre[step] = k;
    }

    // 4. Dummy points for flows spanning several layers, one per layer crossed, within a
    // budget that keeps huge models tractable (flows beyond it are drawn directly). A
    // flow between two zones changes band in one gap between columns, the last one
    // where no zone holding neither end lies in the way: its points before that gap
    // are in its source's band, the rest in its target's.
    let mut g = Graph {
        layer: layer.clone(),
        band: d.nodes.iter().map(|x| x.zone).collect(),
        w: nodes.iter().map(|x| x.rect.w).collect(),
        // Top to bottom, a self-loop sticks out across the layers: room for it.
        h: nodes
            .iter()
            .enumerate()
            .map(|(v, x)| x.rect.h + if tb && loops[v] { LOOP_REACH } else { 0.0 })
            .collect(),
        up: vec![Vec::new(); n],
        down: vec![Vec::new(); n],
    };
    let mut by_span: Vec<usize> = (0..d.edges.len()).filter(|i| dag[*i].is_some()).collect();
    by_span.sort_by_key(|i| {
        let (a, b) = dag[*i].unwrap_or_default();
        (layer[b] - layer[a], *i)
    });
    let mut budget = (DUMMIES_PER_NODE * n).clamp(MIN_DUMMIES, MAX_DUMMIES);
    let mut chains: Vec<Vec<usize>> = vec![Vec::new(); d.edges.len()];
    // The gap where a flow changes band and the stretch of it that is free of zones.
    let mut transit: Vec<Option<(usize, f64, f64)>> = vec![None; d.edges.len()];
    // Where a flow that goes around the zones turns.
    let mut detour: Vec<Option<f64>> = vec![None; d.edges.len()];
    let mut holds = vec![false; d.zones.len()];
    let mut blockers: Vec<(f64, f64)> = Vec::new();
    // Right of every zone: where a flow turns when no gap on its way is free of zones.
    let beyond = zone_x
        .iter()
        .map(|(x, w)| x + w)
        .fold(col_right(layers - 1), f64::max)
        + WINDOW_MARGIN;
    for i in by_span {
        let Some((a, b)) = dag[i] else { continue };
        let (za, zb) = (g.band[a], g.band[b]);
        let (la, lb) = (layer[a], layer[b]);
        let blocked = zone_blockers(d, &pre, za, zb, &zone_x, &mut holds, &mut blockers);
        // The gap where the flow changes band: the last one on its way with room.
        let mut gap = lb.max(la + 1) - 1;
        let mut found = !blocked;
        if blocked {
            for t in (la..lb.max(la + 1)).rev() {
                let right = if t + 1 < layers {
                    col_x[t + 1]
                } else {
                    beyond + layer_gap
                };
                if let Some((x0, x1)) = free_window((col_right(t), right), &blockers) {
                    gap = t;
                    transit[i] = Some((t, x0, x1));
                    found = true;
                    break;
                }
            }
        }
        if flat[i] && transit[i].is_none() {
            let right = if la + 1 < layers {
                col_x[la + 1]
            } else {
                col_right(la) + layer_gap
            };
            transit[i] = Some((la, col_right(la) + WINDOW_MARGIN, right - WINDOW_MARGIN));
        }
        // No room on the way: out to the right of all zones in the source's band, down
        // or up there, and back in the target's band into its right side.
        let around = !found && layers - 1 - la + layers - 1 - lb <= budget;
        let mut chain = vec![a];
        let dummy = |g: &mut Graph, l: usize, band: usize| {
            let v = g.layer.len();
            g.layer.push(l);
            g.band.push(band);
            g.w.push(0.0);
            g.h.push(DUMMY_H);
            g.up.push(Vec::new());
            g.down.push(Vec::new());
            v
        };
        if around {
            budget -= layers - 1 - la + layers - 1 - lb;
            detour[i] = Some(beyond);
            transit[i] = None;
            for l in la + 1..layers {
                chain.push(dummy(&mut g, l, za));
            }
            for l in (lb + 1..layers).rev() {
                chain.push(dummy(&mut g, l, zb));
            }
        } else if lb > la + 1 && lb - la - 1 <= budget {
            budget -= lb - la - 1;
            for l in la + 1..lb {
                chain.push(dummy(&mut g, l, if l <= gap { za } else { zb }));
            }
        } else if lb > la + 1 {
            transit[i] = None;
        }
        chain.push(b);
        for pair in chain.windows(2) {
            let (p, q) = (pair[0], pair[1]);
            if g.layer[q] == g.layer[p] + 1 {
                g.down[p].push(q);
                g.up[q].push(p);
            } else if g.layer[p] == g.layer[q] + 1 {
                g.down[q].push(p);
                g.up[p].push(q);
            }
        }
        chains[i] = chain;
    }

    // 5. Order within layers.
    let (order, crossings) = order_layers(&g, layers, plan.thorough);

    // 6. Bands: the height each zone's own strip needs, then the zone tree top to bottom.
    let zones_n = d.zones.len();
    let mut strip = vec![0.0f64; zones_n];
    for layer_order in &order {
        let mut i = 0;
        while i < layer_order.len() {
            let band = g.band[layer_order[i]];
            let mut j = i;
            let mut sum = 0.0;
            while j < layer_order.len() && g.band[layer_order[j]] == band {
                sum += g.h[layer_order[j]] + if j > i { NODE_GAP } else { 0.0 };
                j += 1;
            }
            strip[band] = strip[band].max(sum);
            i = j;
        }
    }
    if tb {
        // Zone titles read across the bands: a band without bands inside is as wide as
        // its title (up to the limit).
        for (z, zone) in d.zones.iter().enumerate() {
            if zone.children.is_empty() {
                let want = text::width(&full_labels[z], ZONE_FONT * text::BOLD)
                    .min(MAX_ZONE_LABEL_W)
                    + 2.0 * ZONE_LABEL_PAD;
                strip[z] = strip[z].max(want - zone_header - ZONE_BOTTOM);
            }
        }
    }
    let mut zone_top = vec![0.0; zones_n];
    let mut zone_bottom = vec![0.0; zones_n];
    let mut strip_top = vec![0.0; zones_n];
    // Each zone's band: its header, its own strip, its children's bands with gaps
    // between, and a bottom margin; top-level zones one under the other.
    let mut y = 0.0;
    let mut first = true;
    for step in d.zone_walk() {
        match step {
            ZoneStep::Enter { zone, depth } => {
                if depth == 0 {
                    if !std::mem::take(&mut first) {
                        y += TOP_ZONE_GAP;
                    }
                } else if d.zones[zone]
                    .parent
                    .is_some_and(|p| strip[p] > 0.0 || d.zones[p].children.first() != Some(&zone))
                {
                    y += ZONE_GAP;
                }
                zone_top[zone] = y;
                y += zone_header;
                strip_top[zone] = y;
                if strip[zone] > 0.0 {
                    y += strip[zone];
                }
            }
            ZoneStep::Leave { zone, .. } => {
                y += ZONE_BOTTOM;
                zone_bottom[zone] = y;
            }
        }
    }

    // 7. y: follow neighbours inside each strip.
    let ys = position_y(&g, &order, &strip, &strip_top);
    for (v, node) in nodes.iter_mut().enumerate() {
        node.rect.x = node_x[v];
        node.rect.y = ys[v];
        node.layer = layer[v];
    }

    // Zone regions: their extent across the columns, and their bands.
    let mut zones: Vec<ZoneBox> = zone_x
        .iter()
        .zip(&full_labels)
        .enumerate()
        .map(|(z, (&(x, w), full))| {
            let rect = Rect {
                x,
                y: zone_top[z],
                w,
                h: zone_bottom[z] - zone_top[z],
            };
            let _ = full;
            ZoneBox {
                rect,
                label: String::new(),
                title_dx: ZONE_LABEL_PAD,
                title_crossed: false,
            }
        })
        .collect();

    // 8. Routes and labels.
    let centre_y = |v: usize| -> f64 {
        if v < n {
            nodes[v].rect.y + nodes[v].rect.h / 2.0
        } else {
            ys[v] + DUMMY_H / 2.0
        }
    };
    // Ports: flows leave a node's right side and enter the left side of the node in the
    // next layer; each side's flows are spread over its height, sorted by where they go.
    // A flat flow leaves and enters right sides. Entries: (where the flow goes, flow,
    // whether this is its target's port).
    let mut right: Vec<Vec<(f64, usize, bool)>> = vec![Vec::new(); n];
    let mut left: Vec<Vec<(f64, usize, bool)>> = vec![Vec::new(); n];
    for (i, chain) in chains.iter().enumerate() {
        if chain.len() < 2 {
            continue;
        }
        let (a, b) = (chain[0], chain[chain.len() - 1]);
        right[a].push((centre_y(chain[1]), i, false));
        let target_side = if flat[i] || detour[i].is_some() {
            &mut right
        } else {
            &mut left
        };
        target_side[b].push((centre_y(chain[chain.len() - 2]), i, true));
    }
    let mut port_right = vec![0.0; d.edges.len()];
    let mut port_left = vec![0.0; d.edges.len()];
    for side in right.iter_mut().chain(left.iter_mut()) {
        side.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)).then(p.2.cmp(&q.2)));
    }
    for (v, side) in right.iter().chain(left.iter()).enumerate() {
        let r = nodes[v % n.max(1)].rect;
        let k = side.len() as f64;
        for (j, &(_, e, end)) in side.iter().enumerate() {
            let y = r.y + r.h * (j as f64 + 1.0) / (k + 1.0);
            if end {
                port_left[e] = y;
            } else {
                port_right[e] = y;
            }
        }
    }

    let mut routes: Vec<Route> = Vec::with_capacity(d.edges.len());
    let mut options: Vec<Vec<LabelText>> = Vec::with_capacity(d.edges.len());
    for (i, e) in d.edges.iter().enumerate() {
        let choices = label_choices(e, d.labels);
        let label = Rect {
            x: 0.0,
            y: 0.0,
            w: choices[0].w,
            h: choices[0].h,
        };
        let label_text = choices[0].lines.clone();
        options.push(choices);
        if e.from == e.to {
            let r = nodes[e.from].rect;
            let cy = r.y + r.h / 2.0;
            routes.push(Route {
                points: vec![(r.right(), cy - 7.0), (r.right(), cy + 7.0)],
                self_loop: true,
                vertical: false,
                arrow_right: false,
                label,
                lines: label_text.clone(),
            });
            continue;
        }
        let chain = &chains[i];
        let (a, b) = (chain[0], chain[chain.len() - 1]);
        let mut points: Vec<(f64, f64)> = Vec::with_capacity(2 * chain.len() + 2);
        let mut push = |p: (f64, f64)| {
            if points.last() != Some(&p) {
                points.push(p);
            }
        };
        push((nodes[a].rect.right(), port_right[i]));
        if let Some(turn) = detour[i] {
            // Right through the source's band, a turn right of all zones, back left
            // through the target's band into its right side.
            push((col_right(g.layer[a]), port_right[i]));
            let outward = layers - 1 - g.layer[a];
            let mut y = port_right[i];
            for (k, &v) in chain[1..].iter().enumerate() {
                let l = g.layer[v];
                let vy = if v == b { port_left[i] } else { centre_y(v) };
                if k < outward {
                    push((col_x[l], vy));
                    push((col_right(l), vy));
                } else {
                    if k == outward {
                        push((turn, y));
                        push((turn, vy));
                    }
                    push((col_right(l), vy));
                    push(if v == b {
                        (nodes[b].rect.right(), vy)
                    } else {
                        (col_x[l], vy)
                    });
                }
                y = vy;
            }
        } else if flat[i] {
            // Out of the right side, a loop in the gap, into the target's right side.
            let x0 = transit[i].map_or(col_right(g.layer[a]) + WINDOW_MARGIN, |t| t.1);
            push((x0, port_right[i]));
            push((x0, port_left[i]));
            push((nodes[b].rect.right(), port_left[i]));
        } else if chain.len() == 2 && g.layer[b] > g.layer[a] + 1 {
            // Beyond the budget of bend points: drawn directly.
            push((nodes[b].rect.x, port_left[i]));
        } else {
            // Straight through every column, at the height of the flow's own slot, so
            // that curves only bend in the gaps between columns, where there are no
            // components.
            push((col_right(g.layer[a]), port_right[i]));
            let mut prev_y = port_right[i];
            for &v in &chain[1..] {
                let l = g.layer[v];
                let y = if v == b { port_left[i] } else { centre_y(v) };
                if let Some((_, x0, x1)) = transit[i].filter(|t| t.0 + 1 == l) {
                    push((x0, prev_y));
                    push((x1, y));
                }
                push((col_x[l], y));
                if v == b {
                    push((nodes[b].rect.x, y));
                } else {
                    push((col_right(l), y));
                }
                prev_y = y;
            }
        }
        if reversed[i] {
            points.reverse();
        }
        routes.push(Route {
            points,
            self_loop: false,
            vertical: false,
            arrow_right: !reversed[i] && !flat[i] && detour[i].is_none(),
            label,
            lines: label_text.clone(),
        });
    }
    // Top to bottom: turn every coordinate.
    if tb {
        let turn = |r: &mut Rect| {
            *r = Rect {
                x: r.y,
                y: r.x,
                w: r.h,
                h: r.w,
            }
        };
        nodes.iter_mut().for_each(|b| turn(&mut b.rect));
        zones.iter_mut().for_each(|b| turn(&mut b.rect));
        for r in routes.iter_mut().filter(|r| !r.self_loop) {
            r.vertical = true;
            r.points.iter_mut().for_each(|p| *p = (p.1, p.0));
        }
    }
    // Self-loops on the right side of their component, whichever the direction.
    for (e, r) in d.edges.iter().zip(routes.iter_mut()) {
        if r.self_loop {
            let b = nodes[e.from].rect;
            let cy = b.y + b.h / 2.0;
            r.points = vec![(b.right(), cy - 7.0), (b.right(), cy + 7.0)];
        }
    }
    for (zone, full) in zones.iter_mut().zip(&full_labels) {
        zone.label = text::truncate(
            full,
            zone.rect.w - 2.0 * ZONE_LABEL_PAD,
            ZONE_FONT * text::BOLD,
        );
    }
    place_zone_titles(&mut zones, &nodes, &routes);
    let titles: Vec<Rect> = zones
        .iter()
        .filter_map(|z| super::stats::zone_title(z.rect, z.title_dx, &z.label))
        .collect();
    place_labels(&nodes, &titles, &mut routes, &options);

    // Normalise: everything at least MARGIN from the top-left corner.
    let mut min_x = f64::INFINITY;
    let mut min_y = f64::INFINITY;
    let mut max_x = f64::NEG_INFINITY;
    let mut max_y = f64::NEG_INFINITY;
    let mut grow = |r: &Rect| {
        min_x = min_x.min(r.x);
        min_y = min_y.min(r.y);
        max_x = max_x.max(r.right());
        max_y = max_y.max(r.bottom());
    };
    nodes.iter().for_each(|b| grow(&b.rect));
    zones.iter().for_each(|b| grow(&b.rect));
    for r in &routes {
        grow(&r.label);
        for p in &r.points {
            grow(&Rect {
                x: p.0,
                y: p.1,
                w: if r.self_loop { LOOP_REACH } else { 0.0 },
                h: 0.0,
            });
        }
    }
    if !min_x.is_finite() {
        (min_x, min_y, max_x, max_y) = (0.0, 0.0, 0.0, 0.0);
    }
    let (dx, dy) = (MARGIN - min_x, MARGIN - min_y);
    nodes.iter_mut().for_each(|b| b.rect.shift(dx, dy));
    zones.iter_mut().for_each(|b| b.rect.shift(dx, dy));
    for r in &mut routes {
        r.label.shift(dx, dy);
        for p in &mut r.points {
            p.0 += dx;
            p.1 += dy;
        }
    }
    Layout {
        width: (max_x - min_x + 2.0 * MARGIN).ceil(),
        height: (max_y - min_y + 2.0 * MARGIN).ceil(),
        nodes,
        zones,
        edges: routes,
        layers,
        crossings,
    }
}

/// The room a flow label has: the gap between two columns, less a margin.
const LABEL_BUDGET: f64 = LAYER_GAP - 12.0;

/// Line height of a flow label's second line.
pub const LABEL_LINE: f64 = 12.0;

/// One text a flow label may take: its lines and its box's size.
#[derive(Clone, Debug)]
pub(crate) struct LabelText {
    pub lines: Vec<String>,
    pub w: f64,
    pub h: f64,
}

/// Rows of this height index the pieces of the drawn curves for [`place_zone_titles`].
const TITLE_ROW: f64 = 32.0;
/// Room kept between a zone title and a curve beside it.
const TITLE_CLEARANCE: f64 = 3.0;

/// Moves each zone title that a flow's curve runs across along its row, to the first
/// place from the left where no curve, component or other title is, inside its region.
/// A title with no such place stays at the left.
fn place_zone_titles(zones: &mut [ZoneBox], nodes: &[NodeBox], routes: &[Route]) {
    if zones.iter().all(|z| z.label.is_empty()) {
        return;
    }
    let row_of = |y: f64| (y / TITLE_ROW).floor() as i64;
    // Titles as they stand, and the rows (of TITLE_ROW px) their rows of text touch.
    let mut titles: Vec<Option<Rect>> = zones
        .iter()
        .map(|z| super::stats::zone_title(z.rect, z.title_dx, &z.label))
        .collect();
    let wanted: std::collections::BTreeSet<i64> = titles
        .iter()
        .flatten()
        .flat_map(|t| row_of(t.y - TITLE_CLEARANCE)..=row_of(t.bottom() + TITLE_CLEARANCE))
        .collect();
    let touches = |y0: f64, y1: f64| wanted.range(row_of(y0)..=row_of(y1)).next().is_some();
    // The Bézier pieces of the curves and the components, by the rows they touch; only
    // those in a title's rows. A title meets the straight pieces of a curve (16 per
    // Bézier piece, as the measures take them): a piece is listed once in each row one
    // of its straight pieces touches, and they are worked out again when a title asks
    // (kept for every curve, they were most of the memory of a large drawing).
    let mut obstacles: Vec<Obstacle> = Vec::new();
    let mut rows: std::collections::BTreeMap<i64, Vec<u32>> = Default::default();
    for route in routes {
        for c in route.pieces() {
            // A cubic lies within its control points: most miss every title row.
            let y0 = c.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            let y1 = c.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
            if !touches(y0, y1) {
                continue;
            }
            let o = Obstacle::Curve(c);
            let at = obstacles.len() as u32;
            let mut listed = false;
            o.each_rect(|r| {
                for row in wanted.range(row_of(r.y)..=row_of(r.bottom())) {
                    let list = rows.entry(*row).or_default();
                    if list.last() != Some(&at) {
                        list.push(at);
                        listed = true;
                    }
                }
            });
            if listed {
                obstacles.push(o);
            }
        }
    }
    for n in nodes.iter().filter(|n| touches(n.rect.y, n.rect.bottom())) {
        let at = obstacles.len() as u32;
        obstacles.push(Obstacle::Box(n.rect));
        for row in wanted.range(row_of(n.rect.y)..=row_of(n.rect.bottom())) {
            rows.entry(*row).or_default().push(at);
        }
    }
    let mut title_rows: std::collections::BTreeMap<i64, Vec<usize>> = Default::default();
    for (z, t) in titles.iter().enumerate() {
        if let Some(t) = t {
            for row in row_of(t.y)..=row_of(t.bottom()) {
                title_rows.entry(row).or_default().push(z);
            }
        }
    }
    for z in 0..zones.len() {
        let Some(title) = titles[z] else {
            continue;
        };
        let (top, bottom) = (title.y - TITLE_CLEARANCE, title.bottom() + TITLE_CLEARANCE);
        let row_range = row_of(top)..=row_of(bottom);
        // What lies across the title's row: x extents, with clearance.
        let mut taken: Vec<(f64, f64)> = Vec::new();
        for o in row_range
            .clone()
            .flat_map(|row| rows.get(&row).into_iter().flatten())
        {
            obstacles[*o as usize].each_rect(|r| {
                if r.y < bottom && r.bottom() > top {
                    taken.push((r.x - TITLE_CLEARANCE, r.right() + TITLE_CLEARANCE));
                }
            });
        }
        let others: std::collections::BTreeSet<usize> = row_range
            .flat_map(|row| title_rows.get(&row).into_iter().flatten().copied())
            .filter(|o| *o != z)
            .collect();
        for t in others.iter().filter_map(|o| titles[*o]) {
            if t.y < bottom && t.bottom() > top {
                taken.push((t.x - TITLE_CLEARANCE, t.right() + TITLE_CLEARANCE));
            }
        }
        if !taken
            .iter()
            .any(|(a, b)| *a < title.right() && *b > title.x)
        {
            continue;
        }
        taken.sort_by(|p, q| p.0.total_cmp(&q.0));
        let rect = zones[z].rect;
        let last = rect.right() - ZONE_LABEL_PAD - title.w;
        let mut x = rect.x + ZONE_LABEL_PAD;
        // Past everything it meets, in order of their left ends.
        for (a, b) in &taken {
            if *a >= x + title.w {
                break;
            }
            x = x.max(*b);
        }
        if x <= last {
            zones[z].title_dx = x - rect.x;
            titles[z] = Some(Rect { x, ..title });
        } else {
            zones[z].title_crossed = true;
        }
    }
}

/// What a zone's title is moved past: a Bézier piece of a flow's curve, or a
/// component's box.
#[derive(Clone, Copy)]
enum Obstacle {
    Curve([(f64, f64); 4]),
    Box(Rect),
}

impl Obstacle {
    /// Calls `f` with the box, or with each of the 16 straight pieces of the curve.
    fn each_rect(&self, mut f: impl FnMut(Rect)) {
        match self {
            Obstacle::Box(r) => f(*r),
            Obstacle::Curve(c) => {
                let mut prev = c[0];
                for k in 1..=16 {
                    let p = super::stats::cubic_point(c, k as f64 / 16.0);
                    f(Rect {
                        x: prev.0.min(p.0),
                        y: prev.1.min(p.1),
                        w: (p.0 - prev.0).abs(),
                        h: (p.1 - prev.1).abs(),
                    });
                    prev = p;
                }
            }
        }
    }
}

/// The texts a flow's label may take, best first: for [`Labels::Auto`] and
/// [`Labels::Name`] the name on one or two lines where it fits whole, then (name only)
/// cut to fit; for [`Labels::Protocol`] number and protocol cut to fit; last, in every
/// mode, the bare number, for when nothing longer finds a free place.
fn label_choices(e: &super::Edge, mode: Labels) -> Vec<LabelText> {
    let mark = if e.uncovered > 0 { MARK_W } else { 0.0 };
    let budget = LABEL_BUDGET - mark;
    let sized = |lines: Vec<String>| {
        let widest = lines
            .iter()
            .map(|l| text::width(l, EDGE_FONT))
            .fold(0.0, f64::max);
        LabelText {
            w: (widest + 2.0 * LABEL_PAD + mark).ceil(),
            h: LABEL_H + LABEL_LINE * (lines.len().max(1) - 1) as f64,
            lines,
        }
    };
    let mut out = Vec::new();
    match mode {
        Labels::Auto | Labels::Name => {
            let name = e.label_as(Labels::Name);
            if text::width(&name, EDGE_FONT) <= budget {
                out.push(sized(vec![name.clone()]));
            } else {
                let two = text::wrap(&name, budget, EDGE_FONT, 2);
                if two.join(" ") == name {
                    out.push(sized(two));
                }
            }
            if mode == Labels::Name && out.is_empty() {
                out.push(sized(text::wrap(&name, budget, EDGE_FONT, 2)));
            }
        }
        Labels::Protocol => out.push(sized(vec![text::truncate(
            &e.label_as(mode),
            budget,
            EDGE_FONT,
        )])),
        Labels::Number => {}
    }
    out.push(sized(vec![e.label_as(Labels::Number)]));
    out
}

/// How far right of its node a self-loop reaches.
pub const LOOP_REACH: f64 = 34.0;

/// Each zone's extent across the columns, as (x, width): the columns of its components,
/// padded more for zones with deeper subtrees so that nested regions stay strictly inside,
/// widened to hold self-loops and (up to a limit) the zone's label.
fn zone_extents(
    d: &Diagram,
    layer: &[usize],
    col_x: &[f64],
    col_w: &[f64],
    node_right: &[f64],
    full_labels: &[String],
    tb: bool,
) -> Vec<(f64, f64)> {
    let zones_n = d.zones.len();
    let height = subtree_heights(d);
    let mut span = vec![(usize::MAX, 0usize); zones_n];
    for (v, node) in d.nodes.iter().enumerate() {
        span[node.zone].0 = span[node.zone].0.min(layer[v]);
        span[node.zone].1 = span[node.zone].1.max(layer[v]);
    }
    // Children come after their parents in pre-order: walking backwards folds each
    // zone's span into its parent's before the parent is folded further up. (Walking
    // each component's chain of zones instead is quadratic in the nesting depth.)
    for z in (0..zones_n).rev() {
        if let Some(p) = d.zones[z].parent {
            span[p].0 = span[p].0.min(span[z].0);
            span[p].1 = span[p].1.max(span[z].1);
        }
    }
    let mut zone_rects: Vec<Rect> = (0..zones_n)
        .map(|z| {
            let (lo, hi) = if span[z].0 == usize::MAX {
                (0, 0)
            } else {
                span[z]
            };
            let pad = ZONE_PAD + ZONE_PAD_STEP * height[z] as f64;
            let before = if tb {
                ZONE_TITLE_ROOM + ZONE_TITLE_STEP * height[z] as f64
            } else {
                pad
            };
            Rect {
                x: col_x[lo] - before,
                y: 0.0,
                w: col_x[hi] + col_w[hi] - col_x[lo] + before + pad,
                h: 0.0,
            }
        })
        .collect();
    // Widen regions to the right so that labels fit (up to a limit), children before
    // parents so that a parent still encloses a widened child. Widening cannot make
    // regions overlap: zones that are not nested never share a y.
    // Self-loops stick out right of their component: keep them inside its zones. The
    // farthest reach in each zone is folded up the tree as the spans are above.
    // (Top to bottom they stick out across the layers, and titles read across them: the
    // bands make room for both.)
    if tb {
        return zone_rects.into_iter().map(|r| (r.x, r.w)).collect();
    }
    let mut reach = vec![f64::NEG_INFINITY; zones_n];
    for e in d.edges.iter().filter(|e| e.from == e.to) {
        let z = d.nodes[e.from].zone;
        reach[z] = reach[z].max(node_right[e.from] + LOOP_REACH);
    }
    for z in (0..zones_n).rev() {
        if let Some(p) = d.zones[z].parent {
            reach[p] = reach[p].max(reach[z]);
        }
    }
    for (z, reach) in reach.into_iter().enumerate() {
        if reach.is_finite() {
            let pad = ZONE_PAD + ZONE_PAD_STEP * height[z] as f64;
            let r = &mut zone_rects[z];
            r.w = r.w.max(reach + pad - r.x);
        }
    }
    for z in (0..zones_n).rev() {
        let want = text::width(&full_labels[z], ZONE_FONT * text::BOLD).min(MAX_ZONE_LABEL_W)
            + 2.0 * ZONE_LABEL_PAD;
        let r = &mut zone_rects[z];
        r.w = r.w.max(want.ceil());
        for &c in &d.zones[z].children {
            let child_right = zone_rects[c].right() + ZONE_PAD_STEP;
            let r = &mut zone_rects[z];
            r.w = r.w.max(child_right - r.x);
        }
    }
    zone_rects.into_iter().map(|r| (r.x, r.w)).collect()
}

/// The extents across the columns of the zones lying between the bands of zones `za` and
/// `zb` that hold neither (the zones a flow between them must not cross), into `out`,
/// sorted and merged where they overlap or touch; whether there are any.
fn zone_blockers(
    d: &Diagram,
    pre: &[usize],
    za: usize,
    zb: usize,
    zone_x: &[(f64, f64)],
    holds: &mut [bool],
    out: &mut Vec<(f64, f64)>,
) -> bool {
    out.clear();
    if za == zb {
        return false;
    }
    holds.iter_mut().for_each(|h| *h = false);
    for z in d.zone_chain(za).chain(d.zone_chain(zb)) {
        holds[z] = true;
    }
    let (lo, hi) = (pre[za].min(pre[zb]), pre[za].max(pre[zb]));
    out.extend(
        (0..d.zones.len())
            .filter(|z| !holds[*z] && pre[*z] > lo && pre[*z] < hi)
            .map(|z| (zone_x[z].0, zone_x[z].0 + zone_x[z].1)),
    );
    out.sort_by(|p, q| p.0.total_cmp(&q.0));
    let mut merged = 0;
    for k in 0..out.len() {
        let (a, b) = out[k];
        if merged > 0 && a <= out[merged - 1].1 {
            out[merged - 1].1 = out[merged - 1].1.max(b);
        } else {
            out[merged] = (a, b);
            merged += 1;
        }
    }
    out.truncate(merged);
    !out.is_empty()
}

/// The widest stretch of the gap `gap` (left, right) that none of the intervals in
/// `blockers` covers, less a margin each side, if it is wide enough to draw a curve in.
/// `blockers` are sorted and do not overlap (as [`zone_blockers`] leaves them).
fn free_window(gap: (f64, f64), blockers: &[(f64, f64)]) -> Option<(f64, f64)> {
    let first = blockers.partition_point(|(_, b)| *b <= gap.0);
    let cuts = blockers[first..]
        .iter()
        .take_while(|(a, _)| *a < gap.1)
        .copied();
    let mut best: Option<(f64, f64)> = None;
    let mut from = gap.0;
    let mut consider = |a: f64, b: f64| {
        if b - a > best.map_or(0.0, |(x, y)| y - x) {
            best = Some((a, b));
        }
    };
    for (a, b) in cuts {
        if a > from {
            consider(from, a);
        }
        from = from.max(b);
    }
    if gap.1 > from {
        consider(from, gap.1);
    }
    best.filter(|(a, b)| b - a >= MIN_WINDOW + 2.0 * WINDOW_MARGIN)
        .map(|(a, b)| (a + WINDOW_MARGIN, b - WINDOW_MARGIN))
}

/// The height of each zone's subtree: 0 for a zone without children.
fn subtree_heights(d: &Diagram) -> Vec<usize> {
    let mut height = vec![0usize; d.zones.len()];
    // Children come after their parents in pre-order, so walk backwards.
    for z in (0..d.zones.len()).rev() {
        if let Some(p) = d.zones[z].parent {
            height[p] = height[p].max(height[z] + 1);
        }
    }
    height
}

/// Top y of every virtual node: each strip's members keep their order and gaps, stay in
/// the strip, and move towards the mean of their neighbours.
fn position_y(g: &Graph, order: &[Vec<usize>], strip: &[f64], strip_top: &[f64]) -> Vec<f64> {
    let total = g.layer.len();
    let mut y = vec![0.0; total];
    // Groups: (layer, start, end) runs of one band.
    let mut groups: Vec<(usize, usize, usize)> = Vec::new();
    for (l, o) in order.iter().enumerate() {
        let mut i = 0;
        while i < o.len() {
            let mut j = i;
            while j < o.len() && g.band[o[j]] == g.band[o[i]] {
                j += 1;
            }
            groups.push((l, i, j));
            i = j;
        }
    }
    for &(l, i, j) in &groups {
        let members = &order[l][i..j];
        let band = g.band[members[0]];
        let stack: f64 =
            members.iter().map(|v| g.h[*v]).sum::<f64>() + NODE_GAP * (members.len() - 1) as f64;
        let mut at = strip_top[band] + (strip[band] - stack) / 2.0;
        for &v in members {
            y[v] = at;
            at += g.h[v] + NODE_GAP;
        }
    }
    let mut desired: Vec<f64> = Vec::new();
    for pass in 0..Y_PASSES {
        let forward = pass % 2 == 0;
        let count = groups.len();
        for k in 0..count {
            let (l, i, j) = groups[if forward { k } else { count - 1 - k }];
            let members = &order[l][i..j];
            let band = g.band[members[0]];
            desired.clear();
            for &v in members {
                let nb = g.up[v].iter().chain(&g.down[v]);
                let (sum, cnt) = nb.fold((0.0, 0usize), |(s, c), w| {
                    (s + y[*w] + g.h[*w] / 2.0, c + 1)
                });
                desired.push(if cnt == 0 {
                    y[v]
                } else {
                    sum / cnt as f64 - g.h[v] / 2.0
                });
            }
            let lo = strip_top[band];
            let hi = lo + strip[band];
            // Forward: keep order and gaps from the top.
            let mut floor = lo;
            for (m, &v) in members.iter().enumerate() {
                y[v] = desired[m].max(floor);
                floor = y[v] + g.h[v] + NODE_GAP;
            }
            // Backward: stay above the next member and inside the strip.
            let mut ceiling = hi;
            for &v in members.iter().rev() {
                y[v] = y[v].min(ceiling - g.h[v]);
                ceiling = y[v] - NODE_GAP;
            }
        }
    }
    for v in &mut y {
        // Whole pixels keep the SVG short and stable.
        *v = v.round();
    }
    y
}

#[cfg(test)]
mod tests {
    use super::super::{Diagram, Edge, Node, Zone};
    use super::*;
    use crate::model::{ComponentId, ComponentKind, FlowId};

    fn zone(id: &'static str, parent: Option<usize>) -> Zone<'static> {
        Zone {
            id,
            name: id,
            trust: 1,
            parent,
            children: Vec::new(),
        }
    }

    fn diagram(
        zones: Vec<Zone<'static>>,
        nodes: &[(usize, &'static str)],
        flows: &[(usize, usize)],
    ) -> Diagram<'static> {
        let mut zones = zones;
        for i in 0..zones.len() {
            if let Some(p) = zones[i].parent {
                zones[p].children.push(i);
            }
        }
        Diagram {
            title: "t",
            zones,
            nodes: nodes
                .iter()
                .enumerate()
                .map(|(i, (z, name))| Node {
                    component: ComponentId::new(i),
                    id: name,
                    name,
                    kind: ComponentKind::Process,
                    zone: *z,
                    uncovered: 0,
                })
                .collect(),
            edges: flows
                .iter()
                .enumerate()
                .map(|(i, (a, b))| Edge {
                    flow: FlowId::new(i),
                    number: i + 1,
                    id: "f",
                    name: "f",
                    from: *a,
                    to: *b,
                    protocol: Some("HTTPS"),
                    crossing: None,
                    uncovered: 0,
                })
                .collect(),
            scope_note: None,
            labels: Default::default(),
            direction: super::super::Orientation::Lr,
        }
    }

    #[test]
    fn a_chain_runs_left_to_right_one_layer_per_step() {
        let d = diagram(
            vec![zone("z", None)],
            &[(0, "a"), (0, "b"), (0, "c")],
            &[(0, 1), (1, 2)],
        );
        let l = layout(&d);
        assert_eq!(
            l.nodes.iter().map(|n| n.layer).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert!(l.nodes[0].rect.right() < l.nodes[1].rect.x);
        assert!(l.edges.iter().all(|e| e.arrow_right));
    }

    #[test]
    fn a_cycle_is_broken_by_reversing_one_flow_and_drawn_from_its_source() {
        let d = diagram(
            vec![zone("z", None)],
            &[(0, "a"), (0, "b"), (0, "c")],
            &[(0, 1), (1, 2), (2, 0)],
        );
        let l = layout(&d);
        assert_eq!(l.layers, 3);
        let back = &l.edges[2];
        assert!(!back.arrow_right, "the back flow points left");
        // It starts at c (right) and ends at a.
        assert_eq!(back.points[0].0, l.nodes[2].rect.x);
        assert_eq!(back.points.last().unwrap().0, l.nodes[0].rect.right());
    }

    #[test]
    fn sources_move_next_to_their_successor() {
        // a -> b -> c -> d, and s -> d: s belongs in the layer before d.
        let d = diagram(
            vec![zone("z", None)],
            &[(0, "a"), (0, "b"), (0, "c"), (0, "d"), (0, "s")],
            &[(0, 1), (1, 2), (2, 3), (4, 3)],
        );
        let l = layout(&d);
        assert_eq!(l.nodes[4].layer, 2);
    }

    #[test]
    fn long_flows_get_one_dummy_point_per_layer_crossed() {
        let d = diagram(
            vec![zone("z", None)],
            &[(0, "a"), (0, "b"), (0, "c"), (0, "d")],
            &[(0, 1), (1, 2), (2, 3), (0, 3)],
        );
        let l = layout(&d);
        let p = &l.edges[3].points;
        // Start, a straight run through each of the two columns crossed, end.
        assert_eq!(p.len(), 6, "{p:?}");
        assert_eq!(p[1].1, p[2].1);
        assert_eq!(p[3].1, p[4].1);
        assert!(p[2].0 - p[1].0 >= 96.0, "as wide as the column");
    }

    #[test]
    fn ordering_removes_avoidable_crossings() {
        // Two parallel chains given in crossed order.
        let d = diagram(
            vec![zone("z", None)],
            &[(0, "a1"), (0, "b1"), (0, "b2"), (0, "a2")],
            &[(0, 3), (1, 2)],
        );
        assert_eq!(layout(&d).crossings, 0);
        let crossed = diagram(
            vec![zone("z", None)],
            &[(0, "a"), (0, "b"), (0, "x"), (0, "y"), (0, "p"), (0, "q")],
            &[(0, 3), (1, 2), (2, 4), (3, 5), (0, 2), (1, 3)],
        );
        assert_eq!(layout(&crossed).crossings, 1, "K2,2 needs one crossing");
    }

    #[test]
    fn crossing_count_matches_a_brute_force_count() {
        let d = diagram(
            vec![zone("z", None), zone("y", None)],
            &[(0, "a"), (1, "b"), (0, "c"), (1, "d"), (0, "e"), (1, "f")],
            &[(0, 3), (0, 5), (2, 1), (2, 5), (4, 1), (4, 3), (0, 1)],
        );
        let l = layout(&d);
        // Brute force over straight segments between adjacent layers.
        let mut segs = Vec::new();
        for r in &l.edges {
            for w in r.points.windows(2) {
                segs.push((w[0], w[1]));
            }
        }
        let mut brute = 0;
        for i in 0..segs.len() {
            for j in i + 1..segs.len() {
                let (p, q) = (segs[i], segs[j]);
                let same_gap = (p.0.0.min(p.1.0) - q.0.0.min(q.1.0)).abs() < 1.0;
                if !same_gap {
                    continue;
                }
                let (pa, pb) = if p.0.0 < p.1.0 {
                    (p.0.1, p.1.1)
                } else {
                    (p.1.1, p.0.1)
                };
                let (qa, qb) = if q.0.0 < q.1.0 {
                    (q.0.1, q.1.1)
                } else {
                    (q.1.1, q.0.1)
                };
                if (pa - qa) * (pb - qb) < 0.0 {
                    brute += 1;
                }
            }
        }
        // Ports spread flows on a side, so the drawing may untangle flows sharing a node
        // that the order-based count treats as touching: the count is an upper bound.
        assert!(brute <= l.crossings, "{brute} > {}", l.crossings);
    }

    #[test]
    fn nested_zone_regions_nest_and_siblings_stay_apart() {
        let d = diagram(
            vec![
                zone("outer", None),
                zone("inner", Some(0)),
                zone("other", None),
            ],
            &[(0, "a"), (1, "b"), (2, "c"), (1, "d")],
            &[(0, 1), (1, 2), (2, 3), (3, 0)],
        );
        let l = layout(&d);
        let (outer, inner, other) = (l.zones[0].rect, l.zones[1].rect, l.zones[2].rect);
        assert!(outer.contains(&inner) && outer.x < inner.x && outer.y < inner.y);
        assert!(!outer.overlaps(&other));
        assert!(inner.contains(&l.nodes[1].rect) && inner.contains(&l.nodes[3].rect));
        assert!(!inner.overlaps(&l.nodes[0].rect), "a is in outer only");
        assert!(other.contains(&l.nodes[2].rect));
    }

    #[test]
    fn the_same_diagram_gives_the_same_layout() {
        let d = diagram(
            vec![zone("z", None)],
            &[(0, "a"), (0, "b"), (0, "c"), (0, "d")],
            &[(0, 1), (1, 2), (2, 0), (3, 3), (0, 3)],
        );
        assert_eq!(format!("{:?}", layout(&d)), format!("{:?}", layout(&d)));
    }

    #[test]
    fn a_zone_title_moves_off_a_flow_where_its_row_has_room() {
        let rect = |x: f64, y: f64, w: f64, h: f64| Rect { x, y, w, h };
        let zone = |w: f64| ZoneBox {
            rect: rect(0.0, 0.0, w, 200.0),
            label: "Zone (trust 3)".into(),
            title_dx: ZONE_LABEL_PAD,
            title_crossed: false,
        };
        // A flow coming down at x = 40 through the title row.
        let route = Route {
            points: vec![(40.0, -50.0), (40.0, 100.0)],
            self_loop: false,
            vertical: true,
            arrow_right: false,
            label: rect(0.0, 0.0, 0.0, 0.0),
            lines: Vec::new(),
        };
        let title_w = text::width("Zone (trust 3)", ZONE_FONT * text::BOLD);
        // Room to the right: the title moves just past the flow.
        let mut zones = vec![zone(400.0)];
        place_zone_titles(&mut zones, &[], std::slice::from_ref(&route));
        assert!(zones[0].title_dx > 40.0, "{}", zones[0].title_dx);
        assert!(zones[0].title_dx < 60.0, "{}", zones[0].title_dx);
        assert!(!zones[0].title_crossed);
        // No room: it stays at the left.
        let mut zones = vec![zone(title_w + 2.0 * ZONE_LABEL_PAD)];
        place_zone_titles(&mut zones, &[], &[route]);
        assert_eq!(zones[0].title_dx, ZONE_LABEL_PAD);
        assert!(zones[0].title_crossed, "drawn on a backing");
    }

    #[test]
    fn an_empty_diagram_has_a_small_empty_layout() {
        let d = diagram(vec![], &[], &[]);
        let l = layout(&d);
        assert!(l.nodes.is_empty() && l.width > 0.0 && l.height > 0.0);
    }
}
