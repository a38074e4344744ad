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
    /// Print a knowledge base: its vocabulary, its patterns, their selectors, and its
    /// mitigations. Reports every problem in it (exit 2) like `check` does for a model.
    Show(ShowArgs),
    /// Explain, per pattern, where it applies in a model and why, where it almost
    /// applies and the edit that would apply it, and which roles technologies imply.
    Explain(ExplainArgs),
}

#[derive(Debug, clap::Args)]
struct ExplainArgs {
    /// The model folder (the one holding threatbook.toml) [default: the current folder].
    dir: Option<std::path::PathBuf>,
    /// Only this pattern.
    #[arg(long)]
    pattern: Option<String>,
    /// Only this component or flow.
    #[arg(long)]
    element: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
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
        Command::Explain(a) => explain(a),
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
        if !kb.vocabulary.is_empty() {
            let _ = writeln!(out, "## Vocabulary ({})\n", kb.vocabulary.len());
            out.push_str(
                "Words its selectors use. Case, separators and plurals do not matter; a synonym matches as its word does.\n\n",
            );
            out.push_str(
                "| word | field | synonyms | implies | meaning |\n|---|---|---|---|---|\n",
            );
            let quoted = |words: &[String]| {
                words
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            for w in &kb.vocabulary {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} | {} |",
                    w.word,
                    w.field,
                    quoted(&w.synonyms),
                    quoted(&w.implies),
                    w.description
                        .as_deref()
                        .unwrap_or("")
                        .replace('|', "\\|")
                        .replace('\n', " ")
                );
            }
            out.push('\n');
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
                "- lowers risk by {} once effective",
                crate::diag::count(usize::from(r.reduces), "level")
            );
            // What an element must say for a claim of it to stand (`requires`).
            let mut needs = Vec::new();
            for (field, value) in [
                ("encrypted", r.requires.encrypted),
                ("authenticated", r.requires.authenticated),
            ] {
                if let Some(v) = value {
                    needs.push(format!("`{field} = {v}`"));
                }
            }
            if !needs.is_empty() {
                let _ = writeln!(
                    out,
                    "- requires {} of the flows it is on (for a component, of the flows into it from other zones): claimed done where one says otherwise, it is contradicted",
                    needs.join(" and ")
                );
            }
            for link in r.references.iter() {
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

fn explain(args: ExplainArgs) -> Exit {
    let dir = match super::model_dir(args.dir) {
        Ok(d) => d,
        Err(exit) => return exit,
    };
    let project = crate::open(&dir);
    let Some(model) = &project.model else {
        let diagnostics: Vec<_> = project.diagnostics.iter().cloned().collect();
        print::human(&project.sources, &diagnostics);
        return print::failure(&format!(
            "{} could not be loaded ({})",
            dir.display(),
            crate::diag::count(project.diagnostics.count(Severity::Error), "error")
        ));
    };
    if model.patterns.is_empty() {
        return print::failure("the model uses no knowledge base: `[knowledge] bases` names none");
    }
    if let Some(p) = &args.pattern
        && !model.patterns.iter().any(|x| &x.id == p)
    {
        let names = model.patterns.iter().map(|x| x.id.as_str());
        return print::failure(&unknown("pattern", p, names));
    }
    if let Some(e) = &args.element
        && !model.target_ids().any(|t| model.target_id(t) == e)
    {
        let ids: Vec<&str> = model.target_ids().map(|t| model.target_id(t)).collect();
        return print::failure(&unknown("component or flow", e, ids));
    }
    let text = explanation(model, args.pattern.as_deref(), args.element.as_deref());
    let inputs = crate::output::Inputs::of_sources(&project.sources);
    args.output.write(&text, &inputs)
}

fn unknown<'a>(what: &str, name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let close = crate::diag::suggest(name, candidates);
    let hint = close
        .first()
        .map_or(String::new(), |c| format!("; did you mean `{c}`?"));
    format!("the model has no {what} `{name}`{hint}")
}

/// Per pattern: the elements it applies to, those where a refinement replaced it,
/// those marked not applicable, and its near misses with their edits; then the roles
/// technologies implied. Markdown.
fn explanation(model: &crate::Model, pattern: Option<&str>, element: Option<&str>) -> String {
    use crate::model::PatternId;
    let on = |t: crate::model::Target| element.is_none_or(|e| model.target_id(t) == e);
    let mut out = String::from("# Where the knowledge bases apply\n\n");
    for (i, p) in model.patterns.iter().enumerate() {
        if pattern.is_some_and(|x| x != p.id) {
            continue;
        }
        let id = PatternId(i as u32);
        let ids = |targets: &mut dyn Iterator<Item = crate::model::Target>| -> Vec<String> {
            targets
                .filter(|t| on(*t))
                .map(|t| format!("`{}`", model.target_id(t)))
                .collect()
        };
        let matched = ids(&mut p
            .instances
            .iter()
            .filter_map(|t| model.threat(*t).targets.first().copied()));
        let mut replaced = Vec::new();
        for t in &model.threats {
            if t.replaces.contains(&id)
                && let (Some(target), Some(by)) = (t.targets.first(), t.pattern)
                && on(*target)
            {
                replaced.push(format!(
                    "`{}` (by `{}`)",
                    model.target_id(*target),
                    model.pattern(by).id
                ));
            }
        }
        let marked = ids(&mut model
            .not_applicable
            .iter()
            .filter(|n| n.pattern == Some(id))
            .map(|n| n.element));
        let near: Vec<String> = model
            .near_misses
            .iter()
            .filter(|m| m.pattern == id && on(m.element))
            .map(|m| {
                format!(
                    "- `{}`: {}; {}",
                    model.target_id(m.element),
                    m.reason,
                    m.fix
                )
            })
            .collect();
        if element.is_some()
            && matched.is_empty()
            && replaced.is_empty()
            && marked.is_empty()
            && near.is_empty()
        {
            continue;
        }
        let kb = &model.knowledge_base(p.kb).id;
        let _ = writeln!(out, "## `{}` of `{kb}`: {}\n", p.id, p.title);
        for s in &p.applies_to {
            let _ = writeln!(out, "- applies to `{s}`");
        }
        if !p.refines.is_empty() {
            let names: Vec<String> = p
                .refines
                .iter()
                .map(|q| format!("`{}`", model.pattern(*q).id))
                .collect();
            let _ = writeln!(out, "- refines {}", names.join(", "));
        }
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        let _ = writeln!(out, "- matched ({}): {}", matched.len(), list(&matched));
        if !replaced.is_empty() {
            let _ = writeln!(
                out,
                "- matched, but replaced by a refinement ({}): {}",
                replaced.len(),
                replaced.join(", ")
            );
        }
        if !marked.is_empty() {
            let _ = writeln!(
                out,
                "- marked not applicable ({}): {}",
                marked.len(),
                marked.join(", ")
            );
        }
        if near.is_empty() {
            out.push_str("- no near miss\n");
        } else {
            let _ = writeln!(
                out,
                "- almost applies ({}), one condition short:",
                near.len()
            );
            for line in near {
                let _ = writeln!(out, "  {line}");
            }
        }
        out.push('\n');
    }
    let implied: Vec<String> = model
        .component_ids()
        .filter(|c| on(crate::model::Target::Component(*c)))
        .filter_map(|c| {
            let roles = model.implied_roles.get(c.index())?;
            (!roles.is_empty()).then(|| {
                let roles: Vec<String> = roles.iter().map(|r| format!("`{r}`")).collect();
                format!("- `{}`: {}", model.component(c).id, roles.join(", "))
            })
        })
        .collect();
    if !implied.is_empty() {
        out.push_str("## Roles implied by technology\n\nComponents that have these role tags through their technology, without writing them:\n\n");
        for line in implied {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}
