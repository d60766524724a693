//! Runs a pack folder's examples and lint without rebuilding anything: the rule author's loop.
//!
//! `cargo run -p kakunin --example pack_test -- rules/hersys [ID-PREFIX]`

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: pack_test PACK-DIR [ID-PREFIX]");
        return ExitCode::from(2);
    };
    let filter = args.next();
    let rules = match kakunin::RuleSet::from_dir(std::path::Path::new(&dir)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pack does not compile: {e}");
            return ExitCode::from(2);
        }
    };
    let results = kakunin::examples::run_all(&rules, filter.as_deref());
    let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
    for r in &failed {
        eprintln!("FAIL {}\n  {}", r.case.id, r.problems.join("\n  "));
    }
    let lint: Vec<_> = kakunin::lint::lint(&rules)
        .into_iter()
        .filter(|p| {
            filter
                .as_deref()
                .is_none_or(|f| p.subject.starts_with(f) || p.subject.starts_with("examples/"))
        })
        .collect();
    for p in &lint {
        eprintln!("LINT {}: {}", p.subject, p.message);
    }
    eprintln!(
        "{} passed, {} failed; {} lint problems",
        results.len() - failed.len(),
        failed.len(),
        lint.len()
    );
    if failed.is_empty() && lint.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
