//! The bundled FastAPI model: it loads, it covers the reference analysis, and its report
//! reads as the snapshot shows.

use crate::support::{TODAY, check_json, codes, run};

const MODEL: &str = "catalog/fastapi";

fn model() -> threatbook::Model {
    let project = threatbook::open(&crate::support::root().join(MODEL));
    let errors: Vec<_> = project
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect();
    project
        .model
        .unwrap_or_else(|| panic!("the FastAPI model must load: {errors:?}"))
}

#[test]
fn it_loads_cleanly_and_its_only_uncovered_threat_is_the_documented_gap() {
    let (code, json) = check_json(MODEL);
    assert_eq!(json["loaded"], true);
    let errors: Vec<_> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("router-starlette-routing-flaws"),
        "{errors:?}"
    );
    assert_eq!(code, 1, "an uncovered threat fails the check");
    assert!(
        !codes(&json)
            .iter()
            .any(|c| c == "orphan-component" || c == "unused-mitigation")
    );
    let gap = model();
    let t = gap
        .threats
        .iter()
        .find(|t| t.id == "router-starlette-routing-flaws")
        .unwrap();
    assert!(
        t.description
            .as_deref()
            .unwrap_or("")
            .contains("offers no countermeasure"),
        "the gap is explained in the threat's description"
    );
}

#[test]
fn it_has_the_threats_and_mitigations_of_the_analysis() {
    let m = model();
    let on_components = m
        .threats
        .iter()
        .filter(|t| {
            t.targets
                .iter()
                .all(|x| matches!(x, threatbook::model::Target::Component(_)))
        })
        .count();
    assert_eq!(m.threats.len(), 32);
    assert_eq!(on_components, 27, "27 implications of components");
    assert_eq!(
        m.threats.len() - on_components,
        5,
        "5 implications of data flows"
    );
    assert!(
        (38..=45).contains(&m.mitigations.len()),
        "about 40 mitigations: {}",
        m.mitigations.len()
    );
    for mitigation in &m.mitigations {
        assert!(
            !mitigation.mitigates.is_empty(),
            "{} mitigates nothing",
            mitigation.id
        );
    }
}

#[test]
fn every_framework_part_the_analysis_names_is_a_component_with_threats() {
    let m = model();
    let with_threats: Vec<String> = m
        .component_ids()
        .filter(|c| !m.component(*c).threats.is_empty())
        .map(|c| m.component(c).name.to_lowercase())
        .collect();
    for part in [
        "router",
        "dependency injection",
        "middleware",
        "path operation",
        "response",
        "pydantic",
        "exception",
        "openapi",
        "apirouter",
        "security utilities",
        "background tasks",
        "cors",
        "static files",
        "templates",
        "websocket",
    ] {
        assert!(
            with_threats.iter().any(|n| n.contains(part)),
            "no component named like `{part}` carries threats: {with_threats:?}"
        );
    }
}

#[test]
fn the_report_matches_its_snapshot() {
    let r = run(&["render", MODEL, "--format", "md", "--today", TODAY]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("fastapi-report-md", r.stdout);
    });
}

#[test]
fn the_report_follows_the_shape_of_the_analysis() {
    let r = run(&["render", MODEL, "--today", TODAY]);
    let headings: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        [
            "## 1. Objective, scope and methodology",
            "## 2. System overview",
            "## 3. Security implications of the components",
            "## 4. Security implications of the data flows",
            "## 5. Mitigation strategies",
            "## 6. Coverage",
            "## 7. Conclusion",
        ]
    );
    let m = model();
    for t in &m.threats {
        assert!(
            r.stdout.contains(&format!("(`{}`)", t.id)),
            "threat {} missing from the report",
            t.id
        );
    }
    for x in &m.mitigations {
        assert!(
            r.stdout.contains(&format!("(`{}`)", x.id)),
            "mitigation {} missing",
            x.id
        );
    }
}
