//! Compares our diagram layout with Graphviz `dot` laying out our own DOT output, with
//! the same measures (`threatbook::diagram::stats`). A development tool only: Graphviz
//! is needed to run it, never to build or use threatbook.
//!
//! `cargo run --release --example dot_stats -- MODEL...` where each MODEL is a model
//! folder or `gen:N` for a generated model of N components. Prints a Markdown table:
//! ours / dot per model. dot's SVG is in points; sizes are converted to px (× 4/3), and
//! its labels are measured with our text-width table, as ours are. With `DOT_STATS_PNG=DIR`
//! our drawing of each model is also written to DIR as a PNG.

use std::io::Write;
use std::process::{Command, Stdio};

use threatbook::diagram::layout::{self, Rect};
use threatbook::diagram::stats::{self, Cubic, Curve, Geometry, Shape, Stats, ZoneArea};
use threatbook::diagram::{Diagram, Options, Scope, dot, text};
use threatbook::model::{Date, Model};

const PX: f64 = 4.0 / 3.0;

fn main() -> std::process::ExitCode {
    let models: Vec<String> = std::env::args().skip(1).collect();
    if models.is_empty() {
        eprintln!("usage: dot_stats MODEL_DIR|gen:N ...");
        return std::process::ExitCode::from(2);
    }
    println!(
        "| model | components / flows | crossings ours / dot | size ours | size dot | area ours / dot (Mpx) | through components ours / dot | through zones ours / dot | across zone titles ours / dot | overlaps ours / dot | edge length ours / dot |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for name in &models {
        let model = match load(name) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("{name}: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let options = Options {
            today: Date::parse("2026-11-27").expect("a valid date"),
            scope: Scope::All,
        };
        let d = Diagram::new(&model, &options).expect("the whole model is drawn");
        let l = layout::layout(&d);
        let ours = stats::measure(&Geometry::of_layout(&d, &l));
        eprintln!(
            "{name}: {} layers, {} crossings by order",
            l.layers, l.crossings
        );
        if let Some(dir) = std::env::var_os("DOT_STATS_PNG") {
            // Our drawing as a PNG, to look at: DOT_STATS_PNG=DIR.
            let file =
                std::path::Path::new(&dir).join(format!("{}.png", name.replace(['/', ':'], "-")));
            let png = threatbook::diagram::png::render(
                &threatbook::diagram::svg::render_layout(&d, &l),
                1.0,
            )
            .expect("the drawing rasterises");
            std::fs::write(&file, png).expect("the PNG is written");
        }
        let theirs = match graphviz(&d) {
            Ok(g) => stats::measure(&g),
            Err(e) => {
                eprintln!("{name}: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        row(name, &ours, &theirs);
    }
    std::process::ExitCode::SUCCESS
}

fn load(name: &str) -> Result<Model, String> {
    if let Some(n) = name.strip_prefix("gen:") {
        let n: usize = n.parse().map_err(|_| format!("not a number: {n}"))?;
        let files = threatbook::synthetic::generate(threatbook::synthetic::Size::scaled(n));
        return threatbook::open_texts(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .model
            .ok_or_else(|| "the generated model does not load".to_string());
    }
    let project = threatbook::open(std::path::Path::new(name));
    project
        .model
        .ok_or_else(|| format!("does not load: {:?}", project.diagnostics))
}

fn row(name: &str, a: &Stats, b: &Stats) {
    println!(
        "| {name} | {} / {} | {} / {} | {} × {} | {} × {} | {:.2} / {:.2} | {} / {} | {} / {} | {} / {} | {} / {} | {} / {} |",
        a.components,
        a.flows,
        a.edge_crossings,
        b.edge_crossings,
        a.width,
        a.height,
        b.width.round(),
        b.height.round(),
        a.area / 1e6,
        b.area / 1e6,
        a.edges_through_components,
        b.edges_through_components,
        a.edges_through_zones,
        b.edges_through_zones,
        a.edges_through_titles,
        b.edges_through_titles,
        a.overlaps.total,
        b.overlaps.total,
        a.total_edge_length,
        b.total_edge_length.round(),
    );
}

/// Runs `dot -Tsvg` on our DOT for `d` and reads the geometry back from its SVG.
fn graphviz(d: &Diagram) -> Result<Geometry, String> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run dot (install Graphviz): {e}"))?;
    let input = dot::render(d);
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "dot failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let svg = String::from_utf8(out.stdout).map_err(|e| e.to_string())?;
    parse(d, &svg)
}

fn numbers(s: &str) -> Vec<f64> {
    s.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .filter_map(|t| t.parse().ok())
        .collect()
}

/// The bounding box of the points of every polygon and path under `g`.
fn outline(g: roxmltree::Node, at: &dyn Fn(f64, f64) -> (f64, f64)) -> Option<Rect> {
    let mut pts = Vec::new();
    for n in g.descendants() {
        let coords = match n.tag_name().name() {
            "polygon" | "polyline" => n.attribute("points"),
            "path" => n.attribute("d"),
            _ => None,
        };
        if let Some(c) = coords {
            pts.extend(numbers(c).chunks_exact(2).map(|p| at(p[0], p[1])));
        }
        if n.tag_name().name() == "ellipse" {
            let v = |a| n.attribute(a).and_then(|x: &str| x.parse::<f64>().ok());
            if let (Some(cx), Some(cy), Some(rx), Some(ry)) = (v("cx"), v("cy"), v("rx"), v("ry")) {
                pts.push(at(cx - rx, cy - ry));
                pts.push(at(cx + rx, cy + ry));
            }
        }
    }
    bbox(&pts)
}

fn bbox(pts: &[(f64, f64)]) -> Option<Rect> {
    let first = pts.first()?;
    let (mut x0, mut y0, mut x1, mut y1) = (first.0, first.1, first.0, first.1);
    for p in pts {
        x0 = x0.min(p.0);
        y0 = y0.min(p.1);
        x1 = x1.max(p.0);
        y1 = y1.max(p.1);
    }
    Some(Rect {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    })
}

/// The union of the boxes of the `<text>` elements directly in `g` (not in shapes).
fn texts(g: roxmltree::Node, at: &dyn Fn(f64, f64) -> (f64, f64)) -> Option<Rect> {
    let mut pts = Vec::new();
    for t in g.descendants().filter(|n| n.tag_name().name() == "text") {
        let v = |a| t.attribute(a).and_then(|x: &str| x.parse::<f64>().ok());
        let (Some(x), Some(y)) = (v("x"), v("y")) else {
            continue;
        };
        let size = v("font-size").unwrap_or(14.0);
        let w = text::width(t.text().unwrap_or(""), size);
        let left = match t.attribute("text-anchor") {
            Some("middle") => x - w / 2.0,
            Some("end") => x - w,
            _ => x,
        };
        pts.push(at(left, y - size * 0.8));
        pts.push(at(left + w, y + size * 0.25));
    }
    bbox(&pts)
}

fn title(g: roxmltree::Node) -> String {
    g.children()
        .find(|n| n.tag_name().name() == "title")
        .and_then(|n| n.text())
        .unwrap_or("")
        .to_string()
}

fn parse(d: &Diagram, svg: &str) -> Result<Geometry, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(svg, options).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    let view = numbers(root.attribute("viewBox").unwrap_or(""));
    let graph = root
        .descendants()
        .find(|n| n.attribute("class") == Some("graph"))
        .ok_or("no graph group in dot's SVG")?;
    let t = numbers(
        graph
            .attribute("transform")
            .and_then(|t| t.split("translate").nth(1))
            .unwrap_or("0 0"),
    );
    let (tx, ty) = (
        t.first().copied().unwrap_or(0.0),
        t.get(1).copied().unwrap_or(0.0),
    );
    let at = move |x: f64, y: f64| ((x + tx) * PX, (y + ty) * PX);
    let mut g = Geometry {
        width: view.get(2).copied().unwrap_or(0.0) * PX,
        height: view.get(3).copied().unwrap_or(0.0) * PX,
        shapes: d
            .nodes
            .iter()
            .map(|n| Shape {
                rect: Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 0.0,
                    h: 0.0,
                },
                zone: Some(n.zone),
            })
            .collect(),
        zones: d
            .zones
            .iter()
            .map(|z| ZoneArea {
                rect: Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 0.0,
                    h: 0.0,
                },
                title: None,
                parent: z.parent,
            })
            .collect(),
        curves: Vec::new(),
    };
    let mut edge = 0;
    for n in graph.children().filter(|n| n.is_element()) {
        match n.attribute("class") {
            Some("cluster") => {
                let Some(z) = title(n)
                    .strip_prefix("cluster_z")
                    .and_then(|z| z.parse::<usize>().ok())
                else {
                    continue;
                };
                if let Some(r) = outline(n, &at) {
                    g.zones[z].rect = r;
                }
                g.zones[z].title = texts(n, &at);
            }
            Some("node") => {
                let Some(i) = title(n)
                    .strip_prefix('n')
                    .and_then(|i| i.parse::<usize>().ok())
                else {
                    continue;
                };
                if let Some(r) = outline(n, &at) {
                    g.shapes[i].rect = r;
                }
            }
            Some("edge") => {
                let Some(e) = d.edges.get(edge) else { continue };
                edge += 1;
                let path = n
                    .descendants()
                    .find(|p| p.tag_name().name() == "path")
                    .and_then(|p| p.attribute("d"))
                    .unwrap_or("");
                let pts: Vec<(f64, f64)> = numbers(path)
                    .chunks_exact(2)
                    .map(|p| at(p[0], p[1]))
                    .collect();
                let pieces: Vec<Cubic> = pts
                    .windows(4)
                    .step_by(3)
                    .map(|w| [w[0], w[1], w[2], w[3]])
                    .collect();
                g.curves.push(Curve {
                    from: e.from,
                    to: e.to,
                    pieces,
                    label: texts(n, &at),
                });
            }
            _ => {}
        }
    }
    // Curves that dot drew without a path (none expected) are measured as empty.
    g.curves.retain(|c| !c.pieces.is_empty());
    Ok(g)
}
