//! Ranking and ordering for the layered layout: which flows to turn around so the rest
//! is acyclic, which layer (column) each component goes in, and the order of the
//! components and bend points inside each layer, with the crossing count that judges it.
//! Pure functions over indices; no geometry.

use std::collections::BTreeSet;

use super::{Graph, SWEEPS};

/// Sweeps for graphs of more than [`TRANSPOSE_EVERY_SWEEP_UP_TO`] nodes and bend points.
const SWEEPS_LARGE: usize = 8;

/// Passes of the transposition heuristic after each sweep.
const TRANSPOSE_PASSES: usize = 4;
/// Transposition runs after every sweep for graphs up to this many nodes and bend
/// points, and once on the best order beyond.
const TRANSPOSE_EVERY_SWEEP_UP_TO: usize = 20_000;
const TRANSPOSE_MAX_PRODUCT: usize = 256;
/// Sifting (each node tried at every place in its zone strip) runs while the sum over
/// layers of the squared layer sizes is at most this: its cost grows with that sum.
const SIFT_UP_TO: usize = 400_000;
/// In drawings small enough to sift, one sweep in this many also swaps neighbours that
/// cross as often either way, to leave a plateau.
const TIE_SWAPS_EVERY: usize = 4;
/// Sifting follows every this many sweeps.
const SIFT_EVERY: usize = 4;
/// Sifting passes over all layers on the best order, at most, after the sweeps.
const SIFT_PASSES: usize = 6;
/// Passes moving components to shorten their flows after longest-path layering.
const SPAN_PASSES: usize = 8;
use crate::diagram::Diagram;

/// Which flows to reverse so that the rest is acyclic: the back edges of a depth-first
/// search from each component in model order, following flows in model order.
pub(super) fn break_cycles_dfs(d: &Diagram, seed: u64) -> Vec<bool> {
    let n = d.nodes.len();
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (i, e) in d.edges.iter().enumerate() {
        if e.from != e.to {
            out[e.from].push((i, e.to));
        }
    }
    // Seeded: roots and flows in shuffled orders instead.
    let mut roots: Vec<usize> = (0..n).collect();
    if seed > 0 {
        let key = |x: u64| splitmix(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ x);
        roots.sort_by_key(|v| key(*v as u64));
        for o in &mut out {
            o.sort_by_key(|(i, _)| key((*i as u64) << 32));
        }
    }
    let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
    let mut reversed = vec![false; d.edges.len()];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        stack.push((root, 0));
        while let Some(top) = stack.last_mut() {
            let (v, next) = *top;
            if let Some(&(e, w)) = out[v].get(next) {
                top.1 += 1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Which flows to reverse so that the rest is acyclic: those pointing backwards in the
/// order of the greedy heuristic of Eades, Lin and Smyth, which puts sinks last and
/// sources first, and otherwise the component with most flows out less flows in next
/// (ties in model order). Against a depth-first search it turns around fewer flows and
/// leaves shorter paths, so fewer layers.
pub(super) fn break_cycles_greedy(d: &Diagram) -> Vec<bool> {
    let n = d.nodes.len();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut inc: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in &d.edges {
        if e.from != e.to {
            out[e.from].push(e.to);
            inc[e.to].push(e.from);
        }
    }
    let mut outdeg: Vec<i64> = out.iter().map(|o| o.len() as i64).collect();
    let mut indeg: Vec<i64> = inc.iter().map(|o| o.len() as i64).collect();
    let mut gone = vec![false; n];
    // Live components by (in − out, index): the first has the largest out − in.
    let mut queue: BTreeSet<(i64, usize)> = (0..n).map(|v| (indeg[v] - outdeg[v], v)).collect();
    let mut front: Vec<usize> = Vec::with_capacity(n);
    let mut back: Vec<usize> = Vec::new();
    let mut sinks: Vec<usize> = (0..n).filter(|v| outdeg[*v] == 0).rev().collect();
    let mut sources: Vec<usize> = (0..n)
        .filter(|v| indeg[*v] == 0 && outdeg[*v] > 0)
        .rev()
        .collect();
    let mut remove = |v: usize,
                      gone: &mut Vec<bool>,
                      queue: &mut BTreeSet<(i64, usize)>,
                      sinks: &mut Vec<usize>,
                      sources: &mut Vec<usize>| {
        gone[v] = true;
        queue.remove(&(indeg[v] - outdeg[v], v));
        for &w in &out[v] {
            if !gone[w] {
                queue.remove(&(indeg[w] - outdeg[w], w));
                indeg[w] -= 1;
                queue.insert((indeg[w] - outdeg[w], w));
                if indeg[w] == 0 && outdeg[w] > 0 {
                    sources.push(w);
                }
            }
        }
        for &w in &inc[v] {
            if !gone[w] {
                queue.remove(&(indeg[w] - outdeg[w], w));
                outdeg[w] -= 1;
                queue.insert((indeg[w] - outdeg[w], w));
                if outdeg[w] == 0 {
                    sinks.push(w);
                }
            }
        }
    };
    loop {
        if let Some(v) = sinks.pop() {
            if !gone[v] {
                back.push(v);
                remove(v, &mut gone, &mut queue, &mut sinks, &mut sources);
            }
        } else if let Some(v) = sources.pop() {
            if !gone[v] {
                front.push(v);
                remove(v, &mut gone, &mut queue, &mut sinks, &mut sources);
            }
        } else if let Some(&(_, v)) = queue.first() {
            front.push(v);
            remove(v, &mut gone, &mut queue, &mut sinks, &mut sources);
        } else {
            break;
        }
    }
    let mut pos = vec![0usize; n];
    for (k, v) in front.iter().chain(back.iter().rev()).enumerate() {
        pos[*v] = k;
    }
    d.edges
        .iter()
        .map(|e| e.from != e.to && pos[e.from] > pos[e.to])
        .collect()
}

/// At most `cap` layers: longer layerings are squeezed proportionally. Flows whose ends
/// land in one layer become flat (drawn as a loop in the gap right of that layer), none
/// turns around. Keeps models with long chains of flows from stretching into hundreds of
/// layers.
pub(super) fn squeeze_layers(layer: &mut [usize], cap: usize) -> usize {
    let layers = layer.iter().max().map_or(1, |l| l + 1);
    if layers <= cap {
        return layers;
    }
    for l in layer.iter_mut() {
        *l = *l * cap / layers;
    }
    cap
}

/// Longest-path layers over the acyclic flows; sources then move right next to their
/// nearest successor so that they do not drag long flows behind them.
pub(super) fn assign_layers(n: usize, dag: &[Option<(usize, usize)>]) -> Vec<usize> {
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    for &(a, b) in dag.iter().flatten() {
        succ[a].push(b);
        indeg[b] += 1;
    }
    let mut remaining = indeg.clone();
    let mut topo: Vec<usize> = (0..n).filter(|v| indeg[*v] == 0).collect();
    let mut i = 0;
    while i < topo.len() {
        let v = topo[i];
        for &w in &succ[v] {
            remaining[w] -= 1;
            if remaining[w] == 0 {
                topo.push(w);
            }
        }
        i += 1;
    }
    let mut layer = vec![0usize; n];
    for &v in &topo {
        for &w in &succ[v] {
            layer[w] = layer[w].max(layer[v] + 1);
        }
    }
    for &v in topo.iter().rev() {
        if indeg[v] == 0 && !succ[v].is_empty() {
            layer[v] = succ[v].iter().map(|w| layer[*w]).min().unwrap_or(1) - 1;
        }
    }
    // Shorter flows: a component with more flows in than out moves as far up as its
    // predecessors allow, one with more out than in as far down as its successors allow
    // (the total span falls each time; fewer bend points, fewer crossings).
    let mut pred: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (a, s) in succ.iter().enumerate() {
        for &b in s {
            pred[b].push(a);
        }
    }
    let last = layer.iter().copied().max().unwrap_or(0);
    for _ in 0..SPAN_PASSES {
        let mut moved = false;
        for &v in &topo {
            let lo = pred[v].iter().map(|p| layer[*p] + 1).max().unwrap_or(0);
            let hi = succ[v].iter().map(|s| layer[*s] - 1).min().unwrap_or(last);
            let to = match pred[v].len().cmp(&succ[v].len()) {
                std::cmp::Ordering::Greater => lo,
                std::cmp::Ordering::Less => hi,
                std::cmp::Ordering::Equal => layer[v],
            };
            if to != layer[v] && lo <= hi {
                layer[v] = to;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    // Then the least total length, where the graph is small enough.
    let edges: Vec<(usize, usize)> = dag.iter().flatten().copied().collect();
    if n * edges.len() <= SIMPLEX_UP_TO {
        super::simplex::minimise_length(n, &edges, &mut layer, SIMPLEX_ITERATIONS);
    }
    layer
}

/// Network simplex layering runs for graphs whose components × flows are at most this.
const SIMPLEX_UP_TO: usize = 2_000_000;
/// Exchanges of the network simplex at most, per connected part.
const SIMPLEX_ITERATIONS: usize = 2_000;

/// Orders every layer by barycentre sweeps, members of one zone strip kept together in
/// zone pre-order. Returns the best order found and its crossing count.
///
/// Unless `thorough`, one start only and no sifting: a quick estimate.
pub(super) fn order_layers(g: &Graph, layers: usize, thorough: bool) -> (Vec<Vec<usize>>, usize) {
    let from_search = order_from(g, layers, Start::Search, thorough);
    if g.layer.len() > TRANSPOSE_EVERY_SWEEP_UP_TO || !thorough {
        return from_search;
    }
    // Small enough to try a second start, model order, and keep the better.
    let from_model = order_from(g, layers, Start::Model, true);
    if from_model.1 < from_search.1 {
        from_model
    } else {
        from_search
    }
}

/// Where the sweeps start from.
#[derive(Clone, Copy)]
enum Start {
    /// Each layer in the order a breadth-first search over the flows reaches it.
    Search,
    /// Model order.
    Model,
}

/// The sweeps from one start.
fn order_from(g: &Graph, layers: usize, start: Start, thorough: bool) -> (Vec<Vec<usize>>, usize) {
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for v in 0..g.layer.len() {
        order[g.layer[v]].push(v);
    }
    // Start from the order of a breadth-first search over the flows (each layer in the
    // order its members are first reached), which puts neighbours near each other.
    let total = g.layer.len();
    let mut seen = vec![usize::MAX; total];
    let mut queue: std::collections::VecDeque<usize> = Default::default();
    let mut next = 0;
    for root in 0..total {
        if seen[root] != usize::MAX {
            continue;
        }
        seen[root] = next;
        next += 1;
        queue.push_back(root);
        while let Some(v) = queue.pop_front() {
            for &w in g.up[v].iter().chain(&g.down[v]) {
                if seen[w] == usize::MAX {
                    seen[w] = next;
                    next += 1;
                    queue.push_back(w);
                }
            }
        }
    }
    for o in &mut order {
        o.sort_by_key(|v| {
            (
                g.band[*v],
                match start {
                    Start::Search => seen[*v],
                    Start::Model => *v,
                },
            )
        });
    }
    let mut pos = vec![0usize; g.layer.len()];
    let index = |order: &Vec<Vec<usize>>, pos: &mut Vec<usize>| {
        for o in order {
            for (i, v) in o.iter().enumerate() {
                pos[*v] = i;
            }
        }
    };
    index(&order, &mut pos);
    let mut best = order.clone();
    let mut best_crossings = count_crossings(g, &order, &pos);
    let sweeps = if g.layer.len() <= TRANSPOSE_EVERY_SWEEP_UP_TO {
        SWEEPS
    } else {
        SWEEPS_LARGE
    };
    let mut at: Vec<usize> = Vec::new();
    let sift_work: usize = order.iter().map(|o| o.len() * o.len()).sum();
    let sifting = thorough && sift_work <= SIFT_UP_TO;
    for sweep in 0..sweeps {
        let downward = sweep % 2 == 0;
        let ls: Vec<usize> = if downward {
            (1..layers).collect()
        } else {
            (0..layers.saturating_sub(1)).rev().collect()
        };
        for l in ls {
            // Nodes with neighbours on the fixed side sort by the median of their
            // positions; the others keep their places (as in dot), so that positions
            // of two layers are never compared.
            let mut keyed: Vec<(usize, f64, usize, usize)> = order[l]
                .iter()
                .filter_map(|&v| {
                    let nb = if downward { &g.up[v] } else { &g.down[v] };
                    if nb.is_empty() {
                        return None;
                    }
                    at.clear();
                    at.extend(nb.iter().map(|w| pos[*w]));
                    at.sort_unstable();
                    let m = at.len() / 2;
                    let median = if at.len() % 2 == 1 {
                        at[m] as f64
                    } else {
                        (at[m - 1] + at[m]) as f64 / 2.0
                    };
                    Some((g.band[v], median, pos[v], v))
                })
                .collect();
            keyed.sort_by(|p, q| p.0.cmp(&q.0).then(p.1.total_cmp(&q.1)).then(p.2.cmp(&q.2)));
            let mut moving = keyed.into_iter().map(|k| k.3);
            for slot in order[l].iter_mut() {
                let nb = if downward {
                    &g.up[*slot]
                } else {
                    &g.down[*slot]
                };
                if !nb.is_empty() {
                    *slot = moving.next().unwrap_or(*slot);
                }
            }
            for (i, v) in order[l].iter().enumerate() {
                pos[*v] = i;
            }
        }
        if g.layer.len() <= TRANSPOSE_EVERY_SWEEP_UP_TO {
            let ties = sifting && sweep % TIE_SWAPS_EVERY == 1;
            transpose(g, &mut order, &mut pos, sifting, ties);
        }
        if sifting && sweep % SIFT_EVERY == SIFT_EVERY - 1 {
            sift(g, &mut order, &mut pos, downward);
        }
        let c = count_crossings(g, &order, &pos);
        if c < best_crossings {
            best_crossings = c;
            best = order.clone();
        }
    }
    if g.layer.len() > TRANSPOSE_EVERY_SWEEP_UP_TO {
        index(&best, &mut pos);
        transpose(g, &mut best, &mut pos, false, false);
        best_crossings = count_crossings(g, &best, &pos);
    }
    if sifting {
        // Sifting from the best order until it stops helping.
        index(&best, &mut pos);
        for pass in 0..SIFT_PASSES {
            let mut trial = best.clone();
            sift(g, &mut trial, &mut pos, pass % 2 == 0);
            let c = count_crossings(g, &trial, &pos);
            if c < best_crossings {
                best_crossings = c;
                best = trial;
            } else {
                index(&best, &mut pos);
                break;
            }
        }
    }
    (best, best_crossings)
}

/// Crossings between the flows of two nodes of one layer whose neighbours on each side
/// sit at the sorted positions `a` and `b`: (with `a`'s node above, with `b`'s above).
/// Flows sharing a neighbour never cross.
fn crossings_both_ways(a: &[usize], b: &[usize]) -> (usize, usize) {
    let (mut a_above, mut b_above) = (0, 0);
    // For each x of a, how many y of b lie strictly before it, and the reverse.
    let mut j = 0;
    for &x in a {
        while j < b.len() && b[j] < x {
            j += 1;
        }
        a_above += j;
    }
    let mut i = 0;
    for &y in b {
        while i < a.len() && a[i] < y {
            i += 1;
        }
        b_above += i;
    }
    (a_above, b_above)
}

/// One sifting pass (Matuszewski, Schönfeld and Molitor): in each layer, top to bottom
/// when `downward`, each node in turn is taken out and put back at the place in its
/// zone strip where its flows cross the fewest flows of that layer's other nodes,
/// counting both neighbouring layers. Stronger than swapping neighbours: a node can
/// jump over a node whose flows it crosses as often either way.
fn sift(g: &Graph, order: &mut [Vec<usize>], pos: &mut [usize], downward: bool) {
    let layers: Vec<usize> = if downward {
        (0..order.len()).collect()
    } else {
        (0..order.len()).rev().collect()
    };
    let mut up_at: Vec<Vec<usize>> = Vec::new();
    let mut down_at: Vec<Vec<usize>> = Vec::new();
    let mut gain: Vec<(usize, usize)> = Vec::new();
    for l in layers {
        let o = &mut order[l];
        if o.len() < 2 {
            continue;
        }
        // Sorted neighbour positions of each node of the layer, by its place in `o`;
        // they stay valid while this layer changes, since neighbours are in other layers.
        up_at.clear();
        down_at.clear();
        for &v in o.iter() {
            let mut u: Vec<usize> = g.up[v].iter().map(|w| pos[*w]).collect();
            u.sort_unstable();
            up_at.push(u);
            let mut d: Vec<usize> = g.down[v].iter().map(|w| pos[*w]).collect();
            d.sort_unstable();
            down_at.push(d);
        }
        // `slot[k]`: the node of `o` whose neighbour lists are at index k.
        let mut slot: Vec<usize> = (0..o.len()).collect();
        // Heavier nodes first: they decide most crossings.
        let mut turn: Vec<usize> = (0..o.len()).collect();
        turn.sort_by_key(|&k| (std::cmp::Reverse(up_at[k].len() + down_at[k].len()), k));
        for k in turn {
            if up_at[k].is_empty() && down_at[k].is_empty() {
                continue;
            }
            let at = slot.iter().position(|s| *s == k).unwrap_or(0);
            let band = g.band[o[at]];
            let mut start = at;
            while start > 0 && g.band[o[start - 1]] == band {
                start -= 1;
            }
            let mut end = at + 1;
            while end < o.len() && g.band[o[end]] == band {
                end += 1;
            }
            if end - start < 2 {
                continue;
            }
            // Crossings with each other node of the strip, with k above and below it.
            gain.clear();
            for &m in &slot[start..end] {
                if m == k {
                    continue;
                }
                let (ua, ub) = crossings_both_ways(&up_at[k], &up_at[m]);
                let (da, db) = crossings_both_ways(&down_at[k], &down_at[m]);
                gain.push((ua + da, ub + db));
            }
            // Cost with k at place p of the strip: above the others from p on, below
            // the ones before. Start with k at the top and move it down.
            let mut cost: i64 = gain.iter().map(|c| c.0 as i64).sum();
            let (mut best, mut best_cost) = (0, cost);
            let current = at - start;
            let mut current_cost = if current == 0 { cost } else { i64::MAX };
            for (p, c) in gain.iter().enumerate() {
                cost += c.1 as i64 - c.0 as i64;
                if p + 1 == current {
                    current_cost = cost;
                }
                if cost < best_cost {
                    best = p + 1;
                    best_cost = cost;
                }
            }
            if best_cost >= current_cost {
                continue;
            }
            let node = o.remove(at);
            let lists = slot.remove(at);
            o.insert(start + best, node);
            slot.insert(start + best, lists);
            for (i, v) in o.iter().enumerate().take(end).skip(start) {
                pos[*v] = i;
            }
        }
    }
}

/// The SplitMix64 mix of `x`: a fixed pseudo-random key.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Crossings among the flows at `u` and `v` when `u` is above `v` in their layer: pairs
/// of their neighbours, on the same side, in the opposite order.
fn pair_crossings(g: &Graph, pos: &[usize], u: usize, v: usize) -> usize {
    let mut c = 0;
    for (nu, nv) in [(&g.up[u], &g.up[v]), (&g.down[u], &g.down[v])] {
        for &x in nu {
            c += nv.iter().filter(|&&y| pos[x] > pos[y]).count();
        }
    }
    c
}

/// Swaps neighbours of one zone strip in each layer while that removes crossings
/// (the transposition heuristic), a few passes at most.
///
/// A `thorough` pass compares any pair and runs until nothing improves; with `ties`,
/// pairs that cross as often either way swap too, once, to leave a plateau.
fn transpose(g: &Graph, order: &mut [Vec<usize>], pos: &mut [usize], thorough: bool, ties: bool) {
    let passes = if thorough { 64 } else { TRANSPOSE_PASSES };
    let mut ties = ties;
    for _ in 0..passes {
        let mut improved = false;
        for o in order.iter_mut() {
            for i in 0..o.len().saturating_sub(1) {
                let (u, v) = (o[i], o[i + 1]);
                if g.band[u] != g.band[v] {
                    continue;
                }
                // Flows of a node with no neighbours cannot cross; pairs with very many
                // flows are left alone (comparing them costs the product).
                let (du, dv) = (
                    g.up[u].len() + g.down[u].len(),
                    g.up[v].len() + g.down[v].len(),
                );
                if du == 0 || dv == 0 || (!thorough && du * dv > TRANSPOSE_MAX_PRODUCT) {
                    continue;
                }
                let (now, swapped) = (pair_crossings(g, pos, u, v), pair_crossings(g, pos, v, u));
                if swapped < now || (ties && swapped == now) {
                    o.swap(i, i + 1);
                    pos[u] = i + 1;
                    pos[v] = i;
                    improved |= swapped < now;
                }
            }
        }
        ties = false;
        if !improved {
            break;
        }
    }
}

/// Crossings between adjacent layers: inversions among segments sorted by their upper
/// end, counted with a Fenwick tree.
pub(super) fn count_crossings(g: &Graph, order: &[Vec<usize>], pos: &[usize]) -> usize {
    let mut total = 0;
    let mut segs: Vec<(usize, usize)> = Vec::new();
    for l in 0..order.len().saturating_sub(1) {
        segs.clear();
        for &v in &order[l] {
            for &w in &g.down[v] {
                segs.push((pos[v], pos[w]));
            }
        }
        segs.sort_unstable();
        let size = order[l + 1].len();
        let mut tree = vec![0usize; size + 1];
        for (seen, &(_, b)) in segs.iter().enumerate() {
            // Segments already seen whose lower end is right of b cross this one.
            let mut i = b + 1;
            let mut at_most_b = 0;
            while i > 0 {
                at_most_b += tree[i];
                i &= i - 1;
            }
            total += seen - at_most_b;
            let mut i = b + 1;
            while i <= size {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dag(edges: &[(usize, usize)]) -> Vec<Option<(usize, usize)>> {
        edges.iter().map(|e| Some(*e)).collect()
    }

    #[test]
    fn longest_path_layers_follow_the_flows() {
        // a -> b -> c, a -> c: c two layers after a.
        let layers = assign_layers(3, &dag(&[(0, 1), (1, 2), (0, 2)]));
        assert_eq!(layers, [0, 1, 2]);
    }

    #[test]
    fn isolated_components_and_self_loops_stay_in_the_first_layer() {
        let layers = assign_layers(3, &[None, Some((0, 1))]);
        assert_eq!(layers, [0, 1, 0]);
    }

    #[test]
    fn a_source_moves_next_to_its_nearest_successor() {
        // 0 -> 1 -> 2 -> 3 and 4 -> 3, 4 -> 2: 4 goes just before 2.
        let layers = assign_layers(5, &dag(&[(0, 1), (1, 2), (2, 3), (4, 3), (4, 2)]));
        assert_eq!(layers[4], 1);
    }

    fn graph(layer: Vec<usize>, band: Vec<usize>, segs: &[(usize, usize)]) -> Graph {
        let n = layer.len();
        let mut g = Graph {
            layer,
            band,
            w: vec![10.0; n],
            h: vec![10.0; n],
            up: vec![Vec::new(); n],
            down: vec![Vec::new(); n],
        };
        for &(a, b) in segs {
            g.down[a].push(b);
            g.up[b].push(a);
        }
        g
    }

    #[test]
    fn crossings_are_counted_between_adjacent_layers() {
        // 0,1 over 2,3 with 0-3 and 1-2: one crossing in this order.
        let g = graph(vec![0, 0, 1, 1], vec![0; 4], &[(0, 3), (1, 2)]);
        let order = vec![vec![0, 1], vec![2, 3]];
        assert_eq!(count_crossings(&g, &order, &[0, 1, 0, 1]), 1);
        let untangled = vec![vec![0, 1], vec![3, 2]];
        assert_eq!(count_crossings(&g, &untangled, &[0, 1, 1, 0]), 0);
    }

    #[test]
    fn crossings_both_ways_match_a_brute_force_count() {
        let mut seed = 11u64;
        let mut next = |m: u64| {
            seed = splitmix(seed);
            (seed % m) as usize
        };
        for _ in 0..200 {
            let mut a: Vec<usize> = (0..next(6)).map(|_| next(8)).collect();
            let mut b: Vec<usize> = (0..next(6)).map(|_| next(8)).collect();
            a.sort_unstable();
            b.sort_unstable();
            let brute = |p: &[usize], q: &[usize]| {
                p.iter()
                    .map(|x| q.iter().filter(|y| *y < x).count())
                    .sum::<usize>()
            };
            assert_eq!(crossings_both_ways(&a, &b), (brute(&a, &b), brute(&b, &a)));
        }
    }

    #[test]
    fn sifting_never_adds_crossings_and_moves_a_node_past_several() {
        // Layer 1 holds 3, 4, 5 over layer 0's 0, 1, 2: 3 links to 2, 4 and 5 to 0 and 1.
        // Moving 2 to the top (or 3 to the bottom) removes four crossings; 4 and 5 cross
        // once either way.
        let g = graph(
            vec![0, 0, 0, 1, 1, 1],
            vec![0; 6],
            &[(2, 3), (0, 4), (1, 4), (0, 5), (1, 5)],
        );
        let mut order = vec![vec![0, 1, 2], vec![3, 4, 5]];
        let mut pos = vec![0, 1, 2, 0, 1, 2];
        assert_eq!(count_crossings(&g, &order, &pos), 5);
        sift(&g, &mut order, &mut pos, true);
        assert_eq!(order[0][0], 2, "{order:?}");
        assert_eq!(count_crossings(&g, &order, &pos), 1);
        // Random layered graphs: a pass never makes the count worse.
        let mut seed = 5u64;
        let mut next = |m: u64| {
            seed = splitmix(seed);
            (seed % m) as usize
        };
        for _ in 0..100 {
            let layers = 2 + next(4);
            let n = layers + next(20);
            let layer: Vec<usize> = (0..n)
                .map(|v| if v < layers { v } else { next(layers as u64) })
                .collect();
            let band: Vec<usize> = layer.iter().map(|_| next(2)).collect();
            let mut segs = Vec::new();
            for _ in 0..next(3 * n as u64) {
                let (a, b) = (next(n as u64), next(n as u64));
                if layer[b] == layer[a] + 1 {
                    segs.push((a, b));
                }
            }
            let g = graph(layer.clone(), band.clone(), &segs);
            let mut order: Vec<Vec<usize>> = vec![Vec::new(); layers];
            for v in 0..n {
                order[layer[v]].push(v);
            }
            for o in &mut order {
                o.sort_by_key(|v| band[*v]);
            }
            let mut pos = vec![0; n];
            for o in &order {
                for (i, v) in o.iter().enumerate() {
                    pos[*v] = i;
                }
            }
            let before = count_crossings(&g, &order, &pos);
            sift(&g, &mut order, &mut pos, next(2) == 0);
            assert!(count_crossings(&g, &order, &pos) <= before);
            for o in &order {
                assert!(
                    o.windows(2).all(|w| band[w[0]] <= band[w[1]]),
                    "strips stay whole"
                );
                for (i, v) in o.iter().enumerate() {
                    assert_eq!(pos[*v], i);
                }
            }
        }
    }

    #[test]
    fn ordering_keeps_zone_strips_together_even_at_the_cost_of_a_crossing() {
        // Layer 1 holds 2 (band 0) and 3 (band 1); 0 -> 3 and 1 -> 2 would be straight
        // with 3 above 2, but band 0 must stay above band 1.
        let g = graph(vec![0, 0, 1, 1], vec![0, 1, 0, 1], &[(0, 3), (1, 2)]);
        let (order, crossings) = order_layers(&g, 2, true);
        assert_eq!(order[1], [2, 3]);
        assert_eq!(crossings, 1);
    }
}
