//! `threatbook paths`: attack paths through cycles and self-loops, unreachable stores,
//! k shortest paths to one target, and the reports' short section.

use crate::support::{TODAY, run};

const BRANCHING: &str = "tests/fixtures/paths/branching";

fn paths_json(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["paths", BRANCHING, "--format", "json", "--today", TODAY];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

fn components(path: &serde_json::Value) -> Vec<&str> {
    path["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect()
}

#[test]
fn each_reachable_target_gets_its_shortest_path_unprotected_ones_first() {
    let json = paths_json(&[]);
    assert_eq!(json["sources"], serde_json::json!(["user", "partner"]));
    assert_eq!(
        json["targets"],
        serde_json::json!(["db", "cache", "archive"])
    );
    assert_eq!(json["unreachable"], serde_json::json!(["archive"]));
    let paths = json["paths"].as_array().unwrap();
    assert_eq!(paths.len(), 2, "{json}");
    // The cache has no threats, and the API an uncovered one: nothing protects the path.
    assert_eq!(components(&paths[0]), ["partner", "api", "cache"]);
    assert_eq!(paths[0]["unprotected"], true);
    assert_eq!(paths[0]["open_threats"], serde_json::json!(["sqli"]));
    // The database's threat is mitigated, so its last hop is protected.
    assert_eq!(components(&paths[1]), ["user", "web", "db"]);
    assert_eq!(paths[1]["flows"], serde_json::json!(["login", "web-db"]));
    assert_eq!(paths[1]["unprotected"], false);
    assert_eq!(paths[1]["open_threats"], serde_json::json!(["xss"]));
    // Each step says how protected it is and what risk is left there.
    let steps = |p: &serde_json::Value| -> Vec<(String, String, serde_json::Value)> {
        p["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["flow"].as_str().unwrap().to_string(),
                    s["protection"].as_str().unwrap().to_string(),
                    s["residual_risk"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        steps(&paths[0]),
        [
            ("partner-api".into(), "unprotected".into(), "high".into()),
            (
                "api-cache".into(),
                "unprotected".into(),
                serde_json::Value::Null
            ),
        ]
    );
    assert_eq!(
        steps(&paths[1]),
        [
            ("login".into(), "unprotected".into(), "medium".into()),
            ("web-db".into(), "protected".into(), "high".into()),
        ]
    );
}

#[test]
fn a_step_with_one_verified_mitigation_among_open_threats_is_partly_protected() {
    // A webhook whose signature check is verified, while a flood threat on the same
    // flow is only proposed: the path is not fully unprotected.
    let model = r#"
[[zone]]
id = "internet"
name = "Internet"
trust = 0

[[zone]]
id = "dc"
name = "Data centre"
trust = 8

[[component]]
id = "provider"
name = "Payment provider"
kind = "external-entity"
zone = "internet"

[[component]]
id = "orders"
name = "Orders database"
kind = "data-store"
zone = "dc"

[[flow]]
id = "webhook"
name = "Payment webhook"
from = "provider"
to = "orders"
encrypted = true
authenticated = true

[[threat]]
id = "forged-webhook"
title = "Forged payment notification"
category = "spoofing"
targets = ["webhook"]
severity = "high"

[[threat]]
id = "webhook-flood"
title = "Flood of notifications"
category = "denial-of-service"
targets = ["webhook"]
severity = "medium"

[[mitigation]]
id = "signature-check"
title = "Verify the provider's signature"
mitigates = ["forged-webhook"]
status = "verified"
reduces = 2

[[mitigation]]
id = "rate-limit"
title = "Rate-limit the webhook"
mitigates = ["webhook-flood"]
status = "proposed"
"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("threatbook.toml"),
        "[project]\nname = \"Webhook\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("model.toml"), model).unwrap();
    let path = dir.path().to_str().unwrap();
    let r = run(&["paths", path, "--format", "json", "--today", TODAY]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let p = &json["paths"][0];
    assert_eq!(p["unprotected"], false, "{json}");
    assert_eq!(p["steps"][0]["protection"], "partial");
    assert_eq!(p["steps"][0]["handled"], 1);
    assert_eq!(p["steps"][0]["threats"], 2);
    // The forged webhook is down from high to low; the flood stays medium.
    assert_eq!(p["steps"][0]["residual_risk"], "medium");
    assert_eq!(p["open_threats"], serde_json::json!(["webhook-flood"]));
    let text = run(&["paths", path, "--today", TODAY]);
    assert!(
        text.stdout.contains(
            "step webhook -> orders: partly protected (1 of 2 threats mitigated or accepted, residual risk medium)"
        ),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("(0 fully unprotected)"),
        "{}",
        text.stdout
    );
}

#[test]
fn k_shortest_paths_to_one_target_are_simple_and_in_order() {
    let json = paths_json(&["--to", "db", "-k", "3"]);
    let paths = json["paths"].as_array().unwrap();
    let got: Vec<Vec<&str>> = paths.iter().map(components).collect();
    assert_eq!(
        got,
        [
            vec!["user", "web", "db"],
            vec!["partner", "api", "db"],
            vec!["user", "web", "api", "db"],
        ]
    );
    for p in &got {
        let mut seen = p.clone();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), p.len(), "{p:?} repeats a component");
    }
    // Asking for more than exist stops at what exists: 4 simple paths reach the store.
    let all = paths_json(&["--to", "db", "-k", "50"]);
    assert_eq!(all["paths"].as_array().unwrap().len(), 4, "{all}");
    let from = paths_json(&["--to", "db", "--from", "partner", "-k", "5"]);
    let got: Vec<Vec<&str>> = from["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(components)
        .collect();
    assert_eq!(
        got,
        [
            vec!["partner", "api", "db"],
            vec!["partner", "api", "web", "db"]
        ]
    );
}

#[test]
fn an_unreachable_target_has_no_paths() {
    let json = paths_json(&["--to", "archive"]);
    assert_eq!(json["paths"], serde_json::json!([]));
    assert_eq!(json["unreachable"], serde_json::json!(["archive"]));
}

#[test]
fn ids_that_are_not_sources_or_targets_are_refused() {
    for (flag, id, says) in [
        ("--from", "web", "not a source"),
        ("--to", "user", "not a target"),
        ("--to", "nowhere", "not a component"),
        // Each names what would do: the closest ids, or the few there are.
        (
            "--to",
            "archiv",
            "not a component of the model; did you mean `archive`?",
        ),
        ("--from", "partnr", "did you mean `partner`?"),
        ("--from", "web", "; the sources are `"),
        ("--to", "cach", "did you mean `cache`?"),
    ] {
        let r = run(&["paths", BRANCHING, flag, id]);
        assert_eq!(r.code, 2, "{flag} {id}");
        assert!(r.stderr.contains(says), "{flag} {id}: {}", r.stderr);
    }
}

#[test]
fn the_text_listing_names_paths_and_unreachable_targets() {
    let r = run(&["paths", BRANCHING, "--today", TODAY]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(
            "2 sources, 3 targets: 2 paths (1 fully unprotected), 1 target unreachable\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("1. partner -> api -> cache  [fully unprotected]")
    );
    assert!(r.stdout.contains("\nunreachable: archive\n"));
}

#[test]
fn reports_show_the_top_paths_only_when_there_are_some() {
    let r = run(&["render", BRANCHING, "--today", TODAY]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("### Attack paths"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("| `partner` → `api` → `cache` (**fully unprotected**) | `partner-api`: unprotected, high; `api-cache`: unprotected, no threats | `sqli` |"),
        "{}",
        r.stdout
    );
    let none = run(&["render", "tests/fixtures/valid/minimal", "--today", TODAY]);
    assert!(!none.stdout.contains("Attack paths"), "{}", none.stdout);
}

#[test]
fn a_model_that_does_not_load_or_a_k_of_zero_is_refused() {
    let broken = run(&["paths", "tests/fixtures/invalid/dangling-reference"]);
    assert_eq!(broken.code, 2, "{}", broken.stderr);
    assert!(
        broken.stderr.contains("could not be loaded"),
        "{}",
        broken.stderr
    );
    assert!(broken.stdout.is_empty(), "{}", broken.stdout);
    let zero = run(&["paths", BRANCHING, "--to", "db", "-k", "0"]);
    assert_eq!(zero.code, 2, "{}", zero.stderr);
}
