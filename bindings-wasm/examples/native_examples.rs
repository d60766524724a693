//! Runs a bundled pack's examples with the native Rust runner and prints each case with the
//! findings it got, as JSON: the reference the JS conformance test compares the WASM build with.
//!
//! `cargo run -p kakunin-wasm --example native_examples -- hersys > dist/native/hersys.json`

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let pack = std::env::args().nth(1).unwrap_or_else(|| "hersys".into());
    let rules = match kakunin_wasm::api::Rules::bundled(&pack) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}: {}", e.kind, e.message);
            return ExitCode::from(2);
        }
    };
    let results = serde_json::Value::Array(rules.run_examples());
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{results}") {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
