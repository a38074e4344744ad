//! Every fixture model: invalid ones named after the diagnostic code they must produce,
//! valid ones that must load and check without errors.

use threatbook::diag::{Code, Severity, Stage};

use crate::support::{TODAY, check_json, check_json_with, codes, fixtures, run};

/// Codes whose inputs cannot be committed as fixture folders (a missing path, a broken
/// link, a symlink loop); `load_errors` creates them at test time.
const MADE_AT_TEST_TIME: &[Code] = &[Code::ModelNotFound, Code::IoError, Code::SymlinkLoop];

/// Codes a rule reports only when `check` is asked for it: the fixture runs with these
/// arguments added.
const FLAGS: &[(Code, &[&str])] = &[
    (Code::ReviewRequired, &["--require-review"]),
    (Code::StrideCoverage, &["--stride-coverage"]),
];

fn flags(code: Code) -> &'static [&'static str] {
    FLAGS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(&[], |(_, f)| f)
}

#[test]
fn every_code_has_a_fixture_or_a_test_that_makes_one() {
    let names: Vec<String> = fixtures("invalid").into_iter().map(|(n, _)| n).collect();
    for code in Code::ALL {
        assert!(
            names.iter().any(|n| n == code.as_str()) || MADE_AT_TEST_TIME.contains(code),
            "no fixture tests/fixtures/invalid/{code}/"
        );
    }
}

#[test]
fn each_invalid_fixture_reports_its_code_with_a_position_and_the_right_exit_code() {
    for (name, dir) in fixtures("invalid") {
        let code =
            Code::from_name(&name).unwrap_or_else(|| panic!("{name} is not a diagnostic code"));
        let (exit, json) = check_json_with(&dir, flags(code));
        let found = codes(&json);
        assert!(
            found.contains(&name),
            "{name}: expected `{name}` among {found:?}"
        );
        for d in json["diagnostics"].as_array().unwrap() {
            if d["code"] == name.as_str() && code != Code::MissingManifest {
                assert!(
                    d["line"].as_u64().is_some_and(|l| l > 0),
                    "{name}: no line in {d}"
                );
                assert!(
                    d["column"].as_u64().is_some_and(|c| c > 0),
                    "{name}: no column in {d}"
                );
                assert!(
                    d["file"].as_str().is_some_and(|f| f.starts_with(&dir)),
                    "{name}: file {d}"
                );
            }
        }
        let expected_exit = match (code.stage(), code.severity()) {
            (Stage::Load, _) => 2,
            (Stage::Check, Severity::Error) => 1,
            (Stage::Check, Severity::Warning | Severity::Note) => 0,
        };
        assert_eq!(exit, expected_exit, "{name}: exit code");
        assert_eq!(
            json["loaded"],
            code.stage() == Stage::Check,
            "{name}: loaded flag"
        );
    }
}

#[test]
fn diagnostics_read_like_rustc_with_snippets() {
    for (name, dir) in fixtures("invalid") {
        let mut args = vec!["check", &dir, "--today", TODAY];
        args.extend_from_slice(Code::from_name(&name).map_or(&[], flags));
        let mut r = run(&args);
        // The day a model last changed depends on the checkout: keep it out of snapshots.
        if let Some((head, tail)) = r.stderr.split_once("last changed on ") {
            r.stderr = format!(
                "{head}last changed on [date]{}",
                tail.get(10..).unwrap_or("")
            );
        }
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("diagnostics-{name}"), r.stderr);
        });
    }
}

#[test]
fn a_flagged_code_stays_quiet_without_its_flag() {
    for (code, _) in FLAGS {
        let dir = format!("tests/fixtures/invalid/{code}");
        let (exit, json) = check_json(&dir);
        assert!(!codes(&json).contains(&code.to_string()), "{code}");
        assert_eq!(exit, 0, "{code}");
    }
}

#[test]
fn a_review_as_recent_as_the_last_change_passes_require_review() {
    // Copied outside any git work tree, the files' times are the last change: now.
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m");
    std::fs::create_dir(&model).unwrap();
    for f in ["threatbook.toml", "model.toml"] {
        std::fs::copy(
            crate::support::root()
                .join("tests/fixtures/valid/reviewed")
                .join(f),
            model.join(f),
        )
        .unwrap();
    }
    let today = threatbook::model::Date::from_unix_seconds(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    let text = std::fs::read_to_string(model.join("model.toml")).unwrap();
    let fresh =
        format!("{text}\n[[review]]\nreviewer = \"cy\"\ndate = {today}\ndecision = \"approved\"\n");
    let dir = model.to_str().unwrap();
    let args = ["check", dir, "--today", "2099-01-01", "--require-review"];
    let stale = crate::support::run_in(tmp.path(), &args);
    assert_eq!(stale.code, 1, "{}", stale.stderr);
    assert!(stale.stderr.contains("review-required"), "{}", stale.stderr);
    std::fs::write(model.join("model.toml"), fresh).unwrap();
    let ok = crate::support::run_in(tmp.path(), &args);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
}

#[test]
fn warnings_fail_only_under_deny_warnings() {
    let dir = "tests/fixtures/invalid/orphan-component";
    assert_eq!(run(&["check", dir, "--today", TODAY]).code, 0);
    assert_eq!(
        run(&["check", dir, "--today", TODAY, "--deny", "warnings"]).code,
        1
    );
}

#[test]
fn valid_fixtures_load_and_check_without_errors() {
    for (name, dir) in fixtures("valid") {
        let (exit, json) = check_json(&dir);
        assert_eq!(exit, 0, "{name}: {json}");
        assert_eq!(json["errors"], 0, "{name}: {json}");
        assert_eq!(json["loaded"], true, "{name}");
        assert!(
            json["summary"]["components"].as_u64().unwrap() > 0,
            "{name}"
        );
    }
}

#[test]
fn files_in_sub_folders_are_part_of_the_model() {
    let (_, json) = check_json("tests/fixtures/valid/multi-file");
    let s = &json["summary"];
    assert_eq!(
        (
            s["zones"].as_u64(),
            s["components"].as_u64(),
            s["flows"].as_u64()
        ),
        (Some(2), Some(2), Some(1))
    );
    assert_eq!(
        (s["threats"].as_u64(), s["mitigations"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn one_run_reports_every_problem_of_every_file() {
    let (_, json) = check_json("tests/fixtures/invalid/unknown-field");
    let files: std::collections::BTreeSet<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files.len(),
        2,
        "both the manifest and the entity file: {files:?}"
    );
    assert_eq!(codes(&json).len(), 5);
}

#[test]
fn an_accepted_risk_covers_a_threat_until_it_expires() {
    let dir = "tests/fixtures/valid/accepted-risk";
    let (_, json) = check_json(dir);
    assert_eq!(json["summary"]["accepted_threats"], 1);
    assert_eq!(json["summary"]["uncovered_threats"], 0);
    let later = run(&["check", dir, "--today", "2100-01-01", "--format", "json"]);
    let later: serde_json::Value = serde_json::from_str(&later.stdout).unwrap();
    let found = codes(&later);
    assert!(
        found.contains(&"expired-acceptance".to_string()),
        "{found:?}"
    );
    assert!(found.contains(&"uncovered-threat".to_string()), "{found:?}");
}
