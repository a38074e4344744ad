//! Breadth-first search and Yen's k-shortest simple paths over the flow graph, with
//! every flow costing one hop.
//!
//! Searches are bounded: one breadth-first search is linear in the graph, and Yen's
//! algorithm runs at most `k` × (path length + 1) of them. Nothing here enumerates all
//! simple paths, whose number grows exponentially with the graph.

use std::collections::{HashSet, VecDeque};

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
    banned_nodes: &[bool],
    banned_flows: &HashSet<FlowId>,
) -> Option<Walk> {
    let n = model.graph.node_count();
    let mut reached = banned_nodes.to_vec();
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

/// Up to `k` shortest simple walks from any of `starts` to `target` (Yen's algorithm
/// with a virtual start joined to every real one), shortest first; ties break by the
/// flows' model order. A walk has at least one flow and never repeats a component.
pub fn k_shortest(
    model: &Model,
    starts: &[ComponentId],
    target: ComponentId,
    k: usize,
) -> Vec<Walk> {
    let out = outgoing(model);
    let n = model.graph.node_count();
    let none = vec![false; n];
    let mut found: Vec<Walk> = Vec::new();
    let Some(first) = shortest(model, &out, starts, target, &none, &HashSet::new()) else {
        return found;
    };
    found.push(first);
    let mut candidates: Vec<Walk> = Vec::new();
    while found.len() < k {
        let last = found.last().expect("one walk at least").clone();
        // Spur from the virtual start (the root is empty) and then from each component
        // of the last walk but its target.
        for i in 0..last.nodes.len() {
            let root_nodes = &last.nodes[..i];
            let root_flows = &last.flows[..i.saturating_sub(1)];
            let same_root = |w: &Walk| {
                w.nodes.len() >= i
                    && w.nodes[..i] == *root_nodes
                    && w.flows[..i.saturating_sub(1)] == *root_flows
            };
            let mut banned_nodes = none.clone();
            let mut banned_flows = HashSet::new();
            let spur_starts: Vec<ComponentId> = if i == 0 {
                let used: HashSet<ComponentId> = found.iter().map(|w| w.nodes[0]).collect();
                starts
                    .iter()
                    .copied()
                    .filter(|s| !used.contains(s))
                    .collect()
            } else {
                for c in &root_nodes[..i - 1] {
                    banned_nodes[c.index()] = true;
                }
                for w in found.iter().filter(|w| same_root(w)) {
                    if let Some(f) = w.flows.get(i - 1) {
                        banned_flows.insert(*f);
                    }
                }
                vec![root_nodes[i - 1]]
            };
            if spur_starts.is_empty() {
                continue;
            }
            let Some(spur) = shortest(
                model,
                &out,
                &spur_starts,
                target,
                &banned_nodes,
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
}
