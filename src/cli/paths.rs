//! `threatbook paths`: attack paths from untrusted sources to sensitive targets.

use std::path::PathBuf;

use super::print;
use super::{DateArgs, Exit, OutputArgs};
use crate::diag::Severity;
use crate::paths::{self, AnalysisOut, Query};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// One block per path.
    Text,
    /// One JSON document.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model folder (the one holding threatbook.toml) [default: the current folder].
    dir: Option<PathBuf>,
    /// Start only at this source (an external entity or a component in a zone of trust 0).
    #[arg(long, value_name = "ID")]
    from: Option<String>,
    /// Only paths to this target; lists its `-k` shortest simple paths.
    #[arg(long, value_name = "ID")]
    to: Option<String>,
    /// How many shortest paths to list for the `--to` target.
    #[arg(short, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=100))]
    k: u16,
    /// Output format [default: from the -o extension (.txt, .json), else text].
    #[arg(long, value_enum)]
    format: Option<Format>,
    #[command(flatten)]
    date: DateArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// The extension of each format's files, for `-o` without `--format`.
const EXTENSIONS: &[(&str, Format)] = &[(".txt", Format::Text), (".json", Format::Json)];

pub fn run(args: Args) -> Exit {
    let dir = match super::model_dir(args.dir.clone()) {
        Ok(d) => d,
        Err(exit) => return exit,
    };
    let today = match args.date.resolve() {
        Ok(d) => d,
        Err(e) => return print::failure(&e),
    };
    let project = crate::open(&dir);
    let Some(model) = &project.model else {
        let diagnostics: Vec<_> = project.diagnostics.iter().cloned().collect();
        print::human(&project.sources, &diagnostics);
        return print::failure(&format!(
            "{} could not be loaded ({})",
            dir.display(),
            crate::diag::count(project.diagnostics.count(Severity::Error), "error")
        ));
    };
    let inputs = super::inputs_of(&project, &dir);
    let format = match args
        .output
        .format(args.format, EXTENSIONS, Some(Format::Text), &inputs)
    {
        Ok(f) => f,
        Err(e) => return print::failure(&e),
    };
    let query = Query {
        from: args.from,
        to: args.to,
        k: usize::from(args.k),
        today,
    };
    let analysis = match paths::analyse(model, &query) {
        Ok(a) => a,
        Err(e) => return print::failure(&e.to_string()),
    };
    let text = match format {
        Format::Text => paths::text(model, &analysis),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&AnalysisOut::new(model, &analysis))
                .expect("plain data serialises");
            json.push('\n');
            json
        }
    };
    args.output.write(&text, &inputs)
}
