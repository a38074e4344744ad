//! Benchmark of knowledge-base instantiation plus attack-path analysis.
//!
//! `cargo bench --bench kb` generates a model of 10,000 components and 50,000 flows
//! (and smaller ones to show how time grows) with a knowledge base of 200 patterns and
//! a vocabulary (synonyms, an implied role, reachability selectors; near misses on),
//! and times: loading the model without the knowledge base, loading it with it (the
//! difference is reading the knowledge base and instantiating its patterns), and the
//! attack-path analysis of the model with its instantiated threats. `-- --quick` runs
//! the target size only, with fewer repetitions. Figures are medians of wall-clock time.

mod timing;

use std::path::Path;

use threatbook::model::Date;
use threatbook::paths::{self, Query};
use threatbook::synthetic::{self, Size};
use timing::time;

fn open(dir: &Path) -> threatbook::Project {
    let project = threatbook::open(dir);
    assert!(project.model.is_some(), "the generated model resolves");
    project
}

fn main() {
    let today = Date::parse("2026-11-27").unwrap();
    let (runs, sizes) = timing::plan(7, &[1_000, 5_000, 10_000]);
    const PATTERNS: usize = 200;
    println!(
        "{:>10} {:>8} {:>8} {:>10} {:>12} {:>12} {:>12} {:>14}",
        "components",
        "flows",
        "patterns",
        "instances",
        "load (no kb)",
        "load + kb",
        "paths",
        "kb + paths"
    );
    for &components in &sizes {
        let size = Size::scaled(components);
        let tmp = tempfile::tempdir().unwrap();
        let (plain, with_kb) = (tmp.path().join("plain"), tmp.path().join("kb"));
        let mut files = synthetic::generate(size);
        synthetic::write_files(&plain, &files).unwrap();
        let kb = synthetic::add_knowledge_base(&mut files, PATTERNS);
        synthetic::write_files(&with_kb, &files).unwrap();
        synthetic::write_files(&with_kb, &kb).unwrap();

        let without = time(runs, || open(&plain));
        let with = time(runs, || open(&with_kb));
        let project = open(&with_kb);
        let model = project.model.as_ref().unwrap();
        let instances: usize = model.patterns.iter().map(|p| p.instances.len()).sum();
        let query = Query {
            from: None,
            to: None,
            k: 3,
            today,
        };
        let path_time = time(runs, || {
            std::hint::black_box(paths::analyse(model, &query).unwrap());
        });
        let kb_cost = with.saturating_sub(without);
        println!(
            "{:>10} {:>8} {:>8} {:>10} {:>10.0}ms {:>10.0}ms {:>10.0}ms {:>12.0}ms",
            size.components,
            size.flows,
            PATTERNS,
            instances,
            without.as_secs_f64() * 1e3,
            with.as_secs_f64() * 1e3,
            path_time.as_secs_f64() * 1e3,
            (kb_cost + path_time).as_secs_f64() * 1e3,
        );
    }
    println!(
        "kb + paths = (load + kb) - (load without kb) + paths: instantiating the patterns and \
         analysing the attack paths; the whole run with loading is load + kb + paths."
    );
}
