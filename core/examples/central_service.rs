//! kakunin on a write path, as the central system embeds it: the pack compiled once and shared
//! by worker threads, each record checked at stage `submit` and written only when no `error`
//! rule fires, the answer returned as JSON; and a nightly re-check of a file, rules across
//! records included.
//!
//! ```sh
//! cargo run -p kakunin --example central_service < data/sample/hersys-sample.jsonl
//! cargo run -p kakunin --example central_service -- --batch data/sample/hersys-sample.jsonl
//! ```
//!
//! A service depending on `kakunin-rules` takes the bundled pack with
//! `kakunin_rules::bundled("hersys")` (an `Arc<RuleSet>`); this example reads the same pack's
//! folder, so that it builds with `kakunin` alone.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};

use kakunin::batch::{self, Outcome};
use kakunin::{CheckOptions, Error, Plan, RuleSet, input};
use serde_json::{Value, json};

const WORKERS: usize = 2;

/// The answer to one request: the record is written, refused with its findings, or not judged.
fn respond(rules: &RuleSet, plan: &Plan, body: &str) -> Value {
    let record: Value = match serde_json::from_str(body) {
        Ok(record) => record,
        // serde_json's message gives a position, never the text.
        Err(e) => return json!({"status": "bad-request", "error": e.to_string()}),
    };
    match rules.check_with_plan(&record, plan) {
        Ok(report) if report.ok => json!({"status": "written", "report": report}),
        Ok(report) => json!({"status": "refused", "report": report}),
        // A rule could not judge the record: it is not written either.
        Err(error) => {
            json!({"status": "not-judged", "error": {"kind": error.kind(), "message": error.to_string()}})
        }
    }
}

fn serve(rules: Arc<RuleSet>, plan: Arc<Plan>) {
    let (requests, queue) = mpsc::channel::<(usize, String)>();
    let queue = Arc::new(Mutex::new(queue));
    let (answers, answered) = mpsc::channel::<Value>();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (rules, plan, queue, answers) =
                (rules.clone(), plan.clone(), queue.clone(), answers.clone());
            std::thread::spawn(move || {
                loop {
                    // The queue is locked only to take a request, not while it is checked.
                    let next = queue.lock().ok().and_then(|q| q.recv().ok());
                    let Some((line, body)) = next else { break };
                    let mut answer = respond(&rules, &plan, &body);
                    answer["line"] = json!(line);
                    if answers.send(answer).is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
    drop(answers);
    let reader = std::thread::spawn(move || {
        for (index, body) in std::io::stdin()
            .lock()
            .lines()
            .map_while(Result::ok)
            .enumerate()
        {
            if requests.send((index + 1, body)).is_err() {
                break;
            }
        }
    });
    let mut out = std::io::stdout().lock();
    for answer in answered {
        if writeln!(out, "{answer}").is_err() {
            break;
        }
    }
    reader.join().ok();
    workers
        .into_iter()
        .for_each(|w| w.join().unwrap_or_default());
}

/// The nightly re-check: the source opens the file once per read the rules across records need.
fn recheck(rules: &RuleSet, plan: &Plan, path: &Path) -> Result<(), Error> {
    // CSV columns are placed by the pack's mapping; JSON needs none.
    let mapping = rules.csv_mapping()?;
    // Its name and first bytes tell the format, once.
    let format = input::Format::of_file(path, None)?;
    let open = || -> Result<_, Error> {
        let file = input::open_file(path)?;
        Ok(input::read(file, format, mapping.as_ref()).into_items())
    };
    let (mut written, mut refused, mut not_judged) = (0, 0, 0);
    batch::check_stream(rules, plan, open, |outcome| match outcome {
        Outcome::Checked { report, .. } if report.ok => written += 1,
        Outcome::Checked { .. } => refused += 1,
        Outcome::Unreadable { line, message, .. } => {
            not_judged += 1;
            eprintln!("line {line}: {message}");
        }
        Outcome::Failed { line, error, .. } => {
            not_judged += 1;
            eprintln!("line {line}: {error}");
        }
    })?;
    println!(
        "{}",
        json!({"may_be_written": written, "refused": refused, "not_judged": not_judged})
    );
    Ok(())
}

fn main() -> Result<(), Error> {
    let pack = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/hersys");
    let rules = Arc::new(RuleSet::from_dir(&pack)?);
    // The audit log names the rules every answer was judged by (each report carries them too).
    let info = rules.info();
    eprintln!(
        "judging with {} {} ({})",
        info.name, info.version, info.hash
    );
    // Stage `submit`, every tier, Japanese messages, personal values hidden: the defaults.
    let plan = Arc::new(rules.plan(&CheckOptions::default())?);
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, file] if flag == "--batch" => recheck(&rules, &plan, Path::new(file)),
        _ => {
            serve(rules, plan);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_with_an_error_is_refused_and_garbage_is_a_bad_request() {
        let pack = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/hersys");
        let rules = RuleSet::from_dir(&pack).expect("the pack compiles");
        let plan = rules
            .plan(
                &CheckOptions::default()
                    .with_as_of("2024-06-01")
                    .expect("a date"),
            )
            .expect("a plan");
        let refused = respond(&rules, &plan, r#"{"id": "r1"}"#);
        assert_eq!(refused["status"], "refused");
        assert_eq!(refused["report"]["pack"]["name"], "hersys");
        assert!(refused["report"]["counts"]["error"].as_u64() > Some(0));
        let garbage = respond(&rules, &plan, r#"{"id": "#);
        assert_eq!(garbage["status"], "bad-request");
    }
}
