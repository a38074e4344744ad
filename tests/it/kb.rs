//! Knowledge bases: patterns instantiated by their selectors, stable ids, not-applicable
//! marks, recommended mitigations and their status, and knowledge bases that do not load.

use std::collections::BTreeSet;

use threatbook::Model;
use threatbook::model::{Coverage, Date, EntityRef, Status};

use crate::support::{TODAY, check_json, codes, root};

fn open(dir: &std::path::Path) -> Model {
    let project = threatbook::open(dir);
    let errors: Vec<String> = project
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    project
        .model
        .unwrap_or_else(|| panic!("{} loads: {errors:?}", dir.display()))
}

fn selectors() -> Model {
    open(&root().join("tests/fixtures/kb/selectors"))
}

fn instance_ids(model: &Model) -> BTreeSet<String> {
    model
        .threats
        .iter()
        .filter(|t| t.pattern.is_some())
        .map(|t| t.id.clone())
        .collect()
}

#[test]
fn each_selector_form_matches_exactly_its_elements() {
    let model = selectors();
    let expected: BTreeSet<String> = [
        // kind
        "external-spoofing@user",
        "external-spoofing@partner",
        // technology as a word, ignoring case ("FastAPI 0.115")
        "fastapi-component@web",
        // tags, any of them, ignoring case ("Partner")
        "tagged@partner",
        "tagged@worker",
        // kind and zone trust at most 3
        "low-trust-process@web",
        // kind list and zone trust at least 8
        "high-trust-store@db",
        // crossing a boundary, or not
        "crossing-flow@user-web",
        "crossing-flow@partner-web",
        "crossing-flow@web-worker",
        "crossing-flow@worker-db",
        "crossing-flow@web-user",
        "internal-flow@worker-cache",
        // direction and a flag (an absent flag is false)
        "inbound-cleartext@partner-web",
        "inbound-cleartext@worker-db",
        "unauthenticated-inbound@user-web",
        "unauthenticated-inbound@worker-db",
        // protocol, ignoring case; HTTPS is not HTTP
        "http-flow@partner-web",
        // classification of the data carried
        "restricted-data@user-web",
        "restricted-data@worker-db",
        "restricted-data@web-user",
        // the destination's kind; the source's kind and tag
        "into-store@worker-db",
        "into-store@worker-cache",
        "from-partner@partner-web",
        // an array of selectors: any of them
        "either-form@cache",
        "either-form@web-user",
        // every process, the one marked not applicable included
        "any-process@web",
        "any-process@worker",
        // a kind without a tag
        "not-partner@user",
        // a protocol as a word, ignoring case ("HTTPS", "https"; not "HTTP")
        "https-flow@user-web",
        "https-flow@web-user",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(instance_ids(&model), expected);
}

#[test]
fn an_instance_carries_its_pattern_and_targets_only_its_element() {
    let model = selectors();
    let Some(EntityRef::Threat(t)) = model.lookup("fastapi-component@web") else {
        panic!("the instance is a threat");
    };
    let threat = model.threat(t);
    let pattern = model.pattern(threat.pattern.expect("from a pattern"));
    assert_eq!(pattern.id, "fastapi-component");
    assert_eq!(model.knowledge_base(pattern.kb).id, "selectors");
    assert_eq!(threat.title, pattern.title);
    assert_eq!(threat.likelihood, pattern.likelihood);
    assert_eq!(threat.impact, pattern.impact);
    assert_eq!(threat.targets.len(), 1);
    assert_eq!(model.target_id(threat.targets[0]), "web");
    assert!(pattern.instances.contains(&t));
    let Some(EntityRef::Component(web)) = model.lookup("web") else {
        panic!("web is a component");
    };
    assert!(model.component(web).threats.contains(&t));
    assert_eq!(
        pattern.applies_to,
        ["element = \"component\", technology = \"fastapi\""]
    );
}

#[test]
fn a_pattern_marked_not_applicable_is_kept_in_that_state_with_its_mark() {
    let model = selectors();
    let Some(EntityRef::Threat(t)) = model.lookup("any-process@worker") else {
        panic!("the marked instance is kept");
    };
    let today = threatbook::model::Date::parse("2027-01-01").unwrap();
    assert_eq!(
        model.coverage(t, today),
        threatbook::model::Coverage::NotApplicable
    );
    // Nothing is recommended against it, and it is not uncovered.
    assert!(model.threat(t).mitigations.is_empty());
    let mark = model
        .not_applicable
        .iter()
        .find(|n| n.pattern.is_some())
        .expect("the mark is in the model");
    assert_eq!(model.target_id(mark.element), "worker");
    let pattern = model.pattern(mark.pattern.unwrap());
    assert_eq!(pattern.id, "any-process");
    assert_eq!(mark.category, pattern.category);
    assert!(mark.justification.contains("managed queue consumer"));
}

#[test]
fn recommended_mitigations_are_instantiated_per_element_with_the_statuses_set() {
    let model = selectors();
    let mitigation = |id: &str| {
        let Some(EntityRef::Mitigation(m)) = model.lookup(id) else {
            panic!("{id} is a mitigation");
        };
        model.mitigation(m)
    };
    // A model-wide status, then an exception for one element.
    let tls = mitigation("encrypt-channel@user-web");
    assert_eq!(tls.status, Status::Verified);
    assert_eq!(tls.owner.as_deref(), Some("platform"));
    assert_eq!(tls.reduces, 2);
    let mitigated: Vec<&str> = tls
        .mitigates
        .iter()
        .map(|t| model.threat(*t).id.as_str())
        .collect();
    assert_eq!(
        mitigated,
        ["crossing-flow@user-web", "restricted-data@user-web"]
    );
    let planned = mitigation("encrypt-channel@worker-db");
    assert_eq!(planned.status, Status::Planned);
    assert_eq!(planned.owner.as_deref(), Some("platform"));
    // A status for one element, with evidence; elsewhere it stays proposed.
    let auth = mitigation("authenticate-peer@user");
    assert_eq!(auth.status, Status::Implemented);
    assert_eq!(auth.evidence, ["https://example.com/evidence/login-tests"]);
    assert_eq!(&auth.references[..], ["https://example.com/auth"]);
    assert_eq!(
        mitigation("authenticate-peer@partner").status,
        Status::Proposed
    );
    // No recommendation where none of its patterns applies.
    assert!(model.lookup("encrypt-channel@worker-cache").is_none());
    let rec = model.recommendation(auth.recommendation.unwrap());
    assert_eq!(rec.instances.len(), 4, "user, partner, user-web, worker-db");
}

#[test]
fn acceptances_and_written_mitigations_name_instances_by_their_stable_id() {
    let model = selectors();
    let today = Date::parse(TODAY).unwrap();
    let coverage = |id: &str| {
        let Some(EntityRef::Threat(t)) = model.lookup(id) else {
            panic!("{id} is a threat");
        };
        model.coverage(t, today)
    };
    assert_eq!(coverage("fastapi-component@web"), Coverage::Accepted);
    assert_eq!(coverage("http-flow@partner-web"), Coverage::Mitigated);
    assert_eq!(coverage("crossing-flow@user-web"), Coverage::Mitigated);
    assert_eq!(coverage("crossing-flow@worker-db"), Coverage::Planned);
    assert_eq!(coverage("tagged@worker"), Coverage::Uncovered);
}

#[test]
fn instance_ids_survive_reordering_and_edits_elsewhere() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("m");
    copy_dir(&root().join("tests/fixtures/kb/selectors"), &copy);
    let before = instance_ids(&open(&copy));
    // Components in another order, a new one, and the patterns in another order.
    let model = std::fs::read_to_string(copy.join("model.toml")).unwrap();
    let mut blocks: Vec<&str> = model.split("\n\n").collect();
    blocks.reverse();
    let mut edited = blocks.join("\n\n");
    edited.push_str(
        "\n\n[[component]]\nid = \"auditor\"\nname = \"Auditor\"\nkind = \"external-entity\"\nzone = \"internet\"\n",
    );
    std::fs::write(copy.join("model.toml"), edited).unwrap();
    let patterns = std::fs::read_to_string(copy.join("kb/patterns.toml")).unwrap();
    let mut entries: Vec<String> = patterns
        .split("[[pattern]]")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("[[pattern]]{p}"))
        .collect();
    entries.reverse();
    std::fs::write(copy.join("kb/patterns.toml"), entries.concat()).unwrap();
    let after = instance_ids(&open(&copy));
    let added: Vec<&String> = after.difference(&before).collect();
    assert_eq!(added, ["external-spoofing@auditor", "not-partner@auditor"]);
    assert!(before.is_subset(&after));
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Problems in a knowledge base, each reported where it is written.
#[test]
fn a_broken_knowledge_base_reports_every_problem_at_its_place() {
    let dir = "tests/fixtures/kb/broken";
    let (exit, json) = check_json(dir);
    assert_eq!(exit, 2);
    let found: Vec<(String, u64, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["file"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expect = [
        ("unknown-field", 8),       // `tag` for `tags`
        ("invalid-value", 16),      // kind = "proces"
        ("invalid-value", 23),      // direction = "upward"
        ("invalid-value", 30),      // data-classification = "secret"
        ("invalid-value", 37),      // tags = []
        ("missing-field", 39),      // a pattern without `applies-to`
        ("missing-field", 50),      // a selector without `element`
        ("unknown-field", 56),      // `status` on a knowledge base's mitigation
        ("dangling-reference", 61), // mitigates an unknown pattern
    ];
    for (code, line) in expect {
        assert!(
            found
                .iter()
                .any(|(c, l, f)| c == code && *l == line && f.ends_with("kb/patterns.toml")),
            "no {code} at line {line}: {found:?}"
        );
    }
    let unknown = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "unknown-field" && d["line"] == 8)
        .unwrap();
    assert!(
        unknown.to_string().contains("did you mean `tags`?"),
        "{unknown}"
    );
    let direction = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "invalid-value" && d["line"] == 23)
        .unwrap();
    assert!(
        direction
            .to_string()
            .contains("`inbound`, `outbound` or `lateral`"),
        "{direction}"
    );
    // `bad-kind` could not be read: a reference to it is not reported again.
    let text = json.to_string();
    assert!(!text.contains("names `bad-kind`"), "{text}");
    assert_eq!(found.len(), expect.len(), "{found:?}");
}

#[test]
fn the_invalid_selector_fixture_names_each_contradiction() {
    let (_, json) = check_json("tests/fixtures/invalid/invalid-selector");
    let messages: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "invalid-selector")
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(messages[0].contains("`kind` does not apply to a flow"));
    assert!(messages[1].contains("`direction` does not apply to a component"));
    assert!(messages[2].contains("no zone can meet it"));
    assert!(messages[3].contains("has no direction"));
}

#[test]
fn unknown_knowledge_bases_suggest_the_bundled_names() {
    let (exit, json) = check_json("tests/fixtures/invalid/unknown-knowledge-base");
    assert_eq!(exit, 2);
    assert_eq!(codes(&json).len(), 3, "{json}");
    let text = json.to_string();
    assert!(text.contains("is named twice"), "{text}");
    assert!(text.contains("there is no folder"), "{text}");
    assert!(text.contains("did you mean `stride`?"), "{text}");
}

#[test]
fn reports_name_each_threat_s_pattern_and_list_the_knowledge_bases() {
    let tmp = tempfile::tempdir().unwrap();
    let md = tmp.path().join("r.md");
    let html = tmp.path().join("r.html");
    let dir = root().join("tests/fixtures/kb/selectors");
    for (format, out) in [("md", &md), ("html", &html)] {
        let r = crate::support::run(&[
            "render",
            dir.to_str().unwrap(),
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
            "--today",
            TODAY,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let md = std::fs::read_to_string(md).unwrap();
    assert!(
        md.contains("#### Framework flaw (`fastapi-component@web`)"),
        "{md}"
    );
    assert!(md.contains("· accepted · pattern `fastapi-component` of `selectors`"));
    assert!(md.contains("## Appendix: knowledge bases"));
    assert!(md.contains(
        "| `either-form` | Matches by either of two selectors | Denial of service | \
         `element = \"component\", kind = \"data-store\", technology = \"redis\"` or \
         `element = \"flow\", direction = \"outbound\"` | 2 |"
    ));
    assert!(md.contains("| `worker` | pattern `any-process` (repudiation) |"));
    assert!(md.contains("Evidence: <https://example.com/evidence/login-tests>"));
    let html = std::fs::read_to_string(html).unwrap();
    assert!(
        html.contains(
            r##"<a href="#pattern-fastapi-component"><code>fastapi-component</code></a>"##
        )
    );
    assert!(html.contains(r#"<tr id="pattern-fastapi-component">"#));
}

#[test]
fn a_reference_to_an_instance_that_does_not_exist_names_those_that_do() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("m");
    copy_dir(&root().join("tests/fixtures/kb/selectors"), &copy);
    let marks = std::fs::read_to_string(copy.join("marks.toml")).unwrap();
    std::fs::write(
        copy.join("marks.toml"),
        marks
            .replace("fastapi-component@web", "fastapi-componnet@web")
            .replace("http-flow@partner-web", "http-flow@nowhere"),
    )
    .unwrap();
    let (exit, json) = check_json(copy.to_str().unwrap());
    assert_eq!(exit, 2);
    let messages: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert!(
        messages.iter().any(|m| m
            .contains("no pattern `fastapi-componnet` was instantiated on `web`")
            && m.contains("did you mean `fastapi-component@web`?")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`nowhere` is not a component or flow of the model")),
        "{messages:?}"
    );
}

#[test]
fn instances_and_pattern_marks_count_towards_stride_coverage() {
    let (_, json) =
        crate::support::check_json_with("tests/fixtures/kb/selectors", &["--stride-coverage"]);
    let worker = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "stride-coverage")
        .map(|d| d["message"].as_str().unwrap())
        .find(|m| m.contains("`worker`"))
        .expect("the worker has gaps");
    // Tampering comes from an instance (`tagged`), repudiation from the pattern marked
    // not applicable (`any-process`); the other four are gaps.
    assert!(
        worker.ends_with(
            "spoofing, information-disclosure, denial-of-service, elevation-of-privilege"
        ),
        "{worker}"
    );
}

#[test]
fn findings_on_instances_come_once_per_element() {
    let (exit, json) = check_json("tests/fixtures/kb/selectors");
    assert_eq!(exit, 1);
    let on_web: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "uncovered-threat")
        .map(|d| d["message"].as_str().unwrap())
        .filter(|m| m.contains("@web`"))
        .collect();
    assert_eq!(
        on_web,
        [
            "2 threats on `web` from knowledge bases have no mitigation and no valid acceptance: \
          `low-trust-process@web` (Process in a low-trust zone, medium), `any-process@web` (Any process, low)"
        ]
    );
    // Summary counts stay per threat.
    assert_eq!(json["summary"]["uncovered_threats"], 14);
}

#[test]
fn kb_list_and_show_browse_the_bundled_knowledge_and_check_a_folder() {
    let list = crate::support::run(&["kb", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(
        list.stdout.contains("| stride | STRIDE per element |"),
        "{}",
        list.stdout
    );
    let show = crate::support::run(&["kb", "show", "stride"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(show.stdout.starts_with("# STRIDE per element (`stride`)"));
    assert!(
        show.stdout
            .contains("- applies to `element = \"component\"")
    );
    assert!(show.stdout.contains("## Mitigations ("));
    // What a claim needs of the flows, so a reader knows which claims can be contradicted.
    let tls = &show.stdout[show.stdout.find("### `encrypt-channel`").unwrap()..];
    let tls = &tls[..tls[4..].find("### ").map_or(tls.len(), |i| i + 4)];
    assert!(
        tls.contains("- requires `encrypted = true` of the flows it is on"),
        "{tls}"
    );
    assert!(!tls.contains("authenticated = "), "{tls}");
    let folder = crate::support::run(&["kb", "show", "tests/fixtures/kb/selectors/kb"]);
    assert_eq!(folder.code, 0, "{}", folder.stderr);
    assert!(
        folder
            .stdout
            .contains("### `either-form`: Matches by either of two selectors")
    );
    let broken = crate::support::run(&["kb", "show", "tests/fixtures/kb/broken/kb"]);
    assert_eq!(broken.code, 2);
    assert!(
        broken
            .stderr
            .contains("error[invalid-value]: kind: `proces` is not a component kind")
    );
    assert!(
        broken.stderr.contains("could not be loaded (9 errors)"),
        "{}",
        broken.stderr
    );
    let unknown = crate::support::run(&["kb", "show", "strid"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("did you mean `stride`?"));
}

#[test]
fn the_report_names_each_element_once_above_its_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r.md");
    let r = crate::support::run(&[
        "render",
        "tests/fixtures/kb/selectors",
        "-o",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(out).unwrap();
    let rows: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("| Element | Where |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let named = rows
        .iter()
        .filter(|r| r.starts_with("| `worker-db` |"))
        .count();
    let continuing = rows
        .iter()
        .skip_while(|r| !r.starts_with("| `worker-db` |"))
        .skip(1)
        .take_while(|r| r.starts_with("|  | |"))
        .count();
    assert_eq!((named, continuing), (1, 2), "{rows:#?}");
}

#[test]
fn the_starter_model_takes_the_stride_knowledge_base_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("svc");
    let init = crate::support::run(&["init", dir.to_str().unwrap()]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let manifest = dir.join("threatbook.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("# [knowledge]\n# bases = [\"stride\"]"));
    std::fs::write(
        &manifest,
        text.replace("# [knowledge]\n# bases", "[knowledge]\nbases"),
    )
    .unwrap();
    let (exit, json) = check_json(dir.to_str().unwrap());
    assert_eq!(exit, 0, "{json}");
    let model = open(&dir);
    assert!(
        model
            .threats
            .iter()
            .any(|t| t.id == "spoofing-external-entity@user")
    );
    assert_eq!(model.knowledge_bases[0].origin, "bundled");
}

#[test]
fn evidence_bundles_keep_knowledge_base_files_under_their_id() {
    let tmp = tempfile::tempdir().unwrap();
    // A knowledge base outside the model folder, named with `..`.
    let model = tmp.path().join("model");
    copy_dir(&root().join("tests/fixtures/kb/selectors"), &model);
    std::fs::rename(model.join("kb"), tmp.path().join("shared-kb")).unwrap();
    let manifest = std::fs::read_to_string(model.join("threatbook.toml")).unwrap();
    std::fs::write(
        model.join("threatbook.toml"),
        manifest.replace("\"./kb\"", "\"../shared-kb\""),
    )
    .unwrap();
    let out = tmp.path().join("bundle");
    let r = crate::support::run(&[
        "evidence",
        model.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert!(out.join("knowledge/selectors/kb.toml").is_file());
    assert!(out.join("knowledge/selectors/patterns.toml").is_file());
    assert!(out.join("model/model.toml").is_file());
    assert!(!tmp.path().join("shared-kb/kb/kb.toml").exists());
    let verify = crate::support::run(&["evidence", "verify", out.to_str().unwrap()]);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
}

/// The knowledge-base examples of docs/knowledge-bases.md load, and each pattern lands
/// where its selector says.
#[test]
fn the_documented_knowledge_base_examples_load() {
    let doc = std::fs::read_to_string(root().join("docs/knowledge-bases.md")).unwrap();
    let blocks: Vec<String> = doc
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split_once("```").map(|(block, _)| block.to_string()))
        .collect();
    let manifest = blocks
        .iter()
        .find(|b| b.contains("[knowledge-base]"))
        .expect("a kb.toml example");
    let patterns = blocks
        .iter()
        .find(|b| b.contains("[[pattern]]") && b.contains("jinja2"))
        .expect("the pattern examples");
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m");
    std::fs::create_dir_all(model.join("kb")).unwrap();
    std::fs::write(model.join("kb/kb.toml"), manifest).unwrap();
    std::fs::write(model.join("kb/patterns.toml"), patterns).unwrap();
    std::fs::write(
        model.join("threatbook.toml"),
        "[project]\nname = \"Docs\"\n\n[knowledge]\nbases = [\"./kb\"]\n",
    )
    .unwrap();
    std::fs::write(
        model.join("model.toml"),
        "[[zone]]\nid = \"internet\"\nname = \"Internet\"\ntrust = 0\n\
         [[zone]]\nid = \"app\"\nname = \"App\"\ntrust = 7\n\
         [[component]]\nid = \"payment-provider\"\nname = \"Payments\"\nkind = \"external-entity\"\nzone = \"internet\"\n\
         [[component]]\nid = \"web\"\nname = \"Web\"\nkind = \"process\"\nzone = \"app\"\ntechnology = \"Jinja2 3.1\"\n\
         [[flow]]\nid = \"callback\"\nname = \"Callback\"\nfrom = \"payment-provider\"\nto = \"web\"\n",
    )
    .unwrap();
    let ids = instance_ids(&open(&model));
    let expected: BTreeSet<String> = [
        "spoofing-external-entity@payment-provider",
        "cleartext-into-trusted-zone@callback",
        "jinja2-template-injection@web",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(ids, expected);
}

/// How a model and its knowledge bases can fail to fit together, each reported at its
/// place: knowledge bases sharing an id, a folder without kb.toml, a kb.toml without
/// [knowledge-base], ids defined by two knowledge bases, a mitigation of another
/// knowledge base's pattern, and marks and statuses that name nothing.
#[test]
fn knowledge_base_wiring_mistakes_are_each_reported_at_their_place() {
    let (exit, json) = check_json("tests/fixtures/kb/wiring");
    assert_eq!(exit, 2);
    let found: Vec<(String, String, u64, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap();
            (
                d["code"].as_str().unwrap().to_string(),
                file.rsplit_once("wiring/")
                    .map_or(file, |(_, f)| f)
                    .to_string(),
                d["line"].as_u64().unwrap_or(0),
                d.to_string(),
            )
        })
        .collect();
    let expect: [(&str, &str, u64, &str); 9] = [
        (
            "unknown-knowledge-base",
            "threatbook.toml",
            7,
            "have the id `a`",
        ),
        (
            "unknown-knowledge-base",
            "threatbook.toml",
            7,
            "has no kb.toml",
        ),
        (
            "invalid-value",
            "marks.toml",
            4,
            "a `category` or a `pattern`, not both",
        ),
        (
            "missing-field",
            "marks.toml",
            7,
            "neither a `category` nor a `pattern`",
        ),
        (
            "dangling-reference",
            "marks.toml",
            12,
            "did you mean `fix-a` or `fix-b`?",
        ),
        (
            "dangling-reference",
            "marks.toml",
            17,
            "`fix-b` is not recommended for `user`",
        ),
        (
            "dangling-reference",
            "kb-a/patterns.toml",
            18,
            "a pattern of another knowledge base (`b`)",
        ),
        (
            "duplicate-id",
            "kb-b/patterns.toml",
            2,
            "`shared` is used twice",
        ),
        (
            "missing-field",
            "kb-nometa/kb.toml",
            1,
            "has no [knowledge-base] table",
        ),
    ];
    for (code, file, line, text) in expect {
        assert!(
            found
                .iter()
                .any(|(c, f, l, d)| c == code && f == file && *l == line && d.contains(text)),
            "no {code} at {file}:{line} saying {text:?}: {found:#?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
}

#[test]
fn vocabulary_and_layering_mistakes_are_each_reported_at_their_place() {
    let dir = "tests/fixtures/kb/vocabulary";
    let (exit, json) = check_json(dir);
    assert_eq!(exit, 2);
    let found: Vec<(String, String, u64, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap_or("");
            (
                d["code"].as_str().unwrap().to_string(),
                file.rsplit('/').next().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0),
                format!("{} {}", d["message"], d["help"]),
            )
        })
        .collect();
    let expect = [
        (
            "invalid-selector",
            "threatbook.toml",
            10,
            "at least 5 and at most 2",
        ),
        ("unknown-field", "threatbook.toml", 11, "trusty"),
        ("invalid-value", "model.toml", 11, "`robot` is not an actor"),
        (
            "invalid-value",
            "kb.toml",
            13,
            "only a technology implies role tags",
        ),
        ("missing-field", "kb.toml", 15, "no `word`"),
        (
            "invalid-value",
            "kb.toml",
            20,
            "`framework` is not a vocabulary field",
        ),
        (
            "invalid-selector",
            "kb.toml",
            27,
            "did you mean `websocket`?",
        ),
        (
            "invalid-value",
            "kb.toml",
            34,
            "`untrustworthy` is not a trust level",
        ),
        (
            "invalid-value",
            "kb.toml",
            41,
            "`secret` is not a classification",
        ),
        (
            "invalid-value",
            "kb.toml",
            49,
            "such as `stride:spoofing-process`",
        ),
        (
            "invalid-value",
            "kb.toml",
            57,
            "a pattern of the same knowledge base",
        ),
        (
            "dangling-reference",
            "kb.toml",
            65,
            "did you mean `spoofing-process`?",
        ),
        (
            "dangling-reference",
            "kb.toml",
            71,
            "did you mean `encrypt-channel`?",
        ),
    ];
    for (code, file, line, text) in expect {
        assert!(
            found
                .iter()
                .any(|(c, f, l, t)| c == code && f == file && *l == line && t.contains(text)),
            "no {code} at {file}:{line} saying {text:?}: {found:?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:?}");
}
