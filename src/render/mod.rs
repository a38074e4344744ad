//! Render: documents made from a model through tera templates.
//!
//! Built-in templates are embedded from `templates/` at compile time. A user folder given
//! with `--templates` can replace any of them by file name, and may add its own partials.
//! Templates see only the view structs of [`view`], never the model. This module returns
//! text; writing it anywhere is the caller's business.

pub mod view;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tera::{Tera, Value};

pub use self::view::{ReportInput, ReportView};

/// Output formats of `render`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
}

impl Format {
    /// The template that renders the whole document.
    pub fn template(self) -> &'static str {
        match self {
            Format::Markdown => "report.md.tera",
        }
    }
}

/// The built-in templates: (file name, text).
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "report.md.tera",
        include_str!("../../templates/report.md.tera"),
    ),
    (
        "macros.md.tera",
        include_str!("../../templates/macros.md.tera"),
    ),
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
    // tera nests the useful part in the error's sources.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    RenderError::Template {
        name: name.to_string(),
        message,
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
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html.tera", ".svg.tera"]);
        let mut names: Vec<_> = templates.keys().cloned().collect();
        names.sort();
        tera.add_raw_templates(names.iter().map(|n| (n.as_str(), templates[n].as_str())))
            .map_err(|e| template_error("(loading)", e))?;
        tera.register_filter("cell", cell);
        tera.register_filter("oneline", oneline);
        tera.register_filter("indent", indent);
        Ok(Renderer { tera })
    }

    /// Renders `view` with the document template of `format`.
    pub fn render(&self, format: Format, view: &ReportView<'_>) -> Result<String, RenderError> {
        let name = format.template();
        let context = tera::Context::from_serialize(view).map_err(|e| template_error(name, e))?;
        let mut text = self
            .tera
            .render(name, &context)
            .map_err(|e| template_error(name, e))?;
        tidy_blank_lines(&mut text);
        Ok(text)
    }
}

/// Text made safe for one Markdown table cell: no line breaks, pipes escaped.
fn cell(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    let text = value_text(value);
    let one = collapse_whitespace(&text);
    Ok(Value::String(one.replace('|', "\\|")))
}

/// Text on one line, for list items and headings.
fn oneline(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(collapse_whitespace(&value_text(value))))
}

/// Indents every line but the first by `width` spaces (default 2), so that a Markdown
/// block keeps its paragraphs inside a list item.
fn indent(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let width = args.get("width").and_then(Value::as_u64).unwrap_or(2) as usize;
    let pad = " ".repeat(width);
    let text = value_text(value);
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.trim_end().lines().enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.trim().is_empty() {
                out.push_str(&pad);
            }
        }
        out.push_str(line);
    }
    Ok(Value::String(out))
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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

    #[test]
    fn cells_stay_on_one_line_and_escape_pipes() {
        let v = cell(&Value::String("a | b\n\nc".into()), &HashMap::new()).unwrap();
        assert_eq!(v, Value::String("a \\| b c".into()));
    }

    #[test]
    fn indent_keeps_paragraphs_inside_a_list_item() {
        let v = indent(&Value::String("a\n\nb\nc\n".into()), &HashMap::new()).unwrap();
        assert_eq!(v, Value::String("a\n\n  b\n  c".into()));
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
