//! `threatbook site`: a static documentation site for one or more models.

use std::path::PathBuf;

use super::print;
use super::{DateArgs, Exit};
use crate::check::Options;
use crate::diag::Severity;
use crate::render::Renderer;
use crate::site::SiteModel;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model folders to publish [default: the current folder].
    dirs: Vec<PathBuf>,
    /// The folder to write the site into (replaced whole if threatbook wrote it before).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// A folder whose templates and assets replace the built-in ones of the same name.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    #[command(flatten)]
    date: DateArgs,
}

/// A kebab-case folder name for a model, unique among `taken`.
pub(super) fn slug(dir: &std::path::Path, taken: &mut Vec<String>) -> String {
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let base = match crate::load::raw::to_kebab_case(&name) {
        s if s.is_empty() => "model".to_string(),
        s => s,
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

pub fn run(mut args: Args) -> Exit {
    if args.dirs.is_empty() {
        match super::model_dir(None) {
            Ok(d) => args.dirs.push(d),
            Err(exit) => return exit,
        }
    }
    let today = match args.date.resolve() {
        Ok(d) => d,
        Err(e) => return print::failure(&e),
    };
    let renderer = match Renderer::new(args.templates.as_deref()) {
        Ok(r) => r,
        Err(e) => return print::failure(&e.to_string()),
    };
    super::warn_unmatched_templates(&renderer, args.templates.as_deref());
    let mut projects = Vec::new();
    let mut failed = false;
    for dir in &args.dirs {
        let mut project = crate::open(dir);
        project.check(&Options::new(today));
        if project.failed_to_load() {
            let diagnostics: Vec<_> = project.diagnostics.iter().cloned().collect();
            print::human(&project.sources, &diagnostics);
            eprintln!(
                "{} could not be loaded ({})",
                dir.display(),
                crate::diag::count(project.diagnostics.count(Severity::Error), "error")
            );
            failed = true;
        }
        projects.push(project);
    }
    if failed {
        return print::failure("nothing was written");
    }
    let mut taken = Vec::new();
    let findings: Vec<Vec<_>> = projects
        .iter()
        .map(|p| p.diagnostics.iter().cloned().collect())
        .collect();
    let models: Vec<SiteModel<'_>> = projects
        .iter()
        .zip(&args.dirs)
        .zip(&findings)
        .filter_map(|((p, dir), findings)| {
            Some(SiteModel {
                slug: slug(dir, &mut taken),
                model: p.model.as_ref()?,
                sources: &p.sources,
                findings,
                svg: crate::diagram::report_svg(p.model.as_ref()?, today),
            })
        })
        .collect();
    let mut inputs = crate::output::Inputs::default();
    for (project, dir) in projects.iter().zip(&args.dirs) {
        inputs.add_sources(&project.sources);
        inputs.add_folder(dir);
    }
    if let Some(templates) = &args.templates {
        inputs.add_folder(templates);
    }
    // Whether the folder may be written is known before any page is rendered.
    let tree = match crate::output::TreeWriter::marked(&args.output, &inputs) {
        Ok(t) => t,
        Err(e) => return print::failure(&e.to_string()),
    };
    let progress = super::progress::Progress::new("site");
    let built = crate::site::write(&models, &renderer, today, &tree, &|done, total| {
        progress.count(done, total, "pages")
    });
    progress.finish();
    if let Err(e) = built {
        return print::failure(&e.to_string());
    }
    // The marker is not counted: it is threatbook's, not the site's.
    let count = tree.count() - 1;
    match tree.finish() {
        Ok(()) => {
            eprintln!(
                "wrote {} to {}",
                crate::diag::count(count, "file"),
                args.output.display()
            );
            Exit::Ok
        }
        Err(e) => print::failure(&e.to_string()),
    }
}
