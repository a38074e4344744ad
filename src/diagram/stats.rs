//! Layout quality, measured on the drawn geometry: edge crossings on the curves, flows
//! through components or zones they do not touch, overlapping labels, shapes and zone
//! titles, size and total edge length.
//!
//! The measures read a [`Geometry`]: plain rectangles and cubic Bézier curves, built from
//! our [`Layout`] (the same coordinates the SVG is written from) or, in the dev-time
//! comparison with Graphviz (`examples/dot_stats.rs`), from `dot`'s own SVG. Nothing here
//! lays anything out or does I/O.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Diagram;
use super::layout::{Layout, Rect, ZONE_FONT};
use super::text;

/// A crossing closer than this to an end of either curve is not counted: flows that
/// leave or enter the same component meet there by construction.
pub const END_CLEARANCE: f64 = 12.0;
/// Cubic pieces are measured as this many straight segments.
const SAMPLES: usize = 16;
/// Shapes are shrunk by this much before asking whether a curve enters them, so that a
/// curve grazing a border (or a port on it) does not count.
const GRAZE: f64 = 1.0;
const CELL: f64 = 64.0;

type Point = (f64, f64);

/// A cubic Bézier piece: start, two control points, end.
pub type Cubic = [Point; 4];

/// A component as measured.
#[derive(Clone, Debug)]
pub struct Shape {
    pub rect: Rect,
    /// Index into [`Geometry::zones`] of the zone holding it directly.
    pub zone: Option<usize>,
}

/// A zone as measured: its region and the box of its title.
#[derive(Clone, Debug)]
pub struct ZoneArea {
    pub rect: Rect,
    pub title: Option<Rect>,
    pub parent: Option<usize>,
}

/// A flow as measured: its curve, from the source to the target's side.
#[derive(Clone, Debug)]
pub struct Curve {
    pub from: usize,
    pub to: usize,
    pub pieces: Vec<Cubic>,
    pub label: Option<Rect>,
}

/// Drawn geometry, whoever laid it out.
#[derive(Clone, Debug, Default)]
pub struct Geometry {
    pub width: f64,
    pub height: f64,
    pub shapes: Vec<Shape>,
    pub zones: Vec<ZoneArea>,
    pub curves: Vec<Curve>,
}

/// Overlapping pairs, by what overlaps what.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Overlaps {
    /// Flow labels overlapping other flow labels.
    pub label_label: usize,
    /// Flow labels overlapping component shapes.
    pub label_shape: usize,
    /// Flow labels overlapping zone titles.
    pub label_zone_title: usize,
    /// Component shapes overlapping other shapes.
    pub shape_shape: usize,
    /// Component shapes overlapping zone titles.
    pub shape_zone_title: usize,
    /// Zone titles overlapping other zone titles.
    pub zone_title_zone_title: usize,
    /// All of the above.
    pub total: usize,
}

/// The measures of one drawing; `threatbook diagram --stats` prints them as JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    pub components: usize,
    pub flows: usize,
    pub zones: usize,
    /// Width and height of the drawing in px (without legend and flow table).
    pub width: f64,
    pub height: f64,
    /// width × height, px².
    pub area: f64,
    /// width / height.
    pub aspect_ratio: f64,
    /// Points where two flow curves cross, not within [`END_CLEARANCE`] of an end of
    /// either.
    pub edge_crossings: usize,
    /// (flow, component) pairs where the flow's curve enters a component that is neither
    /// its source nor its target.
    pub edges_through_components: usize,
    /// (flow, zone) pairs where the flow's curve enters a zone that contains neither its
    /// source nor its target (directly or in a zone below).
    pub edges_through_zones: usize,
    /// (flow, zone) pairs where the flow's curve runs across the zone's title.
    pub edges_through_titles: usize,
    pub overlaps: Overlaps,
    /// Sum of the lengths of all flow curves, px.
    pub total_edge_length: f64,
}

impl Geometry {
    /// The geometry of `l`, the layout of `d`.
    pub fn of_layout(d: &Diagram, l: &Layout) -> Geometry {
        let shapes = d
            .nodes
            .iter()
            .zip(&l.nodes)
            .map(|(n, b)| Shape {
                rect: b.rect,
                zone: Some(n.zone),
            })
            .collect();
        let zones = d
            .zones
            .iter()
            .zip(&l.zones)
            .map(|(z, b)| ZoneArea {
                rect: b.rect,
                title: zone_title(b.rect, b.title_dx, &b.label),
                parent: z.parent,
            })
            .collect();
        let curves = d
            .edges
            .iter()
            .zip(&l.edges)
            .map(|(e, r)| Curve {
                from: e.from,
                to: e.to,
                pieces: r.pieces(),
                label: (!r.lines.is_empty()).then_some(r.label),
            })
            .collect();
        Geometry {
            width: l.width,
            height: l.height,
            shapes,
            zones,
            curves,
        }
    }
}

/// The box a zone's title takes in the SVG (see `svg.rs`: baseline 16 px below the top,
/// starting `dx` right of the region's left edge).
pub fn zone_title(zone: Rect, dx: f64, label: &str) -> Option<Rect> {
    if label.is_empty() {
        return None;
    }
    Some(Rect {
        x: zone.x + dx,
        y: zone.y + 4.0,
        w: text::width(label, ZONE_FONT * text::BOLD),
        h: 15.0,
    })
}

/// A point of the cubic `c` at `t`.
pub fn cubic_point(c: &Cubic, t: f64) -> Point {
    let u = 1.0 - t;
    let f = |a: f64, b: f64, cc: f64, d: f64| {
        u * u * u * a + 3.0 * u * u * t * b + 3.0 * u * t * t * cc + t * t * t * d
    };
    (
        f(c[0].0, c[1].0, c[2].0, c[3].0),
        f(c[0].1, c[1].1, c[2].1, c[3].1),
    )
}

fn polyline(pieces: &[Cubic]) -> Vec<Point> {
    let mut pts = Vec::with_capacity(pieces.len() * SAMPLES + 1);
    for (i, c) in pieces.iter().enumerate() {
        if i == 0 {
            pts.push(c[0]);
        }
        for k in 1..=SAMPLES {
            pts.push(cubic_point(c, k as f64 / SAMPLES as f64));
        }
    }
    pts
}

fn dist(p: Point, q: Point) -> f64 {
    ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt()
}

/// Where segments `a` and `b` cross properly: parameters in [0, 1) on both, so that a
/// crossing at a joint between two segments is found once.
fn intersect(a: (Point, Point), b: (Point, Point)) -> Option<Point> {
    let r = (a.1.0 - a.0.0, a.1.1 - a.0.1);
    let s = (b.1.0 - b.0.0, b.1.1 - b.0.1);
    let den = r.0 * s.1 - r.1 * s.0;
    if den.abs() < 1e-9 {
        return None;
    }
    let q = (b.0.0 - a.0.0, b.0.1 - a.0.1);
    let t = (q.0 * s.1 - q.1 * s.0) / den;
    let u = (q.0 * r.1 - q.1 * r.0) / den;
    ((0.0..1.0).contains(&t) && (0.0..1.0).contains(&u))
        .then_some((a.0.0 + t * r.0, a.0.1 + t * r.1))
}

/// Whether the segment enters the interior of `r` (Liang–Barsky clipping).
fn segment_enters(p: Point, q: Point, r: &Rect) -> bool {
    let (x0, y0, x1, y1) = (r.x, r.y, r.right(), r.bottom());
    if x1 <= x0 || y1 <= y0 {
        return false;
    }
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (pp, qq) in [
        (-dx, p.0 - x0),
        (dx, x1 - p.0),
        (-dy, p.1 - y0),
        (dy, y1 - p.1),
    ] {
        if pp == 0.0 {
            if qq <= 0.0 {
                return false;
            }
        } else {
            let t = qq / pp;
            if pp < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    t0 < t1
}

fn shrink(r: &Rect, by: f64) -> Rect {
    Rect {
        x: r.x + by,
        y: r.y + by,
        w: r.w - 2.0 * by,
        h: r.h - 2.0 * by,
    }
}

fn cells(r: &Rect) -> impl Iterator<Item = (i64, i64)> {
    let (x0, y0) = ((r.x / CELL).floor() as i64, (r.y / CELL).floor() as i64);
    let (x1, y1) = (
        (r.right() / CELL).floor() as i64,
        (r.bottom() / CELL).floor() as i64,
    );
    (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
}

fn seg_box(p: Point, q: Point) -> Rect {
    Rect {
        x: p.0.min(q.0),
        y: p.1.min(q.1),
        w: (p.0 - q.0).abs(),
        h: (p.1 - q.1).abs(),
    }
}

/// Measures `g`.
pub fn measure(g: &Geometry) -> Stats {
    let lines: Vec<Vec<Point>> = g.curves.iter().map(|c| polyline(&c.pieces)).collect();
    let total_edge_length: f64 = lines
        .iter()
        .map(|l| l.windows(2).map(|w| dist(w[0], w[1])).sum::<f64>())
        .sum();

    // Segments in a grid: (curve, index of the segment's first point).
    let mut grid: BTreeMap<(i64, i64), Vec<(usize, usize)>> = BTreeMap::new();
    for (c, line) in lines.iter().enumerate() {
        for i in 0..line.len().saturating_sub(1) {
            for cell in cells(&seg_box(line[i], line[i + 1])) {
                grid.entry(cell).or_default().push((c, i));
            }
        }
    }
    let ends = |c: usize| -> [Point; 2] {
        let l = &lines[c];
        [l[0], l[l.len() - 1]]
    };
    let mut edge_crossings = 0;
    for (&cell, segs) in &grid {
        for (k, &(a, i)) in segs.iter().enumerate() {
            for &(b, j) in &segs[k + 1..] {
                if a == b {
                    continue;
                }
                let Some(p) = intersect(
                    (lines[a][i], lines[a][i + 1]),
                    (lines[b][j], lines[b][j + 1]),
                ) else {
                    continue;
                };
                // Count the crossing in the one cell that holds it.
                let home = ((p.0 / CELL).floor() as i64, (p.1 / CELL).floor() as i64);
                if home != cell {
                    continue;
                }
                let near_end = ends(a)
                    .iter()
                    .chain(&ends(b))
                    .any(|e| dist(*e, p) < END_CLEARANCE);
                if !near_end {
                    edge_crossings += 1;
                }
            }
        }
    }

    // Flows through shapes that are not their ends.
    let mut shape_grid: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
    for (s, shape) in g.shapes.iter().enumerate() {
        for cell in cells(&shape.rect) {
            shape_grid.entry(cell).or_default().push(s);
        }
    }
    let mut through_shapes: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (c, line) in lines.iter().enumerate() {
        let curve = &g.curves[c];
        for w in line.windows(2) {
            for cell in cells(&seg_box(w[0], w[1])) {
                for &s in shape_grid.get(&cell).into_iter().flatten() {
                    if s == curve.from || s == curve.to || through_shapes.contains(&(c, s)) {
                        continue;
                    }
                    if segment_enters(w[0], w[1], &shrink(&g.shapes[s].rect, GRAZE)) {
                        through_shapes.insert((c, s));
                    }
                }
            }
        }
    }

    // Flows through zones that hold neither end.
    let mut edges_through_zones = 0;
    let mut holds = vec![false; g.zones.len()];
    for (c, line) in lines.iter().enumerate() {
        let curve = &g.curves[c];
        holds.iter_mut().for_each(|h| *h = false);
        for end in [curve.from, curve.to] {
            let mut z = g.shapes.get(end).and_then(|s| s.zone);
            while let Some(zi) = z {
                if std::mem::replace(&mut holds[zi], true) {
                    break;
                }
                z = g.zones[zi].parent;
            }
        }
        let Some(bbox) = bounding(line) else { continue };
        for (z, zone) in g.zones.iter().enumerate() {
            if holds[z] || !bbox.overlaps(&zone.rect) {
                continue;
            }
            let inner = shrink(&zone.rect, GRAZE);
            if line.windows(2).any(|w| segment_enters(w[0], w[1], &inner)) {
                edges_through_zones += 1;
            }
        }
    }

    // Flows across zone titles.
    let mut edges_through_titles = 0;
    for line in &lines {
        let Some(bbox) = bounding(line) else { continue };
        for title in g.zones.iter().filter_map(|z| z.title) {
            if !bbox.overlaps(&title) {
                continue;
            }
            let inner = shrink(&title, GRAZE);
            if line.windows(2).any(|w| segment_enters(w[0], w[1], &inner)) {
                edges_through_titles += 1;
            }
        }
    }

    Stats {
        components: g.shapes.len(),
        flows: g.curves.len(),
        zones: g.zones.len(),
        width: g.width,
        height: g.height,
        area: g.width * g.height,
        aspect_ratio: if g.height > 0.0 {
            (g.width / g.height * 100.0).round() / 100.0
        } else {
            0.0
        },
        edge_crossings,
        edges_through_components: through_shapes.len(),
        edges_through_zones,
        edges_through_titles,
        overlaps: overlaps(g),
        total_edge_length: total_edge_length.round() + 0.0,
    }
}

fn bounding(points: &[Point]) -> Option<Rect> {
    let first = points.first()?;
    let (mut x0, mut y0, mut x1, mut y1) = (first.0, first.1, first.0, first.1);
    for p in points {
        x0 = x0.min(p.0);
        y0 = y0.min(p.1);
        x1 = x1.max(p.0);
        y1 = y1.max(p.1);
    }
    // A little slack so that horizontal and vertical lines still have a box.
    Some(Rect {
        x: x0 - 1.0,
        y: y0 - 1.0,
        w: x1 - x0 + 2.0,
        h: y1 - y0 + 2.0,
    })
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Label,
    Shape,
    Title,
}

fn overlaps(g: &Geometry) -> Overlaps {
    let mut boxes: Vec<(Kind, Rect)> = Vec::new();
    boxes.extend(
        g.curves
            .iter()
            .filter_map(|c| c.label.map(|r| (Kind::Label, r))),
    );
    boxes.extend(g.shapes.iter().map(|s| (Kind::Shape, s.rect)));
    boxes.extend(
        g.zones
            .iter()
            .filter_map(|z| z.title.map(|r| (Kind::Title, r))),
    );
    let mut grid: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
    for (i, (_, r)) in boxes.iter().enumerate() {
        for cell in cells(r) {
            grid.entry(cell).or_default().push(i);
        }
    }
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for ids in grid.values() {
        for (k, &a) in ids.iter().enumerate() {
            for &b in &ids[k + 1..] {
                if boxes[a].1.overlaps(&boxes[b].1) {
                    pairs.insert((a.min(b), a.max(b)));
                }
            }
        }
    }
    let mut o = Overlaps::default();
    for (a, b) in pairs {
        let (ka, kb) = (boxes[a].0.min(boxes[b].0), boxes[a].0.max(boxes[b].0));
        let slot = match (ka, kb) {
            (Kind::Label, Kind::Label) => &mut o.label_label,
            (Kind::Label, Kind::Shape) => &mut o.label_shape,
            (Kind::Label, Kind::Title) => &mut o.label_zone_title,
            (Kind::Shape, Kind::Shape) => &mut o.shape_shape,
            (Kind::Shape, Kind::Title) => &mut o.shape_zone_title,
            _ => &mut o.zone_title_zone_title,
        };
        *slot += 1;
        o.total += 1;
    }
    o
}

/// The measures of the layout of `d`.
pub fn of_diagram(d: &Diagram) -> Stats {
    let l = super::layout::layout(d);
    measure(&Geometry::of_layout(d, &l))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }

    fn line(p: Point, q: Point) -> Cubic {
        let third = ((q.0 - p.0) / 3.0, (q.1 - p.1) / 3.0);
        [
            p,
            (p.0 + third.0, p.1 + third.1),
            (p.0 + 2.0 * third.0, p.1 + 2.0 * third.1),
            q,
        ]
    }

    fn curve(from: usize, to: usize, p: Point, q: Point) -> Curve {
        Curve {
            from,
            to,
            pieces: vec![line(p, q)],
            label: None,
        }
    }

    /// Four shapes at the corners of a 300 × 300 square.
    fn corners() -> Vec<Shape> {
        [(0.0, 0.0), (300.0, 0.0), (0.0, 300.0), (300.0, 300.0)]
            .into_iter()
            .map(|(x, y)| Shape {
                rect: rect(x - 20.0, y - 10.0, 40.0, 20.0),
                zone: None,
            })
            .collect()
    }

    #[test]
    fn diagonals_cross_once_in_the_middle() {
        let g = Geometry {
            width: 400.0,
            height: 400.0,
            shapes: corners(),
            zones: vec![],
            curves: vec![
                curve(0, 3, (20.0, 0.0), (280.0, 300.0)),
                curve(2, 1, (20.0, 300.0), (280.0, 0.0)),
            ],
        };
        let s = measure(&g);
        assert_eq!(s.edge_crossings, 1);
        assert_eq!(s.edges_through_components, 0);
        assert_eq!(s.area, 160_000.0);
    }

    #[test]
    fn flows_meeting_at_a_shared_end_do_not_cross() {
        // Both leave shape 0 from the same port and fan out: they touch only at the end.
        let g = Geometry {
            width: 400.0,
            height: 400.0,
            shapes: corners(),
            zones: vec![],
            curves: vec![
                curve(0, 1, (20.0, 0.0), (280.0, 0.0)),
                curve(0, 3, (20.0, 0.0), (280.0, 300.0)),
                // Crosses the first 5 px from its end, within the clearance.
                curve(3, 1, (300.0, 290.0), (275.0, -5.0)),
            ],
        };
        assert_eq!(measure(&g).edge_crossings, 0);
    }

    #[test]
    fn a_flow_over_a_third_component_and_an_unrelated_zone_counts() {
        let mut shapes = corners();
        shapes.push(Shape {
            rect: rect(130.0, -10.0, 40.0, 20.0),
            zone: None,
        });
        shapes[0].zone = Some(0);
        shapes[1].zone = Some(0);
        let zones = vec![
            ZoneArea {
                rect: rect(-30.0, -30.0, 360.0, 60.0),
                title: Some(rect(-25.0, -18.0, 50.0, 15.0)),
                parent: None,
            },
            ZoneArea {
                rect: rect(100.0, 100.0, 100.0, 100.0),
                title: None,
                parent: None,
            },
        ];
        let g = Geometry {
            width: 400.0,
            height: 400.0,
            shapes,
            zones,
            curves: vec![
                // Through shape 4, inside zone 0 which holds both ends.
                curve(0, 1, (20.0, 0.0), (280.0, 0.0)),
                // Through zone 1, which holds neither end.
                curve(2, 1, (20.0, 300.0), (280.0, 0.0)),
                // Along the outside of zone 1: grazes nothing.
                curve(2, 3, (20.0, 300.0), (280.0, 300.0)),
            ],
        };
        let s = measure(&g);
        assert_eq!(s.edges_through_components, 1);
        assert_eq!(s.edges_through_zones, 1);
        // The title overlaps shape 0 (at -20..20, -10..10).
        assert_eq!(s.overlaps.shape_zone_title, 1);
        assert_eq!(s.overlaps.total, 1);
        // No curve runs across the title (y -18 to -3) ...
        assert_eq!(s.edges_through_titles, 0);
        // ... until one comes down through it.
        let mut g = g;
        g.curves.push(curve(2, 0, (0.0, -100.0), (0.0, -10.0)));
        assert_eq!(measure(&g).edges_through_titles, 1);
    }

    #[test]
    fn overlapping_labels_are_counted_once_per_pair() {
        let mut c1 = curve(0, 1, (20.0, 0.0), (280.0, 0.0));
        let mut c2 = curve(2, 3, (20.0, 300.0), (280.0, 300.0));
        let mut c3 = curve(2, 3, (20.0, 300.0), (280.0, 300.0));
        c1.label = Some(rect(100.0, 100.0, 200.0, 14.0));
        c2.label = Some(rect(150.0, 105.0, 200.0, 14.0));
        c3.label = Some(rect(300.0, 100.0, 20.0, 14.0)); // touches c1's edge only
        let g = Geometry {
            width: 400.0,
            height: 400.0,
            shapes: corners(),
            zones: vec![],
            curves: vec![c1, c2, c3],
        };
        let o = measure(&g).overlaps;
        assert_eq!((o.label_label, o.total), (2, 2), "c1-c2 and c2-c3");
    }
}
