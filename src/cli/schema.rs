//! `threatbook schema`: print the JSON Schema of the model files.

use super::{Exit, OutputArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> Exit {
    args.output.write(&crate::schema::model_schema())
}
