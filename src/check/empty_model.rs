//! `empty-model`: a model without components has nothing to check or draw.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Model;

pub fn run(model: &Model, diags: &mut Diagnostics) {
    if model.graph.node_count() > 0 {
        return;
    }
    diags.push(
        Diagnostic::at(
            Code::EmptyModel,
            model.project.span,
            "the model has no components",
        )
        .with_label("this model")
        .with_help("add `[[component]]` entries in a .toml file next to threatbook.toml"),
    );
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{BASE, codes};
    use crate::diag::Code;

    #[test]
    fn reported_only_without_components() {
        assert_eq!(codes("", "2027-01-01"), [Code::EmptyModel]);
        assert!(!codes(BASE, "2027-01-01").contains(&Code::EmptyModel));
    }
}
