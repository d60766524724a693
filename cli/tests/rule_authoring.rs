//! A rule author's mistakes in a copy of the hersys pack, as `kakunin rules test|lint` and
//! `check` report them: the file, the rule and what is wrong, and exit status 2 for a pack that
//! cannot be used.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kakunin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kakunin"))
        .args(args)
        .output()
        .expect("kakunin runs")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// A copy of the bundled hersys pack (and the shared table beside it) in a folder of its own;
/// returns the pack folder.
fn pack_copy(name: &str) -> PathBuf {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let root =
        std::env::temp_dir().join(format!("kakunin-authoring-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(&rules.join("hersys"), &root.join("hersys"));
    copy_dir(&rules.join("common"), &root.join("common"));
    root.join("hersys")
}

fn write(pack: &Path, file: &str, text: &str) {
    let path = pack.join(file);
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Removes a pack copy (left in place when its test fails, to look at).
fn remove(pack: &Path) {
    let _ = std::fs::remove_dir_all(pack.parent().expect("the copy's folder"));
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A rule of the author's own: a test's result date before its sampling date.
const RESULT_BEFORE_SAMPLING: &str = r#"
id = "lab/result-before-sampling"
severity = "error"
tiers = ["pref"]
title = { ja = "結果判明日が検体採取日より前", en = "Result date before sampling date" }
message = { ja = "{later_field:label}（{later}）が{earlier_field:label}（{earlier}）より前です。", en = "{later_field:label} ({later}) is before {earlier_field:label} ({earlier})." }
doc = { ja = "結果判明日は検体採取日以降。", en = "A result comes after its sample.", source = "practical" }

[[check]]
kind = "date-order"
earlier = ["/tests/*/sampled_on"]
later = ["/tests/*/resulted_on"]

[[examples]]
name = "result-the-day-before"
set = { "/tests/0/resulted_on" = "2021-08-07" }
expect = [{ path = "/tests/0/resulted_on", ctx = { earlier = "2021-08-08", later = "2021-08-06" } }]

[[examples]]
name = "next-day"
expect = []
"#;

#[test]
fn a_wrong_expectation_shows_what_was_expected_and_what_came() {
    let pack = pack_copy("expectation");
    write(
        &pack,
        "lab/result-before-sampling.toml",
        RESULT_BEFORE_SAMPLING,
    );
    let dir = pack.to_str().expect("utf-8");
    let out = kakunin(&["rules", "test", "lab", "--pack", dir]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL lab/result-before-sampling::result-the-day-before\n")
            && stdout.contains(
                "the finding at /tests/0/resulted_on differs: ctx.later: expected \"2021-08-06\", got \"2021-08-07\""
            ),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 passed, 1 failed\n"), "{stdout}");
    remove(&pack);
}

#[test]
fn a_script_that_never_ends_fails_its_rule_once() {
    let pack = pack_copy("endless");
    write(
        &pack,
        "lab/result-before-sampling.toml",
        &RESULT_BEFORE_SAMPLING.replace("2021-08-06", "2021-08-07"),
    );
    write(
        &pack,
        "lab/endless.toml",
        r#"
id = "lab/endless"
severity = "info"
tiers = ["pref"]
title = { ja = "終わらない", en = "Endless" }
message = { ja = "{field}", en = "{field}" }
doc = { ja = "説明", en = "Doc", source = "test" }

[[check]]
kind = "script"
script = "endless.rhai"
reads = ["/tests"]
"#,
    );
    write(
        &pack,
        "lab/endless.rhai",
        "let i = 0;\nwhile true { i += 1; }\n[]\n",
    );
    let dir = pack.to_str().expect("utf-8");
    let out = kakunin(&["rules", "test", "lab/result", "--pack", dir]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        !stdout.contains("FAIL lab/result-before-sampling"),
        "the other rule is judged without the broken script: {stdout}"
    );
    assert!(
        stdout.contains("FAIL lab/endless\n     the rule's script was stopped at line 2:"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("2 passed, 0 failed, 1 script failed on other rules' examples\n"),
        "{stdout}"
    );
    remove(&pack);
}

#[test]
fn a_pack_copied_without_its_shared_table_says_which_table_and_file() {
    let pack = pack_copy("alone");
    std::fs::remove_dir_all(pack.parent().expect("a folder").join("common")).expect("rm");
    let out = kakunin(&["rules", "test", "--pack", pack.to_str().expect("utf-8")]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "an unusable pack: {stderr}");
    assert!(
        stderr.contains(
            "pack.toml: [tables.municipalities] names the file `../common/municipalities.csv`, which cannot be read at "
        ) && stderr.contains("a copy of a pack needs the table files it names too"),
        "{stderr}"
    );
    remove(&pack);
}

#[test]
fn a_filter_that_names_no_rule_stops_instead_of_passing() {
    // Said in the run's language, Japanese by default; so is an unknown rule to explain.
    for (args, said) in [
        (
            &["rules", "test", "dates/late-reprot", "--locale", "en"][..],
            "no rule id in pack hersys starts with `dates/late-reprot`",
        ),
        (
            &["rules", "test", "dates/late-reprot"],
            "パック hersys に `dates/late-reprot` で始まるルール ID はありません",
        ),
        (
            &["rules", "explain", "dates/late-reprot"],
            "パック hersys にルール `dates/late-reprot` はありません",
        ),
    ] {
        let out = kakunin(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
    }
    let out = kakunin(&["rules", "test", "dates/late"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn explain_shows_what_an_example_starts_from_and_how_it_is_checked() {
    let out = kakunin(&["rules", "explain", "codes/sex", "--locale", "en"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("  unknown-in-the-basic-tab (fails)\n      option locale = \"en\"\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  female (passes)\n      base  examples/complete-2023.json\n"),
        "{stdout}"
    );
}

#[test]
fn a_misspelt_path_is_refused_with_the_path_it_most_likely_meant() {
    let pack = pack_copy("misspelt-path");
    let dir = pack.to_str().expect("utf-8");
    let rule = |check: &str| {
        format!(
            r#"
id = "lab/birth"
severity = "error"
tiers = ["pref"]
title = {{ ja = "題", en = "Title" }}
message = {{ ja = "{{field}}", en = "{{field}}" }}
doc = {{ ja = "説明", en = "Doc", source = "test" }}

[[check]]
{check}
"#
        )
    };
    for (check, meant) in [
        // A misspelt key.
        (
            r#"kind = "required"
fields = ["/notification/patient/brith_date"]"#,
            "`/notification/patient/brith_date` is not a field of the record schema — did you mean `/notification/patient/birth_date`?",
        ),
        // An index where the array's `*` goes, in a condition.
        (
            r#"kind = "condition"
when = { path = "/tests/0/result", eq = "positive" }
at = "/tests/*/result""#,
            "`/tests/0/result` is not a field of the record schema — did you mean `/tests/*/result`?",
        ),
        // A field of another tab.
        (
            r#"kind = "required"
fields = ["/notification/care_status"]"#,
            "did you mean `/record/care_status`?",
        ),
        // Dotted, as a CSV header is written.
        (
            r#"kind = "required"
fields = ["notification.patient.birth_date"]"#,
            "`notification.patient.birth_date`: a path starts with `/` — did you mean `/notification/patient/birth_date`?",
        ),
    ] {
        write(&pack, "lab/birth.toml", &rule(check));
        for command in ["lint", "test"] {
            let out = kakunin(&["rules", command, "--pack", dir]);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
            assert!(
                stderr.contains("lab/birth.toml [lab/birth]: ") && stderr.contains(meant),
                "{command}: {stderr}"
            );
        }
    }
    remove(&pack);
}

#[test]
fn explain_shows_each_variant_message_and_the_checks_that_choose_it() {
    let explain = |args: &[&str]| {
        let out = kakunin(&[&["rules", "explain"], args].concat());
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // A check that names its variant, after the rule's own message.
    let stdout = explain(&["crosstab/method-specimen", "--locale", "en"]);
    let message = stdout.find("\nmessage: ").expect("the message");
    let variant = stdout
        .find("\nvariant antigen-quantitative (check 2, condition): ")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(message < variant, "{stdout}");
    // A script's variants, in Japanese.
    let stdout = explain(&["scope/asymptomatic-with-symptoms"]);
    for name in ["onset", "patient-without-symptoms"] {
        assert!(
            stdout.contains(&format!("\n別メッセージ {name}（確認 1・script）: ")),
            "{stdout}"
        );
    }
    // JSON: both languages and the choosing checks; an empty object for a rule without any.
    let json = |id: &str| -> serde_json::Value {
        serde_json::from_str(&explain(&[id, "--format", "json"])).expect("JSON")
    };
    let months = &json("ranges/age-mismatch")["variants"]["months"];
    assert!(
        months["ja"].as_str().is_some_and(|t| t.contains("か月")),
        "{months}"
    );
    assert!(
        months["en"].as_str().is_some_and(|t| t.contains("months")),
        "{months}"
    );
    assert_eq!(
        months["chosen_by"],
        serde_json::json!([{"check": 1, "kind": "age"}])
    );
    assert_eq!(json("dates/late-report")["variants"], serde_json::json!({}));
    assert!(!explain(&["dates/late-report", "--locale", "en"]).contains("\nvariant "));
}

#[test]
fn lint_finds_what_a_script_reads_amiss() {
    let pack = pack_copy("script-reads");
    let file = pack.join("crosstab/death-status-mismatch.rhai");
    let script = std::fs::read_to_string(&file).expect("the bundled script");
    let script = script
        .replace("record.record?.care_status", "record.record?.care_staus")
        .replace(
            "record.notification?.died_on",
            "record.notification?.diagnosed_on",
        )
        .replace("\"/record/care_status\"", "\"/record/care_stat\"");
    std::fs::write(&file, script).expect("write");
    let out = kakunin(&["rules", "lint", "--pack", pack.to_str().expect("utf-8")]);
    let stdout = text(&out.stdout);
    let said = |what: &str| assert!(stdout.contains(what), "{what}\nnot in:\n{stdout}");
    said(
        "crosstab/death-status-mismatch.rhai line 6: `record.record?.care_staus`: `/record/care_staus` is not a field of the record schema — did you mean `/record/care_status`?",
    );
    said(
        "crosstab/death-status-mismatch.rhai line 4: `record.notification?.diagnosed_on` reads `/notification/diagnosed_on`, which the rule's `reads` leave out",
    );
    said(
        "the string `/record/care_stat` is not a field of the record schema — did you mean `/record/care_status`?",
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    remove(&pack);
}
