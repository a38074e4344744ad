//! A fuzz campaign: mutated models and import files through every command, on the stable
//! toolchain, in worker processes so that a crash, a hang or a memory blow-up is caught
//! and named instead of ending the campaign.
//!
//! ```sh
//! cargo run --release --example fuzz -- --minutes 30 --jobs 2
//! cargo run --release --example fuzz -- --replay tests/fixtures/regressions/NAME
//! ```
//!
//! Each failure (a panic, an oracle's complaint, a run over `--max-seconds`, a case over
//! `--max-mb`, a crash) is minimised by removing lines and files while it still fails the
//! same way, and written to `--out` (default `tests/fixtures/regressions/`) as a folder
//! that `cargo test` then runs as a regression case. The harness itself is
//! `tests/fuzz/`, shared with the test suite.

#[path = "../tests/fuzz/mod.rs"]
mod fuzz;

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fuzz::{Case, Failure, Rng};

/// Counts live heap bytes and their peak, and refuses to go past a hard ceiling so that a
/// blow-up ends this worker (reported as a crash) rather than the machine.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static CEILING: AtomicUsize = AtomicUsize::new(usize::MAX);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        if now > CEILING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: the caller's layout is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old {
            let now = LIVE.fetch_add(new_size - old, Ordering::Relaxed) + new_size - old;
            if now > CEILING.load(Ordering::Relaxed) {
                LIVE.fetch_sub(new_size - old, Ordering::Relaxed);
                return std::ptr::null_mut();
            }
            PEAK.fetch_max(now, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(old - new_size, Ordering::Relaxed);
        }
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Clone, Debug)]
struct Args {
    minutes: f64,
    jobs: usize,
    seed: u64,
    out: PathBuf,
    max_seconds: f64,
    max_mb: usize,
    worker: Option<usize>,
    replay: Option<PathBuf>,
    /// `SEED CASE` as a worker reports it: rerun that case.
    case: Option<String>,
    minimise: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        minutes: 1.0,
        jobs: 2,
        seed: 1,
        out: fuzz::root().join("tests/fixtures/regressions"),
        max_seconds: 10.0,
        max_mb: 1024,
        worker: None,
        replay: None,
        case: None,
        minimise: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--minutes" => a.minutes = value()?.parse().map_err(|e| format!("--minutes: {e}"))?,
            "--jobs" => a.jobs = value()?.parse().map_err(|e| format!("--jobs: {e}"))?,
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out" => a.out = PathBuf::from(value()?),
            "--max-seconds" => {
                a.max_seconds = value()?
                    .parse()
                    .map_err(|e| format!("--max-seconds: {e}"))?
            }
            "--max-mb" => a.max_mb = value()?.parse().map_err(|e| format!("--max-mb: {e}"))?,
            "--worker" => a.worker = Some(value()?.parse().map_err(|e| format!("--worker: {e}"))?),
            "--replay" => a.replay = Some(PathBuf::from(value()?)),
            "--case" => a.case = Some(value()?),
            "--no-minimise" => a.minimise = false,
            "-h" | "--help" => {
                println!(
                    "cargo run --release --example fuzz -- [--minutes M] [--jobs N] [--seed S] \
                     [--out DIR] [--max-seconds S] [--max-mb MB] [--no-minimise] \
                     | --replay FOLDER"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fuzz: {e}");
            std::process::exit(2);
        }
    };
    // Panics are caught and reported per case: the default hook would only add noise.
    std::panic::set_hook(Box::new(|_| {}));
    fuzz::mutate::LARGE.store(true, Ordering::Relaxed);
    if let Some(folder) = &args.replay {
        let case = fuzz::case_of_folder(folder);
        std::process::exit(replay(&folder.display().to_string(), &case));
    }
    if let Some(which) = &args.case {
        let seeds = fuzz::seeds();
        let (s, c) = parse_case(which, &seeds);
        let Some((case, steps)) = fuzz::replayed(&seeds, s, c) else {
            eprintln!("fuzz: no seed {s}");
            std::process::exit(2);
        };
        println!("steps: {steps:?}");
        if let Some(out) = std::env::var_os("FUZZ_SAVE") {
            let failure = Failure {
                command: "case",
                kind: "saved",
                message: String::new(),
            };
            println!(
                "saved to {}",
                save(
                    Path::new(&out),
                    &case,
                    &failure,
                    &format!("#{s}"),
                    c,
                    &steps
                )
                .display()
            );
        }
        std::process::exit(replay(which, &case));
    }
    match args.worker {
        Some(j) => worker(&args, j),
        None => campaign(&args),
    }
}

/// `SEED CASE` (or `SEED:CASE`), as a worker's `start` line names a case: the seed's
/// index or its name (`tests/fixtures/valid/diagram-single`), and the case's generator
/// seed.
fn parse_case(what: &str, seeds: &[fuzz::Seed]) -> (usize, u64) {
    let (seed, case) = what.rsplit_once([' ', ':']).unwrap_or((what, "0"));
    let s = seed.parse().ok().unwrap_or_else(|| {
        let name = seed.trim_end_matches('/');
        seeds
            .iter()
            .position(|s| s.name == name || s.name.ends_with(&format!("/{name}")))
            .unwrap_or(usize::MAX)
    });
    (s, case.parse().unwrap_or(0))
}

/// Runs one case and prints what failed, and how long each command took.
fn replay(name: &str, case: &Case) -> i32 {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let start = Instant::now();
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let base = LIVE.load(Ordering::Relaxed);
    let outcome = fuzz::run_case(case, scratch.path());
    println!(
        "{}: {} commands, {:.2} s, peak {} MB, loaded: {}",
        name,
        outcome.commands.len(),
        start.elapsed().as_secs_f64(),
        PEAK.load(Ordering::Relaxed).saturating_sub(base) >> 20,
        outcome.loaded
    );
    for (c, t) in outcome.commands.iter().zip(&outcome.seconds) {
        println!("  {c}: {t:.3} s");
    }
    for f in &outcome.failures {
        println!("  {f}");
    }
    i32::from(!outcome.failures.is_empty())
}

/// What a worker reports for each case, one line each on its standard output.
/// `start SEED CASE` comes before a case runs, so that the parent knows which case a
/// crash or a hang belongs to; `done …` after it.
fn worker(args: &Args, job: usize) {
    CEILING.store(args.max_mb.saturating_mul(4) << 20, Ordering::Relaxed);
    let seeds = fuzz::seeds();
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let deadline = Instant::now() + Duration::from_secs_f64(args.minutes * 60.0);
    let mut pick = Rng::new(args.seed.wrapping_mul(7919).wrapping_add(job as u64));
    let stdout = std::io::stdout();
    // Two cases in three start from a seed that loads as it is, so that most cases get
    // past loading to the other commands; the rest start from any seed.
    let loading: Vec<usize> = (0..seeds.len())
        .filter(|s| fuzz::run_case(&seeds[*s].case, scratch.path()).loaded)
        .collect();
    let mut n: u64 = 0;
    while Instant::now() < deadline {
        let s = match pick.pick(&loading) {
            Some(s) if !pick.chance(3) => *s,
            _ => pick.below(seeds.len()),
        };
        let case_seed = fuzz::case_seed(
            s as u64,
            args.seed << 32 | (n * args.jobs as u64 + job as u64),
        );
        n += 1;
        {
            let mut o = stdout.lock();
            let _ = writeln!(o, "start {s} {case_seed}");
            let _ = o.flush();
        }
        let (case, steps) = fuzz::mutated(&seeds[s], &mut Rng::new(case_seed));
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let start = Instant::now();
        let outcome = fuzz::run_case(&case, scratch.path());
        let seconds = start.elapsed().as_secs_f64();
        let peak_mb = PEAK.load(Ordering::Relaxed).saturating_sub(base) >> 20;
        let mut failures = outcome.failures.clone();
        let slowest = outcome
            .commands
            .iter()
            .zip(&outcome.seconds)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(c, t)| format!("{c} {t:.2} s"))
            .unwrap_or_default();
        if seconds > args.max_seconds {
            failures.push(Failure {
                command: "case",
                kind: "slow",
                message: format!("{seconds:.1} s, slowest {slowest}"),
            });
        }
        if peak_mb > args.max_mb {
            failures.push(Failure {
                command: "case",
                kind: "memory",
                message: format!("{peak_mb} MB"),
            });
        }
        let mut written = Vec::new();
        if let Some(first) = failures.first() {
            if args.minimise && first.kind != "slow" && first.kind != "memory" {
                let small = minimise(&case, first, scratch.path());
                written.push(save(
                    &args.out,
                    &small,
                    first,
                    &seeds[s].name,
                    case_seed,
                    &steps,
                ));
            } else {
                written.push(save(
                    &args.out,
                    &case,
                    first,
                    &seeds[s].name,
                    case_seed,
                    &steps,
                ));
            }
        }
        let record = serde_json::json!({
            "seed": seeds[s].name,
            "case": case_seed,
            "commands": outcome.commands,
            "loaded": outcome.loaded,
            "seconds": seconds,
            "slowest": slowest,
            "peak_mb": peak_mb,
            "failures": failures.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
            "written": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        });
        let mut o = stdout.lock();
        let _ = writeln!(o, "done {record}");
        let _ = o.flush();
    }
}

/// Whether `case` still fails the way `failure` did (same command and kind).
fn still_fails(case: &Case, failure: &Failure, scratch: &Path) -> bool {
    fuzz::run_case(case, scratch)
        .failures
        .iter()
        .any(|f| f.command == failure.command && f.kind == failure.kind)
}

/// Removes files, then runs of lines (halving their length), while the case still fails
/// the same way; at most a few hundred runs.
fn minimise(case: &Case, failure: &Failure, scratch: &Path) -> Case {
    let started = Instant::now();
    let budget = Duration::from_secs(90);
    let mut best = case.clone();
    let within = |started: &Instant| started.elapsed() < budget;
    // Whole files first.
    if let Case::Model(files) = &best {
        let mut files = files.clone();
        let mut i = 0;
        while i < files.len() && within(&started) {
            if files[i].0 == "threatbook.toml" {
                i += 1;
                continue;
            }
            let mut fewer = files.clone();
            fewer.remove(i);
            if still_fails(&Case::Model(fewer.clone()), failure, scratch) {
                files = fewer;
            } else {
                i += 1;
            }
        }
        best = Case::Model(files);
    }
    // Then lines of each file.
    let file_count = match &best {
        Case::Model(files) => files.len(),
        Case::Import { .. } => 1,
    };
    for f in 0..file_count {
        let text = |c: &Case| -> Vec<u8> {
            match c {
                Case::Model(files) => files[f].1.clone(),
                Case::Import { bytes, .. } => bytes.clone(),
            }
        };
        let with = |c: &Case, bytes: Vec<u8>| -> Case {
            match c {
                Case::Model(files) => {
                    let mut files = files.clone();
                    files[f].1 = bytes;
                    Case::Model(files)
                }
                Case::Import { format, .. } => Case::Import {
                    format: *format,
                    bytes,
                },
            }
        };
        let bytes = text(&best);
        let mut lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
        let mut chunk = lines.len().div_ceil(2).max(1);
        while chunk >= 1 && within(&started) {
            let mut start = 0;
            while start < lines.len() && within(&started) {
                let end = (start + chunk).min(lines.len());
                let candidate: Vec<u8> = lines[..start]
                    .iter()
                    .chain(lines[end..].iter())
                    .flat_map(|l| l.iter().copied())
                    .collect();
                let c = with(&best, candidate);
                if still_fails(&c, failure, scratch) {
                    lines.drain(start..end);
                    best = c;
                } else {
                    start = end;
                }
            }
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    best
}

/// Writes a failing case as a regression folder named after what failed.
fn save(
    out: &Path,
    case: &Case,
    failure: &Failure,
    seed: &str,
    case_seed: u64,
    steps: &[String],
) -> PathBuf {
    let slug: String = format!("{}-{}", failure.command, failure.kind)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let dir = out.join(format!("{slug}-{case_seed:016x}"));
    let files: fuzz::Files = match case {
        Case::Model(files) => files.clone(),
        Case::Import { format, bytes } => vec![(format.file_name().to_string(), bytes.clone())],
    };
    let _ = fuzz::write_folder(&dir, &files);
    let note = format!(
        "# {}\n\nFound by the fuzz campaign from seed `{seed}`, case {case_seed}, after:\n\n{}\n\n\
         The case is minimised; `cargo run --release --example fuzz -- --replay {}` reruns it.\n",
        failure,
        steps
            .iter()
            .map(|s| format!("- {s}"))
            .collect::<Vec<_>>()
            .join("\n"),
        dir.strip_prefix(fuzz::root()).unwrap_or(&dir).display()
    );
    let _ = std::fs::write(dir.join(fuzz::FOUND), note);
    dir
}

/// Per command: cases run, failures of each kind.
#[derive(Default)]
struct Tally {
    cases: usize,
    failures: BTreeMap<String, usize>,
}

/// Starts the workers, restarts any that crash or hang, and prints the tally.
fn campaign(args: &Args) {
    let exe = std::env::current_exe().expect("this program's path");
    let deadline = Instant::now() + Duration::from_secs_f64(args.minutes * 60.0);
    let hang = Duration::from_secs_f64((args.max_seconds * 6.0).max(60.0));
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Option<String>)>();
    let mut children = Vec::new();
    let spawn = |j: usize,
                 seed: u64,
                 minutes: f64,
                 tx: std::sync::mpsc::Sender<(usize, Option<String>)>| {
        let mut child = std::process::Command::new(&exe)
            .args(["--worker", &j.to_string()])
            .args(["--minutes", &format!("{minutes}")])
            .args(["--jobs", &args.jobs.to_string()])
            .args(["--seed", &seed.to_string()])
            .args(["--out", &args.out.display().to_string()])
            .args(["--max-seconds", &args.max_seconds.to_string()])
            .args(["--max-mb", &args.max_mb.to_string()])
            .args(if args.minimise {
                vec![]
            } else {
                vec!["--no-minimise"]
            })
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("a worker starts");
        let stdout = child.stdout.take().expect("piped");
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send((j, Some(line)));
            }
            let _ = tx.send((j, None));
        });
        child
    };
    for j in 0..args.jobs {
        children.push(Some(spawn(
            j,
            args.seed + j as u64 * 1_000_003,
            args.minutes,
            tx.clone(),
        )));
    }
    let seeds = fuzz::seeds();
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let mut current: Vec<Option<(String, Instant)>> = vec![None; args.jobs];
    let mut total = 0usize;
    let mut over_time = 0usize;
    let mut over_memory = 0usize;
    let mut max_seconds = 0f64;
    let mut max_mb = 0usize;
    let mut failing: Vec<String> = Vec::new();
    let mut restarts = 0usize;
    let mut live = args.jobs;
    let mut last_print = Instant::now();
    while live > 0 {
        let message = rx.recv_timeout(Duration::from_secs(1));
        // A case running longer than `hang` is a hang: end the worker.
        for (j, c) in current.iter_mut().enumerate() {
            if let Some((what, since)) = c
                && since.elapsed() > hang
            {
                if let Some(child) = children[j].as_mut() {
                    let _ = child.kill();
                }
                let (s, case_seed) = parse_case(what, &seeds);
                let failure = Failure {
                    command: "case",
                    kind: "hang",
                    message: format!("over {} s", hang.as_secs()),
                };
                let saved = fuzz::replayed(&seeds, s, case_seed).map(|(case, steps)| {
                    save(
                        &args.out,
                        &case,
                        &failure,
                        &seeds[s].name,
                        case_seed,
                        &steps,
                    )
                });
                failing.push(format!("{failure} in case {what} [{saved:?}]"));
                *tally
                    .entry("case".into())
                    .or_default()
                    .failures
                    .entry("hang".into())
                    .or_default() += 1;
                over_time += 1;
                *c = None;
            }
        }
        let Ok((j, line)) = message else { continue };
        match line {
            Some(line) if line.starts_with("start ") => {
                current[j] = Some((line[6..].to_string(), Instant::now()));
            }
            Some(line) if line.starts_with("done ") => {
                current[j] = None;
                let Ok(v) = serde_json::from_str::<serde_json::Value>(&line[5..]) else {
                    continue;
                };
                total += 1;
                let seconds = v["seconds"].as_f64().unwrap_or(0.0);
                let mb = v["peak_mb"].as_u64().unwrap_or(0) as usize;
                max_seconds = max_seconds.max(seconds);
                max_mb = max_mb.max(mb);
                over_time += usize::from(seconds > args.max_seconds);
                over_memory += usize::from(mb > args.max_mb);
                for c in v["commands"].as_array().into_iter().flatten() {
                    tally
                        .entry(c.as_str().unwrap_or("?").to_string())
                        .or_default()
                        .cases += 1;
                }
                for f in v["failures"].as_array().into_iter().flatten() {
                    let f = f.as_str().unwrap_or("?").to_string();
                    let mut words = f.splitn(3, ' ');
                    let (cmd, kind) = (words.next().unwrap_or("?"), words.next().unwrap_or("?"));
                    *tally
                        .entry(cmd.to_string())
                        .or_default()
                        .failures
                        .entry(kind.trim_end_matches(':').to_string())
                        .or_default() += 1;
                    failing.push(format!("{f} [{}]", v["written"]));
                }
            }
            Some(_) => {}
            None => {
                // The worker ended: at its deadline, or by a crash mid-case.
                let status = children[j].take().and_then(|mut c| c.wait().ok());
                if let Some((what, _)) = current[j].take() {
                    let (s, case_seed) = parse_case(&what, &seeds);
                    let failure = Failure {
                        command: "case",
                        kind: "crash",
                        message: format!("worker ended with {status:?}"),
                    };
                    if let Some(seed) = seeds.get(s) {
                        let (case, steps) = fuzz::mutated(seed, &mut Rng::new(case_seed));
                        let dir = save(&args.out, &case, &failure, &seed.name, case_seed, &steps);
                        failing.push(format!("{failure} [{}]", dir.display()));
                    }
                    *tally
                        .entry("case".into())
                        .or_default()
                        .failures
                        .entry("crash".into())
                        .or_default() += 1;
                }
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .as_secs_f64()
                    / 60.0;
                if left > 0.05 {
                    restarts += 1;
                    let seed = args.seed + (j + args.jobs * restarts) as u64 * 1_000_003;
                    children[j] = Some(spawn(j, seed, left, tx.clone()));
                } else {
                    live -= 1;
                }
            }
        }
        if last_print.elapsed() > Duration::from_secs(60) {
            eprintln!("fuzz: {total} cases, {} failures", failing.len());
            last_print = Instant::now();
        }
    }
    println!(
        "{total} cases in {:.1} minutes with {} jobs; {} failures; {over_time} over {} s; \
         {over_memory} over {} MB; slowest case {max_seconds:.2} s; largest peak {max_mb} MB; \
         {restarts} worker restarts",
        args.minutes,
        args.jobs,
        failing.len(),
        args.max_seconds,
        args.max_mb
    );
    println!("\n| command | cases | panics | oracle failures |\n|---|---:|---:|---:|");
    for (cmd, t) in &tally {
        println!(
            "| {cmd} | {} | {} | {} |",
            t.cases,
            t.failures.get("panic").copied().unwrap_or(0),
            t.failures.get("oracle").copied().unwrap_or(0)
        );
    }
    for f in &failing {
        println!("- {f}");
    }
    if !failing.is_empty() {
        std::process::exit(1);
    }
}
