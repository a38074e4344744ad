//! Writes a synthetic model of any size, for trying threatbook on large models.
//!
//! `cargo run --release --example synth -- COMPONENTS OUT_DIR [PATTERNS]` writes a model
//! with COMPONENTS components, five times as many flows and twice as many threats; with
//! PATTERNS, also a knowledge base of that many patterns in OUT_DIR/kb, which the model
//! uses.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(out)) = (args.first().and_then(|n| n.parse().ok()), args.get(1)) else {
        eprintln!("usage: synth COMPONENTS OUT_DIR [PATTERNS]");
        return std::process::ExitCode::from(2);
    };
    let patterns: Option<usize> = args.get(2).and_then(|p| p.parse().ok());
    let size = threatbook::synthetic::Size::scaled(n);
    let mut files = threatbook::synthetic::generate(size);
    if let Some(p) = patterns {
        let kb = threatbook::synthetic::add_knowledge_base(&mut files, p);
        files.extend(kb);
    }
    match threatbook::synthetic::write_files(std::path::Path::new(out), &files) {
        Ok(()) => {
            eprintln!(
                "wrote {} components, {} flows, {} threats, {} patterns to {out}",
                size.components,
                size.flows,
                size.threats,
                patterns.unwrap_or(0)
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {out}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
