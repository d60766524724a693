//! `kakunin rules list|explain|test|lint`: the pack as its authors and users see it.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use kakunin::date::format_day;
use kakunin::examples::{run_all, set_aside_scripts};
use kakunin::lint::lint;
use kakunin::{ListOptions, Locale, Rule, RuleSet};
use serde_json::{Value, json};

use crate::fatal::cut;
use crate::{Fatal, load_pack};

#[derive(Args, Clone)]
pub struct PackArgs {
    /// Pack: `hersys`, `opendata` or a pack folder.
    #[arg(long, default_value = "hersys")]
    pack: String,
    /// `text` for people, `json` for programs.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
    /// Language of titles and documentation in text output.
    #[arg(long, value_parser = ["ja", "en"], default_value = "ja")]
    locale: String,
}

/// `rules list`: the pack's options and which rules to show.
#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    pack: PackArgs,
    /// Only the rules in force on this day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// For a record of this prefecture (01-47), whose periods may differ; needs --as-of.
    #[arg(long, value_name = "NN")]
    prefecture: Option<String>,
}

#[derive(Subcommand)]
pub enum RulesCommand {
    /// List the rules (those in force on a day with --as-of).
    List(ListArgs),
    /// Show one rule's documentation and examples.
    Explain {
        /// The rule id (`dates/late-report`).
        id: String,
        #[command(flatten)]
        pack: PackArgs,
    },
    /// Run the pack's examples (each rule's own tests).
    Test {
        /// Only rules whose id starts with this.
        filter: Option<String>,
        #[command(flatten)]
        pack: PackArgs,
    },
    /// Check the pack itself: examples on both sides, placeholders, clean base records.
    Lint(PackArgs),
}

fn locale(args: &PackArgs) -> Locale {
    if args.locale == "en" {
        Locale::En
    } else {
        Locale::Ja
    }
}

fn tiers(rule: &Rule) -> Vec<&'static str> {
    rule.tiers.iter().map(|t| t.as_str()).collect()
}

pub fn run(command: RulesCommand) -> Result<ExitCode, Fatal> {
    let mut out = crate::stdout();
    match command {
        RulesCommand::List(ListArgs {
            pack: args,
            as_of,
            prefecture,
        }) => {
            let options = ListOptions::parse(as_of.as_deref(), prefecture.as_deref())?;
            let rules = load_pack(&args.pack)?;
            let listed = rules.list(&options);
            if args.format == "json" {
                let list: Vec<Value> = listed.into_iter().map(Rule::summary).collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
            } else {
                list_text(&mut out, &rules, &listed, &options, locale(&args))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Explain { id, pack } => {
            let rules = load_pack(&pack.pack)?;
            let rule = rules.rule(&id).ok_or_else(|| {
                let (id, pack) = (cut(&id), &rules.info().name);
                Fatal::say(
                    format!(
                        "パック {pack} にルール `{id}` はありません（`kakunin rules list` で一覧）"
                    ),
                    format!("no rule `{id}` in pack {pack} (`kakunin rules list` shows them)"),
                )
            })?;
            if pack.format == "json" {
                let mut v = rule.summary();
                v["doc"] = json!({"ja": rule.doc.ja, "en": rule.doc.en, "source": rule.doc.source});
                v["message"] = json!({"ja": rule.message.ja, "en": rule.message.en});
                // Each variant as the rule file names it, with the checks that choose it.
                v["variants"] = rule
                    .variants
                    .iter()
                    .map(|(name, text)| {
                        let checks: Vec<Value> = rule
                            .variant_checks(name)
                            .into_iter()
                            .map(|(check, kind)| json!({"check": check, "kind": kind}))
                            .collect();
                        let variant = json!({"ja": text.ja, "en": text.en, "chosen_by": checks});
                        (name.clone(), variant)
                    })
                    .collect::<serde_json::Map<_, _>>()
                    .into();
                v["examples"] = serde_json::to_value(&rule.examples)?;
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                explain_text(&mut out, rule, locale(&pack))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Test { filter, pack } => {
            let rules = load_pack(&pack.pack)?;
            // A misspelt filter would otherwise pass: nothing run, nothing failed.
            if let Some(f) = &filter
                && !rules.rules().iter().any(|r| r.id.starts_with(f.as_str()))
            {
                let (f, pack) = (cut(f), &rules.info().name);
                return Err(Fatal::say(
                    format!(
                        "パック {pack} に `{f}` で始まるルール ID はありません（`kakunin rules list` で一覧）"
                    ),
                    format!(
                        "no rule id in pack {pack} starts with `{f}` (`kakunin rules list` shows them)"
                    ),
                ));
            }
            let results = run_all(&rules, filter.as_deref());
            let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
            // A script that fails on other rules' records fails the run, said once for its rule.
            let set_aside = set_aside_scripts(&results);
            if pack.format == "json" {
                let list: Vec<Value> = results
                    .iter()
                    .map(|r| {
                        let mut v =
                            json!({"id": r.case.id, "passed": r.passed(), "problems": r.problems});
                        if !r.set_aside.is_empty() {
                            v["set_aside"] = r
                                .set_aside
                                .iter()
                                .map(|(rule, e)| json!({"rule": rule, "error": e.to_string()}))
                                .collect();
                        }
                        v
                    })
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
            } else {
                for r in &failed {
                    writeln!(out, "FAIL {}", r.case.id)?;
                    for p in &r.problems {
                        writeln!(out, "     {p}")?;
                    }
                }
                for s in &set_aside {
                    writeln!(out, "FAIL {}", s.rule)?;
                    writeln!(out, "     {}", s.describe())?;
                }
                let rules_n = results
                    .iter()
                    .map(|r| r.case.rule.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .len();
                writeln!(
                    out,
                    "pack {} {}: {} examples of {} rules",
                    rules.info().name,
                    rules.info().version,
                    results.len(),
                    rules_n
                )?;
                let scripts = match set_aside.len() {
                    0 => String::new(),
                    1 => ", 1 script failed on other rules' examples".to_owned(),
                    n => format!(", {n} scripts failed on other rules' examples"),
                };
                writeln!(
                    out,
                    "{} passed, {} failed{scripts}",
                    results.len() - failed.len(),
                    failed.len()
                )?;
            }
            Ok(if failed.is_empty() && set_aside.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        RulesCommand::Lint(args) => {
            let rules = load_pack(&args.pack)?;
            let problems = lint(&rules);
            if args.format == "json" {
                writeln!(out, "{}", serde_json::to_string_pretty(&problems)?)?;
            } else {
                for p in &problems {
                    writeln!(out, "{}: {}", p.subject, p.message)?;
                }
                writeln!(
                    out,
                    "pack {}: {} rules, {} problems",
                    rules.info().name,
                    rules.rules().len(),
                    problems.len()
                )?;
            }
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn list_text(
    out: &mut impl Write,
    rules: &RuleSet,
    listed: &[&Rule],
    options: &ListOptions,
    locale: Locale,
) -> std::io::Result<()> {
    let width = listed.iter().map(|r| r.id.len()).max().unwrap_or(10);
    for rule in listed {
        writeln!(
            out,
            "{:<width$}  {:<7}  {:<12}  {:<26}  {}",
            rule.id,
            rule.severity.as_str(),
            tiers(rule).join(","),
            rule.applies.describe(),
            rule.title.get(locale)
        )?;
    }
    let (name, version) = (&rules.info().name, &rules.info().version);
    match options.as_of {
        None => writeln!(out, "{} rules in pack {name} {version}", listed.len()),
        Some(day) => writeln!(
            out,
            "{} of {} rules in force on {}{} in pack {name} {version}",
            listed.len(),
            rules.rules().len(),
            format_day(day),
            options
                .prefecture
                .as_ref()
                .map(|p| format!(" for prefecture {p}"))
                .unwrap_or_default(),
        ),
    }
}

fn explain_text(out: &mut impl Write, rule: &Rule, locale: Locale) -> std::io::Result<()> {
    let ja = locale == Locale::Ja;
    writeln!(out, "{} — {}", rule.id, rule.title.get(locale))?;
    writeln!(out)?;
    let label = |j: &'static str, e: &'static str| if ja { j } else { e };
    writeln!(
        out,
        "{}: {}",
        label("重大度", "severity"),
        rule.severity.as_str()
    )?;
    writeln!(
        out,
        "{}: {}",
        label("担当", "tiers"),
        tiers(rule).join(", ")
    )?;
    writeln!(
        out,
        "{}: {}",
        label("適用期間", "in force"),
        rule.applies.describe()
    )?;
    writeln!(
        out,
        "{}: {}",
        label("確認の種類", "checks"),
        rule.check_kinds().join(", ")
    )?;
    writeln!(
        out,
        "{}: {}",
        label("段階", "stage"),
        if rule.submit_only {
            label("提出時のみ", "submit only")
        } else {
            label("入力中から", "draft and submit")
        }
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        if ja {
            rule.doc.ja.trim()
        } else {
            rule.doc.en.trim()
        }
    )?;
    writeln!(out)?;
    writeln!(out, "{}: {}", label("根拠", "source"), rule.doc.source)?;
    writeln!(
        out,
        "{}: {}",
        label("メッセージ", "message"),
        rule.message.get(locale)
    )?;
    // The other messages, each with the checks that choose it (numbered as in the rule file):
    // `variant months (check 1, age): …`.
    for (name, text) in &rule.variants {
        let checks: Vec<String> = rule
            .variant_checks(name)
            .into_iter()
            .map(|(check, kind)| {
                if ja {
                    format!("確認 {check}・{kind}")
                } else {
                    format!("check {check}, {kind}")
                }
            })
            .collect();
        let chosen = match (checks.is_empty(), ja) {
            (true, true) => "選ぶ確認なし".to_owned(),
            (true, false) => "no check chooses it".to_owned(),
            (false, true) => checks.join("、"),
            (false, false) => checks.join("; "),
        };
        if ja {
            writeln!(out, "別メッセージ {name}（{chosen}）: {}", text.get(locale))?;
        } else {
            writeln!(out, "variant {name} ({chosen}): {}", text.get(locale))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{}:", label("例", "examples"))?;
    for ex in &rule.examples {
        let verdict = if ex.expect.is_empty() {
            label("所見なし", "passes")
        } else {
            label("所見あり", "fails")
        };
        writeln!(out, "  {} ({verdict})", ex.name)?;
        // What the record starts from and how it is checked change what the example shows.
        if let Some(base) = &ex.base {
            writeln!(out, "      base  examples/{base}.json")?;
        }
        if ex.record.is_some() {
            writeln!(out, "      record (written in full in {})", rule.file)?;
        }
        for (k, v) in &ex.options {
            writeln!(out, "      option {k} = {v}")?;
        }
        for (k, v) in &ex.set {
            writeln!(out, "      set   {k} = {v}")?;
        }
        for k in &ex.unset {
            writeln!(out, "      unset {k}")?;
        }
        for e in &ex.expect {
            writeln!(out, "      → {}", e.path)?;
        }
    }
    Ok(())
}
