//! Every command as a whole process, against the parse floor, with its peak memory.
//!
//! `cargo bench --bench commands` generates models of 1,000, 10,000 and 20,000
//! components (five flows and two threats per component) and runs each command of the
//! release binary on them, reporting for each its CPU time (user + system) divided by
//! the *parse floor* (the CPU time of reading and parsing the same TOML files alone, in
//! this process) and its peak resident memory, also divided by the size of the model's
//! files. Options:
//!
//! - `--sizes 1000,5000`: other sizes;
//! - `--kb stride`: the same models with `bases = ["stride"]` (knowledge-base instances);
//! - `--runs N`: the median of N runs of each command (default 1);
//! - `--only check,render-md`: some commands only.
//!
//! Peak memory comes from `wait4`'s resource usage of each child. Linux counts in it the
//! high-water mark of the process that forked the child (its pages were the child's
//! until `exec`), so this process stays small: it generates each model and measures
//! the parse floor in children of its own (`--generate`, `--floor`). Linux only.

use std::path::{Path, PathBuf};
use std::process::Command;

use threatbook::synthetic::{self, Size};

/// CPU seconds and peak resident kilobytes of one finished child.
struct Usage {
    cpu: f64,
    max_rss_kb: u64,
}

fn seconds(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// Runs `args` with the binary under test and returns its usage; panics when it fails
/// with an exit code other than 0 or 1 (1 is findings, which generated models have).
fn run(bin: &Path, args: &[&str], cwd: &Path) -> Usage {
    let child = Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .spawn()
        .expect("the binary starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; the pointers are valid.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed for {args:?}");
    let code = libc::WEXITSTATUS(status);
    assert!(
        libc::WIFEXITED(status) && code <= 1,
        "{args:?} failed with status {status}"
    );
    std::mem::forget(child);
    Usage {
        cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        max_rss_kb: usage.ru_maxrss as u64,
    }
}

/// CPU seconds of this process so far.
fn own_cpu() -> f64 {
    // SAFETY: as above.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a rusage.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Reading and parsing every TOML file of the model, and nothing else: CPU seconds.
fn parse_floor(dir: &Path) -> f64 {
    let start = own_cpu();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut tables = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = toml::de::DeTable::parse(&text).unwrap();
        tables += doc.get_ref().len();
    }
    assert!(tables > 0);
    own_cpu() - start
}

fn bytes_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// Runs this bench binary with `args` as a child and returns what it printed.
fn helper(args: &[&str]) -> String {
    let out = Command::new(std::env::current_exe().expect("the bench's own path"))
        .args(args)
        .output()
        .expect("the bench runs itself");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The two jobs done in children, so that this process's memory stays small.
    if args.first().is_some_and(|a| a == "--floor") {
        let dir = PathBuf::from(&args[1]);
        println!("{}", median((0..3).map(|_| parse_floor(&dir)).collect()));
        return;
    }
    if args.first().is_some_and(|a| a == "--generate") {
        let n: usize = args[1].parse().expect("a size");
        let dir = PathBuf::from(&args[2]);
        synthetic::write(&dir, Size::scaled(n)).unwrap();
        if let Some(kb) = args.get(3) {
            let manifest = dir.join("threatbook.toml");
            let mut text = std::fs::read_to_string(&manifest).unwrap();
            text.push_str(&format!("\n[knowledge]\nbases = [\"{kb}\"]\n"));
            std::fs::write(&manifest, text).unwrap();
        }
        return;
    }
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let sizes: Vec<usize> = value("--sizes")
        .unwrap_or_else(|| "1000,10000,20000".into())
        .split(',')
        .map(|s| s.parse().expect("--sizes takes numbers"))
        .collect();
    let kb = value("--kb");
    let runs: usize = value("--runs").map_or(1, |r| r.parse().expect("--runs N"));
    let only: Option<Vec<String>> =
        value("--only").map(|o| o.split(',').map(str::to_string).collect());
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_threatbook"));
    let tmp = tempfile::tempdir().unwrap();
    println!(
        "binary: {}\nknowledge base: {}\n",
        bin.display(),
        kb.as_deref().unwrap_or("none")
    );
    println!("| N | command | CPU s | × parse floor | peak RSS MB | RSS / model files |");
    println!("|---:|---|---:|---:|---:|---:|");
    for n in sizes {
        let dir = tmp.path().join(format!("m{n}"));
        let (size, path) = (n.to_string(), dir.to_str().unwrap().to_string());
        let mut generate = vec!["--generate", &size, &path];
        generate.extend(kb.as_deref());
        helper(&generate);
        let input = bytes_of(&dir) as f64;
        let floor: f64 = helper(&["--floor", &path])
            .trim()
            .parse()
            .expect("the floor in seconds");
        println!(
            "| {n} | parse floor ({:.1} MB of TOML) | {floor:.2} | 1.0 | | |",
            input / 1e6
        );
        let out = tmp.path().join(format!("out{n}"));
        std::fs::create_dir_all(&out).unwrap();
        let d = dir.to_str().unwrap().to_string();
        let o = |name: &str| out.join(name).to_str().unwrap().to_string();
        let (md, html, svg, site, ev, json, otm, imported) = (
            o("r.md"),
            o("r.html"),
            o("d.svg"),
            o("site"),
            o("evidence"),
            o("e.json"),
            o("e.otm.json"),
            o("imported"),
        );
        let commands: Vec<(&str, Vec<&str>)> = vec![
            ("check", vec!["check", &d]),
            ("render-md", vec!["render", &d, "-o", &md]),
            (
                "render-html",
                vec!["render", &d, "--format", "html", "-o", &html],
            ),
            ("diagram-svg", vec!["diagram", &d, "-o", &svg]),
            ("site", vec!["site", &d, "-o", &site]),
            ("evidence", vec!["evidence", &d, "-o", &ev]),
            (
                "export-json",
                vec!["export", &d, "--format", "json", "-o", &json],
            ),
            (
                "export-otm",
                vec!["export", &d, "--format", "otm", "-o", &otm],
            ),
            (
                "import-otm",
                vec!["import", "--from", "otm", &otm, "-o", &imported],
            ),
            ("diff", vec!["diff", &d, &d]),
        ];
        for (name, args) in &commands {
            if only.as_ref().is_some_and(|o| !o.iter().any(|x| x == name)) && *name != "export-otm"
            {
                continue;
            }
            let mut cpu = Vec::new();
            let mut rss = 0;
            for _ in 0..runs {
                // Outputs that refuse to be replaced are removed between runs.
                let _ = std::fs::remove_dir_all(&imported);
                let u = run(&bin, args, tmp.path());
                cpu.push(u.cpu);
                rss = rss.max(u.max_rss_kb);
            }
            let cpu = median(cpu);
            println!(
                "| {n} | {name} | {cpu:.2} | {:.1} | {:.0} | {:.1} |",
                cpu / floor,
                rss as f64 / 1024.0,
                rss as f64 * 1024.0 / input
            );
        }
        let _ = std::fs::remove_dir_all(&out);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
