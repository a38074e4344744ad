//! The static documentation site: for one or more models, an index of models, per model a
//! summary page, a page per component, threat and mitigation written in the model, the
//! pages of each knowledge-base pattern and mitigation (its text once, then the elements
//! it is on, [`ROWS_PER_PAGE`] to a page), the flows, a coverage matrix, and a
//! client-side search.
//!
//! [`write()`] hands each file (relative path, bytes) to a [`Sink`] as soon as it is
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
use crate::render::view::Compact;
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

/// Where the site's files go, each handed over as soon as it is made, by the thread that
/// called [`write()`]: a folder being written ([`crate::output::TreeWriter`]), or memory
/// ([`build`]).
pub trait Sink {
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

/// Makes the site, handing each file to `sink` as soon as it is rendered, so that no
/// more than the pages being rendered are held at once. Calls `progress(done, total)` as
/// pages are written (by the calling thread), `total` being the number of pages: per model
/// its summary, flows and coverage pages, one per component and per threat and
/// mitigation written in the model, and the pages of each knowledge-base pattern and
/// mitigation with instances; then the index and the search page.
pub fn write(
    models: &[SiteModel<'_>],
    renderer: &Renderer,
    today: Date,
    sink: &dyn Sink,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(), SiteError> {
    write_paged(models, renderer, today, sink, progress, ROWS_PER_PAGE, true)
}

/// [`write()`], with `rows` instances to a pattern's or recommendation's page, and
/// instances handed to templates whole unless `compact`.
fn write_paged(
    models: &[SiteModel<'_>],
    renderer: &Renderer,
    today: Date,
    sink: &dyn Sink,
    progress: &(dyn Fn(usize, usize) + Sync),
    rows: usize,
    compact: bool,
) -> Result<(), SiteError> {
    let listings: Vec<Listing> = models.iter().map(|m| Listing::of(m.model, rows)).collect();
    let total = 2 + listings.iter().map(|l| 3 + l.jobs.len()).sum::<usize>();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = || {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(n, total);
    };
    let mut entries = Vec::new();
    let mut index = search::Index::default();
    for (m, listing) in models.iter().zip(&listings) {
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
        if compact {
            compact_instances(&mut view);
        }
        search::add_model(&mut index, &m.slug, &view, listing);
        model_pages(m, &view, listing, renderer, sink, &tick)?;
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

/// Hands the site's templates only what its pages show of each knowledge-base instance
/// ([`Compact::Site`]): the pattern's and recommendation's pages give the rest once.
fn compact_instances(view: &mut ReportView<'_>) {
    for t in view.threats.iter_mut().filter(|t| t.pattern.is_some()) {
        t.compact = Compact::Site;
    }
    for x in view
        .mitigations
        .iter_mut()
        .filter(|x| x.recommendation.is_some())
    {
        x.compact = Compact::Site;
    }
}

/// The templates of a model's pages.
const MODEL_PAGES: [&str; 8] = [
    "site-model.html.tera",
    "site-flows.html.tera",
    "site-coverage.html.tera",
    "site-component.html.tera",
    "site-threat.html.tera",
    "site-mitigation.html.tera",
    "site-pattern.html.tera",
    "site-recommendation.html.tera",
];

/// The pages of one model, rendered on two threads and handed to `sink` by this one.
fn model_pages(
    m: &SiteModel<'_>,
    view: &ReportView<'_>,
    listing: &Listing,
    renderer: &Renderer,
    sink: &dyn Sink,
    tick: &(dyn Fn() + Sync),
) -> Result<(), SiteError> {
    // The view's values any page reads: the built-in pages read threats and
    // mitigations one at a time (`threat()`, `mitigation()`), never the whole lists.
    let mut context = Context::new();
    for key in crate::render::view::CONTEXT_KEYS {
        if MODEL_PAGES.iter().any(|t| renderer.reads(t).contains(&key)) {
            let value = view
                .value_of(key)
                .unwrap_or_else(|| Ok(tera::Value::none()));
            let value = value.map_err(|e| RenderError::Template {
                name: "site".into(),
                message: e.to_string(),
            })?;
            context.insert_value(key, value);
        }
    }
    context.insert("matrix", &matrix::rows(m.model, view));
    context.insert("threat_href", &listing.threat_href);
    context.insert("mitigation_href", &listing.mitigation_href);
    context.insert("own_threats", &listing.own_threats);
    context.insert("own_mitigations", &listing.own_mitigations);
    context.insert("pattern_pages", &listing.patterns);
    context.insert("recommendation_pages", &listing.recommendations);
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
        let html = renderer.render_view_template(view, template, &model_level)?;
        sink.file(&format!("{slug}/{name}"), html.as_bytes())?;
        tick();
    }
    // The diagram on its own, opened at full size from the summary page.
    if let Some(svg) = &m.svg {
        sink.file(&format!("{slug}/diagram.svg"), svg.as_bytes())?;
    }
    let jobs = &listing.jobs;
    let next = std::sync::atomic::AtomicUsize::new(0);
    // Set when any thread fails, so that the others stop too.
    let failed = std::sync::atomic::AtomicBool::new(false);
    // Two threads render; this one hands the pages to the sink, in one thread so that
    // file creation does not contend for the folder, and a few pages at a time.
    let (pages, written) = std::sync::mpsc::sync_channel::<(String, String)>(16);
    std::thread::scope(|scope| {
        let worker = |pages: std::sync::mpsc::SyncSender<(String, String)>| {
            while !failed.load(std::sync::atomic::Ordering::Relaxed) {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(job) = jobs.get(k) else {
                    return Ok(());
                };
                let mut c = entity_level.clone();
                c.insert("page", &job.page);
                if let Some(part) = &job.part {
                    c.insert("part", part);
                }
                match renderer.render_view_template(view, job.template, &c) {
                    Ok(html) => {
                        if pages.send((format!("{slug}/{}", job.path), html)).is_err() {
                            // The writer stopped: its error is the one to report.
                            return Ok(());
                        }
                    }
                    Err(e) => {
                        failed.store(true, std::sync::atomic::Ordering::Relaxed);
                        return Err(SiteError::from(e));
                    }
                }
            }
            Ok(())
        };
        let workers = [
            scope.spawn({
                let pages = pages.clone();
                move || worker(pages)
            }),
            scope.spawn(move || worker(pages)),
        ];
        let mut outcome = Ok(());
        for (path, html) in written {
            if let Err(e) = sink.file(&path, html.as_bytes()) {
                failed.store(true, std::sync::atomic::Ordering::Relaxed);
                outcome = Err(e);
                break;
            }
            tick();
        }
        // Dropping the receiver (when the loop broke) ends the workers' sends.
        for w in workers {
            let rendered = w.join().unwrap_or(Ok(()));
            if outcome.is_ok() {
                outcome = rendered;
            }
        }
        outcome
    })
}

/// How many instances a pattern's or recommendation's page lists; more go on further
/// pages.
pub const ROWS_PER_PAGE: usize = 500;

/// Where each threat and mitigation of a model is shown in the site. A threat or
/// mitigation written in the model has its own page; a knowledge base's instances are
/// rows of their pattern's or recommendation's pages, which give the shared text once.
#[derive(Default)]
struct Listing {
    /// Per threat, its page (and row) relative to the model's folder.
    threat_href: Vec<String>,
    mitigation_href: Vec<String>,
    /// Threats and mitigations written in the model, not made from a knowledge base.
    own_threats: Vec<usize>,
    own_mitigations: Vec<usize>,
    /// The patterns and recommendations with instances, in knowledge-base order.
    patterns: Vec<Pages>,
    recommendations: Vec<Pages>,
    /// Every page of the model but its summary, flows and coverage pages, relative to
    /// the model's folder.
    jobs: Vec<Job>,
}

/// A pattern's or recommendation's pages.
#[derive(Serialize)]
struct Pages {
    /// Its index in `knowledge.patterns` or `knowledge.recommendations`.
    index: usize,
    /// Its pages, relative to the model's folder, first page first.
    hrefs: Vec<String>,
    /// Its instances: indices into `threats` or `mitigations`.
    rows: Vec<usize>,
    /// For a recommendation: how many of its instances have each status, in the
    /// statuses' order, only those with any.
    statuses: Vec<StatusCount>,
}

#[derive(Serialize)]
struct StatusCount {
    status: &'static str,
    count: usize,
}

/// One page to render: a component, an own threat or mitigation (`page` is its index),
/// or part of a pattern's or recommendation's pages (`page` is its index in
/// `pattern_pages` or `recommendation_pages`).
struct Job {
    template: &'static str,
    path: String,
    page: usize,
    part: Option<Part>,
}

/// Which part of a pattern's or recommendation's instances a page shows.
#[derive(Serialize)]
struct Part {
    /// 1-based.
    number: usize,
    of: usize,
    /// Indices into `threats` or `mitigations`.
    rows: Vec<usize>,
}

fn part_href(folder: &str, stem: &str, part: usize) -> String {
    if part == 0 {
        format!("{folder}/{stem}.html")
    } else {
        format!("{folder}/{stem}.{}.html", part + 1)
    }
}

impl Listing {
    fn of(model: &Model, rows_per_page: usize) -> Listing {
        let mut l = Listing {
            threat_href: vec![String::new(); model.threats.len()],
            mitigation_href: vec![String::new(); model.mitigations.len()],
            ..Listing::default()
        };
        for (i, t) in model.threats.iter().enumerate() {
            if t.pattern.is_none() {
                l.threat_href[i] = format!("threats/{}.html", t.id);
                l.own_threats.push(i);
            }
        }
        for (i, x) in model.mitigations.iter().enumerate() {
            if x.recommendation.is_none() {
                l.mitigation_href[i] = format!("mitigations/{}.html", x.id);
                l.own_mitigations.push(i);
            }
        }
        for (p, pattern) in model.patterns.iter().enumerate() {
            let rows: Vec<usize> = pattern.instances.iter().map(|t| t.index()).collect();
            let stem = format!("{}.{}", model.knowledge_base(pattern.kb).id, pattern.id);
            let hrefs = l.paginate(model, &rows, rows_per_page, "patterns", &stem, true);
            if !rows.is_empty() {
                l.patterns.push(Pages {
                    index: p,
                    hrefs,
                    rows,
                    statuses: Vec::new(),
                });
            }
        }
        for (r, rec) in model.recommendations.iter().enumerate() {
            let rows: Vec<usize> = rec
                .instances
                .iter()
                .filter(|m| model.mitigation(**m).recommendation.map(|x| x.index()) == Some(r))
                .map(|m| m.index())
                .collect();
            let stem = format!("{}.{}", model.knowledge_base(rec.kb).id, rec.id);
            let hrefs = l.paginate(model, &rows, rows_per_page, "recommendations", &stem, false);
            let statuses = <crate::kinds::Status as crate::kinds::Choice>::ALL
                .iter()
                .map(|(name, status)| StatusCount {
                    status: name,
                    count: rows
                        .iter()
                        .filter(|m| model.mitigations[**m].status == *status)
                        .count(),
                })
                .filter(|c| c.count > 0)
                .collect();
            if !rows.is_empty() {
                l.recommendations.push(Pages {
                    index: r,
                    hrefs,
                    rows,
                    statuses,
                });
            }
        }
        l.jobs = l.make_jobs(model, rows_per_page.max(1));
        l
    }

    /// The pages of `rows` (threats, or mitigations) in `folder`, each row's link set to
    /// its page and its row there, whose anchor is the instance's id.
    fn paginate(
        &mut self,
        model: &Model,
        rows: &[usize],
        per_page: usize,
        folder: &str,
        stem: &str,
        threats: bool,
    ) -> Vec<String> {
        let mut hrefs = Vec::new();
        for (part, chunk) in rows.chunks(per_page.max(1)).enumerate() {
            let href = part_href(folder, stem, part);
            for &i in chunk {
                if threats {
                    self.threat_href[i] = format!("{href}#{}", model.threats[i].id);
                } else {
                    self.mitigation_href[i] = format!("{href}#{}", model.mitigations[i].id);
                }
            }
            hrefs.push(href);
        }
        hrefs
    }

    /// Every page of the model but its summary, flows and coverage pages.
    fn make_jobs(&self, model: &Model, per_page: usize) -> Vec<Job> {
        let mut jobs = Vec::new();
        for (i, c) in model.component_ids().enumerate() {
            jobs.push(Job {
                template: "site-component.html.tera",
                path: format!("components/{}.html", model.component(c).id),
                page: i,
                part: None,
            });
        }
        for &i in &self.own_threats {
            jobs.push(Job {
                template: "site-threat.html.tera",
                path: self.threat_href[i].clone(),
                page: i,
                part: None,
            });
        }
        for &i in &self.own_mitigations {
            jobs.push(Job {
                template: "site-mitigation.html.tera",
                path: self.mitigation_href[i].clone(),
                page: i,
                part: None,
            });
        }
        for (template, list) in [
            ("site-pattern.html.tera", &self.patterns),
            ("site-recommendation.html.tera", &self.recommendations),
        ] {
            for (k, pages) in list.iter().enumerate() {
                for (n, (href, rows)) in pages
                    .hrefs
                    .iter()
                    .zip(pages.rows.chunks(per_page))
                    .enumerate()
                {
                    jobs.push(Job {
                        template,
                        path: href.clone(),
                        page: k,
                        part: Some(Part {
                            number: n + 1,
                            of: pages.hrefs.len(),
                            rows: rows.to_vec(),
                        }),
                    });
                }
            }
        }
        jobs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &str) -> crate::Project {
        let mut project = crate::open(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir));
        project.check(&crate::check::Options::new(
            Date::parse("2026-06-01").unwrap(),
        ));
        project
    }

    /// The site of `project` as model `m`, `rows` instances to a page, each page's text
    /// by its path.
    fn site_of(
        project: &crate::Project,
        rows: usize,
        compact: bool,
    ) -> std::collections::BTreeMap<String, String> {
        let findings: Vec<Diagnostic> = project.diagnostics.iter().cloned().collect();
        let models = [SiteModel {
            slug: "m".into(),
            model: project.model.as_ref().unwrap(),
            sources: &project.sources,
            findings: &findings,
            svg: None,
        }];
        let renderer = Renderer::new(None).unwrap();
        let today = Date::parse("2026-06-01").unwrap();
        let memory = Memory(std::sync::Mutex::new(Vec::new()));
        write_paged(
            &models,
            &renderer,
            today,
            &memory,
            &|_, _| {},
            rows,
            compact,
        )
        .unwrap();
        memory
            .0
            .into_inner()
            .unwrap()
            .into_iter()
            .map(|f| (f.path, String::from_utf8(f.bytes).unwrap()))
            .collect()
    }

    #[test]
    fn a_pattern_with_more_instances_than_a_page_holds_gets_numbered_pages_linked_both_ways() {
        let project = open("catalog/stride-example");
        let model = project.model.as_ref().unwrap();
        let files = site_of(&project, 5, true);
        // The site's compact instances carry everything its pages show.
        let whole = site_of(&project, 5, false);
        assert_eq!(files.len(), whole.len());
        for (path, page) in &files {
            assert!(*page == whole[path], "{path} differs with whole instances");
        }
        // The pattern with the most instances, 12 on this model: three pages of 5, 5, 2.
        let (p, pattern) = model
            .patterns
            .iter()
            .enumerate()
            .max_by_key(|(_, p)| p.instances.len())
            .unwrap();
        assert_eq!(pattern.instances.len(), 12, "{}", pattern.id);
        let stem = format!("m/patterns/stride.{}", pattern.id);
        let pages: Vec<&String> = (1..=3)
            .map(|n| {
                let path = if n == 1 {
                    format!("{stem}.html")
                } else {
                    format!("{stem}.{n}.html")
                };
                files.get(&path).unwrap_or_else(|| panic!("no {path}"))
            })
            .collect();
        assert!(!files.contains_key(&format!("{stem}.4.html")));
        for (n, page) in pages.iter().enumerate() {
            assert!(page.contains(&format!("Page {} of 3:", n + 1)), "{page}");
            assert_eq!(page.matches("<tr id=").count(), [5, 5, 2][n]);
        }
        // Each instance is linked to the page its row is on, from its component's page.
        let listing = Listing::of(model, 5);
        for (k, t) in pattern.instances.iter().enumerate() {
            let href = &listing.threat_href[t.index()];
            let page = pages[k / 5];
            let id = &model.threat(*t).id;
            assert!(href.ends_with(&format!("#{id}")), "{href}");
            assert!(
                page.contains(&format!("<tr id=\"{id}\">")),
                "{id} not on page {}",
                k / 5 + 1
            );
        }
        let listed = listing.patterns.iter().find(|x| x.index == p).unwrap();
        assert_eq!(listed.hrefs.len(), 3);
        let component = model.component(model.component_ids().next().unwrap());
        let page = &files[&format!("m/components/{}.html", component.id)];
        for t in &component.threats {
            assert!(page.contains(&format!("href=\"../{}\"", listing.threat_href[t.index()])));
        }
    }

    #[test]
    fn the_site_of_the_fastapi_model_is_the_same_with_compact_instances() {
        let project = open("catalog/fastapi");
        let (compact, whole) = (site_of(&project, 3, true), site_of(&project, 3, false));
        assert!(compact.len() > 90);
        assert!(compact == whole, "the compact site differs");
    }
}
