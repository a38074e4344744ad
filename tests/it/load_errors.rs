//! Load errors whose inputs are made at test time: paths that do not exist, files where
//! a folder is expected, broken links, symlink loops, empty folders, inputs over the
//! size limits.

use crate::support::{TODAY, codes, run_in};

fn check_codes(dir: &std::path::Path, model: &str) -> (i32, Vec<String>, String) {
    let r = run_in(dir, &["check", model, "--today", TODAY, "--format", "json"]);
    let json: serde_json::Value =
        serde_json::from_str(&r.stdout).expect("JSON even on load errors");
    (r.code, codes(&json), r.stderr)
}

const MANIFEST: &str = "[project]\nname = \"T\"\n";

#[test]
fn a_missing_path_is_model_not_found() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, codes, _) = check_codes(tmp.path(), "no-such-folder");
    assert_eq!((code, codes), (2, vec!["model-not-found".to_string()]));
}

#[test]
fn a_file_instead_of_a_folder_is_model_not_found() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("threatbook.toml"), MANIFEST).unwrap();
    let (code, codes, _) = check_codes(tmp.path(), "threatbook.toml");
    assert_eq!((code, codes), (2, vec!["model-not-found".to_string()]));
}

#[test]
fn an_empty_folder_is_missing_its_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    let (code, codes, _) = check_codes(tmp.path(), "empty");
    assert_eq!((code, codes), (2, vec!["missing-manifest".to_string()]));
}

#[cfg(unix)]
#[test]
fn a_broken_link_is_an_io_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m");
    std::fs::create_dir(&model).unwrap();
    std::fs::write(model.join("threatbook.toml"), MANIFEST).unwrap();
    std::os::unix::fs::symlink("nowhere.toml", model.join("gone.toml")).unwrap();
    let (code, codes, _) = check_codes(tmp.path(), "m");
    assert_eq!(code, 2);
    assert_eq!(codes, ["io-error"]);
    let r = run_in(tmp.path(), &["check", "m", "--today", TODAY]);
    assert!(r.stderr.contains("m/gone.toml"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_reported_once_and_does_not_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m");
    std::fs::create_dir_all(model.join("sub")).unwrap();
    std::fs::write(model.join("threatbook.toml"), MANIFEST).unwrap();
    std::os::unix::fs::symlink("..", model.join("sub/up")).unwrap();
    let (code, codes, _) = check_codes(tmp.path(), "m");
    assert_eq!(code, 2);
    assert_eq!(codes, ["symlink-loop"]);
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m");
    std::fs::create_dir(&model).unwrap();
    std::fs::write(model.join("threatbook.toml"), MANIFEST).unwrap();
    // A sparse file: its size is over the limit, its bytes are never read.
    let big = std::fs::File::create(model.join("big.toml")).unwrap();
    big.set_len(threatbook::load::limits::MAX_FILE_BYTES + 1)
        .unwrap();
    let (code, codes, _) = check_codes(tmp.path(), "m");
    assert_eq!((code, codes), (2, vec!["input-limit".to_string()]));
    let r = run_in(tmp.path(), &["check", "m", "--today", TODAY]);
    assert!(r.stderr.contains("m/big.toml"), "{}", r.stderr);
}

#[test]
fn a_folder_with_too_many_files_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m");
    std::fs::create_dir(&model).unwrap();
    std::fs::write(model.join("threatbook.toml"), MANIFEST).unwrap();
    for i in 0..threatbook::load::limits::MAX_FILES {
        std::fs::write(model.join(format!("f{i}.toml")), "").unwrap();
    }
    let (code, codes, _) = check_codes(tmp.path(), "m");
    assert_eq!(code, 2);
    assert!(codes.contains(&"input-limit".to_string()), "{codes:?}");
}

#[test]
fn an_overlong_string_is_refused_with_its_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m");
    std::fs::create_dir(&model).unwrap();
    let name = "x".repeat(threatbook::load::limits::MAX_STRING_BYTES + 1);
    std::fs::write(
        model.join("threatbook.toml"),
        format!("[project]\nname = \"{name}\"\n"),
    )
    .unwrap();
    let r = run_in(
        tmp.path(),
        &["check", "m", "--today", TODAY, "--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let d = &json["diagnostics"][0];
    assert_eq!(d["code"], "input-limit", "{d}");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(8))
    );
}

/// A model whose flows file is several MiB (read in pieces) with `bad` in place of the
/// `k`-th flow's name line; returns the folder and the 1-based line of that line.
fn large_flows_file(tmp: &std::path::Path, bad: &str, k: usize) -> usize {
    let model = tmp.join("m");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(model.join("threatbook.toml"), MANIFEST).unwrap();
    std::fs::write(
        model.join("model.toml"),
        "[[zone]]\nid = \"z\"\nname = \"Z\"\ntrust = 1\n\
         [[component]]\nid = \"a\"\nname = \"A\"\nkind = \"process\"\nzone = \"z\"\n\
         [[component]]\nid = \"b\"\nname = \"B\"\nkind = \"process\"\nzone = \"z\"\n",
    )
    .unwrap();
    let mut flows = String::new();
    let mut line = 0;
    for i in 0..40_000 {
        flows.push_str(&format!("[[flow]]\nid = \"f-{i}\"\n"));
        if i == k {
            line = flows.lines().count() + 1;
            flows.push_str(bad);
            flows.push('\n');
        } else {
            flows.push_str(&format!("name = \"Flow number {i} of many\"\n"));
        }
        flows.push_str("from = \"a\"\nto = \"b\"\nprotocol = \"HTTPS\"\nencrypted = true\n");
    }
    assert!(flows.len() > 3 << 20, "{} bytes", flows.len());
    std::fs::write(model.join("flows.toml"), flows).unwrap();
    line
}

/// Large files are parsed in pieces: a problem in a late piece is still reported at its
/// own line, whether the pieces are read (an unknown key) or the file falls back to
/// being read whole (a syntax error).
#[test]
fn problems_deep_in_a_large_file_are_reported_where_they_are() {
    for (bad, code, column) in [
        ("name = \"F\"\ncolour = \"red\"", "unknown-field", 1),
        ("name = = \"F\"", "toml-syntax", 8),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let mut line = large_flows_file(tmp.path(), bad, 37_000);
        if code == "unknown-field" {
            line += 1;
        }
        let r = run_in(
            tmp.path(),
            &["check", "m", "--today", TODAY, "--format", "json"],
        );
        let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
        let found: Vec<&serde_json::Value> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == code)
            .collect();
        // The parser may report a second error where it recovers, on the same line.
        assert!(
            !found.is_empty() && found.len() <= 2,
            "{code}: {}",
            r.stdout
        );
        let d = found[0];
        assert!(d["file"].as_str().unwrap().ends_with("flows.toml"), "{d}");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(line as u64), Some(column)),
            "{d}"
        );
    }
}
