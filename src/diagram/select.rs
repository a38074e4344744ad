//! Choosing what a diagram shows: the whole model, one zone with its neighbours
//! (`--zone`), or the components within a number of flows of one component
//! (`--focus` / `--depth`). Unknown ids are typed errors with suggestions; printing them
//! is the CLI's business.

use std::collections::VecDeque;

use crate::diag::{quoted_list, suggest};
use crate::model::{ComponentId, EntityRef, FlowId, Model};

/// Which part of the model to draw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Everything.
    #[default]
    All,
    /// The components of a zone (and of the zones inside it), the components they
    /// exchange flows with, and those flows.
    Zone(String),
    /// The components at most `depth` flows (either direction) away from a component,
    /// and the flows between them.
    Focus { id: String, depth: usize },
}

/// An id given to `--zone` or `--focus` that does not name what it should.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SelectError {
    #[error("no {what} `{id}` in the model{}", hint(.suggestions))]
    Unknown {
        what: &'static str,
        id: String,
        suggestions: Vec<String>,
    },
    #[error("`{id}` is a {is}, not a {wanted}{}", .hint)]
    WrongKind {
        id: String,
        is: &'static str,
        wanted: &'static str,
        hint: &'static str,
    },
}

fn hint(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", quoted_list(suggestions))
    }
}

/// The components and flows a scope picks, in model order.
pub struct Selected {
    pub components: Vec<ComponentId>,
    pub flows: Vec<FlowId>,
    /// What part of the model this is, when not all of it.
    pub note: Option<String>,
}

fn kind_name(e: EntityRef) -> &'static str {
    match e {
        EntityRef::Zone(_) => "zone",
        EntityRef::Component(_) => "component",
        EntityRef::Asset(_) => "asset",
        EntityRef::Flow(_) => "flow",
        EntityRef::Threat(_) => "threat",
        EntityRef::Mitigation(_) => "mitigation",
    }
}

/// Applies `scope` to `model`.
pub fn select(model: &Model, scope: &Scope) -> Result<Selected, SelectError> {
    let n = model.graph.node_count();
    match scope {
        Scope::All => Ok(Selected {
            components: model.component_ids().collect(),
            flows: model.flow_ids().collect(),
            note: None,
        }),
        Scope::Zone(id) => {
            let zone = match model.lookup(id) {
                Some(EntityRef::Zone(z)) => z,
                Some(other) => {
                    return Err(SelectError::WrongKind {
                        id: id.clone(),
                        is: kind_name(other),
                        wanted: "zone",
                        hint: if matches!(other, EntityRef::Component(_)) {
                            "; use --focus to draw a component's neighbourhood"
                        } else {
                            ""
                        },
                    });
                }
                None => {
                    return Err(SelectError::Unknown {
                        what: "zone",
                        id: id.clone(),
                        suggestions: owned(suggest(id, model.zones.iter().map(|z| z.id.as_str()))),
                    });
                }
            };
            // The zone and every zone below it, walked down once: asking each component's
            // chain of zones would be quadratic in the nesting depth.
            let mut below = vec![false; model.zones.len()];
            let mut stack = vec![zone];
            while let Some(z) = stack.pop() {
                below[z.index()] = true;
                stack.extend(model.zone(z).children.iter().copied());
            }
            let inside: Vec<bool> = model
                .component_ids()
                .map(|c| below[model.component(c).zone.index()])
                .collect();
            let mut keep = inside.clone();
            let mut flows = Vec::new();
            for f in model.flow_ids() {
                let flow = model.flow(f);
                if inside[flow.from.index()] || inside[flow.to.index()] {
                    keep[flow.from.index()] = true;
                    keep[flow.to.index()] = true;
                    flows.push(f);
                }
            }
            Ok(Selected {
                components: model.component_ids().filter(|c| keep[c.index()]).collect(),
                flows,
                note: Some(format!(
                    "Only zone {} and the components it exchanges flows with are shown.",
                    model.zone(zone).id
                )),
            })
        }
        Scope::Focus { id, depth } => {
            let start = match model.lookup(id) {
                Some(EntityRef::Component(c)) => c,
                Some(other) => {
                    return Err(SelectError::WrongKind {
                        id: id.clone(),
                        is: kind_name(other),
                        wanted: "component",
                        hint: if matches!(other, EntityRef::Zone(_)) {
                            "; use --zone to draw a zone"
                        } else {
                            ""
                        },
                    });
                }
                None => {
                    return Err(SelectError::Unknown {
                        what: "component",
                        id: id.clone(),
                        suggestions: owned(suggest(
                            id,
                            model
                                .component_ids()
                                .map(|c| model.component(c).id.as_str()),
                        )),
                    });
                }
            };
            let mut distance = vec![usize::MAX; n];
            distance[start.index()] = 0;
            let mut queue = VecDeque::from([start]);
            while let Some(c) = queue.pop_front() {
                let d = distance[c.index()];
                if d >= *depth {
                    continue;
                }
                for f in model.flows_of(c) {
                    let flow = model.flow(f);
                    for other in [flow.from, flow.to] {
                        if distance[other.index()] == usize::MAX {
                            distance[other.index()] = d + 1;
                            queue.push_back(other);
                        }
                    }
                }
            }
            let keep = |c: ComponentId| distance[c.index()] != usize::MAX;
            Ok(Selected {
                components: model.component_ids().filter(|c| keep(*c)).collect(),
                flows: model
                    .flow_ids()
                    .filter(|f| keep(model.flow(*f).from) && keep(model.flow(*f).to))
                    .collect(),
                note: Some(format!(
                    "Only the components within {depth} {} of {} are shown.",
                    if *depth == 1 { "flow" } else { "flows" },
                    model.component(start).id
                )),
            })
        }
    }
}

fn owned(v: Vec<&str>) -> Vec<String> {
    v.into_iter().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"
[[zone]]
id = "outside"
name = "Outside"
trust = 0

[[zone]]
id = "dc"
name = "Datacentre"
trust = 5

[[zone]]
id = "db-net"
name = "DB network"
trust = 8
inside = "dc"

[[component]]
id = "user"
name = "User"
kind = "external-entity"
zone = "outside"

[[component]]
id = "web"
name = "Web"
kind = "process"
zone = "dc"

[[component]]
id = "db"
name = "DB"
kind = "data-store"
zone = "db-net"

[[component]]
id = "batch"
name = "Batch"
kind = "process"
zone = "outside"

[[flow]]
id = "f1"
name = "Request"
from = "user"
to = "web"

[[flow]]
id = "f2"
name = "Query"
from = "web"
to = "db"

[[flow]]
id = "f3"
name = "Feed"
from = "batch"
to = "user"
"#;

    fn model() -> Model {
        let p = crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"T\"\n"),
            ("model.toml", MODEL),
        ]);
        p.model.expect("loads")
    }

    fn ids(m: &Model, s: &Selected) -> Vec<String> {
        s.components
            .iter()
            .map(|c| m.component(*c).id.clone())
            .collect()
    }

    #[test]
    fn a_zone_brings_its_nested_zones_and_its_neighbours_but_not_their_flows() {
        let m = model();
        let s = select(&m, &Scope::Zone("db-net".into())).unwrap();
        assert_eq!(ids(&m, &s), ["web", "db"]);
        let s = select(&m, &Scope::Zone("dc".into())).unwrap();
        assert_eq!(ids(&m, &s), ["user", "web", "db"]);
        assert_eq!(
            s.flows.len(),
            2,
            "the feed between two outsiders is left out"
        );
    }

    #[test]
    fn focus_walks_flows_in_both_directions_up_to_the_depth() {
        let m = model();
        let one = select(
            &m,
            &Scope::Focus {
                id: "user".into(),
                depth: 1,
            },
        )
        .unwrap();
        assert_eq!(ids(&m, &one), ["user", "web", "batch"]);
        let zero = select(
            &m,
            &Scope::Focus {
                id: "user".into(),
                depth: 0,
            },
        )
        .unwrap();
        assert_eq!(ids(&m, &zero), ["user"]);
        let two = select(
            &m,
            &Scope::Focus {
                id: "user".into(),
                depth: 2,
            },
        )
        .unwrap();
        assert_eq!(two.components.len(), 4);
        assert_eq!(two.flows.len(), 3);
    }

    #[test]
    fn unknown_or_wrong_ids_are_errors_with_hints() {
        let m = model();
        let err = select(&m, &Scope::Zone("db-nt".into())).err().unwrap();
        assert_eq!(
            err.to_string(),
            "no zone `db-nt` in the model; did you mean `db-net`?"
        );
        let err = select(&m, &Scope::Zone("web".into())).err().unwrap();
        assert!(
            err.to_string().contains("is a component, not a zone"),
            "{err}"
        );
        let err = select(
            &m,
            &Scope::Focus {
                id: "dc".into(),
                depth: 1,
            },
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("use --zone"), "{err}");
    }
}
