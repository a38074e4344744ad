//! `threatbook diagram`: the model's data-flow diagram as SVG, PNG, DOT or Mermaid.

use std::path::PathBuf;

use super::print;
use super::{DateArgs, Exit, OutputArgs};
use crate::diagram::{self, Options, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A self-contained SVG laid out by threatbook (no Graphviz needed).
    Svg,
    /// That SVG drawn as a PNG image, with a bundled font (same bytes on every machine).
    Png,
    /// Graphviz DOT, for `dot -Tpng`.
    Dot,
    /// A Mermaid flowchart, for Markdown on GitHub and GitLab.
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Labels {
    /// The flow's number only.
    Number,
    /// Number and protocol.
    Protocol,
    /// Number and name, cut to fit.
    Name,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Direction {
    /// Left to right.
    Lr,
    /// Top to bottom.
    Tb,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model folder (the one holding threatbook.toml) [default: the current folder].
    dir: Option<PathBuf>,
    /// Diagram format [default: from the -o extension (.svg, .png, .dot, .mmd or .mermaid), else svg].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Draw only this zone (with the zones inside it) and the components it exchanges
    /// flows with.
    #[arg(long, value_name = "ZONE", conflicts_with = "focus")]
    zone: Option<String>,
    /// Draw only the components within `--depth` flows of this component.
    #[arg(long, value_name = "COMPONENT")]
    focus: Option<String>,
    /// How many flows away from `--focus` to go.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "focus")]
    depth: usize,
    /// Print measures of the layout's quality as JSON instead of the drawing (see
    /// docs/diagrams.md).
    #[arg(long, conflicts_with = "format")]
    stats: bool,
    /// What the SVG writes on the arrows [default: the name where it fits without
    /// overlapping, else the number; the flow table under the drawing has every name].
    #[arg(long, value_enum)]
    labels: Option<Labels>,
    /// Which way the SVG's layers run [default: whichever is drawn larger when fitted to
    /// a 1,400 × 1,000 px page; when both fit, the smaller].
    #[arg(long, value_enum)]
    direction: Option<Direction>,
    /// PNG pixels per SVG unit, from 0.5 to 4 [default: 1].
    #[arg(long, value_name = "F", conflicts_with = "stats")]
    scale: Option<f32>,
    #[command(flatten)]
    date: DateArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// The extension of each format's files, for `-o` without `--format`.
const EXTENSIONS: &[(&str, Format)] = &[
    (".svg", Format::Svg),
    (".png", Format::Png),
    (".dot", Format::Dot),
    (".mmd", Format::Mermaid),
    (".mermaid", Format::Mermaid),
];

pub fn run(args: Args) -> Exit {
    let dir = match super::model_dir(args.dir.clone()) {
        Ok(d) => d,
        Err(exit) => return exit,
    };
    let today = match args.date.resolve() {
        Ok(d) => d,
        Err(e) => return print::failure(&e),
    };
    let project = match super::open_checked(&dir, &crate::check::Options::new(today)) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let Some(model) = &project.model else {
        return Exit::Failure;
    };
    let inputs = super::inputs_of(&project, &dir);
    let scope = match (args.zone.clone(), args.focus.clone()) {
        (Some(z), _) => Scope::Zone(z),
        (None, Some(id)) => Scope::Focus {
            id,
            depth: args.depth,
        },
        (None, None) => Scope::All,
    };
    let labels = match args.labels {
        None => diagram::Labels::Auto,
        Some(Labels::Number) => diagram::Labels::Number,
        Some(Labels::Protocol) => diagram::Labels::Protocol,
        Some(Labels::Name) => diagram::Labels::Name,
    };
    let direction = match args.direction {
        None => diagram::Orientation::Auto,
        Some(Direction::Lr) => diagram::Orientation::Lr,
        Some(Direction::Tb) => diagram::Orientation::Tb,
    };
    if args.stats {
        if let Err(e) = crate::output::check(&args.output.target(), &inputs) {
            return print::failure(&e.to_string());
        }
        return match diagram::Diagram::new(model, &Options { today, scope }) {
            Ok(mut d) => {
                d.labels = labels;
                d.direction = direction;
                let stats = diagram::stats::of_diagram(&d);
                match serde_json::to_string_pretty(&stats) {
                    Ok(mut text) => {
                        text.push('\n');
                        args.output.write(&text, &inputs)
                    }
                    Err(e) => print::failure(&e.to_string()),
                }
            }
            Err(e) => print::failure(&format!("{e}; nothing was written")),
        };
    }
    let format = match args
        .output
        .format(args.format, EXTENSIONS, Some(Format::Svg), &inputs)
    {
        Ok(f) => f,
        Err(e) => return print::failure(&e),
    };
    let scale = match (format, args.scale) {
        (Format::Png, scale) => scale.unwrap_or(1.0),
        (_, Some(_)) => return print::failure("--scale applies only to --format png"),
        (_, None) => 1.0,
    };
    if !(diagram::png::MIN_SCALE..=diagram::png::MAX_SCALE).contains(&scale) {
        return print::failure(&format!(
            "{}; nothing was written",
            diagram::png::PngError::Scale(scale)
        ));
    }
    let png = format == Format::Png;
    let format = match format {
        Format::Svg | Format::Png => diagram::Format::Svg,
        Format::Dot => diagram::Format::Dot,
        Format::Mermaid => diagram::Format::Mermaid,
    };
    match diagram::Diagram::new(model, &Options { today, scope }) {
        Ok(mut d) => {
            d.labels = labels;
            d.direction = direction;
            if png {
                let svg = diagram::render_diagram(&d, format);
                return match diagram::png::render(&svg, scale) {
                    Ok(bytes) => args.output.write_bytes(&bytes, &inputs),
                    Err(e) => print::failure(&format!("{e}; nothing was written")),
                };
            }
            if format == diagram::Format::Svg {
                // The drawing of a large model is tens of megabytes: written as it is
                // made, never held whole.
                return args
                    .output
                    .write_with(&inputs, |out| diagram::svg::render_to(&d, out));
            }
            let mut text = diagram::render_diagram(&d, format);
            if !text.ends_with('\n') {
                text.push('\n');
            }
            args.output.write(&text, &inputs)
        }
        Err(e) => print::failure(&format!("{e}; nothing was written")),
    }
}
