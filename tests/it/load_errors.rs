//! Load errors whose inputs are made at test time: paths that do not exist, files where
//! a folder is expected, broken links, symlink loops, empty folders.

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
