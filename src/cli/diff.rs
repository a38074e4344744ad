#[derive(Debug, clap::Args)]
pub struct Args {}
pub fn run(_: Args) -> super::Exit {
    super::Exit::Ok
}
