//! `threatbook schema`: print the JSON Schema of the model files, of knowledge-base
//! files, or of the JSON export.

use super::{Exit, OutputArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the schema of `threatbook export --format json` instead of the model files'.
    #[arg(long, conflicts_with = "kb")]
    export: bool,
    /// Print the schema of knowledge-base files (kb.toml and pattern files).
    #[arg(long)]
    kb: bool,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> Exit {
    let text = if args.export {
        crate::export::json::schema()
    } else if args.kb {
        crate::schema::kb_schema()
    } else {
        crate::schema::model_schema()
    };
    args.output.write(&text, &Default::default())
}
