//! Records per second of the generator, next to the cost of merely cloning the same records
//! (the floor for anything that hands out owned `serde_json::Value`s):
//! `cargo run --release -p kakunin-sample --example throughput [COUNT]`.
//! A measurement to run by hand, not a timed test.

use kakunin_sample::{Config, generate};
use std::time::Instant;

fn main() {
    let count = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let config = Config {
        seed: 1,
        count,
        ..Config::default()
    };
    let start = Instant::now();
    let mut faulty = 0usize;
    for sample in generate(&config) {
        faulty += usize::from(!sample.mistakes.is_empty());
        std::hint::black_box(&sample.record);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "generate: {count} records ({faulty} with a mistake) in {secs:.2} s: {:.0} records/s",
        count as f64 / secs
    );

    let kept: Vec<_> = generate(&Config {
        count: count.min(10_000),
        ..config
    })
    .map(|s| s.record)
    .collect();
    let rounds = count.div_ceil(kept.len().max(1));
    let start = Instant::now();
    for _ in 0..rounds {
        for r in &kept {
            std::hint::black_box(r.clone());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "clone of the same records (allocation floor): {:.0} records/s",
        (rounds * kept.len()) as f64 / secs
    );
}
