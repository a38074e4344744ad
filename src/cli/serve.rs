//! `threatbook serve`: the site (or the HTML report) of one or more models, built in
//! memory and served on 127.0.0.1, rebuilt when a model, knowledge-base or template file
//! changes, with pages that reload themselves.
//!
//! This file builds (load, check, render, as `site` and `render` do) and prints; the
//! serving, watching and reloading are [`crate::serve`]'s. Nothing is written to disk.

use std::path::PathBuf;
use std::time::Duration;

use super::print;
use super::{DateArgs, Exit};
use crate::check::Options;
use crate::diag::Severity;
use crate::render::view::Detail;
use crate::render::{Format, Renderer, ReportInput, ReportView};
use crate::serve::{Build, Event, Failure, Server};
use crate::site::SiteModel;

/// How often the watched folders are looked at.
const POLL: Duration = Duration::from_millis(200);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model folders to serve [default: the current folder].
    dirs: Vec<PathBuf>,
    /// The port on 127.0.0.1 to listen on (0: any free port).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Open the served URL in the default browser.
    #[arg(long)]
    open: bool,
    /// Serve the single HTML report of one model instead of the site.
    #[arg(long)]
    report: bool,
    /// A folder whose templates and assets replace the built-in ones of the same name
    /// (watched too).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    #[command(flatten)]
    date: DateArgs,
}

pub fn run(mut args: Args) -> Exit {
    if args.dirs.is_empty() {
        match super::model_dir(None) {
            Ok(d) => args.dirs.push(d),
            Err(exit) => return exit,
        }
    }
    if args.report && args.dirs.len() > 1 {
        return print::failure(
            "--report serves one model; give one folder, or leave --report out to serve a site of all of them",
        );
    }
    if let Err(e) = args.date.resolve() {
        return print::failure(&e);
    }
    match Renderer::new(args.templates.as_deref()) {
        Ok(renderer) => super::warn_unmatched_templates(&renderer, args.templates.as_deref()),
        Err(e) => print::warning(&format!("{e} (shown in the page until fixed)")),
    }
    let server = match Server::bind(args.port) {
        Ok(s) => s,
        Err(e) => {
            return print::failure(&format!(
                "cannot listen on 127.0.0.1:{}: {e}{}",
                args.port,
                if e.kind() == std::io::ErrorKind::AddrInUse {
                    " (give another --port, or --port 0 for any free one)"
                } else {
                    ""
                }
            ));
        }
    };
    let url = match server.url() {
        Ok(u) => u,
        Err(e) => return print::failure(&e.to_string()),
    };
    println!("serving {url} (Ctrl-C stops)");
    if args.open {
        open_browser(&url);
    }
    let mut roots = args.dirs.clone();
    roots.extend(args.templates.clone());
    let result = server.run(roots, POLL, move || build(&args), report);
    match result {
        Ok(()) => Exit::Ok,
        Err(e) => print::failure(&format!("the server stopped: {e}")),
    }
}

/// Tells the user what a build did, on standard error.
fn report(event: Event<'_>) {
    match event {
        Event::Changed => eprintln!("a watched file changed; rebuilding"),
        Event::Built {
            generation,
            files,
            elapsed,
        } => eprintln!(
            "build {generation}: {} in {} ms",
            crate::diag::count(files, "file"),
            elapsed.as_millis()
        ),
        Event::Failed {
            generation,
            failure,
            elapsed,
        } => {
            eprint!("{}", failure.text);
            eprintln!(
                "build {generation} failed in {} ms: {} (the page shows it)",
                elapsed.as_millis(),
                failure.title
            );
        }
    }
}

/// Loads, checks and renders the models of `args`, in memory.
fn build(args: &Args) -> Build {
    let mut read = Vec::new();
    let outcome = build_files(args, &mut read);
    Build { outcome, read }
}

fn build_files(args: &Args, read: &mut Vec<PathBuf>) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let failure = |title: String, text: String| Failure { title, text };
    let today = args.date.resolve().map_err(|e| failure(e.clone(), e))?;
    let renderer = Renderer::new(args.templates.as_deref())
        .map_err(|e| failure("the templates could not be loaded".into(), e.to_string()))?;
    let mut projects = Vec::new();
    let mut titles = Vec::new();
    let mut text = String::new();
    for dir in &args.dirs {
        let mut project = crate::open(dir);
        project.check(&Options::new(today));
        read.extend(
            project
                .sources
                .iter()
                .filter(|(_, f)| !f.is_bundled)
                .map(|(_, f)| f.path.clone()),
        );
        if project.failed_to_load() {
            let diagnostics: Vec<_> = project.diagnostics.iter().cloned().collect();
            text.push_str(&print::plain(&project.sources, &diagnostics));
            titles.push(format!(
                "{} could not be loaded ({})",
                dir.display(),
                crate::diag::count(project.diagnostics.count(Severity::Error), "error")
            ));
        }
        projects.push(project);
    }
    if !titles.is_empty() {
        return Err(failure(titles.join("; "), text));
    }
    let rendering =
        |e: crate::render::RenderError| failure("rendering failed".into(), e.to_string());
    let findings: Vec<Vec<_>> = projects
        .iter()
        .map(|p| p.diagnostics.iter().cloned().collect())
        .collect();
    if args.report {
        let (Some(project), Some(findings)) = (projects.first(), findings.first()) else {
            return Ok(Vec::new());
        };
        let Some(model) = &project.model else {
            return Ok(Vec::new());
        };
        let view = ReportView::new(ReportInput {
            model,
            sources: &project.sources,
            today,
            generated: None,
            findings,
            mermaid: None,
            svg: crate::diagram::report_svg(model, today),
            detail: Detail::automatic(model),
        });
        let html = renderer.render(Format::Html, &view).map_err(rendering)?;
        return Ok(vec![("index.html".to_string(), html.into_bytes())]);
    }
    let mut taken = Vec::new();
    let models: Vec<SiteModel<'_>> = projects
        .iter()
        .zip(&args.dirs)
        .zip(&findings)
        .filter_map(|((p, dir), findings)| {
            Some(SiteModel {
                slug: super::site::slug(dir, &mut taken),
                model: p.model.as_ref()?,
                sources: &p.sources,
                findings,
                svg: crate::diagram::report_svg(p.model.as_ref()?, today),
            })
        })
        .collect();
    let files = crate::site::build(&models, &renderer, today)
        .map_err(|e| failure("rendering failed".into(), e.to_string()))?;
    Ok(files.into_iter().map(|f| (f.path, f.bytes)).collect())
}

/// Asks the desktop to open `url`; a warning when it cannot.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let spawned = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        // Reaped on a thread of its own, so that it leaves no zombie behind.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => print::warning(&format!("cannot open a browser ({e}); open {url} yourself")),
    }
}
