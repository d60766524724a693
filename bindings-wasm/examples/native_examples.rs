//! Runs a bundled pack's examples with the native Rust runner and prints, as JSON, each case
//! (records, options, expected findings) with the findings it got: the reference the JS
//! conformance test checks the WASM build against. (The WASM build carries no examples: the
//! browser does not need them.)
//!
//! `cargo run -p kakunin-wasm --example native_examples -- hersys > dist/native/hersys.json`

use std::io::Write;
use std::process::ExitCode;

use kakunin::examples::{cases, run_case};
use serde_json::{Value, json};

/// Each case with `passed`, `problems` and `actual` (`[{record, finding}]`, the findings of its
/// rule); a case that could not be built is `{id, error}`.
fn run_examples(pack: &str) -> kakunin::Result<Vec<Value>> {
    let rules = kakunin_rules::bundled(pack)?;
    Ok(cases(&rules)
        .into_iter()
        .map(|c| match c {
            Ok(case) => {
                let result = run_case(&rules, case);
                let mut v = serde_json::to_value(&result.case).unwrap_or(Value::Null);
                let actual: Vec<Value> = result
                    .actual
                    .iter()
                    .map(|(record, finding)| json!({"record": record, "finding": finding}))
                    .collect();
                if let Value::Object(map) = &mut v {
                    map.insert("passed".into(), json!(result.problems.is_empty()));
                    map.insert("problems".into(), json!(result.problems));
                    map.insert("actual".into(), Value::Array(actual));
                }
                v
            }
            Err((id, error)) => json!({"id": id, "error": error}),
        })
        .collect())
}

fn main() -> ExitCode {
    let pack = std::env::args().nth(1).unwrap_or_else(|| "hersys".into());
    let results = match run_examples(&pack) {
        Ok(results) => Value::Array(results),
        Err(e) => {
            eprintln!("{}: {e}", e.kind());
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{results}") {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
