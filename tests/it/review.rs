//! `threatbook review` and `check --require-review`: an approval records the model's
//! state, so committing it (or adding more reviews) keeps it valid, and any other edit
//! does not.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{TODAY, root, run_in};

/// A copy of a fixture model's files (not its sub-folders) in `into/model`.
fn model_copy(fixture: &str, into: &Path) -> PathBuf {
    let model = into.join("model");
    std::fs::create_dir_all(&model).unwrap();
    for entry in std::fs::read_dir(root().join(fixture)).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            std::fs::copy(entry.path(), model.join(entry.file_name())).unwrap();
        }
    }
    model
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(["-c", "commit.gpgsign=false"])
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

fn review(dir: &Path, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["review", "model", "--reviewer", "ana@example.com"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

fn require_review(dir: &Path) -> crate::support::Run {
    run_in(
        dir,
        &["check", "model", "--today", TODAY, "--require-review"],
    )
}

fn state_of(model: &Path) -> String {
    threatbook::review::state::of_sources(&threatbook::open(model).sources).to_string()
}

/// The `state = "…"` values of a file, in order.
fn states(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("state = \""))
        .map(|l| l.trim_end_matches('"').to_string())
        .collect()
}

#[test]
fn a_review_committed_after_its_date_still_approves_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    let model = model_copy("tests/fixtures/valid/minimal", repo);
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "model"]);
    // Dated long before the commits: the date rule alone could never pass.
    let r = review(repo, &["--date", "2020-01-15", "--scope", "whole model"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("created"), "{}", r.stderr);
    let uncommitted = require_review(repo);
    assert_eq!(uncommitted.code, 0, "{}", uncommitted.stderr);
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "review"]);
    let committed = require_review(repo);
    assert_eq!(committed.code, 0, "{}", committed.stderr);
    let text = std::fs::read_to_string(model.join("reviews.toml")).unwrap();
    assert_eq!(
        text,
        format!(
            "[[review]]\nreviewer = \"ana@example.com\"\ndate = 2020-01-15\nscope = \"whole model\"\ndecision = \"approved\"\nstate = \"{}\"\n",
            state_of(&model)
        )
    );
}

#[test]
fn an_edit_after_the_review_fails_at_the_review_entry_until_reviewed_again() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_copy("tests/fixtures/valid/minimal", tmp.path());
    assert_eq!(review(tmp.path(), &[]).code, 0);
    let file = model.join("model.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("name = \"API\"", "name = \"Public API\""),
    )
    .unwrap();
    let r = require_review(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("the model changed since this approval"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("model/reviews.toml:5:9"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&state_of(&model)),
        "the new state is shown: {}",
        r.stderr
    );
    assert_eq!(review(tmp.path(), &["--notes", "Renamed only."]).code, 0);
    assert_eq!(require_review(tmp.path()).code, 0);
}

#[test]
fn adding_reviews_does_not_change_the_state_and_they_share_one_file() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_copy("tests/fixtures/valid/minimal", tmp.path());
    let before = state_of(&model);
    assert_eq!(review(tmp.path(), &["--date", "2026-01-01"]).code, 0);
    // A reviews-only file does not count.
    assert_eq!(state_of(&model), before);
    let r = review(
        tmp.path(),
        &["--decision", "changes-requested", "--date", "2026-02-01"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("added to"), "{}", r.stderr);
    assert_eq!(state_of(&model), before);
    assert_eq!(
        states(&model.join("reviews.toml")),
        [before.as_str(), before.as_str()]
    );
    // The approval still holds: requested changes are not a newer approval.
    assert_eq!(require_review(tmp.path()).code, 0);
}

#[test]
fn a_review_goes_to_the_file_of_the_latest_review_and_keeps_its_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_copy("tests/fixtures/valid/reviewed", tmp.path());
    let file = model.join("model.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let before = std::fs::read_to_string(&file).unwrap();
    let r = review(tmp.path(), &["--notes", "Line one.\nLine \"two\"."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.starts_with(&before), "appended, nothing else touched");
    assert!(
        after.contains("notes = \"Line one.\\nLine \\\"two\\\".\"\n"),
        "{after}"
    );
    assert!(!model.join("reviews.toml").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o640);
    }
    assert_eq!(require_review(tmp.path()).code, 0);
}

#[test]
fn a_model_that_does_not_load_gets_no_review() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_copy("tests/fixtures/invalid/duplicate-id", tmp.path());
    let r = review(tmp.path(), &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("error[duplicate-id]"), "{}", r.stderr);
    assert!(r.stderr.contains("no review was recorded"), "{}", r.stderr);
    assert!(!model.join("reviews.toml").exists());
}

#[test]
fn inline_reviews_are_not_appended_to() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_copy("tests/fixtures/valid/minimal", tmp.path());
    let inline =
        "review = [\n  { reviewer = \"bo\", date = 2026-01-01, decision = \"approved\" },\n]\n";
    std::fs::write(model.join("signoffs.toml"), inline).unwrap();
    let r = review(tmp.path(), &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot append a `[[review]]`"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(model.join("signoffs.toml")).unwrap(),
        inline
    );
}

#[test]
fn the_date_defaults_to_source_date_epoch() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_copy("tests/fixtures/valid/minimal", tmp.path());
    let out = Command::new(env!("CARGO_BIN_EXE_threatbook"))
        .args(["review", "model", "--reviewer", "ana"])
        .current_dir(tmp.path())
        .env("SOURCE_DATE_EPOCH", "1798329600")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(model.join("reviews.toml")).unwrap();
    assert!(text.contains("date = 2026-12-27\n"), "{text}");
}

#[test]
fn without_an_approval_the_help_names_the_review_command() {
    let tmp = tempfile::tempdir().unwrap();
    model_copy("tests/fixtures/valid/minimal", tmp.path());
    let r = require_review(tmp.path());
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("the model has no approved review"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("threatbook review DIR --reviewer NAME"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_json_export_carries_the_approved_state() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_copy("tests/fixtures/valid/minimal", tmp.path());
    assert_eq!(review(tmp.path(), &[]).code, 0);
    let r = run_in(
        tmp.path(),
        &["export", "model", "--format", "json", "--today", TODAY],
    );
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(json["reviews"][0]["state"], state_of(&model).as_str());
}

#[test]
fn a_local_knowledge_base_is_part_of_the_state_and_a_bundled_one_is_not() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_copy("tests/fixtures/kb/selectors", tmp.path());
    std::fs::create_dir(model.join("kb")).unwrap();
    for entry in std::fs::read_dir(root().join("tests/fixtures/kb/selectors/kb")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), model.join("kb").join(entry.file_name())).unwrap();
    }
    let project = threatbook::open(&model);
    assert!(project.model.is_some(), "the fixture loads");
    let before = state_of(&model);
    let patterns = model.join("kb/patterns.toml");
    let text = std::fs::read_to_string(&patterns).unwrap();
    std::fs::write(&patterns, format!("{text}# a note on the patterns\n")).unwrap();
    assert_ne!(
        state_of(&model),
        before,
        "an edit of a local knowledge base counts"
    );
    std::fs::write(&patterns, text).unwrap();
    assert_eq!(state_of(&model), before);
    // Naming a bundled knowledge base is an edit of threatbook.toml, but the bundled
    // files themselves are not hashed: the state is that of the model's own files.
    let manifest = model.join("threatbook.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("[\"./kb\"]", "[\"./kb\", \"stride\"]"),
    )
    .unwrap();
    let with_stride = threatbook::open(&model);
    assert!(with_stride.sources.iter().any(|(_, f)| f.is_bundled));
    let own: Vec<(&str, &str)> = with_stride
        .sources
        .iter()
        .filter(|(_, f)| !f.is_bundled)
        .map(|(_, f)| (f.relative.as_str(), f.text.as_str()))
        .collect();
    assert_eq!(
        threatbook::review::state::of_sources(&with_stride.sources),
        threatbook::review::state::of_files(own)
    );
}
