//! A rule file and its script, compiled inside the hersys pack and run on the base record: a bad
//! rule is refused by `RuleSet::compile` with an error, a rule that compiles runs without
//! panicking (a runtime script failure is an error naming the rule), never a panic anywhere.
//!
//! Input: `group/name` NUL `rule file` NUL `script` (`kakunin_fuzz::rule_seeds` makes them).
#![no_main]

use kakunin::{Error, RuleSet};
use kakunin_fuzz::{PART, assert_report_is_sound, base_record, options, pack_without_rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == PART);
    let (Some(stem), Some(rule), script) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let (Ok(stem), Ok(rule)) = (std::str::from_utf8(stem), std::str::from_utf8(rule)) else {
        return;
    };
    let mut files = pack_without_rules();
    files.insert(format!("{stem}.toml"), rule);
    if let Some(script) = script.and_then(|s| std::str::from_utf8(s).ok()) {
        files.insert(format!("{stem}.rhai"), script);
    }
    let Ok(rules) = RuleSet::compile(files) else {
        return;
    };
    match rules.check(base_record(), &options()) {
        Ok(report) => assert_report_is_sound(&report),
        Err(Error::Script { rule, .. }) => {
            assert!(!rule.is_empty(), "a script error names its rule")
        }
        Err(e) => panic!("a compiled pack failed on a record with a non-script error: {e}"),
    }
});
