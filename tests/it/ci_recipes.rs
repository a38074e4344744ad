//! docs/ci.md and .pre-commit-hooks.yaml: the YAML parses, and every `threatbook`
//! command line in it runs against the bundled FastAPI model.

use crate::support::{TODAY, root, run_in};

/// The contents of the ```yaml blocks of docs/ci.md.
fn yaml_blocks() -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    doc.split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_string())
        .collect()
}

/// Every string value under a `run` or `script` key, recursively.
fn commands(value: &serde_yaml_ng::Value, out: &mut Vec<String>) {
    use serde_yaml_ng::Value;
    match value {
        Value::Mapping(m) => {
            for (k, v) in m {
                let key = k.as_str().unwrap_or("");
                match (key, v) {
                    ("run", Value::String(s)) => out.extend(s.lines().map(str::to_string)),
                    ("script", Value::Sequence(items)) => {
                        out.extend(items.iter().filter_map(|i| i.as_str()).map(str::to_string))
                    }
                    _ => commands(v, out),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|i| commands(i, out)),
        _ => {}
    }
}

/// Runs a `threatbook …` line with the model folder `threat-model` standing for the
/// bundled FastAPI model, in `dir`; returns the exit code.
fn run_line(dir: &std::path::Path, line: &str) -> i32 {
    let model = root().join("catalog/fastapi");
    let model = model.to_str().unwrap();
    let mut args: Vec<&str> = line
        .split_whitespace()
        .skip(1)
        .map(|a| if a == "threat-model" { model } else { a })
        .collect();
    args.extend(["--today", TODAY]);
    let r = run_in(dir, &args);
    assert!(
        r.code == 0 || r.code == 1,
        "`{line}` was misused or failed ({}): {}",
        r.code,
        r.stderr
    );
    r.code
}

#[test]
fn the_ci_recipes_parse_and_their_commands_run() {
    let blocks = yaml_blocks();
    assert_eq!(blocks.len(), 3, "GitHub, pre-commit and GitLab");
    let tmp = tempfile::tempdir().unwrap();
    let mut ran = Vec::new();
    for block in &blocks {
        let value: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(block).unwrap_or_else(|e| panic!("{e}:\n{block}"));
        let mut lines = Vec::new();
        commands(&value, &mut lines);
        for line in lines.iter().filter(|l| l.starts_with("threatbook ")) {
            run_line(tmp.path(), line);
            ran.push(line.clone());
        }
    }
    // The GitHub workflow's export is the SARIF it uploads.
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("threatbook.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(tmp.path().join("threat-model.html").is_file());
    assert!(
        ran.iter().any(|l| l.starts_with("threatbook check")),
        "{ran:?}"
    );
    // The GitHub workflow uploads the file it exported.
    let github: serde_yaml_ng::Value = serde_yaml_ng::from_str(&blocks[0]).unwrap();
    let steps = github["jobs"]["threatbook"]["steps"].as_sequence().unwrap();
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
            && s["with"]["sarif_file"] == "threatbook.sarif"
    }));
}

#[test]
fn the_pre_commit_hook_parses_and_runs_as_the_docs_configure_it() {
    let hooks: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap(),
    )
    .unwrap();
    let hook = &hooks[0];
    assert_eq!(hook["id"], "threatbook-check");
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["pass_filenames"], false);
    let entry = hook["entry"].as_str().unwrap();
    // The configuration of docs/ci.md gives the model folder as the hook's argument.
    let config: serde_yaml_ng::Value = serde_yaml_ng::from_str(&yaml_blocks()[1]).unwrap();
    let used = &config["repos"][0]["hooks"][0];
    assert_eq!(used["id"], "threatbook-check");
    let args: Vec<&str> = used["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let line = format!("{entry} {}", args.join(" "));
    let tmp = tempfile::tempdir().unwrap();
    // The FastAPI model has one uncovered threat on purpose: the hook fails the commit.
    assert_eq!(run_line(tmp.path(), &line), 1);
}
