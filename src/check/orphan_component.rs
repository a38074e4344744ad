//! `orphan-component`: a component no flow touches. It is either forgotten in the
//! diagram or no longer part of the system.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Model;

pub fn run(model: &Model, diags: &mut Diagnostics) {
    for c in model.component_ids() {
        if model.graph.neighbors_undirected(c).next().is_some() {
            continue;
        }
        let component = model.component(c);
        diags.push(
            Diagnostic::at(
                Code::OrphanComponent,
                component.span,
                format!("component `{}` has no flows in or out", component.id),
            )
            .with_label("not connected")
            .with_help("add a [[flow]] from or to it, or remove it"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{BASE, codes};
    use crate::diag::Code;

    #[test]
    fn components_without_flows_are_orphans() {
        let orphans = codes(BASE, "2027-01-01")
            .iter()
            .filter(|c| **c == Code::OrphanComponent)
            .count();
        assert_eq!(orphans, 2);
        let linked = format!(
            "{BASE}[[flow]]\nid = \"f\"\nname = \"F\"\nfrom = \"user\"\nto = \"api\"\nencrypted = true\nauthenticated = true\n"
        );
        assert!(!codes(&linked, "2027-01-01").contains(&Code::OrphanComponent));
    }

    #[test]
    fn a_self_loop_counts_as_a_flow() {
        let looped =
            format!("{BASE}[[flow]]\nid = \"f\"\nname = \"F\"\nfrom = \"api\"\nto = \"api\"\n");
        let orphans = codes(&looped, "2027-01-01")
            .iter()
            .filter(|c| **c == Code::OrphanComponent)
            .count();
        assert_eq!(orphans, 1);
    }
}
