//! `threatbook man [SUBCOMMAND]`: the manual page clap_mangen writes from the command
//! line's own definition (so it cannot drift from `--help`), as roff on standard output
//! or into `-o FILE`.

use clap::CommandFactory;

use super::{Cli, Exit, OutputArgs, print};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The page of this subcommand (threatbook-check(1), …) instead of threatbook(1).
    #[arg(value_name = "SUBCOMMAND")]
    subcommand: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

/// The whole command line, built, so subcommands carry their `threatbook-NAME` names.
fn command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The roff page of `threatbook`, or of its subcommand `name`.
pub fn page(name: Option<&str>) -> Result<String, String> {
    let cmd = command();
    let cmd = match name {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
                let hint = match crate::diag::suggest(name, names.iter().copied()).first() {
                    Some(best) => format!("did you mean `{best}`? "),
                    None => String::new(),
                };
                return Err(format!(
                    "threatbook has no subcommand `{name}`; {hint}(the subcommands: {})",
                    names.join(", ")
                ));
            }
        },
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .source(format!("threatbook {}", env!("CARGO_PKG_VERSION")))
        .render(&mut buf)
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

pub fn run(args: Args) -> Exit {
    match page(args.subcommand.as_deref()) {
        Ok(text) => args.output.write(&text, &Default::default()),
        Err(e) => print::failure(&e),
    }
}
