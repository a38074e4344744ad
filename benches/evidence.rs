//! Benchmark of the audit outputs on generated models: each export format, building the
//! evidence artefacts (report + exports + model copy, in memory), hashing them, and a
//! semantic diff of a model against a copy with one threat per file made less severe.
//!
//! `cargo bench --bench evidence` runs 1,000 and 10,000 components (the pipeline
//! benchmark's target size); `-- --quick` only the larger, with fewer repetitions.
//! Figures are medians of wall-clock time on this machine; loading is not included.

mod timing;

use std::time::Duration;

use threatbook::check::Options;
use threatbook::evidence::{self, FileEntry};
use threatbook::export::{self, Format, Input};
use threatbook::model::Date;
use threatbook::synthetic::{self, Size};
use timing::time;

fn ms(d: Duration) -> String {
    format!("{:.0}ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let today = Date::parse("2026-11-27").unwrap();
    let (runs, sizes) = timing::plan(5, &[1_000, 10_000]);
    println!(
        "{:>10} {:>8} {:>8} {:>8} {:>8} {:>10} {:>8} {:>8}",
        "components", "json", "sarif", "csv", "bundle", "bundle MiB", "sha256", "diff"
    );
    for &components in &sizes {
        let size = Size::scaled(components);
        let tmp = tempfile::tempdir().unwrap();
        synthetic::write(tmp.path(), size).unwrap();
        let mut project = threatbook::open(tmp.path());
        project.check(&Options::new(today));
        let input = Input {
            model: project.model.as_ref().expect("generated model loads"),
            sources: &project.sources,
            today,
            findings: project.diagnostics.as_slice(),
        };
        let [json, sarif, csv] = Format::ALL.map(|f| {
            time(runs, || {
                std::hint::black_box(export::export(f, &input));
            })
        });
        let bundle = time(runs, || {
            std::hint::black_box(evidence::artefacts(&input).unwrap());
        });
        let artefacts = evidence::artefacts(&input).unwrap();
        let bytes: usize = artefacts.iter().map(|a| a.len()).sum();
        let hash = time(runs, || {
            std::hint::black_box(artefacts.iter().map(FileEntry::of).count());
        });
        // The same model with the first high threat of each file made low.
        let files = synthetic::generate(size);
        let changed: Vec<(String, String)> = files
            .iter()
            .map(|(p, t)| {
                (
                    p.clone(),
                    t.replacen("severity = \"high\"", "severity = \"low\"", 1),
                )
            })
            .collect();
        let other = threatbook::open_texts(changed.iter().map(|(p, t)| (p.as_str(), t.as_str())));
        let other = other.model.expect("changed model loads");
        let diff = time(runs, || {
            std::hint::black_box(threatbook::diff::diff(input.model, &other, today));
        });
        println!(
            "{:>10} {:>8} {:>8} {:>8} {:>8} {:>10.1} {:>8} {:>8}",
            size.components,
            ms(json),
            ms(sarif),
            ms(csv),
            ms(bundle),
            bytes as f64 / (1024.0 * 1024.0),
            ms(hash),
            ms(diff)
        );
    }
}
