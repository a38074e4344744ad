//! Timing shared by the benchmarks: the median wall-clock time of repeated runs.

use std::time::{Duration, Instant};

/// The median time of `runs` calls of `f`, after one warm-up call. What `f` returns is
/// dropped after the clock stops: the CLI does not free what it made before exiting
/// either.
pub fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    drop(f());
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let result = f();
            let elapsed = start.elapsed();
            drop(std::hint::black_box(result));
            elapsed
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// How many runs of which model sizes a benchmark makes: `-- --quick` runs the target
/// size (10,000 components) only, three times; otherwise every size in `sizes`, `runs`
/// times each.
#[allow(dead_code)] // every benchmark includes this module; not all of them have sizes
pub fn plan(runs: usize, sizes: &[usize]) -> (usize, Vec<usize>) {
    if std::env::args().any(|a| a == "--quick") {
        (3, vec![10_000])
    } else {
        (runs, sizes.to_vec())
    }
}
