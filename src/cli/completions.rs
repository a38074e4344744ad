//! `threatbook completions SHELL`: the shell completion script clap_complete writes for
//! the whole command line, on standard output or into `-o FILE`.

use clap::CommandFactory;

use super::{Cli, Exit, OutputArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
    #[command(flatten)]
    output: OutputArgs,
}

/// The completion script of `shell`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "threatbook", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

pub fn run(args: Args) -> Exit {
    args.output.write(&script(args.shell), &Default::default())
}
