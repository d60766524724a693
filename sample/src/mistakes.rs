//! The catalogue of mistakes the generator injects, each with the rule ids it must trigger.
//!
//! Every kind is a small mutation of a clean record, modelled on what really goes wrong when
//! people type notifications: a transposed year, a label typed where a code belongs, a tab not
//! updated, an item left blank. A kind says which story it needs ([`Want`]): a hospital stay to
//! get a discharge date wrong, a date after 2022-09-26 to be out of scope. `rules` lists only
//! the rules the mutation is sure to trigger on its own, the primary one first (a patient's
//! sex typed as "M" is `codes/sex`, and also makes the basic tab differ); a mutation may
//! trigger others in some records (an age typed wrong can make a minor an adult).

use crate::build::{Facts, timestamp};
use crate::data;
use crate::date::Date;
use crate::plan::{
    AgeWant, Class, ClassWant, PathWant, Plan, R, ScopeWant, Severity, Sex, Want, between, chance,
    era, pick,
};
use serde_json::{Value, json};

/// One kind of injected mistake.
#[derive(Debug)]
pub struct MistakeKind {
    /// Stable kebab-case name of the kind (`onset-after-diagnosis`).
    pub name: &'static str,
    /// The ids of the `hersys` rules the mistake is sure to trigger.
    pub rules: &'static [&'static str],
    /// What the mutation does, in one line.
    pub about: &'static str,
    pub(crate) want: Want,
    pub(crate) special: Special,
    pub(crate) apply: fn(&mut Ctx<'_>) -> bool,
}

/// Kinds that need more than the record itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    None,
    /// The record re-notifies a person from the recent window.
    DuplicatePerson,
    /// The record takes the HER-SYS ID of another person from the recent window.
    DuplicateHersysId,
}

/// What a mutation works on.
pub(crate) struct Ctx<'a> {
    pub rec: &'a mut Value,
    pub plan: &'a Plan,
    pub facts: &'a Facts,
    pub rng: &'a mut R,
    /// For [`Special::DuplicateHersysId`]: the ID to take.
    pub other_hersys_id: Option<&'a str>,
}

impl Ctx<'_> {
    fn set(&mut self, pointer: &str, value: Value) -> bool {
        set(self.rec, pointer, value)
    }
    fn remove(&mut self, pointer: &str) -> bool {
        remove(self.rec, pointer)
    }
    fn get(&self, pointer: &str) -> Option<&Value> {
        self.rec.pointer(pointer)
    }
    fn str_at(&self, pointer: &str) -> Option<String> {
        self.get(pointer)?.as_str().map(str::to_string)
    }
    fn date_at(&self, pointer: &str) -> Option<Date> {
        self.get(pointer)?.as_str()?.parse().ok()
    }
}

/// Sets the value at `pointer`, creating the last key in its (existing) parent object.
/// Returns whether the record changed.
pub(crate) fn set(rec: &mut Value, pointer: &str, value: Value) -> bool {
    if let Some(slot) = rec.pointer_mut(pointer) {
        let changed = *slot != value;
        *slot = value;
        return changed;
    }
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    match rec.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key.to_string(), value);
            true
        }
        _ => false,
    }
}

/// Removes the key at `pointer`, keeping the order of the others. Returns whether it was there.
pub(crate) fn remove(rec: &mut Value, pointer: &str) -> bool {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    match rec.pointer_mut(parent) {
        Some(Value::Object(map)) => map.remove(key).is_some(),
        _ => false,
    }
}

/// Index of the tests-tab entry that repeats the notification's positive test.
fn positive_tab_test(rec: &Value) -> Option<usize> {
    rec.get("tests")?
        .as_array()?
        .iter()
        .position(|t| t["result"] == "positive")
}

const fn want() -> Want {
    Want::ANY
}

const BEFORE_REDUCED: Option<Date> = Some(Date::ymd(2022, 6, 29));

macro_rules! kind {
    ($name:literal, [$($rule:literal),+], $about:literal, $want:expr, $apply:expr) => {
        kind!($name, [$($rule),+], $about, $want, Special::None, $apply)
    };
    ($name:literal, [$($rule:literal),+], $about:literal, $want:expr, $special:expr, $apply:expr) => {
        MistakeKind {
            name: $name,
            rules: &[$($rule),+],
            about: $about,
            want: $want,
            special: $special,
            apply: $apply,
        }
    };
}

/// Every mistake kind, in a fixed order (the generator picks among them uniformly).
pub fn mistake_kinds() -> &'static [MistakeKind] {
    KINDS
}

static KINDS: &[MistakeKind] = &[
    // ---- dates ---------------------------------------------------------------------------
    kind!(
        "onset-after-diagnosis",
        ["dates/onset-after-diagnosis"],
        "onset date typed a few days after the diagnosis date",
        Want {
            class: ClassWant::Exactly(Class::Patient),
            ..want()
        },
        |c| {
            let d = c.plan.dx.add_days(between(c.rng, 1, 3));
            c.set("/notification/onset_on", json!(d.iso()))
        }
    ),
    kind!(
        "report-before-diagnosis",
        ["dates/report-before-diagnosis"],
        "report date before the diagnosis date",
        want(),
        |c| {
            let d = json!(c.plan.dx.add_days(-between(c.rng, 1, 3)).iso());
            c.set("/notification/accepted_on", d.clone());
            c.set("/notification/reported_on", d)
        }
    ),
    kind!(
        "late-report",
        ["dates/late-report"],
        "notification sent days after the diagnosis instead of immediately",
        want(),
        |c| {
            let d = c.plan.dx.add_days(between(c.rng, 3, 10));
            c.set("/notification/accepted_on", json!(d.iso()));
            c.set("/workflow/registered_at", json!(timestamp(d, 10 * 60)));
            c.set("/workflow/confirmed_at", json!(timestamp(d, 15 * 60)));
            c.set("/notification/reported_on", json!(d.iso()))
        }
    ),
    kind!(
        "accepted-before-report",
        ["dates/accepted-before-report"],
        "health center's acceptance date before the report date",
        want(),
        |c| {
            let d = c.facts.reported.add_days(-between(c.rng, 1, 2));
            c.set("/notification/accepted_on", json!(d.iso()))
        }
    ),
    kind!(
        "future-date",
        ["dates/in-future"],
        "care end date with the year mistyped ten years ahead",
        Want {
            path: Some(PathWant::Home),
            ..want()
        },
        |c| {
            let Some(end) = c.facts.care_end else {
                return false;
            };
            let (y, m, d) = end.ymd_parts();
            let typo = Date::new(y + 10, m, d).unwrap_or(Date::ymd(y + 10, m, 28));
            c.set("/record/care_end_on", json!(typo.iso()))
        }
    ),
    kind!(
        "first-visit-after-diagnosis",
        ["dates/first-visit-after-diagnosis"],
        "first-visit date after the diagnosis date",
        Want {
            until: BEFORE_REDUCED,
            ..want()
        },
        |c| {
            let d = c.plan.dx.add_days(between(c.rng, 1, 3));
            c.set("/notification/first_visit_on", json!(d.iso()))
        }
    ),
    kind!(
        "sampled-after-diagnosis",
        ["dates/sampled-after-diagnosis"],
        "specimen date of the diagnostic test after the diagnosis date (both tabs)",
        Want {
            class: ClassWant::LabConfirmed,
            ..want()
        },
        |c| {
            let d = json!(c.plan.dx.add_days(between(c.rng, 1, 2)).iso());
            if c.get("/notification/sampled_on").is_some() {
                c.set("/notification/sampled_on", d.clone());
            }
            if let Some(i) = positive_tab_test(c.rec) {
                c.set(&format!("/tests/{i}/sampled_on"), d.clone());
                c.set(&format!("/tests/{i}/resulted_on"), d.clone());
            }
            c.set("/notification/tests/0/sampled_on", d)
        }
    ),
    kind!(
        "discharge-before-admission",
        ["dates/discharge-before-admission"],
        "hospital discharge date before the admission date",
        Want {
            path: Some(PathWant::Hospital),
            ..want()
        },
        |c| {
            let Some(a) = c.date_at("/medical/0/admitted_on") else {
                return false;
            };
            let d = a.add_days(-between(c.rng, 1, 5));
            c.set("/medical/0/discharged_on", json!(d.iso()))
        }
    ),
    kind!(
        "care-end-before-start",
        [
            "dates/care-end-before-start",
            "dates/observation-outside-care"
        ],
        "care end date before the care start date",
        Want {
            path: Some(PathWant::Home),
            ..want()
        },
        |c| {
            let Some(s) = c.facts.care_start else {
                return false;
            };
            let d = s.add_days(-between(c.rng, 1, 5));
            c.set("/record/care_end_on", json!(d.iso()))
        }
    ),
    kind!(
        "observation-outside-care",
        ["dates/observation-outside-care"],
        "a health observation dated after care ended",
        Want {
            path: Some(PathWant::Home),
            ..want()
        },
        |c| {
            let Some(end) = c.facts.care_end else {
                return false;
            };
            let on = end.add_days(between(c.rng, 1, 4));
            let Some(Value::Array(obs)) = c.rec.pointer_mut("/observations") else {
                return false;
            };
            obs.push(json!({
                "on": on.iso(), "temperature": 36.4, "spo2": 98, "symptoms": [], "source": "self",
            }));
            true
        }
    ),
    kind!(
        "vaccination-before-rollout",
        ["dates/vaccination-before-rollout"],
        "first dose dated a year early, before vaccination started in Japan",
        VACCINATED,
        |c| {
            let Some(d) = c.date_at("/notification/vaccinations/0/on") else {
                return false;
            };
            let (y, m, dd) = d.ymd_parts();
            let typo = Date::new(y - 1, m, dd).unwrap_or(Date::ymd(y - 1, m, 28));
            typo < era::ROLLOUT && c.set("/notification/vaccinations/0/on", json!(typo.iso()))
        }
    ),
    kind!(
        "vaccination-order",
        ["dates/vaccination-order"],
        "dates of the first and second doses swapped",
        VACCINATED,
        |c| {
            let first = c.get("/notification/vaccinations/0/on").cloned();
            let second = c.get("/notification/vaccinations/1/on").cloned();
            let (Some(a), Some(b)) = (first, second) else {
                return false;
            };
            c.set("/notification/vaccinations/0/on", b);
            c.set("/notification/vaccinations/1/on", a)
        }
    ),
    kind!(
        "birth-after-diagnosis",
        ["dates/before-birth", "crosstab/basic-differs"],
        "birth date typed with the diagnosis year, after every other date",
        want(),
        |c| {
            let d = c.plan.dx.add_days(between(c.rng, 1, 300));
            c.set("/notification/patient/birth_date", json!(d.iso()))
        }
    ),
    kind!(
        "death-after-postmortem",
        ["dates/death-after-postmortem"],
        "death date of a body after its post-mortem examination date (both tabs)",
        Want {
            class: ClassWant::Exactly(Class::DeadBody),
            ..want()
        },
        |c| {
            let d = json!(c.plan.dx.add_days(between(c.rng, 1, 3)).iso());
            c.set("/record/died_on", d.clone());
            c.set("/notification/died_on", d)
        }
    ),
    // ---- required ------------------------------------------------------------------------
    kind!(
        "missing-report-date",
        ["required/dates"],
        "report date left blank",
        want(),
        |c| c.remove("/notification/reported_on")
    ),
    kind!(
        "missing-identity",
        ["required/identity"],
        "patient name, sex or age left blank",
        want(),
        |c| {
            let field = *pick(c.rng, &["name", "sex", "age"]);
            c.remove(&format!("/notification/patient/{field}"))
        }
    ),
    kind!(
        "missing-birth-date",
        ["required/birth-date"],
        "patient birth date left blank",
        want(),
        |c| c.remove("/notification/patient/birth_date")
    ),
    kind!(
        "missing-occupation",
        ["required/occupation-address"],
        "occupation left blank while it was still required",
        Want {
            until: BEFORE_REDUCED,
            ..want()
        },
        |c| c.remove("/notification/patient/occupation")
    ),
    kind!(
        "missing-symptoms",
        ["required/symptoms"],
        "symptom list left empty while it was still required",
        Want {
            until: BEFORE_REDUCED,
            ..want()
        },
        |c| c.set("/notification/symptoms", json!([]))
    ),
    kind!(
        "missing-first-visit",
        ["required/first-visit"],
        "first-visit date left blank while it was still required",
        Want {
            until: BEFORE_REDUCED,
            ..want()
        },
        |c| c.remove("/notification/first_visit_on")
    ),
    kind!(
        "missing-onset",
        ["required/onset"],
        "onset date of a symptomatic patient left blank while it was still required",
        Want {
            until: BEFORE_REDUCED,
            class: ClassWant::Exactly(Class::Patient),
            ..want()
        },
        |c| c.remove("/notification/onset_on")
    ),
    kind!(
        "missing-sampled-date",
        ["required/sampled-date"],
        "specimen date left blank after it replaced the first-visit date",
        Want {
            from: Some(era::REDUCED),
            class: ClassWant::LabConfirmed,
            ..want()
        },
        |c| c.remove("/notification/sampled_on")
    ),
    kind!(
        "missing-guardian",
        ["required/guardian"],
        "guardian of a minor not entered",
        Want {
            age: AgeWant::Minor,
            ..want()
        },
        |c| c.remove("/notification/guardian")
    ),
    kind!(
        "missing-clinical",
        ["required/clinical"],
        "an item-19 answer (SpO2, risk factors, severity, admission...) left blank",
        Want {
            from: Some(era::FORM_2021),
            ..want()
        },
        |c| {
            let field = *pick(
                c.rng,
                &[
                    "/notification/spo2",
                    "/notification/clinical/has_risk_factors",
                    "/notification/clinical/immunosuppressed",
                    "/notification/clinical/severity",
                    "/notification/clinical/needs_admission",
                    "/notification/clinical/admitted",
                ],
            );
            c.remove(field)
        }
    ),
    kind!(
        "missing-vaccination",
        ["required/vaccination"],
        "vaccination history not entered",
        Want {
            from: Some(era::FORM_2021),
            ..want()
        },
        |c| c.remove("/notification/vaccinations")
    ),
    kind!(
        "missing-physician",
        ["required/physician"],
        "physician's name, facility, address or phone left blank",
        want(),
        |c| {
            let field = *pick(c.rng, &["name", "facility", "address", "phone"]);
            c.remove(&format!("/notification/physician/{field}"))
        }
    ),
    kind!(
        "missing-location",
        ["required/location"],
        "patient's current location or its phone left blank",
        want(),
        |c| {
            let field = *pick(c.rng, &["location", "location_phone"]);
            c.remove(&format!("/notification/patient/{field}"))
        }
    ),
    kind!(
        "missing-name-kana",
        ["required/name-kana"],
        "フリガナ left blank",
        Want {
            from: Some(era::FORM_2021),
            ..want()
        },
        |c| c.remove("/notification/patient/name_kana")
    ),
    kind!(
        "missing-death-date",
        ["required/death-date"],
        "status 死亡 without a death date",
        Want {
            path: Some(PathWant::Died),
            ..want()
        },
        |c| c.remove("/record/died_on")
    ),
    kind!(
        "missing-drug-or-oxygen",
        ["required/drug-or-oxygen"],
        "need of COVID drug / oxygen left blank for a patient under 65 at home",
        Want {
            from: Some(era::LIMITED),
            age: AgeWant::Young,
            scope: ScopeWant::YoungRisk,
            ..want()
        },
        |c| {
            let drug = c.remove("/notification/clinical/needs_covid_drug");
            c.remove("/notification/clinical/needs_oxygen") && drug
        }
    ),
    kind!(
        "missing-age-months",
        ["required/infant-age-months"],
        "age in months of an infant left blank",
        Want {
            age: AgeWant::Infant,
            ..want()
        },
        |c| c.remove("/notification/patient/age_months")
    ),
    // ---- scope ---------------------------------------------------------------------------
    kind!(
        "out-of-scope",
        ["scope/not-notifiable"],
        "a young patient with no risk factor notified after the scope was limited",
        Want {
            from: Some(era::LIMITED),
            class: ClassWant::Exactly(Class::Patient),
            age: AgeWant::Young,
            scope: ScopeWant::Out,
            ..want()
        },
        |c| c.plan.limited && !c.plan.needs_admission && !c.plan.has_risk && !c.plan.pregnant
    ),
    kind!(
        "pregnant-male",
        ["scope/pregnant-not-female"],
        "pregnancy ticked for a male patient",
        Want {
            from: Some(era::FORM_2021),
            sex: Some(Sex::Male),
            ..want()
        },
        |c| c.set("/notification/clinical/pregnant", json!(true))
    ),
    kind!(
        "negative-case",
        ["scope/negative-case"],
        "a lab-confirmed case whose only notified test is negative",
        Want {
            class: ClassWant::LabConfirmed,
            ..want()
        },
        |c| c.set("/notification/tests/0/result", json!("negative"))
    ),
    kind!(
        "asymptomatic-with-symptoms",
        ["scope/asymptomatic-with-symptoms"],
        "an asymptomatic carrier notified with fever",
        Want {
            class: ClassWant::Exactly(Class::Asymptomatic),
            ..want()
        },
        |c| c.set("/notification/symptoms", json!(["fever"]))
    ),
    kind!(
        "suspected-not-admitted",
        ["scope/suspected-not-admitted"],
        "a suspected case (not deemed positive, at home) notified without need of admission",
        Want {
            from: Some(era::FORM_2021),
            class: ClassWant::Exactly(Class::Suspected),
            path: Some(PathWant::Home),
            ..want()
        },
        |c| c.set("/notification/clinical/needs_admission", json!(false))
    ),
    // ---- crosstab ------------------------------------------------------------------------
    kind!(
        "hospitalized-without-medical",
        ["crosstab/hospitalized-without-admission"],
        "status 入院中 but the medical tab was never filled",
        Want {
            path: Some(PathWant::StillHospitalized),
            ..want()
        },
        |c| c.remove("/medical")
    ),
    kind!(
        "death-status-mismatch",
        ["crosstab/death-status-mismatch"],
        "a death date in the record tab but the status left at 退院/療養解除",
        Want {
            path: Some(PathWant::Died),
            ..want()
        },
        |c| {
            let status = if c.get("/medical").is_some() {
                "discharged"
            } else {
                "released"
            };
            c.set("/record/care_status", json!(status))
        }
    ),
    kind!(
        "basic-drift",
        ["crosstab/basic-differs"],
        "basic tab not updated after the notification changed (address, phone or name)",
        want(),
        |c| {
            let name = c.str_at("/basic/name").unwrap_or_default();
            let variant = VARIANT_KANJI
                .iter()
                .find(|(from, _)| name.starts_with(from))
                .map(|(from, to)| name.replacen(from, to, 1));
            match (variant, between(c.rng, 0, 1)) {
                // 斎藤 → 斉藤 and the like: the other form of the kanji typed in one tab.
                (Some(v), _) => c.set("/basic/name", json!(v)),
                (None, 0) => {
                    let Some(address) = c.str_at("/basic/address") else {
                        return false;
                    };
                    c.set("/basic/address", json!(format!("{address}-201")))
                }
                (None, _) => {
                    let Some(mut phone) = c.str_at("/basic/phone") else {
                        return false;
                    };
                    let last = phone.pop().and_then(|d| d.to_digit(10)).unwrap_or(0);
                    phone.push(char::from_digit((last + 1) % 10, 10).unwrap_or('0'));
                    c.set("/basic/phone", json!(phone))
                }
            }
        }
    ),
    kind!(
        "test-tab-missing-positive",
        ["crosstab/test-tab-missing-positive"],
        "the notified positive test never entered in the tests tab",
        Want {
            class: ClassWant::LabConfirmed,
            ..want()
        },
        |c| {
            let Some(i) = positive_tab_test(c.rec) else {
                return false;
            };
            let Some(Value::Array(tests)) = c.rec.pointer_mut("/tests") else {
                return false;
            };
            tests.remove(i);
            if tests.is_empty() {
                c.remove("/tests");
            }
            true
        }
    ),
    kind!(
        "antigen-with-saliva",
        ["crosstab/method-specimen"],
        "qualitative antigen test on saliva (not an approved specimen), in both tabs",
        Want {
            from: Some(era::ANTIGEN),
            class: ClassWant::LabConfirmed,
            ..want()
        },
        |c| {
            if let Some(i) = positive_tab_test(c.rec) {
                c.set(&format!("/tests/{i}/method"), json!("antigen_qualitative"));
                c.set(&format!("/tests/{i}/specimen"), json!("saliva"));
            }
            c.set("/notification/tests/0/method", json!("antigen_qualitative"));
            c.set("/notification/tests/0/specimen", json!("saliva"))
        }
    ),
    kind!(
        "deemed-positive-with-test",
        [
            "crosstab/deemed-positive-method",
            "crosstab/test-tab-missing-positive"
        ],
        "a deemed-positive case notified with an antigen test as its method",
        Want {
            from: Some(era::DEEMED),
            class: ClassWant::Exactly(Class::Deemed),
            ..want()
        },
        |c| {
            let on = c.plan.dx.iso();
            c.set(
                "/notification/tests",
                json!([{
                    "method": "antigen_qualitative", "specimen": "nasal_swab",
                    "sampled_on": on, "result": "positive",
                }]),
            )
        }
    ),
    kind!(
        "whereabouts-mismatch",
        ["crosstab/whereabouts-mismatch"],
        "in hospital, but the whereabouts tab still says home",
        Want {
            path: Some(PathWant::StillHospitalized),
            ..want()
        },
        |c| {
            let Some(Value::Array(w)) = c.rec.pointer_mut("/whereabouts") else {
                return false;
            };
            for entry in w.iter_mut() {
                entry["kind"] = json!("home");
                entry["place"] = json!("自宅");
            }
            true
        }
    ),
    kind!(
        "travel-mismatch",
        ["crosstab/travel-mismatch"],
        "infected abroad, but the travel is missing from the activities tab",
        Want {
            travel: true,
            ..want()
        },
        |c| c.remove("/activities")
    ),
    kind!(
        "severe-without-admission-need",
        ["crosstab/severe-without-admission-need"],
        "severity 重症 with admission marked as not needed",
        Want {
            from: Some(era::FORM_2021),
            severity: Some(Severity::Severe),
            ..want()
        },
        |c| c.set("/notification/clinical/needs_admission", json!(false))
    ),
    kind!(
        "spo2-severity",
        ["crosstab/spo2-severity"],
        "SpO2 of 88-92% with severity 軽症",
        Want {
            from: Some(era::FORM_2021),
            severity: Some(Severity::Mild),
            ..want()
        },
        |c| {
            let v = between(c.rng, 88, 92);
            c.set("/notification/spo2", json!(v))
        }
    ),
    kind!(
        "admitted-without-date",
        ["crosstab/admitted-without-date"],
        "admitted at notification, admission date left blank",
        Want {
            from: Some(era::FORM_2021),
            admitted_at_notification: true,
            ..want()
        },
        |c| c.remove("/notification/clinical/admitted_on")
    ),
    kind!(
        "unconfirmed-registration",
        ["crosstab/unconfirmed-registration"],
        "registered but never confirmed (確認) by the health center",
        want(),
        |c| c.remove("/workflow/confirmed_at")
    ),
    // ---- codes ---------------------------------------------------------------------------
    kind!(
        "sex-label",
        ["codes/sex", "crosstab/basic-differs"],
        "sex typed as M/F, 男/女 or 1/2 instead of its code",
        want(),
        |c| {
            let male = c.plan.person.sex == Sex::Male;
            let v = *pick(
                c.rng,
                if male {
                    &["M", "男", "1"]
                } else {
                    &["F", "女", "2"]
                },
            );
            c.set("/notification/patient/sex", json!(v))
        }
    ),
    kind!(
        "municipality-check-digit",
        ["codes/municipality"],
        "municipality code with a wrong check digit",
        want(),
        |c| {
            let Some(mut code) = c.str_at("/notification/patient/municipality_code") else {
                return false;
            };
            let Some(d) = code.pop().and_then(|d| d.to_digit(10)) else {
                return false;
            };
            let wrong = (d + between(c.rng, 1, 9) as u32) % 10;
            code.push(char::from_digit(wrong, 10).unwrap_or('0'));
            c.set("/notification/patient/municipality_code", json!(code))
        }
    ),
    kind!(
        "prefecture-name",
        ["codes/prefecture"],
        "prefecture written as its name (東京都) or a code outside 01-47",
        want(),
        |c| {
            let code = c.plan.owner.prefecture();
            let v = if chance(c.rng, 0.7) {
                data::prefecture_name(code).to_string()
            } else {
                (*pick(c.rng, &["48", "00", "99"])).to_string()
            };
            c.set("/prefecture", json!(v))
        }
    ),
    kind!(
        "symptom-label",
        ["codes/symptoms"],
        "a symptom typed as its Japanese label, or 症状なし ticked with a symptom",
        Want {
            class: ClassWant::Exactly(Class::Patient),
            ..want()
        },
        |c| {
            let v = if chance(c.rng, 0.5) {
                json!(["発熱", "cough"])
            } else {
                json!(["none", "fever"])
            };
            c.set("/notification/symptoms", v)
        }
    ),
    kind!(
        "test-method-label",
        ["codes/test", "crosstab/test-tab-missing-positive"],
        "test method typed as PCR instead of its code",
        Want {
            class: ClassWant::LabConfirmed,
            ..want()
        },
        |c| {
            let v = *pick(c.rng, &["PCR", "PCR検査", "LAMP"]);
            c.set("/notification/tests/0/method", json!(v))
        }
    ),
    kind!(
        "care-status-label",
        ["codes/care-status"],
        "care status typed as its Japanese label",
        want(),
        |c| {
            let v = match c.str_at("/record/care_status").as_deref() {
                Some("released") => "療養解除",
                Some("discharged") => "退院",
                Some("deceased") => "死亡",
                _ => "入院中",
            };
            c.set("/record/care_status", json!(v))
        }
    ),
    kind!(
        "case-class-label",
        ["codes/case-class"],
        "case class typed as a label (確定例, confirmed) instead of its code",
        want(),
        |c| {
            let v = *pick(c.rng, &["確定例", "confirmed", "患者"]);
            c.set("/notification/case_class", json!(v))
        }
    ),
    kind!(
        "severity-label",
        ["codes/clinical"],
        "severity typed as 中等症 (no I/II), moderate or a Japanese label",
        Want {
            from: Some(era::FORM_2021),
            ..want()
        },
        |c| {
            let v = *pick(c.rng, &["中等症", "moderate", "軽症"]);
            c.set("/notification/clinical/severity", json!(v))
        }
    ),
    // ---- ranges --------------------------------------------------------------------------
    kind!(
        "age-mismatch",
        ["ranges/age-mismatch"],
        "age one or two years off the age computed from the birth date",
        want(),
        |c| {
            let age = c.plan.age;
            let off = between(c.rng, 1, 2);
            let v = if age < 2 || chance(c.rng, 0.5) {
                age + off
            } else {
                age - off
            };
            c.set("/notification/patient/age", json!(v))
        }
    ),
    kind!(
        "age-extra-digit",
        ["ranges/age-impossible", "ranges/age-mismatch"],
        "age typed with a repeated digit (45 → 455)",
        Want {
            age: AgeWant::Adult,
            ..want()
        },
        |c| {
            let age = c.plan.age;
            age >= 13 && c.set("/notification/patient/age", json!(age * 10 + age % 10))
        }
    ),
    kind!(
        "spo2-impossible",
        ["ranges/spo2-impossible"],
        "SpO2 of 120 or 980 (digits slipped)",
        Want {
            from: Some(era::FORM_2021),
            ..want()
        },
        |c| {
            let v = *pick(c.rng, &[120, 980, 101]);
            c.set("/notification/spo2", json!(v))
        }
    ),
    kind!(
        "onset-long-before-diagnosis",
        ["ranges/onset-to-diagnosis"],
        "onset more than a month before the diagnosis (month typed wrong)",
        Want {
            class: ClassWant::Exactly(Class::Patient),
            age: AgeWant::Adult,
            ..want()
        },
        |c| {
            let onset = c.plan.dx.add_days(-between(c.rng, 35, 60));
            if c.get("/notification/infected_on").is_some() {
                c.set("/notification/infected_on", json!(onset.add_days(-4).iso()));
            }
            c.set("/notification/onset_on", json!(onset.iso()))
        }
    ),
    kind!(
        "incubation-too-long",
        ["ranges/incubation"],
        "infection date weeks before the onset",
        Want {
            class: ClassWant::Exactly(Class::Patient),
            age: AgeWant::Adult,
            infection_details: true,
            ..want()
        },
        |c| {
            let Some(onset) = c.facts.onset else {
                return false;
            };
            let d = onset.add_days(-between(c.rng, 20, 40));
            c.set("/notification/infected_on", json!(d.iso()))
        }
    ),
    kind!(
        "temperature-decimal-slip",
        ["ranges/temperature"],
        "body temperature typed without its decimal point (375)",
        Want {
            path: Some(PathWant::Home),
            ..want()
        },
        |c| {
            let Some(t) = c.get("/observations/0/temperature").and_then(Value::as_f64) else {
                return false;
            };
            c.set("/observations/0/temperature", json!((t * 10.0).round()))
        }
    ),
    // ---- formats -------------------------------------------------------------------------
    kind!(
        "invalid-date",
        ["formats/date"],
        "a date that does not exist (2021-02-30, 2022-06-31)",
        want(),
        |c| {
            let y = c.facts.reported.year();
            let (m, d) = *pick(
                c.rng,
                &[(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)],
            );
            c.set(
                "/notification/accepted_on",
                json!(format!("{y}-{m:02}-{d}")),
            )
        }
    ),
    kind!(
        "phone-digit-dropped",
        ["formats/phone", "crosstab/basic-differs"],
        "patient phone number with digits missing (9 left)",
        want(),
        |c| {
            let Some(phone) = c.str_at("/notification/patient/phone") else {
                return false;
            };
            let total = phone.chars().filter(char::is_ascii_digit).count();
            let mut drop = total.saturating_sub(9);
            let mut seen = 0;
            let cut: String = phone
                .chars()
                .filter(|ch| {
                    if !ch.is_ascii_digit() {
                        return true;
                    }
                    seen += 1;
                    // keep the leading 0 and the last digits; lose digits from the middle
                    if seen > 3 && drop > 0 {
                        drop -= 1;
                        return false;
                    }
                    true
                })
                .collect();
            c.set("/notification/patient/phone", json!(cut))
        }
    ),
    kind!(
        "half-width-kana",
        ["formats/name-kana", "crosstab/basic-differs"],
        "フリガナ typed in half-width katakana",
        want(),
        |c| {
            let Some(kana) = c.str_at("/notification/patient/name_kana") else {
                return false;
            };
            c.set(
                "/notification/patient/name_kana",
                json!(data::to_half_width_kana(&kana)),
            )
        }
    ),
    kind!(
        "hersys-id-truncated",
        ["formats/hersys-id"],
        "HER-SYS ID copied with only five digits",
        want(),
        |c| {
            let Some(id) = c.str_at("/hersys_id") else {
                return false;
            };
            c.set("/hersys_id", json!(id.get(..5).unwrap_or("12345")))
        }
    ),
    // ---- identity ------------------------------------------------------------------------
    kind!(
        "duplicate-person",
        ["identity/probable-duplicate"],
        "a person notified again (same kana, birth date and sex) within 60 days of a recent record",
        want(),
        Special::DuplicatePerson,
        |_| true
    ),
    kind!(
        "duplicate-hersys-id",
        ["identity/duplicate-hersys-id"],
        "the HER-SYS ID of another, recent person typed into this record",
        want(),
        Special::DuplicateHersysId,
        |c| {
            let Some(id) = c.other_hersys_id.map(str::to_string) else {
                return false;
            };
            c.set("/hersys_id", json!(id))
        }
    ),
];

/// Surnames with a variant kanji people type instead (異体字).
const VARIANT_KANJI: &[(&str, &str)] = &[
    ("斎藤", "斉藤"),
    ("渡辺", "渡邊"),
    ("高橋", "髙橋"),
    ("山崎", "山﨑"),
    ("中島", "中嶋"),
];

/// Vaccinated adults diagnosed once two doses were behind most of them.
const VACCINATED: Want = Want {
    from: Some(Date::ymd(2022, 1, 1)),
    age: AgeWant::Adult,
    vaccinated: true,
    ..Want::ANY
};
