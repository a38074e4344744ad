//! Benchmark of the data-flow diagram: layout alone, and layout plus SVG text, on
//! generated models of growing size (five flows per component).
//!
//! `cargo bench --bench diagram` prints a table; `-- --quick` runs fewer repetitions.
//! The target is 1,000 components and 5,000 flows laid out in under a second. Figures
//! are medians of wall-clock time on this machine.

mod timing;

use threatbook::diagram::{Diagram, Options, Scope, layout, svg};
use threatbook::model::Date;
use threatbook::synthetic::{self, Size};
use timing::time;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 7 };
    let today = Date::parse("2026-11-27").unwrap();
    println!(
        "{:>10} {:>7} {:>7} {:>9} {:>10} {:>12} {:>9} {:>12}",
        "components",
        "flows",
        "layers",
        "crossings",
        "layout",
        "layout+svg",
        "SVG MiB",
        "ms/component"
    );
    let mut previous: Option<(usize, f64)> = None;
    for components in [250, 500, 1_000, 2_000] {
        let files = synthetic::generate(Size::scaled(components));
        let project = threatbook::open_texts(files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
        let model = project.model.expect("generated model loads");
        let options = Options {
            today,
            scope: Scope::All,
        };
        let diagram = Diagram::new(&model, &options).unwrap();
        let placed = layout::layout(&diagram);
        let t_layout = time(runs, || {
            std::hint::black_box(layout::layout(&diagram));
        });
        let mut bytes = 0;
        let t_all = time(runs, || {
            let d = Diagram::new(&model, &options).unwrap();
            bytes = std::hint::black_box(svg::render(&d)).len();
        });
        let ms = t_all.as_secs_f64() * 1e3;
        println!(
            "{:>10} {:>7} {:>7} {:>9} {:>8.0}ms {:>10.0}ms {:>9.1} {:>12.3}{}",
            components,
            model.graph.edge_count(),
            placed.layers,
            placed.crossings,
            t_layout.as_secs_f64() * 1e3,
            ms,
            bytes as f64 / (1024.0 * 1024.0),
            ms / components as f64,
            match previous {
                Some((c, p)) => format!(
                    "  (x{:.1} time for x{:.0} size)",
                    ms / p,
                    components as f64 / c as f64
                ),
                None => String::new(),
            }
        );
        previous = Some((components, ms));
    }
}
