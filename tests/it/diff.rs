//! `threatbook diff`: fixture pairs under tests/fixtures/diff/<case>/{old,new}/.

use std::process::Command;

use crate::support::{TODAY, run, run_in};

fn pair(case: &str) -> (String, String) {
    (
        format!("tests/fixtures/diff/{case}/old"),
        format!("tests/fixtures/diff/{case}/new"),
    )
}

fn diff_json(case: &str) -> serde_json::Value {
    let (old, new) = pair(case);
    let r = run(&["diff", &old, &new, "--today", TODAY, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn ids(list: &serde_json::Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn coverage_crossings_and_severity_changes_are_reported() {
    let d = diff_json("changes");
    assert_eq!(
        ids(&d["newly_uncovered"], "threat"),
        ["forged-webhook", "sqli"]
    );
    assert_eq!(d["newly_uncovered"][1]["old"], "mitigated");
    assert!(d["newly_uncovered"][0]["old"].is_null(), "a new threat");
    assert_eq!(ids(&d["newly_mitigated"], "threat"), ["session-theft"]);
    assert_eq!(ids(&d["new_crossings"], "flow"), ["webhook"]);
    assert_eq!(d["new_crossings"][0]["direction"], "inbound");
    assert_eq!(d["severity_changes"][0]["old"], "medium");
    assert_eq!(d["severity_changes"][0]["new"], "high");
    assert_eq!(d["format_version"], 2);
    let changes: Vec<String> = d["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let id = e["id"].as_str().unwrap_or_default();
            format!(
                "{} {} {id}",
                e["change"].as_str().unwrap(),
                e["kind"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            "changed component api",
            "removed component cache",
            "added component payment-provider",
            "removed flow lookup",
            "added flow webhook",
            "added threat forged-webhook",
            "changed threat session-theft",
            "removed mitigation orm",
            "changed mitigation secure-cookies",
        ]
    );
    let api = &d["entities"][0]["fields"][0];
    assert_eq!(
        (
            api["field"].as_str(),
            api["old"].as_str(),
            api["new"].as_str()
        ),
        (Some("technology"), Some("FastAPI"), Some("FastAPI 0.115"))
    );
}

#[test]
fn renamed_ids_are_renames_and_references_through_them_are_not_changes() {
    let d = diff_json("rename");
    let entities = d["entities"].as_array().unwrap();
    let renames: Vec<(String, String, String)> = entities
        .iter()
        .map(|e| {
            assert_eq!(e["change"], "renamed", "{e}");
            (
                e["kind"].as_str().unwrap().into(),
                e["from"].as_str().unwrap().into(),
                e["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expect = |k: &str, f: &str, t: &str| (k.to_string(), f.to_string(), t.to_string());
    assert_eq!(
        renames,
        [
            expect("component", "api", "orders-api"),
            expect("threat", "spoof", "spoofed-user"),
            expect("mitigation", "mfa", "mfa-totp"),
        ]
    );
    assert_eq!(entities[0]["fields"].as_array().unwrap().len(), 0);
    assert_eq!(entities[2]["fields"][0]["field"], "title");
    assert_eq!(d["newly_uncovered"].as_array().unwrap().len(), 0);
    assert_eq!(d["new_crossings"].as_array().unwrap().len(), 0);
}

#[test]
fn the_markdown_fits_a_pull_request_comment() {
    for case in ["changes", "rename", "decisions"] {
        let (old, new) = pair(case);
        let r = run(&["diff", &old, &new, "--today", TODAY]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("diff-{case}-md"), r.stdout);
        });
    }
    let same = run(&[
        "diff",
        "catalog/fastapi",
        "catalog/fastapi",
        "--today",
        TODAY,
    ]);
    assert!(
        same.stdout.contains("No changes to the threat model."),
        "{}",
        same.stdout
    );
}

#[test]
fn fail_on_new_uncovered_gates_ci() {
    let (old, new) = pair("changes");
    let gate = ["--today", TODAY, "--fail-on", "new-uncovered"];
    let forward = run(&[&["diff", old.as_str(), new.as_str()][..], &gate[..]].concat());
    assert_eq!(forward.code, 1);
    assert!(
        forward.stderr.contains("forged-webhook, sqli"),
        "{}",
        forward.stderr
    );
    // The other way round nothing becomes uncovered (sqli was mitigated in old/).
    let backward = run(&[&["diff", new.as_str(), old.as_str()][..], &gate[..]].concat());
    assert_eq!(backward.code, 0, "{}", backward.stdout);
}

const ALL_CONDITIONS: &str = "new-uncovered,new-unmitigated,mitigation-regressed,risk-increased,new-boundary-crossing,acceptance-expired";

/// The `failed` field of a diff gated on every condition, as `condition: ids`.
fn failed(old: &str, new: &str) -> Vec<String> {
    let r = run(&[
        "diff",
        old,
        new,
        "--today",
        TODAY,
        "--format",
        "json",
        "--fail-on",
        ALL_CONDITIONS,
    ]);
    let d: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let fired: Vec<String> = d["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["condition"].as_str().unwrap(),
                ids(&f["items"], "id").join(" ")
            )
        })
        .collect();
    assert_eq!(r.code, if fired.is_empty() { 0 } else { 1 }, "{}", r.stderr);
    fired
}

#[test]
fn each_fail_on_condition_fires_on_what_it_counts_and_nothing_else() {
    let (old, new) = pair("decisions");
    // Not firing here: csrf (uncovered → planned), open-records (mitigated → accepted)
    // and report-scraping (new, accepted) are not newly unmitigated; rotate-sessions
    // went up and export-auth went with its threat; weak-session's risk went down and
    // the new medium threat is below high; stale-backup's acceptance was out already;
    // no flow crosses a new boundary.
    assert_eq!(
        failed(&old, &new),
        [
            "new-uncovered: audit-gaps report-tampering",
            "new-unmitigated: audit-gaps report-tampering",
            "mitigation-regressed: encrypt-channel@visit row-level-security",
            "risk-increased: open-records slow-queries",
            "acceptance-expired: audit-gaps report-tampering",
        ]
    );
    let (old, new) = pair("changes");
    assert_eq!(
        failed(&old, &new),
        [
            "new-uncovered: forged-webhook sqli",
            "new-unmitigated: forged-webhook sqli",
            // Removed while sqli remains.
            "mitigation-regressed: orm",
            // A new critical threat, and sqli's lost mitigation.
            "risk-increased: forged-webhook sqli",
            "new-boundary-crossing: webhook",
        ]
    );
    // Backwards: session-theft falls from mitigated to planned (unmitigated, not
    // uncovered), secure-cookies from implemented to planned; the webhook flow is gone.
    assert_eq!(
        failed(&new, &old),
        [
            "new-unmitigated: session-theft",
            "mitigation-regressed: secure-cookies",
        ]
    );
    let (same, _) = pair("decisions");
    assert!(failed(&same, &same).is_empty());
}

#[test]
fn fail_on_takes_a_list_and_reports_only_the_conditions_asked_for() {
    let (old, new) = pair("decisions");
    let gate = |flags: &[&str]| {
        let args = [
            &["diff", old.as_str(), new.as_str(), "--today", TODAY][..],
            flags,
        ]
        .concat();
        run(&args)
    };
    // Asked for, but not fired: exit 0, and the comment says the gate passed.
    let passed = gate(&["--fail-on", "new-boundary-crossing"]);
    assert_eq!(passed.code, 0, "{}", passed.stderr);
    assert!(
        passed
            .stdout
            .contains("CI gate passed: none of `new-boundary-crossing` fired."),
        "{}",
        passed.stdout
    );
    // Repeated and comma-separated flags add up; only those asked for are listed.
    let r = gate(&[
        "--fail-on",
        "new-boundary-crossing,mitigation-regressed",
        "--fail-on",
        "acceptance-expired",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "failed mitigation-regressed (2): encrypt-channel@visit, row-level-security\n\
         failed acceptance-expired (2): audit-gaps, report-tampering\n"
    );
    assert!(
        r.stdout
            .contains("**The CI gate failed:** `mitigation-regressed`, `acceptance-expired`."),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "| `acceptance-expired` | `audit-gaps` | accepted by Dana until 2026-10-31, valid before (until 2027-06-30) |"
        ),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("`new-uncovered`"), "{}", r.stdout);
    let unknown = gate(&["--fail-on", "new-uncovered,risk-rised"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("risk-rised"), "{}", unknown.stderr);
}

#[test]
fn list_fields_are_arrays_and_scalars_keep_their_type_in_json() {
    let d = diff_json("decisions");
    let field = |id: &str, name: &str| {
        let e = d["entities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("{id} changed"));
        e["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == name)
            .unwrap_or_else(|| panic!("{id}.{name} changed"))
            .clone()
    };
    assert_eq!(
        field("portal", "tags"),
        serde_json::json!({
            "field": "tags",
            "old": ["web", "python"],
            "new": ["web", "fastapi", "python"],
            "added": ["fastapi"],
            "removed": [],
        })
    );
    let cwe = field("slow-queries", "cwe");
    assert_eq!(cwe["added"], serde_json::json!([400]));
    assert_eq!(cwe["new"], serde_json::json!([400, 770]));
    let evidence = field("encrypt-channel@visit", "evidence");
    assert_eq!(
        evidence["added"],
        serde_json::json!(["https://example.com/pentest-2026"])
    );
    assert_eq!(field("row-level-security", "status")["new"], "planned");
    let justification = field("open-records", "justification");
    assert!(justification["old"].is_null());
    // Long text is given whole, never cut.
    let description = field("weak-session", "description");
    assert!(
        description["new"]
            .as_str()
            .unwrap()
            .ends_with("act as the patient until it expires."),
        "{description}"
    );
    assert_eq!(
        d["status_changes"][0],
        serde_json::json!({
            "mitigation": "encrypt-channel@visit",
            "title": "Encrypt and authenticate the channel",
            "old": "verified",
            "new": "implemented",
            "threats": [
                "tampering-flow@visit",
                "information-disclosure-flow@visit",
                "cleartext-across-boundary@visit",
                "cleartext-tampering-across-boundary@visit",
            ],
        })
    );
    assert!(d["fail_on"].as_array().unwrap().is_empty());
    assert!(d["failed"].as_array().unwrap().is_empty());
}

#[test]
fn the_docs_example_is_the_real_output_and_every_condition_is_documented() {
    let doc = std::fs::read_to_string(crate::support::root().join("docs/diff.md")).unwrap();
    let (_, example) = doc
        .split_once("a test compares them. -->\n```markdown\n")
        .expect("the example is marked");
    let (begins, rest) = example.split_once("```").unwrap();
    let (_, more) = rest.split_once("```markdown\n").unwrap();
    let (field_rows, _) = more.split_once("```").unwrap();
    let (old, new) = pair("decisions");
    let r = run(&[
        "diff",
        &old,
        &new,
        "--today",
        TODAY,
        "--fail-on",
        "mitigation-regressed,acceptance-expired",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with(begins), "{}", r.stdout);
    for row in field_rows.lines() {
        assert!(r.stdout.contains(row), "{row}");
    }
    for (name, _) in threatbook::diff::Condition::ALL {
        assert!(
            doc.contains(&format!("\n| `{name}` | ")),
            "docs/diff.md has no row for `{name}`"
        );
    }
}

#[test]
fn misuse_and_broken_models_exit_with_two() {
    assert_eq!(run(&["diff", "catalog/fastapi"]).code, 2);
    assert_eq!(
        run(&[
            "diff",
            "catalog/fastapi",
            "tests/fixtures/invalid/duplicate-id"
        ])
        .code,
        2
    );
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(["-c", "commit.gpgsign=false"])
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git runs")
        .status
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn git_rev_compares_the_committed_model_with_the_work_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    let model = repo.join("models/shop");
    std::fs::create_dir_all(&model).unwrap();
    let (old, new) = pair("changes");
    let root = crate::support::root();
    for f in ["threatbook.toml", "model.toml"] {
        std::fs::copy(root.join(&old).join(f), model.join(f)).unwrap();
    }
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "old"]);
    std::fs::copy(root.join(&new).join("model.toml"), model.join("model.toml")).unwrap();
    let r = run_in(
        repo,
        &[
            "diff",
            "--git",
            "HEAD",
            "models/shop",
            "--today",
            TODAY,
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(d, diff_json("changes"));
    let bad = run_in(repo, &["diff", "--git", "no-such-rev", "models/shop"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no-such-rev"), "{}", bad.stderr);
}
