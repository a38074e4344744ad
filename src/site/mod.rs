//! The static documentation site: for one or more models, an index of models, per model a
//! summary page, a page per component, threat and mitigation, the flows, a coverage
//! matrix, and a client-side search over everything.
//!
//! [`write`] hands each file (relative path, bytes) to a [`Sink`] as soon as it is
//! rendered: the CLI's sink writes it into the staging folder of the site, so a site is
//! never held in memory whole; [`build`] keeps the files in memory, for `serve`. Every link is relative, so the site works from `file://` and from
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

/// Where the site's files go, each handed over as soon as it is made, from two threads:
/// a folder being written ([`crate::output::TreeWriter`]), or memory ([`build`]).
pub trait Sink: Sync {
    /// Takes one file (`path` relative to the site's root, `/`-separated).
    fn file(&self, path: &str, bytes: &[u8]) -> Result<(), SiteError>;
}

/// Why a site could not be made.
#[derive(Debug)]
pub enum SiteError {
    Render(RenderError),
    Write(crate::output::WriteError),
}

impl std::fmt::Display for SiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SiteError::Render(e) => e.fmt(f),
            SiteError::Write(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SiteError {}

impl From<RenderError> for SiteError {
    fn from(e: RenderError) -> SiteError {
        SiteError::Render(e)
    }
}

impl Sink for crate::output::TreeWriter {
    fn file(&self, path: &str, bytes: &[u8]) -> Result<(), SiteError> {
        self.add(path, bytes).map_err(SiteError::Write)
    }
}

/// Files kept in memory, for [`build`].
struct Memory(std::sync::Mutex<Vec<SiteFile>>);

impl Sink for Memory {
    fn file(&self, path: &str, bytes: &[u8]) -> Result<(), SiteError> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(SiteFile {
                path: path.to_string(),
                bytes: bytes.to_vec(),
            });
        Ok(())
    }
}

/// Builds the whole site in memory, its files sorted by path. Models are published in
/// the order given.
pub fn build(
    models: &[SiteModel<'_>],
    renderer: &Renderer,
    today: Date,
) -> Result<Vec<SiteFile>, SiteError> {
    let memory = Memory(std::sync::Mutex::new(Vec::new()));
    write(models, renderer, today, &memory, &|_, _| {})?;
    let mut files = memory
        .0
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
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

/// Makes the site, handing each file to `sink` as soon as it is rendered, so that no
/// more than the pages being rendered are held at once. Calls `progress(done, total)` as
/// pages are rendered (from two threads), `total` being [`page_count`].
pub fn write(
    models: &[SiteModel<'_>],
    renderer: &Renderer,
    today: Date,
    sink: &dyn Sink,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(), SiteError> {
    let total = page_count(models);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = || {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(n, total);
    };
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
        model_pages(m, &view, renderer, sink, &tick)?;
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
    for (template, path) in [
        ("site-index.html.tera", "index.html"),
        ("site-search.html.tera", "search.html"),
    ] {
        sink.file(path, renderer.render_template(template, &root)?.as_bytes())?;
        tick();
    }
    sink.file("search-index.js", search::to_script(&index).as_bytes())?;
    for (name, bytes) in &renderer.theme().assets {
        sink.file(&format!("assets/{name}"), bytes)?;
    }
    Ok(())
}

/// The pages of one model, rendered on two threads.
fn model_pages(
    m: &SiteModel<'_>,
    view: &ReportView<'_>,
    renderer: &Renderer,
    sink: &dyn Sink,
    tick: &(dyn Fn() + Sync),
) -> Result<(), SiteError> {
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
    for (template, name) in [
        ("site-model.html.tera", "index.html"),
        ("site-flows.html.tera", "flows.html"),
        ("site-coverage.html.tera", "coverage.html"),
    ] {
        let html = renderer.render_template(template, &model_level)?;
        sink.file(&format!("{slug}/{name}"), html.as_bytes())?;
        tick();
    }
    // The diagram on its own, opened at full size from the summary page.
    if let Some(svg) = &m.svg {
        sink.file(&format!("{slug}/diagram.svg"), svg.as_bytes())?;
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
    // Set when either thread fails, so that the other stops too.
    let failed = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let worker = || -> Result<(), SiteError> {
            while !failed.load(std::sync::atomic::Ordering::Relaxed) {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((template, path, i)) = jobs.get(k) else {
                    return Ok(());
                };
                let mut c = entity_level.clone();
                c.insert("page", i);
                let written = renderer
                    .render_template(template, &c)
                    .map_err(SiteError::from)
                    .and_then(|html| sink.file(path, html.as_bytes()));
                if written.is_err() {
                    failed.store(true, std::sync::atomic::Ordering::Relaxed);
                    return written;
                }
                tick();
            }
            Ok(())
        };
        let helper = scope.spawn(worker);
        let mine = worker();
        mine.and(helper.join().unwrap_or(Ok(())))
    })
}
