//! The bundled FastAPI model: it loads, the bundled `fastapi` knowledge base gives it
//! exactly the threats and mitigations of the reference analysis, and its report reads
//! as the snapshot shows.

use std::collections::{BTreeMap, BTreeSet};

use threatbook::model::{Choice, Target};

use crate::support::{TODAY, check_json, codes, run};

const MODEL: &str = "catalog/fastapi";

/// The one threat the analysis proposes no countermeasure for.
const GAP: &str = "router-starlette-routing-flaws@router";

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
    assert!(errors[0].contains(&format!("`{GAP}`")), "{errors:?}");
    assert_eq!(code, 1, "an uncovered threat fails the check");
    assert!(
        !codes(&json)
            .iter()
            .any(|c| c == "orphan-component" || c == "unused-mitigation")
    );
    let gap = model();
    let t = gap.threats.iter().find(|t| t.id == GAP).unwrap();
    assert!(
        t.description
            .as_deref()
            .unwrap_or("")
            .contains("offers no countermeasure"),
        "the gap is explained in the threat's description"
    );
}

/// The threats of the model as it was written before the knowledge base existed, one per
/// implication of the analysis: `threat: the components and flows it targeted` (an
/// indented line continues the one before).
const ANALYSIS_THREATS: &str = "
router-permissive-route-access: router
router-starlette-routing-flaws: router
di-insecure-injected-dependency: dependency-injection
di-flawed-auth-dependency: security-utilities
di-sensitive-state-lifetime: dependency-injection
middleware-missing-security-layers: middleware-pipeline
middleware-wrong-order: middleware-pipeline
middleware-custom-code-flaws: middleware-pipeline
path-op-injection-and-logic-flaws: path-operations
path-op-missing-authorization: path-operations
response-sensitive-data-leak: response-handling
response-missing-security-headers: response-handling
pydantic-custom-validator-flaws: pydantic-models
pydantic-overreliance: pydantic-models
pydantic-serialization-overexposure: pydantic-models
exception-default-handler-leak: exception-handling
exception-unhandled-instability: exception-handling
openapi-api-reconnaissance: openapi-docs
openapi-sensitive-descriptions: openapi-docs
app-insecure-configuration: fastapi-app router
app-inconsistent-router-security: fastapi-app router
security-utility-misconfiguration: security-utilities
background-task-abuse: background-tasks
cors-overly-permissive: cors-middleware
static-files-sensitive-exposure: static-files
template-xss: jinja2-templates
websocket-unauthorized-access: websocket-endpoints
flow-cleartext-client-traffic: client-request server-response websocket-client-messages
    websocket-server-messages static-to-client openapi-to-client
flow-middleware-data-mishandling: asgi-to-cors cors-to-middleware middleware-to-router
    response-to-middleware middleware-to-cors-response cors-to-asgi-response
flow-backend-exchange-unprotected: path-operation-to-backends background-to-backends
flow-data-at-rest-exposure: path-operation-to-database background-to-database app-database
    log-storage server-access-logs path-operation-logs exception-logs
flow-sensitive-data-logged: server-access-logs path-operation-logs exception-logs
";

/// Its mitigations, one per bullet of the analysis: `mitigation status: the threats it
/// mitigated`.
const ANALYSIS_MITIGATIONS: &str = "
route-auth-dependencies verified: router-permissive-route-access di-flawed-auth-dependency
    app-inconsistent-router-security
least-privilege-route-access planned: router-permissive-route-access
routing-config-review proposed: router-permissive-route-access
    app-inconsistent-router-security
vet-injected-dependencies proposed: di-insecure-injected-dependency
secure-dependency-code implemented: di-insecure-injected-dependency
    di-flawed-auth-dependency
scoped-dependency-lifecycles implemented: di-sensitive-state-lifetime
cors-middleware-enabled implemented: middleware-missing-security-layers
    cors-overly-permissive
security-headers-middleware implemented: middleware-missing-security-layers
    response-missing-security-headers flow-cleartext-client-traffic
rate-limiting-middleware planned: middleware-missing-security-layers
middleware-ordering implemented: middleware-wrong-order flow-middleware-data-mishandling
custom-middleware-testing proposed: middleware-custom-code-flaws
    flow-middleware-data-mishandling
business-rule-validation implemented: path-op-injection-and-logic-flaws
    pydantic-overreliance
input-neutralisation implemented: path-op-injection-and-logic-flaws
    di-insecure-injected-dependency pydantic-overreliance template-xss
object-level-authorization planned: path-op-missing-authorization
externalised-secrets implemented: path-op-injection-and-logic-flaws
    security-utility-misconfiguration flow-data-at-rest-exposure
sanitised-error-responses implemented: response-sensitive-data-leak
    exception-default-handler-leak
response-header-policy proposed: response-missing-security-headers
    response-sensitive-data-leak
strict-pydantic-models verified: pydantic-custom-validator-flaws
    path-op-injection-and-logic-flaws
pydantic-custom-validators implemented: pydantic-custom-validator-flaws
    pydantic-overreliance
explicit-response-models implemented: pydantic-serialization-overexposure
    response-sensitive-data-leak
global-exception-handler implemented: exception-default-handler-leak
    response-sensitive-data-leak exception-unhandled-instability
exception-logging-hygiene planned: flow-sensitive-data-logged
restrict-openapi-access planned: openapi-api-reconnaissance openapi-sensitive-descriptions
docs-content-review proposed: openapi-sensitive-descriptions
hardened-app-settings implemented: app-insecure-configuration exception-default-handler-leak
router-level-dependencies implemented: app-inconsistent-router-security
    router-permissive-route-access
security-utility-guidance implemented: security-utility-misconfiguration
    di-flawed-auth-dependency
security-secret-storage planned: security-utility-misconfiguration
auth-flow-tests proposed: security-utility-misconfiguration di-flawed-auth-dependency
    path-op-missing-authorization
background-task-authorization proposed: background-task-abuse
background-task-data-protection proposed: background-task-abuse
cors-origin-allowlist implemented: cors-overly-permissive
static-directory-selection implemented: static-files-sensitive-exposure
no-sensitive-files-in-static proposed: static-files-sensitive-exposure
template-autoescaping verified: template-xss
websocket-authentication planned: websocket-unauthorized-access
websocket-message-validation proposed: websocket-unauthorized-access
enforce-https verified: flow-cleartext-client-traffic
secure-service-connections implemented: flow-backend-exchange-unprotected
    flow-data-at-rest-exposure background-task-abuse
encryption-at-rest planned: flow-data-at-rest-exposure
log-redaction implemented: flow-sensitive-data-logged
";

/// Parses one of the tables above into `(key words, values)` entries.
fn table(text: &str) -> Vec<(Vec<&str>, BTreeSet<&str>)> {
    let mut entries: Vec<(Vec<&str>, BTreeSet<&str>)> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if line.starts_with(' ') {
            let last = entries
                .last_mut()
                .expect("a continued line follows an entry");
            last.1.extend(line.split_whitespace());
        } else {
            let (key, values) = line.split_once(':').expect("`key: values`");
            entries.push((
                key.split_whitespace().collect(),
                values.split_whitespace().collect(),
            ));
        }
    }
    entries
}

/// Splits an instance id `base@element`.
fn instance(id: &str) -> (&str, &str) {
    id.split_once('@')
        .unwrap_or_else(|| panic!("`{id}` is not an instance id"))
}

#[test]
fn kb_show_fastapi_lists_every_point_of_the_analysis() {
    let list = run(&["kb", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(
        list.stdout
            .contains("| fastapi | FastAPI application security | 1.0 | 32 | 41 |"),
        "{}",
        list.stdout
    );
    let show = run(&["kb", "show", "fastapi"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(show.stdout.contains("## Patterns (32)"), "{}", show.stdout);
    assert!(
        show.stdout.contains("## Mitigations (41)"),
        "{}",
        show.stdout
    );
    for (key, _) in table(ANALYSIS_THREATS)
        .iter()
        .chain(&table(ANALYSIS_MITIGATIONS))
    {
        assert!(
            show.stdout.contains(&format!("### `{}`: ", key[0])),
            "{} missing from kb show",
            key[0]
        );
    }
    // The folder inside the example is the same knowledge base, read from disk.
    let folder = run(&["kb", "show", "catalog/fastapi/kb"]);
    assert_eq!(folder.code, 0, "{}", folder.stderr);
    assert_eq!(
        folder.stdout.replace("; catalog/fastapi/kb.", "; bundled."),
        show.stdout
    );
}

#[test]
fn the_knowledge_base_gives_the_model_exactly_the_threats_of_the_analysis() {
    let m = model();
    let kb = m
        .knowledge_bases
        .iter()
        .find(|kb| kb.id == "fastapi")
        .expect("the model uses the fastapi knowledge base");
    let analysis: BTreeMap<&str, BTreeSet<&str>> = table(ANALYSIS_THREATS)
        .into_iter()
        .map(|(key, targets)| (key[0], targets))
        .collect();
    assert_eq!(analysis.len(), 32, "32 implications in the analysis");

    // One pattern per threat of the analysis, and each one instantiated.
    let patterns: BTreeSet<&str> = kb
        .patterns
        .iter()
        .map(|p| m.pattern(*p).id.as_str())
        .collect();
    assert_eq!(patterns, analysis.keys().copied().collect());
    for p in &kb.patterns {
        assert!(
            !m.pattern(*p).instances.is_empty(),
            "pattern {} matches nothing in the example",
            m.pattern(*p).id
        );
    }

    // Every threat is an instance `pattern@element` on exactly the elements the
    // threat of the analysis targeted.
    let mut found: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for t in &m.threats {
        let (base, element) = instance(&t.id);
        let pattern = m.pattern(t.pattern.expect("every threat comes from a pattern"));
        assert_eq!(pattern.id, base, "{}", t.id);
        assert_eq!(t.targets.len(), 1, "{}", t.id);
        assert_eq!(m.target_id(t.targets[0]), element, "{}", t.id);
        assert_eq!(
            (&t.title, t.category, t.severity),
            (&pattern.title, pattern.category, pattern.severity)
        );
        found.entry(base).or_default().insert(element);
    }
    assert_eq!(found, analysis);
    let on_components = kb
        .patterns
        .iter()
        .filter(|p| {
            m.pattern(**p)
                .instances
                .iter()
                .all(|t| matches!(m.threat(*t).targets[0], Target::Component(_)))
        })
        .count();
    assert_eq!(on_components, 27, "27 implications of components");
}

#[test]
fn every_recommended_mitigation_is_instantiated_with_the_status_of_the_analysis() {
    let m = model();
    let kb = m
        .knowledge_bases
        .iter()
        .find(|kb| kb.id == "fastapi")
        .unwrap();
    let analysis = table(ANALYSIS_MITIGATIONS);
    assert_eq!(analysis.len(), 41, "41 bullets of mitigation strategies");
    let recommended: BTreeSet<&str> = kb
        .recommendations
        .iter()
        .map(|r| m.recommendation(*r).id.as_str())
        .collect();
    assert_eq!(
        recommended,
        analysis.iter().map(|(key, _)| key[0]).collect()
    );
    let instances: BTreeSet<&str> = m.mitigations.iter().map(|x| instance(&x.id).0).collect();
    assert_eq!(
        instances, recommended,
        "every recommendation is instantiated"
    );

    for (key, mitigated) in &analysis {
        let (id, status) = (key[0], key[1]);
        let mine: Vec<_> = m
            .mitigations
            .iter()
            .filter(|x| instance(&x.id).0 == id)
            .collect();
        for x in &mine {
            assert_eq!(x.status.as_str(), status, "{}", x.id);
            assert!(x.owner.is_some(), "{} has an owner", x.id);
        }
        // It mitigates every instance of the threats it mitigated, on that element.
        let want: BTreeSet<String> = m
            .threats
            .iter()
            .filter(|t| mitigated.contains(instance(&t.id).0))
            .map(|t| t.id.clone())
            .collect();
        let got: BTreeSet<String> = mine
            .iter()
            .flat_map(|x| {
                x.mitigates.iter().map(|t| {
                    let t = &m.threat(*t).id;
                    assert_eq!(
                        instance(t).1,
                        instance(&x.id).1,
                        "{} on its own element",
                        x.id
                    );
                    t.clone()
                })
            })
            .collect();
        assert_eq!(got, want, "{id}");
    }
    // The documented gap is the only threat without a mitigation.
    let bare: Vec<&str> = m
        .threats
        .iter()
        .filter(|t| t.mitigations.is_empty())
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(bare, [GAP]);
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
            "## Appendix: knowledge bases",
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

#[test]
fn the_fastapi_headline_counts_each_threat_once_in_its_state() {
    let (code, json) = crate::support::check_json_with("catalog/fastapi", &[]);
    assert_eq!(code, 1, "the example keeps one uncovered threat on purpose");
    let s = &json["summary"];
    let state = |key: &str| s[key].as_u64().unwrap_or_else(|| panic!("{key}: {s}"));
    let states = [
        ("mitigated_threats", 47),
        ("accepted_threats", 0),
        ("not_applicable_threats", 0),
        ("planned_threats", 4),
        ("proposed_only_threats", 1),
        ("acceptance_expired_threats", 0),
        ("uncovered_threats", 1),
    ];
    for (key, want) in states {
        assert_eq!(state(key), want, "{key}");
    }
    let sum: u64 = states.iter().map(|(k, _)| state(k)).sum();
    assert_eq!(
        sum,
        state("threats"),
        "every threat is in exactly one state"
    );
    // 47 of 53, rounded down: proposed and planned mitigations do not count.
    assert_eq!(state("mitigated_percent"), 88);
}
