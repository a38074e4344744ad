//! `unprotected-boundary-crossing`: a flow into a more trusted zone, or one carrying
//! confidential or restricted data from one zone to another, that is not both encrypted
//! and authenticated.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::{Direction, Model};

pub fn run(model: &Model, diags: &mut Diagnostics) {
    for f in model.flow_ids() {
        let flow = model.flow(f);
        let Some(crossing) = flow.crossing else {
            continue;
        };
        if flow.encrypted && flow.authenticated {
            continue;
        }
        let sensitive: Vec<&str> = flow
            .data
            .iter()
            .map(|a| model.asset(*a))
            .filter(|a| a.classification.is_sensitive())
            .map(|a| a.id.as_str())
            .collect();
        let inbound = crossing.direction == Direction::Inbound;
        if !inbound && sensitive.is_empty() {
            continue;
        }
        let (from, to) = (model.zone(crossing.from_zone), model.zone(crossing.to_zone));
        let missing = match (flow.encrypted, flow.authenticated) {
            (false, false) => "neither encrypted nor authenticated",
            (false, true) => "not encrypted",
            _ => "not authenticated",
        };
        let why = if inbound {
            format!(
                "into a more trusted zone (`{}`, trust {} → `{}`, trust {})",
                from.id, from.trust, to.id, to.trust
            )
        } else {
            format!(
                "from zone `{}` to zone `{}` carrying {}",
                from.id,
                to.id,
                sensitive.join(", ")
            )
        };
        let mut d = Diagnostic::at(
            Code::UnprotectedBoundaryCrossing,
            flow.span,
            format!(
                "flow `{}` crosses a trust boundary {why} but is {missing}",
                flow.id
            ),
        )
        .with_label(missing);
        if !flow.encrypted {
            d = d.with_help("set `encrypted = true` once the channel uses TLS (or equivalent)");
        }
        if !flow.authenticated {
            d = d
                .with_help("set `authenticated = true` once the receiver authenticates the sender");
        }
        diags.push(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{BASE, codes};
    use crate::diag::Code;

    fn flow(from: &str, to: &str, extra: &str) -> String {
        format!(
            "{BASE}[[asset]]\nid = \"pii\"\nname = \"PII\"\nclassification = \"confidential\"\n\
             [[asset]]\nid = \"docs\"\nname = \"Docs\"\nclassification = \"public\"\n\
             [[flow]]\nid = \"f\"\nname = \"F\"\nfrom = \"{from}\"\nto = \"{to}\"\n{extra}\n"
        )
    }

    #[test]
    fn inbound_flows_need_encryption_and_authentication() {
        let bad = codes(&flow("user", "api", "encrypted = true"), "2027-01-01");
        assert!(bad.contains(&Code::UnprotectedBoundaryCrossing));
        let good = codes(
            &flow("user", "api", "encrypted = true\nauthenticated = true"),
            "2027-01-01",
        );
        assert!(!good.contains(&Code::UnprotectedBoundaryCrossing));
    }

    #[test]
    fn outbound_flows_need_protection_only_for_sensitive_data() {
        let public = codes(&flow("api", "user", "data = [\"docs\"]"), "2027-01-01");
        assert!(!public.contains(&Code::UnprotectedBoundaryCrossing));
        let pii = codes(&flow("api", "user", "data = [\"pii\"]"), "2027-01-01");
        assert!(pii.contains(&Code::UnprotectedBoundaryCrossing));
    }

    #[test]
    fn flows_inside_one_zone_are_not_crossings() {
        let c = codes(&flow("api", "api", "data = [\"pii\"]"), "2027-01-01");
        assert!(!c.contains(&Code::UnprotectedBoundaryCrossing));
    }
}
