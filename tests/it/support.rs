//! Running the binary and finding fixtures.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The date every test judges acceptances on, so results do not change with the clock.
pub const TODAY: &str = "2026-11-27";

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The repository root; tests run the binary from there so paths in output are short.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `threatbook` with `args` from the repository root.
pub fn run(args: &[&str]) -> Run {
    run_in(root(), args)
}

pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_threatbook"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `check DIR --today TODAY --format json`, parsed.
pub fn check_json(dir: &str) -> (i32, serde_json::Value) {
    check_json_with(dir, &[])
}

/// `check DIR --today TODAY --format json` with `extra` arguments, parsed.
pub fn check_json_with(dir: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["check", dir, "--today", TODAY, "--format", "json"];
    args.extend_from_slice(extra);
    let r = run(&args);
    let json = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("check --format json printed no JSON ({e}): {}", r.stdout));
    (r.code, json)
}

/// The codes of the diagnostics in a `check --format json` document.
pub fn codes(json: &serde_json::Value) -> Vec<String> {
    json["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| d["code"].as_str().expect("code").to_string())
        .collect()
}

/// Fixture folders of a group (`valid` or `invalid`), sorted by name, as paths relative
/// to the repository root.
pub fn fixtures(group: &str) -> Vec<(String, String)> {
    let dir: PathBuf = root().join("tests/fixtures").join(group);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| (n.clone(), format!("tests/fixtures/{group}/{n}")))
        .collect()
}
