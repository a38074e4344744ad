//! `threatbook evidence`: a reproducible, hashed bundle, and `evidence verify` catching
//! every kind of tampering.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::support::{TODAY, root, run};

const MODEL: &str = "catalog/fastapi";

/// Runs `evidence MODEL -o OUT` with SOURCE_DATE_EPOCH set, as a reproducible build would.
fn bundle(out: &Path) -> (i32, String) {
    let r = Command::new(env!("CARGO_BIN_EXE_threatbook"))
        .args(["evidence", MODEL, "--today", TODAY, "-o"])
        .arg(out)
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", "1798329600")
        .output()
        .unwrap();
    (
        r.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&r.stderr).into_owned(),
    )
}

/// Every file under `dir` by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn verify(out: &Path) -> crate::support::Run {
    run(&["evidence", "verify", out.to_str().unwrap()])
}

#[test]
fn a_bundle_holds_reports_exports_inputs_and_a_manifest_of_them() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("evidence");
    let (code, stderr) = bundle(&out);
    assert_eq!(code, 0, "{stderr}");
    let found = files(&out);
    for path in [
        "manifest.json",
        "report.md",
        "report.html",
        "diagram.svg",
        "export/threatbook.json",
        "export/threatbook.sarif",
        "export/threat-register.csv",
        "model/threatbook.toml",
        "model/status.toml",
        "knowledge/fastapi/kb.toml",
        "knowledge/fastapi/patterns-flows.toml",
    ] {
        assert!(
            found.contains_key(path),
            "{path} missing: {:?}",
            found.keys()
        );
    }
    let model_file = std::fs::read(root().join(MODEL).join("threatbook.toml")).unwrap();
    assert_eq!(found["model/threatbook.toml"], model_file);
    let manifest: serde_json::Value = serde_json::from_slice(&found["manifest.json"]).unwrap();
    assert_eq!(manifest["generated"], "2026-12-27T00:00:00Z");
    assert_eq!(manifest["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(manifest["git"]["commit"].is_string() || manifest["git"]["commit"].is_null());
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let mut on_disk: Vec<&str> = found.keys().map(String::as_str).collect();
    on_disk.retain(|p| *p != "manifest.json");
    assert_eq!(listed, on_disk, "every file listed once, sorted");
    let csv = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "export/threat-register.csv")
        .expect("the CSV export is listed");
    assert_eq!(
        csv["size"].as_u64().unwrap() as usize,
        found["export/threat-register.csv"].len()
    );
    assert_eq!(csv["sha256"].as_str().unwrap().len(), 64);
    let r = verify(&out);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn without_source_date_epoch_the_manifest_records_the_time_of_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("evidence");
    let now = || {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        threatbook::model::Date::format_timestamp(secs)
    };
    let before = now();
    // `run` clears SOURCE_DATE_EPOCH.
    let r = run(&[
        "evidence",
        MODEL,
        "--today",
        TODAY,
        "-o",
        out.to_str().unwrap(),
    ]);
    let after = now();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let generated = manifest["generated"].as_str().expect("a time, not null");
    // The same fixed-width RFC 3339 form, so text order is time order.
    assert_eq!(generated.len(), "2026-12-27T00:00:00Z".len(), "{generated}");
    assert!(
        before.as_str() <= generated && generated <= after.as_str(),
        "{before} <= {generated} <= {after}"
    );
}

#[test]
fn two_runs_on_the_same_input_give_byte_identical_bundles() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert_eq!(bundle(&a).0, 0);
    assert_eq!(bundle(&b).0, 0);
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (path, bytes) in &fa {
        assert!(fb[path] == *bytes, "{path} differs between runs");
    }
    // Writing again over a bundle replaces it with the same bytes.
    assert_eq!(bundle(&a).0, 0);
    assert_eq!(files(&a), fa);
}

#[test]
fn verify_names_a_changed_byte_a_deleted_file_and_an_extra_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("evidence");
    assert_eq!(bundle(&out).0, 0);
    let report = out.join("report.md");
    let mut bytes = std::fs::read(&report).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&report, bytes).unwrap();
    std::fs::remove_file(out.join("export/threatbook.sarif")).unwrap();
    std::fs::write(out.join("model/extra.toml"), "x = 1\n").unwrap();
    let r = verify(&out);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "changed: report.md\nadded: model/extra.toml\nremoved: export/threatbook.sarif\n"
    );
    // Each kind of tampering alone is enough.
    for tamper in ["change", "delete", "add"] {
        let out = tmp.path().join(tamper);
        assert_eq!(bundle(&out).0, 0);
        match tamper {
            "change" => std::fs::write(out.join("export/threatbook.json"), "{}").unwrap(),
            "delete" => std::fs::remove_file(out.join("model/threatbook.toml")).unwrap(),
            _ => std::fs::write(out.join("notes.txt"), "").unwrap(),
        }
        let r = verify(&out);
        assert_eq!(r.code, 1, "{tamper}: {}", r.stdout);
        assert_eq!(r.stdout.lines().count(), 1, "{tamper}: {}", r.stdout);
    }
}

#[test]
fn verify_without_a_manifest_is_a_failure() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(verify(tmp.path()).code, 2);
    std::fs::write(tmp.path().join("manifest.json"), "{\"files\": 3}").unwrap();
    let r = verify(tmp.path());
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not a valid evidence manifest"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_failed_run_leaves_no_bundle_and_nothing_is_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("evidence");
    let broken = run(&[
        "evidence",
        "tests/fixtures/invalid/duplicate-id",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(broken.code, 2);
    // Not a bundle: a folder with other files is refused and left as it was.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("keep.txt"), "mine").unwrap();
    let (code, stderr) = bundle(&other);
    assert_eq!(code, 2);
    assert!(stderr.contains("not an evidence bundle"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(other.join("keep.txt")).unwrap(),
        "mine"
    );
    // A file in the way of a sub-folder makes the write fail half-way.
    let blocked = tmp.path().join("blocked-parent");
    std::fs::write(&blocked, "a file, not a folder").unwrap();
    let (code, _) = bundle(&blocked.join("evidence"));
    assert_eq!(code, 2);
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["blocked-parent", "other"],
        "no staging folder left behind"
    );
}

/// The CLI writes each file of the bundle as it is made; the bundle is the one written
/// from the whole list of files at once.
#[test]
fn a_streamed_bundle_is_the_bundle_of_all_its_files_at_once() {
    use threatbook::evidence::{self, Manifest};
    let today = threatbook::model::Date::parse(TODAY).unwrap();
    let mut project = threatbook::open(&root().join("catalog/fastapi"));
    project.check(&threatbook::check::Options::new(today));
    let model = project.model.as_ref().unwrap();
    let findings: Vec<_> = project.diagnostics.iter().cloned().collect();
    let input = threatbook::export::Input {
        model,
        sources: &project.sources,
        today,
        findings: &findings,
    };
    let meta = || {
        Manifest::new(
            &model.project.name,
            today.to_string(),
            None,
            Default::default(),
        )
    };
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let none = threatbook::output::Inputs::default();
    let all = evidence::artefacts(&input).unwrap();
    let whole = evidence::write(&a, &all, meta(), &none).unwrap();
    let streamed = evidence::write_streamed(&b, &input, meta(), &none, &|_, _| {}).unwrap();
    assert_eq!(whole.files.len(), streamed.files.len());
    assert!(whole.files.len() > 10);
    assert_eq!(files(&a), files(&b));
}
