//! A malformed pack is refused when it loads, with the file, the rule and what is wrong; and the
//! engine's options, acknowledgements and effective periods behave as documented.

use kakunin::{CheckOptions, Error, ListOptions, PackFiles, RuleSet, ScriptErrorKind};
use serde_json::json;

const MANIFEST: &str = r#"
name = "t"
version = "1"
title = { ja = "テスト", en = "Test" }
record_schema = "record.schema.json"
reference_date = ["/dx"]
prefecture = "/pref"
acknowledged = "/acknowledged"
"#;

const SCHEMA: &str = r#"{"type": "object", "properties": {
  "dx": {"type": ["string", "null"], "format": "date", "title": "診断日", "x-title-en": "diagnosis date"},
  "rx": {"type": ["string", "null"], "format": "date", "title": "報告日", "x-title-en": "report date"},
  "pref": {"type": "string"},
  "name": {"type": "string", "title": "氏名", "x-sensitive": true},
  "n": {"type": "integer"},
  "acknowledged": {"type": "array", "items": {"type": "object", "properties": {"rule": {"type": "string"}}}}
}}"#;

fn rule(id: &str, severity: &str, check: &str, extra: &str) -> String {
    format!(
        r#"
id = "{id}"
severity = "{severity}"
tiers = ["hc"]
title = {{ ja = "題", en = "Title" }}
message = {{ ja = "メッセージ", en = "Message" }}
doc = {{ ja = "説明", en = "Doc", source = "test" }}
{extra}
[[check]]
{check}
"#
    )
}

fn pack(rules: &[(&str, String)]) -> Result<RuleSet, Error> {
    let mut files = PackFiles::new();
    files.insert("pack.toml", MANIFEST);
    files.insert("record.schema.json", SCHEMA);
    for (path, text) in rules {
        files.insert(*path, text.clone());
    }
    RuleSet::compile(files)
}

fn pack_error(rules: &[(&str, String)]) -> (String, Option<String>, String) {
    match pack(rules) {
        Err(Error::Pack {
            file,
            rule,
            message,
        }) => (file, rule, message),
        other => panic!("expected a pack error, got {other:?}"),
    }
}

const ORDER: &str = "kind = \"date-order\"\nearlier = [\"/dx\"]\nlater = [\"/rx\"]";

#[test]
fn a_good_pack_compiles() {
    let rules = pack(&[("d/order.toml", rule("d/order", "error", ORDER, ""))]).expect("compiles");
    assert_eq!(rules.rules().len(), 1);
    assert_eq!(rules.info().hash.len(), 64);
}

#[test]
fn bad_toml_names_the_file_and_line() {
    let (file, _, message) =
        pack_error(&[("d/order.toml", "id = \"d/order\"\nseverity = ".into())]);
    assert_eq!(file, "d/order.toml");
    assert!(message.contains("line 2"), "{message}");
}

#[test]
fn unknown_keys_are_refused() {
    let (file, rule_id, message) = pack_error(&[(
        "d/order.toml",
        rule("d/order", "error", &format!("{ORDER}\nlatr = []"), ""),
    )]);
    assert_eq!(
        (file.as_str(), rule_id.as_deref()),
        ("d/order.toml", Some("d/order"))
    );
    assert!(message.contains("latr"), "{message}");
}

#[test]
fn unknown_paths_are_refused() {
    let (_, rule_id, message) = pack_error(&[(
        "d/order.toml",
        rule(
            "d/order",
            "error",
            "kind = \"required\"\nfields = [\"/nmae\"]",
            "",
        ),
    )]);
    assert_eq!(rule_id.as_deref(), Some("d/order"));
    assert!(
        message.contains("/nmae") && message.contains("record schema"),
        "{message}"
    );
}

#[test]
fn an_id_must_match_its_file() {
    let (_, _, message) = pack_error(&[("d/order.toml", rule("d/other", "error", ORDER, ""))]);
    assert!(message.contains("d/order"), "{message}");
}

#[test]
fn a_missing_translation_is_refused() {
    let text = rule("d/order", "error", ORDER, "").replace("en = \"Message\"", "en = \"\"");
    let (_, _, message) = pack_error(&[("d/order.toml", text)]);
    assert!(
        message.contains("en") || message.contains("message"),
        "{message}"
    );
}

#[test]
fn a_bad_placeholder_or_unknown_condition_is_refused() {
    let text = rule("d/order", "error", ORDER, "").replace("メッセージ", "{oops:upper}");
    assert!(pack_error(&[("d/order.toml", text)]).2.contains(":upper"));
    let (_, _, message) = pack_error(&[(
        "d/order.toml",
        rule(
            "d/order",
            "error",
            &format!("{ORDER}\nwhen = {{ ref = \"nope\" }}"),
            "",
        ),
    )]);
    assert!(message.contains("nope"), "{message}");
}

#[test]
fn a_script_that_does_not_compile_is_refused_at_load() {
    let (file, rule_id, message) = pack_error(&[
        (
            "d/s.toml",
            rule(
                "d/s",
                "error",
                "kind = \"script\"\nscript = \"s.rhai\"\nreads = [\"/dx\"]",
                "",
            ),
        ),
        ("d/s.rhai", "let x = ;".into()),
    ]);
    assert_eq!(
        (file.as_str(), rule_id.as_deref()),
        ("d/s.rhai", Some("d/s")),
        "the script's place in the pack, beside its rule"
    );
    assert!(message.contains("line 1"), "{message}");
    let (_, _, message) = pack_error(&[
        (
            "d/s.toml",
            rule(
                "d/s",
                "error",
                "kind = \"script\"\nscript = \"s.rhai\"\nreads = [\"/dx\"]",
                "",
            ),
        ),
        ("d/s.rhai", "recrod.dx".into()),
    ]);
    assert!(
        message.contains("recrod"),
        "a misspelt variable is refused at load: {message}"
    );
    assert!(
        message.ends_with("(a script is given `record`, `as_of` and `reference_date`, a group script `members`; any other name is declared with `let` first)"),
        "{message}"
    );
    let (_, _, message) = pack_error(&[
        (
            "d/s.toml",
            rule(
                "d/s",
                "error",
                "kind = \"script\"\nscript = \"s.rhai\"\nreads = [\"/dx\"]",
                "",
            ),
        ),
        ("d/s.rhai", "let a = 1\nlet b = 2;\n[]".into()),
    ]);
    assert_eq!(
        message,
        "script does not compile at line 2, column 1: Expecting ';' to terminate this statement (or at the end of the line before)"
    );
}

fn script_rule(source: &str) -> RuleSet {
    pack(&[
        (
            "d/s.toml",
            rule(
                "d/s",
                "error",
                "kind = \"script\"\nscript = \"s.rhai\"\nreads = [\"/dx\"]",
                "",
            ),
        ),
        ("d/s.rhai", source.into()),
    ])
    .expect("compiles")
}

fn script_error(source: &str) -> (ScriptErrorKind, String) {
    let rules = script_rule(source);
    match rules.check(&json!({"dx": "2021-01-01"}), &CheckOptions::default()) {
        Err(Error::Script {
            rule,
            kind,
            message,
            ..
        }) => {
            assert_eq!(rule, "d/s");
            (kind, message)
        }
        other => panic!("expected a script error, got {other:?}"),
    }
}

#[test]
fn hostile_scripts_are_stopped_by_the_hardened_engine() {
    assert_eq!(
        script_error("loop { }").0,
        ScriptErrorKind::Limit,
        "endless loop"
    );
    assert_eq!(
        script_error("fn f(n) { f(n + 1) } f(0)").0,
        ScriptErrorKind::Limit,
        "deep recursion"
    );
    assert_eq!(
        script_error("let s = \"x\"; loop { s += s; }").0,
        ScriptErrorKind::Limit,
        "huge string"
    );
    assert_eq!(
        script_error("let a = []; loop { a.push(1); }").0,
        ScriptErrorKind::Limit,
        "huge array"
    );
    assert_eq!(script_error("throw \"boom\"").0, ScriptErrorKind::Runtime);
}

#[test]
fn scripts_cannot_eval_import_or_print() {
    let refused = |src: &str| {
        pack(&[
            (
                "d/s.toml",
                rule(
                    "d/s",
                    "error",
                    "kind = \"script\"\nscript = \"s.rhai\"\nreads = [\"/dx\"]",
                    "",
                ),
            ),
            ("d/s.rhai", src.into()),
        ])
    };
    assert!(refused("eval(\"1\")").is_err(), "eval is not a symbol");
    assert!(refused("import \"fs\" as fs;").is_err(), "no modules");
    let rules = script_rule("print(\"leak\"); debug(\"leak\"); []");
    assert!(
        rules
            .check(&json!({}), &CheckOptions::default())
            .expect("runs")
            .ok
    );
}

#[test]
fn a_script_cannot_change_id_severity_or_message() {
    let rules =
        script_rule("[#{ path: \"/dx\", rule: \"x/y\", severity: \"info\", message: \"hi\" }]");
    let report = rules
        .check(&json!({"dx": "2021-01-01"}), &CheckOptions::default())
        .expect("runs");
    let f = &report.findings[0];
    assert_eq!(
        (f.rule.as_str(), f.severity.as_str(), f.message.as_str()),
        ("d/s", "error", "メッセージ")
    );
}

#[test]
fn acknowledgements_silence_warnings_only() {
    let rules = pack(&[
        ("d/warn.toml", rule("d/warn", "warning", ORDER, "")),
        ("d/err.toml", rule("d/err", "error", ORDER, "")),
    ])
    .expect("compiles");
    let record = json!({"dx": "2021-01-02", "rx": "2021-01-01", "acknowledged": [{"rule": "d/warn"}, {"rule": "d/err"}]});
    let report = rules
        .check(&record, &CheckOptions::default())
        .expect("check");
    let by_rule = |id: &str| {
        report
            .findings
            .iter()
            .find(|f| f.rule == id)
            .expect("finding")
    };
    assert!(
        by_rule("d/warn").acknowledged,
        "a warning is acknowledged and still visible"
    );
    assert!(
        !by_rule("d/err").acknowledged,
        "an error cannot be acknowledged"
    );
    assert_eq!(
        (
            report.counts.error,
            report.counts.warning,
            report.counts.acknowledged
        ),
        (1, 0, 1)
    );
    assert!(!report.ok);
}

#[test]
fn effective_periods_follow_the_reference_date_and_prefecture() {
    let applies =
        "[applies]\nfrom = \"2022-09-26\"\n[applies.prefectures.\"04\"]\nfrom = \"2022-09-02\"";
    let rules = pack(&[(
        "d/late.toml",
        rule(
            "d/late",
            "warning",
            "kind = \"required\"\nfields = [\"/name\"]",
            applies,
        ),
    )])
    .expect("compiles");
    let fires = |dx: &str, pref: &str| {
        !rules
            .check(&json!({"dx": dx, "pref": pref}), &CheckOptions::default())
            .expect("check")
            .findings
            .is_empty()
    };
    assert!(!fires("2022-09-25", "13") && fires("2022-09-26", "13"));
    assert!(!fires("2022-09-01", "04") && fires("2022-09-02", "04"));
    let opts = CheckOptions::default()
        .with_as_of("2022-09-30")
        .expect("date");
    let report = rules.check(&json!({"pref": "13"}), &opts).expect("check");
    assert_eq!(
        report.reference_date.as_deref(),
        Some("2022-09-30"),
        "no dates: the check date decides"
    );
}

#[test]
fn a_period_for_a_code_no_prefecture_has_does_not_compile() {
    for code in ["00", "48", "99", "4"] {
        let applies = format!("[applies.prefectures.\"{code}\"]\nfrom = \"2022-09-02\"");
        let (file, rule_id, message) =
            pack_error(&[("d/late.toml", rule("d/late", "warning", ORDER, &applies))]);
        assert_eq!(
            (file.as_str(), rule_id.as_deref()),
            ("d/late.toml", Some("d/late")),
            "{code}"
        );
        assert!(message.contains(code), "{code}: {message}");
    }
}

/// A rule national from 2022-09-26 and in prefecture 04 from 2022-09-02, and one always in force.
fn early_adopter_rules(manifest: &str) -> RuleSet {
    let applies =
        "[applies]\nfrom = \"2022-09-26\"\n[applies.prefectures.\"04\"]\nfrom = \"2022-09-02\"";
    let mut files = PackFiles::new();
    files.insert("pack.toml", manifest);
    files.insert("record.schema.json", SCHEMA);
    files.insert("d/late.toml", rule("d/late", "warning", ORDER, applies));
    files.insert("d/order.toml", rule("d/order", "error", ORDER, ""));
    RuleSet::compile(files).expect("compiles")
}

fn listed(rules: &RuleSet, as_of: Option<&str>, prefecture: Option<&str>) -> Vec<String> {
    let options = ListOptions::parse(as_of, prefecture).expect("good options");
    rules.list(&options).iter().map(|r| r.id.clone()).collect()
}

#[test]
fn a_listing_shows_the_rules_in_force_on_a_day_for_a_prefecture() {
    let rules = early_adopter_rules(MANIFEST);
    let day = Some("2022-09-10");
    assert_eq!(listed(&rules, day, Some("04")), ["d/late", "d/order"]);
    assert_eq!(listed(&rules, day, Some("13")), ["d/order"]);
    assert_eq!(listed(&rules, day, None), ["d/order"]);
    assert_eq!(
        listed(&rules, Some("2022-09-26"), Some("13")),
        ["d/late", "d/order"]
    );
    assert_eq!(listed(&rules, None, None), ["d/late", "d/order"]);
    // The listing answers what `check` runs for a record of that day and prefecture.
    for dx in ["2022-09-01", "2022-09-02", "2022-09-25", "2022-09-26"] {
        for pref in [None, Some("04"), Some("13")] {
            let record = json!({"dx": dx, "pref": pref});
            let in_force: Vec<String> = rules
                .rules_in_force(&record, 0)
                .iter()
                .map(|r| r.id.clone())
                .collect();
            assert_eq!(listed(&rules, Some(dx), pref), in_force, "{dx} {pref:?}");
        }
    }
    // A pack that reads no prefecture judges its records by the national periods only.
    let national = early_adopter_rules(&MANIFEST.replace("prefecture = \"/pref\"\n", ""));
    assert_eq!(listed(&national, day, Some("04")), ["d/order"]);
    let record = json!({"dx": "2022-09-10", "pref": "04"});
    assert_eq!(national.rules_in_force(&record, 0).len(), 1);
}

#[test]
fn list_options_refuse_a_bad_day_or_prefecture() {
    let refused = |result: Result<ListOptions, Error>| match result {
        Err(Error::InvalidOption { name, message }) => format!("{name}: {message}"),
        other => panic!("expected an invalid option, got {other:?}"),
    };
    let day = Some("2022-09-10");
    assert_eq!(
        refused(ListOptions::parse(Some("2022-13-01"), None)),
        "as_of: `2022-13-01` is not a YYYY-MM-DD date"
    );
    for code in ["48", "00", "4", "004", "東京", " 04"] {
        assert_eq!(
            refused(ListOptions::parse(day, Some(code))),
            format!("prefecture: `{code}` is not a prefecture code (two digits, 01 to 47)")
        );
    }
    assert!(refused(ListOptions::parse(None, Some("04"))).starts_with("prefecture: needs as_of"));
    assert_eq!(
        ListOptions::parse(day, Some("47")).expect("Okinawa"),
        ListOptions {
            as_of: Some(kakunin::date::parse_date("2022-09-10").expect("date")),
            prefecture: Some("47".into()),
        }
    );
    // JS passes them as an object, read by the same rules.
    let from_json = |v: serde_json::Value| ListOptions::from_json(&v);
    assert_eq!(
        from_json(json!({"as_of": "2022-09-10", "prefecture": "04"})).expect("good"),
        ListOptions::parse(day, Some("04")).expect("good")
    );
    assert_eq!(
        from_json(json!(null)).expect("none"),
        ListOptions::default()
    );
    assert_eq!(
        from_json(json!({"as_of": null})).expect("none"),
        ListOptions::default()
    );
    assert!(
        refused(from_json(json!({"as_of": "2022-09-10", "prefecture": 4})))
            .starts_with("prefecture: must be")
    );
    assert!(refused(from_json(json!({"as_of": 20220910}))).starts_with("as_of: must be"));
    assert!(
        refused(from_json(json!({"as_of": "2022-09-10", "pref": "04"})))
            .starts_with("pref: is not an option")
    );
    assert!(refused(from_json(json!({"as_of": "2022-09-31"}))).contains("`2022-09-31`"));
    assert!(refused(from_json(json!("2022-09-10"))).starts_with("options: must be an object"));
}

#[test]
fn options_select_ignore_tiers_stage_and_unknown_selectors() {
    let rules = pack(&[
        ("d/order.toml", rule("d/order", "error", ORDER, "")),
        (
            "r/name.toml",
            rule(
                "r/name",
                "error",
                "kind = \"required\"\nfields = [\"/name\"]",
                "",
            ),
        ),
    ])
    .expect("compiles");
    let record = json!({"dx": "2021-01-02", "rx": "2021-01-01"});
    let ids = |o: CheckOptions| {
        rules
            .check(&record, &o)
            .expect("check")
            .findings
            .into_iter()
            .map(|f| f.rule)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(CheckOptions::default()),
        ["r/name", "d/order"],
        "sorted by path, then rule"
    );
    assert_eq!(
        ids(CheckOptions {
            select: vec!["d".into()],
            ..Default::default()
        }),
        ["d/order"]
    );
    assert_eq!(
        ids(CheckOptions {
            ignore: vec!["d/order".into()],
            ..Default::default()
        }),
        ["r/name"]
    );
    assert_eq!(
        ids(CheckOptions {
            stage: kakunin::Stage::Draft,
            ..Default::default()
        }),
        ["d/order"],
        "draft: absent fields are not reported"
    );
    assert!(
        ids(CheckOptions {
            tiers: vec![kakunin::Tier::Nat],
            ..Default::default()
        })
        .is_empty()
    );
    assert!(
        matches!(rules.check(&record, &CheckOptions { select: vec!["zzz".into()], ..Default::default() }), Err(Error::UnknownSelector(s)) if s == "zzz")
    );
}

#[test]
fn personal_values_are_hidden_unless_revealed() {
    let rules = pack(&[(
        "d/name.toml",
        rule(
            "d/name",
            "warning",
            "kind = \"pattern\"\nfields = [\"/name\"]\nregex = \"[ァ-ヶ]+\"",
            "",
        )
        .replace("メッセージ", "{value}"),
    )])
    .expect("compiles");
    let record = json!({"name": "山田"});
    let hidden = rules
        .check(&record, &CheckOptions::default())
        .expect("check");
    assert_eq!(hidden.findings[0].ctx["value"], json!(null));
    assert_eq!(hidden.findings[0].message, "（非表示）");
    let shown = rules
        .check(
            &record,
            &CheckOptions {
                reveal: true,
                ..Default::default()
            },
        )
        .expect("check");
    assert_eq!(shown.findings[0].ctx["value"], json!("山田"));
    assert_eq!(shown.findings[0].message, "山田");
}

/// Runs a cross-record rule over records and gives, per record, the `other` records it was
/// flagged with (empty: not flagged); the test pack names no id field, so records are `#n`.
fn cross_flags(check: &str, records: &[serde_json::Value]) -> Vec<Vec<String>> {
    let set = pack(&[("g/cross.toml", rule("g/cross", "warning", check, ""))]).expect("pack");
    let options = CheckOptions::default()
        .with_as_of("2024-06-01")
        .expect("date");
    let plan = set.plan(&options).expect("plan");
    let outcomes = kakunin::batch::check_all(&set, &plan, records).expect("batch");
    outcomes
        .iter()
        .map(|o| match o {
            kakunin::batch::Outcome::Checked { report, .. } => report
                .findings
                .iter()
                .flat_map(|f| f.ctx["other"].as_array().cloned().unwrap_or_default())
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            other => panic!("not checked: {other:?}"),
        })
        .collect()
}

#[test]
fn group_checks_flag_duplicates_and_members_that_differ() {
    let records = [
        json!({"id": "a", "name": "x", "dx": "2021-01-01"}),
        json!({"id": "b", "name": "y", "dx": "2021-01-01"}),
        json!({"id": "c", "name": "x", "dx": "2021-01-01"}),
        json!({"id": "d", "name": "x", "dx": "2021-02-01"}),
        json!({"id": "e", "dx": "2021-02-01"}),
    ];
    let duplicate = cross_flags(
        r#"kind = "group"
key = ["/name"]
mode = "duplicate"
at = "/name""#,
        &records,
    );
    assert_eq!(
        duplicate,
        [
            vec!["#3", "#4"],
            vec![],
            vec!["#1", "#4"],
            vec!["#1", "#3"],
            vec![]
        ]
    );
    // `differ`: members of a group are flagged only against those whose compared fields differ.
    let differ = cross_flags(
        r#"kind = "group"
key = ["/name"]
mode = "differ"
compare = ["/dx"]
at = "/dx""#,
        &records,
    );
    assert_eq!(
        differ,
        [vec!["#4"], vec![], vec!["#4"], vec!["#1", "#3"], vec![]]
    );
}

#[test]
fn formats_judge_a_date_field_as_parsing_its_text_would() {
    // The view reads a date field's text as a day once; `format` checks take that reading
    // instead of parsing again, and must judge every text as the parsers do.
    let check =
        |format: &str| format!("kind = \"format\"\nfields = [\"/rx\"]\nformat = \"{format}\"");
    let rules = pack(&[
        (
            "fmt/date.toml",
            rule("fmt/date", "error", &check("date"), ""),
        ),
        (
            "fmt/ts.toml",
            rule("fmt/ts", "error", &check("date-time"), ""),
        ),
    ])
    .expect("pack");
    let texts = [
        "2021-03-12",
        " 2021-03-12 ",
        "2021-02-29",
        "2020-02-29",
        "2021-3-12",
        "2021-03-12T09:30:00+09:00",
        " 2021-03-12T09:30:00Z",
        "2021-03-12T25:30:00Z",
        "2021-03-12 09:30:00",
        "20210312",
        "0000-01-01",
        "",
        " ",
        "１２３４-01-01",
    ];
    for text in texts {
        let report = rules
            .check(
                &json!({"dx": "2021-03-13", "rx": text}),
                &CheckOptions::default(),
            )
            .expect("checked");
        let flagged = |id: &str| report.findings.iter().any(|f| f.rule == id);
        let blank = text.trim().is_empty();
        assert_eq!(
            flagged("fmt/date"),
            !blank && kakunin::date::parse_date(text).is_none(),
            "date {text:?}"
        );
        assert_eq!(
            flagged("fmt/ts"),
            !blank && kakunin::date::parse_timestamp(text).is_none(),
            "date-time {text:?}"
        );
    }
}

#[test]
fn lint_names_a_rule_file_nested_too_deep_to_be_read() {
    let rules = pack(&[
        ("d/order.toml", rule("d/order", "error", ORDER, "")),
        (
            "d/more/order.toml",
            rule("d/more/order", "error", ORDER, ""),
        ),
        (".drafts/d/order.toml", rule("d/x", "error", ORDER, "")),
    ])
    .expect("compiles");
    assert_eq!(rules.rules().len(), 1, "only group/name.toml is a rule");
    let misplaced: Vec<String> = kakunin::lint::lint(&rules)
        .into_iter()
        .filter(|p| p.message.starts_with("not read as a rule"))
        .map(|p| p.subject)
        .collect();
    assert_eq!(misplaced, ["d/more/order.toml"]);
}

/// Two examples of `d/order`: a report before its diagnosis, and one on the same day.
const ORDER_EXAMPLES: &str = r#"
[[examples]]
name = "late"
record = { dx = "2021-01-02", rx = "2021-01-01" }
options = { as_of = "2024-01-01" }
expect = [{ path = "/rx" }]

[[examples]]
name = "same-day"
record = { dx = "2021-01-01", rx = "2021-01-01" }
options = { as_of = "2024-01-01" }
expect = []
"#;

#[test]
fn a_broken_script_fails_its_own_rule_not_every_example() {
    let rules = pack(&[
        (
            "d/order.toml",
            rule("d/order", "error", ORDER, ORDER_EXAMPLES),
        ),
        (
            "d/s.toml",
            rule(
                "d/s",
                "error",
                "kind = \"script\"\nscript = \"s.rhai\"\nreads = [\"/dx\"]",
                "",
            ),
        ),
        ("d/s.rhai", "loop { }".into()),
    ])
    .expect("compiles");
    let results = kakunin::examples::run_all(&rules, None);
    let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
    assert!(
        failed.is_empty(),
        "d/order is judged without d/s: {failed:?}"
    );
    let set_aside = kakunin::examples::set_aside_scripts(&results);
    assert_eq!(set_aside.len(), 1);
    assert_eq!(
        (set_aside[0].rule.as_str(), set_aside[0].examples),
        ("d/s", 2)
    );
    let lint = kakunin::lint::lint(&rules);
    let said = lint
        .iter()
        .find(|p| p.subject == "d/s" && p.message.contains("script was stopped"))
        .unwrap_or_else(|| panic!("lint names the broken script: {lint:?}"));
    assert!(said.message.contains("d/order::late"), "{}", said.message);
}

#[test]
fn an_example_whose_record_cannot_be_built_still_counts_as_failing() {
    let examples = ORDER_EXAMPLES.replace(
        "record = { dx = \"2021-01-02\", rx = \"2021-01-01\" }",
        "base = \"missing\"",
    );
    let rules =
        pack(&[("d/order.toml", rule("d/order", "error", ORDER, &examples))]).expect("compiles");
    let lint = kakunin::lint::lint(&rules);
    let messages: Vec<&str> = lint.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("examples/missing.json")),
        "{messages:?}"
    );
    assert!(
        !messages.contains(&"no failing example"),
        "the example is a failing one that could not be built: {messages:?}"
    );
}

#[test]
fn a_misspelt_key_or_value_names_its_line_and_what_was_meant() {
    let text = rule("d/order", "error", &format!("{ORDER}\nlatr = []"), "");
    let (_, _, message) = pack_error(&[("d/order.toml", text)]);
    assert!(
        message.starts_with("line 13, column 1: unknown key `latr` — did you mean `later`?"),
        "{message}"
    );
    let text = rule("d/order", "warn", ORDER, "");
    let (_, rule_id, message) = pack_error(&[("d/order.toml", text)]);
    assert_eq!(rule_id.as_deref(), Some("d/order"));
    assert_eq!(
        message,
        "line 3, column 12: `warn` is not allowed here; write one of `error`, `warning`, `info` — did you mean `warning`?"
    );
    // A TOML syntax error after the id line still names the rule.
    let text = rule("d/order", "error", ORDER, "").replace("en = \"Title\"", "en = \"Title");
    let (_, rule_id, message) = pack_error(&[("d/order.toml", text)]);
    assert_eq!(rule_id.as_deref(), Some("d/order"), "{message}");
    assert!(
        message.starts_with("line 6, column 1: ")
            && message.ends_with("(or on the line before: a quote or a bracket left open?)"),
        "{message}"
    );
}

#[test]
fn a_key_of_another_kind_of_check_is_refused() {
    let text = rule("d/order", "error", &format!("{ORDER}\nlist = \"sex\""), "");
    let (_, _, message) = pack_error(&[("d/order.toml", text)]);
    assert!(
        message.starts_with("check 1 (`date-order`) has `list`, which a `date-order` check does not read: it reads `earlier`, `later`"),
        "{message}"
    );
}

#[test]
fn a_date_written_without_quotes_is_refused_where_it_is() {
    let examples = ORDER_EXAMPLES.replace("rx = \"2021-01-01\" }", "rx = 2021-01-01 }");
    let (_, _, message) =
        pack_error(&[("d/order.toml", rule("d/order", "error", ORDER, &examples))]);
    assert_eq!(
        message,
        "line 11: the date 2021-01-01 is written without quotes; write it as \"2021-01-01\" (dates are text in kakunin, as in the records)"
    );
    let text = rule("d/order", "error", ORDER, "[applies]\nfrom = 2021-02-10");
    let (_, _, message) = pack_error(&[("d/order.toml", text)]);
    assert!(
        message.starts_with("line 9, column 8: the date 2021-02-10 is written without quotes"),
        "{message}"
    );
}

#[test]
fn a_period_that_ends_before_it_starts_is_refused() {
    let text = rule(
        "d/order",
        "error",
        ORDER,
        "[applies]\nfrom = \"2021-02-10\"\nuntil = \"2020-06-29\"",
    );
    let (_, _, message) = pack_error(&[("d/order.toml", text)]);
    assert_eq!(
        message,
        "`applies`: `until` (2020-06-29) is before `from` (2021-02-10), so the rule would never be in force"
    );
    let text = rule(
        "d/order",
        "error",
        ORDER,
        "[applies.prefectures.\"47\"]\nfrom = \"2023-04-01\"\nuntil = \"2022-06-29\"",
    );
    let (_, _, message) = pack_error(&[("d/order.toml", text)]);
    assert!(
        message.starts_with("`applies.prefectures.\"47\"`: `until`"),
        "{message}"
    );
    let same_day = rule(
        "d/order",
        "error",
        ORDER,
        "[applies]\nfrom = \"2021-02-10\"\nuntil = \"2021-02-10\"",
    );
    assert!(
        pack(&[("d/order.toml", same_day)]).is_ok(),
        "a one-day period"
    );
}

#[test]
fn lint_says_which_placeholder_a_finding_cannot_fill() {
    let examples = "[[examples]]\nname = \"fires\"\nrecord = { dx = \"2021-01-01\" }\noptions = { as_of = \"2024-01-01\" }\nexpect = [{ path = \"/dx\" }]\n\n[[examples]]\nname = \"silent\"\nrecord = {}\noptions = { as_of = \"2024-01-01\" }\nexpect = []\n";
    let text = rule(
        "d/s",
        "info",
        "kind = \"script\"\nscript = \"s.rhai\"\nreads = [\"/dx\"]",
        examples,
    )
    .replace("ja = \"メッセージ\"", "ja = \"{dayz}日、{field:label}\"");
    let rules = pack(&[
        ("d/s.toml", text),
        (
            "d/s.rhai",
            "if is_present(record.dx) { [#{ path: \"/dx\", ctx: #{ days: 1, field: 2 } }] } else { [] }"
                .into(),
        ),
    ])
    .expect("compiles");
    let problems: Vec<String> = kakunin::lint::lint(&rules)
        .into_iter()
        .filter(|p| p.subject == "d/s")
        .map(|p| p.message)
        .collect();
    assert_eq!(
        problems,
        [
            "a finding of example d/s::fires cannot fill the message: `{dayz}` is not in its ctx, `{field:label}` needs a field path in ctx.field (the ctx has `days`, `field`)"
        ]
    );
}

#[test]
fn lint_names_a_rule_file_at_the_top_or_among_base_records() {
    let rules = pack(&[
        ("d/order.toml", rule("d/order", "error", ORDER, "")),
        ("order.toml", rule("d/order", "error", ORDER, "")),
        ("examples/order.toml", rule("d/order", "error", ORDER, "")),
        (
            "codes.toml",
            "[sex]\nmale = { ja = \"男\", en = \"Male\" }\n".into(),
        ),
    ])
    .expect("compiles");
    let misplaced: Vec<(String, String)> = kakunin::lint::lint(&rules)
        .into_iter()
        .filter(|p| p.message.starts_with("not read as a rule"))
        .map(|p| (p.subject, p.message))
        .collect();
    assert_eq!(misplaced.len(), 2, "{misplaced:?}");
    assert_eq!(misplaced[0].0, "examples/order.toml");
    assert!(misplaced[0].1.contains("examples/ holds the base records"));
    assert_eq!(misplaced[1].0, "order.toml");
    assert!(
        misplaced[1]
            .1
            .contains("the pack's top holds only pack.toml")
    );
}

#[test]
fn lint_notices_a_translation_left_out_or_swapped() {
    let text = rule("d/order", "error", ORDER, "")
        .replace("ja = \"題\", en = \"Title\"", "ja = \"Title\", en = \"題\"");
    let rules = pack(&[("d/order.toml", text)]).expect("compiles");
    let problems: Vec<String> = kakunin::lint::lint(&rules)
        .into_iter()
        .filter(|p| p.message.contains("title."))
        .map(|p| p.message)
        .collect();
    assert_eq!(
        problems,
        [
            "`title.en` has no English word: is the English text missing, or put under `ja`?",
            "`title.ja` has no Japanese (kana or kanji): is the Japanese text missing, or put under `en`?",
        ]
    );
}
