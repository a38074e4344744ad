//! `check --explain CODE`: every code has an explanation with an example and a fix, and
//! each example, built into a model, really reports its code while its fix does not.

use std::path::Path;

use crate::support::{TODAY, run, run_in};
use threatbook::Code;
use threatbook::diag::Stage;
use threatbook::explain::{blocks, explanation, section};

/// Writes the TOML blocks of a section into `dir`: a block whose first line is
/// `# file: PATH` goes to PATH; any other is `threatbook.toml`, with a `[project]` table
/// added when it has none.
fn write_blocks(dir: &Path, section: &str) {
    for block in blocks(section, "toml") {
        let (path, text) = match block.strip_prefix("# file: ") {
            Some(rest) => {
                let (path, body) = rest.split_once('\n').unwrap_or((rest, ""));
                (path.trim().to_string(), body.to_string())
            }
            None if block.contains("[project]") => ("threatbook.toml".into(), block.into()),
            None => (
                "threatbook.toml".into(),
                format!("[project]\nname = \"Example\"\n\n{block}"),
            ),
        };
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// The arguments of the section's `$ threatbook …` line, if it has one.
fn command(section: &str) -> Option<Vec<String>> {
    blocks(section, "console")
        .iter()
        .flat_map(|b| b.lines())
        .find_map(|l| l.strip_prefix("$ threatbook "))
        .map(|l| l.split_whitespace().map(str::to_string).collect())
}

/// Runs `args` in `dir`, judged on the tests' day unless the line gives its own.
fn run_check(dir: &Path, args: &[String]) -> crate::support::Run {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    if !args.contains(&"--today") {
        args.extend(["--today", TODAY]);
    }
    run_in(dir, &args)
}

#[test]
fn every_code_has_a_meaning_an_example_and_a_fix() {
    for code in Code::ALL {
        let text = explanation(*code).unwrap_or_else(|| panic!("{code} has no explanation"));
        let meaning = text
            .split_once("\n## Example")
            .map(|(m, _)| m.trim())
            .unwrap_or("");
        assert!(
            meaning.len() > format!("# {code}").len() + 40,
            "{code}: says too little about what it means"
        );
        let example = section(text, "Example").unwrap_or_else(|| panic!("{code}: no example"));
        assert!(
            !blocks(example, "toml").is_empty() || !blocks(example, "console").is_empty(),
            "{code}: the example shows no file and no command"
        );
        let fix = section(text, "Fix").unwrap_or_else(|| panic!("{code}: no fix"));
        assert!(fix.trim().len() > 20, "{code}: the fix says nothing");
        // The problem is shown with a model wherever a model can show it.
        if code.stage() == Stage::Check {
            assert!(
                !blocks(example, "toml").is_empty(),
                "{code}: no example model"
            );
            assert!(!blocks(fix, "toml").is_empty(), "{code}: no fixed model");
        }
    }
}

#[test]
fn each_example_reports_its_code_and_its_fix_does_not() {
    let mut tried = Vec::new();
    for code in Code::ALL {
        let text = explanation(*code).unwrap();
        let example = section(text, "Example").unwrap();
        let fix = section(text, "Fix").unwrap();
        let args = command(example).unwrap_or_else(|| vec!["check".into()]);
        if blocks(example, "toml").is_empty() && command(example).is_none() {
            // Shown with a shell command only (unreadable files, bytes that are not
            // UTF-8, link loops): the fixtures of tests/fixtures/invalid cover those.
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        write_blocks(tmp.path(), example);
        let marker = format!("[{code}]");
        let r = run_check(tmp.path(), &args);
        assert!(
            r.stderr.contains(&marker),
            "{code}: the example does not report it:\n{}",
            r.stderr
        );
        if !blocks(fix, "toml").is_empty() {
            write_blocks(tmp.path(), fix);
            let args = command(fix).unwrap_or(args);
            let r = run_check(tmp.path(), &args);
            assert!(
                !r.stderr.contains(&marker),
                "{code}: the fix still reports it:\n{}",
                r.stderr
            );
        }
        tried.push(*code);
    }
    // Every check-stage code, and all but the few load codes a file cannot show.
    for code in Code::ALL.iter().filter(|c| c.stage() == Stage::Check) {
        assert!(tried.contains(code), "{code} was not tried");
    }
    assert!(tried.len() + 3 >= Code::ALL.len(), "tried only {tried:?}");
}

#[test]
fn explain_prints_the_meaning_the_example_and_the_fix() {
    let r = run(&["check", "--explain", "orphan-component"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("orphan-component (warning, reported by the cross-check)\n"),
        "{}",
        r.stdout
    );
    for part in ["## Example", "```toml", "## Fix", "[[flow]]"] {
        assert!(r.stdout.contains(part), "no {part}: {}", r.stdout);
    }
}

/// A reader that stops early (`| head -3`) is no error: no panic, no message, exit 0.
#[test]
fn a_listing_read_only_in_part_ends_cleanly() {
    use std::process::{Command, Stdio};
    for args in [
        &["check", "--explain", "all"][..],
        &["check", "--explain", "unmitigated-threat"][..],
    ] {
        for _ in 0..20 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_threatbook"))
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // Close the reading end before the command has written: its writes meet a
            // closed pipe.
            drop(child.stdout.take());
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
            assert!(stderr.is_empty(), "{args:?}: {stderr}");
        }
    }
}
