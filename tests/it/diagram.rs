//! `threatbook diagram`: the geometry of the SVG layout on the FastAPI model, the
//! diagram fixtures and a generated 500-component model; escaping, determinism and
//! accessibility of the SVG; DOT accepted by Graphviz; Mermaid's structure; the
//! command's options and errors.

use threatbook::diagram::layout::{self, Layout, NODE_FONT, Rect};
use threatbook::diagram::{self, Diagram, Format, Options, Scope, dot, mermaid, svg, text};
use threatbook::model::{Date, Model};

use crate::support::{TODAY, fixtures, root, run};

const FIXTURES: &[&str] = &[
    "diagram-single",
    "diagram-cycle",
    "diagram-self-loop",
    "diagram-disconnected",
    "diagram-deep-nesting",
];

fn today() -> Date {
    Date::parse(TODAY).unwrap()
}

fn load(dir: &str) -> Model {
    let project = threatbook::open(&root().join(dir));
    project
        .model
        .unwrap_or_else(|| panic!("{dir} must load: {:?}", project.diagnostics))
}

fn generated(components: usize) -> Model {
    let files = threatbook::synthetic::generate(threatbook::synthetic::Size::scaled(components));
    threatbook::open_texts(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .model
        .expect("generated model loads")
}

fn all() -> Options {
    Options {
        today: today(),
        scope: Scope::All,
    }
}

fn is_ancestor(d: &Diagram, ancestor: usize, z: usize) -> bool {
    d.zone_chain(z).skip(1).any(|p| p == ancestor)
}

/// Every geometric promise of the layout, checked on its rectangles.
fn assert_geometry(name: &str, d: &Diagram, l: &Layout) {
    assert_eq!(l.nodes.len(), d.nodes.len(), "{name}");
    assert_eq!(l.zones.len(), d.zones.len(), "{name}");
    assert_eq!(l.edges.len(), d.edges.len(), "{name}");
    let canvas = Rect {
        x: 0.0,
        y: 0.0,
        w: l.width,
        h: l.height,
    };
    // No two component shapes overlap.
    let mut by_x: Vec<usize> = (0..l.nodes.len()).collect();
    by_x.sort_by(|a, b| l.nodes[*a].rect.x.total_cmp(&l.nodes[*b].rect.x));
    for (i, &a) in by_x.iter().enumerate() {
        let ra = l.nodes[a].rect;
        for &b in &by_x[i + 1..] {
            let rb = l.nodes[b].rect;
            if rb.x >= ra.right() {
                break;
            }
            assert!(
                !ra.overlaps(&rb),
                "{name}: components {} and {} overlap: {ra:?} {rb:?}",
                d.nodes[a].id,
                d.nodes[b].id
            );
        }
    }
    for (i, node) in d.nodes.iter().enumerate() {
        let r = l.nodes[i].rect;
        assert!(canvas.contains(&r), "{name}: {} off the canvas", node.id);
        // Inside every zone of its chain, outside (not even touching the inside of)
        // every other zone.
        let chain: Vec<usize> = d.zone_chain(node.zone).collect();
        for (z, zb) in l.zones.iter().enumerate() {
            if chain.contains(&z) {
                assert!(
                    zb.rect.contains(&r),
                    "{name}: {} is not inside its zone {}",
                    node.id,
                    d.zones[z].id
                );
            } else {
                assert!(
                    !zb.rect.overlaps(&r),
                    "{name}: {} overlaps zone {} it is not in",
                    node.id,
                    d.zones[z].id
                );
            }
        }
        // The name fits the shape.
        let room = layout::node_text_width(r.w, node.uncovered > 0);
        for line in &l.nodes[i].lines {
            assert!(
                text::width(line, NODE_FONT) <= room + 1e-6,
                "{name}: `{line}` overflows {}",
                node.id
            );
        }
        assert!(
            l.nodes[i].lines.len() as f64 * layout::NODE_LINE
                <= r.h - 2.0 * layout::NODE_PAD_Y + 1e-6,
            "{name}: {} too short for its lines",
            node.id
        );
    }
    // Zones overlap only when nested, and then strictly inside.
    for a in 0..l.zones.len() {
        let ra = l.zones[a].rect;
        assert!(
            canvas.contains(&ra),
            "{name}: zone {} off the canvas",
            d.zones[a].id
        );
        assert!(
            text::width(&l.zones[a].label, layout::ZONE_FONT * text::BOLD)
                <= ra.w - 2.0 * layout::ZONE_LABEL_PAD + 1e-6,
            "{name}: label of zone {} overflows",
            d.zones[a].id
        );
        for b in a + 1..l.zones.len() {
            let rb = l.zones[b].rect;
            if is_ancestor(d, a, b) {
                assert!(
                    ra.contains(&rb)
                        && ra.x < rb.x
                        && ra.y < rb.y
                        && rb.right() < ra.right()
                        && rb.bottom() < ra.bottom(),
                    "{name}: zone {} not strictly inside {}",
                    d.zones[b].id,
                    d.zones[a].id
                );
            } else if is_ancestor(d, b, a) {
                assert!(
                    rb.contains(&ra),
                    "{name}: zone {} not inside {}",
                    d.zones[a].id,
                    d.zones[b].id
                );
            } else {
                assert!(
                    !ra.overlaps(&rb),
                    "{name}: zones {} and {} overlap without nesting",
                    d.zones[a].id,
                    d.zones[b].id
                );
            }
        }
    }
    // Flow labels fit their boxes; routes start and end on their components' sides.
    for (e, route) in d.edges.iter().zip(&l.edges) {
        let mark = if e.uncovered > 0 { layout::MARK_W } else { 0.0 };
        let widest = route
            .lines
            .iter()
            .map(|l| text::width(l, layout::EDGE_FONT))
            .fold(0.0, f64::max);
        assert!(
            widest + 2.0 * layout::LABEL_PAD + mark <= route.label.w + 1e-6,
            "{name}: label of flow {} overflows",
            e.id
        );
        assert!(
            canvas.contains(&route.label),
            "{name}: label of {} off the canvas",
            e.id
        );
        let (from, to) = (l.nodes[e.from].rect, l.nodes[e.to].rect);
        let first = route.points[0];
        let last = *route.points.last().unwrap();
        // On the left or right side, or (top to bottom) on the top or bottom.
        let on_side = |r: Rect, p: (f64, f64)| {
            ((p.0 - r.x).abs() < 1e-6 || (p.0 - r.right()).abs() < 1e-6)
                && p.1 >= r.y
                && p.1 <= r.bottom()
                || ((p.1 - r.y).abs() < 1e-6 || (p.1 - r.bottom()).abs() < 1e-6)
                    && p.0 >= r.x
                    && p.0 <= r.right()
        };
        assert!(
            on_side(from, first),
            "{name}: flow {} does not leave its source",
            e.id
        );
        assert!(
            on_side(to, last),
            "{name}: flow {} does not reach its target",
            e.id
        );
    }
}

/// A small XML well-formedness check: tags balance, attribute values are quoted and
/// text holds no raw `<` or stray `&`.
fn assert_well_formed(name: &str, xml: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        assert_text(name, &rest[..open]);
        let close = rest[open..].find('>').expect("tag closes") + open;
        let tag = &rest[open + 1..close];
        if let Some(end) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(end),
                "{name}: unbalanced </{end}>"
            );
        } else {
            let element: String = tag
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '/')
                .collect();
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "{name}: unquoted attribute in <{tag}>"
            );
            let attrs = &tag[element.len()..];
            assert!(!attrs.contains('<'), "{name}: raw < in <{tag}>");
            assert_text(name, &attrs.replace('"', ""));
            if !tag.ends_with('/') {
                stack.push(element);
            }
        }
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "{name}: unclosed {stack:?}");
}

fn assert_text(name: &str, text: &str) {
    assert!(!text.contains('>'), "{name}: raw > in `{text}`");
    let mut parts = text.split('&');
    parts.next();
    for part in parts {
        assert!(
            ["amp;", "lt;", "gt;", "quot;", "apos;"]
                .iter()
                .any(|e| part.starts_with(e)),
            "{name}: stray & in `{text}`"
        );
    }
}

/// The SVG draws the layout's rectangles and is safe to inline under a strict CSP.
fn assert_svg(name: &str, d: &Diagram, l: &Layout, svg: &str) {
    assert_well_formed(name, svg);
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "),
        "{name}"
    );
    assert!(svg.contains("<title id=\"tb-dfd-title\">"), "{name}: title");
    assert!(svg.contains("<desc id=\"tb-dfd-desc\">"), "{name}: desc");
    for forbidden in [
        "<script",
        "javascript:",
        "<style",
        "style=",
        " onload",
        " onclick",
        "href",
        "<image",
        "@import",
        "url(",
    ] {
        assert!(!svg.contains(forbidden), "{name}: contains {forbidden}");
    }
    for (node, b) in d.nodes.iter().zip(&l.nodes) {
        assert!(
            svg.contains(&svg::rect_attrs(&b.rect)),
            "{name}: no shape for {} at {:?}",
            node.id,
            b.rect
        );
    }
    for z in &l.zones {
        let r = z.rect;
        let attrs = format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\"",
            svg::num(r.x),
            svg::num(r.y),
            svg::num(r.w),
            svg::num(r.h)
        );
        assert!(svg.contains(&attrs), "{name}: no region {attrs}");
    }
}

#[test]
fn fixture_list_matches_the_diagram_fixture_folders() {
    let on_disk: Vec<String> = fixtures("valid")
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n.starts_with("diagram-"))
        .collect();
    let mut listed: Vec<String> = FIXTURES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn layouts_keep_their_geometric_promises_on_fixtures_and_the_fastapi_model() {
    let mut dirs: Vec<String> = FIXTURES
        .iter()
        .map(|f| format!("tests/fixtures/valid/{f}"))
        .collect();
    dirs.push("catalog/fastapi".into());
    dirs.push("tests/fixtures/valid/nested-zones".into());
    for dir in &dirs {
        let model = load(dir);
        for direction in [
            diagram::Orientation::Auto,
            diagram::Orientation::Lr,
            diagram::Orientation::Tb,
        ] {
            let mut d = Diagram::new(&model, &all()).unwrap();
            d.direction = direction;
            let l = layout::layout(&d);
            let name = format!("{dir} {direction:?}");
            assert_geometry(&name, &d, &l);
            assert_svg(&name, &d, &l, &svg::render_layout(&d, &l));
        }
    }
}

#[test]
fn a_generated_model_of_500_components_keeps_the_same_promises() {
    let model = generated(500);
    let d = Diagram::new(&model, &all()).unwrap();
    assert_eq!(d.nodes.len(), 500);
    assert!(d.zones.iter().any(|z| z.parent.is_some()), "zones nest");
    let l = layout::layout(&d);
    assert_geometry("generated-500", &d, &l);
    let text = svg::render_layout(&d, &l);
    assert_svg("generated-500", &d, &l, &text);
    assert_eq!(text, svg::render(&d), "same model, same bytes");
}

#[test]
fn fixtures_draw_what_they_are_about() {
    let single_model = load("tests/fixtures/valid/diagram-single");
    let single = Diagram::new(&single_model, &all()).unwrap();
    assert_eq!((single.nodes.len(), single.edges.len()), (1, 0));

    let cycle_model = load("tests/fixtures/valid/diagram-cycle");
    let cycle = Diagram::new(&cycle_model, &all()).unwrap();
    let l = layout::layout(&cycle);
    assert_eq!(l.layers, 3, "a ring of three in three layers");
    assert_eq!(
        l.edges.iter().filter(|e| !e.arrow_right).count(),
        1,
        "exactly one flow runs backwards"
    );

    let looped_model = load("tests/fixtures/valid/diagram-self-loop");
    let looped = Diagram::new(&looped_model, &all()).unwrap();
    let l = layout::layout(&looped);
    let requeue = looped.edges.iter().position(|e| e.id == "requeue").unwrap();
    assert!(l.edges[requeue].self_loop);
    let worker = l.nodes[looped.edges[requeue].from].rect;
    assert!(
        l.edges[requeue].label.x >= worker.right(),
        "loop label beside the worker"
    );

    let apart_model = load("tests/fixtures/valid/diagram-disconnected");
    let apart = Diagram::new(&apart_model, &all()).unwrap();
    let l = layout::layout(&apart);
    assert_eq!(l.crossings, 0);
    assert_eq!(apart.zones.len(), 2);

    let deep_model = load("tests/fixtures/valid/diagram-deep-nesting");
    let deep = Diagram::new(&deep_model, &all()).unwrap();
    let depth = deep
        .zones
        .iter()
        .enumerate()
        .map(|(z, _)| deep.zone_chain(z).count())
        .max()
        .unwrap();
    assert_eq!(depth, 6);
}

#[test]
fn the_fastapi_svg_marks_crossings_and_uncovered_threats_and_numbers_flows_like_the_report() {
    let model = load("catalog/fastapi");
    let d = Diagram::new(&model, &all()).unwrap();
    let text = svg::render(&d);
    let crossing = d.edges.iter().filter(|e| e.crossing.is_some()).count();
    assert!(crossing > 0);
    assert_eq!(text.matches("<g class=\"flow crossing").count(), crossing);
    // The router carries the model's one uncovered threat: red outline and a mark.
    let router = d.nodes.iter().find(|n| n.id == "router").unwrap();
    assert_eq!(router.uncovered, 1);
    assert_eq!(
        text.matches("<g class=\"component process uncovered\">")
            .count(),
        1
    );
    assert!(text.contains("Router (router): process in Application process; 1 uncovered threat"));
    // Flow numbers are the report's.
    let report = run(&["render", "catalog/fastapi", "--today", TODAY]);
    for e in &d.edges {
        let row = format!("| {} | {} (`{}`) |", e.number, e.name, e.id);
        assert!(report.stdout.contains(&row), "report has no row `{row}`");
        assert!(text.contains(&format!(
            "<title>{}. {} ({})",
            e.number,
            svg::escape(e.name),
            e.id
        )));
    }
}

#[test]
fn names_are_escaped_in_every_format() {
    let model = load("tests/fixtures/valid/diagram-deep-nesting");
    let d = Diagram::new(&model, &all()).unwrap();
    let s = svg::render(&d);
    assert!(s.contains("Cloud &quot;prod&quot;"), "quotes escaped");
    assert!(s.contains("Region &lt;eu-west&gt;"), "markup escaped");
    assert!(s.contains("VPC &amp; peering"));
    assert!(s.contains("数据"), "Unicode kept");
    assert!(s.contains("Diagram fixture: deep nesting &amp; &quot;quotes&quot; &lt;tags&gt;"));

    let m = mermaid::render(&d);
    assert!(
        m.contains("subgraph z0[\"Cloud #quot;prod#quot; (trust 3)\"]"),
        "{m}"
    );
    assert!(m.contains("#lt;eu-west#gt;"));
    assert!(m.contains("数据"));
    for line in m.lines() {
        // Inside a quoted label nothing but the delimiting quotes may be a raw quote.
        if let (Some(a), Some(b)) = (line.find('"'), line.rfind('"')) {
            assert!(!line[a + 1..b].contains('"'), "raw quote in `{line}`");
        }
    }

    let g = dot::render(&d);
    assert!(g.contains(r#"label="Cloud \"prod\" (trust 3)""#), "{g}");
    assert!(
        g.contains("Deepest store &amp; cache"),
        "HTML label escaped"
    );
}

#[test]
fn mermaid_is_a_flowchart_with_nested_subgraphs_shapes_and_marks() {
    let model = load("catalog/fastapi");
    let m = diagram::render(&model, Format::Mermaid, &all()).unwrap();
    let lines: Vec<&str> = m.lines().collect();
    assert_eq!(lines[0], "flowchart LR");
    assert_eq!(
        m.matches("subgraph ").count(),
        m.lines().filter(|l| l.trim() == "end").count(),
        "every subgraph ends"
    );
    assert!(
        m.contains("    subgraph z2[\"Application process (trust 6)\"]"),
        "nested"
    );
    assert!(
        m.contains("n0[\"API client\"]"),
        "external entity: rectangle"
    );
    assert!(
        m.contains("n1(\"ASGI server (Uvicorn)\")"),
        "process: rounded"
    );
    assert!(m.contains("n18[(\"Application database\")]"), "data store");
    assert!(
        m.contains("n0 ==>|\"1: HTTPS\"| n1"),
        "crossing: thick arrow"
    );
    assert!(
        m.contains("n1 -->|\"2: ASGI\"| n13"),
        "inside a zone: thin arrow"
    );
    assert!(m.contains("n2(\"⚠ Router\")") && m.contains("class n2 uncovered"));
    // Every statement is one Mermaid knows.
    for line in &lines[1..] {
        let t = line.trim();
        let known = t.starts_with("subgraph z")
            || t == "end"
            || t.starts_with("classDef ")
            || t.starts_with("class ")
            || t.starts_with("linkStyle ")
            || (t.starts_with('n') && (t.contains(" -->|\"") || t.contains(" ==>|\"")))
            || (t.starts_with('n')
                && (t.ends_with("\"]") || t.ends_with("\")") || t.ends_with("\")]")));
        assert!(known, "unexpected Mermaid line `{t}`");
    }
}

#[test]
fn graphviz_accepts_our_dot() {
    let has_dot = std::process::Command::new("dot").arg("-V").output().is_ok();
    if !has_dot {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install graphviz: `dot` is not on PATH"
        );
        eprintln!("note: `dot` is not installed; skipping the Graphviz check");
        return;
    }
    let mut dirs: Vec<String> = FIXTURES
        .iter()
        .map(|f| format!("tests/fixtures/valid/{f}"))
        .collect();
    dirs.push("catalog/fastapi".into());
    for dir in dirs {
        let model = load(&dir);
        let text = diagram::render(&model, Format::Dot, &all()).unwrap();
        let mut child = std::process::Command::new("dot")
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("dot runs");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{dir}: dot rejected our DOT: {stderr}\n{text}"
        );
        assert!(
            !stderr.contains("Warning") && !stderr.contains("Error"),
            "{dir}: {stderr}"
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    }
}

#[test]
fn dot_nests_clusters_and_carries_the_marks() {
    let model = load("catalog/fastapi");
    let g = diagram::render(&model, Format::Dot, &all()).unwrap();
    assert!(g.starts_with("digraph dfd {"));
    assert!(g.contains("rankdir=LR;"));
    assert!(g.contains("  subgraph cluster_z1 {\n") && g.contains("    subgraph cluster_z2 {\n"));
    assert!(g.contains("n0 -> n1 [label=\"1: HTTPS\""));
    assert!(g.contains("penwidth=2.8"), "crossings are thick");
    assert!(
        g.contains("label=\"⚠ Router\""),
        "the uncovered router is marked"
    );
    assert_eq!(g.matches('{').count(), g.matches('}').count());
}

#[test]
fn scopes_draw_a_zone_or_a_neighbourhood_with_the_report_numbers() {
    let model = load("catalog/fastapi");
    let zone = Diagram::new(
        &model,
        &Options {
            today: today(),
            scope: Scope::Zone("data".into()),
        },
    )
    .unwrap();
    let ids: Vec<&str> = zone.nodes.iter().map(|n| n.id).collect();
    assert_eq!(ids, ["path-operations", "background-tasks", "app-database"]);
    assert_eq!(
        zone.edges.iter().map(|e| e.number).collect::<Vec<_>>(),
        [22, 26]
    );
    assert!(zone.description().contains("Only zone data"));
    let l = layout::layout(&zone);
    assert_geometry("zone data", &zone, &l);

    let focus = Diagram::new(
        &model,
        &Options {
            today: today(),
            scope: Scope::Focus {
                id: "router".into(),
                depth: 1,
            },
        },
    )
    .unwrap();
    let ids: Vec<&str> = focus.nodes.iter().map(|n| n.id).collect();
    assert_eq!(
        ids,
        [
            "router",
            "dependency-injection",
            "middleware-pipeline",
            "fastapi-app"
        ]
    );
    assert_geometry("focus router", &focus, &layout::layout(&focus));
}

#[test]
fn the_command_writes_each_format_deterministically() {
    let tmp = tempfile::tempdir().unwrap();
    for format in ["svg", "dot", "mermaid"] {
        let out = tmp.path().join(format!("dfd.{format}"));
        let out_arg = out.to_str().unwrap();
        let args = [
            "diagram",
            "catalog/fastapi",
            "--format",
            format,
            "--today",
            TODAY,
            "-o",
            out_arg,
        ];
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let first = std::fs::read(&out).unwrap();
        let stdout = run(&args[..6]);
        assert_eq!(
            stdout.stdout.as_bytes(),
            first,
            "{format}: file and stdout agree"
        );
        assert_eq!(run(&args).code, 0);
        assert_eq!(
            std::fs::read(&out).unwrap(),
            first,
            "{format}: byte-identical"
        );
    }
    let svg = std::fs::read_to_string(tmp.path().join("dfd.svg")).unwrap();
    assert!(svg.starts_with("<svg "));
    assert_eq!(
        run(&["diagram", "catalog/fastapi"]).code,
        0,
        "SVG by default"
    );
}

#[test]
fn the_command_rejects_unknown_ids_with_a_suggestion() {
    let r = run(&["diagram", "catalog/fastapi", "--zone", "aplication"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no zone `aplication` in the model; did you mean `application`?"),
        "{}",
        r.stderr
    );
    let r = run(&["diagram", "catalog/fastapi", "--focus", "routr"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean `router`?"), "{}", r.stderr);
    let r = run(&["diagram", "catalog/fastapi", "--zone", "router"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("`router` is a component, not a zone; use --focus"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "diagram",
        "catalog/fastapi",
        "--zone",
        "data",
        "--focus",
        "router",
    ]);
    assert_eq!(r.code, 2, "--zone and --focus exclude each other");
    let r = run(&["diagram", "catalog/fastapi", "--depth", "2"]);
    assert_eq!(r.code, 2, "--depth needs --focus");
    let ok = run(&[
        "diagram",
        "catalog/fastapi",
        "--focus",
        "router",
        "--depth",
        "2",
        "--format",
        "mermaid",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stdout.contains("Router"));
}

#[test]
fn the_command_writes_nothing_when_the_model_does_not_load() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dfd.svg");
    let r = run(&[
        "diagram",
        "tests/fixtures/invalid/toml-syntax",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("could not be loaded"), "{}", r.stderr);
    assert!(!out.exists());
    let r = run(&[
        "diagram",
        "catalog/fastapi",
        "--zone",
        "nope",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(!out.exists());
}

#[test]
fn the_markdown_report_embeds_the_mermaid_diagram() {
    let r = run(&["render", "catalog/fastapi", "--today", TODAY]);
    let model = load("catalog/fastapi");
    let m = diagram::render(&model, Format::Mermaid, &all()).unwrap();
    assert!(
        r.stdout
            .contains(&format!("### Data-flow diagram\n\n```mermaid\n{m}\n```\n")),
        "report lacks the diagram"
    );
    // Too large for GitHub's renderer: left out.
    let big = generated(2_000);
    assert!(diagram::report_mermaid(&big, today()).is_none());
}

#[test]
fn small_diagrams_match_their_snapshots() {
    for (fixture, format) in [
        ("diagram-cycle", "svg"),
        ("diagram-self-loop", "svg"),
        ("diagram-deep-nesting", "mermaid"),
        ("diagram-deep-nesting", "dot"),
    ] {
        let dir = format!("tests/fixtures/valid/{fixture}");
        let r = run(&["diagram", &dir, "--format", format, "--today", TODAY]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{fixture}-{format}"), r.stdout);
        });
    }
}

/// One line of layout measures, for the snapshot below.
fn stats_line(name: &str, s: &diagram::stats::Stats) -> String {
    format!(
        "{name}: {} components, {} flows; {} × {} px (aspect {}); crossings {}; through components {}; through zones {}; across zone titles {}; overlaps {} (label-label {}, label-shape {}, label-title {}, shape-title {}); edge length {}",
        s.components,
        s.flows,
        s.width,
        s.height,
        s.aspect_ratio,
        s.edge_crossings,
        s.edges_through_components,
        s.edges_through_zones,
        s.edges_through_titles,
        s.overlaps.total,
        s.overlaps.label_label,
        s.overlaps.label_shape,
        s.overlaps.label_zone_title,
        s.overlaps.shape_zone_title,
        s.total_edge_length,
    )
}

#[test]
fn layout_measures_on_fixtures_bundled_models_and_a_generated_model_are_recorded() {
    let mut dirs: Vec<String> = FIXTURES
        .iter()
        .map(|f| format!("tests/fixtures/valid/{f}"))
        .collect();
    dirs.push("tests/fixtures/valid/nested-zones".into());
    dirs.push("catalog/fastapi".into());
    dirs.push("catalog/stride-example".into());
    let mut lines = Vec::new();
    for dir in &dirs {
        let model = load(dir);
        let d = Diagram::new(&model, &all()).unwrap();
        let s = diagram::stats::of_diagram(&d);
        assert_eq!(s.overlaps.shape_shape, 0, "{dir}: shapes never overlap");
        lines.push(stats_line(dir, &s));
    }
    let model = generated(30);
    let d = Diagram::new(&model, &all()).unwrap();
    lines.push(stats_line("generated-30", &diagram::stats::of_diagram(&d)));
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("layout-stats", lines.join("\n"));
    });
}

#[test]
fn the_stats_option_prints_the_measures_as_json() {
    let r = run(&["diagram", "catalog/fastapi", "--stats", "--today", TODAY]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["components"], 20);
    assert_eq!(v["flows"], 31);
    for key in [
        "width",
        "height",
        "area",
        "aspect_ratio",
        "edge_crossings",
        "edges_through_components",
        "edges_through_zones",
        "edges_through_titles",
        "total_edge_length",
    ] {
        assert!(v[key].is_number(), "{key}");
    }
    assert!(v["overlaps"]["total"].is_number());
    let r = run(&[
        "diagram",
        "catalog/fastapi",
        "--stats",
        "--focus",
        "fastapi-app",
        "--today",
        TODAY,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let focus: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        focus["components"].as_u64().unwrap() < 20,
        "the scope applies"
    );
    let both = run(&["diagram", "catalog/fastapi", "--stats", "--format", "dot"]);
    assert_eq!(both.code, 2, "{}", both.stderr);
}

/// Every valid fixture and bundled model folder that holds a model.
fn every_model() -> Vec<String> {
    let mut dirs = Vec::new();
    for parent in ["tests/fixtures/valid", "catalog"] {
        let mut found: Vec<String> = std::fs::read_dir(root().join(parent))
            .unwrap()
            .map(|e| format!("{parent}/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|d| root().join(d).join("threatbook.toml").is_file())
            .collect();
        found.sort();
        dirs.extend(found);
    }
    dirs
}

#[test]
fn flows_keep_off_components_and_unrelated_zones_and_nothing_overlaps_on_every_model_either_way() {
    let mut checked = 0;
    let mut check = |name: &str, model: &Model, directions: &[diagram::Orientation]| {
        for &direction in directions {
            let mut d = Diagram::new(model, &all()).unwrap();
            d.direction = direction;
            let s = diagram::stats::of_diagram(&d);
            assert_eq!(
                (s.edges_through_components, s.edges_through_zones),
                (0, 0),
                "{name} {direction:?}: flows through components, zones"
            );
            assert_eq!(
                s.overlaps.total, 0,
                "{name} {direction:?}: overlaps {:?}",
                s.overlaps
            );
            checked += 1;
        }
    };
    let both = [diagram::Orientation::Lr, diagram::Orientation::Tb];
    for dir in every_model() {
        check(&dir, &load(&dir), &both);
    }
    for n in [30, 50, 100] {
        check(&format!("generated-{n}"), &generated(n), &both);
    }
    // Four zones, three nested in one: flows between the inner ones must go around.
    check(
        "generated-200",
        &generated(200),
        &[diagram::Orientation::Auto],
    );
    assert!(checked >= 2 * 13 + 7, "{checked} drawings checked");
}

#[test]
fn layers_stay_few_however_long_the_chains_of_flows() {
    // Chains of local flows make longest-path layering as deep as the model is large.
    let model = generated(500);
    let mut d = Diagram::new(&model, &all()).unwrap();
    d.direction = diagram::Orientation::Lr;
    let l = layout::layout(&d);
    let cap = (2.0 * (500f64).sqrt()).ceil() as usize;
    assert!(l.layers <= cap, "{} layers for 500 components", l.layers);
    assert!(l.layers >= 10, "still layered: {}", l.layers);
}

#[test]
fn the_direction_option_turns_the_drawing() {
    let size = |args: &[&str]| {
        let mut all = vec!["diagram", "catalog/fastapi", "--stats", "--today", TODAY];
        all.extend_from_slice(args);
        let r = run(&all);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        (v["width"].as_f64().unwrap(), v["height"].as_f64().unwrap())
    };
    let (lr, tb, auto) = (
        size(&["--direction", "lr"]),
        size(&["--direction", "tb"]),
        size(&[]),
    );
    assert!(lr.0 > lr.1, "left to right is wide: {lr:?}");
    assert!(tb.1 > tb.0, "top to bottom is tall: {tb:?}");
    // The FastAPI model fits a 1,400 px page better top to bottom.
    assert_eq!(auto, tb);
    let bad = run(&["diagram", "catalog/fastapi", "--direction", "up"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// The fixtures and bundled models whose drawings must be clean.
fn clean_models() -> Vec<String> {
    let mut dirs: Vec<String> = FIXTURES
        .iter()
        .map(|f| format!("tests/fixtures/valid/{f}"))
        .collect();
    dirs.push("tests/fixtures/valid/nested-zones".into());
    dirs.push("catalog/fastapi".into());
    dirs.push("catalog/stride-example".into());
    dirs
}

#[test]
fn flow_labels_never_overlap_on_fixtures_and_bundled_models_in_any_mode() {
    for dir in clean_models() {
        let model = load(&dir);
        for mode in [
            diagram::Labels::Auto,
            diagram::Labels::Number,
            diagram::Labels::Protocol,
            diagram::Labels::Name,
        ] {
            let mut d = Diagram::new(&model, &all()).unwrap();
            d.labels = mode;
            let s = diagram::stats::of_diagram(&d);
            assert_eq!(s.overlaps.total, 0, "{dir} {mode:?}: {:?}", s.overlaps);
        }
    }
}

#[test]
fn labels_say_what_the_option_asks() {
    let model = load("catalog/fastapi");
    let mut d = Diagram::new(&model, &all()).unwrap();
    let e = &d.edges[0];
    let (number, name) = (e.number.to_string(), format!("{}: {}", e.number, e.name));
    let protocol = e.label();
    assert_ne!(protocol, number, "the first flow has a protocol");
    for (mode, want) in [
        (diagram::Labels::Number, &number),
        (diagram::Labels::Protocol, &protocol),
        (diagram::Labels::Name, &name),
    ] {
        d.labels = mode;
        let l = layout::layout(&d);
        assert_eq!(&l.edges[0].lines.join(" "), want, "{mode:?}");
    }
    // By default a label is the name where it fits, else the bare number.
    d.labels = diagram::Labels::Auto;
    let l = layout::layout(&d);
    let mut named = 0;
    for (e, route) in d.edges.iter().zip(&l.edges) {
        let full = format!("{}: {}", e.number, e.name);
        let text = route.lines.join(" ");
        assert!(
            text == full || text == e.number.to_string(),
            "{}: {text}",
            e.id,
        );
        named += usize::from(text == full);
    }
    assert!(
        named > d.edges.len() / 2,
        "most flows show their name: {named}"
    );
    let r = run(&[
        "diagram",
        "catalog/fastapi",
        "--labels",
        "number",
        "--today",
        TODAY,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(">1</text>"));
    assert!(
        !r.stdout
            .contains(&format!(">{}</text>", svg::escape(&protocol)))
    );
}

#[test]
fn the_flow_table_wraps_rows_instead_of_cutting_them() {
    let model = load("catalog/fastapi");
    let d = Diagram::new(&model, &all()).unwrap();
    let text = svg::render(&d);
    let table = &text[text.find("<g class=\"flow-table\">").unwrap()..];
    assert!(!table.contains(text::ELLIPSIS), "no row is cut");
    // Every flow's name is in the table, whole, on one or more lines.
    let words: String = table
        .split("<text ")
        .filter_map(|t| t.split_once('>').map(|(_, rest)| rest))
        .filter_map(|t| t.split_once("</text>").map(|(w, _)| w))
        .collect::<Vec<_>>()
        .join(" ");
    for e in &d.edges {
        for word in e.name.split_whitespace() {
            assert!(words.contains(&svg::escape(word)), "{}: {word}", e.id);
        }
    }
}

/// Runs `threatbook` from the repository root, keeping standard output as bytes.
fn run_binary(args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_threatbook"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), out.stdout, stderr)
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    (be(&png[16..20]), be(&png[20..24]))
}

/// The `width` and `height` attributes of the SVG's root element.
fn svg_size(svg: &str) -> (u32, u32) {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    let attr = |name: &str| root.attribute(name).unwrap().parse::<u32>().unwrap();
    (attr("width"), attr("height"))
}

#[test]
fn png_has_the_svg_size_and_the_same_bytes_every_run() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("fastapi.png");
    let file = file.to_str().unwrap();
    let (code, _, stderr) =
        run_binary(&["diagram", "catalog/fastapi", "--today", TODAY, "-o", file]);
    assert_eq!(code, 0, "{stderr}");
    let from_file = std::fs::read(file).unwrap();
    let svg = run(&["diagram", "catalog/fastapi", "--today", TODAY]).stdout;
    assert_eq!(png_size(&from_file), svg_size(&svg));
    // Standard output carries the same bytes, binary.
    let (code, stdout, stderr) = run_binary(&[
        "diagram",
        "catalog/fastapi",
        "--today",
        TODAY,
        "--format",
        "png",
        "-o",
        "-",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(from_file == stdout, "two runs give different PNG bytes");
    // No chunk but the image's own: no time stamp or text.
    let mut at = 8;
    let mut chunks = Vec::new();
    while at + 8 <= stdout.len() {
        let len = u32::from_be_bytes(stdout[at..at + 4].try_into().unwrap()) as usize;
        chunks.push(String::from_utf8_lossy(&stdout[at + 4..at + 8]).into_owned());
        at += 12 + len;
    }
    assert!(
        chunks
            .iter()
            .all(|c| ["IHDR", "IDAT", "IEND"].contains(&c.as_str())),
        "{chunks:?}"
    );
    let (code, scaled, stderr) = run_binary(&[
        "diagram",
        "catalog/fastapi",
        "--today",
        TODAY,
        "--format",
        "png",
        "--scale",
        "2",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (w, h) = svg_size(&svg);
    assert_eq!(png_size(&scaled), (2 * w, 2 * h));
}

#[test]
fn png_draws_the_text() {
    use resvg::tiny_skia::Pixmap;
    let model = load("catalog/fastapi");
    let d = Diagram::new(&model, &all()).unwrap();
    let svg = svg::render(&d);
    // The same drawing with every text element emptied.
    let mut blank = String::new();
    let mut rest = svg.as_str();
    while let Some(open) = rest.find("<text") {
        let body = open + rest[open..].find('>').unwrap() + 1;
        let close = body + rest[body..].find("</text>").unwrap();
        blank.push_str(&rest[..body]);
        rest = &rest[close..];
    }
    blank.push_str(rest);
    assert!(blank.len() < svg.len());
    let inked = |svg: &str| {
        let png = diagram::png::render(svg, 1.0).unwrap();
        let pixmap = Pixmap::decode_png(&png).unwrap();
        pixmap
            .pixels()
            .iter()
            .filter(|p| p.red() < 128 && p.green() < 128 && p.blue() < 128)
            .count()
    };
    let with_text = inked(&svg);
    let without = inked(&blank);
    // Names, the legend and the flow table: thousands of dark glyph pixels.
    assert!(
        with_text > without + 20_000,
        "{with_text} dark pixels with text, {without} without"
    );
}

#[test]
fn png_refuses_a_drawing_above_the_pixel_limit_and_writes_nothing() {
    let files = threatbook::synthetic::generate(threatbook::synthetic::Size::scaled(500));
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in &files {
        let path = tmp.path().join("model").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let model = generated(500);
    let (w, h) = svg_size(&svg::render(&Diagram::new(&model, &all()).unwrap()));
    assert!(
        16 * u64::from(w) * u64::from(h) > diagram::png::MAX_PIXELS,
        "{w} × {h}"
    );
    let dir = tmp.path().join("model");
    let out = tmp.path().join("big.png");
    let (code, stdout, stderr) = run_binary(&[
        "diagram",
        dir.to_str().unwrap(),
        "--today",
        TODAY,
        "--scale",
        "4",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(stdout.is_empty());
    assert!(stderr.contains("above the limit of 100000000"), "{stderr}");
    assert!(stderr.contains("--zone or --focus"), "{stderr}");
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn png_scale_is_checked() {
    for (args, message) in [
        (
            &["--format", "png", "--scale", "5"][..],
            "--scale 5 is outside 0.5 to 4",
        ),
        (
            &["--format", "png", "--scale", "0.25"][..],
            "--scale 0.25 is outside 0.5 to 4",
        ),
        (
            &["--format", "svg", "--scale", "2"][..],
            "--scale applies only to --format png",
        ),
    ] {
        let mut all = vec!["diagram", "catalog/fastapi", "--today", TODAY];
        all.extend_from_slice(args);
        let (code, stdout, stderr) = run_binary(&all);
        assert_ne!(code, 0, "{args:?}");
        assert!(stdout.is_empty(), "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

/// The key names only what is drawn: no warning mark in the key of a drawing without
/// uncovered threats, no data store without one.
#[test]
fn the_legend_lists_only_what_the_drawing_has() {
    let legend = |dir: &str| {
        let model = load(dir);
        let text = svg::render(&Diagram::new(&model, &all()).unwrap());
        let at = text.find("<g class=\"legend\">").unwrap();
        text[at..at + text[at..].find("</g>").unwrap()].to_string()
    };
    let fastapi = legend("catalog/fastapi");
    for item in [
        "External entity",
        "Process",
        "Data store",
        "Trust zone",
        "Flow (number",
        "Crosses a trust boundary",
        "Uncovered threat",
    ] {
        assert!(fastapi.contains(item), "FastAPI: no {item}");
    }
    let small = legend("tests/fixtures/valid/diagram-self-loop");
    assert!(small.contains("Process") && small.contains("Flow (number"));
    for item in [
        "External entity",
        "Data store",
        "Crosses a trust boundary",
        "Uncovered threat",
    ] {
        assert!(!small.contains(item), "self-loop: {item} is not drawn");
    }
}

#[test]
fn zone_titles_are_drawn_over_flows_and_one_a_flow_crosses_has_a_backing() {
    let mut crossed = 0;
    for dir in every_model() {
        let model = load(&dir);
        for direction in [diagram::Orientation::Lr, diagram::Orientation::Tb] {
            let mut d = Diagram::new(&model, &all()).unwrap();
            d.direction = direction;
            let l = layout::layout(&d);
            let g = diagram::stats::Geometry::of_layout(&d, &l);
            for z in 0..g.zones.len() {
                // The measures with this one title alone.
                let mut alone = g.clone();
                for (o, other) in alone.zones.iter_mut().enumerate() {
                    if o != z {
                        other.title = None;
                    }
                }
                if diagram::stats::measure(&alone).edges_through_titles > 0 {
                    crossed += 1;
                    assert!(
                        l.zones[z].title_crossed,
                        "{dir} {direction:?}: zone {z}'s title is crossed but has no backing"
                    );
                }
            }
            let s = svg::render_layout(&d, &l);
            let titles = s.find("<g class=\"zone-titles\">").expect("a titles group");
            assert!(
                s.find("<g class=\"flows\"").unwrap() < titles,
                "{dir}: titles over flows"
            );
            assert_eq!(
                s.matches("<g class=\"zone-title\">").count(),
                l.zones.iter().filter(|z| !z.label.is_empty()).count()
            );
        }
    }
    // The FastAPI model's narrow zones are entered through their titles' rows.
    assert!(crossed > 0, "the check was exercised");
}
