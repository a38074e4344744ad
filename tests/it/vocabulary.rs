//! Knowledge that finds its own targets: models written by people who never read the
//! knowledge bases, the vocabulary (normalised words, synonyms, implied roles), the
//! selector forms for real architectures, refinement and equivalence between knowledge
//! bases, and near-miss notes.

use std::collections::BTreeSet;
use std::path::Path;

use threatbook::Model;
use threatbook::diag::Code;

use crate::support::root;

/// A diagnostic as the tests look at it: code, message, help lines.
type Said = Vec<(Code, String, Vec<String>)>;

fn open(dir: &Path) -> (Model, Said) {
    let mut project = threatbook::open(dir);
    let errors: Vec<String> = project
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    project.check(&threatbook::check::Options::new(
        threatbook::model::Date::parse("2026-12-01").unwrap(),
    ));
    let diags = project
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.clone(), d.help.clone()))
        .collect();
    let model = project
        .model
        .unwrap_or_else(|| panic!("{} loads: {errors:?}", dir.display()));
    (model, diags)
}

/// The given files written into a fresh temporary folder.
fn folder_of(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// A model folder written from the given files, loaded and checked.
fn model_of(files: &[(&str, &str)]) -> (tempfile::TempDir, Model, Said) {
    let dir = folder_of(files);
    let (model, diags) = open(dir.path());
    (dir, model, diags)
}

fn instances(model: &Model, kb: &str) -> BTreeSet<String> {
    model
        .threats
        .iter()
        .filter(|t| {
            t.pattern.is_some_and(|p| {
                model.knowledge_bases[model.patterns[p.index()].kb.index()].id == kb
            })
        })
        .map(|t| t.id.clone())
        .collect()
}

/// The models in tests/fixtures/blind were written from the README and docs alone by
/// people who had not read the knowledge bases, each with the threats of the reference
/// analysis they expected per element written down before threatbook ran on it. The
/// first three from the docs before the vocabulary existed, `saas-gateway` from the docs
/// that describe it.
const BLIND: [&str; 4] = [
    "monolith-proxy",
    "split-parts",
    "workers-queues",
    "saas-gateway",
];

#[test]
fn blind_models_get_the_fastapi_threats_their_authors_expected() {
    let (mut hit, mut expected_total, mut found_total) = (0, 0, 0);
    for name in BLIND {
        let dir = root().join("tests/fixtures/blind");
        let text = std::fs::read_to_string(dir.join(format!("{name}.expected.toml"))).unwrap();
        let doc: toml::Table = text.parse().unwrap();
        let mut expected = BTreeSet::new();
        for e in doc["expect"].as_array().unwrap() {
            let element = e["element"].as_str().unwrap();
            for t in e["threats"].as_array().unwrap() {
                expected.insert(format!("{}@{element}", t.as_str().unwrap()));
            }
        }
        let (model, _) = open(&dir.join(name));
        let found = instances(&model, "fastapi");
        let both = expected.intersection(&found).count();
        let recall = both as f64 / expected.len() as f64;
        let precision = both as f64 / found.len() as f64;
        // Per model, authors disagree on a few placements (see the closing notes of
        // issue 12); together, at least nine in ten either way.
        assert!(
            recall >= 0.85 && precision >= 0.85,
            "{name}: recall {recall:.2}, precision {precision:.2}\nmissed: {:?}\nextra: {:?}",
            expected.difference(&found).collect::<Vec<_>>(),
            found.difference(&expected).collect::<Vec<_>>()
        );
        // `cargo test --test it blind_models -- --nocapture` prints the figures.
        eprintln!(
            "{name}: recall {both}/{} = {:.0} %, precision {both}/{} = {:.0} %",
            expected.len(),
            100.0 * recall,
            found.len(),
            100.0 * precision
        );
        hit += both;
        expected_total += expected.len();
        found_total += found.len();
    }
    let (recall, precision) = (
        hit as f64 / expected_total as f64,
        hit as f64 / found_total as f64,
    );
    eprintln!(
        "all: recall {hit}/{expected_total} = {:.0} %, precision {hit}/{found_total} = {:.0} %",
        100.0 * recall,
        100.0 * precision
    );
    assert!(
        recall >= 0.9 && precision >= 0.9,
        "recall {recall:.2}, precision {precision:.2}"
    );
}

#[test]
fn no_element_gets_two_equivalent_mitigations_from_both_knowledge_bases() {
    for name in BLIND {
        let (model, _) = open(&root().join("tests/fixtures/blind").join(name));
        let mut merged = 0;
        for m in &model.mitigations {
            let Some(r) = m.recommendation else { continue };
            for other in &model.recommendations[r.index()].same_as {
                let element = m.id.split_once('@').unwrap().1;
                let twin = format!("{}@{element}", model.recommendations[other.index()].id);
                assert!(
                    !model.mitigations.iter().any(|n| n.id == twin),
                    "{name}: `{}` and `{twin}` on one element",
                    m.id
                );
            }
            merged += m.also.len();
        }
        assert!(
            merged > 0,
            "{name}: some equivalent mitigations met and were merged"
        );
    }
}

const MANIFEST: &str =
    "[project]\nname = \"Shop\"\n\n[knowledge]\nbases = [\"fastapi\", \"stride\"]\n";

const ZONES: &str = r#"
[[zone]]
id = "internet"
name = "Internet"
trust = 0

[[zone]]
id = "app"
name = "Application"
trust = 6

[[zone]]
id = "data"
name = "Data"
trust = 8
"#;

fn component(id: &str, kind: &str, zone: &str, technology: &str, tags: &[&str]) -> String {
    let tags: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
    format!(
        "[[component]]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"{kind}\"\nzone = \"{zone}\"\ntechnology = \"{technology}\"\ntags = [{}]\n\n",
        tags.join(", ")
    )
}

fn flow(id: &str, from: &str, to: &str, protocol: &str) -> String {
    format!(
        "[[flow]]\nid = \"{id}\"\nname = \"{id}\"\nfrom = \"{from}\"\nto = \"{to}\"\nprotocol = \"{protocol}\"\nencrypted = true\nauthenticated = true\n\n"
    )
}

#[test]
fn words_match_whatever_their_case_plural_separator_or_synonym() {
    let components = [
        component(
            "shop",
            "process",
            "app",
            "FastAPI + Jinja2Templates",
            &["WebSockets", "Auth", "Exception_Handlers", "routing"],
        ),
        component(
            "logs",
            "data-store",
            "data",
            "Managed log service",
            &["logs"],
        ),
    ]
    .concat();
    let (_dir, model, _) = model_of(&[
        ("threatbook.toml", MANIFEST),
        ("zones.toml", ZONES),
        ("components.toml", &components),
        ("flows.toml", &flow("shop-logs", "shop", "logs", "HTTPS")),
    ]);
    let got = instances(&model, "fastapi");
    for want in [
        "websocket-unauthorized-access@shop",
        "security-utility-misconfiguration@shop",
        "exception-default-handler-leak@shop",
        "template-xss@shop",
        "flow-sensitive-data-logged@shop-logs",
        "flow-data-at-rest-exposure@logs",
    ] {
        assert!(got.contains(want), "{want} missing from {got:?}");
    }
}

#[test]
fn a_fastapi_application_has_its_core_roles_until_the_model_describes_it_in_parts() {
    let whole = component("api", "process", "app", "FastAPI 0.115", &[]);
    let (_dir, model, _) = model_of(&[
        ("threatbook.toml", MANIFEST),
        ("zones.toml", ZONES),
        ("components.toml", &whole),
    ]);
    let got = instances(&model, "fastapi");
    for want in [
        "router-permissive-route-access@api",
        "response-sensitive-data-leak@api",
        "exception-default-handler-leak@api",
        "app-insecure-configuration@api",
        "di-insecure-injected-dependency@api",
    ] {
        assert!(got.contains(want), "{want} missing from {got:?}");
    }
    // Optional parts never come from the technology alone.
    assert!(!got.contains("cors-overly-permissive@api"));
    assert!(!got.contains("websocket-unauthorized-access@api"));
    assert_eq!(model.implied_roles[0].len(), 9);

    // One component alone is the whole application, even with a role tag.
    let alone = component("api", "process", "app", "FastAPI", &["api-docs"]);
    let (_dir, model, _) = model_of(&[
        ("threatbook.toml", MANIFEST),
        ("zones.toml", ZONES),
        ("components.toml", &alone),
    ]);
    let got = instances(&model, "fastapi");
    assert!(got.contains("openapi-api-reconnaissance@api"));
    assert!(
        got.contains("router-permissive-route-access@api"),
        "{got:?}"
    );

    let parts = [
        component("router", "process", "app", "FastAPI", &["routing"]),
        component("cors", "process", "app", "FastAPI", &["cors"]),
    ]
    .concat();
    let (_dir, model, _) = model_of(&[
        ("threatbook.toml", MANIFEST),
        ("zones.toml", ZONES),
        ("components.toml", &parts),
    ]);
    let got = instances(&model, "fastapi");
    assert!(got.contains("router-permissive-route-access@router"));
    assert!(got.contains("cors-overly-permissive@cors"));
    assert!(!got.contains("response-sensitive-data-leak@router"));
    assert!(
        !got.iter()
            .any(|t| t.starts_with("router-") && t.ends_with("@cors"))
    );
}

#[test]
fn client_traffic_is_followed_through_proxies_and_partners_are_not_clients() {
    let components = [
        component("browser", "external-entity", "internet", "Web browser", &[]),
        component(
            "stripe",
            "external-entity",
            "internet",
            "Payment API",
            &["saas"],
        ),
        component("cdn", "process", "internet", "CDN", &[]),
        component(
            "customer-hook",
            "external-entity",
            "internet",
            "Customer webhook endpoint",
            &[],
        ),
        component("api", "process", "app", "FastAPI", &[]),
        component("db", "data-store", "data", "PostgreSQL 16", &[]),
    ]
    .concat();
    let flows = [
        flow("browser-cdn", "browser", "cdn", "HTTPS"),
        flow("cdn-api", "cdn", "api", "HTTPS"),
        flow("stripe-api", "stripe", "api", "HTTPS"),
        flow("api-stripe", "api", "stripe", "HTTPS"),
        flow("api-db", "api", "db", "PostgreSQL over TLS"),
        flow("api-api", "api", "api", "in-process call"),
    ]
    .concat();
    let (_dir, model, _) = model_of(&[
        ("threatbook.toml", MANIFEST),
        ("zones.toml", ZONES),
        ("components.toml", &components),
        ("flows.toml", &flows),
    ]);
    let got = instances(&model, "fastapi");
    assert!(got.contains("flow-cleartext-client-traffic@browser-cdn"));
    assert!(got.contains("flow-cleartext-client-traffic@cdn-api"));
    assert!(!got.contains("flow-cleartext-client-traffic@stripe-api"));
    assert!(got.contains("flow-backend-exchange-unprotected@stripe-api"));
    assert!(got.contains("flow-backend-exchange-unprotected@api-stripe"));
    assert!(got.contains("flow-data-at-rest-exposure@api-db"));
    assert!(got.contains("flow-data-at-rest-exposure@db"));
    let all: BTreeSet<String> = model.threats.iter().map(|t| t.id.clone()).collect();
    // Nothing channel-level on an in-process flow; nothing human-only on a machine.
    assert!(
        !all.iter()
            .any(|t| t.ends_with("@api-api") && t.starts_with("tampering-flow"))
    );
    assert!(!all.contains("credential-theft-external-entity@stripe"));
    assert!(!all.contains("credential-theft-external-entity@customer-hook"));
    let recommended: BTreeSet<&str> = model.mitigations.iter().map(|m| m.id.as_str()).collect();
    assert!(!recommended.contains("phishing-resistant-mfa@stripe"));
    assert!(recommended.contains("phishing-resistant-mfa@browser"));
    assert!(all.contains("credential-theft-external-entity@browser"));
    // The specific threat replaces the generic one it refines, and says so.
    assert!(!all.contains("information-disclosure-flow@cdn-api"));
    let t = model
        .threats
        .iter()
        .find(|t| t.id == "flow-cleartext-client-traffic@cdn-api")
        .unwrap();
    let replaced: Vec<&str> = t
        .replaces
        .iter()
        .map(|p| model.patterns[p.index()].id.as_str())
        .collect();
    assert_eq!(replaced, ["information-disclosure-flow"]);
    // Equivalent mitigations meet once: enforce-https stands for encrypt-channel.
    let m = model
        .mitigations
        .iter()
        .find(|m| m.id == "enforce-https@cdn-api")
        .unwrap();
    assert_eq!(
        model.recommendations[m.also[0].index()].id,
        "encrypt-channel"
    );
    assert!(
        !model
            .mitigations
            .iter()
            .any(|m| m.id == "encrypt-channel@cdn-api")
    );
}

#[test]
fn a_tag_close_to_a_role_is_a_near_miss_note_with_the_edit() {
    let parts = [
        component("router", "process", "app", "FastAPI", &["routing"]),
        component(
            "security",
            "process",
            "app",
            "FastAPI",
            &["authentification"],
        ),
        component("plain", "process", "app", "FastAPI", &[]),
    ]
    .concat();
    let (_dir, _model, diags) = model_of(&[
        ("threatbook.toml", MANIFEST),
        ("zones.toml", ZONES),
        ("components.toml", &parts),
    ]);
    let notes: Vec<_> = diags.iter().filter(|d| d.0 == Code::NearMiss).collect();
    assert!(
        notes
            .iter()
            .any(|d| d.1.contains("security-utility-misconfiguration")
                && d.1.contains("`authentification`")
                && d.2
                    .iter()
                    .any(|h| h.contains("write the tag `authentication`"))),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|d| d
            .1
            .contains("`plain` is built with `fastapi` but has no role tag")),
        "{notes:?}"
    );
    assert_eq!(Code::NearMiss.severity(), threatbook::diag::Severity::Note);
}

#[test]
fn selector_words_are_checked_against_the_vocabulary() {
    let kb = r#"
[knowledge-base]
id = "mine"
name = "Mine"

[[vocabulary]]
word = "websocket"
field = "tags"
synonyms = ["ws"]

[[pattern]]
id = "p"
title = "P"
category = "spoofing"
severity = "low"
applies-to = { element = "component", tags = ["websockt"] }

[[pattern]]
id = "q"
title = "Q"
category = "spoofing"
severity = "low"
applies-to = { element = "component", tags = ["ws"] }
"#;
    let dir = folder_of(&[
        ("kb/kb.toml", kb),
        (
            "threatbook.toml",
            "[project]\nname = \"x\"\n[knowledge]\nbases = [\"./kb\"]\n",
        ),
    ]);
    let project = threatbook::open(dir.path());
    let found: Vec<_> = project
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::InvalidSelector)
        .map(|d| (d.message.clone(), d.help.join(" ")))
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].0.contains("`websockt`") && found[0].1.contains("did you mean `websocket`"));
    assert!(found[1].0.contains("`ws`") && found[1].1.contains("synonym of `websocket`"));
}

#[test]
fn selector_forms_for_real_architectures_each_match_exactly() {
    let kb = r#"
[knowledge-base]
id = "forms"
name = "Forms"

[[pattern]]
id = "all-tags"
title = "t"
category = "spoofing"
severity = "low"
applies-to = { element = "component", tags-all = ["a", "b"] }

[[pattern]]
id = "either-end"
title = "t"
category = "spoofing"
severity = "low"
applies-to = { element = "flow", either = { tags = ["a"] } }

[[pattern]]
id = "secret-data"
title = "t"
category = "spoofing"
severity = "low"
applies-to = { element = "flow", data-classification = { min = "confidential" } }

[[pattern]]
id = "untrusted"
title = "t"
category = "spoofing"
severity = "low"
applies-to = { element = "component", zone-trust = "untrusted" }

[[pattern]]
id = "humans"
title = "t"
category = "spoofing"
severity = "low"
applies-to = { element = "component", actor = "human" }

[[pattern]]
id = "channels"
title = "t"
category = "spoofing"
severity = "low"
applies-to = { element = "flow", in-process = false }

[[pattern]]
id = "from-people"
title = "t"
category = "spoofing"
severity = "low"
applies-to = { element = "flow", origin = { actor = "human" }, destination = { tags = ["b"] } }
"#;
    let model_files = r#"
[[zone]]
id = "out"
name = "Out"
trust = 1

[[zone]]
id = "in"
name = "In"
trust = 5

[[component]]
id = "user"
name = "Shopper"
kind = "external-entity"
zone = "out"

[[component]]
id = "bot"
name = "Partner system"
kind = "external-entity"
zone = "out"

[[component]]
id = "proxy"
name = "Proxy"
kind = "process"
zone = "in"
tags = ["a"]

[[component]]
id = "app"
name = "App"
kind = "process"
zone = "in"
tags = ["A", "b"]

[[asset]]
id = "card"
name = "Card"
classification = "restricted"

[[flow]]
id = "user-proxy"
name = "f"
from = "user"
to = "proxy"
data = ["card"]

[[flow]]
id = "proxy-app"
name = "f"
from = "proxy"
to = "app"

[[flow]]
id = "bot-app"
name = "f"
from = "bot"
to = "app"
protocol = "HTTPS"

[[flow]]
id = "app-app"
name = "f"
from = "app"
to = "app"
protocol = "ASGI"
"#;
    let (_dir, model, _) = model_of(&[
        (
            "threatbook.toml",
            "[project]\nname = \"x\"\n[knowledge]\nbases = [\"./kb\"]\n[knowledge.trust-levels]\nuntrusted = { max = 1 }\n",
        ),
        ("kb/kb.toml", kb),
        ("model.toml", model_files),
    ]);
    let got: Vec<String> = instances(&model, "forms").into_iter().collect();
    let of = |p: &str| -> Vec<&str> {
        got.iter()
            .filter_map(|t| t.strip_prefix(p)?.strip_prefix('@'))
            .collect()
    };
    assert_eq!(of("all-tags"), ["app"]);
    assert_eq!(
        of("either-end"),
        ["app-app", "bot-app", "proxy-app", "user-proxy"]
    );
    assert_eq!(of("secret-data"), ["user-proxy"]);
    assert_eq!(of("untrusted"), ["bot", "user"]);
    assert_eq!(of("humans"), ["user"]);
    assert_eq!(of("channels"), ["bot-app", "proxy-app", "user-proxy"]);
    assert_eq!(of("from-people"), ["app-app", "proxy-app", "user-proxy"]);
}

const SHOP: &str = "tests/fixtures/blind/workers-queues";

fn render(dir: &str, extra: &[&str]) -> String {
    let mut args = vec!["render", dir, "--today", "2026-12-01", "-o", "-"];
    args.extend_from_slice(extra);
    let r = crate::support::run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn a_shop_sized_report_is_a_summary_that_says_so_and_gives_each_text_once() {
    let summary = render(SHOP, &[]);
    let full = render(SHOP, &["--detail", "full"]);
    assert!(summary.contains("**This report is a summary.**"));
    assert!(!full.contains("This report is a summary"));
    assert!(
        summary.lines().count() < 1550,
        "{} lines",
        summary.lines().count()
    );
    assert!(full.lines().count() > 3 * summary.lines().count());
    // A pattern's description, and a recommendation's, once in the summary; once per
    // element in full.
    let pattern_text = "Responses that carry internal error text, stack traces";
    let recommendation_text = "A small pure-ASGI middleware sets";
    assert_eq!(summary.matches(pattern_text).count(), 1);
    assert_eq!(summary.matches(recommendation_text).count(), 1);
    assert!(full.matches(recommendation_text).count() > 1);
    // Nothing lost: every threat id and every element a mitigation is recommended on
    // is still named.
    let (model, _) = open(&root().join(SHOP));
    let today = threatbook::model::Date::parse("2026-12-01").unwrap();
    for t in model.threat_ids() {
        let threat = model.threat(t);
        let on = format!(
            "`{}` ({})",
            model.target_id(threat.targets[0]),
            model.coverage(t, today).as_str()
        );
        assert!(
            summary.contains(&threat.id) || summary.contains(&on),
            "{}",
            threat.id
        );
    }
    for m in &model.mitigations {
        let element = m.id.split_once('@').map_or(m.id.as_str(), |(_, e)| e);
        assert!(
            summary.contains(&format!(
                "`{element}` ({}",
                threatbook::model::Choice::as_str(m.status)
            )),
            "{}",
            m.id
        );
    }
}

#[test]
fn a_small_model_gets_the_full_report_unless_asked_for_a_summary() {
    let dir = "tests/fixtures/blind/monolith-proxy";
    let auto = render(dir, &[]);
    assert!(!auto.contains("This report is a summary"));
    assert_eq!(auto, render(dir, &["--detail", "full"]));
    let summary = render(dir, &["--detail", "summary"]);
    assert!(summary.contains("This report is a summary"));
    // The HTML report follows the same choice.
    let html = render(dir, &["--detail", "summary", "--format", "html"]);
    assert!(html.contains("<strong>This report is a summary.</strong>"));
    assert!(html.contains("id=\"threats-by-pattern\""));
}

#[test]
fn reports_and_exports_name_what_a_threat_replaced_and_a_mitigation_stands_for() {
    let dir = "tests/fixtures/blind/monolith-proxy";
    let full = render(dir, &["--detail", "full"]);
    assert!(full.contains("pattern `flow-cleartext-client-traffic` of `fastapi` · replaces `information-disclosure-flow`"));
    assert!(full.contains("also stands for `encrypt-channel`"));
    let r = crate::support::run(&["export", dir, "--format", "json", "-o", "-"]);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let threat = json["threats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "flow-cleartext-client-traffic@proxy-to-app")
        .unwrap();
    assert_eq!(
        threat["replaces"],
        serde_json::json!(["information-disclosure-flow"])
    );
    let m = json["mitigations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "enforce-https@proxy-to-app")
        .unwrap();
    assert_eq!(m["also"], serde_json::json!(["encrypt-channel"]));
}

#[test]
fn kb_explain_says_where_each_pattern_applies_and_almost_applies() {
    let dir = "tests/fixtures/invalid/near-miss";
    let r = crate::support::run(&[
        "kb",
        "explain",
        dir,
        "--pattern",
        "security-utility-misconfiguration",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("## `security-utility-misconfiguration` of `fastapi`")
    );
    assert!(r.stdout.contains("- matched (0): none"));
    assert!(r.stdout.contains(
        "- `security`: its tag `authentification` is close to the role `authentication`; write the tag `authentication`"
    ));
    assert_eq!(r.stdout.matches("\n## `").count(), 1, "{}", r.stdout);

    let r = crate::support::run(&[
        "kb",
        "explain",
        "tests/fixtures/blind/workers-queues",
        "--element",
        "cdn-to-uvicorn",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("## `flow-cleartext-client-traffic` of `fastapi`")
    );
    assert!(r.stdout.contains("- matched (1): `cdn-to-uvicorn`"));
    assert!(r.stdout.contains(
        "- matched, but replaced by a refinement (1): `cdn-to-uvicorn` (by `flow-cleartext-client-traffic`)"
    ));
    assert!(
        !r.stdout.contains("`router-permissive-route-access`"),
        "only this element's patterns"
    );

    // A model in parts implies no roles.
    let r = crate::support::run(&["kb", "explain", "tests/fixtures/blind/split-parts"]);
    assert!(!r.stdout.contains("## Roles implied by technology"));

    let plain = "tests/fixtures/blind/workers-queues";
    let r = crate::support::run(&[
        "kb",
        "explain",
        plain,
        "--pattern",
        "router-permisive-route-access",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("did you mean `router-permissive-route-access`?"),
        "{}",
        r.stderr
    );
    let r = crate::support::run(&["kb", "explain", plain, "--element", "cdn-to-uvicon"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean `cdn-to-uvicorn`?"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_fastapi_component_without_tags_shows_its_implied_roles_in_kb_explain() {
    let whole = component("api", "process", "app", "FastAPI 0.115", &[]);
    let dir = folder_of(&[
        ("threatbook.toml", MANIFEST),
        ("zones.toml", ZONES),
        ("components.toml", &whole),
    ]);
    let r = crate::support::run(&["kb", "explain", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("## Roles implied by technology"));
    assert!(
        r.stdout.contains("- `api`: `routing`, `depend`")
            || r.stdout.contains("- `api`: `routing`"),
        "{}",
        r.stdout
    );
}

#[test]
fn kb_show_lists_the_vocabulary() {
    let r = crate::support::run(&["kb", "show", "fastapi"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("## Vocabulary ("));
    assert!(
        r.stdout
            .contains("| `authentication` | tags | `auth`, `authn`, `security`")
    );
    assert!(
        r.stdout
            .contains("| `fastapi` | technology | `fast-api` | `routing`, `depends`")
    );
}
