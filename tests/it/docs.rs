//! The documentation's examples are real: the complete example of docs/format.md loads
//! and checks clean.

use crate::support::{TODAY, root, run_in};

fn toml_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn the_complete_example_of_the_format_reference_checks_clean() {
    let doc = std::fs::read_to_string(root().join("docs/format.md")).unwrap();
    let (_, example) = doc
        .split_once("## A complete example")
        .expect("section exists");
    let blocks = toml_blocks(example);
    assert_eq!(blocks.len(), 2, "manifest and model file");
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("orders");
    std::fs::create_dir(&model).unwrap();
    std::fs::write(model.join("threatbook.toml"), &blocks[0]).unwrap();
    std::fs::write(model.join("model.toml"), &blocks[1]).unwrap();
    let r = run_in(
        tmp.path(),
        &["check", "orders", "--today", TODAY, "--deny", "warnings"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn every_diagnostic_code_is_documented_in_the_format_reference() {
    let doc = std::fs::read_to_string(root().join("docs/format.md")).unwrap();
    for code in threatbook::Code::ALL {
        let row = format!("| `{code}` | {} |", code.severity().as_str());
        assert!(doc.contains(&row), "docs/format.md has no row `{row}`");
    }
}
