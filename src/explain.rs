//! The long explanation of each diagnostic code that `threatbook check --explain CODE`
//! prints, as `rustc --explain` does: what the code means, an example of the problem and
//! its fix.
//!
//! The texts live in one place, `docs/codes/CODE.md` (one Markdown file per code, readable
//! on their own), and are embedded here. Each has the sections `## Example` and `## Fix`;
//! a TOML block in them is a model file (a first line `# file: PATH` says which file, else
//! it is `threatbook.toml`, the `[project]` table added when it has none), and a
//! `console` block gives the command that shows the problem. A test builds every example
//! into a model and checks that it reports its code and that the fix does not. This
//! module holds no logic beyond finding the sections; it does not print.

use crate::diag::Code;

/// (code name, Markdown text), in file-name order.
const TEXTS: &[(&str, &str)] = &[
    (
        "contradicted-mitigation",
        include_str!("../docs/codes/contradicted-mitigation.md"),
    ),
    (
        "dangling-reference",
        include_str!("../docs/codes/dangling-reference.md"),
    ),
    (
        "duplicate-id",
        include_str!("../docs/codes/duplicate-id.md"),
    ),
    ("empty-model", include_str!("../docs/codes/empty-model.md")),
    (
        "expired-acceptance",
        include_str!("../docs/codes/expired-acceptance.md"),
    ),
    (
        "expiring-acceptance",
        include_str!("../docs/codes/expiring-acceptance.md"),
    ),
    ("input-limit", include_str!("../docs/codes/input-limit.md")),
    ("invalid-id", include_str!("../docs/codes/invalid-id.md")),
    (
        "invalid-selector",
        include_str!("../docs/codes/invalid-selector.md"),
    ),
    (
        "invalid-type",
        include_str!("../docs/codes/invalid-type.md"),
    ),
    (
        "invalid-value",
        include_str!("../docs/codes/invalid-value.md"),
    ),
    ("io-error", include_str!("../docs/codes/io-error.md")),
    (
        "missing-field",
        include_str!("../docs/codes/missing-field.md"),
    ),
    (
        "missing-manifest",
        include_str!("../docs/codes/missing-manifest.md"),
    ),
    (
        "model-not-found",
        include_str!("../docs/codes/model-not-found.md"),
    ),
    ("near-miss", include_str!("../docs/codes/near-miss.md")),
    ("not-utf8", include_str!("../docs/codes/not-utf8.md")),
    (
        "orphan-component",
        include_str!("../docs/codes/orphan-component.md"),
    ),
    (
        "review-required",
        include_str!("../docs/codes/review-required.md"),
    ),
    (
        "stale-not-applicable",
        include_str!("../docs/codes/stale-not-applicable.md"),
    ),
    (
        "stride-coverage",
        include_str!("../docs/codes/stride-coverage.md"),
    ),
    (
        "symlink-loop",
        include_str!("../docs/codes/symlink-loop.md"),
    ),
    ("toml-syntax", include_str!("../docs/codes/toml-syntax.md")),
    (
        "uncovered-threat",
        include_str!("../docs/codes/uncovered-threat.md"),
    ),
    (
        "unknown-field",
        include_str!("../docs/codes/unknown-field.md"),
    ),
    (
        "unknown-flow-endpoint",
        include_str!("../docs/codes/unknown-flow-endpoint.md"),
    ),
    (
        "unknown-knowledge-base",
        include_str!("../docs/codes/unknown-knowledge-base.md"),
    ),
    (
        "unmitigated-threat",
        include_str!("../docs/codes/unmitigated-threat.md"),
    ),
    (
        "unprotected-boundary-crossing",
        include_str!("../docs/codes/unprotected-boundary-crossing.md"),
    ),
    (
        "unused-mitigation",
        include_str!("../docs/codes/unused-mitigation.md"),
    ),
    ("zone-cycle", include_str!("../docs/codes/zone-cycle.md")),
];

/// The explanation of `code`, as Markdown (its first line is `# CODE`).
pub fn explanation(code: Code) -> Option<&'static str> {
    TEXTS
        .iter()
        .find(|(name, _)| *name == code.as_str())
        .map(|(_, text)| *text)
}

/// Every code name that has a text, so a test can find texts of codes that do not exist.
pub fn names() -> impl Iterator<Item = &'static str> {
    TEXTS.iter().map(|(name, _)| *name)
}

/// The text of the section headed `## {heading}`, up to the next `## ` heading.
pub fn section<'t>(text: &'t str, heading: &str) -> Option<&'t str> {
    let marker = format!("\n## {heading}\n");
    let start = text.find(&marker)? + marker.len();
    let rest = &text[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The contents of the fenced blocks of `lang` (```toml, ```console) in `text`.
pub fn blocks<'t>(text: &'t str, lang: &str) -> Vec<&'t str> {
    let open = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&open) {
        let body = &rest[i + open.len()..];
        let Some(end) = body.find("```") else {
            break;
        };
        out.push(&body[..end]);
        rest = &body[end + 3..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_text_and_every_text_a_code() {
        for code in Code::ALL {
            let text = explanation(*code).unwrap_or_else(|| panic!("no text for {code}"));
            assert!(
                text.starts_with(&format!("# {code}\n")),
                "{code}: the text starts with another heading"
            );
        }
        for name in names() {
            assert!(
                Code::from_name(name).is_some(),
                "{name}.md explains no code"
            );
        }
    }

    #[test]
    fn sections_and_blocks_are_found() {
        let text = "# x\n\nMeaning.\n\n## Example\n\n```toml\na = 1\n```\n\n## Fix\n\nDo.\n```toml\na = 2\n```\n";
        let example = section(text, "Example").unwrap();
        assert_eq!(blocks(example, "toml"), ["a = 1\n"]);
        assert_eq!(blocks(section(text, "Fix").unwrap(), "toml"), ["a = 2\n"]);
        assert!(section(text, "Other").is_none());
    }
}
