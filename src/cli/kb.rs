//! `threatbook kb`: browse the bundled knowledge bases, or check and show one of your own.

use std::fmt::Write as _;
use std::path::Path;

use super::print;
use super::{Exit, OutputArgs};
use crate::diag::{Diagnostics, Severity};
use crate::load::bundled;
use crate::load::kb::load_knowledge;
use crate::model::{KnowledgeSet, Level, resolve_knowledge};
use crate::source::{Sources, Sp, Span};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// List the bundled knowledge bases.
    List(OutputOnly),
    /// Print a knowledge base: its patterns, their selectors, and its mitigations.
    /// Reports every problem in it (exit 2) like `check` does for a model.
    Show(ShowArgs),
}

#[derive(Debug, clap::Args)]
struct OutputOnly {
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// A bundled knowledge base's name, or a folder with a kb.toml (`./kb`).
    name: String,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(args: Args) -> Exit {
    match args.command {
        Command::List(a) => a.output.write(&list(), &Default::default()),
        Command::Show(a) => show(a),
    }
}

fn list() -> String {
    let mut out =
        String::from("| id | name | version | patterns | mitigations |\n|---|---|---|---:|---:|\n");
    for kb in bundled::BUNDLED {
        let (set, _, _) = load(kb.id);
        for k in &set.knowledge_bases {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                k.id,
                k.name,
                k.version.as_deref().unwrap_or(""),
                k.patterns.len(),
                k.recommendations.len()
            );
        }
    }
    out.push_str("\n`threatbook kb show ID` prints one.\n");
    out
}

/// Loads one knowledge base named as on the command line.
fn load(name: &str) -> (KnowledgeSet, Sources, Diagnostics) {
    let mut sources = Sources::default();
    let mut diags = Diagnostics::default();
    let arg = sources.add(
        "<command line>".into(),
        "<command line>".into(),
        name.into(),
    );
    let named = Sp::new(name.to_string(), Span::new(arg, 0..name.len()));
    // Folders are relative to the working directory, and shown as given.
    let raw = load_knowledge(Some(Path::new("")), &[named], &mut sources, &mut diags);
    let set = resolve_knowledge(raw, &mut diags);
    (set, sources, diags)
}

fn show(args: ShowArgs) -> Exit {
    let (set, sources, mut diags) = load(&args.name);
    diags.sort();
    let all: Vec<_> = diags.iter().cloned().collect();
    if !all.is_empty() {
        print::human(&sources, &all);
    }
    if diags.has_errors() || set.knowledge_bases.is_empty() {
        let n = diags.count(Severity::Error);
        return print::failure(&format!(
            "the knowledge base `{}` could not be loaded ({n} error{})",
            args.name,
            if n == 1 { "" } else { "s" }
        ));
    }
    let inputs = crate::output::Inputs::of_sources(&sources);
    args.output.write(&describe(&set), &inputs)
}

/// A knowledge base as Markdown.
fn describe(set: &KnowledgeSet) -> String {
    let mut out = String::new();
    for kb in &set.knowledge_bases {
        let _ = writeln!(out, "# {} (`{}`)\n", kb.name, kb.id);
        if let Some(v) = &kb.version {
            let _ = writeln!(out, "Version {v}; {}.\n", kb.origin);
        }
        if let Some(d) = &kb.description {
            let _ = writeln!(out, "{}\n", d.trim_end());
        }
        let _ = writeln!(out, "## Patterns ({})\n", kb.patterns.len());
        for &id in &kb.patterns {
            let p = &set.patterns[id.index()];
            let _ = writeln!(out, "### `{}`: {}\n", p.id, p.title);
            let risk = Level::risk(p.severity, p.likelihood, p.impact);
            let _ = writeln!(
                out,
                "- {}, severity {}, risk {risk}",
                p.category, p.severity
            );
            if !p.cwe.is_empty() || !p.capec.is_empty() {
                let ids: Vec<String> = p
                    .cwe
                    .iter()
                    .map(|n| format!("CWE-{n}"))
                    .chain(p.capec.iter().map(|n| format!("CAPEC-{n}")))
                    .collect();
                let _ = writeln!(out, "- {}", ids.join(", "));
            }
            for s in &p.applies_to {
                let _ = writeln!(out, "- applies to `{s}`");
            }
            let recs: Vec<String> = set
                .recommendations
                .iter()
                .filter(|r| r.mitigates.contains(&id))
                .map(|r| format!("`{}`", r.id))
                .collect();
            if recs.is_empty() {
                let _ = writeln!(out, "- no recommended mitigation");
            } else {
                let _ = writeln!(out, "- mitigated by {}", recs.join(", "));
            }
            if let Some(d) = &p.description {
                let _ = writeln!(out, "\n{}", d.trim_end());
            }
            out.push('\n');
        }
        let _ = writeln!(out, "## Mitigations ({})\n", kb.recommendations.len());
        for r in &kb.recommendations {
            let r = &set.recommendations[r.index()];
            let _ = writeln!(out, "### `{}`: {}\n", r.id, r.title);
            let patterns: Vec<String> = r
                .mitigates
                .iter()
                .map(|p| format!("`{}`", set.patterns[p.index()].id))
                .collect();
            let _ = writeln!(out, "- mitigates {}", patterns.join(", "));
            let _ = writeln!(
                out,
                "- lowers risk by {} level(s) once effective",
                r.reduces
            );
            for link in &r.references {
                let _ = writeln!(out, "- <{link}>");
            }
            if let Some(d) = &r.description {
                let _ = writeln!(out, "\n{}", d.trim_end());
            }
            out.push('\n');
        }
    }
    out
}
