//! The blind review's models, kept as regression tests of what the docs promise.
//!
//! The models in tests/fixtures/blind-coverage (`payments`, `clinic`, `shop-v1`, `shop-v2`)
//! were written by a reviewer who had read only the README and docs/ (and the binary's
//! `--help`, `check --explain`, `kb show` and `man`). Before running threatbook on them,
//! the reviewer wrote down what the docs led them to expect, with the doc section behind
//! each expectation: `payments.expected.toml`, `clinic.expected.toml`, `shop.expected.toml`.
//! Where the tool turned out right and the expectation wrong, the value was corrected in
//! the file with a `# blind expectation was X: …why` comment beside it.
//!
//! These tests read the expectation files and hold the real binary to them; the values
//! live only in the files, which stay the one statement of what the docs promise. Every
//! command runs with `--today 2026-12-02`, the day the reviewer judged them on.
//!
//! The layout of a file (described at the top of `payments.expected.toml`): each
//! top-level table but `diff` and `review` is named after a model folder, and holds
//! `check` (with `count`, `require.LEVEL`, `deny_warnings`, `stride_coverage`), `states`,
//! `summary`, `instances`, `export.mitigations`, `export.threats`, `paths`, `diagram`
//! and `render`, each optional; `diff.CASE` runs `diff OLD NEW --fail-on …`; `review`
//! runs its steps in order on a temporary copy of a model.
//!
//! To add a model: put its folder in tests/fixtures/blind-coverage and a
//! `NAME.expected.toml` beside it in that layout; every test here picks up every
//! `*.expected.toml` in the folder. A key the tests do not know fails the test, so an
//! expectation cannot be silently ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use toml::{Table, Value};

use crate::support::{Run, root, run, run_in};

/// The day the reviewer judged the models on.
const TODAY: &str = "2026-12-02";
const DIR: &str = "tests/fixtures/blind-coverage";
/// Top-level tables that are not model folders.
const NOT_MODELS: [&str; 2] = ["diff", "review"];
/// What a model's table may hold.
const MODEL_KEYS: [&str; 8] = [
    "check",
    "states",
    "summary",
    "instances",
    "export",
    "paths",
    "diagram",
    "render",
];
/// The name of the temporary copy the review workflow runs on.
const REVIEW_COPY: &str = "shop-review";

/// Every expectation file, by name, parsed.
fn expectation_files() -> Vec<(String, Table)> {
    let mut files: Vec<(String, Table)> = std::fs::read_dir(root().join(DIR))
        .expect("the blind-coverage folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".expected.toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let doc: Table = text
                .parse()
                .unwrap_or_else(|e| panic!("{} is not valid TOML: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), doc)
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(files.len() >= 3, "the expectation files are found");
    files
}

/// Every model's expectations: (file, model folder, table).
fn models() -> Vec<(String, String, Table)> {
    let mut out = Vec::new();
    for (file, doc) in expectation_files() {
        for (name, value) in doc {
            if NOT_MODELS.contains(&name.as_str()) {
                continue;
            }
            let table = value.as_table().cloned().unwrap_or_else(|| {
                panic!("{file}: `{name}` should be a table named after a model folder")
            });
            for key in table.keys() {
                assert!(
                    MODEL_KEYS.contains(&key.as_str()),
                    "{file}: unknown table `{name}.{key}` (known: {MODEL_KEYS:?})"
                );
            }
            assert!(
                root()
                    .join(DIR)
                    .join(&name)
                    .join("threatbook.toml")
                    .is_file(),
                "{file}: `{name}` names no model folder in {DIR}"
            );
            out.push((file.clone(), name, table));
        }
    }
    out
}

fn model_dir(name: &str) -> String {
    format!("{DIR}/{name}")
}

/// Fails with every mismatch found, each with where its expectation is written.
struct Mismatches(Vec<String>);

impl Mismatches {
    fn new() -> Self {
        Mismatches(Vec::new())
    }

    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, at: &str, found: T, expected: T) {
        if found != expected {
            self.0
                .push(format!("{at}: found {found:?}, expected {expected:?}"));
        }
    }

    fn fail(&mut self, message: String) {
        self.0.push(message);
    }

    fn assert(self, what: &str) {
        assert!(
            self.0.is_empty(),
            "{what}: {} mismatch(es) with the blind review's expectations:\n  {}",
            self.0.len(),
            self.0.join("\n  ")
        );
    }
}

/// Refuses keys a test does not read, so no expectation is silently skipped.
fn known_keys(m: &mut Mismatches, at: &str, table: &Table, known: &[&str]) {
    for key in table.keys() {
        if !known.contains(&key.as_str()) {
            m.fail(format!("{at}: unknown key `{key}` (known: {known:?})"));
        }
    }
}

fn str_list(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("a list of strings")
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

fn str_set(value: &Value) -> BTreeSet<String> {
    str_list(value).into_iter().collect()
}

/// A TOML value as JSON, to compare with the tool's JSON output.
fn to_json(value: &Value) -> Json {
    match value {
        Value::String(s) => Json::from(s.as_str()),
        Value::Integer(i) => Json::from(*i),
        Value::Float(f) => Json::from(*f),
        Value::Boolean(b) => Json::from(*b),
        Value::Datetime(d) => Json::from(d.to_string()),
        Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Value::Table(t) => Json::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
    }
}

fn with_today(args: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    all.extend(["--today".to_string(), TODAY.to_string()]);
    all
}

fn run_owned(args: &[String]) -> Run {
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn json_of(r: &Run, what: &str) -> Json {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "{what} printed no JSON ({e}):\n{}\nstderr:\n{}",
            r.stdout, r.stderr
        )
    })
}

/// `check --format json` with `extra`, judged against one table of expectations
/// (exit, errors, warnings, codes, absent, count.CODE).
fn judge_check(m: &mut Mismatches, at: &str, dir: &str, extra: &[&str], expected: &Table) {
    let mut args = vec!["check", dir, "--format", "json"];
    args.extend_from_slice(extra);
    let r = run_owned(&with_today(&args));
    let json = json_of(&r, &format!("{at}: check {}", extra.join(" ")));
    let codes: Vec<&str> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().expect("code"))
        .collect();
    for (key, value) in expected {
        let here = format!("{at}.{key}");
        match key.as_str() {
            "exit" => m.eq(&here, i64::from(r.code), value.as_integer().unwrap()),
            "errors" | "warnings" => m.eq(&here, json[key].as_i64(), value.as_integer()),
            "codes" => {
                for code in str_list(value) {
                    if !codes.contains(&code.as_str()) {
                        m.fail(format!(
                            "{here}: `{code}` was not reported (found {codes:?})"
                        ));
                    }
                }
            }
            "absent" => {
                for code in str_list(value) {
                    if codes.contains(&code.as_str()) {
                        m.fail(format!("{here}: `{code}` was reported"));
                    }
                }
            }
            "count" => {
                for (code, n) in value.as_table().expect("count is a table") {
                    let found = codes.iter().filter(|c| **c == code.as_str()).count() as i64;
                    m.eq(&format!("{here}.{code}"), found, n.as_integer().unwrap());
                }
            }
            "require" | "deny_warnings" | "stride_coverage" => {}
            _ => m.fail(format!("{here}: unknown key")),
        }
    }
}

/// `check` as it is, at each `--require` level, with `--deny warnings` and with
/// `--stride-coverage`: exit codes, error and warning counts, codes present and absent.
#[test]
fn check_gives_the_exit_codes_counts_and_codes_the_docs_promise() {
    let mut m = Mismatches::new();
    for (file, name, model) in models() {
        let Some(check) = model.get("check").and_then(Value::as_table) else {
            continue;
        };
        let dir = model_dir(&name);
        let at = format!("{file} [{name}.check]");
        judge_check(&mut m, &at, &dir, &[], check);
        if let Some(levels) = check.get("require").and_then(Value::as_table) {
            for (level, expected) in levels {
                let at = format!("{file} [{name}.check.require] {level}");
                judge_check(
                    &mut m,
                    &at,
                    &dir,
                    &["--require", level],
                    expected.as_table().unwrap(),
                );
            }
        }
        if let Some(expected) = check.get("deny_warnings").and_then(Value::as_table) {
            let at = format!("{file} [{name}.check.deny_warnings]");
            judge_check(&mut m, &at, &dir, &["--deny", "warnings"], expected);
        }
        if let Some(expected) = check.get("stride_coverage").and_then(Value::as_table) {
            let at = format!("{file} [{name}.check.stride_coverage]");
            judge_check(&mut m, &at, &dir, &["--stride-coverage"], expected);
        }
    }
    m.assert("check");
}

fn export_json(dir: &str) -> Json {
    let r = run_owned(&with_today(&["export", dir, "--format", "json"]));
    assert_eq!(r.code, 0, "export {dir}: {}", r.stderr);
    json_of(&r, &format!("export {dir}"))
}

/// The export's entities of a kind (`threats`, `mitigations`, `components`) by id.
fn by_id<'a>(export: &'a Json, kind: &str) -> BTreeMap<&'a str, &'a Json> {
    export[kind]
        .as_array()
        .unwrap_or_else(|| panic!("export has no `{kind}` array"))
        .iter()
        .map(|e| (e["id"].as_str().expect("id"), e))
        .collect()
}

/// Each threat's coverage state in the export, and the summary figures in both
/// `check --format json` and the export (format.md, exports.md).
#[test]
fn coverage_states_and_summary_figures_are_the_expected_ones() {
    let mut m = Mismatches::new();
    for (file, name, model) in models() {
        let dir = model_dir(&name);
        let export = export_json(&dir);
        let threats = by_id(&export, "threats");
        if let Some(states) = model.get("states").and_then(Value::as_table) {
            for (id, state) in states {
                let at = format!("{file} [{name}.states] {id}");
                match threats.get(id.as_str()) {
                    Some(t) => m.eq(&at, t["coverage"].as_str(), state.as_str()),
                    None => m.fail(format!("{at}: no such threat in the export")),
                }
            }
            let unlisted: Vec<&&str> = threats
                .keys()
                .filter(|id| !states.contains_key(**id))
                .collect();
            if !unlisted.is_empty() {
                m.fail(format!(
                    "{file} [{name}.states]: threats with no expected state: {unlisted:?}"
                ));
            }
        }
        if let Some(summary) = model.get("summary").and_then(Value::as_table) {
            let r = run_owned(&with_today(&["check", &dir, "--format", "json"]));
            let check = json_of(&r, &format!("check {dir}"));
            for (key, value) in summary {
                let expected = to_json(value);
                let at = format!("{file} [{name}.summary] {key}");
                m.eq(&format!("{at} (check)"), &check["summary"][key], &expected);
                m.eq(
                    &format!("{at} (export)"),
                    &export["summary"][key],
                    &expected,
                );
            }
        }
    }
    m.assert("states and summary");
}

/// The knowledge-base threats instantiated on each element, exactly
/// (knowledge-bases.md "Instantiated threats and their ids").
#[test]
fn knowledge_base_instances_per_element_are_the_expected_ones() {
    let mut m = Mismatches::new();
    let mut seen = 0;
    for (file, name, model) in models() {
        let Some(instances) = model.get("instances").and_then(Value::as_table) else {
            continue;
        };
        seen += 1;
        let export = export_json(&model_dir(&name));
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for t in export["threats"].as_array().unwrap() {
            let Some(pattern) = t["pattern"].as_str() else {
                continue;
            };
            let id = t["id"].as_str().unwrap();
            let (head, element) = id
                .split_once('@')
                .expect("an instance id is pattern@element");
            m.eq(&format!("{file} [{name}] {id}: pattern"), head, pattern);
            found
                .entry(element.to_string())
                .or_default()
                .insert(pattern.to_string());
        }
        let expected: BTreeMap<String, BTreeSet<String>> = instances
            .iter()
            .map(|(element, patterns)| (element.clone(), str_set(patterns)))
            .collect();
        for element in expected.keys().chain(found.keys()).collect::<BTreeSet<_>>() {
            let (e, f) = (
                expected.get(element).cloned().unwrap_or_default(),
                found.get(element).cloned().unwrap_or_default(),
            );
            if e != f {
                m.fail(format!(
                    "{file} [{name}.instances] {element}: missing {:?}, unexpected {:?}",
                    e.difference(&f).collect::<Vec<_>>(),
                    f.difference(&e).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(seen > 0, "some model expects knowledge-base instances");
    m.assert("knowledge-base instances");
}

/// Fields of mitigations and threats in `export --format json` (exports.md).
#[test]
fn exported_mitigations_and_threats_carry_the_expected_fields() {
    let mut m = Mismatches::new();
    for (file, name, model) in models() {
        let Some(expected) = model.get("export").and_then(Value::as_table) else {
            continue;
        };
        known_keys(
            &mut m,
            &format!("{file} [{name}.export]"),
            expected,
            &["mitigations", "threats"],
        );
        let export = export_json(&model_dir(&name));
        for kind in ["mitigations", "threats"] {
            let Some(entities) = expected.get(kind).and_then(Value::as_table) else {
                continue;
            };
            let found = by_id(&export, kind);
            for (id, fields) in entities {
                let at = format!("{file} [{name}.export.{kind}] {id}");
                let Some(entity) = found.get(id.as_str()) else {
                    m.fail(format!("{at}: not in the export"));
                    continue;
                };
                for (field, value) in fields.as_table().expect("a table of fields") {
                    m.eq(&format!("{at}.{field}"), &entity[field], &to_json(value));
                }
            }
        }
    }
    m.assert("export");
}

fn paths_json(dir: &str, extra: &[&str]) -> (i32, Json) {
    let mut args = vec!["paths", dir, "--format", "json"];
    args.extend_from_slice(extra);
    let r = run_owned(&with_today(&args));
    let json = json_of(&r, &format!("paths {dir} {}", extra.join(" ")));
    (r.code, json)
}

fn str_field_set(json: &Json, key: &str) -> BTreeSet<String> {
    json[key]
        .as_array()
        .unwrap_or_else(|| panic!("paths JSON has no `{key}` array"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// `paths`: sources, targets, unreachable targets, the order of the paths and what
/// they leave open (analysis.md "Attack paths").
#[test]
fn attack_paths_start_and_end_where_the_docs_say() {
    let mut m = Mismatches::new();
    for (file, name, model) in models() {
        let Some(expected) = model.get("paths").and_then(Value::as_table) else {
            continue;
        };
        let dir = model_dir(&name);
        let (code, json) = paths_json(&dir, &[]);
        let paths = json["paths"].as_array().expect("paths");
        let at = format!("{file} [{name}.paths]");
        for (key, value) in expected {
            let here = format!("{at} {key}");
            match key.as_str() {
                "exit" => m.eq(&here, i64::from(code), value.as_integer().unwrap()),
                "sources" | "targets" | "unreachable" => {
                    m.eq(&here, str_field_set(&json, key), str_set(value))
                }
                "first_target" => m.eq(&here, paths[0]["to"].as_str(), value.as_str()),
                "order" => {
                    let mut order: Vec<&str> = Vec::new();
                    for p in paths {
                        let to = p["to"].as_str().unwrap();
                        if !order.contains(&to) {
                            order.push(to);
                        }
                    }
                    m.eq(
                        &here,
                        order,
                        str_list(value).iter().map(String::as_str).collect(),
                    );
                }
                "open_threats" => {
                    for (target, n) in value.as_table().unwrap() {
                        let open = paths
                            .iter()
                            .find(|p| p["to"] == target.as_str())
                            .map(|p| p["open_threats"].as_array().unwrap().len() as i64);
                        m.eq(&format!("{here}.{target}"), open, n.as_integer());
                    }
                }
                "all_steps" => {
                    for p in paths {
                        for step in p["steps"].as_array().unwrap() {
                            m.eq(
                                &format!("{here} ({} → {})", p["from"], step["to"]),
                                step["protection"].as_str(),
                                value.as_str(),
                            );
                        }
                    }
                }
                "to" => {
                    for (target, list) in value.as_table().unwrap() {
                        let (_, json) = paths_json(&dir, &["--to", target]);
                        let found: Vec<(String, bool)> = json["paths"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|p| {
                                (
                                    p["from"].as_str().unwrap().to_string(),
                                    p["unprotected"].as_bool().unwrap(),
                                )
                            })
                            .collect();
                        let expected: Vec<(String, bool)> = list
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|p| {
                                (
                                    p["from"].as_str().unwrap().to_string(),
                                    p["unprotected"].as_bool().unwrap(),
                                )
                            })
                            .collect();
                        m.eq(&format!("{here}.{target}"), found, expected);
                    }
                }
                _ => m.fail(format!("{here}: unknown key")),
            }
        }
    }
    m.assert("paths");
}

/// Mermaid's ⚠ marks, the layout figures of `--stats`, a PNG, and the HTML report
/// (diagrams.md "Marks", docs/html.md).
#[test]
fn diagrams_and_the_html_report_show_what_the_docs_say() {
    let mut m = Mismatches::new();
    let tmp = tempfile::tempdir().unwrap();
    for (file, name, model) in models() {
        let dir = model_dir(&name);
        if let Some(expected) = model.get("diagram").and_then(Value::as_table) {
            let at = format!("{file} [{name}.diagram]");
            let mermaid = run_owned(&with_today(&["diagram", &dir, "--format", "mermaid"]));
            assert_eq!(mermaid.code, 0, "{at}: {}", mermaid.stderr);
            let export = export_json(&dir);
            let components = by_id(&export, "components");
            let marked = |id: &str| {
                let name = components
                    .get(id)
                    .unwrap_or_else(|| panic!("{at}: no component `{id}`"))["name"]
                    .as_str()
                    .unwrap();
                mermaid.stdout.contains(&format!("\"⚠ {name}\""))
            };
            for (key, value) in expected {
                let here = format!("{at} {key}");
                match key.as_str() {
                    "warning_on" => {
                        for id in str_list(value) {
                            m.eq(&format!("{here}: {id} marked"), marked(&id), true);
                        }
                    }
                    "no_warning_on" => {
                        for id in str_list(value) {
                            m.eq(&format!("{here}: {id} marked"), marked(&id), false);
                        }
                    }
                    "warning_marks" => m.eq(
                        &here,
                        mermaid.stdout.matches('⚠').count() as i64,
                        value.as_integer().unwrap(),
                    ),
                    "stats" => {
                        let r = run_owned(&with_today(&["diagram", &dir, "--stats"]));
                        let stats = json_of(&r, &here);
                        for (figure, n) in value.as_table().unwrap() {
                            m.eq(&format!("{here}.{figure}"), &stats[figure], &to_json(n));
                        }
                    }
                    "png_exit" => {
                        let png = tmp.path().join(format!("{name}.png"));
                        let png_arg = png.to_string_lossy().into_owned();
                        let r = run_owned(&with_today(&["diagram", &dir, "-o", &png_arg]));
                        m.eq(&here, i64::from(r.code), value.as_integer().unwrap());
                        let bytes = std::fs::read(&png).unwrap_or_default();
                        m.eq(
                            &format!("{here}: a PNG was written"),
                            bytes.starts_with(b"\x89PNG"),
                            r.code == 0,
                        );
                    }
                    _ => m.fail(format!("{here}: unknown key")),
                }
            }
        }
        if let Some(expected) = model.get("render").and_then(Value::as_table) {
            let at = format!("{file} [{name}.render]");
            known_keys(&mut m, &at, expected, &["html_exit", "html_contains"]);
            let html = tmp.path().join(format!("{name}.html"));
            let html_arg = html.to_string_lossy().into_owned();
            let r = run_owned(&with_today(&[
                "render", &dir, "--format", "html", "-o", &html_arg,
            ]));
            if let Some(exit) = expected.get("html_exit") {
                m.eq(
                    &format!("{at} html_exit"),
                    i64::from(r.code),
                    exit.as_integer().unwrap(),
                );
            }
            let text = std::fs::read_to_string(&html).unwrap_or_default();
            for needle in expected
                .get("html_contains")
                .map(str_list)
                .unwrap_or_default()
            {
                if !text.contains(&needle) {
                    m.fail(format!(
                        "{at} html_contains: `{needle}` is not in the report"
                    ));
                }
            }
        }
    }
    m.assert("diagram and render");
}

/// The id an item of a `diff --format json` section is about.
fn item_id(item: &Json) -> Option<&str> {
    ["threat", "mitigation", "flow", "id"]
        .iter()
        .find_map(|k| item[*k].as_str())
}

/// `diff OLD NEW --fail-on …`: exit codes, the sections of the JSON, which conditions
/// fire on which ids and why, and the Markdown tally (docs/diff.md).
#[test]
fn diff_fails_on_exactly_the_conditions_the_docs_describe() {
    let mut m = Mismatches::new();
    let mut seen = 0;
    for (file, doc) in expectation_files() {
        let Some(cases) = doc.get("diff").and_then(Value::as_table) else {
            continue;
        };
        for (case, expected) in cases {
            seen += 1;
            let expected = expected.as_table().unwrap();
            let at = format!("{file} [diff.{case}]");
            let dir = |key: &str| model_dir(expected[key].as_str().unwrap());
            let (old, new) = (dir("old"), dir("new"));
            let fail_on = expected
                .get("fail_on")
                .map(str_list)
                .unwrap_or_default()
                .join(",");
            let mut args = vec!["diff", &old, &new, "--format", "json"];
            if !fail_on.is_empty() {
                args.extend(["--fail-on", &fail_on]);
            }
            let r = run_owned(&with_today(&args));
            let json = if r.code == 2 {
                Json::Null
            } else {
                json_of(&r, &at)
            };
            for (key, value) in expected {
                let here = format!("{at} {key}");
                match key.as_str() {
                    "old" | "new" | "fail_on" => {}
                    "exit" => m.eq(&here, i64::from(r.code), value.as_integer().unwrap()),
                    "failed" => {
                        let found: BTreeMap<String, Vec<String>> = json["failed"]
                            .as_array()
                            .expect("failed")
                            .iter()
                            .map(|c| {
                                let ids = c["items"].as_array().unwrap();
                                (
                                    c["condition"].as_str().unwrap().to_string(),
                                    ids.iter()
                                        .map(|i| i["id"].as_str().unwrap().to_string())
                                        .collect(),
                                )
                            })
                            .collect();
                        let expected: BTreeMap<String, Vec<String>> = value
                            .as_table()
                            .unwrap()
                            .iter()
                            .map(|(c, ids)| (c.clone(), str_list(ids)))
                            .collect();
                        m.eq(&here, found, expected);
                    }
                    "why" => {
                        for (condition, part) in value.as_table().unwrap() {
                            let whys: Vec<&str> = json["failed"]
                                .as_array()
                                .expect("failed")
                                .iter()
                                .filter(|c| c["condition"] == condition.as_str())
                                .flat_map(|c| c["items"].as_array().unwrap())
                                .map(|i| i["why"].as_str().unwrap())
                                .collect();
                            let part = part.as_str().unwrap();
                            if !whys.iter().any(|w| w.contains(part)) {
                                m.fail(format!(
                                    "{here}.{condition}: no reason says `{part}` (found {whys:?})"
                                ));
                            }
                        }
                    }
                    "md_contains" => {
                        let mut args = vec!["diff", &old, &new, "--format", "md"];
                        if !fail_on.is_empty() {
                            args.extend(["--fail-on", &fail_on]);
                        }
                        let md = run_owned(&with_today(&args));
                        for needle in str_list(value) {
                            if !md.stdout.contains(&needle) {
                                m.fail(format!("{here}: `{needle}` is not in\n{}", md.stdout));
                            }
                        }
                    }
                    section => {
                        let Some(items) = json[section].as_array() else {
                            m.fail(format!("{here}: the JSON has no `{section}` list"));
                            continue;
                        };
                        let expected = value.as_array().unwrap();
                        let ids: Vec<Option<&str>> = items.iter().map(item_id).collect();
                        let want: Vec<Option<&str>> = expected
                            .iter()
                            .map(|e| e.as_str().or_else(|| e.get("id").and_then(Value::as_str)))
                            .collect();
                        m.eq(&here, ids, want);
                        for (item, e) in items.iter().zip(expected) {
                            let Some(fields) = e.as_table() else { continue };
                            for (field, v) in fields.iter().filter(|(k, _)| *k != "id") {
                                m.eq(&format!("{here}.{field}"), &item[field], &to_json(v));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(seen > 0, "some expectation file has diff cases");
    m.assert("diff");
}

fn copy_dir(from: &Path, to: &Path) {
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

/// Reviews recorded in `reviews.toml`, after checking each carries a
/// `state = "sha256:<64 hex>"` (docs/reviews.md).
fn recorded_reviews(path: &Path) -> i64 {
    let Ok(text) = std::fs::read_to_string(path) else {
        return 0;
    };
    let doc: Table = text.parse().expect("reviews.toml is TOML");
    let reviews = doc["review"].as_array().expect("[[review]] entries");
    for r in reviews {
        let state = r["state"].as_str().expect("a state");
        let hex = state
            .strip_prefix("sha256:")
            .unwrap_or_else(|| panic!("state `{state}` starts with sha256:"));
        assert!(
            hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
            "state `{state}` is sha256: and 64 hex digits"
        );
    }
    reviews.len() as i64
}

/// The review workflow, step by step, on a temporary copy of a model: `check
/// --require-review` fails, `review` records an approval, the check passes, an edit that
/// changes the model fails it again (docs/reviews.md).
#[test]
fn the_review_workflow_gates_on_the_approved_state() {
    let mut seen = 0;
    for (file, doc) in expectation_files() {
        let Some(review) = doc.get("review").and_then(Value::as_table) else {
            continue;
        };
        seen += 1;
        let tmp = tempfile::tempdir().unwrap();
        let copy: PathBuf = tmp.path().join(REVIEW_COPY);
        copy_dir(
            &root().join(DIR).join(review["model"].as_str().unwrap()),
            &copy,
        );
        let steps = review["step"].as_array().expect("[[review.step]]");
        for (n, step) in steps.iter().enumerate() {
            let step = step.as_table().unwrap();
            let note = step.get("note").and_then(Value::as_str).unwrap_or("");
            let at = format!("{file} [[review.step]] #{} ({note})", n + 1);
            let mut m = Mismatches::new();
            known_keys(
                &mut m,
                &at,
                step,
                &[
                    "note",
                    "args",
                    "edit",
                    "exit",
                    "codes",
                    "message_contains",
                    "reviews",
                ],
            );
            if let Some(edit) = step.get("edit").and_then(Value::as_table) {
                let path = copy.join("model.toml");
                let text = std::fs::read_to_string(&path).unwrap();
                let old = edit["old"].as_str().unwrap();
                let new = edit["new"].as_str().unwrap();
                assert!(text.contains(old), "{at}: model.toml has no `{old}`");
                let all = edit.get("all").and_then(Value::as_bool).unwrap_or(false);
                let edited = if all {
                    text.replace(old, new)
                } else {
                    text.replacen(old, new, 1)
                };
                std::fs::write(&path, edited).unwrap();
            }
            let args: Vec<String> = match step.get("args") {
                Some(args) => str_list(args),
                None => ["check", REVIEW_COPY, "--require-review"]
                    .map(String::from)
                    .to_vec(),
            };
            let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
            if args[0] == "check" {
                args.extend(["--today", TODAY, "--format", "json"]);
            }
            let r = run_in(tmp.path(), &args);
            if let Some(exit) = step.get("exit") {
                m.eq(
                    &format!("{at} exit"),
                    i64::from(r.code),
                    exit.as_integer().unwrap(),
                );
            }
            let check = (args[0] == "check").then(|| json_of(&r, &at));
            if let Some(codes) = step.get("codes") {
                let found: BTreeSet<String> =
                    check.as_ref().expect("codes of a check")["diagnostics"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| d["code"].as_str().unwrap().to_string())
                        .collect();
                for code in str_list(codes) {
                    if !found.contains(&code) {
                        m.fail(format!(
                            "{at} codes: `{code}` was not reported (found {found:?})"
                        ));
                    }
                }
            }
            if let Some(needle) = step.get("message_contains").and_then(Value::as_str) {
                let check = check.as_ref().expect("messages of a check");
                if !check["diagnostics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d["message"].as_str().unwrap().contains(needle))
                {
                    m.fail(format!("{at}: no message says `{needle}`:\n{}", r.stdout));
                }
            }
            if let Some(n) = step.get("reviews") {
                m.eq(
                    &format!("{at} reviews"),
                    recorded_reviews(&copy.join("reviews.toml")),
                    n.as_integer().unwrap(),
                );
            }
            m.assert(&format!("review step {}", n + 1));
        }
    }
    assert!(seen > 0, "some expectation file has a review workflow");
}
