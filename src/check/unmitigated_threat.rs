//! `unmitigated-threat`: a threat whose mitigations are all proposed or planned (states
//! proposed only and planned), so that nothing protects against it today. A warning,
//! except for the states `check --require` does not accept ([`Options::require`]):
//! those are errors.

use super::{ByElement, Options};
use crate::diag::{Code, Diagnostic, Diagnostics, Severity};
use crate::model::{Coverage, Model, ThreatId};

pub fn run(model: &Model, options: &Options, diags: &mut Diagnostics) {
    let states: Vec<Coverage> = model
        .threat_ids()
        .map(|t| model.coverage(t, options.today))
        .collect();
    for failing in [true, false] {
        let threats = model.threat_ids().filter(|t| {
            let c = states[t.index()];
            matches!(c, Coverage::Planned | Coverage::ProposedOnly)
                && options.require.accepts(c) != failing
        });
        let before = diags.len();
        report(model, &states, ByElement::of(model, threats), diags);
        if failing {
            diags.raise_since(before, Severity::Error);
        }
    }
}

fn report(model: &Model, states: &[Coverage], by: ByElement, diags: &mut Diagnostics) {
    for t in by.written {
        one(model, t, states[t.index()], diags);
    }
    for (target, threats) in by.instances {
        if let [t] = threats[..] {
            one(model, t, states[t.index()], diags);
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
fn one(model: &Model, t: ThreatId, state: Coverage, diags: &mut Diagnostics) {
    let threat = model.threat(t);
    let mut d = Diagnostic::at(
        Code::UnmitigatedThreat,
        threat.span,
        format!(
            "threat `{}` is {}: {} mitigation{}, none implemented or verified",
            threat.id,
            state.words(),
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
        let note = if m.status.is_effective() && !m.contradicted.is_empty() {
            ", but contradicted by the model"
        } else {
            ""
        };
        d = d.with_related(m.span, format!("`{}` is {}{note}", m.id, m.status));
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

    #[test]
    fn require_turns_the_states_below_it_into_errors() {
        use crate::check::testing::codes_with;
        use crate::check::{Options, Require};
        use crate::diag::Severity;
        use crate::model::Date;
        let severity = |status: &str, require: Require| {
            let mut options = Options::new(Date::parse("2027-01-01").unwrap());
            options.require = require;
            let manifest = "[project]\nname = \"t\"\n";
            let model = with_status(status);
            let project =
                crate::open_texts([("threatbook.toml", manifest), ("m.toml", model.as_str())]);
            let mut diags = crate::diag::Diagnostics::default();
            crate::check::run(project.model.as_ref().unwrap(), &options, &mut diags);
            assert!(codes_with(&model, &options).contains(&Code::UnmitigatedThreat));
            diags
                .iter()
                .find(|d| d.code == Code::UnmitigatedThreat)
                .map(|d| d.severity)
        };
        assert_eq!(
            severity("proposed", Require::Proposed),
            Some(Severity::Warning)
        );
        assert_eq!(
            severity("proposed", Require::Planned),
            Some(Severity::Error)
        );
        assert_eq!(
            severity("planned", Require::Planned),
            Some(Severity::Warning)
        );
        assert_eq!(
            severity("planned", Require::Mitigated),
            Some(Severity::Error)
        );
        assert_eq!(
            severity("proposed", Require::Mitigated),
            Some(Severity::Error)
        );
    }
}
