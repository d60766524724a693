//! The bundled packs pass their own examples and lint clean, in Rust.

use kakunin::examples::run_all;
use kakunin::lint::lint;

fn check_pack(name: &str) {
    let rules = kakunin_rules::bundled(name)
        .unwrap_or_else(|e| panic!("pack {name} does not compile: {e}"));
    let results = run_all(&rules, None);
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| format!("{}: {}", r.case.id, r.problems.join("; ")))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} examples fail:\n{}",
        failed.len(),
        results.len(),
        failed.join("\n")
    );
    let problems = lint(&rules);
    assert!(
        problems.is_empty(),
        "lint:\n{}",
        problems
            .iter()
            .map(|p| format!("{}: {}", p.subject, p.message))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn hersys_examples_pass_and_lint_is_clean() {
    check_pack("hersys");
}

#[test]
fn opendata_examples_pass_and_lint_is_clean() {
    check_pack("opendata");
}
