//! Writes a synthetic model of any size, for trying threatbook on large models.
//!
//! `cargo run --release --example synth -- COMPONENTS OUT_DIR` writes a model with
//! COMPONENTS components, five times as many flows and twice as many threats.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(out)) = (args.first().and_then(|n| n.parse().ok()), args.get(1)) else {
        eprintln!("usage: synth COMPONENTS OUT_DIR");
        return std::process::ExitCode::from(2);
    };
    let size = threatbook::synthetic::Size::scaled(n);
    match threatbook::synthetic::write(std::path::Path::new(out), size) {
        Ok(()) => {
            eprintln!(
                "wrote {} components, {} flows, {} threats to {out}",
                size.components, size.flows, size.threats
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {out}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
