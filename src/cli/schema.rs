//! `threatbook schema`: print the JSON Schema of the model files, or of the JSON export.

use super::{Exit, OutputArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the schema of `threatbook export --format json` instead of the model files'.
    #[arg(long)]
    export: bool,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> Exit {
    let text = if args.export {
        crate::export::json::schema()
    } else {
        crate::schema::model_schema()
    };
    args.output.write(&text)
}
