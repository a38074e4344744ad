//! The command line: argument parsing, printing, colours and exit codes.
//!
//! This is the only part of threatbook that writes to the terminal or decides how the
//! process exits. Each subcommand lives in its own file and returns an [`Exit`].

mod check;
mod completions;
mod diagram;
mod diff;
mod evidence;
mod export;
mod import;
mod init;
mod kb;
mod lsp;
mod man;
mod paths;
mod print;
mod progress;
mod render;
mod review;
mod schema;
mod serve;
mod site;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::model::Date;

/// How the process exits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: done; warnings allowed.
    Ok,
    /// 1: the model has findings at error level (or warnings under `--deny warnings`).
    Findings,
    /// 2: the model could not be loaded, or the command was misused or failed.
    Failure,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        match e {
            Exit::Ok => ExitCode::SUCCESS,
            Exit::Findings => ExitCode::from(1),
            Exit::Failure => ExitCode::from(2),
        }
    }
}

/// Threat models as plain TOML: load, cross-check and render them.
#[derive(Debug, Parser)]
#[command(name = "threatbook", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load a model and cross-check it; the exit code gates CI.
    Check(check::Args),
    /// Render a model as a document.
    Render(render::Args),
    /// Draw a model's data-flow diagram (SVG, DOT or Mermaid).
    Diagram(diagram::Args),
    /// Write a small, valid, commented starter model.
    Init(init::Args),
    /// Print the JSON Schema of the model files (or, with --export, of the JSON export).
    Schema(schema::Args),
    /// Write a static documentation site for one or more models.
    Site(site::Args),
    /// Serve the site (or the report) on 127.0.0.1, rebuilt and reloaded on every change.
    Serve(serve::Args),
    /// Export a checked model as JSON, SARIF 2.1.0 or a CSV threat register.
    Export(export::Args),
    /// Write an evidence bundle (reports, exports, inputs, hashed manifest), or verify one.
    Evidence(evidence::Args),
    /// Compare two versions of a model: what was added, removed or changed.
    Diff(diff::Args),
    /// Import a model from another tool's file (OTM, Threat Dragon, Threagile).
    Import(import::Args),
    /// Attack paths from untrusted sources to sensitive targets, uncovered threats first.
    Paths(paths::Args),
    /// Browse knowledge bases: `kb list`, `kb show NAME|FOLDER`.
    Kb(kb::Args),
    /// Record a review of the model as it is: a `[[review]]` with the model's state.
    Review(review::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish).
    Completions(completions::Args),
    /// Print the manual page (roff), of threatbook or of one subcommand.
    Man(man::Args),
    /// Run the language server (Language Server Protocol over standard input and output).
    Lsp(lsp::Args),
}

/// Options that fix the date coverage is judged on.
#[derive(Debug, clap::Args)]
struct DateArgs {
    /// Judge acceptances as of this day (YYYY-MM-DD) instead of today. Without it,
    /// SOURCE_DATE_EPOCH is used when set, else the system clock (UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    today: Option<Date>,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date of the form YYYY-MM-DD"))
}

/// SOURCE_DATE_EPOCH in seconds, if set; an error if set to something else.
fn source_date_epoch() -> Result<Option<i64>, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("SOURCE_DATE_EPOCH must be a number of seconds, not `{v}`")),
        Err(_) => Ok(None),
    }
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The time a timestamp shows: SOURCE_DATE_EPOCH when set, else the clock.
fn source_date_epoch_seconds() -> Result<i64, String> {
    Ok(source_date_epoch()?.unwrap_or_else(now_seconds))
}

impl DateArgs {
    fn resolve(&self) -> Result<Date, String> {
        if let Some(d) = self.today {
            return Ok(d);
        }
        Ok(Date::from_unix_seconds(source_date_epoch_seconds()?))
    }
}

/// Where output goes: standard output, or a path written by [`crate::output`]'s rules.
#[derive(Debug, clap::Args)]
struct OutputArgs {
    /// Write to this file instead of standard output (`-` is standard output). A file is
    /// replaced atomically, a link's target is replaced, a FIFO or device is written into;
    /// a file the command reads is refused.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

impl OutputArgs {
    /// Standard output: for commands whose only output is the terminal.
    fn stdout() -> OutputArgs {
        OutputArgs { output: None }
    }

    fn target(&self) -> crate::output::Target {
        crate::output::Target::from_arg(self.output.as_deref())
    }

    /// Writes `text`, refusing to write over any of `inputs`.
    fn write(&self, text: &str, inputs: &crate::output::Inputs) -> Exit {
        self.write_bytes(text.as_bytes(), inputs)
    }

    /// Writes `bytes` (a binary format such as PNG), refusing to write over any of `inputs`.
    fn write_bytes(&self, bytes: &[u8], inputs: &crate::output::Inputs) -> Exit {
        self.write_pieces(&[bytes], inputs)
    }

    /// Writes a document made in `pieces`, one after another, as [`Self::write_bytes`]
    /// writes one.
    fn write_pieces(&self, pieces: &[&[u8]], inputs: &crate::output::Inputs) -> Exit {
        match crate::output::write_pieces(&self.target(), pieces, inputs) {
            Ok(()) => Exit::Ok,
            Err(e) => print::failure(&e.to_string()),
        }
    }

    /// Writes what `produce` writes, as it is made, as [`Self::write_bytes`] writes
    /// bytes.
    fn write_with(
        &self,
        inputs: &crate::output::Inputs,
        produce: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Exit {
        match crate::output::write_with(&self.target(), inputs, produce) {
            Ok(()) => Exit::Ok,
            Err(e) => print::failure(&e.to_string()),
        }
    }

    /// The output format: `--format` when given, else the one the `-o` file's extension
    /// names in `table` (the longest matching extension wins, so `.otm.json` beats
    /// `.json`), else `default`. An extension that no format has, or that contradicts
    /// `--format`, is an error naming the choices. A target that is one of `inputs` is
    /// refused first, since that is the mistake to report.
    fn format<F: Copy + PartialEq + clap::ValueEnum>(
        &self,
        explicit: Option<F>,
        table: &[(&str, F)],
        default: Option<F>,
        inputs: &crate::output::Inputs,
    ) -> Result<F, String> {
        crate::output::check(&self.target(), inputs).map_err(|e| e.to_string())?;
        let name = |f: F| {
            f.to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        };
        let choices = || {
            table
                .iter()
                .map(|(ext, f)| format!("{ext} for {}", name(*f)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let from_extension = match self.target() {
            crate::output::Target::Stdout => None,
            crate::output::Target::Path(path) => {
                let file = path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                let known = table
                    .iter()
                    .filter(|(ext, _)| file.len() > ext.len() && file.ends_with(ext))
                    .max_by_key(|(ext, _)| ext.len());
                match (known, path.extension()) {
                    (Some((ext, f)), _) => Some((*ext, *f)),
                    (None, None) => None,
                    (None, Some(ext)) => {
                        return Err(format!(
                            "-o {}: no format of this command is written as .{}; end the name in {}, or leave the extension out and give --format",
                            path.display(),
                            ext.to_string_lossy(),
                            choices()
                        ));
                    }
                }
            }
        };
        match (explicit, from_extension) {
            (Some(f), Some((ext, g))) if f != g => Err(format!(
                "--format {} contradicts the {ext} extension of -o, which means {}; drop one of them ({})",
                name(f),
                name(g),
                choices()
            )),
            (Some(f), _) => Ok(f),
            (None, Some((_, g))) => Ok(g),
            (None, None) => default.ok_or_else(|| {
                format!(
                    "give --format, or an -o file name ending in one of {}",
                    choices()
                )
            }),
        }
    }
}

/// The model folder a command works on: the one given, else the current folder when it
/// holds a threatbook.toml; an error saying so when it does not.
fn model_dir(given: Option<PathBuf>) -> Result<PathBuf, Exit> {
    if let Some(dir) = given {
        return Ok(dir);
    }
    let here = PathBuf::from(".");
    if here.join(crate::load::MANIFEST).is_file() {
        Ok(here)
    } else {
        Err(print::failure(&format!(
            "the current folder is not a model (it has no {}): give the model folder, or run the command inside it (`threatbook init DIR` starts a new one)",
            crate::load::MANIFEST
        )))
    }
}

/// Warns about each file of the `--templates` folder that replaces no built-in template,
/// naming the closest built-in one.
fn warn_unmatched_templates(renderer: &crate::render::Renderer, dir: Option<&std::path::Path>) {
    let Some(dir) = dir else { return };
    for (name, closest) in renderer.theme().unmatched() {
        let path = dir.join(name);
        let is_template = name.ends_with(".tera");
        let hint = match closest {
            Some(c) => format!("; did you mean `{c}`?"),
            None => String::new(),
        };
        if is_template {
            print::warning(&format!(
                "{} replaces no built-in template{hint} (it is used only where another template includes it; docs/outputs.md lists the built-in ones)",
                path.display()
            ));
        } else {
            print::warning(&format!(
                "{} replaces no built-in asset{hint} (it is copied as a file of its own)",
                path.display()
            ));
        }
    }
}

/// Everything `project` read from disk (its model folder `dir` and every file it loaded),
/// which no output of the command may replace.
fn inputs_of(project: &crate::Project, dir: &std::path::Path) -> crate::output::Inputs {
    let mut inputs = crate::output::Inputs::of_sources(&project.sources);
    inputs.add_folder(dir);
    inputs
}

/// Loads and checks the model in `dir`; prints its load errors and returns exit 2 when
/// it does not resolve, so that nothing is written from a broken model.
fn open_checked(
    dir: &std::path::Path,
    options: &crate::check::Options,
) -> Result<crate::Project, Exit> {
    let mut project = crate::open(dir);
    project.check(options);
    if project.model.is_none() {
        let diagnostics: Vec<_> = project.diagnostics.iter().cloned().collect();
        print::human(&project.sources, &diagnostics);
        return Err(print::failure(&format!(
            "{} could not be loaded ({}); nothing was written",
            dir.display(),
            crate::diag::count(
                project.diagnostics.count(crate::diag::Severity::Error),
                "error"
            )
        )));
    }
    Ok(project)
}

/// Parses the arguments, runs the command, and maps the result to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let exit = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Render(args) => render::run(args),
        Command::Diagram(args) => diagram::run(args),
        Command::Init(args) => init::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Site(args) => site::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Export(args) => export::run(args),
        Command::Evidence(args) => evidence::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Import(args) => import::run(args),
        Command::Paths(args) => paths::run(args),
        Command::Kb(args) => kb::run(args),
        Command::Review(args) => review::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
        Command::Lsp(args) => lsp::run(args),
    };
    exit.into()
}
