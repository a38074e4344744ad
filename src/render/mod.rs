//! Render: documents made from a model through tera templates.
//!
//! Built-in templates are embedded from `templates/` at compile time. A user folder given
//! with `--templates` can replace any of them by file name, and may add its own partials.
//! Templates see only the view structs of [`view`], never the model. This module returns
//! text; writing it anywhere is the caller's business.

pub mod view;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use tera::{Context, Kwargs, State, Tera, Value};

pub use self::view::{ReportInput, ReportView};

/// Output formats of `render`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
}

impl Format {
    /// The template that assembles the document from its sections.
    pub fn root(self) -> &'static str {
        match self {
            Format::Markdown => "report.md.tera",
        }
    }

    /// The sections of the document: (name in `sections`, template). Each is rendered on
    /// its own, in parallel, then handed to the root template.
    pub fn sections(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Format::Markdown => &[
                ("introduction", "report-introduction.md.tera"),
                ("overview", "report-overview.md.tera"),
                ("components", "report-components.md.tera"),
                ("flows", "report-flows.md.tera"),
                ("mitigations", "report-mitigations.md.tera"),
                ("coverage", "report-coverage.md.tera"),
                ("conclusion", "report-conclusion.md.tera"),
            ],
        }
    }
}

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name))),)*]
    };
}

/// The built-in templates: (file name, text).
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = builtin![
    "report.md.tera",
    "report-introduction.md.tera",
    "report-overview.md.tera",
    "report-components.md.tera",
    "report-flows.md.tera",
    "report-mitigations.md.tera",
    "report-coverage.md.tera",
    "report-conclusion.md.tera",
    "threat.md.tera",
    "mitigation.md.tera",
];

/// What can go wrong while rendering.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot read template folder {path}: {source}")]
    TemplateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
}

fn template_error(name: &str, e: tera::Error) -> RenderError {
    // tera 2 errors render rustc-style, with the template's own lines.
    RenderError::Template {
        name: name.to_string(),
        message: e.to_string(),
    }
}

/// A tera instance with the built-in templates, user overrides and our filters.
pub struct Renderer {
    tera: Tera,
}

impl Renderer {
    /// The built-in templates, each replaced by a file of the same name in `overrides`.
    pub fn new(overrides: Option<&Path>) -> Result<Renderer, RenderError> {
        let mut templates: HashMap<String, String> = BUILTIN_TEMPLATES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        if let Some(dir) = overrides {
            let err = |source| RenderError::TemplateDir {
                path: dir.to_path_buf(),
                source,
            };
            for entry in std::fs::read_dir(dir).map_err(err)? {
                let path = entry.map_err(err)?.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !name.ends_with(".tera") {
                    continue;
                }
                let text =
                    std::fs::read_to_string(&path).map_err(|source| RenderError::TemplateDir {
                        path: path.clone(),
                        source,
                    })?;
                templates.insert(name.to_string(), text);
            }
        }
        let mut tera = Tera::new();
        tera.autoescape_on([".html.tera", ".svg.tera"]);
        // Filters first: tera checks at load time that every filter a template uses exists.
        tera.register_filter("cell", cell);
        tera.register_filter("oneline", oneline);
        let mut names: Vec<_> = templates.keys().cloned().collect();
        names.sort();
        tera.add_raw_templates(names.iter().map(|n| (n.as_str(), templates[n].as_str())))
            .map_err(|e| template_error("(loading)", e))?;
        Ok(Renderer { tera })
    }

    /// Renders `view` as a `format` document: the sections in parallel, then the root.
    pub fn render(&self, format: Format, view: &ReportView<'_>) -> Result<String, RenderError> {
        let context = context_of(view).map_err(|e| template_error(format.root(), e))?;
        let sections = format.sections();
        let next = AtomicUsize::new(0);
        let rendered: Vec<(usize, Result<String, RenderError>)> = std::thread::scope(|scope| {
            let worker = || {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((_, template)) = sections.get(i) else {
                        break mine;
                    };
                    let text = self
                        .tera
                        .render(template, &context)
                        .map_err(|e| template_error(template, e));
                    mine.push((i, text));
                }
            };
            let helper = scope.spawn(worker);
            let mut all = worker();
            all.extend(helper.join().unwrap_or_default());
            all
        });
        let mut texts = vec![String::new(); sections.len()];
        for (i, text) in rendered {
            texts[i] = text?;
        }
        let mut root = context.clone();
        let map: BTreeMap<&str, &str> = sections
            .iter()
            .zip(&texts)
            .map(|((name, _), text)| (*name, text.as_str()))
            .collect();
        root.insert("sections", &map);
        let mut text = self
            .tera
            .render(format.root(), &root)
            .map_err(|e| template_error(format.root(), e))?;
        // Freeing a large context takes a while; let another thread do it.
        std::thread::spawn(move || drop((context, root)));
        tidy_blank_lines(&mut text);
        Ok(text)
    }
}

/// The template context of a view, serialised on two threads: the largest lists on one,
/// everything else on the other.
fn context_of(view: &ReportView<'_>) -> tera::TeraResult<Context> {
    std::thread::scope(|scope| {
        let big = scope.spawn(|| {
            let mut c = Context::new();
            c.insert("flows", &view.flows);
            c.insert("components", &view.components);
            c
        });
        let mut context = Context::from_serialize(&view.without_largest_lists())?;
        if let Ok(big) = big.join() {
            context.extend(big);
        }
        Ok(context)
    })
}

/// Text made safe for one Markdown table cell: no line breaks, pipes escaped.
fn cell(value: Value, _: Kwargs, _: &State) -> String {
    let text = value_text(&value);
    let one = collapse_whitespace(&text);
    if one.contains('|') {
        one.replace('|', "\\|")
    } else {
        one
    }
}

/// Text on one line, for list items and headings.
fn oneline(value: Value, _: Kwargs, _: &State) -> String {
    collapse_whitespace(&value_text(&value))
}

/// The text of a value; none and undefined are empty.
fn value_text(value: &Value) -> String {
    if value.is_none() || value.is_undefined() {
        String::new()
    } else if let Some(s) = value.as_str() {
        s.to_string()
    } else {
        value.to_string()
    }
}

/// Runs of whitespace (line breaks included) as one space, without leading or trailing
/// space. Most titles need no change, and are returned as they are.
fn collapse_whitespace(text: &str) -> String {
    let clean = text.trim() == text
        && !text.contains("  ")
        && !text.chars().any(|c| c.is_whitespace() && c != ' ');
    if clean {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Collapses runs of blank lines that template control flow leaves behind, and ends the
/// document with exactly one newline.
fn tidy_blank_lines(text: &mut String) {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        let blank = line.trim().is_empty();
        if blank && !in_fence {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    *text = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_str(template: &str, context: &serde_json::Value) -> String {
        let mut tera = Tera::new();
        tera.register_filter("cell", cell);
        tera.register_filter("oneline", oneline);
        tera.add_raw_template("t", template).unwrap();
        tera.render("t", &tera::Context::from_serialize(context).unwrap())
            .unwrap()
    }

    #[test]
    fn cells_stay_on_one_line_and_escape_pipes() {
        let out = render_str(
            "{{ x | cell }}|{{ n | cell }}",
            &serde_json::json!({"x": "a | b\n\nc", "n": null}),
        );
        assert_eq!(out, "a \\| b c|");
    }

    #[test]
    fn blank_lines_collapse_outside_code_fences() {
        let mut t = "a\n\n\n\nb\n```\n\n\n```\n\n\n".to_string();
        tidy_blank_lines(&mut t);
        assert_eq!(t, "a\n\nb\n```\n\n\n```\n");
    }

    #[test]
    fn a_broken_override_is_a_template_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("report.md.tera"), "{% if %}").unwrap();
        let err = Renderer::new(Some(dir.path())).err().expect("must fail");
        assert!(matches!(err, RenderError::Template { .. }), "{err}");
    }
}
