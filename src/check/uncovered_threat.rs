//! `uncovered-threat`: a threat that no mitigation addresses and no unexpired acceptance
//! covers. This is the gate most teams run `check` for. With `Options::min_risk` set,
//! threats of a lower inherent risk are left out.

use super::{ByElement, Options};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::{Model, ThreatId};

pub fn run(model: &Model, options: &Options, diags: &mut Diagnostics) {
    let uncovered = model.threat_ids().filter(|t| {
        model.coverage(*t, options.today).is_uncovered()
            && options.min_risk.is_none_or(|min| model.risk(*t) >= min)
    });
    let by = ByElement::of(model, uncovered);
    for t in by.written {
        one(model, t, diags);
    }
    for (target, threats) in by.instances {
        if let [t] = threats[..] {
            one(model, t, diags);
            continue;
        }
        let listed: Vec<String> = threats
            .iter()
            .map(|t| {
                let threat = model.threat(*t);
                format!("`{}` ({}, {})", threat.id, threat.title, threat.severity)
            })
            .collect();
        let element = model.target_id(target);
        let mut d = Diagnostic::at(
            Code::UncoveredThreat,
            model.threat(threats[0]).span,
            format!(
                "{} threats on `{element}` from knowledge bases have no mitigation and no valid acceptance: {}",
                threats.len(),
                listed.join(", ")
            ),
        )
        .with_label(format!("{} uncovered threats", threats.len()));
        for t in &threats {
            if let Some(p) = model.threat(*t).pattern {
                d = d.with_related(model.pattern(p).span, model.pattern_origin(p));
            }
        }
        diags.push(d.with_help(
            "mitigate them ([[mitigation]] with `mitigates = [\"pattern@element\", …]`), accept them, \
             or mark a pattern that does not apply with [[not-applicable]] and `pattern = …`",
        ));
    }
}

/// The diagnostic of one uncovered threat.
fn one(model: &Model, t: ThreatId, diags: &mut Diagnostics) {
    let threat = model.threat(t);
    let mut d = Diagnostic::at(
        Code::UncoveredThreat,
        threat.span,
        format!(
            "threat `{}` ({}, {}) has no mitigation and no valid acceptance",
            threat.id, threat.title, threat.severity
        ),
    )
    .with_label("uncovered");
    if let Some(p) = threat.pattern {
        d = d.with_related(model.pattern(p).span, model.pattern_origin(p));
    }
    for a in &threat.acceptances {
        let a = model.acceptance(*a);
        d = d.with_related(
            a.expires_span,
            format!("accepted until {}, no longer valid", a.expires),
        );
    }
    diags.push(d.with_help(format!(
        "add a [[mitigation]] with `mitigates = [\"{}\"]`, or an [[acceptance]] of it",
        threat.id
    )));
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{BASE, codes};
    use crate::diag::Code;

    const THREAT: &str = r#"
[[threat]]
id = "t1"
title = "Spoofed user"
category = "spoofing"
targets = ["user"]
severity = "high"
"#;

    #[test]
    fn a_threat_alone_is_uncovered() {
        let c = codes(&format!("{BASE}{THREAT}"), "2027-01-01");
        assert!(c.contains(&Code::UncoveredThreat));
    }

    #[test]
    fn a_mitigation_of_any_status_covers_it() {
        let m = "[[mitigation]]\nid = \"m\"\ntitle = \"M\"\nmitigates = [\"t1\"]\nstatus = \"proposed\"\n";
        let c = codes(&format!("{BASE}{THREAT}{m}"), "2027-01-01");
        assert!(!c.contains(&Code::UncoveredThreat));
    }

    #[test]
    fn an_acceptance_covers_it_through_its_last_day_only() {
        let a = "[[acceptance]]\nthreat = \"t1\"\njustification = \"j\"\napproved_by = \"ciso\"\nexpires = 2027-01-01\n";
        let model = format!("{BASE}{THREAT}{a}");
        assert!(!codes(&model, "2027-01-01").contains(&Code::UncoveredThreat));
        assert!(codes(&model, "2027-01-02").contains(&Code::UncoveredThreat));
    }

    #[test]
    fn min_risk_leaves_out_threats_of_a_lower_inherent_risk_only() {
        use crate::check::Options;
        use crate::check::testing::codes_with;
        use crate::model::{Date, Level};
        let mut options = Options::new(Date::parse("2027-01-01").unwrap());
        // Severity high, but likelihood low and impact medium: the risk is low.
        let low = THREAT.replace(
            "severity = \"high\"",
            "severity = \"high\"\nlikelihood = \"low\"\nimpact = \"medium\"",
        );
        let high = format!("{BASE}{THREAT}");
        let low = format!("{BASE}{low}");
        options.min_risk = Some(Level::High);
        assert!(codes_with(&high, &options).contains(&Code::UncoveredThreat));
        assert!(!codes_with(&low, &options).contains(&Code::UncoveredThreat));
        options.min_risk = Some(Level::Low);
        assert!(codes_with(&low, &options).contains(&Code::UncoveredThreat));
        options.min_risk = Some(Level::Critical);
        assert!(!codes_with(&high, &options).contains(&Code::UncoveredThreat));
    }
}
