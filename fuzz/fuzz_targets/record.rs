//! Any JSON value as a record, against both bundled packs, in every stage and locale: `check`
//! returns a sound report (or a script-limit error), never panics.
#![no_main]

use kakunin::{Locale, Stage};
use kakunin_fuzz::{assert_record_error_is_a_limit, assert_report_is_sound, options, pack};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(record) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    // The input's length picks the options (trailing white space changes it, not the record),
    // so the fuzzer explores them along with the record.
    let flags = data.len();
    let mut options = options();
    options.stage = if flags & 1 == 0 {
        Stage::Submit
    } else {
        Stage::Draft
    };
    options.locale = if flags & 2 == 0 {
        Locale::Ja
    } else {
        Locale::En
    };
    options.reveal = flags & 4 != 0;
    for name in ["hersys", "opendata"] {
        match pack(name).check(&record, &options) {
            Ok(report) => assert_report_is_sound(&report),
            Err(e) => assert_record_error_is_a_limit(&e),
        }
    }
});
