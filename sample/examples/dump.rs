//! Writes generated records as JSON Lines: `cargo run -p kakunin-sample --example dump -- SEED COUNT [ERROR_RATE]`.

use kakunin_sample::{Config, generate};
use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let config = Config {
        seed: arg(0).and_then(|s| s.parse().ok()).unwrap_or(1),
        count: arg(1).and_then(|s| s.parse().ok()).unwrap_or(10),
        error_rate: arg(2).and_then(|s| s.parse().ok()).unwrap_or(0.3),
        ..Config::default()
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    for sample in generate(&config) {
        let line = serde_json::json!({"kind": sample.kind, "mistakes": sample.mistakes, "record": sample.record});
        writeln!(out, "{line}")?;
    }
    out.flush()
}
