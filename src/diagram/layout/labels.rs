//! Placing flow labels: each label goes on its flow's curve where it covers no component
//! and no earlier label if such a place exists, found with a coarse grid of rectangles.

use super::{LOOP_REACH, LabelText, NodeBox, Rect, Route};

/// Overlaps beyond this many do not make a place worse: a label covering 64 others is
/// unreadable anyway, wherever it goes.
const MAX_HITS: usize = 64;

/// A query that meets more stored rectangles than this in the cells it looks at reports
/// [`MAX_HITS`] without looking further: the place is crowded. Never reports a crowded
/// place as free, and keeps thousands of labels piled between two components from
/// making every query scan all of them.
const MAX_SCAN: usize = 512;

/// Side of a grid cell, px: about a short label's width, so that a cell holds few.
const CELL: f64 = 48.0;

/// A coarse grid of rectangles for overlap queries.
struct Grid {
    cell: f64,
    /// Stored rectangles by cell. Only ever looked up, never iterated: a hash map with a
    /// fixed seed (a tree map's lookups were a third of placing labels).
    cells: std::collections::HashMap<(i64, i64), Vec<usize>, foldhash::fast::FixedState>,
    rects: Vec<Rect>,
}

impl Grid {
    fn new(cell: f64) -> Grid {
        Grid {
            cell,
            cells: Default::default(),
            rects: Vec::new(),
        }
    }

    fn span(&self, r: &Rect) -> (i64, i64, i64, i64) {
        (
            (r.x / self.cell).floor() as i64,
            (r.y / self.cell).floor() as i64,
            (r.right() / self.cell).floor() as i64,
            (r.bottom() / self.cell).floor() as i64,
        )
    }

    fn insert(&mut self, r: Rect) {
        let id = self.rects.len();
        self.rects.push(r);
        let (x0, y0, x1, y1) = self.span(&r);
        for cx in x0..=x1 {
            for cy in y0..=y1 {
                self.cells.entry((cx, cy)).or_default().push(id);
            }
        }
    }

    /// How many stored rectangles `r` overlaps (each counted once), counting no further
    /// than [`MAX_HITS`]: where labels pile up (thousands of flows between two
    /// components), counting every one for every candidate place of every label made
    /// placing them cubic in the number of flows.
    fn hits(&self, r: &Rect) -> usize {
        let (x0, y0, x1, y1) = self.span(r);
        let mut seen: Vec<usize> = Vec::new();
        let mut scanned = 0;
        for cx in x0..=x1 {
            for cy in y0..=y1 {
                if let Some(ids) = self.cells.get(&(cx, cy)) {
                    scanned += ids.len();
                    if scanned > MAX_SCAN {
                        return MAX_HITS;
                    }
                    for &id in ids {
                        if self.rects[id].overlaps(r) && !seen.contains(&id) {
                            seen.push(id);
                            if seen.len() == MAX_HITS {
                                return MAX_HITS;
                            }
                        }
                    }
                }
            }
        }
        seen.len()
    }
}

/// A point of the curve between `p` and `q` drawn with horizontal tangents.
pub fn curve_point(p: (f64, f64), q: (f64, f64), t: f64) -> (f64, f64) {
    let mx = (p.0 + q.0) / 2.0;
    let (c1, c2) = ((mx, p.1), (mx, q.1));
    let u = 1.0 - t;
    let b = |a: f64, b: f64, c: f64, d: f64| {
        u * u * u * a + 3.0 * u * u * t * b + 3.0 * u * t * t * c + t * t * t * d
    };
    (b(p.0, c1.0, c2.0, q.0), b(p.1, c1.1, c2.1, q.1))
}

/// Where a label of size `w` × `h` may go on route `r`, best first: on the curve, middle
/// segments and middle points first, then just above and below the curve.
fn candidates(r: &Route, w: f64, h: f64) -> Vec<(f64, f64)> {
    let mut on: Vec<(f64, f64)> = Vec::new();
    if r.self_loop {
        let (x, y) = r.points[0];
        let mid = y + (r.points[1].1 - y) / 2.0;
        on.push((x + LOOP_REACH + 4.0 + w / 2.0, mid));
        on.push((x + LOOP_REACH / 2.0, mid - 22.0));
        on.push((x + LOOP_REACH / 2.0, mid + 22.0));
        on.push((x + LOOP_REACH + 4.0 + w / 2.0, mid - 22.0));
        on.push((x + LOOP_REACH + 4.0 + w / 2.0, mid + 22.0));
        return on;
    }
    let pieces = r.pieces();
    let segs = pieces.len();
    // Middle segments first: that is where a reader looks for a label.
    let mut seg_order: Vec<usize> = (0..segs).collect();
    let centre = (segs as f64 - 1.0) / 2.0;
    seg_order.sort_by(|a, b| {
        (*a as f64 - centre)
            .abs()
            .total_cmp(&(*b as f64 - centre).abs())
            .then(a.cmp(b))
    });
    for s in seg_order {
        for t in [0.5, 0.3, 0.7, 0.15, 0.85, 0.05, 0.95] {
            on.push(crate::diagram::stats::cubic_point(&pieces[s], t));
        }
    }
    // Beside the curve: above and below it, or left and right of it top to bottom.
    let (bx, by) = if r.vertical {
        ((w / 2.0 + 3.0).round(), 0.0)
    } else {
        (0.0, (h / 2.0 + 3.0).round())
    };
    let mut all = on.clone();
    for &(x, y) in &on {
        all.push((x - bx, y - by));
        all.push((x + bx, y + by));
    }
    all
}

/// Puts every flow label on or beside its curve where it covers no component, zone title
/// or earlier label if such a place exists, else where it covers the fewest (up to
/// [`MAX_HITS`]). Each route offers its texts best first (`options`): the first that has
/// a free place is taken; where none has, the one covering the least.
pub(super) fn place_labels(
    nodes: &[NodeBox],
    titles: &[Rect],
    routes: &mut [Route],
    options: &[Vec<LabelText>],
) {
    let mut fixed = Grid::new(CELL);
    for b in nodes {
        fixed.insert(b.rect);
    }
    for t in titles {
        fixed.insert(*t);
    }
    let mut label_grid = Grid::new(CELL);
    let mut ring_failures = 0;
    for (r, texts) in routes.iter_mut().zip(options) {
        let mut best: Option<(usize, Rect, usize)> = None;
        'texts: for (k, t) in texts.iter().enumerate() {
            let (w, h) = (t.w, t.h);
            for (cx, cy) in candidates(r, w, h) {
                let rect = Rect {
                    x: (cx - w / 2.0).round(),
                    y: (cy - h / 2.0).round(),
                    w,
                    h,
                };
                let cost = fixed.hits(&rect) * 1000 + label_grid.hits(&rect);
                if best.is_none_or(|(c, _, _)| cost < c) {
                    best = Some((cost, rect, k));
                }
                if cost == 0 {
                    break 'texts;
                }
            }
        }
        // Where no place on or beside the curve is free, the shortest text (its number)
        // moves out from the curve, ring by ring, to the nearest free place.
        if best.is_some_and(|(c, _, _)| c > 0) && ring_failures < MAX_RING_FAILURES {
            if let Some((k, t)) = texts
                .iter()
                .enumerate()
                .min_by(|a, b| (a.1.w * a.1.h).total_cmp(&(b.1.w * b.1.h)))
            {
                if let Some(rect) = nearest_free(r, t.w, t.h, &fixed, &label_grid) {
                    best = Some((0, rect, k));
                } else {
                    ring_failures += 1;
                }
            }
        }
        if let Some((_, rect, k)) = best {
            r.label = rect;
            r.lines = texts[k].lines.clone();
            label_grid.insert(rect);
        }
    }
}

/// After this many labels found no free place in any ring, the drawing is too crowded
/// for the search to pay (each costs over a thousand queries): later labels take their
/// best place on or beside their curve.
const MAX_RING_FAILURES: usize = 32;

/// How many rings around the curve [`nearest_free`] tries.
const RINGS: usize = 8;

/// The free place for a `w` × `h` label nearest to the curve of `r`: around its points,
/// middle first, in rings one label size apart; none if every ring is taken.
fn nearest_free(r: &Route, w: f64, h: f64, fixed: &Grid, labels: &Grid) -> Option<Rect> {
    let points: Vec<(f64, f64)> = candidates(r, w, h).into_iter().take(21).collect();
    for ring in 1..=RINGS {
        let (dx, dy) = (ring as f64 * (w + 4.0), ring as f64 * (h + 4.0));
        for &(cx, cy) in &points {
            for (ox, oy) in [
                (0.0, -dy),
                (0.0, dy),
                (-dx, 0.0),
                (dx, 0.0),
                (-dx, -dy),
                (dx, -dy),
                (-dx, dy),
                (dx, dy),
            ] {
                let rect = Rect {
                    x: (cx + ox - w / 2.0).round(),
                    y: (cy + oy - h / 2.0).round(),
                    w,
                    h,
                };
                if fixed.hits(&rect) == 0 && labels.hits(&rect) == 0 {
                    return Some(rect);
                }
            }
        }
    }
    None
}
