//! `review-required`: under `check --require-review`, the model must carry an approval
//! dated on or after its last change. A sign-off older than the model it signs off no
//! longer says anything about it.
//!
//! The day of the last change is worked out by the caller (git or file times) and comes
//! in [`Options::require_review_since`]; this rule only compares dates.

use super::Options;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Model;

pub fn run(model: &Model, options: &Options, diags: &mut Diagnostics) {
    let Some(since) = options.require_review_since else {
        return;
    };
    let help = format!(
        "the model last changed on {since}; after reviewing it, add a `[[review]]` with `decision = \"approved\"` and a `date` no earlier"
    );
    match model.latest_approval() {
        Some(r) if r.date >= since => {}
        Some(r) => diags.push(
            Diagnostic::at(
                Code::ReviewRequired,
                r.span,
                format!(
                    "the latest approval ({} by {}) is older than the last change to the model",
                    r.date, r.reviewer
                ),
            )
            .with_label("approved before the model last changed")
            .with_help(help),
        ),
        None => diags.push(
            Diagnostic::at(
                Code::ReviewRequired,
                model.project.span,
                "the model has no approved review",
            )
            .with_label("no `[[review]]` approves this model")
            .with_help(help),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::BASE;
    use crate::model::Date;

    fn codes(reviews: &str, since: &str) -> Vec<Code> {
        let manifest = "[project]\nname = \"t\"\n";
        let entities = format!("{BASE}{reviews}");
        let project = crate::open_texts([("threatbook.toml", manifest), ("m.toml", &entities)]);
        let model = project.model.expect("resolves");
        let mut diags = Diagnostics::default();
        let mut options = Options::new(Date::parse("2026-11-27").unwrap());
        options.require_review_since = Date::parse(since);
        run(&model, &options, &mut diags);
        diags.iter().map(|d| d.code).collect()
    }

    const APPROVED: &str =
        "[[review]]\nreviewer = \"ana\"\ndate = 2026-03-01\ndecision = \"approved\"\n";
    const LATER_CHANGES: &str =
        "[[review]]\nreviewer = \"bo\"\ndate = 2026-05-01\ndecision = \"changes-requested\"\n";

    #[test]
    fn an_approval_on_or_after_the_last_change_satisfies_it() {
        assert!(codes(APPROVED, "2026-03-01").is_empty());
        assert!(codes(APPROVED, "2026-02-01").is_empty());
        assert_eq!(codes(APPROVED, "2026-03-02"), [Code::ReviewRequired]);
    }

    #[test]
    fn requested_changes_are_not_an_approval() {
        assert_eq!(codes(LATER_CHANGES, "2026-01-01"), [Code::ReviewRequired]);
        let both = format!("{APPROVED}{LATER_CHANGES}");
        assert!(codes(&both, "2026-02-01").is_empty());
        assert_eq!(codes(&both, "2026-04-01"), [Code::ReviewRequired]);
    }

    #[test]
    fn without_the_option_nothing_is_asked() {
        assert!(codes("", "").is_empty());
    }
}
