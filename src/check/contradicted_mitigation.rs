//! `contradicted-mitigation`: a mitigation said to be implemented or verified whose
//! requirement (`requires = { encrypted = true }`) an element it is on does not meet.
//! The claim and the model cannot both be right, so the mitigation does not count (see
//! [`Model::is_effective`]) and the claim is an error at the line that makes it.
//!
//! Knowledge-base mitigations take their status from `[[mitigation-status]]`, and one
//! entry can set it on many elements: contradictions are grouped by the line that set
//! the status, so that one entry gives one error listing every element.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::{MitigationId, Model, Target};
use crate::source::Span;

pub fn run(model: &Model, diags: &mut Diagnostics) {
    // (where the status was set, the mitigations it contradicts), in model order.
    let mut groups: Vec<(Span, Vec<MitigationId>)> = Vec::new();
    for id in model.mitigation_ids() {
        let m = model.mitigation(id);
        if !m.status.is_effective() || m.contradicted.is_empty() {
            continue;
        }
        let at = m.status_span.unwrap_or(m.span);
        match groups.iter_mut().find(|(s, _)| *s == at) {
            Some((_, list)) => list.push(id),
            None => groups.push((at, vec![id])),
        }
    }
    for (at, ids) in groups {
        let first = model.mitigation(ids[0]);
        let mut broken: Vec<String> = Vec::new();
        for id in &ids {
            for (target, what) in &model.mitigation(*id).contradicted {
                let Target::Flow(f) = *target else { continue };
                let flow = model.flow(f);
                let line = format!("flow `{}` says `{}`", flow.id, negate(what));
                if !broken.contains(&line) {
                    broken.push(line);
                }
            }
        }
        let what = first.contradicted[0].1;
        let subject = if ids.len() == 1 {
            format!("mitigation `{}` is {}", first.id, first.status)
        } else {
            format!(
                "{} instances of `{}` are {}",
                ids.len(),
                first
                    .recommendation
                    .map_or(first.id.as_str(), |r| model.recommendation(r).id.as_str()),
                first.status
            )
        };
        let mut d = Diagnostic::at(
            Code::ContradictedMitigation,
            at,
            format!(
                "{subject}, but it requires `{what}` and {}",
                join_limited(&broken, 5)
            ),
        )
        .with_label("contradicted by the model");
        for id in ids.iter().take(5) {
            for (target, _) in model.mitigation(*id).contradicted.iter().take(3) {
                if let Target::Flow(f) = *target {
                    d = d.with_related(model.flow(f).span, format!("flow `{}`", model.flow(f).id));
                }
            }
        }
        let requirement_at = first
            .recommendation
            .map_or(first.span, |r| model.recommendation(r).span);
        d = d.with_related(requirement_at, "the requirement");
        diags.push(d.with_help(
            "fix the flow (if the protection is really in place, say so on the flow), or set the \
             mitigation's status back to what is true; until they agree it does not count as mitigating",
        ));
    }
}

/// The flow's value that fails a requirement, as the flow writes it.
fn negate(requirement: &str) -> String {
    match requirement.split_once(" = ") {
        Some((key, "true")) => format!("{key} = false"),
        Some((key, _)) => format!("{key} = true"),
        None => requirement.to_string(),
    }
}

/// `a, b and c`, or the first `limit` and how many more.
fn join_limited(items: &[String], limit: usize) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n if n <= limit => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
        n => format!("{} and {} more", items[..limit].join(", "), n - limit),
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{BASE, codes};
    use crate::diag::Code;

    fn model(encrypted: bool, status: &str) -> String {
        format!(
            "{BASE}[[flow]]\nid = \"f\"\nname = \"F\"\nfrom = \"user\"\nto = \"api\"\nencrypted = {encrypted}\n\
             [[threat]]\nid = \"t1\"\ntitle = \"T\"\ncategory = \"information-disclosure\"\ntargets = [\"f\"]\nseverity = \"high\"\n\
             [[mitigation]]\nid = \"tls\"\ntitle = \"TLS\"\nmitigates = [\"t1\"]\nstatus = \"{status}\"\nrequires = {{ encrypted = true }}\n"
        )
    }

    #[test]
    fn an_effective_claim_the_flow_contradicts_is_an_error() {
        let c = codes(&model(false, "implemented"), "2027-01-01");
        assert!(c.contains(&Code::ContradictedMitigation));
        // It does not count: the threat is left with a mitigation that is not effective.
        assert!(c.contains(&Code::UnmitigatedThreat));
    }

    #[test]
    fn a_met_requirement_or_a_claim_not_yet_made_is_fine() {
        let c = codes(&model(true, "verified"), "2027-01-01");
        assert!(!c.contains(&Code::ContradictedMitigation));
        assert!(!c.contains(&Code::UnmitigatedThreat));
        let c = codes(&model(false, "planned"), "2027-01-01");
        assert!(!c.contains(&Code::ContradictedMitigation));
    }

    #[test]
    fn on_a_component_the_flows_into_it_from_other_zones_are_judged() {
        let m = |auth: bool| {
            format!(
                "{BASE}[[flow]]\nid = \"f\"\nname = \"F\"\nfrom = \"user\"\nto = \"api\"\nauthenticated = {auth}\n\
                 [[threat]]\nid = \"t1\"\ntitle = \"T\"\ncategory = \"spoofing\"\ntargets = [\"api\"]\nseverity = \"high\"\n\
                 [[mitigation]]\nid = \"authn\"\ntitle = \"A\"\nmitigates = [\"t1\"]\nstatus = \"implemented\"\nrequires = {{ authenticated = true }}\n"
            )
        };
        assert!(codes(&m(false), "2027-01-01").contains(&Code::ContradictedMitigation));
        assert!(!codes(&m(true), "2027-01-01").contains(&Code::ContradictedMitigation));
    }
}
