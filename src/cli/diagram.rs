//! `threatbook diagram`: the model's data-flow diagram as SVG, DOT or Mermaid.

use std::path::PathBuf;

use super::print;
use super::{DateArgs, Exit, OutputArgs};
use crate::diagram::{self, Options, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A self-contained SVG laid out by threatbook (no Graphviz needed).
    Svg,
    /// Graphviz DOT, for `dot -Tpng`.
    Dot,
    /// A Mermaid flowchart, for Markdown on GitHub and GitLab.
    Mermaid,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model folder (the one holding threatbook.toml) [default: the current folder].
    dir: Option<PathBuf>,
    /// Diagram format [default: from the -o extension (.svg, .dot, .mmd or .mermaid), else svg].
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
    #[command(flatten)]
    date: DateArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// The extension of each format's files, for `-o` without `--format`.
const EXTENSIONS: &[(&str, Format)] = &[
    (".svg", Format::Svg),
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
    let format = match args
        .output
        .format(args.format, EXTENSIONS, Some(Format::Svg), &inputs)
    {
        Ok(f) => f,
        Err(e) => return print::failure(&e),
    };
    let scope = match (args.zone, args.focus) {
        (Some(z), _) => Scope::Zone(z),
        (None, Some(id)) => Scope::Focus {
            id,
            depth: args.depth,
        },
        (None, None) => Scope::All,
    };
    let format = match format {
        Format::Svg => diagram::Format::Svg,
        Format::Dot => diagram::Format::Dot,
        Format::Mermaid => diagram::Format::Mermaid,
    };
    match diagram::render(model, format, &Options { today, scope }) {
        Ok(mut text) => {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            args.output.write(&text, &inputs)
        }
        Err(e) => print::failure(&format!("{e}; nothing was written")),
    }
}
