//! Benchmark of one analysis of the language server (load with an editor's text laid
//! over one file, check, index the ids, turn the diagnostics into the protocol's)
//! against what `check` does on the same folder, on the FastAPI example and on generated
//! 200-component models.
//!
//! `cargo bench --bench lsp`; figures are medians of wall-clock time on this machine.

mod timing;

use std::path::Path;

use threatbook::check::Options;
use threatbook::model::Date;
use threatbook::synthetic::{self, Size};
use timing::time;

fn check(dir: &Path, today: Date) -> threatbook::Project {
    let mut project = threatbook::open(dir);
    project.check(&Options::new(today));
    project
}

fn main() {
    let today = Date::parse("2026-12-01").unwrap();
    let runs = 15;
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    let with_kb = tmp.path().join("kb");
    let size = Size::scaled(200);
    let mut files = synthetic::generate(size);
    synthetic::write_files(&plain, &files).unwrap();
    let kb = synthetic::add_knowledge_base(&mut files, 60);
    for (path, text) in files.iter_mut() {
        if path == "threatbook.toml" {
            // The bundled STRIDE knowledge base too, as a real model would have.
            *text = text.replace("bases = [\"./kb\"]", "bases = [\"stride\", \"./kb\"]");
        }
    }
    synthetic::write_files(&with_kb, &files).unwrap();
    synthetic::write_files(&with_kb, &kb).unwrap();
    let fastapi = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog/fastapi");
    println!(
        "{:<40} {:>8} {:>12} {:>14}",
        "model", "threats", "check", "lsp analysis"
    );
    for (name, dir, file) in [
        ("FastAPI example", fastapi.as_path(), "components.toml"),
        (
            "200 components, no knowledge base",
            plain.as_path(),
            "components.toml",
        ),
        (
            "200 components, stride + 60 patterns",
            with_kb.as_path(),
            "components.toml",
        ),
    ] {
        let path = dir.join(file);
        let mut overlay = threatbook::load::Overlay::new();
        overlay.insert(path.clone(), std::fs::read_to_string(&path).unwrap() + "\n");
        let threats = check(dir, today).model.map_or(0, |m| m.threats.len());
        let plain_check = time(runs, || check(dir, today));
        let analysis = time(runs, || {
            threatbook::lsp::Analysis::new(dir, &overlay, today)
        });
        println!(
            "{name:<40} {threats:>8} {:>10.1}ms {:>12.1}ms",
            plain_check.as_secs_f64() * 1000.0,
            analysis.as_secs_f64() * 1000.0
        );
    }
}
