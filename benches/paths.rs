//! Benchmark of attack-path analysis on generated models.
//!
//! `cargo bench --bench paths` times, on a model of 10,000 components and 50,000 flows
//! (and smaller ones to show how time grows), the shortest path to every target from
//! the nearest source, and the three shortest paths to one target (Yen's algorithm).
//! Loading the model is not timed. `-- --quick` runs the target size only, with fewer
//! repetitions. Figures are medians of wall-clock time on this machine.

mod timing;

use std::time::Duration;

use threatbook::model::Date;
use threatbook::paths::{self, Query};
use threatbook::synthetic::{self, Size};
use timing::time;

fn main() {
    let today = Date::parse("2026-11-27").unwrap();
    let (runs, sizes) = timing::plan(7, &[1_000, 5_000, 10_000]);
    println!(
        "{:>10} {:>8} {:>8} {:>8} {:>8} {:>12} {:>12}",
        "components", "flows", "sources", "targets", "paths", "all targets", "k=3 to one"
    );
    for &components in &sizes {
        let size = Size::scaled(components);
        let files = synthetic::generate(size);
        let project = threatbook::open_texts(files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
        let model = project.model.expect("the generated model resolves");
        let all = Query {
            from: None,
            to: None,
            k: 3,
            today,
        };
        let analysis = paths::analyse(&model, &all).unwrap();
        let every = time(runs, || {
            std::hint::black_box(paths::analyse(&model, &all).unwrap());
        });
        // The farthest reachable target: the longest shortest path, the most spur searches.
        let far = analysis
            .paths
            .iter()
            .max_by_key(|p| p.walk.flows.len())
            .map(|p| model.component(*p.walk.nodes.last().unwrap()).id.clone());
        let one = far.map_or(Duration::ZERO, |id| {
            let q = Query {
                to: Some(id),
                ..all.clone()
            };
            time(runs, || {
                std::hint::black_box(paths::analyse(&model, &q).unwrap());
            })
        });
        println!(
            "{:>10} {:>8} {:>8} {:>8} {:>8} {:>10.1}ms {:>10.1}ms",
            size.components,
            size.flows,
            analysis.sources.len(),
            analysis.targets.len(),
            analysis.paths.len(),
            every.as_secs_f64() * 1e3,
            one.as_secs_f64() * 1e3,
        );
    }
}
