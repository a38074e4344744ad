//! The fuzz harness inside `cargo test`: a fixed set of small mutated cases, and every
//! regression folder it (or a person) has written under `tests/fixtures/regressions/`.

use crate::fuzz::{self, Case, Rng};
use crate::support::root;

/// A few cases per seed, each seed with its own generator, so a failure names a seed and
/// an index that reproduce it (`cargo run --example fuzz -- --replay SEED:INDEX`).
#[test]
fn mutated_fixtures_and_imports_never_panic_and_give_well_formed_outputs() {
    let seeds = fuzz::seeds();
    assert!(seeds.len() > 40, "only {} seeds", seeds.len());
    let scratch = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut cases = 0;
    for (s, seed) in seeds.iter().enumerate() {
        for i in 0..3u64 {
            let mut rng = Rng::new(fuzz::case_seed(s as u64, i));
            let (case, steps) = fuzz::mutated(seed, &mut rng);
            let outcome = fuzz::run_case(&case, scratch.path());
            cases += 1;
            for f in outcome.failures {
                failures.push(format!(
                    "{} case {i} ({}): {f}",
                    seed.name,
                    steps.join("; ")
                ));
            }
        }
    }
    assert!(cases > 100);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_seed_runs_clean_before_mutation() {
    let scratch = tempfile::tempdir().unwrap();
    let mut loaded = 0;
    for seed in fuzz::seeds() {
        let outcome = fuzz::run_case(&seed.case, scratch.path());
        assert!(
            outcome.failures.is_empty(),
            "{}: {:?}",
            seed.name,
            outcome.failures
        );
        loaded += usize::from(outcome.loaded);
    }
    assert!(loaded > 20, "only {loaded} seeds loaded");
}

#[test]
fn every_regression_case_runs_clean() {
    let dir = root().join("tests/fixtures/regressions");
    let scratch = tempfile::tempdir().unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        let case = fuzz::case_of_folder(&path);
        let outcome = fuzz::run_case(&case, scratch.path());
        assert!(
            outcome.failures.is_empty(),
            "{}: {:?}",
            path.display(),
            outcome.failures
        );
        if let Case::Model(_) = case {
            assert!(outcome.commands.contains(&"load"), "{}", path.display());
        }
        n += 1;
    }
    assert!(n >= 5, "only {n} regression cases");
}

#[test]
fn references_to_flows_after_a_dropped_flow_name_the_flow_they_name() {
    // A flow dropped for a missing endpoint used to shift every later flow's index:
    // `pattern@f1` crashed, and a mark on `f1` was judged against `f2`.
    let dir = root().join("tests/fixtures/regressions/pattern-at-flow-after-a-dropped-flow");
    let project = threatbook::open(&dir);
    assert!(project.model.is_none(), "the dropped flow is an error");
    let found: Vec<(&str, &str)> = project
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        found.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        ["unknown-flow-endpoint"],
        "{found:?}"
    );
    assert!(found.iter().all(|(_, m)| !m.contains("f2")), "{found:?}");
}

#[test]
fn threats_whose_targets_all_fail_to_resolve_are_reported_not_a_crash() {
    for (case, code) in [
        ("threat-whose-only-target-is-a-typo", "dangling-reference"),
        ("threat-whose-only-target-is-a-zone", "dangling-reference"),
        (
            "threat-whose-only-target-could-not-be-read",
            "invalid-value",
        ),
        (
            "threat-on-a-flow-dropped-for-a-missing-endpoint",
            "unknown-flow-endpoint",
        ),
    ] {
        let project = threatbook::open(&root().join("tests/fixtures/regressions").join(case));
        assert!(project.model.is_none(), "{case}");
        let codes: Vec<&str> = project
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert!(codes.contains(&code), "{case}: {codes:?}");
    }
}
