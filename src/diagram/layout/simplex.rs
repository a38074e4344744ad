//! Layers of least total flow length: the network simplex method of Gansner, Koutsofios,
//! North and Vo ("A technique for drawing directed graphs", 1993) over the acyclic flows,
//! each of length at least one. Fewer layers crossed means fewer bend points and fewer
//! crossings to untangle. Starts from any feasible layering and improves it; stops at
//! the optimum or after an iteration budget, feasible either way.

/// Improves `layer` (feasible: every edge `(a, b)` has `layer[b] > layer[a]`) towards
/// the least sum of `layer[b] - layer[a]` over `edges`, in at most `max_iter` exchanges
/// per connected part. Each part then starts at layer 0.
pub(super) fn minimise_length(
    n: usize,
    edges: &[(usize, usize)],
    layer: &mut [usize],
    max_iter: usize,
) {
    let mut rank: Vec<i64> = layer.iter().map(|l| *l as i64).collect();
    // Incidence: (edge, other end) per node.
    let mut inc: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (i, &(a, b)) in edges.iter().enumerate() {
        inc[a].push((i, b));
        inc[b].push((i, a));
    }
    let mut part = vec![usize::MAX; n];
    let mut in_tree = vec![false; edges.len()];
    let mut members: Vec<usize> = Vec::new();
    let mut own: Vec<usize> = Vec::new();
    let mut queue: Vec<usize> = Vec::new();
    let mut in_set = vec![false; n];
    for root in 0..n {
        if part[root] != usize::MAX {
            continue;
        }
        // The connected part of `root`.
        members.clear();
        members.push(root);
        part[root] = root;
        let mut k = 0;
        while k < members.len() {
            let v = members[k];
            k += 1;
            for &(_, w) in &inc[v] {
                if part[w] == usize::MAX {
                    part[w] = root;
                    members.push(w);
                }
            }
        }
        if members.len() > 1 {
            own.clear();
            own.extend((0..edges.len()).filter(|i| part[edges[*i].0] == root));
            feasible_tree(
                &members,
                &inc,
                edges,
                &mut rank,
                &mut in_tree,
                &mut in_set,
                &mut queue,
            );
            let part = Part {
                root,
                members: &members,
                edges: &own,
            };
            improve(&part, &inc, edges, &mut rank, &mut in_tree, max_iter);
        }
        let low = members.iter().map(|v| rank[*v]).min().unwrap_or(0);
        for &v in &members {
            layer[v] = (rank[v] - low) as usize;
        }
    }
}

/// Grows a spanning tree of tight edges (slack 0) over `members`, shifting the tree
/// found so far by the least slack towards the rest whenever it stops growing.
fn feasible_tree(
    members: &[usize],
    inc: &[Vec<(usize, usize)>],
    edges: &[(usize, usize)],
    rank: &mut [i64],
    in_tree: &mut [bool],
    in_set: &mut [bool],
    queue: &mut Vec<usize>,
) {
    queue.clear();
    queue.push(members[0]);
    in_set[members[0]] = true;
    loop {
        // Grow along tight edges.
        let mut k = 0;
        while k < queue.len() {
            let v = queue[k];
            k += 1;
            for &(e, w) in &inc[v] {
                let (a, b) = edges[e];
                if !in_set[w] && rank[b] - rank[a] == 1 {
                    in_set[w] = true;
                    in_tree[e] = true;
                    queue.push(w);
                }
            }
        }
        if queue.len() == members.len() {
            break;
        }
        // The edge between the tree and the rest with the least slack; shift the tree
        // so that it becomes tight (every other such edge keeps a slack of at least 0).
        let mut best: Option<(i64, usize, bool)> = None;
        for &v in queue.iter() {
            for &(e, w) in &inc[v] {
                if in_set[w] {
                    continue;
                }
                let (a, b) = edges[e];
                let s = rank[b] - rank[a] - 1;
                if best.is_none_or(|(bs, be, _)| (s, e) < (bs, be)) {
                    // The tree holds a (the tail): it moves later; else earlier.
                    best = Some((s, e, in_set[a]));
                }
            }
        }
        let Some((s, _, tail_in_tree)) = best else {
            break;
        };
        let delta = if tail_in_tree { s } else { -s };
        for &v in queue.iter() {
            rank[v] += delta;
        }
    }
    for &v in queue.iter() {
        in_set[v] = false;
    }
}

/// One connected part: its root, its nodes and the indices of its edges.
struct Part<'a> {
    root: usize,
    members: &'a [usize],
    edges: &'a [usize],
}

/// The exchanges of the network simplex: while a tree edge has a negative cut value,
/// it leaves the tree and the non-tree edge of least slack across the same cut enters.
fn improve(
    part: &Part,
    inc: &[Vec<(usize, usize)>],
    edges: &[(usize, usize)],
    rank: &mut [i64],
    in_tree: &mut [bool],
    max_iter: usize,
) {
    let (root, members) = (part.root, part.members);
    let n = rank.len();
    // Rooted tree: parent node, the tree edge to it, depth, and low/lim numbers of a
    // post-order (v lies in the subtree of c iff low[c] <= lim[v] <= lim[c]).
    let mut parent = vec![usize::MAX; n];
    let mut up_edge = vec![usize::MAX; n];
    let mut depth = vec![0usize; n];
    let mut low = vec![0usize; n];
    let mut lim = vec![0usize; n];
    let mut cut = vec![0i64; n];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for _ in 0..max_iter {
        // Number the tree from the root, iteratively.
        let mut count = 0;
        parent[root] = usize::MAX;
        up_edge[root] = usize::MAX;
        depth[root] = 0;
        stack.clear();
        stack.push((root, 0));
        while let Some(top) = stack.last_mut() {
            let (v, next) = *top;
            if next == 0 {
                low[v] = count;
            }
            if let Some(&(e, w)) = inc[v].get(next) {
                top.1 += 1;
                if in_tree[e] && e != up_edge[v] {
                    parent[w] = v;
                    up_edge[w] = e;
                    depth[w] = depth[v] + 1;
                    stack.push((w, 0));
                }
            } else {
                lim[v] = count;
                count += 1;
                stack.pop();
            }
        }
        // Cut values: each edge adds to the tree edges on the tree path between its
        // ends, +1 where it runs the tree edge's way across the cut, -1 where against.
        for &v in members {
            cut[v] = 0;
        }
        for &i in part.edges {
            let (a, b) = edges[i];
            let (mut x, mut y) = (a, b);
            while x != y {
                // Step from the deeper end; x's side holds a (the edge leaves the
                // subtree), y's side holds b (it enters).
                if depth[x] >= depth[y] {
                    let t = edges[up_edge[x]];
                    // Tree edge x -> parent: leaving the subtree is its way.
                    cut[x] += if t.0 == x { 1 } else { -1 };
                    x = parent[x];
                } else {
                    let t = edges[up_edge[y]];
                    cut[y] += if t.0 == y { -1 } else { 1 };
                    y = parent[y];
                }
            }
        }
        // The first tree edge with a negative cut value, searching on from the last.
        let m = members.len();
        let Some(c) = (0..m)
            .map(|k| members[(start + k) % m])
            .find(|&v| v != root && cut[v] < 0)
        else {
            break;
        };
        start = (members.iter().position(|v| *v == c).unwrap_or(0) + 1) % m;
        // Removing c's tree edge splits off c's subtree S. The entering edge crosses the
        // cut from the head side to the tail side, with the least slack.
        let leaving = up_edge[c];
        let s_is_tail = edges[leaving].0 == c;
        let inside = |v: usize| low[c] <= lim[v] && lim[v] <= lim[c];
        let mut entering: Option<(i64, usize)> = None;
        for &i in part.edges {
            let (a, b) = edges[i];
            if in_tree[i] || inside(a) == inside(b) {
                continue;
            }
            // Head side to tail side: into S when S is the tail, out of S otherwise.
            if inside(b) == s_is_tail {
                let s = rank[b] - rank[a] - 1;
                if entering.is_none_or(|(bs, be)| (s, i) < (bs, be)) {
                    entering = Some((s, i));
                }
            }
        }
        let Some((s, f)) = entering else { break };
        // The head side moves later by s: S itself when it is the head, else the rest,
        // which is S moving earlier.
        let delta = if s_is_tail { -s } else { s };
        for &v in members {
            if inside(v) {
                rank[v] += delta;
            }
        }
        in_tree[leaving] = false;
        in_tree[f] = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn length(edges: &[(usize, usize)], layer: &[usize]) -> usize {
        edges.iter().map(|(a, b)| layer[*b] - layer[*a]).sum()
    }

    fn feasible(edges: &[(usize, usize)], layer: &[usize]) -> bool {
        edges.iter().all(|(a, b)| layer[*b] > layer[*a])
    }

    #[test]
    fn a_long_source_flow_is_pulled_next_to_its_target() {
        // 0 -> 1 -> 2 -> 3 and 4 -> 3: with 4 at layer 0 the flow
        // 4 -> 3 spans three layers; the optimum puts 4 at layer 2.
        let edges = [(0, 1), (1, 2), (2, 3), (4, 3)];
        let mut layer = vec![0, 1, 2, 3, 0];
        minimise_length(5, &edges, &mut layer, 100);
        assert_eq!(layer, [0, 1, 2, 3, 2]);
        assert_eq!(length(&edges, &layer), 4);
    }

    #[test]
    fn groups_move_together_where_single_moves_cannot_help() {
        // A chain 0 -> 1 -> 2 -> 3 -> 4 and a pair 5 -> 6 (three flows) with 0 -> 5 and
        // two flows 6 -> 4. Alone, 5 cannot move (5 -> 6 is tight) and 6 will not (three
        // flows in, two out); together they move one layer on and save one.
        let edges = [
            (0, 1),
            (1, 2),
            (2, 3),
            (3, 4),
            (0, 5),
            (5, 6),
            (5, 6),
            (5, 6),
            (6, 4),
            (6, 4),
        ];
        let mut layer = vec![0, 1, 2, 3, 4, 1, 2];
        assert_eq!(length(&edges, &layer), 12);
        minimise_length(7, &edges, &mut layer, 100);
        assert_eq!(layer, [0, 1, 2, 3, 4, 2, 3]);
        assert_eq!(length(&edges, &layer), 11);
    }

    #[test]
    fn the_result_is_feasible_and_no_longer_on_random_graphs() {
        // Random acyclic graphs (edges from lower to higher index), longest-path start.
        let mut seed = 7u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for round in 0..50 {
            let n = 3 + next(30) as usize;
            let m = next(4 * n as u64) as usize;
            let mut edges = Vec::new();
            for _ in 0..m {
                let a = next(n as u64) as usize;
                let b = next(n as u64) as usize;
                if a < b {
                    edges.push((a, b));
                }
            }
            let mut layer = vec![0usize; n];
            for v in 0..n {
                for &(a, b) in &edges {
                    if b == v {
                        layer[v] = layer[v].max(layer[a] + 1);
                    }
                }
            }
            let before = length(&edges, &layer);
            let mut improved = layer.clone();
            minimise_length(n, &edges, &mut improved, 10_000);
            assert!(feasible(&edges, &improved), "round {round}");
            let after = length(&edges, &improved);
            assert!(after <= before, "round {round}: {after} > {before}");
            // Optimal: no single node can move to shorten the total.
            for v in 0..n {
                let preds = edges.iter().filter(|e| e.1 == v).count();
                let succs = edges.iter().filter(|e| e.0 == v).count();
                let lo = edges
                    .iter()
                    .filter(|e| e.1 == v)
                    .map(|e| improved[e.0] + 1)
                    .max()
                    .unwrap_or(0);
                let hi = edges
                    .iter()
                    .filter(|e| e.0 == v)
                    .map(|e| improved[e.1] - 1)
                    .min();
                if preds > succs {
                    assert_eq!(improved[v], lo, "round {round}: node {v}");
                } else if succs > preds {
                    if let Some(hi) = hi {
                        assert_eq!(improved[v], hi, "round {round}: node {v}");
                    }
                }
            }
        }
    }
}
