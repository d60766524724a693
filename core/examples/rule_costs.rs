//! What each rule of a pack costs per record, most expensive first: where to look when `check`
//! is slow. Each rule is timed alone (a plan that selects only it) over generated records that
//! are parsed once, before the clock.
//!
//! `cargo run --release -p kakunin --example rule_costs -- rules/hersys [RECORDS [ID-PREFIX]]`

use std::process::ExitCode;
use std::time::Instant;

use kakunin::{CheckOptions, RuleSet};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: rule_costs PACK-DIR [RECORDS [ID-PREFIX]]");
        return ExitCode::from(2);
    };
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(5000);
    let prefix = args.next().unwrap_or_default();
    let rules = match RuleSet::from_dir(std::path::Path::new(&dir)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pack does not compile: {e}");
            return ExitCode::from(2);
        }
    };
    let config = kakunin_sample::Config {
        seed: 7,
        count,
        ..kakunin_sample::Config::default()
    };
    let records: Vec<_> = kakunin_sample::generate(&config)
        .map(|s| s.record)
        .collect();
    let base = CheckOptions::default()
        .with_as_of("2024-06-01")
        .expect("a valid date");

    // Nanoseconds per record for a plan; the best of three passes, to step over noise.
    let time = |options: &CheckOptions| -> f64 {
        let plan = rules
            .plan(options)
            .expect("the options name rules of the pack");
        (0..3)
            .map(|_| {
                let start = Instant::now();
                for record in &records {
                    std::hint::black_box(rules.check_with_plan(record, &plan).expect("checked"));
                }
                start.elapsed().as_nanos() as f64 / records.len() as f64
            })
            .fold(f64::INFINITY, f64::min)
    };

    let whole = time(&base);
    let mut costs: Vec<(f64, &str)> = rules
        .rules()
        .iter()
        .filter(|rule| !rule.cross && rule.id.starts_with(&prefix))
        .map(|rule| {
            let options = CheckOptions {
                select: vec![rule.id.clone()],
                ..base.clone()
            };
            (time(&options), rule.id.as_str())
        })
        .collect();
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let sum: f64 = costs.iter().map(|c| c.0).sum();
    println!("whole pack: {whole:.0} ns per record; rules alone, summed: {sum:.0} ns");
    for (ns, id) in costs {
        println!("{ns:>9.0} ns  {:>5.1} %  {id}", 100.0 * ns / sum);
    }
    ExitCode::SUCCESS
}
