//! The bundled `stride` knowledge base and its example model: the knowledge base is
//! complete (CWE, CAPEC and a recommended mitigation for every pattern), its variants
//! land where their selectors say, and a model that uses it has no STRIDE gaps.

use std::collections::BTreeSet;

use threatbook::model::{Date, Status};
use threatbook::{Code, Model, Project, Severity};

use crate::support::root;

const EXAMPLE: &str = "catalog/stride-example";

fn today() -> Date {
    Date::new(2026, 11, 27).unwrap()
}

fn checked(mut project: Project) -> Project {
    let mut options = threatbook::check::Options::new(today());
    options.stride_coverage = true;
    project.check(&options);
    project
}

fn messages(project: &Project, code: Option<Code>) -> Vec<String> {
    project
        .diagnostics
        .iter()
        .filter(|d| code.is_none_or(|c| d.code == c))
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

fn example() -> (Project, Model) {
    let mut project = checked(threatbook::open(&root().join(EXAMPLE)));
    let errors: Vec<String> = project
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "{EXAMPLE} has errors: {errors:?}");
    let model = project
        .model
        .take()
        .unwrap_or_else(|| panic!("{EXAMPLE} loads: {:?}", messages(&project, None)));
    (project, model)
}

/// Ids of the threats made from `pattern`, as `pattern@element`.
fn instances(model: &Model, pattern: &str) -> BTreeSet<String> {
    model
        .patterns
        .iter()
        .filter(|p| p.id == pattern)
        .flat_map(|p| p.instances.iter().map(|&t| model.threat(t).id.clone()))
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_example_loads_without_errors_and_has_no_stride_gaps() {
    let (project, model) = example();
    assert_eq!(
        messages(&project, Some(Code::StrideCoverage)),
        Vec::<String>::new()
    );
    assert!(messages(&project, Some(Code::StaleNotApplicable)).is_empty());
    assert_eq!(
        threatbook::check::Summary::of_model(&model, today()).stride_coverage_percent,
        Some(100)
    );
    let kbs: Vec<(&str, &str)> = model
        .knowledge_bases
        .iter()
        .map(|kb| (kb.id.as_str(), kb.origin.as_str()))
        .collect();
    assert_eq!(kbs, [("stride", "bundled")]);
    assert!(
        model.threats.iter().all(|t| t.pattern.is_some()),
        "every threat of the example comes from the knowledge base"
    );
}

#[test]
fn every_stride_pattern_has_cwe_capec_and_a_recommended_mitigation() {
    let (_, model) = example();
    assert!(!model.patterns.is_empty());
    let mut problems = Vec::new();
    for (i, pattern) in model.patterns.iter().enumerate() {
        if pattern.cwe.is_empty() {
            problems.push(format!("{}: no CWE", pattern.id));
        }
        if pattern.capec.is_empty() {
            problems.push(format!("{}: no CAPEC", pattern.id));
        }
        if pattern
            .description
            .as_deref()
            .unwrap_or("")
            .trim()
            .is_empty()
        {
            problems.push(format!("{}: no description", pattern.id));
        }
        let recommended = model
            .recommendations
            .iter()
            .any(|r| r.mitigates.iter().any(|&p| p.index() == i));
        if !recommended {
            problems.push(format!("{}: no recommended mitigation", pattern.id));
        }
    }
    for rec in &model.recommendations {
        if rec.references.is_empty() {
            problems.push(format!("{}: no reference", rec.id));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_general_patterns_alone_cover_every_kind_of_element() {
    // One zone, so no variant for boundaries, trust or data applies: the coverage
    // comes from the general pattern per kind and category.
    let manifest = "[project]\nname = \"Plain\"\n[knowledge]\nbases = [\"stride\"]\n";
    let model = r#"
[[zone]]
id = "office"
name = "Office"
trust = 5

[[component]]
id = "clerk"
name = "Clerk"
kind = "external-entity"
zone = "office"

[[component]]
id = "ledger-app"
name = "Ledger app"
kind = "process"
zone = "office"

[[component]]
id = "ledger"
name = "Ledger"
kind = "data-store"
zone = "office"

[[flow]]
id = "clerk-to-app"
name = "Entries"
from = "clerk"
to = "ledger-app"

[[flow]]
id = "app-to-ledger"
name = "Writes"
from = "ledger-app"
to = "ledger"
"#;
    let mut project = checked(threatbook::open_texts([
        ("threatbook.toml", manifest),
        ("model.toml", model),
    ]));
    assert!(
        messages(&project, Some(Code::StrideCoverage)).is_empty(),
        "{:?}",
        messages(&project, None)
    );
    let model = project.model.take().expect("the plain model loads");
    let on_store: BTreeSet<String> = model
        .threats
        .iter()
        .filter(|t| t.id.ends_with("@ledger"))
        .map(|t| t.id.clone())
        .collect();
    assert_eq!(
        on_store,
        set(&[
            "dos-data-store@ledger",
            "information-disclosure-data-store@ledger",
            "tampering-data-store@ledger",
        ]),
        "no variant matches a store in a mid-trust zone without an audit-log tag"
    );
}

#[test]
fn variants_match_only_the_elements_their_selectors_describe() {
    let (_, model) = example();
    // Unencrypted crossings: the syslog flow and the lateral export.
    assert_eq!(
        instances(&model, "cleartext-across-boundary"),
        set(&[
            "cleartext-across-boundary@booking-to-analytics",
            "cleartext-across-boundary@booking-to-audit",
        ])
    );
    // Of those, only the export carries confidential data.
    assert_eq!(
        instances(&model, "sensitive-data-crosses-unencrypted"),
        set(&["sensitive-data-crosses-unencrypted@booking-to-analytics"])
    );
    // Unauthenticated into an at least as trusted zone: inbound and lateral.
    assert_eq!(
        instances(&model, "spoofed-sender-across-boundary"),
        set(&[
            "spoofed-sender-across-boundary@booking-to-analytics",
            "spoofed-sender-across-boundary@booking-to-audit",
            "spoofed-sender-across-boundary@sms-receipts",
        ])
    );
    // ... and of those only the webhook reaches a process.
    assert_eq!(
        instances(&model, "unauthenticated-access-to-trusted-zone"),
        set(&["unauthenticated-access-to-trusted-zone@sms-receipts"])
    );
    // Sensitive data going to less trusted zones: responses to the app, reminders.
    assert_eq!(
        instances(&model, "sensitive-data-sent-to-less-trusted-zone"),
        set(&[
            "sensitive-data-sent-to-less-trusted-zone@booking-to-sms",
            "sensitive-data-sent-to-less-trusted-zone@gateway-to-app",
        ])
    );
    assert_eq!(
        instances(&model, "data-store-reachable-from-untrusted-zone"),
        set(&["data-store-reachable-from-untrusted-zone@app-upload"])
    );
    // Untrusted-zone components; the audit-log tag.
    assert_eq!(
        instances(&model, "low-trust-process-tampering"),
        set(&["low-trust-process-tampering@mobile-app"])
    );
    assert_eq!(
        instances(&model, "low-trust-data-store"),
        set(&["low-trust-data-store@app-cache"])
    );
    assert_eq!(
        instances(&model, "credential-theft-external-entity"),
        set(&["credential-theft-external-entity@patient"])
    );
    assert_eq!(
        instances(&model, "repudiation-log-store"),
        set(&["repudiation-log-store@audit-log"])
    );
    // No process runs in a highly trusted zone here.
    assert!(instances(&model, "privileged-process-compromise").is_empty());
    // The pattern marked not applicable on the database is instantiated there too, in
    // state not applicable, and nothing is recommended against it.
    assert_eq!(
        instances(&model, "dos-data-store"),
        set(&[
            "dos-data-store@analytics-warehouse",
            "dos-data-store@app-cache",
            "dos-data-store@audit-log",
            "dos-data-store@bookings-db",
            "dos-data-store@uploads-bucket",
        ])
    );
    let Some(threatbook::model::EntityRef::Threat(marked)) =
        model.lookup("dos-data-store@bookings-db")
    else {
        panic!("the marked instance is a threat");
    };
    assert!(model.threat(marked).not_applicable);
    assert!(model.threat(marked).mitigations.is_empty());
    assert_eq!(
        model.coverage(
            marked,
            threatbook::model::Date::parse("2027-01-01").unwrap()
        ),
        threatbook::model::Coverage::NotApplicable
    );
}

#[test]
fn the_example_sets_recommended_mitigation_statuses_per_element() {
    let (_, model) = example();
    let status = |id: &str| {
        model
            .mitigations
            .iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("no mitigation {id}"))
            .status
    };
    assert_eq!(status("encrypt-channel@app-to-gateway"), Status::Verified);
    assert_eq!(
        status("encrypt-channel@booking-to-analytics"),
        Status::Planned
    );
    // Not named by any entry: the default.
    assert_eq!(status("encrypt-channel@patient-uses-app"), Status::Proposed);
    // An entry naming an element overrides the model-wide one there.
    assert_eq!(
        status("mutual-service-authentication@booking-service"),
        Status::Implemented
    );
    assert_eq!(
        status("mutual-service-authentication@api-gateway"),
        Status::Planned
    );
    // A model-wide entry reaches every element it was recommended for.
    let authz: Vec<Status> = model
        .mitigations
        .iter()
        .filter(|m| m.id.starts_with("server-side-authorization@"))
        .map(|m| m.status)
        .collect();
    assert!(authz.len() > 1, "{authz:?}");
    assert!(authz.iter().all(|&s| s == Status::Implemented), "{authz:?}");
}
