//! The static documentation site: for one or more models, an index of models, per model a
//! summary page, a page per component, threat and mitigation, the flows, a coverage
//! matrix, and a client-side search over everything.
//!
//! [`build`] returns the site as a list of files (relative path, bytes) and does no I/O;
//! the CLI writes them. Every link is relative, so the site works from `file://` and from
//! any sub-path of a web server. Pages carry no inline script or event handler: the only
//! script is `assets/search.js` (with the index in `search-index.js`), used by the search
//! page alone, so every page reads without JavaScript and a strict CSP can be applied.

mod matrix;
mod search;

use serde::Serialize;
use tera::Context;

use crate::check::Summary;
use crate::diag::Diagnostic;
use crate::model::{Date, Model};
use crate::render::{RenderError, Renderer, ReportInput, ReportView};
use crate::source::Sources;

/// One model to publish.
pub struct SiteModel<'a> {
    /// The folder name of the model in the site (kebab-case, unique).
    pub slug: String,
    pub model: &'a Model,
    pub sources: &'a Sources,
    pub findings: &'a [Diagnostic],
    /// The data-flow diagram, when one was drawn.
    pub svg: Option<String>,
}

/// A file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Relative to the site's root, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
}

#[derive(Serialize)]
struct ModelEntry<'a> {
    slug: &'a str,
    name: &'a str,
    version: Option<&'a str>,
    summary: Summary,
    /// Threat counts per coverage state, in report order.
    states: Vec<crate::render::view::StateCount>,
}

/// Builds the whole site. Models are published in the order given.
pub fn build(
    models: &[SiteModel<'_>],
    renderer: &Renderer,
    today: Date,
) -> Result<Vec<SiteFile>, RenderError> {
    build_with_progress(models, renderer, today, &|_, _| {})
}

/// The pages a site of `models` has: per model its summary, flows and coverage pages and
/// one per component, threat and mitigation; then the index and the search page.
pub fn page_count(models: &[SiteModel<'_>]) -> usize {
    let per_model: usize = models
        .iter()
        .map(|m| {
            3 + m.model.component_ids().count()
                + m.model.threat_ids().count()
                + m.model.mitigations.len()
        })
        .sum();
    per_model + 2
}

/// [`build`], calling `progress(done, total)` as pages are rendered (from two threads),
/// `total` being [`page_count`].
pub fn build_with_progress(
    models: &[SiteModel<'_>],
    renderer: &Renderer,
    today: Date,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<SiteFile>, RenderError> {
    let total = page_count(models);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = || {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(n, total);
    };
    let mut files = Vec::new();
    let mut entries = Vec::new();
    let mut index = search::Index::default();
    for m in models {
        let mut view = ReportView::new(ReportInput {
            model: m.model,
            sources: m.sources,
            today,
            generated: None,
            findings: m.findings,
            mermaid: None,
            svg: m.svg.clone(),
            detail: crate::render::view::Detail::Full,
        });
        search::add_model(&mut index, &m.slug, &view);
        files.extend(model_pages(m, &view, renderer, &tick)?);
        entries.push(ModelEntry {
            slug: &m.slug,
            name: &m.model.project.name,
            version: m.model.project.version.as_deref(),
            summary: view.summary.clone(),
            states: std::mem::take(&mut view.states),
        });
    }

    let mut root = Context::new();
    root.insert("root", "");
    root.insert("base", "");
    root.insert("models", &entries);
    // The states' names and meanings, for the table's header.
    root.insert(
        "states",
        &crate::render::view::state_counts(&[], std::iter::empty(), false),
    );
    root.insert("project", &None::<()>);
    files.push(page(
        "index.html",
        renderer.render_template("site-index.html.tera", &root)?,
    ));
    files.push(page(
        "search.html",
        renderer.render_template("site-search.html.tera", &root)?,
    ));
    tick();
    tick();
    files.push(SiteFile {
        path: "search-index.js".into(),
        bytes: search::to_script(&index).into_bytes(),
    });
    for (name, bytes) in &renderer.theme().assets {
        files.push(SiteFile {
            path: format!("assets/{name}"),
            bytes: bytes.clone(),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn page(path: &str, html: String) -> SiteFile {
    SiteFile {
        path: path.to_string(),
        bytes: html.into_bytes(),
    }
}

/// The pages of one model, rendered on two threads.
fn model_pages(
    m: &SiteModel<'_>,
    view: &ReportView<'_>,
    renderer: &Renderer,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<SiteFile>, RenderError> {
    let mut context = Context::from_serialize(view).map_err(|e| RenderError::Template {
        name: "site".into(),
        message: e.to_string(),
    })?;
    context.insert("matrix", &matrix::rows(m.model, view));
    let model_level = {
        let mut c = context.clone();
        c.insert("root", "../");
        c.insert("base", "");
        c
    };
    let entity_level = {
        let mut c = context.clone();
        c.insert("root", "../../");
        c.insert("base", "../");
        c
    };
    let slug = &m.slug;
    let mut files = Vec::new();
    for (template, name) in [
        ("site-model.html.tera", "index.html"),
        ("site-flows.html.tera", "flows.html"),
        ("site-coverage.html.tera", "coverage.html"),
    ] {
        files.push(page(
            &format!("{slug}/{name}"),
            renderer.render_template(template, &model_level)?,
        ));
        tick();
    }
    // The diagram on its own, opened at full size from the summary page.
    if let Some(svg) = &m.svg {
        files.push(SiteFile {
            path: format!("{slug}/diagram.svg"),
            bytes: svg.clone().into_bytes(),
        });
    }
    // (template, folder, ids) for each kind of entity page.
    let kinds: [(&str, &str, Vec<&str>); 3] = [
        (
            "site-component.html.tera",
            "components",
            view.components.iter().map(|c| c.id).collect(),
        ),
        (
            "site-threat.html.tera",
            "threats",
            view.threats.iter().map(|t| t.id).collect(),
        ),
        (
            "site-mitigation.html.tera",
            "mitigations",
            view.mitigations.iter().map(|x| x.id).collect(),
        ),
    ];
    let jobs: Vec<(&str, String, usize)> = kinds
        .iter()
        .flat_map(|(template, folder, ids)| {
            ids.iter()
                .enumerate()
                .map(move |(i, id)| (*template, format!("{slug}/{folder}/{id}.html"), i))
        })
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let rendered: Vec<Result<Vec<SiteFile>, RenderError>> = std::thread::scope(|scope| {
        let worker = || -> Result<Vec<SiteFile>, RenderError> {
            let mut mine = Vec::new();
            loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((template, path, i)) = jobs.get(k) else {
                    return Ok(mine);
                };
                let mut c = entity_level.clone();
                c.insert("page", i);
                mine.push(page(path, renderer.render_template(template, &c)?));
                tick();
            }
        };
        let helper = scope.spawn(worker);
        let mine = worker();
        vec![mine, helper.join().unwrap_or_else(|_| Ok(Vec::new()))]
    });
    for part in rendered {
        files.extend(part?);
    }
    Ok(files)
}
