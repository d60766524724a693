//! `kakunin rules list`: every rule, or those in force on a day for a prefecture.

use std::process::{Command, Output};

use serde_json::Value;

fn kakunin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kakunin"))
        .args(args)
        .output()
        .expect("kakunin runs")
}

/// The ids `rules list --format json` gives with these extra arguments.
fn listed(extra: &[&str]) -> Vec<String> {
    let out = kakunin(&[&["rules", "list", "--format", "json"], extra].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).expect("a JSON array");
    list.iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

const EARLY: &str = "scope/not-notifiable";

#[test]
fn rules_in_force_follow_the_day_and_the_prefecture() {
    let all = listed(&[]);
    assert!(all.iter().any(|id| id == EARLY) && all.len() > 80);
    // Miyagi (04) narrowed notification from 2022-09-02, Tokyo (13) with the nation on 09-26.
    let miyagi = listed(&["--as-of", "2022-09-10", "--prefecture", "04"]);
    let tokyo = listed(&["--as-of", "2022-09-10", "--prefecture", "13"]);
    assert!(miyagi.iter().any(|id| id == EARLY));
    assert!(!tokyo.iter().any(|id| id == EARLY));
    assert_eq!(
        listed(&["--as-of", "2022-09-10"]),
        tokyo,
        "no prefecture: national periods"
    );
    assert!(listed(&["--as-of", "2022-09-26", "--prefecture", "13"]).contains(&EARLY.to_owned()));
    // A rule with an end is left out after it: onset dates were required until 2022-06-29.
    let onset = "required/onset".to_owned();
    assert!(listed(&["--as-of", "2022-06-29"]).contains(&onset));
    let later = listed(&["--as-of", "2022-06-30"]);
    assert!(!later.contains(&onset) && later.iter().all(|id| all.contains(id)));
}

#[test]
fn text_output_says_what_was_listed() {
    let out = kakunin(&[
        "rules",
        "list",
        "--as-of",
        "2022-09-10",
        "--prefecture",
        "04",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.starts_with(EARLY)), "{text}");
    let last = text.lines().last().expect("a summary line");
    let n = listed(&["--as-of", "2022-09-10", "--prefecture", "04"]).len();
    let total = listed(&[]).len();
    let expected = format!("{n} of {total} rules in force on 2022-09-10 for prefecture 04");
    assert!(
        last.starts_with(&format!("{expected} in pack hersys ")),
        "{last}"
    );
    assert_eq!(text.lines().count(), n + 1);
}

#[test]
fn a_bad_day_or_prefecture_stops_the_run() {
    for (args, says) in [
        (
            &["--as-of", "2022-02-30"][..],
            "`2022-02-30` is not a YYYY-MM-DD date",
        ),
        (
            &["--as-of", "2022-09-10", "--prefecture", "48"],
            "`48` is not a prefecture code",
        ),
        (
            &["--as-of", "2022-09-10", "--prefecture", "4"],
            "`4` is not a prefecture code",
        ),
        (&["--prefecture", "04"], "needs as_of"),
    ] {
        let out = kakunin(&[&["rules", "list"], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
