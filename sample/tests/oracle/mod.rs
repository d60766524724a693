//! A plain, independent reading of the `hersys` rules of RULES.md, written for this test only.
//!
//! It is deliberately naive (no rule engine, one `if` per rule) so that it can judge the
//! generator: clean records must trigger nothing, a record with an injected mistake must
//! trigger at least the rule ids the mistake declares. It is not the engine's oracle.

use kakunin_sample::Date;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

pub type Findings = BTreeSet<&'static str>;

const PANDEMIC: &str = "2019-12-01";

fn d(s: &str) -> Date {
    s.parse().expect("literal date")
}

/// A value that counts as entered: not missing, null, blank or an empty array.
fn present(v: Option<&Value>) -> Option<&Value> {
    match v? {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::Array(a) if a.is_empty() => None,
        other => Some(other),
    }
}

struct Rec<'a> {
    v: &'a Value,
}

impl<'a> Rec<'a> {
    fn get(&self, p: &str) -> Option<&'a Value> {
        present(self.v.pointer(p))
    }
    fn has(&self, p: &str) -> bool {
        self.get(p).is_some()
    }
    fn str(&self, p: &str) -> Option<&'a str> {
        self.get(p)?.as_str()
    }
    fn date(&self, p: &str) -> Option<Date> {
        self.str(p)?.parse().ok()
    }
    fn int(&self, p: &str) -> Option<i64> {
        self.get(p)?.as_i64()
    }
    fn num(&self, p: &str) -> Option<f64> {
        self.get(p)?.as_f64()
    }
    fn bool(&self, p: &str) -> Option<bool> {
        self.get(p)?.as_bool()
    }
    fn arr(&self, p: &str) -> &'a [Value] {
        self.get(p)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }
}

fn item_date(v: &Value, key: &str) -> Option<Date> {
    present(v.get(key))?.as_str()?.parse().ok()
}

/// Every date and timestamp of the record: (is birth, is vaccination, is timestamp, text).
fn all_dates(v: &Value, out: &mut Vec<(String, String)>, path: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{path}/{k}");
                let is_date = k.ends_with("_on")
                    || k.ends_with("_at")
                    || matches!(k.as_str(), "on" | "from" | "to" | "birth_date" | "at");
                match x {
                    Value::String(s) if is_date => out.push((p, s.clone())),
                    _ => all_dates(x, out, &p),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                all_dates(x, out, &format!("{path}/{i}"));
            }
        }
        _ => {}
    }
}

fn valid_timestamp(s: &str) -> bool {
    // YYYY-MM-DDTHH:MM:SS(.fff)?(Z|±HH:MM)
    s.len() >= 20
        && s[..10].parse::<Date>().is_ok()
        && s.as_bytes()[10] == b'T'
        && s[11..13].parse::<u32>().is_ok_and(|h| h < 24)
        && s[14..16].parse::<u32>().is_ok_and(|m| m < 60)
        && s[17..19].parse::<u32>().is_ok_and(|x| x < 61)
}

fn phone_ok(s: &str) -> bool {
    let digits: String = s.chars().filter(|c| *c != '-' && *c != ' ').collect();
    digits.chars().all(|c| c.is_ascii_digit())
        && (10..=11).contains(&digits.len())
        && digits.starts_with('0')
}

fn kana_ok(s: &str) -> bool {
    s.chars()
        .all(|c| ('\u{30A1}'..='\u{30FA}').contains(&c) || c == 'ー' || c == ' ' || c == '\u{3000}')
}

pub fn check_digit_ok(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..5]
        .iter()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    let check = (11 - sum % 11) % 10;
    let pref: u32 = code[..2].parse().unwrap_or(0);
    u32::from(b[5] - b'0') == check && (1..=47).contains(&pref)
}

fn pref_ok(s: &str) -> bool {
    s.len() == 2 && s.parse::<u32>().is_ok_and(|n| (1..=47).contains(&n))
}

const SYMPTOMS: &[&str] = &[
    "fever",
    "cough",
    "other_respiratory",
    "pneumonia",
    "severe_pneumonia",
    "ards",
    "multi_organ_failure",
    "fatigue",
    "headache",
    "nausea_vomiting",
    "diarrhea",
    "conjunctivitis",
    "smell_taste_disorder",
    "other",
    "none",
];
const METHODS: &[&str] = &[
    "isolation",
    "naat",
    "antigen_qualitative",
    "antigen_quantitative",
    "other",
];
const SPECIMENS: &[&str] = &[
    "sputum",
    "tracheal_aspirate",
    "bal",
    "throat_swab",
    "nasal_aspirate",
    "nasal_swab",
    "nasopharyngeal_swab",
    "stool",
    "saliva",
    "autopsy",
    "other",
];
const SEVERITIES: &[&str] = &["mild", "moderate1", "moderate2", "severe"];
const RISKS: &[&str] = &[
    "cancer",
    "copd",
    "ckd",
    "hypertension",
    "diabetes",
    "dyslipidemia",
    "obesity",
    "smoking",
    "other",
];
const CARE: &[&str] = &[
    "hospitalized",
    "hotel",
    "home",
    "facility",
    "adjusting",
    "released",
    "discharged",
    "deceased",
    "unknown",
];
const CLASSES: &[&str] = &[
    "patient",
    "asymptomatic",
    "suspected",
    "dead_confirmed",
    "dead_suspected",
];

/// The single-record rules that fire for `record`, checked on `as_of`.
pub fn check(record: &Value, as_of: Date) -> Findings {
    let r = Rec { v: record };
    let mut f = Findings::new();
    let mut fire = |id: &'static str, cond: bool| {
        if cond {
            f.insert(id);
        }
    };

    let dx = r.date("/notification/diagnosed_on");
    let reported = r.date("/notification/reported_on");
    let refd = dx.or(reported).unwrap_or(as_of);
    let from = |s: &str| refd >= d(s);
    let until = |s: &str| refd <= d(s);
    let class = r.str("/notification/case_class");
    let lab = matches!(class, Some("patient" | "asymptomatic"));
    let dead_class = matches!(class, Some("dead_confirmed" | "dead_suspected"));
    let birth = r.date("/notification/patient/birth_date");
    let age = r.int("/notification/patient/age");
    let sex = r.str("/notification/patient/sex");
    let onset = r.date("/notification/onset_on");
    let infected = r.date("/notification/infected_on");
    let n_died = r.date("/notification/died_on");
    let r_died = r.date("/record/died_on");
    let died = n_died.or(r_died);
    let status = r.str("/record/care_status");
    let pregnant = r.bool("/notification/clinical/pregnant");
    let needs_admission = r.bool("/notification/clinical/needs_admission");
    let deemed = r.bool("/notification/deemed_positive") == Some(true);

    // ---- dates -----------------------------------------------------------------------
    let mut dates = Vec::new();
    all_dates(record, &mut dates, "");
    for (path, text) in &dates {
        let is_ts = path.ends_with("_at") || path.ends_with("/at");
        let valid = if is_ts {
            valid_timestamp(text)
        } else {
            text.parse::<Date>().is_ok()
        };
        fire("formats/date", !text.is_empty() && !valid);
        let Some(day) = text.get(..10).and_then(|t| t.parse::<Date>().ok()) else {
            continue;
        };
        if !valid {
            continue;
        }
        let is_birth = path.ends_with("/birth_date");
        let is_vacc = path.starts_with("/notification/vaccinations/");
        fire("dates/in-future", day > as_of);
        if !is_birth {
            fire("dates/before-birth", birth.is_some_and(|b| day < b));
        }
        if !is_birth && !is_vacc {
            fire("dates/before-pandemic", day < d(PANDEMIC));
        }
    }
    if let Some(dx) = dx {
        fire(
            "dates/first-visit-after-diagnosis",
            r.date("/notification/first_visit_on")
                .is_some_and(|x| x > dx),
        );
        let tests_late = r
            .arr("/notification/tests")
            .iter()
            .any(|t| item_date(t, "sampled_on").is_some_and(|s| s > dx));
        fire(
            "dates/sampled-after-diagnosis",
            lab && (r.date("/notification/sampled_on").is_some_and(|s| s > dx) || tests_late),
        );
        if let Some(rep) = reported {
            fire("dates/report-before-diagnosis", rep < dx);
            fire("dates/late-report", rep.days_since(dx) > 1);
        }
        fire("dates/onset-after-diagnosis", onset.is_some_and(|o| o > dx));
        fire(
            "dates/death-after-postmortem",
            dead_class && died.is_some_and(|x| x > dx),
        );
    }
    if let (Some(acc), Some(rep)) = (r.date("/notification/accepted_on"), reported) {
        fire("dates/accepted-before-report", acc < rep);
    }
    if let (Some(i), Some(o)) = (infected, onset) {
        fire("dates/infection-after-onset", i > o);
        let inc = o.days_since(i);
        fire("ranges/incubation", !(1..=14).contains(&inc));
    }
    for death in [n_died, r_died].into_iter().flatten() {
        fire(
            "dates/death-before-onset",
            onset.is_some_and(|o| death < o) || infected.is_some_and(|i| death < i),
        );
    }
    for m in r.arr("/medical") {
        let adm = item_date(m, "admitted_on");
        if let (Some(a), Some(dis)) = (adm, item_date(m, "discharged_on")) {
            fire("dates/discharge-before-admission", dis < a);
        }
        if let (Some(a), Some(x)) = (adm, died) {
            fire("dates/death-before-admission", x < a);
        }
    }
    let departed = r.date("/notification/infection/area/departed_on");
    let entered = r.date("/notification/infection/area/entered_on");
    if let (Some(dep), Some(ent)) = (departed, entered) {
        fire("dates/return-before-departure", ent < dep);
    }
    let overseas_area = r.has("/notification/infection/area/overseas");
    let domestic_area = r.has("/notification/infection/area/domestic");
    if let (true, false, Some(i), Some(dep), Some(ent)) =
        (overseas_area, domestic_area, infected, departed, entered)
    {
        fire("dates/infection-outside-travel", i < dep || i > ent);
    }
    if from("2021-02-10") {
        let mut doses: Vec<(i64, Date)> = r
            .arr("/notification/vaccinations")
            .iter()
            .filter_map(|v| Some((v.get("dose")?.as_i64()?, item_date(v, "on")?)))
            .collect();
        doses.sort();
        fire(
            "dates/vaccination-order",
            doses.windows(2).any(|w| w[1].1 <= w[0].1),
        );
        fire(
            "dates/vaccination-before-rollout",
            doses.iter().any(|(_, on)| *on < d("2021-02-17")),
        );
    }
    let care_start = r.date("/record/care_start_on");
    let care_end = r.date("/record/care_end_on");
    if let Some(end) = care_end {
        fire(
            "dates/care-end-before-start",
            care_start.is_some_and(|s| end < s) || dx.is_some_and(|x| end < x),
        );
    }
    for o in r.arr("/observations") {
        if let Some(on) = item_date(o, "on") {
            fire(
                "dates/observation-outside-care",
                care_start.is_some_and(|s| on < s)
                    || care_end.is_some_and(|e| on > e)
                    || died.is_some_and(|x| on > x),
            );
        }
    }

    // ---- required ------------------------------------------------------------------------
    fire("required/case-class", class.is_none());
    fire(
        "required/identity",
        !r.has("/notification/patient/name")
            || !r.has("/notification/patient/sex")
            || !r.has("/notification/patient/age"),
    );
    fire(
        "required/birth-date",
        !r.has("/notification/patient/birth_date"),
    );
    fire(
        "required/infant-age-months",
        age == Some(0) && !r.has("/notification/patient/age_months"),
    );
    fire(
        "required/physician",
        ["name", "facility", "address", "phone"]
            .iter()
            .any(|k| !r.has(&format!("/notification/physician/{k}"))),
    );
    fire(
        "required/dates",
        !r.has("/notification/reported_on") || !r.has("/notification/diagnosed_on"),
    );
    let before_reduced = until("2022-06-29");
    fire(
        "required/occupation-address",
        before_reduced
            && (!r.has("/notification/patient/occupation")
                || !r.has("/notification/patient/address")),
    );
    fire(
        "required/location",
        !r.has("/notification/patient/location") || !r.has("/notification/patient/location_phone"),
    );
    let minor = age.is_some_and(|a| a < if from("2022-04-01") { 18 } else { 20 });
    fire(
        "required/guardian",
        minor
            && (!r.has("/notification/guardian/name")
                || (before_reduced && !r.has("/notification/guardian/address"))
                || (!before_reduced && !r.has("/notification/guardian/phone"))),
    );
    fire(
        "required/symptoms",
        before_reduced && !r.has("/notification/symptoms"),
    );
    let complete_test = r.arr("/notification/tests").iter().any(|t| {
        ["method", "specimen", "sampled_on", "result"]
            .iter()
            .all(|k| present(t.get(*k)).is_some())
    });
    fire(
        "required/diagnostic-method",
        before_reduced && lab && !complete_test,
    );
    fire(
        "required/first-visit",
        before_reduced && !r.has("/notification/first_visit_on"),
    );
    fire(
        "required/sampled-date",
        !before_reduced && lab && !r.has("/notification/sampled_on"),
    );
    fire(
        "required/infection-details",
        before_reduced
            && (!r.has("/notification/infected_on")
                || !r.has("/notification/infection/route/type")
                || !(domestic_area || overseas_area)),
    );
    fire(
        "required/onset",
        before_reduced && class == Some("patient") && !r.has("/notification/onset_on"),
    );
    fire(
        "required/death-date",
        (dead_class || status == Some("deceased"))
            && !r.has("/notification/died_on")
            && !r.has("/record/died_on"),
    );
    if from("2021-02-10") {
        let c = "/notification/clinical";
        fire(
            "required/clinical",
            !r.has("/notification/spo2")
                || [
                    "has_risk_factors",
                    "immunosuppressed",
                    "severity",
                    "needs_admission",
                    "admitted",
                ]
                .iter()
                .any(|k| !r.has(&format!("{c}/{k}")))
                || (sex == Some("female") && !r.has(&format!("{c}/pregnant"))),
        );
        let vacc = r.arr("/notification/vaccinations");
        fire(
            "required/vaccination",
            vacc.is_empty()
                || vacc
                    .iter()
                    .any(|v| v["status"] == "yes" && present(v.get("on")).is_none()),
        );
        fire(
            "required/name-kana",
            !r.has("/notification/patient/name_kana"),
        );
    }
    if from("2022-09-26") {
        fire(
            "required/drug-or-oxygen",
            age.is_some_and(|a| a < 65)
                && pregnant != Some(true)
                && needs_admission == Some(false)
                && (!r.has("/notification/clinical/needs_covid_drug")
                    || !r.has("/notification/clinical/needs_oxygen")),
        );
    }

    // ---- scope -------------------------------------------------------------------------
    if let Some(dx) = dx {
        fire("scope/after-class5", dx >= d("2023-05-08"));
        fire("scope/before-designation", dx < d("2020-02-01"));
    }
    fire(
        "scope/suspected-not-admitted",
        from("2020-10-24")
            && class == Some("suspected")
            && needs_admission != Some(true)
            && !deemed,
    );
    let pref = r.str("/prefecture").unwrap_or("");
    let limited =
        from("2022-09-26") || (from("2022-09-02") && matches!(pref, "04" | "08" | "31" | "41"));
    if limited && lab {
        if let Some(a) = age {
            let risk = r.bool("/notification/clinical/has_risk_factors") == Some(true);
            let drug = r.bool("/notification/clinical/needs_covid_drug") == Some(true);
            let oxygen = r.bool("/notification/clinical/needs_oxygen") == Some(true);
            fire(
                "scope/not-notifiable",
                a < 65
                    && pregnant != Some(true)
                    && needs_admission != Some(true)
                    && !(risk && (drug || oxygen)),
            );
        }
    }
    fire(
        "scope/pregnant-not-female",
        pregnant == Some(true) && sex.is_some_and(|s| s != "female"),
    );
    let n_tests = r.arr("/notification/tests");
    let n_results: Vec<&str> = n_tests
        .iter()
        .filter_map(|t| t["result"].as_str())
        .collect();
    fire(
        "scope/negative-case",
        lab && !n_results.is_empty() && !n_results.contains(&"positive"),
    );
    let symptoms: Vec<&str> = r
        .arr("/notification/symptoms")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    fire(
        "scope/asymptomatic-with-symptoms",
        (class == Some("asymptomatic")
            && (symptoms.iter().any(|s| *s != "none") || onset.is_some()))
            || (class == Some("patient") && symptoms == ["none"]),
    );

    // ---- crosstab ------------------------------------------------------------------------
    let medical = r.arr("/medical");
    fire(
        "crosstab/hospitalized-without-admission",
        status == Some("hospitalized")
            && !medical
                .iter()
                .any(|m| present(m.get("admitted_on")).is_some()),
    );
    fire(
        "crosstab/death-status-mismatch",
        (died.is_some() && status.is_some_and(|s| s != "deceased"))
            || matches!((n_died, r_died), (Some(a), Some(b)) if a != b),
    );
    for k in ["name", "name_kana", "sex", "birth_date", "address", "phone"] {
        if let (Some(a), Some(b)) = (
            r.get(&format!("/notification/patient/{k}")),
            r.get(&format!("/basic/{k}")),
        ) {
            fire("crosstab/basic-differs", a != b);
        }
    }
    let tab = r.arr("/tests");
    for t in n_tests.iter().filter(|t| t["result"] == "positive") {
        let found = tab.iter().any(|x| {
            x["result"] == "positive"
                && x["method"] == t["method"]
                && x["sampled_on"] == t["sampled_on"]
        });
        fire("crosstab/test-tab-missing-positive", !found);
    }
    for t in n_tests.iter().chain(tab) {
        let (Some(m), Some(s)) = (t["method"].as_str(), t["specimen"].as_str()) else {
            continue;
        };
        let ok = match m {
            "antigen_qualitative" => matches!(s, "nasal_swab" | "nasopharyngeal_swab"),
            "antigen_quantitative" => matches!(s, "nasal_swab" | "nasopharyngeal_swab" | "saliva"),
            _ => true,
        };
        fire("crosstab/method-specimen", !ok);
    }
    fire(
        "crosstab/deemed-positive-method",
        from("2022-01-24")
            && deemed
            && n_tests
                .iter()
                .any(|t| t["method"].as_str().is_some_and(|m| m != "other")),
    );
    let where_kinds: Vec<&str> = r
        .arr("/whereabouts")
        .iter()
        .filter_map(|w| w["kind"].as_str())
        .collect();
    fire(
        "crosstab/whereabouts-mismatch",
        (status == Some("hotel") && !where_kinds.contains(&"hotel"))
            || (status == Some("hospitalized") && !where_kinds.contains(&"hospital")),
    );
    let overseas_activity = r.arr("/activities").iter().any(|a| a["overseas"] == true);
    fire(
        "crosstab/travel-mismatch",
        overseas_activity != overseas_area,
    );
    let severity = r.str("/notification/clinical/severity");
    let spo2 = r.num("/notification/spo2");
    if from("2021-02-10") {
        fire(
            "crosstab/severe-without-admission-need",
            matches!(severity, Some("moderate2" | "severe")) && needs_admission == Some(false),
        );
        if let (Some(s), Some(sev)) = (spo2, severity) {
            fire(
                "crosstab/spo2-severity",
                (s <= 93.0 && matches!(sev, "mild" | "moderate1"))
                    || (s >= 96.0 && matches!(sev, "moderate2" | "severe")),
            );
        }
        fire(
            "crosstab/admitted-without-date",
            r.bool("/notification/clinical/admitted") == Some(true)
                && !r.has("/notification/clinical/admitted_on"),
        );
    }
    if let Some(reg) = r
        .str("/workflow/registered_at")
        .and_then(|s| s.get(..10)?.parse::<Date>().ok())
    {
        fire(
            "crosstab/unconfirmed-registration",
            as_of.days_since(reg) > 1 && !r.has("/workflow/confirmed_at"),
        );
    }

    // ---- codes -------------------------------------------------------------------------
    fire(
        "codes/prefecture",
        r.str("/prefecture").is_some_and(|p| !pref_ok(p)),
    );
    for a in r.arr("/notification/infection/area/domestic") {
        if let Some(p) = a["prefecture"].as_str() {
            fire("codes/prefecture", !pref_ok(p));
        }
    }
    if let Some(code) = r.str("/notification/patient/municipality_code") {
        fire("codes/municipality", !check_digit_ok(code));
    }
    fire(
        "codes/case-class",
        class.is_some_and(|c| !CLASSES.contains(&c)),
    );
    for p in ["/notification/patient/sex", "/basic/sex"] {
        fire(
            "codes/sex",
            r.str(p).is_some_and(|s| s != "male" && s != "female"),
        );
    }
    fire(
        "codes/symptoms",
        symptoms.iter().any(|s| !SYMPTOMS.contains(s))
            || (symptoms.contains(&"none") && symptoms.len() > 1),
    );
    for t in n_tests.iter().chain(tab) {
        let bad = |k: &str, list: &[&str]| t[k].as_str().is_some_and(|x| !list.contains(&x));
        fire(
            "codes/test",
            bad("method", METHODS)
                || bad("specimen", SPECIMENS)
                || bad("result", &["positive", "negative"]),
        );
    }
    fire(
        "codes/clinical",
        severity.is_some_and(|s| !SEVERITIES.contains(&s))
            || r.arr("/notification/clinical/risk_factors")
                .iter()
                .any(|x| x.as_str().is_some_and(|x| !RISKS.contains(&x))),
    );
    fire(
        "codes/care-status",
        status.is_some_and(|s| !CARE.contains(&s)),
    );

    // ---- ranges --------------------------------------------------------------------------
    let months = r.int("/notification/patient/age_months");
    fire(
        "ranges/age-impossible",
        age.is_some_and(|a| !(0..=120).contains(&a))
            || months.is_some_and(|m| !(0..=11).contains(&m)),
    );
    fire("ranges/age-implausible", age.is_some_and(|a| a > 105));
    if let (Some(a), Some(b), Some(dx)) = (age, birth, dx) {
        let computed = i64::from(b.age_on(dx));
        let months_off = a == 0 && months.is_some_and(|m| m != i64::from(b.months_on(dx)));
        fire("ranges/age-mismatch", a != computed || months_off);
    }
    let mut spo2s: Vec<f64> = spo2.into_iter().collect();
    spo2s.extend(
        r.arr("/observations")
            .iter()
            .filter_map(|o| o["spo2"].as_f64()),
    );
    fire(
        "ranges/spo2-impossible",
        spo2s.iter().any(|s| !(0.0..=100.0).contains(s)),
    );
    fire("ranges/spo2-implausible", spo2s.iter().any(|s| *s < 70.0));
    if let (Some(o), Some(dx)) = (onset, dx) {
        fire("ranges/onset-to-diagnosis", dx.days_since(o) > 30);
    }
    fire(
        "ranges/pregnancy-age",
        pregnant == Some(true) && age.is_some_and(|a| !(10..=60).contains(&a)),
    );
    fire(
        "ranges/temperature",
        r.arr("/observations")
            .iter()
            .filter_map(|o| o["temperature"].as_f64())
            .any(|t| !(34.0..=43.0).contains(&t)),
    );

    // ---- formats -------------------------------------------------------------------------
    for p in [
        "/notification/patient/phone",
        "/notification/patient/location_phone",
        "/notification/guardian/phone",
        "/notification/physician/phone",
        "/basic/phone",
    ] {
        fire("formats/phone", r.str(p).is_some_and(|s| !phone_ok(s)));
    }
    for p in ["/notification/patient/name_kana", "/basic/name_kana"] {
        fire("formats/name-kana", r.str(p).is_some_and(|s| !kana_ok(s)));
    }
    fire(
        "formats/hersys-id",
        r.str("/hersys_id")
            .is_some_and(|s| !(6..=7).contains(&s.len()) || !s.chars().all(|c| c.is_ascii_digit())),
    );
    f
}

/// The cross-record rules, reported on the later record of each pair (by input order).
pub fn check_batch(records: &[&Value]) -> Vec<Findings> {
    let mut out = vec![Findings::new(); records.len()];
    let key = |v: &Value| -> Option<(String, String, String, Date)> {
        let p = &v["notification"]["patient"];
        Some((
            p["name_kana"].as_str()?.to_string(),
            p["birth_date"].as_str()?.to_string(),
            p["sex"].as_str()?.to_string(),
            v["notification"]["diagnosed_on"].as_str()?.parse().ok()?,
        ))
    };
    let mut people: HashMap<(String, String, String), Vec<(usize, Date)>> = HashMap::new();
    let mut ids: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, v) in records.iter().enumerate() {
        if let Some((k, b, s, dx)) = key(v) {
            let seen = people.entry((k, b, s)).or_default();
            if seen.iter().any(|(_, d)| d.days_since(dx).abs() <= 60) {
                out[i].insert("identity/probable-duplicate");
            }
            seen.push((i, dx));
        }
        if let Some(id) = v["hersys_id"].as_str() {
            let earlier = ids.entry(id.to_string()).or_default();
            let me = &v["notification"]["patient"];
            let differs = earlier.iter().any(|&j| {
                let other = &records[j]["notification"]["patient"];
                ["name_kana", "birth_date", "sex"]
                    .iter()
                    .any(|k| me[*k] != other[*k])
            });
            if differs {
                out[i].insert("identity/duplicate-hersys-id");
            }
            earlier.push(i);
        }
    }
    out
}
