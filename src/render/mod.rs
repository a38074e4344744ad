//! Render: documents made from a model through tera templates.
//!
//! Built-in templates and site assets are embedded at compile time ([`theme`]); a user
//! folder given with `--templates` replaces any of them by file name. Templates see only
//! the view structs of [`view`], never the model. A document is a root template and its
//! sections; the sections are rendered in parallel, then handed to the root. This module
//! returns text; writing it anywhere is the caller's business.

mod filters;
pub mod markdown;
pub mod theme;
pub mod view;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use sha2::{Digest, Sha256};
use tera::{Context, Tera};

pub use self::theme::Theme;
pub use self::view::{ReportInput, ReportView};

/// Output formats of `render`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
    /// One self-contained HTML file: inline CSS and diagram, no script.
    Html,
}

const SECTIONS: [&str; 7] = [
    "introduction",
    "overview",
    "components",
    "flows",
    "mitigations",
    "coverage",
    "conclusion",
];

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }

    /// The template that assembles the document from its sections.
    pub fn root(self) -> String {
        format!("report.{}.tera", self.extension())
    }

    /// The sections of the document: (name in `sections`, template). Each is rendered on
    /// its own, in parallel, then handed to the root template.
    pub fn sections(self) -> Vec<(&'static str, String)> {
        SECTIONS
            .iter()
            .map(|s| (*s, format!("report-{s}.{}.tera", self.extension())))
            .collect()
    }
}

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

/// Stands in the HTML report's CSP until the styles it must allow are known.
const CSP_PLACEHOLDER: &str = "threatbook-content-security-policy";

/// A tera instance loaded with a theme's templates and our filters.
pub struct Renderer {
    tera: Tera,
    theme: Theme,
}

impl Renderer {
    /// The built-in theme, each file replaced by one of the same name in `overrides`.
    pub fn new(overrides: Option<&Path>) -> Result<Renderer, RenderError> {
        Renderer::with_theme(Theme::load(overrides)?)
    }

    pub fn with_theme(theme: Theme) -> Result<Renderer, RenderError> {
        let mut tera = Tera::new();
        tera.autoescape_on([".html.tera", ".svg.tera"]);
        // Filters first: tera checks at load time that every filter a template uses exists.
        filters::register(&mut tera);
        tera.add_raw_templates(
            theme
                .templates
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str())),
        )
        .map_err(|e| template_error("(loading)", e))?;
        Ok(Renderer { tera, theme })
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// Renders one template with `context`.
    pub fn render_template(&self, name: &str, context: &Context) -> Result<String, RenderError> {
        self.tera
            .render(name, context)
            .map_err(|e| template_error(name, e))
    }

    /// Renders `view` as a `format` document: the sections in parallel, then the root.
    pub fn render(&self, format: Format, view: &ReportView<'_>) -> Result<String, RenderError> {
        let root_name = format.root();
        let mut context = context_of(view).map_err(|e| template_error(&root_name, e))?;
        if format == Format::Html {
            context.insert("css", self.theme.asset_text("style.css"));
            context.insert("csp", CSP_PLACEHOLDER);
        }
        let sections = format.sections();
        let names: Vec<&str> = sections.iter().map(|(_, t)| t.as_str()).collect();
        let texts = self.render_all(&names, &context)?;
        let mut root = context.clone();
        let map: BTreeMap<&str, &str> = sections
            .iter()
            .zip(&texts)
            .map(|((name, _), text)| (*name, text.as_str()))
            .collect();
        root.insert("sections", &map);
        let mut text = self.render_template(&root_name, &root)?;
        // Freeing a large context takes a while; let another thread do it.
        std::thread::spawn(move || drop((context, root)));
        match format {
            Format::Markdown => tidy_blank_lines(&mut text),
            Format::Html => {
                text = text.replacen(CSP_PLACEHOLDER, &content_security_policy(&text), 1)
            }
        }
        Ok(text)
    }

    /// Renders several templates with one context, on two threads; results in order.
    pub fn render_all(
        &self,
        names: &[&str],
        context: &Context,
    ) -> Result<Vec<String>, RenderError> {
        let next = AtomicUsize::new(0);
        let rendered: Vec<(usize, Result<String, RenderError>)> = std::thread::scope(|scope| {
            let worker = || {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(name) = names.get(i) else {
                        break mine;
                    };
                    mine.push((i, self.render_template(name, context)));
                }
            };
            let helper = scope.spawn(worker);
            let mut all = worker();
            all.extend(helper.join().unwrap_or_default());
            all
        });
        let mut texts = vec![String::new(); names.len()];
        for (i, text) in rendered {
            texts[i] = text?;
        }
        Ok(texts)
    }
}

/// A policy for a page with no script, no external resource, and only the inline
/// `<style>` elements it has now (each allowed by its hash).
pub fn content_security_policy(html: &str) -> String {
    let mut styles: Vec<String> = style_elements(html)
        .map(|css| {
            let digest = Sha256::digest(css.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    styles.sort();
    styles.dedup();
    let style_src = if styles.is_empty() {
        "'none'".to_string()
    } else {
        styles.join(" ")
    };
    format!(
        "default-src 'none'; style-src {style_src}; img-src data:; base-uri 'none'; form-action 'none'"
    )
}

/// The contents of each `<style>` element of a page we generated.
fn style_elements(html: &str) -> impl Iterator<Item = &str> {
    html.split("<style").skip(1).filter_map(|rest| {
        let open_end = rest.find('>')?;
        let body = &rest[open_end + 1..];
        body.find("</style>").map(|close| &body[..close])
    })
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
    fn blank_lines_collapse_outside_code_fences() {
        let mut t = "a\n\n\n\nb\n```\n\n\n```\n\n\n".to_string();
        tidy_blank_lines(&mut t);
        assert_eq!(t, "a\n\nb\n```\n\n\n```\n");
    }

    #[test]
    fn the_policy_allows_exactly_the_page_s_own_styles() {
        let csp =
            content_security_policy("<style>a{}</style><p>x</p><style media=print>b{}</style>");
        assert!(
            csp.starts_with("default-src 'none'; style-src 'sha256-"),
            "{csp}"
        );
        assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        assert!(content_security_policy("<p>no style</p>").contains("style-src 'none'"));
    }

    #[test]
    fn a_broken_override_is_a_template_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("report.md.tera"), "{% if %}").unwrap();
        let err = Renderer::new(Some(dir.path())).err().expect("must fail");
        assert!(matches!(err, RenderError::Template { .. }), "{err}");
    }
}
