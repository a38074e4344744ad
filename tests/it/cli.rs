//! Command-line behaviour: arguments in, output and exit code out.

use crate::support::{TODAY, root, run, run_in};

#[test]
fn explain_prints_a_known_code_and_rejects_unknown_ones() {
    let r = run(&["check", "--explain", "uncovered-threat"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with("uncovered-threat (error"),
        "{}",
        r.stdout
    );
    let all = run(&["check", "--explain", "all"]);
    assert_eq!(all.stdout.lines().count(), threatbook::Code::ALL.len());
    let bad = run(&["check", "--explain", "uncoverd-threat"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("did you mean `uncovered-threat`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn misuse_exits_with_two() {
    assert_eq!(run(&["check"]).code, 2);
    assert_eq!(
        run(&["render", "catalog/fastapi", "--format", "pdf"]).code,
        2
    );
    assert_eq!(
        run(&["check", "catalog/fastapi", "--today", "2026-02-30"]).code,
        2
    );
    assert_eq!(run(&["frobnicate"]).code, 2);
}

#[test]
fn init_writes_a_model_that_checks_clean_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run_in(tmp.path(), &["init", "my-service"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let check = run_in(
        tmp.path(),
        &[
            "check",
            "my-service",
            "--today",
            TODAY,
            "--deny",
            "warnings",
        ],
    );
    assert_eq!(check.code, 0, "{}", check.stderr);
    let manifest = std::fs::read_to_string(tmp.path().join("my-service/threatbook.toml")).unwrap();
    assert!(manifest.contains("name = \"my-service\""), "{manifest}");
    let schema =
        std::fs::read_to_string(tmp.path().join("my-service/threatbook.schema.json")).unwrap();
    assert_eq!(schema, threatbook::schema::model_schema());
    let again = run_in(tmp.path(), &["init", "my-service"]);
    assert_eq!(again.code, 2);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("my-service/threatbook.toml")).unwrap(),
        manifest,
        "nothing overwritten"
    );
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["my-service"], "no staging folder left behind");
}

#[test]
fn render_writes_nothing_when_the_model_does_not_load() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.md");
    let out_arg = out.to_str().unwrap();
    let r = run(&[
        "render",
        "tests/fixtures/invalid/dangling-reference",
        "-o",
        out_arg,
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("dangling-reference"), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    assert!(!out.exists());
}

#[test]
fn render_is_deterministic_and_writes_the_file_it_is_given() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a.md");
    let b = tmp.path().join("b.md");
    for out in [&a, &b] {
        let r = run(&[
            "render",
            "catalog/fastapi",
            "--format",
            "md",
            "--today",
            TODAY,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let (a, b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(a, b);
    let stdout = run(&["render", "catalog/fastapi", "--today", TODAY]);
    assert_eq!(
        stdout.stdout.as_bytes(),
        a.as_slice(),
        "stdout and -o give the same bytes"
    );
}

#[test]
fn timestamps_appear_only_when_asked_and_honour_source_date_epoch() {
    let plain = run(&["render", "tests/fixtures/valid/minimal", "--today", TODAY]);
    assert!(!plain.stdout.contains("Generated on"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threatbook"))
        .args(["render", "tests/fixtures/valid/minimal", "--timestamp"])
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", "1798761599")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Generated on 2026-12-31T23:59:59Z."),
        "{text}"
    );
}

/// Renders the FastAPI model with one template file overridden.
fn render_with_template(name: &str, text: &str) -> crate::support::Run {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(name), text).unwrap();
    run(&[
        "render",
        "catalog/fastapi",
        "--today",
        TODAY,
        "--templates",
        tmp.path().to_str().unwrap(),
    ])
}

#[test]
fn a_template_override_replaces_the_builtin_by_file_name() {
    let r = render_with_template(
        "report.md.tera",
        "{{ project.name }}: {{ summary.threats }} threats, {{ summary.uncovered_threats }} uncovered\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "FastAPI service: 53 threats, 1 uncovered\n");
}

#[test]
fn a_broken_template_is_a_clear_error_and_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("report.md.tera"),
        "{{ project.nonexistent.field }}",
    )
    .unwrap();
    let out = tmp.path().join("out.md");
    let r = run(&[
        "render",
        "catalog/fastapi",
        "--templates",
        tmp.path().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("report.md.tera"), "{}", r.stderr);
    assert!(!out.exists());
}

/// A report to a file is written as it is made: a section that fails after the first
/// ones were written leaves the earlier report as it was, and no temporary file; the
/// error names the section's template.
#[test]
fn a_section_that_fails_half_way_leaves_the_old_report() {
    for extension in ["md", "html"] {
        let tmp = tempfile::tempdir().unwrap();
        let templates = tmp.path().join("templates");
        std::fs::create_dir(&templates).unwrap();
        let template = format!("report-coverage.{extension}.tera");
        std::fs::write(
            templates.join(&template),
            "{% set f = flow(i=100000) %}{{ f.id }}",
        )
        .unwrap();
        let out = tmp.path().join(format!("out.{extension}"));
        std::fs::write(&out, "the old report\n").unwrap();
        let r = run(&[
            "render",
            "catalog/fastapi",
            "--templates",
            templates.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(&template) && r.stderr.contains("flow(i=100000)"),
            "{}",
            r.stderr
        );
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "the old report\n");
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}

/// An HTML report to a file uses a temporary file for what follows its head; where
/// none can be made (`TMPDIR` names no folder), the report is made whole instead, the
/// same bytes.
#[test]
fn an_html_report_needs_no_temporary_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for tmpdir in [tmp.path().to_path_buf(), tmp.path().join("missing")] {
        let out = tmp.path().join("report.html");
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_threatbook"))
            .args(["render", "catalog/fastapi", "--today", TODAY, "-o"])
            .arg(&out)
            .current_dir(root())
            .env("TMPDIR", &tmpdir)
            .status()
            .unwrap();
        assert!(status.success(), "{}", tmpdir.display());
        reports.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(reports[0], reports[1]);
    assert!(String::from_utf8_lossy(&reports[0]).contains("Content-Security-Policy"));
}

#[test]
fn schema_prints_the_committed_schema() {
    let r = run(&["schema"]);
    assert_eq!(r.code, 0);
    let committed = std::fs::read_to_string(root().join("schema/threatbook.schema.json")).unwrap();
    assert_eq!(r.stdout, committed);
}

#[test]
fn check_json_has_the_documented_shape() {
    let (code, json) = crate::support::check_json("tests/fixtures/invalid/uncovered-threat");
    assert_eq!(code, 1);
    let d = &json["diagnostics"][0];
    for key in ["code", "severity", "message", "file", "line", "column"] {
        assert!(!d[key].is_null(), "diagnostic lacks {key}: {d}");
    }
    for key in [
        "components",
        "zones",
        "flows",
        "assets",
        "threats",
        "mitigations",
        "uncovered_threats",
    ] {
        assert!(
            json["summary"][key].is_u64(),
            "summary lacks {key}: {}",
            json["summary"]
        );
    }
    assert_eq!(json["summary"]["uncovered_threats"], 1);
}

#[test]
fn one_section_of_the_report_can_be_overridden_alone() {
    let r = render_with_template(
        "report-conclusion.md.tera",
        "## 7. Verdict\n\n{{ summary.uncovered_threats }} threat(s) still uncovered.\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .ends_with("## 7. Verdict\n\n1 threat(s) still uncovered.\n"),
        "{}",
        &r.stdout[r.stdout.len() - 200..]
    );
    assert!(
        r.stdout
            .contains("## 3. Security implications of the components"),
        "the other sections stay"
    );
}

#[test]
fn the_report_lists_reviews_oldest_first() {
    let r = run(&["render", "tests/fixtures/valid/reviewed", "--today", TODAY]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, reviews) = r
        .stdout
        .split_once("### Reviews")
        .expect("a reviews section");
    let rows: Vec<&str> = reviews
        .lines()
        .filter(|l| l.starts_with("| 2026"))
        .collect();
    assert_eq!(rows.len(), 2, "{reviews}");
    assert!(rows[0].contains("changes requested") && rows[0].contains("*why*"));
    assert!(
        rows[1].starts_with("| 2026-10-20 | ana@example.com") && rows[1].contains("**approved**")
    );
    let plain = run(&[
        "render",
        "tests/fixtures/valid/accepted-risk",
        "--today",
        TODAY,
    ]);
    assert!(!plain.stdout.contains("### Reviews"));
}

#[test]
fn require_chooses_which_coverage_states_fail_the_check() {
    use crate::support::{check_json_with, codes};
    // One threat whose only mitigation is planned.
    let dir = "tests/fixtures/invalid/unmitigated-threat";
    let errors = |json: &serde_json::Value| json["errors"].as_u64().unwrap();
    let (code, json) = check_json_with(dir, &[]);
    assert_eq!((code, errors(&json)), (0, 0), "{json}");
    assert_eq!(json["summary"]["planned_threats"], 1);
    let (code, json) = check_json_with(dir, &["--require", "planned"]);
    assert_eq!((code, errors(&json)), (0, 0), "{json}");
    let (code, json) = check_json_with(dir, &["--require", "mitigated"]);
    assert_eq!((code, errors(&json)), (1, 1), "{json}");
    assert_eq!(codes(&json), ["unmitigated-threat"]);
    assert_eq!(json["diagnostics"][0]["severity"], "error");
    let bad = crate::support::run(&["check", dir, "--require", "verified"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("expected one of proposed, planned, mitigated"),
        "{}",
        bad.stderr
    );
}

#[test]
fn the_expiry_window_is_an_option_of_check() {
    use crate::support::{check_json_with, codes};
    // The fixture's acceptance ends 12 days after the test date.
    let dir = "tests/fixtures/invalid/expiring-acceptance";
    let (code, json) = check_json_with(dir, &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(codes(&json), ["expiring-acceptance"]);
    let (_, json) = check_json_with(dir, &["--expiry-window", "12"]);
    assert!(codes(&json).is_empty(), "{json}");
    let (code, _) = check_json_with(dir, &["--deny", "warnings"]);
    assert_eq!(code, 1);
    // A negative window is refused with the value named, not taken for an option.
    let r = run(&["check", dir, "--expiry-window", "-1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("invalid value '-1' for '--expiry-window <DAYS>'"),
        "{}",
        r.stderr
    );
}

/// The subcommands `threatbook --help` lists.
fn subcommands() -> Vec<String> {
    let help = run(&["--help"]).stdout;
    let commands = help
        .split("Commands:\n")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .expect("a Commands section");
    commands
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn completions_name_every_subcommand_for_each_shell() {
    let names = subcommands();
    assert!(names.len() >= 14, "{names:?}");
    for shell in ["bash", "zsh", "fish"] {
        let r = run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for name in &names {
            assert!(r.stdout.contains(name.as_str()), "{shell}: no {name}");
        }
    }
    // Options of subcommands are completed too.
    assert!(
        run(&["completions", "bash"])
            .stdout
            .contains("--stride-coverage")
    );
    assert_eq!(run(&["completions", "tcsh"]).code, 2);
}

#[test]
fn the_man_page_names_every_subcommand_and_each_has_its_own() {
    let r = run(&["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(".TH threatbook 1"), "{}", r.stdout);
    for name in subcommands() {
        assert!(
            r.stdout
                .contains(&format!("threatbook\\-{}", name.replace('-', "\\-"))),
            "the page does not list {name}"
        );
        let sub = run(&["man", &name]);
        assert_eq!(sub.code, 0, "{name}: {}", sub.stderr);
        assert!(sub.stdout.contains(&format!(".TH threatbook-{name} 1")));
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("threatbook.1");
    let written = run(&["man", "-o", out.to_str().unwrap()]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), r.stdout);
    let bad = run(&["man", "chek"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("did you mean `check`?"),
        "{}",
        bad.stderr
    );
}

#[test]
fn commands_work_on_the_model_in_the_current_folder() {
    let fastapi = root().join("catalog/fastapi");
    let check = run_in(&fastapi, &["check", "--today", TODAY]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(
        check.stderr.contains("FastAPI service: 20 components"),
        "{}",
        check.stderr
    );
    for args in [
        vec!["render", "--today", TODAY],
        vec!["diagram", "--format", "mermaid", "--today", TODAY],
        vec!["export", "--format", "json", "--today", TODAY],
        vec!["paths", "--today", TODAY],
        vec!["kb", "explain", "--element", "app-database"],
    ] {
        let r = run_in(&fastapi, &args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(!r.stdout.is_empty(), "{args:?} printed nothing");
    }
    // Not a model: one clear sentence, exit 2.
    let tmp = tempfile::tempdir().unwrap();
    for args in [vec!["check"], vec!["render"], vec!["site", "-o", "out"]] {
        let r = run_in(tmp.path(), &args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.stderr
                .contains("the current folder is not a model (it has no threatbook.toml)"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_bundled_knowledge_base_named_in_another_case_is_suggested() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("threatbook.toml"),
        "[project]\nname = \"x\"\n\n[knowledge]\nbases = [\"STRIDE\"]\n",
    )
    .unwrap();
    let r = run_in(tmp.path(), &["check", "--today", TODAY]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("there is no bundled knowledge base `STRIDE`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("did you mean `stride`?"), "{}", r.stderr);
}

#[test]
fn a_template_override_that_replaces_nothing_is_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let templates = tmp.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(templates.join("report-overveiw.md.tera"), "x").unwrap();
    std::fs::copy(
        root().join("templates/threat.md.tera"),
        templates.join("threat.md.tera"),
    )
    .unwrap();
    let r = run(&[
        "render",
        "tests/fixtures/valid/minimal",
        "--templates",
        templates.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("report-overveiw.md.tera replaces no built-in template; did you mean `report-overview.md.tera`?"),
        "{}",
        r.stderr
    );
    // The one that does replace a template is not mentioned.
    assert!(!r.stderr.contains("threat.md.tera"), "{}", r.stderr);
}

#[test]
fn no_progress_is_drawn_when_standard_error_is_not_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let r = run(&[
        "site",
        "catalog/fastapi",
        "-o",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stderr.contains('\r') && !r.stderr.contains('\x1b'),
        "{:?}",
        r.stderr
    );
    assert!(r.stderr.starts_with("wrote "), "{:?}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{:?}", r.stderr);
}

#[test]
fn counts_in_messages_are_singular_for_one() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("threatbook.toml"),
        "[project]\nname = \"x\"\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("model.toml"),
        "[[zone]]\nid = \"Z\"\nname = \"z\"\ntrust = 1\n",
    )
    .unwrap();
    let r = run_in(tmp.path(), &["paths"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("could not be loaded (1 error)"),
        "{}",
        r.stderr
    );
}

#[test]
fn human_output_counts_what_it_leaves_out_beyond_a_hundred_of_a_code() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("threatbook.toml"),
        "[project]\nname = \"Many\"\n",
    )
    .unwrap();
    let mut model = String::from(
        "[[zone]]\nid = \"z\"\nname = \"Z\"\ntrust = 5\n\
         [[component]]\nid = \"api\"\nname = \"API\"\nkind = \"process\"\nzone = \"z\"\n",
    );
    for i in 0..130 {
        model.push_str(&format!(
            "[[threat]]\nid = \"t{i}\"\ntitle = \"T{i}\"\ncategory = \"spoofing\"\ntargets = [\"api\"]\nseverity = \"low\"\n"
        ));
    }
    std::fs::write(dir.path().join("model.toml"), model).unwrap();
    let path = dir.path().to_str().unwrap();
    let r = run(&["check", path, "--today", TODAY]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.matches("error[uncovered-threat]").count(), 100);
    assert!(
        r.stderr
            .contains("note: 30 more `uncovered-threat` errors not shown"),
        "{}",
        r.stderr
    );
    // The tally still counts them all, and --all shows them all.
    assert!(r.stderr.contains("130 errors"), "{}", r.stderr);
    let all = run(&["check", path, "--today", TODAY, "--all"]);
    assert_eq!(all.stderr.matches("error[uncovered-threat]").count(), 130);
    assert!(!all.stderr.contains("not shown"));
}

/// A coverage section written from the docs alone (tests/fixtures/blind-templates):
/// threats and mitigations read one at a time list exactly the model's uncovered
/// threats, most severe first, and its own mitigations, and the rest of the report is
/// the built-in one.
/// A flows section written from the docs alone (`tests/fixtures/blind-flow-templates`)
/// lists every flow and every finding one at a time, with the counts its author worked
/// out from the model's files and from `check` before rendering.
#[test]
fn a_flows_section_written_from_the_docs_reads_flows_one_at_a_time() {
    let fixture = crate::support::root().join("tests/fixtures/blind-flow-templates");
    let model = crate::support::root().join("catalog/stride-example");
    let model = model.to_str().unwrap();
    let templates = fixture.join("templates");
    let expected = std::fs::read_to_string(fixture.join("expected.txt")).unwrap();
    let value = |key: &str| {
        expected
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(": "))
            .unwrap_or_else(|| panic!("{key} in {expected}"))
            .to_string()
    };
    let today = ["--today", "2026-06-01"];
    let mut args = vec!["render", model, "--templates", templates.to_str().unwrap()];
    args.extend(today);
    let mine = run(&args);
    assert_eq!(mine.code, 0, "{}", mine.stderr);
    let from = mine
        .stdout
        .find("## 4. Data flows (custom)")
        .expect(&mine.stdout);
    let to = from + mine.stdout[from..].find("## 5.").expect(&mine.stdout);
    let text = &mine.stdout[from..to];
    let flows: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("- FLOW ")?.split(':').next())
        .collect();
    assert_eq!(flows.len().to_string(), value("flows"), "{text}");
    assert_eq!(flows.first().unwrap().to_string(), value("first_flow"));
    assert_eq!(flows.last().unwrap().to_string(), value("last_flow"));
    let line = format!(
        "Unencrypted flows crossing a trust boundary: {}\n",
        value("unencrypted_crossing")
    );
    assert!(text.contains(&line), "{text}");
    assert!(
        text.contains(&format!("Findings: {}\n", value("findings"))),
        "{text}"
    );
    // One line per finding of `check`, in its order, at its element.
    let mut args = vec!["check", model, "--format", "json"];
    args.extend(today);
    let check: serde_json::Value = serde_json::from_str(&run(&args).stdout).unwrap();
    let diagnostics = check["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len().to_string(), value("findings"));
    let listed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("- FINDING "))
        .collect();
    let codes: Vec<&str> = listed
        .iter()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    let from_check: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, from_check, "{text}");
}

#[test]
fn a_section_written_from_the_docs_reads_threats_one_at_a_time() {
    let fixture = crate::support::root().join("tests/fixtures/blind-templates");
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    std::fs::create_dir(&model).unwrap();
    let example = crate::support::root().join("catalog/stride-example");
    for entry in std::fs::read_dir(&example).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, model.join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(fixture.join("own.toml"), model.join("own.toml")).unwrap();
    let templates = fixture.join("templates");
    let args = |with: bool| {
        let mut a = vec!["render", model.to_str().unwrap(), "--today", "2026-06-01"];
        if with {
            a.extend(["--templates", templates.to_str().unwrap()]);
        }
        a
    };
    let mine = run(&args(true));
    assert_eq!(mine.code, 0, "{}", mine.stderr);
    let builtin = run(&args(false));
    assert_eq!(builtin.code, 0, "{}", builtin.stderr);
    let section = |text: &str| {
        let from = text.find("## 6. Coverage").expect(text);
        let to = text[from..].find("## 7.").map_or(text.len(), |n| from + n);
        (from, to)
    };
    let (from, to) = section(&mine.stdout);
    let text = &mine.stdout[from..to];
    // The threats with no mitigation and no valid acceptance (`old-risk`'s acceptance
    // expired), by residual risk.
    let listed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(
        listed,
        [
            "doc-malware",
            "booking-spam",
            "old-risk",
            "captcha",
            "av-scan"
        ],
        "{text}"
    );
    assert!(
        text.contains("(critical)") && text.contains("(verified)"),
        "{text}"
    );
    assert!(
        text.contains("has 110 threats and 182 mitigations"),
        "{text}"
    );
    // Everything around the section is the built-in report's.
    let (b_from, b_to) = section(&builtin.stdout);
    assert_eq!(mine.stdout[..from], builtin.stdout[..b_from]);
    assert_eq!(mine.stdout[to..], builtin.stdout[b_to..]);
}
