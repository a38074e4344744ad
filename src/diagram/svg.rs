//! The SVG drawing of a laid-out diagram: zones, flows, components, flow labels, then a
//! legend and the table of flow numbers below.
//!
//! The file is self-contained and safe to inline in an HTML page under a strict Content
//! Security Policy: presentation attributes only (no `<style>`, no `style=`), no scripts,
//! no event handlers, no links, no external fonts or images, and element ids prefixed
//! with `tb-dfd-`. Every piece of model text is escaped. Marks never rely on colour
//! alone: a flow that crosses a trust boundary is drawn thick, and a component or flow
//! with an uncovered threat carries a warning triangle as well as a red outline.

use std::borrow::Cow;
use std::fmt::Write;

use super::layout::{
    self, EDGE_FONT, LABEL_PAD, Layout, MARK_W, NODE_FONT, NODE_LINE, Rect, ZONE_FONT,
};
use super::{Diagram, Edge, text};
use crate::model::{Choice, ComponentKind};

const FONT_FAMILY: &str = "Helvetica, Arial, sans-serif";
const INK: &str = "#222222";
const FLOW: &str = "#555555";
const CROSSING: &str = "#1f4e8c";
const UNCOVERED: &str = "#c62828";
const ZONE_STROKE: &str = "#5a6b85";
const FLOW_W: f64 = 1.3;
const CROSSING_W: f64 = 2.8;
const TABLE_FONT: f64 = 11.0;
const TABLE_LINE: f64 = 16.0;
const TABLE_COL: f64 = 520.0;
const NUMBER_W: f64 = 34.0;
const SIDE: f64 = 16.0;

/// The most characters of another element's name that a tooltip or table line repeats.
/// A flow's tooltip and table line name both its components, and a component's tooltip
/// its zone: repeating a huge name in full for every flow would make the drawing grow
/// with flows × name length. Each element's own tooltip keeps its name in full.
const NAME_ELSEWHERE: usize = 200;

/// `name` cut to [`NAME_ELSEWHERE`] characters, with an ellipsis when cut.
fn elsewhere(name: &str) -> Cow<'_, str> {
    match name.char_indices().nth(NAME_ELSEWHERE) {
        None => Cow::Borrowed(name),
        Some((end, _)) => Cow::Owned(format!("{}{}", &name[..end], text::ELLIPSIS)),
    }
}

/// `text` escaped for XML character data and attribute values; characters XML 1.0 does
/// not allow, and those HTML rejects where the drawing is inlined, become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if crate::render::escape::rejected(c) || c == '\x0c' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate: whole numbers without decimals, others with one.
pub fn num(v: f64) -> Num {
    Num(v)
}

/// A coordinate as [`num`] writes it. A drawing writes millions of them: they go
/// straight into the output, in tenths counted as an integer, without a string each.
#[derive(Clone, Copy, Debug)]
pub struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round();
        if tenths.is_nan() || tenths.abs() >= 1e15 {
            // Not finite, or too large for whole tenths: the slow way.
            let r = tenths / 10.0;
            return if r == r.trunc() {
                write!(f, "{}", r as i64)
            } else {
                write!(f, "{r:.1}")
            };
        }
        let t = tenths as i64;
        let (whole, tenth) = (t.abs() / 10, t.abs() % 10);
        if t < 0 {
            f.write_str("-")?;
        }
        if tenth == 0 {
            write!(f, "{whole}")
        } else {
            write!(f, "{whole}.{tenth}")
        }
    }
}

/// The `<rect …>` opening a component's shape: tests look for it.
pub fn rect_attrs(r: &Rect) -> String {
    format!(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h)
    )
}

/// Draws `d`.
pub fn render(d: &Diagram) -> String {
    let l = layout::layout(d);
    render_layout(d, &l)
}

/// Draws `d` as placed by `l`.
pub fn render_layout(d: &Diagram, l: &Layout) -> String {
    let mut s = String::with_capacity(4096 + d.nodes.len() * 700 + d.edges.len() * 700);
    draw(d, l, &mut s);
    s
}

/// Draws `d` to `out` as it is made, never holding the drawing whole: what `diagram`
/// writes to a file. An error of `out` stops the drawing and is returned.
pub fn render_to(d: &Diagram, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let l = layout::layout(d);
    let mut writer = IoWriter { out, error: None };
    draw(d, &l, &mut writer);
    match writer.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A [`Write`] of text into an [`std::io::Write`]: the first error is kept (the drawing
/// ignores the result of each write) and every write after it is refused.
struct IoWriter<'w> {
    out: &'w mut dyn std::io::Write,
    error: Option<std::io::Error>,
}

impl Write for IoWriter<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        if self.error.is_some() {
            return Err(std::fmt::Error);
        }
        self.out.write_all(text.as_bytes()).map_err(|e| {
            self.error = Some(e);
            std::fmt::Error
        })
    }
}

/// Draws `d` as placed by `l` into `s`.
fn draw(d: &Diagram, l: &Layout, s: &mut impl Write) {
    let legend = Legend::new(d, l.width.max(520.0));
    let table_top = l.height + legend.height;
    // Wide enough for the legend and for one readable column of the flow table.
    let canvas_w = l
        .width
        .max(legend.width + 2.0 * SIDE)
        .max(TABLE_COL + 2.0 * SIDE);
    let table = FlowTable::new(d, canvas_w);
    let width = canvas_w.ceil();
    let height = (table_top + table.height + SIDE).ceil();

    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         role=\"img\" aria-labelledby=\"tb-dfd-title tb-dfd-desc\" font-family=\"{FONT_FAMILY}\" fill=\"{INK}\">",
        w = num(width),
        h = num(height)
    );
    let _ = writeln!(
        s,
        "<title id=\"tb-dfd-title\">Data-flow diagram: {}</title>",
        escape(d.title)
    );
    let _ = writeln!(
        s,
        "<desc id=\"tb-dfd-desc\">{}</desc>",
        escape(&d.description())
    );
    let _ = writeln!(
        s,
        "<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        num(width),
        num(height)
    );

    let _ = s.write_str("<g class=\"zones\">\n");
    for (z, zb) in d.zones.iter().zip(&l.zones) {
        let r = zb.rect;
        let _ = writeln!(
            s,
            "<g class=\"zone\"><title>Trust zone {} ({}), trust {}</title>\
             <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" fill=\"#3a5a8c\" fill-opacity=\"0.05\" \
             stroke=\"{ZONE_STROKE}\" stroke-width=\"1.2\" stroke-dasharray=\"7 4\"/></g>",
            escape(z.name),
            escape(z.id),
            z.trust,
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h),
        );
    }
    let _ = s.write_str("</g>\n<g class=\"flows\" fill=\"none\">\n");
    for (e, route) in d.edges.iter().zip(&l.edges) {
        let (colour, width) = flow_style(e);
        let _ = write!(
            s,
            "<g class=\"{}\"><title>{}</title><path d=\"",
            flow_classes(e),
            escape(&flow_title(d, e))
        );
        let pieces = route.pieces();
        if let Some(first) = pieces.first() {
            let _ = write!(s, "M{} {}", num(first[0].0), num(first[0].1));
        }
        for c in &pieces {
            let _ = write!(
                s,
                " C{} {} {} {} {} {}",
                num(c[1].0),
                num(c[1].1),
                num(c[2].0),
                num(c[2].1),
                num(c[3].0),
                num(c[3].1)
            );
        }
        let end = route.points[route.points.len() - 1];
        // Along the curve's last tangent: from its last control point to its end.
        let dir = pieces
            .last()
            .map(|c| (c[3].0 - c[2].0, c[3].1 - c[2].1))
            .map(|(dx, dy)| {
                let len = (dx * dx + dy * dy).sqrt();
                if len > 1e-9 {
                    (dx / len, dy / len)
                } else {
                    (1.0, 0.0)
                }
            })
            .unwrap_or((1.0, 0.0));
        let _ = write!(
            s,
            "\" stroke=\"{colour}\" stroke-width=\"{}\"/>",
            num(width)
        );
        // The arrowhead: tip at the end point, pointing along `dir`.
        let size = 8.0 + width;
        let back = (end.0 - dir.0 * size, end.1 - dir.1 * size);
        let half = size / 2.0;
        let _ = writeln!(
            s,
            "<path d=\"M{} {} L{} {} L{} {} Z\" fill=\"{colour}\"/></g>",
            num(end.0),
            num(end.1),
            num(back.0 - dir.1 * half),
            num(back.1 + dir.0 * half),
            num(back.0 + dir.1 * half),
            num(back.1 - dir.0 * half)
        );
    }
    // Zone titles over the flows, each on a pale backing, so that a flow entering a
    // zone never hides whose zone it is (the layout moves titles clear of flows where
    // their row has room).
    let _ = s.write_str("</g>\n<g class=\"zone-titles\">\n");
    for (z, zb) in d.zones.iter().zip(&l.zones) {
        let Some(t) = super::stats::zone_title(zb.rect, zb.title_dx, &zb.label) else {
            continue;
        };
        // A backing only where a flow runs across the title.
        let backing = if zb.title_crossed {
            format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.85\"/>",
                num(t.x - 2.0),
                num(t.y),
                num(t.w + 4.0),
                num(t.h)
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "<g class=\"zone-title\"><title>Trust zone {} ({}), trust {}</title>{backing}\
             <text x=\"{}\" y=\"{}\" font-size=\"{}\" font-weight=\"bold\" fill=\"{ZONE_STROKE}\">{}</text></g>",
            escape(z.name),
            escape(z.id),
            z.trust,
            num(t.x),
            num(zb.rect.y + 16.0),
            num(ZONE_FONT),
            escape(&zb.label)
        );
    }
    let _ = s.write_str("</g>\n<g class=\"components\">\n");
    for (n, b) in d.nodes.iter().zip(&l.nodes) {
        let r = b.rect;
        let marked = n.uncovered > 0;
        let (stroke, stroke_w) = if marked {
            (UNCOVERED, 3.0)
        } else {
            ("#333333", 1.5)
        };
        let kind = n.kind.as_str();
        let zone = &d.zones[n.zone];
        let mut title = format!(
            "{} ({}): {} in {}",
            n.name,
            n.id,
            kind,
            elsewhere(zone.name)
        );
        if marked {
            let _ = write!(
                title,
                "; {} uncovered {}",
                n.uncovered,
                if n.uncovered == 1 {
                    "threat"
                } else {
                    "threats"
                }
            );
        }
        let _ = write!(
            s,
            "<g class=\"component {kind}{}\"><title>{}</title>",
            if marked { " uncovered" } else { "" },
            escape(&title)
        );
        match n.kind {
            ComponentKind::ExternalEntity => {
                let _ = write!(
                    s,
                    "{} fill=\"#fff6e5\" stroke=\"{stroke}\" stroke-width=\"{}\"/>",
                    rect_attrs(&r),
                    num(stroke_w)
                );
            }
            ComponentKind::Process => {
                let _ = write!(
                    s,
                    "{} rx=\"16\" fill=\"#eaf3ff\" stroke=\"{stroke}\" stroke-width=\"{}\"/>",
                    rect_attrs(&r),
                    num(stroke_w)
                );
            }
            ComponentKind::DataStore => {
                let _ = write!(
                    s,
                    "{} fill=\"#edf7ea\" stroke=\"none\"/><path d=\"M{x} {y} H{x2} M{x} {y2} H{x2}\" \
                     fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{}\"/>",
                    rect_attrs(&r),
                    num(stroke_w + 0.5),
                    x = num(r.x),
                    y = num(r.y),
                    x2 = num(r.right()),
                    y2 = num(r.bottom())
                );
            }
        }
        let text_w = layout::node_text_width(r.w, marked);
        let cx = r.x + layout::NODE_PAD_X + text_w / 2.0;
        let block = b.lines.len() as f64 * NODE_LINE;
        let top = r.y + (r.h - block) / 2.0;
        for (i, line) in b.lines.iter().enumerate() {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"middle\">{}</text>",
                num(cx),
                num(top + i as f64 * NODE_LINE + 11.5),
                num(NODE_FONT),
                escape(line)
            );
        }
        if marked {
            warning(s, r.right() - layout::NODE_PAD_X - 12.0, r.y + 6.0);
        }
        let _ = s.write_str("</g>\n");
    }
    let _ = s.write_str("</g>\n<g class=\"flow-labels\">\n");
    for (e, route) in d.edges.iter().zip(&l.edges) {
        let (colour, _) = flow_style(e);
        let r = route.label;
        let _ = write!(
            s,
            "<g><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" \
             fill-opacity=\"0.92\" stroke=\"{colour}\" stroke-width=\"0.8\"/>",
            escape(&flow_title(d, e)),
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h)
        );
        let mut tx = r.x + LABEL_PAD;
        if e.uncovered > 0 {
            warning(s, tx, r.y + 1.5);
            tx += MARK_W;
        }
        for (i, line) in route.lines.iter().enumerate() {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\">{}</text>",
                num(tx),
                num(r.y + 10.5 + i as f64 * layout::LABEL_LINE),
                num(EDGE_FONT),
                escape(line)
            );
        }
        let _ = s.write_str("</g>\n");
    }
    let _ = s.write_str("</g>\n");
    legend.draw(s, l.height);
    table.draw(d, table_top, s);
    let _ = s.write_str("</svg>\n");
}

fn flow_style(e: &Edge) -> (&'static str, f64) {
    let colour = if e.uncovered > 0 {
        UNCOVERED
    } else if e.crossing.is_some() {
        CROSSING
    } else {
        FLOW
    };
    let width = if e.crossing.is_some() {
        CROSSING_W
    } else {
        FLOW_W
    };
    (colour, width)
}

fn flow_classes(e: &Edge) -> String {
    let mut c = String::from("flow");
    if e.crossing.is_some() {
        c.push_str(" crossing");
    }
    if e.uncovered > 0 {
        c.push_str(" uncovered");
    }
    c
}

/// The tooltip and table text of a flow.
fn flow_title(d: &Diagram, e: &Edge) -> String {
    let mut t = format!(
        "{}. {} ({}): {} → {}",
        e.number,
        e.name,
        e.id,
        elsewhere(d.nodes[e.from].name),
        elsewhere(d.nodes[e.to].name)
    );
    if let Some(p) = e.protocol {
        let _ = write!(t, ", {p}");
    }
    if let Some(c) = e.crossing {
        let _ = write!(t, "; crosses a trust boundary ({})", c.as_str());
    }
    if e.uncovered > 0 {
        let _ = write!(
            t,
            "; {} uncovered {}",
            e.uncovered,
            if e.uncovered == 1 {
                "threat"
            } else {
                "threats"
            }
        );
    }
    t
}

/// A 12 × 11 warning triangle with an exclamation mark, top-left at (x, y); drawn with
/// paths so that it needs no font.
fn warning(s: &mut impl Write, x: f64, y: f64) {
    let _ = write!(
        s,
        "<path d=\"M{} {} L{} {} L{} {} Z\" fill=\"{UNCOVERED}\"/>\
         <path d=\"M{} {} V{} M{} {} V{}\" stroke=\"#ffffff\" stroke-width=\"1.6\"/>",
        num(x + 6.0),
        num(y),
        num(x + 12.0),
        num(y + 11.0),
        num(x),
        num(y + 11.0),
        num(x + 6.0),
        num(y + 3.5),
        num(y + 7.5),
        num(x + 6.0),
        num(y + 8.6),
        num(y + 10.2)
    );
}

/// The key to the notation, laid out in rows that fit the width.
struct Legend {
    items: Vec<(f64, f64, usize)>,
    width: f64,
    height: f64,
}

const LEGEND: &[&str] = &[
    "External entity",
    "Process",
    "Data store",
    "Trust zone",
    "Flow (number as in the table below)",
    "Crosses a trust boundary (thick)",
    "Uncovered threat (red, warning mark)",
];

impl Legend {
    /// The key to what `d` draws: only the kinds of shape, line and mark it has.
    fn new(d: &Diagram, max_w: f64) -> Legend {
        let kind = |k: ComponentKind| d.nodes.iter().any(|n| n.kind == k);
        let shown = [
            kind(ComponentKind::ExternalEntity),
            kind(ComponentKind::Process),
            kind(ComponentKind::DataStore),
            !d.zones.is_empty(),
            !d.edges.is_empty(),
            d.edges.iter().any(|e| e.crossing.is_some()),
            d.nodes.iter().any(|n| n.uncovered > 0) || d.edges.iter().any(|e| e.uncovered > 0),
        ];
        let mut items = Vec::new();
        let (mut x, mut y) = (SIDE, 8.0);
        let mut widest: f64 = 0.0;
        for (i, label) in LEGEND.iter().enumerate().filter(|(i, _)| shown[*i]) {
            let w = 40.0 + text::width(label, TABLE_FONT) + 18.0;
            if x + w > max_w - SIDE && x > SIDE {
                x = SIDE;
                y += 28.0;
            }
            items.push((x, y, i));
            x += w;
            widest = widest.max(x);
        }
        Legend {
            items,
            width: widest,
            height: y + 28.0 + 8.0,
        }
    }

    fn draw(&self, s: &mut impl Write, top: f64) {
        let _ = s.write_str("<g class=\"legend\">\n");
        for &(x, y0, i) in &self.items {
            let y = top + y0;
            let m = y + 10.0;
            match i {
                0 => {
                    let _ = write!(
                        s,
                        "<rect x=\"{}\" y=\"{}\" width=\"32\" height=\"20\" fill=\"#fff6e5\" stroke=\"#333333\" stroke-width=\"1.5\"/>",
                        num(x),
                        num(y)
                    );
                }
                1 => {
                    let _ = write!(
                        s,
                        "<rect x=\"{}\" y=\"{}\" width=\"32\" height=\"20\" rx=\"8\" fill=\"#eaf3ff\" stroke=\"#333333\" stroke-width=\"1.5\"/>",
                        num(x),
                        num(y)
                    );
                }
                2 => {
                    let _ = write!(
                        s,
                        "<rect x=\"{x}\" y=\"{y}\" width=\"32\" height=\"20\" fill=\"#edf7ea\"/><path d=\"M{x} {y} h32 M{x} {y2} h32\" stroke=\"#333333\" stroke-width=\"2\"/>",
                        x = num(x),
                        y = num(y),
                        y2 = num(y + 20.0)
                    );
                }
                3 => {
                    let _ = write!(
                        s,
                        "<rect x=\"{}\" y=\"{}\" width=\"32\" height=\"20\" rx=\"4\" fill=\"#3a5a8c\" fill-opacity=\"0.05\" stroke=\"{ZONE_STROKE}\" stroke-width=\"1.2\" stroke-dasharray=\"7 4\"/>",
                        num(x),
                        num(y)
                    );
                }
                4 | 5 => {
                    let (c, w) = if i == 4 {
                        (FLOW, FLOW_W)
                    } else {
                        (CROSSING, CROSSING_W)
                    };
                    let _ = write!(
                        s,
                        "<path d=\"M{} {} H{}\" stroke=\"{c}\" stroke-width=\"{}\"/><path d=\"M{} {} l-9 -4.5 v9 Z\" fill=\"{c}\"/>",
                        num(x),
                        num(m),
                        num(x + 24.0),
                        num(w),
                        num(x + 32.0),
                        num(m)
                    );
                }
                _ => warning(s, x + 10.0, y + 4.0),
            }
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\">{}</text>",
                num(x + 40.0),
                num(m + 4.0),
                num(TABLE_FONT),
                escape(LEGEND[i])
            );
        }
        let _ = s.write_str("</g>\n");
    }
}

/// The most lines one flow's row of the table wraps to; a name longer than that (only a
/// hostile one: it is about a thousand characters) ends with an ellipsis.
const TABLE_MAX_LINES: usize = 12;

/// The table of flow numbers, in columns across the width, each row wrapped to its
/// column (never cut short below [`TABLE_MAX_LINES`]): measured first, since the
/// drawing's height comes before it, and drawn last.
struct FlowTable {
    /// Each flow's lines.
    rows: Vec<Vec<String>>,
    cols: usize,
    col_w: f64,
    /// The lines a column holds before the next one starts.
    share: usize,
    height: f64,
}

impl FlowTable {
    fn new(d: &Diagram, width: f64) -> FlowTable {
        let usable = width - 2.0 * SIDE;
        let cols = ((usable / TABLE_COL).floor() as usize).max(1);
        let col_w = usable / cols as f64;
        // Each row's lines, then columns filled in order up to an even share of the lines.
        let rows: Vec<Vec<String>> = d
            .edges
            .iter()
            .map(|e| {
                let mut room = col_w - NUMBER_W - 12.0;
                if e.uncovered > 0 {
                    room -= MARK_W;
                }
                let size = TABLE_FONT
                    * if e.crossing.is_some() {
                        text::BOLD
                    } else {
                        1.0
                    };
                text::wrap(&table_line(d, e), room, size, TABLE_MAX_LINES)
            })
            .collect();
        let total: usize = rows.iter().map(|r| r.len().max(1)).sum();
        let share = total.div_ceil(cols);
        let mut table = FlowTable {
            rows,
            cols,
            col_w,
            share,
            height: 0.0,
        };
        if !d.edges.is_empty() {
            let tallest = table.places().map(|(_, used, n)| used + n).max();
            table.height = 24.0 + tallest.unwrap_or(0) as f64 * TABLE_LINE;
        }
        table
    }

    /// Each row's column, the lines above it in that column, and its own lines.
    fn places(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let (mut col, mut used) = (0usize, 0usize);
        self.rows.iter().map(move |lines| {
            let n = lines.len().max(1);
            if used > 0 && used + n > self.share && col + 1 < self.cols {
                col += 1;
                used = 0;
            }
            let place = (col, used, n);
            used += n;
            place
        })
    }

    /// Draws the table with its top at `top`.
    fn draw(&self, d: &Diagram, top: f64, s: &mut impl Write) {
        if d.edges.is_empty() {
            return;
        }
        let _ = writeln!(
            s,
            "<g class=\"flow-table\"><text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\">Flows</text>",
            num(SIDE),
            num(top + 14.0)
        );
        let first = top + 24.0;
        for ((e, lines), (col, used, _)) in d.edges.iter().zip(&self.rows).zip(self.places()) {
            let x = SIDE + col as f64 * self.col_w;
            let y = first + used as f64 * TABLE_LINE;
            let mut tx = x + NUMBER_W;
            let _ = write!(
                s,
                "<g><title>{}</title><text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"end\" font-weight=\"bold\">{}</text>",
                escape(&flow_title(d, e)),
                num(x + NUMBER_W - 6.0),
                num(y + 11.0),
                num(TABLE_FONT),
                e.number
            );
            if e.uncovered > 0 {
                warning(s, tx, y + 1.5);
                tx += MARK_W;
            }
            let weight = if e.crossing.is_some() {
                " font-weight=\"bold\""
            } else {
                ""
            };
            for (i, line) in lines.iter().enumerate() {
                let _ = write!(
                    s,
                    "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{weight}>{}</text>",
                    num(tx),
                    num(y + 11.0 + i as f64 * TABLE_LINE),
                    num(TABLE_FONT),
                    escape(line)
                );
            }
            let _ = s.write_str("</g>\n");
        }
        let _ = s.write_str("</g>\n");
    }
}

/// A flow's row in the table: name, ends, protocol, boundary.
fn table_line(d: &Diagram, e: &Edge) -> String {
    let mut line = format!(
        "{}: {} → {}",
        e.name,
        elsewhere(d.nodes[e.from].name),
        elsewhere(d.nodes[e.to].name)
    );
    if let Some(p) = e.protocol {
        let _ = write!(line, " ({p})");
    }
    if let Some(c) = e.crossing {
        let _ = write!(line, " · crosses boundary, {}", c.as_str());
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The way coordinates were written before [`Num`]: with a string each.
    fn slow_num(v: f64) -> String {
        let r = (v * 10.0).round() / 10.0;
        if r == r.trunc() {
            format!("{}", r as i64)
        } else {
            format!("{r:.1}")
        }
    }

    #[test]
    fn coordinates_are_written_as_they_always_were() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut values = vec![0.0, -0.0, 0.04, -0.04, 0.05, -0.05, 0.95, -0.95, 1e9, -1e9];
        values.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e20, -1e20]);
        for _ in 0..20_000 {
            let x = (next() % 2_000_000) as f64 / 100.0 - 10_000.0;
            values.push(x);
            values.push(x / 7.0);
        }
        for v in values {
            assert_eq!(num(v).to_string(), slow_num(v), "{v}");
        }
    }

    #[test]
    fn escaping_covers_markup_quotes_and_control_characters() {
        assert_eq!(
            escape("a<b>&\"c\" 'd'\u{1}\u{7f}\u{85}"),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;\u{FFFD}\u{FFFD}\u{FFFD}"
        );
    }

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(3.0).to_string(), "3");
        assert_eq!(num(3.25).to_string(), "3.3");
        assert_eq!(num(-0.04).to_string(), "0");
        assert_eq!(num(12.5).to_string(), "12.5");
    }
}
