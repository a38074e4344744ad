//! `review-required`: under `check --require-review`, the model's latest approval must
//! approve the model as it is. An approval records the `state` it looked at
//! (`threatbook review` writes it); it holds while the model's state is the same, so
//! committing the approval, or adding more reviews, never makes it stale.
//!
//! An approval without `state` (written by hand, or before states existed) is judged by
//! its date instead: it must be on or after the model's last change. The state and that
//! day are worked out by the caller and come in [`Options::require_review`]; this rule
//! only compares.

use super::{Options, ReviewRequirement};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::Model;

/// How to record an approval that holds.
const RECORD: &str =
    "record an approval with `threatbook review DIR --reviewer NAME` and commit the file it writes";

pub fn run(model: &Model, options: &Options, diags: &mut Diagnostics) {
    let Some(ReviewRequirement { state, last_change }) = options.require_review else {
        return;
    };
    let Some(r) = model.latest_approval() else {
        diags.push(
            Diagnostic::at(
                Code::ReviewRequired,
                model.project.span,
                "the model has no approved review",
            )
            .with_label("no `[[review]]` approves this model")
            .with_help(format!("after reviewing the model, {RECORD}")),
        );
        return;
    };
    match (&r.state, last_change) {
        (Some(approved), _) if approved.value == state => {}
        (Some(approved), _) => diags.push(
            Diagnostic::at(
                Code::ReviewRequired,
                approved.span,
                format!(
                    "the model changed since this approval ({} by {})",
                    r.date, r.reviewer
                ),
            )
            .with_label("approves an earlier state of the model")
            .with_help(format!(
                "the model's state is now {state}; review what changed (`threatbook diff OLD NEW`, or `threatbook diff --git REV DIR` in a git repository), then {RECORD}"
            )),
        ),
        (None, Some(since)) if r.date >= since => {}
        (None, since) => {
            let when = since.map_or_else(String::new, |d| format!(" (the model last changed on {d})"));
            diags.push(
                Diagnostic::at(
                    Code::ReviewRequired,
                    r.span,
                    format!(
                        "the latest approval ({} by {}) records no `state` and is older than the last change to the model",
                        r.date, r.reviewer
                    ),
                )
                .with_label("approved before the model last changed")
                .with_help(format!(
                    "an approval without `state` counts only when dated on or after the model's last change{when}"
                ))
                .with_help(format!(
                    "after reviewing the model, {RECORD}: it adds `state = \"sha256:…\"`, which committing the review does not make stale"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::BASE;
    use crate::kinds::ModelState;
    use crate::model::Date;

    const NOW: ModelState = ModelState([1; 32]);

    fn codes(reviews: &str, since: Option<&str>) -> Vec<Code> {
        let manifest = "[project]\nname = \"t\"\n";
        let entities = format!("{BASE}{reviews}");
        let project = crate::open_texts([("threatbook.toml", manifest), ("m.toml", &entities)]);
        let model = project.model.expect("resolves");
        let mut diags = Diagnostics::default();
        let mut options = Options::new(Date::parse("2026-11-27").unwrap());
        options.require_review = Some(ReviewRequirement {
            state: NOW,
            last_change: since.and_then(Date::parse),
        });
        run(&model, &options, &mut diags);
        diags.iter().map(|d| d.code).collect()
    }

    fn with_state(review: &str, state: ModelState) -> String {
        format!("{review}state = \"{state}\"\n")
    }

    const APPROVED: &str =
        "[[review]]\nreviewer = \"ana\"\ndate = 2026-03-01\ndecision = \"approved\"\n";
    const LATER_CHANGES: &str =
        "[[review]]\nreviewer = \"bo\"\ndate = 2026-05-01\ndecision = \"changes-requested\"\n";

    #[test]
    fn an_approval_of_the_current_state_satisfies_it_whatever_its_date() {
        let approved = with_state(APPROVED, NOW);
        assert!(codes(&approved, Some("2026-12-01")).is_empty());
        assert!(codes(&approved, None).is_empty());
        let stale = with_state(APPROVED, ModelState([2; 32]));
        assert_eq!(codes(&stale, None), [Code::ReviewRequired]);
        assert_eq!(codes(&stale, Some("2020-01-01")), [Code::ReviewRequired]);
    }

    #[test]
    fn only_the_latest_approval_counts() {
        let old = with_state(APPROVED, NOW);
        let newer = with_state(
            &APPROVED.replace("2026-03-01", "2026-04-01"),
            ModelState([2; 32]),
        );
        assert_eq!(
            codes(&format!("{old}{newer}"), None),
            [Code::ReviewRequired]
        );
        assert!(
            codes(
                &format!("{newer}{old}").replace("2026-03-01", "2026-05-01"),
                None
            )
            .is_empty()
        );
    }

    #[test]
    fn an_approval_without_state_is_judged_by_its_date() {
        assert!(codes(APPROVED, Some("2026-03-01")).is_empty());
        assert!(codes(APPROVED, Some("2026-02-01")).is_empty());
        assert_eq!(codes(APPROVED, Some("2026-03-02")), [Code::ReviewRequired]);
        assert_eq!(codes(APPROVED, None), [Code::ReviewRequired]);
    }

    #[test]
    fn requested_changes_are_not_an_approval() {
        assert_eq!(
            codes(&with_state(LATER_CHANGES, NOW), None),
            [Code::ReviewRequired]
        );
        let both = format!("{APPROVED}{LATER_CHANGES}");
        assert!(codes(&both, Some("2026-02-01")).is_empty());
        assert_eq!(codes(&both, Some("2026-04-01")), [Code::ReviewRequired]);
    }

    #[test]
    fn without_the_option_nothing_is_asked() {
        let project = crate::open_texts([
            ("threatbook.toml", "[project]\nname = \"t\"\n"),
            ("m.toml", BASE),
        ]);
        let mut diags = Diagnostics::default();
        let options = Options::new(Date::parse("2026-11-27").unwrap());
        run(&project.model.unwrap(), &options, &mut diags);
        assert!(diags.is_empty());
    }
}
