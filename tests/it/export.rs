//! `threatbook export`: JSON against its own schema, SARIF against the SARIF 2.1.0
//! schema, and a CSV threat register that no spreadsheet can run as formulas.

use std::path::PathBuf;

use crate::support::{TODAY, check_json, root, run};

fn export(dir: &str, format: &str) -> String {
    let r = run(&["export", dir, "--format", format, "--today", TODAY]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Validates `instance` against `schema`, failing with every error it has.
fn assert_valid(schema: &serde_json::Value, instance: &serde_json::Value) {
    let validator = jsonschema::validator_for(schema).expect("a usable schema");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The official SARIF 2.1.0 schema, kept in `tests/fixtures/corpus/sarif/`.
fn sarif_schema() -> serde_json::Value {
    let path: PathBuf = root().join("tests/fixtures/corpus/sarif/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the SARIF schema {}: {e}", path.display()));
    // The `language` pattern has a bare `]`, a literal under ECMAScript's Annex B that
    // the validator's regex engine rejects; escaping it keeps the meaning exactly.
    let bare = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert!(
        text.contains(bare),
        "the SARIF schema changed; revisit this repair"
    );
    json(&text.replace(bare, r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#))
}

const FIXTURES: &[&str] = &[
    "catalog/fastapi",
    "tests/fixtures/valid/accepted-risk",
    "tests/fixtures/invalid/uncovered-threat",
    "tests/fixtures/invalid/unprotected-boundary-crossing",
    "tests/fixtures/export/hostile",
    "tests/fixtures/valid/reviewed",
];

#[test]
fn the_json_export_matches_its_committed_schema() {
    let schema_text = std::fs::read_to_string(root().join("schema/threatbook-export.schema.json"))
        .expect("committed export schema");
    assert_eq!(run(&["schema", "--export"]).stdout, schema_text);
    let schema = json(&schema_text);
    for dir in FIXTURES {
        let doc = json(&export(dir, "json"));
        assert_valid(&schema, &doc);
        assert_eq!(doc["format_version"], 1, "{dir}");
    }
    let reviewed = json(&export("tests/fixtures/valid/reviewed", "json"));
    let decisions: Vec<&str> = reviewed["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["decision"].as_str().unwrap())
        .collect();
    assert_eq!(decisions, ["changes-requested", "approved"], "oldest first");
}

#[test]
fn the_json_export_holds_every_finding_of_check_and_sorts_entities_by_id() {
    let dir = "tests/fixtures/invalid/uncovered-threat";
    let doc = json(&export(dir, "json"));
    let (_, check) = check_json(dir);
    assert_eq!(doc["findings"], check["diagnostics"]);
    let fastapi = json(&export("catalog/fastapi", "json"));
    for kind in ["zones", "components", "flows", "threats", "mitigations"] {
        let ids: Vec<&str> = fastapi[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "{kind}");
        assert!(!ids.is_empty(), "{kind}");
    }
    let threat = &fastapi["threats"][0];
    assert!(threat["coverage"].is_string() && threat["source"]["line"].as_u64() > Some(0));
}

#[test]
fn the_sarif_export_is_valid_sarif_2_1_0() {
    let schema = sarif_schema();
    for dir in FIXTURES {
        let log = json(&export(dir, "sarif"));
        assert_valid(&schema, &log);
        assert_eq!(log["version"], "2.1.0");
    }
    // The validation has teeth: a level SARIF does not define is rejected.
    let mut bad = json(&export("tests/fixtures/invalid/uncovered-threat", "sarif"));
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(!validator.is_valid(&bad));
}

#[test]
fn each_sarif_result_points_at_the_line_and_column_check_reports() {
    for dir in [
        "tests/fixtures/invalid/uncovered-threat",
        "tests/fixtures/invalid/unprotected-boundary-crossing",
        "tests/fixtures/invalid/orphan-component",
    ] {
        let log = json(&export(dir, "sarif"));
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        let (_, check) = check_json(dir);
        let diagnostics = check["diagnostics"].as_array().unwrap();
        assert_eq!(results.len(), diagnostics.len(), "{dir}");
        assert!(!results.is_empty(), "{dir}");
        for (result, d) in results.iter().zip(diagnostics) {
            assert_eq!(result["ruleId"], d["code"]);
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], d["code"], "ruleIndex names the rule");
            assert_eq!(result["level"], d["severity"]);
            let location = &result["locations"][0]["physicalLocation"];
            assert_eq!(location["artifactLocation"]["uri"], d["file"]);
            assert_eq!(location["region"]["startLine"], d["line"]);
            assert_eq!(location["region"]["startColumn"], d["column"]);
            assert_eq!(location["region"]["endColumn"], d["end_column"]);
        }
    }
}

/// Splits RFC 4180 text into rows of cells (quoted cells may hold commas, quotes and
/// line breaks); a small reader so the test does not trust the writer's own code.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => assert_eq!(chars.next(), Some('\n'), "CR without LF"),
            (false, '\n') => panic!("a record ends in a bare LF, not CRLF"),
            (false, c) => cell.push(c),
        }
        if !quoted && c == '\r' {
            row.push(std::mem::take(&mut cell));
            rows.push(std::mem::take(&mut row));
        }
    }
    assert!(
        cell.is_empty() && row.is_empty(),
        "the last record ends in CRLF"
    );
    rows
}

#[test]
fn the_csv_register_neutralises_formulas_and_quotes_by_rfc_4180() {
    let text = export("tests/fixtures/export/hostile", "csv");
    let rows = parse_csv(&text);
    assert_eq!(rows[0][0], "threat_id");
    for row in &rows {
        assert_eq!(row.len(), rows[0].len(), "{row:?}");
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would run: {cell:?}"
            );
        }
    }
    let title = |id: &str| {
        rows.iter()
            .find(|r| r[0] == id)
            .unwrap_or_else(|| panic!("no row {id}"))[1]
            .clone()
    };
    assert_eq!(title("formula"), "'=cmd|' /C calc'!A0");
    assert_eq!(title("plus"), "'+1+1");
    assert_eq!(title("minus"), "'-2+3");
    assert_eq!(title("at"), "'@SUM(1,2)");
    assert_eq!(title("tab"), "'\tleading tab");
    assert_eq!(title("quoted"), "Says \"hi\", then\nbreaks the line");
    let quoted = rows.iter().find(|r| r[0] == "quoted").unwrap();
    assert_eq!(quoted[8], "'=evil() until 2099-01-01");
    let minus = rows.iter().find(|r| r[0] == "minus").unwrap();
    assert_eq!(minus[9], "'-owner-team");
}

#[test]
fn the_csv_register_has_a_row_per_threat_and_target() {
    let rows = parse_csv(&export("tests/fixtures/export/hostile", "csv"));
    let keys: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("at", "db"),
            ("formula", "query"),
            ("formula", "web"),
            ("minus", "db"),
            ("plus", "db"),
            ("quoted", "web"),
            ("tab", "web"),
        ]
    );
    let tab = &rows[7];
    assert_eq!((tab[6].as_str(), tab[7].as_str()), ("uncovered", ""));
}

#[test]
fn exports_of_a_fixture_read_as_expected() {
    let dir = "tests/fixtures/valid/accepted-risk";
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("export-accepted-risk-json", export(dir, "json"));
        insta::assert_snapshot!("export-accepted-risk-sarif", export(dir, "sarif"));
        insta::assert_snapshot!("export-accepted-risk-csv", export(dir, "csv"));
    });
}

#[test]
fn export_writes_a_file_and_nothing_for_a_broken_model() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.sarif");
    let out_arg = out.to_str().unwrap();
    let ok = run(&[
        "export",
        "tests/fixtures/valid/minimal",
        "--format",
        "sarif",
        "--today",
        TODAY,
        "-o",
        out_arg,
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        export("tests/fixtures/valid/minimal", "sarif")
    );
    std::fs::remove_file(&out).unwrap();
    let broken = run(&[
        "export",
        "tests/fixtures/invalid/duplicate-id",
        "--format",
        "json",
        "-o",
        out_arg,
    ]);
    assert_eq!(broken.code, 2);
    assert!(!out.exists());
    assert_eq!(
        run(&["export", "catalog/fastapi", "--format", "xml"]).code,
        2
    );
}

/// Only a claim can be contradicted: the same requirement on a planned mitigation
/// describes what will be true, and the export names no contradiction for it.
#[test]
fn the_json_export_names_contradictions_of_claims_only() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = root().join("tests/fixtures/invalid/contradicted-mitigation/model.toml");
    let text = std::fs::read_to_string(fixture).unwrap();
    for (status, expected) in [("implemented", vec!["request"]), ("planned", vec![])] {
        let dir = tmp.path().join(status);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("threatbook.toml"),
            "[project]\nname = \"Claims\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("model.toml"),
            text.replace(
                "status = \"implemented\"",
                &format!("status = \"{status}\""),
            ),
        )
        .unwrap();
        let out = json(&export(dir.to_str().unwrap(), "json"));
        let tls = out["mitigations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == "tls")
            .unwrap();
        assert_eq!(
            tls["contradicted_by"],
            serde_json::json!(expected),
            "{status}"
        );
        assert_eq!(tls["effective"], false, "{status}");
    }
}
