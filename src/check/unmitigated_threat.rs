//! `unmitigated-threat`: a threat whose mitigations are all proposed or planned, so that
//! nothing protects against it today.

use super::{ByElement, Options};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::{Coverage, Model, ThreatId};

pub fn run(model: &Model, options: &Options, diags: &mut Diagnostics) {
    let planned = model
        .threat_ids()
        .filter(|t| model.coverage(*t, options.today) == Coverage::Planned);
    let by = ByElement::of(model, planned);
    for t in by.written {
        one(model, t, diags);
    }
    for (target, threats) in by.instances {
        if let [t] = threats[..] {
            one(model, t, diags);
            continue;
        }
        let ids: Vec<String> = threats
            .iter()
            .map(|t| format!("`{}`", model.threat(*t).id))
            .collect();
        let mut recommended: Vec<&str> = threats
            .iter()
            .flat_map(|t| model.threat(*t).mitigations.iter())
            .filter_map(|m| model.mitigation(*m).recommendation)
            .map(|r| model.recommendation(r).id.as_str())
            .collect();
        recommended.sort_unstable();
        recommended.dedup();
        let mut d = Diagnostic::at(
            Code::UnmitigatedThreat,
            model.threat(threats[0]).span,
            format!(
                "{} threats on `{}` from knowledge bases have mitigations, none implemented or verified: {}",
                threats.len(),
                model.target_id(target),
                ids.join(", ")
            ),
        )
        .with_label("not yet mitigated");
        if !recommended.is_empty() {
            d = d.with_help(format!(
                "once done, record it with [[mitigation-status]] for {}",
                crate::diag::quoted_list(&recommended)
            ));
        }
        diags.push(d);
    }
}

/// The diagnostic of one threat whose mitigations are all still to do.
fn one(model: &Model, t: ThreatId, diags: &mut Diagnostics) {
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
