//! Risk scoring: the risk matrix, residual risk after mitigations, `check --min-risk`,
//! and how reports and the JSON export show them.

use crate::support::{TODAY, check_json, check_json_with, codes, run};

const SCORED: &str = "tests/fixtures/risk/scored";

#[test]
fn min_risk_drops_only_uncovered_threats_below_the_level() {
    let (exit, json) = check_json(SCORED);
    assert_eq!(exit, 1, "{json}");
    assert!(codes(&json).contains(&"uncovered-threat".to_string()));
    // `log-flood` is uncovered, but low likelihood and medium impact make its risk low.
    let (exit, json) = check_json_with(SCORED, &["--min-risk", "medium"]);
    assert_eq!(exit, 0, "{json}");
    assert!(!codes(&json).contains(&"uncovered-threat".to_string()));
    assert!(codes(&json).contains(&"unmitigated-threat".to_string()));
    assert_eq!(json["summary"]["uncovered_threats"], 1);
    let (exit, _) = check_json_with(SCORED, &["--min-risk", "low"]);
    assert_eq!(exit, 1);
}

#[test]
fn min_risk_rejects_an_unknown_level() {
    let r = run(&["check", SCORED, "--min-risk", "severe"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("critical"), "{}", r.stderr);
}

#[test]
fn the_json_export_gives_risk_and_residual_risk() {
    let r = run(&["export", SCORED, "--format", "json", "--today", TODAY]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let threat = |id: &str| {
        json["threats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
            .clone()
    };
    let stolen = threat("stolen-session");
    assert_eq!(
        (&stolen["risk"], &stolen["residual_risk"]),
        (&"critical".into(), &"medium".into())
    );
    let forged = threat("forged-order");
    assert_eq!(forged["likelihood"], serde_json::Value::Null);
    assert_eq!(
        (&forged["risk"], &forged["residual_risk"]),
        (&"high".into(), &"high".into())
    );
    let flood = threat("log-flood");
    assert_eq!(
        (&flood["risk"], &flood["residual_risk"]),
        (&"low".into(), &"low".into())
    );
}

#[test]
fn reports_sort_threats_by_residual_risk_and_sum_them_up() {
    let r = run(&["render", SCORED, "--today", TODAY]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = r.stdout;
    let at = |id: &str| {
        md.find(&format!("(`{id}`) |"))
            .unwrap_or_else(|| panic!("no row for {id}:\n{md}"))
    };
    assert!(at("forged-order") < at("stolen-session"));
    assert!(at("stolen-session") < at("log-flood"));
    let summary = &md[md.find("### Risk summary").expect("a risk summary")..];
    for row in [
        "| critical | 0 |",
        "| high | 1 |",
        "| medium | 1 |",
        "| low | 1 |",
    ] {
        assert!(summary.contains(row), "{row} in {summary}");
    }
    let r = run(&["render", SCORED, "--today", TODAY, "--format", "html"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("<h3>Risk summary</h3>"));
    let html = r.stdout;
    let row = |id: &str| html.find(&format!("<tr id=\"threat-{id}\">")).unwrap();
    assert!(
        row("forged-order") < row("stolen-session") && row("stolen-session") < row("log-flood")
    );
}
