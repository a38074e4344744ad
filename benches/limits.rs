//! Benchmark of the inputs that used to crash or hang: a component name of 1 MiB drawn
//! as SVG, the 100 shortest attack paths through a ladder of 1,500 layers, and DOT,
//! Mermaid and `check` on 10,000 nested zones.
//!
//! `cargo bench --bench limits` prints, for each case at half and at full size, the
//! median time and the output's size per input byte; `-- --quick` runs the full size
//! only, with fewer repetitions. The target is well under a second each in release,
//! with output growing linearly with the input (the same bytes per input byte at both
//! sizes). Loading is timed apart from the command's own work: resolving the model is
//! not this benchmark's subject, but its time is shown since users wait for it too.

mod timing;

use threatbook::check::{self, Options as CheckOptions};
use threatbook::diag::Diagnostics;
use threatbook::diagram::{self, Format, Options, Scope};
use threatbook::model::{Date, Model};
use threatbook::paths::{self, Query};
use threatbook::synthetic;
use timing::time;

struct Case {
    name: String,
    files: Vec<(String, String)>,
    run: fn(&Model, Date) -> usize,
}

fn svg(model: &Model, today: Date) -> usize {
    draw(model, today, Format::Svg)
}

fn dot(model: &Model, today: Date) -> usize {
    draw(model, today, Format::Dot)
}

fn mermaid(model: &Model, today: Date) -> usize {
    draw(model, today, Format::Mermaid)
}

fn draw(model: &Model, today: Date, format: Format) -> usize {
    let options = Options {
        today,
        scope: Scope::All,
    };
    diagram::render(model, format, &options).unwrap().len()
}

fn k_paths(model: &Model, today: Date) -> usize {
    let query = Query {
        from: None,
        to: Some("target".into()),
        k: 100,
        today,
    };
    let analysis = paths::analyse(model, &query).unwrap();
    assert_eq!(analysis.paths.len(), 100);
    paths::text(model, &analysis).len()
}

fn checks(model: &Model, today: Date) -> usize {
    let mut diags = Diagnostics::default();
    check::run(model, &CheckOptions::new(today), &mut diags);
    diags.iter().map(|d| d.message.len()).sum()
}

fn main() {
    let today = Date::parse("2026-11-27").unwrap();
    let quick = std::env::args().any(|a| a == "--quick");
    let (runs, scales): (usize, &[usize]) = if quick { (3, &[2]) } else { (7, &[1, 2]) };
    println!(
        "{:<36} {:>10} {:>10} {:>10} {:>12} {:>12}",
        "case", "input KiB", "load", "run", "output KiB", "out/in byte"
    );
    for &scale in scales {
        let cases = [
            Case {
                name: format!("diagram svg, a name of {} KiB", scale * 512),
                files: synthetic::long_name(scale << 19, 20),
                run: svg,
            },
            Case {
                name: format!("paths -k 100, {} layers", scale * 750),
                files: synthetic::ladder(scale * 750),
                run: k_paths,
            },
            Case {
                name: format!("diagram dot, {} nested zones", scale * 5_000),
                files: synthetic::nested_zones(scale * 5_000),
                run: dot,
            },
            Case {
                name: format!("diagram mermaid, {} nested zones", scale * 5_000),
                files: synthetic::nested_zones(scale * 5_000),
                run: mermaid,
            },
            Case {
                name: format!("check, {} nested zones", scale * 5_000),
                files: synthetic::nested_zones(scale * 5_000),
                run: checks,
            },
        ];
        for case in cases {
            let input: usize = case.files.iter().map(|(_, t)| t.len()).sum();
            let open =
                || threatbook::open_texts(case.files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
            let load = time(runs, open);
            let model = open().model.expect("the limit case resolves");
            let mut output = 0;
            let run = time(runs, || output = (case.run)(&model, today));
            println!(
                "{:<36} {:>10.0} {:>8.0}ms {:>8.1}ms {:>12.0} {:>12.2}",
                case.name,
                input as f64 / 1024.0,
                load.as_secs_f64() * 1e3,
                run.as_secs_f64() * 1e3,
                output as f64 / 1024.0,
                output as f64 / input as f64,
            );
        }
    }
}
