//! Any text read for only the fields a plan's rules use, as the cross-record pass and a check of
//! a few rules read JSON (a validating skim, not serde): it is accepted whenever serde_json
//! parses it whole, keeps exactly what that whole parse keeps of the plan's fields, and is
//! refused whenever serde_json would refuse even to skip it.
#![no_main]

use std::sync::OnceLock;

use kakunin::{Fields, Plan};
use kakunin_fuzz::{options, pack};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Plans that read a few fields each: the cross-record keys, dates, one code.
fn plans() -> &'static [Plan] {
    static PLANS: OnceLock<Vec<Plan>> = OnceLock::new();
    PLANS.get_or_init(|| {
        let rules = pack("hersys");
        ["identity", "dates", "codes/sex"]
            .into_iter()
            .map(|selector| {
                let mut options = options();
                options.select = vec![selector.to_owned()];
                let plan = rules.plan(&options).expect("a bundled selector");
                assert!(!plan.reads_every_field(), "{selector} reads a few fields");
                plan
            })
            .collect()
    })
}

/// What a whole record keeps of `fields`: wanted members, every element of an array a path
/// goes through, `null` for the rest.
fn pruned(value: &Value, fields: Fields<'_>) -> Value {
    match (fields, value) {
        (Fields::Whole, _) => value.clone(),
        (Fields::Some(_), Value::Object(map)) => Value::Object(
            map.iter()
                .filter_map(|(k, v)| fields.member(k).map(|f| (k.clone(), pruned(v, f))))
                .collect(),
        ),
        (Fields::Some(_), Value::Array(items)) => match fields.elements() {
            Some(each) => Value::Array(items.iter().map(|v| pruned(v, each)).collect()),
            None => Value::Null,
        },
        (Fields::Some(_), _) => Value::Null,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let whole = serde_json::from_str::<Value>(text);
    let skippable = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    for plan in plans() {
        let read = plan.parse_record(text);
        match (&whole, &read) {
            (Ok(whole @ Value::Object(_)), Ok(read)) => {
                assert_eq!(read, &pruned(whole, plan.fields()), "{text}");
            }
            // Not an object: parsed whole, so that a finding can say what it is.
            (Ok(whole), Ok(read)) => assert_eq!(read, whole, "{text}"),
            (Ok(_), Err(e)) => panic!("serde_json parses {text:?} but the skim refuses it: {e}"),
            (Err(_), Ok(_)) => assert!(skippable, "the skim accepts what is not JSON: {text:?}"),
            (Err(_), Err(_)) => {}
        }
    }
});
