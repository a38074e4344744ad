//! `unused-mitigation`: a mitigation linked to no threat, so no report can show what it
//! is for.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Model;

pub fn run(model: &Model, diags: &mut Diagnostics) {
    for m in &model.mitigations {
        if !m.mitigates.is_empty() {
            continue;
        }
        diags.push(
            Diagnostic::at(
                Code::UnusedMitigation,
                m.span,
                format!("mitigation `{}` mitigates no threat", m.id),
            )
            .with_label("linked to nothing")
            .with_help("list the threats it addresses in `mitigates = [ … ]`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{BASE, codes};
    use crate::diag::Code;

    #[test]
    fn a_mitigation_without_threats_is_unused() {
        let m = format!("{BASE}[[mitigation]]\nid = \"m\"\ntitle = \"M\"\nstatus = \"planned\"\n");
        assert!(codes(&m, "2027-01-01").contains(&Code::UnusedMitigation));
    }
}
