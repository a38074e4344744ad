//! Benchmark of the whole pipeline (load + check + render Markdown) against the cost of
//! parsing the same TOML files alone, on generated models.
//!
//! `cargo bench --bench pipeline` runs the target size (10,000 components, 50,000 flows,
//! 20,000 threats) and smaller ones to show how time grows; `-- --quick` runs fewer
//! repetitions. Figures are medians of wall-clock time on this machine.

use std::path::Path;
mod timing;

use std::time::Instant;

use threatbook::Diagnostic;
use threatbook::check::Options;
use threatbook::model::Date;
use threatbook::render::{Format, Renderer, ReportInput, ReportView};
use threatbook::synthetic::{self, Size};
use timing::time;

/// Reading and parsing every TOML file of the model, and nothing else.
fn parse_only(dir: &Path) -> usize {
    let mut tables = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = toml::de::DeTable::parse(&text).unwrap();
        tables += doc.get_ref().len();
        // Like the pipeline's model, the parsed tables are not freed on the clock.
        std::mem::forget(doc);
    }
    tables
}

/// The Markdown report's view of a checked project, as `render --format md` builds it.
fn view<'a>(
    project: &'a threatbook::Project,
    findings: &'a [Diagnostic],
    today: Date,
) -> ReportView<'a> {
    let model = project.model.as_ref().expect("generated model loads");
    ReportView::new(ReportInput {
        model,
        sources: &project.sources,
        today,
        generated: None,
        findings,
        mermaid: threatbook::diagram::report_mermaid(model, today),
        svg: None,
        detail: threatbook::render::view::Detail::Full,
    })
}

/// What `threatbook render DIR --format md` does, minus writing the file.
/// Returns what it made, so that freeing it is not timed (the CLI does not free it).
fn pipeline(dir: &Path, renderer: &Renderer, today: Date) -> (threatbook::Project, String) {
    let mut project = threatbook::open(dir);
    project.check(&Options::new(today));
    let findings: Vec<_> = project.diagnostics.iter().cloned().collect();
    let text = {
        let view = view(&project, &findings, today);
        renderer.render(Format::Markdown, &view).unwrap()
    };
    (project, text)
}

/// Time of each stage at one size, to show where the pipeline spends it.
fn stages(dir: &Path, renderer: &Renderer, today: Date) {
    let t = Instant::now();
    let mut project = threatbook::open(dir);
    let load = t.elapsed();
    let t = Instant::now();
    project.check(&Options::new(today));
    let check = t.elapsed();
    let findings: Vec<_> = project.diagnostics.iter().cloned().collect();
    let t = Instant::now();
    let view = view(&project, &findings, today);
    let views = t.elapsed();
    let t = Instant::now();
    let text = renderer.render(Format::Markdown, &view).unwrap();
    let render = t.elapsed();
    println!(
        "stages: load+resolve {:.0}ms, check {:.0}ms, views (with diagram) {:.0}ms, render {:.0}ms ({:.1} MiB of Markdown)",
        load.as_secs_f64() * 1e3,
        check.as_secs_f64() * 1e3,
        views.as_secs_f64() * 1e3,
        render.as_secs_f64() * 1e3,
        text.len() as f64 / (1024.0 * 1024.0)
    );
}

fn main() {
    let today = Date::parse("2026-11-27").unwrap();
    let renderer = Renderer::new(None).unwrap();
    let (runs, sizes) = timing::plan(7, &[1_000, 2_500, 5_000, 10_000]);
    println!(
        "{:>10} {:>8} {:>8} {:>9} {:>11} {:>11} {:>7}",
        "components", "flows", "threats", "TOML MiB", "parse only", "pipeline", "ratio"
    );
    for &components in &sizes {
        let size = Size::scaled(components);
        let tmp = tempfile::tempdir().unwrap();
        synthetic::write(tmp.path(), size).unwrap();
        let bytes: u64 = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        let parse = time(runs, || {
            std::hint::black_box(parse_only(tmp.path()));
        });
        let full = time(runs, || pipeline(tmp.path(), &renderer, today));
        println!(
            "{:>10} {:>8} {:>8} {:>9.1} {:>9.0}ms {:>9.0}ms {:>7.2}",
            size.components,
            size.flows,
            size.threats,
            bytes as f64 / (1024.0 * 1024.0),
            parse.as_secs_f64() * 1e3,
            full.as_secs_f64() * 1e3,
            full.as_secs_f64() / parse.as_secs_f64()
        );
        if components == *sizes.last().unwrap() {
            stages(tmp.path(), &renderer, today);
        }
    }
}
