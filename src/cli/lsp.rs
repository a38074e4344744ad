//! `threatbook lsp`: the language server, over standard input and output.

use super::{DateArgs, Exit, print};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Accepted for editors that pass it; standard input and output are always used.
    #[arg(long)]
    stdio: bool,
    #[command(flatten)]
    date: DateArgs,
}

pub fn run(args: Args) -> Exit {
    let _ = args.stdio;
    let today = match args.date.resolve() {
        Ok(d) => d,
        Err(e) => return print::failure(&e),
    };
    let (connection, threads) = lsp_server::Connection::stdio();
    let served = crate::lsp::run(&connection, today);
    // Closing the channel lets the writer finish; the reader ends with the input.
    drop(connection);
    let joined = threads.join();
    match served.and(joined.map_err(|e| e.to_string())) {
        Ok(()) => Exit::Ok,
        Err(e) => print::failure(&format!("language server: {e}")),
    }
}
