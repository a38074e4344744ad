//! Breadth-first search and Yen's k-shortest simple paths over the flow graph, with
//! every flow costing one hop.
//!
//! Searches are bounded: one breadth-first search is linear in the graph, and Yen's
//! algorithm runs at most `k` × (path length + 1) of them. Nothing here enumerates all
//! simple paths, whose number grows exponentially with the graph.

use std::collections::{BTreeSet, HashSet, VecDeque};

use crate::model::{ComponentId, FlowId, Model};

/// A walk along flows: `nodes[i]` --`flows[i]`--> `nodes[i + 1]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Walk {
    pub nodes: Vec<ComponentId>,
    pub flows: Vec<FlowId>,
}

impl Walk {
    fn ordering_key(&self) -> (usize, &[FlowId], ComponentId) {
        (self.flows.len(), &self.flows, self.nodes[0])
    }
}

/// Shortest walks from any of `starts` to every component: for each component, the flow
/// that reaches it on a shortest walk (`None` for starts and unreached components).
/// Starts are tried in the order given and flows in model order, so ties always break
/// the same way.
pub struct Tree {
    reached: Vec<bool>,
    via: Vec<Option<FlowId>>,
}

impl Tree {
    pub fn new(model: &Model, starts: &[ComponentId]) -> Tree {
        let n = model.graph.node_count();
        let mut tree = Tree {
            reached: vec![false; n],
            via: vec![None; n],
        };
        let mut queue = VecDeque::new();
        for s in starts {
            if !tree.reached[s.index()] {
                tree.reached[s.index()] = true;
                queue.push_back(*s);
            }
        }
        let out = outgoing(model);
        while let Some(c) = queue.pop_front() {
            for f in &out[c.index()] {
                let to = model.flow(*f).to;
                if !tree.reached[to.index()] {
                    tree.reached[to.index()] = true;
                    tree.via[to.index()] = Some(*f);
                    queue.push_back(to);
                }
            }
        }
        tree
    }

    /// The shortest walk to `target`, if it is reached.
    pub fn walk_to(&self, model: &Model, target: ComponentId) -> Option<Walk> {
        if !self.reached[target.index()] {
            return None;
        }
        let (mut nodes, mut flows) = (vec![target], Vec::new());
        let mut at = target;
        while let Some(f) = self.via[at.index()] {
            flows.push(f);
            at = model.flow(f).from;
            nodes.push(at);
        }
        nodes.reverse();
        flows.reverse();
        Some(Walk { nodes, flows })
    }
}

/// Each component's outgoing flows in model order (petgraph lists them newest first).
fn outgoing(model: &Model) -> Vec<Vec<FlowId>> {
    let mut out = vec![Vec::new(); model.graph.node_count()];
    for f in model.flow_ids() {
        out[model.flow(f).from.index()].push(f);
    }
    out
}

/// A shortest walk from any allowed start to `target` that avoids the banned components
/// and flows; `None` when there is none with at least one flow.
fn shortest(
    model: &Model,
    out: &[Vec<FlowId>],
    starts: &[ComponentId],
    target: ComponentId,
    banned_nodes: &[ComponentId],
    banned_flows: &HashSet<FlowId>,
) -> Option<Walk> {
    let n = model.graph.node_count();
    let mut reached = vec![false; n];
    for c in banned_nodes {
        reached[c.index()] = true;
    }
    let mut via: Vec<Option<FlowId>> = vec![None; n];
    let mut queue = VecDeque::new();
    for s in starts {
        if *s != target && !reached[s.index()] {
            reached[s.index()] = true;
            queue.push_back(*s);
        }
    }
    'search: while let Some(c) = queue.pop_front() {
        for f in &out[c.index()] {
            if banned_flows.contains(f) {
                continue;
            }
            let to = model.flow(*f).to;
            if reached[to.index()] {
                continue;
            }
            reached[to.index()] = true;
            via[to.index()] = Some(*f);
            if to == target {
                break 'search;
            }
            queue.push_back(to);
        }
    }
    via[target.index()]?;
    let (mut nodes, mut flows) = (vec![target], Vec::new());
    let mut at = target;
    while let Some(f) = via[at.index()] {
        flows.push(f);
        at = model.flow(f).from;
        nodes.push(at);
    }
    nodes.reverse();
    flows.reverse();
    Some(Walk { nodes, flows })
}

/// A walk waiting to be picked by [`k_shortest`], ordered by [`Walk::ordering_key`]
/// (which tells walks apart: a walk is its start and its flows).
struct Candidate {
    walk: Walk,
    /// The spur index the walk was found at: it shares its first `deviation` components
    /// with the walk it was spurred from, and differs after.
    deviation: usize,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.walk.ordering_key().cmp(&other.walk.ordering_key())
    }
}

/// How many leading components `w` shares with `last`: `w` has the root of spur index
/// `i` of `last` exactly when this is `i` or more. A walk is its start and its flows, so
/// comparing those is enough.
fn shared_root(w: &Walk, last: &Walk) -> usize {
    if w.nodes[0] != last.nodes[0] {
        return 0;
    }
    1 + w
        .flows
        .iter()
        .zip(&last.flows)
        .take_while(|(a, b)| a == b)
        .count()
}

/// Up to `k` shortest simple walks from any of `starts` to `target` (Yen's algorithm
/// with a virtual start joined to every real one), shortest first; ties break by the
/// flows' model order. A walk has at least one flow and never repeats a component.
///
/// Three things keep it near `k` × (path length) breadth-first searches and no more:
/// a walk is spurred only from where it left the walk it was spurred from (Lawler's
/// refinement: the spurs before that point were made for that walk already and would
/// only find the same candidates again); candidates are kept sorted and unique in a
/// set, only as many as can still be picked; and the flows to ban at each spur come
/// from one comparison of every found walk with the last one, not from comparing
/// prefixes again at every spur.
pub fn k_shortest(
    model: &Model,
    starts: &[ComponentId],
    target: ComponentId,
    k: usize,
) -> Vec<Walk> {
    let out = outgoing(model);
    let mut found: Vec<Walk> = Vec::new();
    let Some(first) = shortest(model, &out, starts, target, &[], &HashSet::new()) else {
        return found;
    };
    let mut picked = Candidate {
        walk: first,
        deviation: 0,
    };
    let mut found_set: HashSet<Walk> = HashSet::new();
    let mut candidates: BTreeSet<Candidate> = BTreeSet::new();
    loop {
        found_set.insert(picked.walk.clone());
        found.push(picked.walk);
        if found.len() >= k {
            break;
        }
        let last = found.last().expect("just pushed");
        let shared: Vec<usize> = found.iter().map(|w| shared_root(w, last)).collect();
        // Spur from the virtual start (the root is empty) and then from each component
        // of the last walk but its target, from where it left its parent walk on.
        for i in picked.deviation..last.nodes.len() {
            let root_nodes = &last.nodes[..i];
            let root_flows = &last.flows[..i.saturating_sub(1)];
            let mut banned_flows = HashSet::new();
            let (spur_starts, banned_nodes): (Vec<ComponentId>, &[ComponentId]) = if i == 0 {
                let used: HashSet<ComponentId> = found.iter().map(|w| w.nodes[0]).collect();
                let unused = starts.iter().copied().filter(|s| !used.contains(s));
                (unused.collect(), &[])
            } else {
                for (w, shared) in found.iter().zip(&shared) {
                    if *shared >= i {
                        if let Some(f) = w.flows.get(i - 1) {
                            banned_flows.insert(*f);
                        }
                    }
                }
                (vec![root_nodes[i - 1]], &root_nodes[..i - 1])
            };
            if spur_starts.is_empty() {
                continue;
            }
            let Some(spur) = shortest(
                model,
                &out,
                &spur_starts,
                target,
                banned_nodes,
                &banned_flows,
            ) else {
                continue;
            };
            let walk = if i == 0 {
                spur
            } else {
                let mut nodes = root_nodes[..i - 1].to_vec();
                nodes.extend(spur.nodes);
                let mut flows = root_flows.to_vec();
                flows.extend(spur.flows);
                Walk { nodes, flows }
            };
            if !found_set.contains(&walk) {
                candidates.insert(Candidate { walk, deviation: i });
                // Only the best `k - found` candidates can still be picked.
                if candidates.len() > k - found.len() {
                    candidates.pop_last();
                }
            }
        }
        let Some(best) = candidates.pop_first() else {
            break;
        };
        picked = best;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model of `n` processes (the first two external entities) and the given flows.
    fn model(n: usize, flows: &[(usize, usize)]) -> Model {
        let mut text = String::from("[[zone]]\nid = \"z\"\nname = \"Z\"\ntrust = 5\n");
        for i in 0..n {
            let kind = if i < 2 { "external-entity" } else { "process" };
            text.push_str(&format!(
                "[[component]]\nid = \"c{i}\"\nname = \"C\"\nkind = \"{kind}\"\nzone = \"z\"\n"
            ));
        }
        for (i, (a, b)) in flows.iter().enumerate() {
            text.push_str(&format!(
                "[[flow]]\nid = \"f{i}\"\nname = \"F\"\nfrom = \"c{a}\"\nto = \"c{b}\"\n"
            ));
        }
        crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"t\"\n"),
            ("m.toml", &text),
        ])
        .model
        .expect("resolves")
    }

    /// Every simple walk from `starts` to `target`, by brute force.
    fn all_simple(m: &Model, starts: &[ComponentId], target: ComponentId) -> Vec<Walk> {
        fn go(m: &Model, w: &mut Walk, target: ComponentId, out: &mut Vec<Walk>) {
            let at = *w.nodes.last().unwrap();
            if at == target && !w.flows.is_empty() {
                out.push(w.clone());
                return;
            }
            for f in m.flow_ids() {
                let flow = m.flow(f);
                if flow.from == at && !w.nodes.contains(&flow.to) {
                    w.nodes.push(flow.to);
                    w.flows.push(f);
                    go(m, w, target, out);
                    w.nodes.pop();
                    w.flows.pop();
                }
            }
        }
        let mut out = Vec::new();
        for s in starts.iter().filter(|s| **s != target) {
            let mut w = Walk {
                nodes: vec![*s],
                flows: Vec::new(),
            };
            go(m, &mut w, target, &mut out);
        }
        out
    }

    #[test]
    fn yen_finds_the_k_shortest_simple_walks_that_brute_force_finds() {
        let mut seed = 7u64;
        let mut next = |bound: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((seed >> 33) as usize) % bound
        };
        let mut several = 0;
        for round in 0..40 {
            let n = 3 + next(5);
            let flows: Vec<(usize, usize)> = (0..n * 2).map(|_| (next(n), next(n))).collect();
            let m = model(n, &flows);
            let starts = [ComponentId::new(0), ComponentId::new(1)];
            let target = ComponentId::new(n - 1);
            let mut expected = all_simple(&m, &starts, target);
            expected.sort_by(|a, b| a.ordering_key().cmp(&b.ordering_key()));
            several += usize::from(expected.len() > 2);
            for k in [1, 2, 4, 100] {
                let got = k_shortest(&m, &starts, target, k);
                assert_eq!(got.len(), expected.len().min(k), "round {round}, k {k}");
                let lengths: Vec<usize> = got.iter().map(|w| w.flows.len()).collect();
                let want: Vec<usize> = expected.iter().take(k).map(|w| w.flows.len()).collect();
                assert_eq!(lengths, want, "round {round}, k {k}: {flows:?}");
                for w in &got {
                    assert!(
                        expected.contains(w),
                        "round {round}: {w:?} is not a simple walk"
                    );
                }
                let mut unique = got.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), got.len(), "round {round}: a walk twice");
            }
            // The tree's shortest walk is as short as the shortest simple walk.
            let tree = Tree::new(&m, &starts);
            let shortest = tree.walk_to(&m, target).filter(|w| !w.flows.is_empty());
            assert_eq!(
                shortest.map(|w| w.flows.len()),
                expected.first().map(|w| w.flows.len()),
                "round {round}"
            );
        }
        assert!(
            several >= 10,
            "the random graphs are too sparse to test with"
        );
    }

    /// Yen's algorithm as this module ran it before: every walk spurred from each of its
    /// components, candidates in a list searched linearly. The reference that the
    /// faster one must agree with, walk for walk.
    fn k_shortest_respurring_everything(
        model: &Model,
        starts: &[ComponentId],
        target: ComponentId,
        k: usize,
    ) -> Vec<Walk> {
        let out = outgoing(model);
        let mut found: Vec<Walk> = Vec::new();
        let Some(first) = shortest(model, &out, starts, target, &[], &HashSet::new()) else {
            return found;
        };
        found.push(first);
        let mut candidates: Vec<Walk> = Vec::new();
        while found.len() < k {
            let last = found.last().unwrap().clone();
            for i in 0..last.nodes.len() {
                let root_nodes = &last.nodes[..i];
                let root_flows = &last.flows[..i.saturating_sub(1)];
                let mut banned_flows = HashSet::new();
                let spur_starts: Vec<ComponentId> = if i == 0 {
                    let used: HashSet<ComponentId> = found.iter().map(|w| w.nodes[0]).collect();
                    starts
                        .iter()
                        .copied()
                        .filter(|s| !used.contains(s))
                        .collect()
                } else {
                    for w in &found {
                        if w.nodes.len() >= i
                            && w.nodes[..i] == *root_nodes
                            && w.flows[..i - 1] == *root_flows
                        {
                            if let Some(f) = w.flows.get(i - 1) {
                                banned_flows.insert(*f);
                            }
                        }
                    }
                    vec![root_nodes[i - 1]]
                };
                let banned_nodes = if i == 0 {
                    &[][..]
                } else {
                    &root_nodes[..i - 1]
                };
                if spur_starts.is_empty() {
                    continue;
                }
                let Some(spur) = shortest(
                    model,
                    &out,
                    &spur_starts,
                    target,
                    banned_nodes,
                    &banned_flows,
                ) else {
                    continue;
                };
                let walk = if i == 0 {
                    spur
                } else {
                    let mut nodes = root_nodes[..i - 1].to_vec();
                    nodes.extend(spur.nodes);
                    let mut flows = root_flows.to_vec();
                    flows.extend(spur.flows);
                    Walk { nodes, flows }
                };
                if !found.contains(&walk) && !candidates.contains(&walk) {
                    candidates.push(walk);
                }
            }
            let Some(best) = (0..candidates.len()).min_by(|a, b| {
                candidates[*a]
                    .ordering_key()
                    .cmp(&candidates[*b].ordering_key())
            }) else {
                break;
            };
            found.push(candidates.swap_remove(best));
        }
        found
    }

    #[test]
    fn spurring_from_the_deviation_only_finds_the_same_walks_as_spurring_everywhere() {
        let mut seed = 3u64;
        let mut next = |bound: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((seed >> 33) as usize) % bound
        };
        for round in 0..60 {
            let n = 4 + next(8);
            let flows: Vec<(usize, usize)> = (0..n * 3).map(|_| (next(n), next(n))).collect();
            let m = model(n, &flows);
            let starts = [ComponentId::new(0), ComponentId::new(1)];
            let target = ComponentId::new(n - 1);
            for k in [1, 3, 10, 50] {
                assert_eq!(
                    k_shortest(&m, &starts, target, k),
                    k_shortest_respurring_everything(&m, &starts, target, k),
                    "round {round}, k {k}: {flows:?}"
                );
            }
        }
    }

    /// Layers of two components, each joined to both of the next layer: 2^layers
    /// shortest walks from the first layer to the last.
    fn ladder(layers: usize) -> (Model, Vec<ComponentId>, ComponentId) {
        let mut flows = Vec::new();
        for l in 0..layers - 1 {
            for (a, b) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                flows.push((2 * l + a, 2 * (l + 1) + b));
            }
        }
        let m = model(2 * layers, &flows);
        let target = ComponentId::new(2 * layers - 1);
        (m, vec![ComponentId::new(0), ComponentId::new(1)], target)
    }

    #[test]
    fn a_hundred_walks_through_a_long_ladder_do_not_hang() {
        // Spurring every walk from every component and searching candidates linearly
        // took minutes here (k × layers breadth-first searches per walk, and a list of
        // k × layers candidates compared walk by walk).
        let layers = 1_500;
        let (m, starts, target) = ladder(layers);
        let walks = k_shortest(&m, &starts, target, 100);
        assert_eq!(walks.len(), 100);
        for pair in walks.windows(2) {
            assert!(pair[0].ordering_key() < pair[1].ordering_key());
        }
        assert!(walks.iter().all(|w| w.flows.len() == layers - 1));
    }
}
