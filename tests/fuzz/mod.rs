//! The fuzz harness: seeded mutations of every fixture and bundled model, and of the
//! import corpus, run in-process through loading, every check, both reports, every
//! diagram format, every export, `paths`, the site, the evidence bundle, `diff` and an
//! export→import round trip, with an oracle on each output.
//!
//! The integration suite runs a few hundred cases of it on every `cargo test`; a long
//! campaign is `cargo run --release --example fuzz -- --minutes 30 --jobs 2`, which also
//! limits time and memory per case and minimises what fails into
//! `tests/fixtures/regressions/`. This module only runs cases and judges them: timing,
//! memory, processes and files are the driver's.

#![allow(dead_code)]

pub mod mutate;
pub mod oracle;

use std::path::{Path, PathBuf};

use threatbook::model::Date;

pub use mutate::Rng;

/// The day every case is judged on, so that a case gives the same result on any day.
pub const TODAY: &str = "2026-06-01";

/// A model folder as files: relative path (with `/`) and bytes.
pub type Files = Vec<(String, Vec<u8>)>;

/// Something to run: a model folder, or a file to import.
#[derive(Clone, Debug)]
pub enum Case {
    Model(Files),
    Import {
        format: ImportFormat,
        bytes: Vec<u8>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    Otm,
    ThreatDragon,
    Threagile,
}

impl ImportFormat {
    /// The file name a case of this format is written to, in a regression folder too.
    pub fn file_name(self) -> &'static str {
        match self {
            ImportFormat::Otm => "source.otm.json",
            ImportFormat::ThreatDragon => "source.threat-dragon.json",
            ImportFormat::Threagile => "source.threagile.yaml",
        }
    }

    fn of_file_name(name: &str) -> Option<ImportFormat> {
        [
            ImportFormat::Otm,
            ImportFormat::ThreatDragon,
            ImportFormat::Threagile,
        ]
        .into_iter()
        .find(|f| f.file_name() == name)
    }

    fn source(self) -> threatbook::import::SourceFormat {
        match self {
            ImportFormat::Otm => threatbook::import::SourceFormat::Otm,
            ImportFormat::ThreatDragon => threatbook::import::SourceFormat::ThreatDragon,
            ImportFormat::Threagile => threatbook::import::SourceFormat::Threagile,
        }
    }
}

/// A seed: where it came from, and the case it is.
#[derive(Clone, Debug)]
pub struct Seed {
    pub name: String,
    pub case: Case,
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The note a regression folder keeps on how its case was found; not part of the case.
pub const FOUND: &str = "FOUND.md";

/// Every file under `dir`, by `/`-separated relative path, in path order (without
/// [`FOUND`] notes).
pub fn read_folder(dir: &Path) -> Files {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.file_name().is_some_and(|n| n == FOUND) {
                continue;
            } else if let Ok(bytes) = std::fs::read(&path) {
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                out.push((rel.to_string_lossy().replace('\\', "/"), bytes));
            }
        }
    }
    out.sort();
    out
}

fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Every model the repository holds (fixtures, regressions, bundled models) and every
/// file to import (the corpus and the import fixtures).
pub fn seeds() -> Vec<Seed> {
    let root = root();
    let mut seeds = Vec::new();
    let mut folders = Vec::new();
    for group in [
        "valid",
        "invalid",
        "kb",
        "paths",
        "risk",
        "diff",
        "regressions",
        "blind",
    ] {
        folders.extend(subfolders(&root.join("tests/fixtures").join(group)));
    }
    for m in ["fastapi", "stride-example", "starter"] {
        folders.push(root.join("catalog").join(m));
    }
    for dir in folders {
        if !dir.join("threatbook.toml").is_file() {
            // Folders of folders (diff's old/new pairs): take each model inside.
            for sub in subfolders(&dir) {
                if sub.join("threatbook.toml").is_file() {
                    seeds.push(model_seed(&root, &sub));
                }
            }
            continue;
        }
        seeds.push(model_seed(&root, &dir));
    }
    let mut imports: Vec<PathBuf> = Vec::new();
    for dir in [
        "tests/fixtures/corpus/otm",
        "tests/fixtures/corpus/threat-dragon",
        "tests/fixtures/corpus/threagile",
        "tests/fixtures/import",
    ] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            imports.extend(rd.flatten().map(|e| e.path()));
        }
    }
    imports.sort();
    for path in imports {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let format = if name.contains("schema") || name == "SOURCE" {
            continue;
        } else if name.starts_with("otm") || name.contains(".otm.") || name == "EXAMPLE.json" {
            ImportFormat::Otm
        } else if name.starts_with("td-") || name.starts_with("v2-") || name.starts_with("demo-") {
            ImportFormat::ThreatDragon
        } else if name.starts_with("threagile") && name.ends_with(".yaml") {
            ImportFormat::Threagile
        } else {
            continue;
        };
        if let Ok(bytes) = std::fs::read(&path) {
            seeds.push(Seed {
                name: rel(&root, &path),
                case: Case::Import { format, bytes },
            });
        }
    }
    seeds
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

fn model_seed(root: &Path, dir: &Path) -> Seed {
    Seed {
        name: rel(root, dir),
        case: Case::Model(read_folder(dir)),
    }
}

/// A regression folder as a case: a model folder, or one file to import.
pub fn case_of_folder(dir: &Path) -> Case {
    let files = read_folder(dir);
    if let [(name, bytes)] = files.as_slice()
        && let Some(format) = ImportFormat::of_file_name(name)
    {
        return Case::Import {
            format,
            bytes: bytes.clone(),
        };
    }
    Case::Model(files)
}

/// The case number `case_seed` of seed `seed`, as the campaign made it.
pub fn replayed(seeds: &[Seed], seed: usize, case_seed: u64) -> Option<(Case, Vec<String>)> {
    Some(mutated(seeds.get(seed)?, &mut Rng::new(case_seed)))
}

/// The case `seed` mutated with `rng`, and what was done.
pub fn mutated(seed: &Seed, rng: &mut Rng) -> (Case, Vec<String>) {
    match &seed.case {
        Case::Model(files) => {
            let mut files = files.clone();
            let steps = mutate::model(rng, &mut files);
            (Case::Model(files), steps)
        }
        Case::Import { format, bytes } => {
            let text = String::from_utf8_lossy(bytes);
            let doc: Option<serde_json::Value> = match format {
                ImportFormat::Threagile => serde_yaml_ng::from_str(&text).ok(),
                _ => serde_json::from_str(&text).ok(),
            };
            let (bytes, steps) = match doc {
                Some(mut doc) if !rng.chance(5) => {
                    let steps = mutate::json(rng, &mut doc);
                    let bytes = match format {
                        ImportFormat::Threagile => serde_yaml_ng::to_string(&doc)
                            .map(String::into_bytes)
                            .unwrap_or_default(),
                        _ => serde_json::to_vec_pretty(&doc).unwrap_or_default(),
                    };
                    (bytes, steps)
                }
                _ => {
                    let (b, s) = mutate::text_edit(rng, &text);
                    (b, vec![s])
                }
            };
            (
                Case::Import {
                    format: *format,
                    bytes,
                },
                steps,
            )
        }
    }
}

/// What went wrong in a case: in which command, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub command: &'static str,
    /// `panic` or `oracle`.
    pub kind: &'static str,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.command, self.kind, self.message)
    }
}

/// What a case did: the commands it ran and what failed.
#[derive(Debug, Default)]
pub struct Outcome {
    pub commands: Vec<&'static str>,
    /// How long each command took, in the order of `commands`.
    pub seconds: Vec<f64>,
    pub failures: Vec<Failure>,
    /// Whether the model (or the imported model) loaded.
    pub loaded: bool,
}

impl Outcome {
    /// Runs `f` as `command`, turning a panic into a failure. `None` if it panicked.
    fn step<T>(&mut self, command: &'static str, f: impl FnOnce() -> T) -> Option<T> {
        self.commands.push(command);
        let start = std::time::Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        self.seconds.push(start.elapsed().as_secs_f64());
        match result {
            Ok(v) => Some(v),
            Err(p) => {
                let message = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panic".into());
                self.failures.push(Failure {
                    command,
                    kind: "panic",
                    message,
                });
                None
            }
        }
    }

    fn judge(&mut self, command: &'static str, verdict: oracle::Verdict) {
        if let Err(message) = verdict {
            self.failures.push(Failure {
                command,
                kind: "oracle",
                message,
            });
        }
    }
}

/// Writes `files` into `dir` (emptied first).
pub fn write_folder(dir: &Path, files: &Files) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(path, bytes)?;
    }
    Ok(())
}

/// Runs `case` in `scratch` (a folder the case may fill and empty).
pub fn run_case(case: &Case, scratch: &Path) -> Outcome {
    let mut out = Outcome::default();
    let today = Date::parse(TODAY).expect("a date");
    match case {
        Case::Model(files) => {
            // Large files are read in pieces: cut wherever it can be, each file must
            // read as it reads whole.
            for (name, bytes) in files {
                if let Ok(text) = std::str::from_utf8(bytes) {
                    if let Some(Err(e)) =
                        out.step("load in pieces", || threatbook::load::pieces_agree(text))
                    {
                        out.failures.push(Failure {
                            command: "load in pieces",
                            kind: "oracle",
                            message: format!("{name}: {e}"),
                        });
                    }
                }
            }
            let dir = scratch.join("model");
            if write_folder(&dir, files).is_err() {
                return out;
            }
            run_model(&mut out, &dir, today, true);
        }
        Case::Import { format, bytes } => {
            let file = scratch.join(format.file_name());
            let _ = std::fs::create_dir_all(scratch);
            if std::fs::write(&file, bytes).is_err() {
                return out;
            }
            let target = scratch.join("imported");
            let _ = std::fs::remove_dir_all(&target);
            let options = threatbook::import::Options {
                accept_until: today,
                model_folder: Some(target.clone()),
            };
            let draft = out.step("import", || {
                threatbook::import::read(&file, format.source(), &options)
            });
            if let Some(Ok(draft)) = draft {
                let written = out.step("import write", || {
                    threatbook::import::write_model(draft, &target)
                });
                if let Some(Ok(_)) = written {
                    run_model(&mut out, &target, today, false);
                    if !out.loaded {
                        out.failures.push(Failure {
                            command: "import",
                            kind: "oracle",
                            message: "an import that succeeded wrote a model that does not load"
                                .into(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// A site sink that runs the HTML oracle on each page and keeps only its complaints.
#[derive(Default)]
struct SitePages {
    verdicts: std::sync::Mutex<Vec<Result<(), String>>>,
}

impl threatbook::site::Sink for SitePages {
    fn file(&self, path: &str, bytes: &[u8]) -> Result<(), threatbook::site::SiteError> {
        if path.ends_with(".html") {
            let verdict =
                oracle::html(&String::from_utf8_lossy(bytes)).map_err(|e| format!("{path}: {e}"));
            if verdict.is_err() {
                if let Ok(mut v) = self.verdicts.lock() {
                    v.push(verdict);
                }
            }
        }
        Ok(())
    }
}

/// Loads the model in `dir` and, if it loads, runs every command on it.
fn run_model(out: &mut Outcome, dir: &Path, today: Date, round_trip: bool) {
    let Some(mut project) = out.step("load", || threatbook::open(dir)) else {
        return;
    };
    let Some(state) = out.step("review state", || {
        threatbook::review::state::of_sources(&project.sources)
    }) else {
        return;
    };
    let mut options = threatbook::check::Options::new(today);
    options.require_review = Some(threatbook::check::ReviewRequirement {
        state,
        last_change: Some(today),
    });
    options.stride_coverage = true;
    options.require = threatbook::check::Require::Mitigated;
    if out.step("check", || project.check(&options)).is_none() {
        return;
    }
    if project.model.is_none() {
        let verdict = located(&project);
        out.judge("load", verdict);
        return;
    }
    out.loaded = true;
    let project = &project;
    let Some(model) = project.model.as_ref() else {
        return;
    };
    let findings = project.diagnostics.as_slice();

    // Diagrams.
    use threatbook::diagram::{self, Format as D, Scope};
    let all = diagram::Options {
        today,
        scope: Scope::All,
    };
    if let Some(Ok(svg)) = out.step("diagram svg", || diagram::render(model, D::Svg, &all)) {
        out.judge("diagram svg", oracle::svg(&svg));
    }
    if let Some(Ok(dot)) = out.step("diagram dot", || diagram::render(model, D::Dot, &all)) {
        out.judge("diagram dot", oracle::dot(&dot));
    }
    out.step("diagram mermaid", || {
        diagram::render(model, D::Mermaid, &all)
    });
    if let Some(first) = model.graph.node_weights().next() {
        let focus = diagram::Options {
            today,
            scope: Scope::Focus {
                id: first.id.clone(),
                depth: 1,
            },
        };
        if let Some(Ok(svg)) = out.step("diagram focus", || diagram::render(model, D::Svg, &focus))
        {
            out.judge("diagram focus", oracle::svg(&svg));
        }
    }
    if let Some(zone) = model.zones.first() {
        let scope = diagram::Options {
            today,
            scope: Scope::Zone(zone.id.clone()),
        };
        out.step("diagram zone", || diagram::render(model, D::Dot, &scope));
    }

    // Reports.
    use threatbook::render::{Format as R, Renderer, ReportInput, ReportView};
    let Some(Ok(renderer)) = out.step("render", || Renderer::new(None)) else {
        return;
    };
    use threatbook::render::view::Detail;
    for (command, format, detail) in [
        ("render md", R::Markdown, Detail::Full),
        ("render md --detail summary", R::Markdown, Detail::Summary),
        ("render html", R::Html, Detail::Full),
        ("render html --detail summary", R::Html, Detail::Summary),
    ] {
        let text = out.step(command, || {
            let (mermaid, svg) = match format {
                R::Markdown => (diagram::report_mermaid(model, today), None),
                R::Html => (None, diagram::report_svg(model, today)),
            };
            let view = ReportView::new(ReportInput {
                model,
                sources: &project.sources,
                today,
                generated: None,
                findings,
                mermaid,
                svg,
                detail,
            });
            let whole = renderer.render(format, &view)?;
            // The report written as it is made, as `render -o FILE` writes it.
            let mut streamed = Vec::new();
            let written = renderer.write_document(format, &view, &mut streamed);
            Ok::<_, threatbook::render::RenderError>((whole, written, streamed))
        });
        let Some(text) = text else { continue };
        let text = match text {
            Ok((whole, written, streamed)) => {
                let same = match written {
                    Ok(true) => streamed == whole.as_bytes(),
                    Ok(false) => streamed.is_empty(),
                    Err(_) => false,
                };
                out.judge(
                    command,
                    if same {
                        Ok(())
                    } else {
                        Err("the report written as it is made is not the one rendered whole".into())
                    },
                );
                Ok(whole)
            }
            Err(e) => Err(e),
        };
        match (format, text) {
            (R::Html, Ok(html)) => out.judge(command, oracle::html(&html)),
            (_, Err(e)) => out.judge(command, Err(format!("render failed: {e}"))),
            _ => {}
        }
    }

    // Exports.
    use threatbook::export::{self, Format as E, Input};
    let input = Input {
        model,
        sources: &project.sources,
        today,
        findings,
    };
    if let Some(json) = out.step("export json", || export::export(E::Json, &input)) {
        out.judge("export json", oracle::json(&json));
    }
    if let Some(sarif) = out.step("export sarif", || export::export(E::Sarif, &input)) {
        out.judge("export sarif", oracle::json(&sarif));
    }
    if let Some(csv) = out.step("export csv", || export::export(E::Csv, &input)) {
        out.judge("export csv", oracle::csv(&csv));
    }
    let otm = out.step("export otm", || export::otm::to_otm(model));
    if let Some(otm) = &otm {
        out.judge("export otm", oracle::json(otm));
    }

    // Attack paths: all sources, and the k shortest to the first target.
    let query = threatbook::paths::Query {
        from: None,
        to: None,
        k: 1,
        today,
    };
    out.step("paths", || {
        threatbook::paths::analyse(model, &query).map(|a| threatbook::paths::text(model, &a))
    });
    if let Some(t) = threatbook::paths::targets(model).first() {
        let query = threatbook::paths::Query {
            from: None,
            to: Some(model.component(*t).id.clone()),
            k: 10,
            today,
        };
        out.step("paths -k", || threatbook::paths::analyse(model, &query));
    }

    // Site and evidence, built in memory.
    let site = out.step("site", || {
        let models = [threatbook::site::SiteModel {
            slug: "model".into(),
            model,
            sources: &project.sources,
            findings,
            svg: diagram::report_svg(model, today),
        }];
        // Each page is judged as it is made and then dropped, as the CLI writes it.
        let judge = SitePages::default();
        threatbook::site::write(&models, &renderer, today, &judge, &|_, _| {})
            .map(|()| judge.verdicts.into_inner().unwrap_or_default())
    });
    if let Some(Ok(verdicts)) = site {
        for verdict in verdicts {
            out.judge("site", verdict);
        }
    }
    out.step("evidence", || threatbook::evidence::artefacts(&input));
    out.step("diff", || {
        threatbook::diff::markdown::render(&threatbook::diff::diff(model, model, today))
    });

    // Export → import → load: the same entities come back.
    if round_trip && let Some(otm) = otm {
        round_trip_otm(out, dir, &otm, model, today);
    }
}

/// Every error of a model that did not load points at a file, and at a line and column
/// where it has a span.
fn located(project: &threatbook::Project) -> oracle::Verdict {
    use threatbook::diag::Location;
    let errors: Vec<_> = project
        .diagnostics
        .iter()
        .filter(|d| d.severity == threatbook::Severity::Error)
        .collect();
    if errors.is_empty() {
        return Err("the model did not load, but no error says why".into());
    }
    for d in errors {
        match &d.location {
            Location::Span(_) => {
                let (file, line, column) = d.position(&project.sources);
                if file.is_empty() || line.unwrap_or(0) == 0 || column.unwrap_or(0) == 0 {
                    return Err(format!("{} has no line and column", d.code.as_str()));
                }
            }
            Location::Path(p) if p.as_os_str().is_empty() => {
                return Err(format!("{} names no file", d.code.as_str()));
            }
            Location::Path(_) => {}
        }
    }
    Ok(())
}

fn round_trip_otm(
    out: &mut Outcome,
    dir: &Path,
    otm: &str,
    model: &threatbook::Model,
    today: Date,
) {
    let Some(parent) = dir.parent() else { return };
    let file = parent.join("round-trip.otm.json");
    let target = parent.join("round-trip");
    let _ = std::fs::remove_dir_all(&target);
    if std::fs::write(&file, otm).is_err() {
        return;
    }
    let options = threatbook::import::Options {
        accept_until: today,
        model_folder: Some(target.clone()),
    };
    let Some(draft) = out.step("round trip import", || {
        threatbook::import::read(&file, threatbook::import::SourceFormat::Otm, &options)
    }) else {
        return;
    };
    let draft = match draft {
        Ok(d) => d,
        Err(e) => {
            out.judge(
                "round trip",
                Err(format!("our own OTM does not import: {e}")),
            );
            return;
        }
    };
    match out.step("round trip write", || {
        threatbook::import::write_model(draft, &target)
    }) {
        Some(Ok(_)) => {}
        Some(Err(e)) => {
            out.judge(
                "round trip",
                Err(format!("the imported model was refused: {e}")),
            );
            return;
        }
        None => return,
    }
    let Some(back) = out.step("round trip load", || threatbook::open(&target)) else {
        return;
    };
    let Some(back) = back.model else {
        out.judge(
            "round trip",
            Err("the round-tripped model does not load".into()),
        );
        return;
    };
    let counts = |m: &threatbook::Model| {
        (
            m.zones.len(),
            m.graph.node_count(),
            m.graph.edge_count(),
            m.assets.len(),
        )
    };
    if counts(model) != counts(&back) {
        out.judge(
            "round trip",
            Err(format!(
                "(zones, components, flows, assets) {:?} came back as {:?}",
                counts(model),
                counts(&back)
            )),
        );
    }
}

/// The generator seed of case `index` of seed number `seed`: every case can be rerun
/// alone.
pub fn case_seed(seed: u64, index: u64) -> u64 {
    let mut rng = Rng::new(seed.wrapping_mul(0x0000_0100_0000_01B3).wrapping_add(index));
    rng.next_u64()
}
