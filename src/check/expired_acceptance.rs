//! `expired-acceptance`: a risk acceptance whose date has passed. An accepted risk is
//! a decision with a deadline; past it, someone must decide again.

use super::Options;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::{AcceptanceId, Model};

pub fn run(model: &Model, options: &Options, diags: &mut Diagnostics) {
    for (i, a) in model.acceptances.iter().enumerate() {
        if model.acceptance_valid(AcceptanceId(i as u32), options.today) {
            continue;
        }
        let threat = model.threat(a.threat);
        diags.push(
            Diagnostic::at(
                Code::ExpiredAcceptance,
                a.expires_span,
                format!(
                    "the acceptance of threat `{}` (approved by {}) expired on {}",
                    threat.id, a.approved_by, a.expires
                ),
            )
            .with_label(format!("expired; today is {}", options.today))
            .with_related(threat.span, "the accepted threat")
            .with_help("renew the acceptance with a new `expires` date, or mitigate the threat"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{BASE, codes};
    use crate::diag::Code;

    #[test]
    fn expires_the_day_after_its_date() {
        let model = format!(
            "{BASE}[[threat]]\nid = \"t1\"\ntitle = \"T\"\ncategory = \"spoofing\"\ntargets = [\"user\"]\nseverity = \"low\"\n\
             [[acceptance]]\nthreat = \"t1\"\njustification = \"j\"\napproved_by = \"ciso\"\nexpires = 2026-06-30\n"
        );
        assert!(!codes(&model, "2026-06-30").contains(&Code::ExpiredAcceptance));
        assert!(codes(&model, "2026-07-01").contains(&Code::ExpiredAcceptance));
    }
}
