//! Where `-o` writes: standard output, files replaced atomically with the umask's mode,
//! links followed, FIFOs and devices written in place, the model's own files refused,
//! and the format taken from the file's extension.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Run, TODAY, root, run, run_in};

const MODEL: &str = "tests/fixtures/valid/minimal";

/// Runs the binary through `sh` with `umask` set, from the repository root.
fn run_with_umask(umask: &str, args: &[&str]) -> Run {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_threatbook"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("sh runs the binary");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A copy of the minimal model in `tmp/model`, for tests that must not touch fixtures.
fn model_copy(tmp: &Path) -> PathBuf {
    let model = tmp.join("model");
    std::fs::create_dir(&model).unwrap();
    for entry in std::fs::read_dir(root().join(MODEL)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), model.join(entry.file_name())).unwrap();
    }
    model
}

#[test]
fn output_files_get_the_umask_mode_not_0600() {
    let tmp = tempfile::tempdir().unwrap();
    for (umask, want) in [("022", 0o644), ("027", 0o640)] {
        for (command, file) in [
            ("render", "report.md"),
            ("diagram", "dfd.svg"),
            ("export", "model.json"),
        ] {
            let out = tmp.path().join(format!("{umask}-{file}"));
            let r = run_with_umask(umask, &[command, MODEL, "--today", TODAY, "-o", arg(&out)]);
            assert_eq!(r.code, 0, "{command}: {}", r.stderr);
            assert_eq!(mode(&out), want, "{command} under umask {umask}");
        }
    }
}

#[test]
fn an_imported_model_folder_gets_the_umask_mode_not_0700() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("imported");
    let source = "tests/fixtures/corpus/otm/EXAMPLE.json";
    let r = run_with_umask(
        "022",
        &[
            "import",
            "--from",
            "otm",
            source,
            "-o",
            arg(&out),
            "--accept-until",
            "2027-06-30",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(mode(&out), 0o755);
    assert_eq!(mode(&out.join("threatbook.toml")), 0o644);
}

#[test]
fn a_replaced_output_file_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.md");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = run_with_umask("022", &["render", MODEL, "--today", TODAY, "-o", arg(&out)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(mode(&out), 0o600);
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("# "));
}

#[test]
fn site_and_evidence_folders_get_the_umask_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let bundle = tmp.path().join("bundle");
    for (command, out) in [("site", &site), ("evidence", &bundle)] {
        let r = run_with_umask("022", &[command, MODEL, "--today", TODAY, "-o", arg(out)]);
        assert_eq!(r.code, 0, "{command}: {}", r.stderr);
        let mut stack = vec![out.clone()];
        while let Some(dir) = stack.pop() {
            assert_eq!(mode(&dir), 0o755, "{}", dir.display());
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    assert_eq!(mode(&path), 0o644, "{}", path.display());
                }
            }
        }
    }
}

#[test]
fn dash_output_is_standard_output_not_a_file_named_dash() {
    let tmp = tempfile::tempdir().unwrap();
    let model = root().join(MODEL);
    for command in ["render", "diagram"] {
        let r = run_in(
            tmp.path(),
            &[command, arg(&model), "--today", TODAY, "-o", "-"],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!r.stdout.is_empty(), "{command} printed nothing");
        assert!(!tmp.path().join("-").exists(), "{command} wrote a file `-`");
    }
    let r = run_in(
        tmp.path(),
        &["export", arg(&model), "--format", "json", "-o", "-"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str::<serde_json::Value>(&r.stdout).expect("JSON on standard output");
    assert!(!tmp.path().join("-").exists());
}

#[test]
fn a_folder_output_of_dash_is_refused_not_a_folder_named_dash() {
    let tmp = tempfile::tempdir().unwrap();
    let model = root().join(MODEL);
    for command in ["site", "evidence"] {
        let r = run_in(
            tmp.path(),
            &[command, arg(&model), "--today", TODAY, "-o", "-"],
        );
        assert_eq!(r.code, 2, "{command}: {}", r.stderr);
        assert!(r.stderr.contains("not a folder"), "{command}: {}", r.stderr);
        assert!(
            !tmp.path().join("-").exists(),
            "{command} wrote a folder `-`"
        );
    }
}

#[test]
fn a_closed_standard_output_is_quiet_and_not_a_failure() {
    use std::process::Stdio;
    // The HTML report of the catalog model is larger than a pipe's buffer, so the write
    // meets the closed pipe whatever the timing.
    let mut child = Command::new(env!("CARGO_BIN_EXE_threatbook"))
        .args([
            "render",
            "catalog/fastapi",
            "--format",
            "html",
            "--today",
            TODAY,
        ])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn a_symlinked_output_keeps_the_link_and_replaces_its_target() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("real")).unwrap();
    let target = tmp.path().join("real/report.md");
    std::fs::write(&target, "old").unwrap();
    let link = tmp.path().join("report.md");
    std::os::unix::fs::symlink("real/report.md", &link).unwrap();
    let r = run(&["render", MODEL, "--today", TODAY, "-o", arg(&link)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    assert!(std::fs::read_to_string(&target).unwrap().starts_with("# "));
    let names: Vec<_> = std::fs::read_dir(tmp.path().join("real"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        ["report.md"],
        "no temporary file left beside the target"
    );
}

#[test]
fn a_fifo_output_is_written_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("dfd.svg");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let r = run(&["diagram", MODEL, "--today", TODAY, "-o", arg(&fifo)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let read = reader.join().unwrap();
    assert!(read.contains("<svg"), "{read}");
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

#[test]
fn dev_null_output_is_written_into_and_stays_a_device() {
    use std::os::unix::fs::FileTypeExt;
    for command in ["render", "diagram"] {
        let r = run(&[command, MODEL, "--today", TODAY, "-o", "/dev/null"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.is_empty());
    }
    let r = run(&["export", MODEL, "--format", "csv", "-o", "/dev/null"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(meta.file_type().is_char_device());
}

#[test]
fn dev_stdout_output_goes_to_standard_output_whatever_it_is() {
    // A pipe: /dev/stdout is a link to `pipe:[…]`, which is no path on disk.
    let r = run(&["diagram", MODEL, "--today", TODAY, "-o", "/dev/stdout"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("<svg"), "{}", r.stdout);
    // A file opened for appending (`>>`), and /dev/stderr likewise: written to, not
    // replaced, so what was there stays.
    let tmp = tempfile::tempdir().unwrap();
    for (name, redirect) in [("/dev/stdout", ">>"), ("/dev/stderr", "2>>")] {
        let log = tmp.path().join("log");
        std::fs::write(&log, "before\n").unwrap();
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("exec \"$0\" \"$@\" {redirect} \"$LOG\""))
            .arg(env!("CARGO_BIN_EXE_threatbook"))
            .args(["diagram", MODEL, "--today", TODAY, "-o", name])
            .env("LOG", &log)
            .current_dir(root())
            .status()
            .unwrap();
        assert!(status.success(), "{name}");
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.starts_with("before\n<svg"), "{name}: {text}");
    }
}

#[test]
fn dev_full_output_fails_with_exit_2_and_says_why() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    // A report is written whole; a drawing as it is made, and still refused the same way.
    for command in [&["render"][..], &["diagram"]] {
        let mut args = command.to_vec();
        args.extend([MODEL, "--today", TODAY, "-o", "/dev/full"]);
        let r = run(&args);
        assert_eq!(r.code, 2, "{command:?}: {}", r.stderr);
        assert!(r.stderr.contains("cannot write /dev/full"), "{}", r.stderr);
    }
}

#[test]
fn output_over_a_model_file_is_refused_and_the_file_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_copy(tmp.path());
    let file = model.join("model.toml");
    let before = std::fs::read(&file).unwrap();
    // By its name, through a link, or by a second (hard-linked) name.
    let link = tmp.path().join("report.md");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    let hard = tmp.path().join("hard.md");
    std::fs::hard_link(&file, &hard).unwrap();
    let manifest = model.join("threatbook.toml");
    for (command, out) in [
        ("render", &file),
        ("diagram", &manifest),
        ("export", &file),
        ("paths", &file),
        ("render", &link),
        ("render", &hard),
    ] {
        let r = run(&[command, arg(&model), "--today", TODAY, "-o", arg(out)]);
        assert_eq!(r.code, 2, "{command} -o {}: {}", out.display(), r.stderr);
        assert!(
            r.stderr.contains("which this command reads"),
            "{}",
            r.stderr
        );
    }
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn render_refuses_to_write_over_a_template_but_not_beside_one() {
    let tmp = tempfile::tempdir().unwrap();
    let template = tmp.path().join("report-conclusion.md.tera");
    std::fs::write(&template, "## Verdict\n").unwrap();
    let dir = arg(tmp.path());
    let r = run(&[
        "render",
        MODEL,
        "--templates",
        dir,
        "-o",
        arg(&template),
        "--format",
        "md",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("which this command reads"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&template).unwrap(), "## Verdict\n");
    // A report kept beside the templates is output, not input: it may be rewritten.
    let report = tmp.path().join("report.md");
    for _ in 0..2 {
        let r = run(&[
            "render",
            MODEL,
            "--templates",
            dir,
            "--today",
            TODAY,
            "-o",
            arg(&report),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .ends_with("## Verdict\n")
    );
}

#[test]
fn kb_show_refuses_to_write_over_the_knowledge_base_it_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    std::fs::create_dir(&kb).unwrap();
    let from = root().join("catalog/fastapi/kb");
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            std::fs::copy(entry.path(), kb.join(entry.file_name())).unwrap();
        }
    }
    let manifest = kb.join("kb.toml");
    let before = std::fs::read(&manifest).unwrap();
    let r = run_in(tmp.path(), &["kb", "show", "./kb", "-o", "kb/kb.toml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("which this command reads"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&manifest).unwrap(), before);
}

#[test]
fn site_and_evidence_refuse_to_replace_the_model_folder_or_one_holding_it() {
    let tmp = tempfile::tempdir().unwrap();
    let model = model_copy(tmp.path());
    // Even a folder marked as threatbook's own output is refused when it holds the model.
    std::fs::write(tmp.path().join(".threatbook"), "").unwrap();
    for command in ["site", "evidence"] {
        for out in [&model, &tmp.path().to_path_buf()] {
            let r = run(&[command, arg(&model), "--today", TODAY, "-o", arg(out)]);
            assert_eq!(r.code, 2, "{command} -o {}: {}", out.display(), r.stderr);
            assert!(
                r.stderr.contains("which this command reads"),
                "{}",
                r.stderr
            );
        }
    }
    assert_eq!(
        std::fs::read(model.join("model.toml")).unwrap(),
        std::fs::read(root().join(MODEL).join("model.toml")).unwrap()
    );
}

#[test]
fn the_format_comes_from_the_output_extension() {
    let tmp = tempfile::tempdir().unwrap();
    let read = |name: &str, args: &[&str]| {
        let out = tmp.path().join(name);
        let mut all = args.to_vec();
        all.extend(["--today", TODAY, "-o", arg(&out)]);
        let r = run(&all);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        std::fs::read_to_string(&out).unwrap()
    };
    let html = read("r.html", &["render", MODEL]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80]);
    assert!(read("r.md", &["render", MODEL]).starts_with("# "));
    assert!(read("d.dot", &["diagram", MODEL]).starts_with("digraph"));
    assert!(read("d.mmd", &["diagram", MODEL]).starts_with("flowchart"));
    assert!(read("d.svg", &["diagram", MODEL]).starts_with("<svg"));
    let sarif: serde_json::Value =
        serde_json::from_str(&read("x.sarif", &["export", MODEL])).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let otm: serde_json::Value =
        serde_json::from_str(&read("x.otm.json", &["export", MODEL])).unwrap();
    assert!(otm["otmVersion"].is_string(), "{otm}");
    let json: serde_json::Value =
        serde_json::from_str(&read("x.json", &["export", MODEL])).unwrap();
    assert!(json["format_version"].is_u64(), "{json}");
    let csv = read("x.csv", &["export", MODEL]);
    assert!(csv.lines().next().unwrap().contains(','), "{csv}");
    // Upper case counts too.
    assert!(read("R.HTML", &["render", MODEL]).starts_with("<!DOCTYPE html>"));
}

#[test]
fn an_output_extension_no_format_has_is_an_error_naming_the_choices() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("d.gif");
    let r = run(&["diagram", MODEL, "-o", arg(&out)]);
    assert_eq!(r.code, 2);
    for choice in [
        ".svg for svg",
        ".png for png",
        ".dot for dot",
        ".mmd for mermaid",
    ] {
        assert!(r.stderr.contains(choice), "{}", r.stderr);
    }
    assert!(r.stderr.contains(".gif"), "{}", r.stderr);
    assert!(!out.exists());
}

#[test]
fn an_output_extension_contradicting_format_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r.html");
    let r = run(&["render", MODEL, "--format", "md", "-o", arg(&out)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("contradicts"), "{}", r.stderr);
    assert!(r.stderr.contains(".html"), "{}", r.stderr);
    assert!(!out.exists());
}

#[test]
fn export_without_format_or_extension_asks_for_one() {
    let r = run(&["export", MODEL]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--format"), "{}", r.stderr);
    assert!(r.stderr.contains(".sarif"), "{}", r.stderr);
}
