//! `expiring-acceptance`: a risk acceptance that still holds but ends within the expiry
//! window, so that someone decides again before it lapses rather than after.

use super::Options;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Model;

pub fn run(model: &Model, options: &Options, diags: &mut Diagnostics) {
    let window = i64::from(options.expiry_window);
    for a in &model.acceptances {
        let left = options.today.days_until(a.expires);
        if !(0..window).contains(&left) {
            continue;
        }
        let threat = model.threat(a.threat);
        let when = match left {
            0 => "today".to_string(),
            1 => "tomorrow".to_string(),
            n => format!("in {n} days"),
        };
        diags.push(
            Diagnostic::at(
                Code::ExpiringAcceptance,
                a.expires_span,
                format!(
                    "the acceptance of threat `{}` (approved by {}) ends {when}, on {}",
                    threat.id, a.approved_by, a.expires
                ),
            )
            .with_label(format!("ends {when}"))
            .with_related(threat.span, "the accepted threat")
            .with_help(
                "renew it with a later `expires` date, or get a mitigation in place before it ends",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::check::Options;
    use crate::check::testing::{BASE, codes, codes_with};
    use crate::diag::Code;
    use crate::model::Date;

    fn model(expires: &str) -> String {
        format!(
            "{BASE}[[threat]]\nid = \"t1\"\ntitle = \"T\"\ncategory = \"spoofing\"\ntargets = [\"user\"]\nseverity = \"low\"\n\
             [[acceptance]]\nthreat = \"t1\"\njustification = \"j\"\napproved_by = \"ciso\"\nexpires = {expires}\n"
        )
    }

    #[test]
    fn warns_within_the_window_only_while_the_acceptance_holds() {
        let m = model("2027-01-31");
        // 30 days ahead is outside the default window of 30; 29 days is inside.
        assert!(!codes(&m, "2027-01-01").contains(&Code::ExpiringAcceptance));
        assert!(codes(&m, "2027-01-02").contains(&Code::ExpiringAcceptance));
        assert!(codes(&m, "2027-01-31").contains(&Code::ExpiringAcceptance));
        let after = codes(&m, "2027-02-01");
        assert!(!after.contains(&Code::ExpiringAcceptance));
        assert!(after.contains(&Code::ExpiredAcceptance));
    }

    #[test]
    fn the_window_is_an_option() {
        let m = model("2027-03-01");
        let mut options = Options::new(Date::parse("2027-01-01").unwrap());
        assert!(!codes_with(&m, &options).contains(&Code::ExpiringAcceptance));
        options.expiry_window = 90;
        assert!(codes_with(&m, &options).contains(&Code::ExpiringAcceptance));
        options.expiry_window = 0;
        let m = model("2027-01-01");
        assert!(!codes_with(&m, &options).contains(&Code::ExpiringAcceptance));
    }
}
