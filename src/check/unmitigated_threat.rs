//! `unmitigated-threat`: a threat whose mitigations are all proposed or planned, so that
//! nothing protects against it today.

use super::Options;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::{Coverage, Model};

pub fn run(model: &Model, options: &Options, diags: &mut Diagnostics) {
    for t in model.threat_ids() {
        if model.coverage(t, options.today) != Coverage::Planned {
            continue;
        }
        let threat = model.threat(t);
        let mut d = Diagnostic::at(
            Code::UnmitigatedThreat,
            threat.span,
            format!(
                "threat `{}` has {} mitigation{}, none implemented or verified",
                threat.id,
                threat.mitigations.len(),
                if threat.mitigations.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ),
        )
        .with_label("not yet mitigated");
        for m in &threat.mitigations {
            let m = model.mitigation(*m);
            d = d.with_related(m.span, format!("`{}` is {}", m.id, m.status));
        }
        diags.push(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{BASE, codes};
    use crate::diag::Code;

    fn with_status(status: &str) -> String {
        format!(
            "{BASE}[[threat]]\nid = \"t1\"\ntitle = \"T\"\ncategory = \"spoofing\"\ntargets = [\"user\"]\nseverity = \"low\"\n\
             [[mitigation]]\nid = \"m\"\ntitle = \"M\"\nmitigates = [\"t1\"]\nstatus = \"{status}\"\n"
        )
    }

    #[test]
    fn only_proposed_or_planned_mitigations_warn() {
        for (status, warns) in [
            ("proposed", true),
            ("planned", true),
            ("implemented", false),
            ("verified", false),
        ] {
            let c = codes(&with_status(status), "2027-01-01");
            assert_eq!(c.contains(&Code::UnmitigatedThreat), warns, "{status}");
            assert!(!c.contains(&Code::UncoveredThreat));
        }
    }
}
