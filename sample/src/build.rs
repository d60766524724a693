//! Writes a [`Plan`] out as a clean record of the shape of RECORD.md.
//!
//! "Clean" means: no rule of the `hersys` pack fires for it with `as_of` 2024-06-01 (when the
//! configured range stays inside 2020-02-01..=2023-05-07). Each choice below names the rule it
//! keeps quiet where that is not obvious.

use crate::data::{self, COUNTRIES, HOSPITALS, LABS, ROUTE_DETAILS, SURNAMES, TOWNS};
use crate::date::{Date, push_num};
use crate::plan::{Class, Path, Plan, R, Severity, Sex, between, chance, era, pick, weighted};
use rand::Rng;
use serde_json::{Map, Value};

/// A JSON object with its map sized up front: `json!` grows maps one insert at a time, and
/// rehashing and reallocating was a tenth of the generator's time.
macro_rules! obj {
    ($($k:literal : $v:expr),* $(,)?) => {{
        let mut m = Map::with_capacity(obj!(@count $($k)*));
        $( m.insert(String::from($k), Value::from($v)); )*
        Value::Object(m)
    }};
    (@count) => { 0 };
    (@count $head:literal $($tail:literal)*) => { 1 + obj!(@count $($tail)*) };
}

/// `parts` joined, with one allocation (names and addresses are built for every record).
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Dates of the built record that mistakes need and that are tedious to read back from JSON.
#[derive(Clone, Debug)]
pub(crate) struct Facts {
    pub onset: Option<Date>,
    pub reported: Date,
    pub care_start: Option<Date>,
    pub care_end: Option<Date>,
}

fn mobile(rng: &mut R) -> String {
    let mut s = String::with_capacity(13);
    s.push('0');
    s.push(*pick(rng, &['7', '8', '8', '9', '9', '9']));
    s.push_str("0-");
    push_num(&mut s, rng.random_range(1000..10000), 4);
    s.push('-');
    push_num(&mut s, rng.random_range(0..10000), 4);
    s
}

/// A 10-digit landline in area `area`: 市外局番, 市内局番 and a 4-digit subscriber number.
fn landline(rng: &mut R, area: &str) -> String {
    let exchange_len = 6u32.saturating_sub(area.len() as u32).max(1);
    let lo = 2 * 10u32.pow(exchange_len - 1);
    let mut s = String::with_capacity(12);
    s.push_str(area);
    s.push('-');
    push_num(
        &mut s,
        rng.random_range(lo..10u32.pow(exchange_len)),
        exchange_len as usize,
    );
    s.push('-');
    push_num(&mut s, rng.random_range(0..10000), 4);
    s
}

fn street(rng: &mut R, pref: &str, muni: &str) -> String {
    let mut s = concat(&[data::prefecture_name(pref), muni, *pick(rng, TOWNS)]);
    push_num(&mut s, between(rng, 1, 5) as u32, 1);
    s.push_str("丁目");
    push_num(&mut s, between(rng, 1, 30) as u32, 1);
    s.push('番');
    push_num(&mut s, between(rng, 1, 20) as u32, 1);
    s.push('号');
    s
}

/// The municipality name without its 市/区 suffix, as hospitals are named (札幌赤十字病院).
fn stem(name: &str) -> &str {
    name.strip_suffix('市')
        .or_else(|| name.strip_suffix('区'))
        .unwrap_or(name)
}

/// RFC 3339 timestamp in JST, `minutes` after midnight of `day` (may run into later days).
pub(crate) fn timestamp(day: Date, minutes: u32) -> String {
    let day = day.add_days((minutes / 1440) as i32);
    let m = minutes % 1440;
    let mut s = day.iso();
    s.push('T');
    push_num(&mut s, m / 60, 2);
    s.push(':');
    push_num(&mut s, m % 60, 2);
    s.push_str(":00+09:00");
    s
}

const SYMPTOMS_MILD: [&str; 9] = [
    "fever",
    "cough",
    "other_respiratory",
    "fatigue",
    "headache",
    "smell_taste_disorder",
    "diarrhea",
    "nausea_vomiting",
    "conjunctivitis",
];
const SYMPTOM_WEIGHTS: [u32; 9] = [60, 40, 30, 25, 20, 10, 5, 4, 1];

fn symptoms(rng: &mut R, plan: &Plan) -> Vec<Value> {
    if plan.class == Class::Asymptomatic {
        return vec![Value::from("none")];
    }
    let mut chosen = [false; SYMPTOMS_MILD.len()];
    let n = between(rng, 1, 3);
    for _ in 0..n {
        chosen[weighted(rng, &SYMPTOM_WEIGHTS)] = true;
    }
    let mut out: Vec<Value> = SYMPTOMS_MILD
        .iter()
        .zip(chosen)
        .filter(|(_, c)| *c)
        .map(|(s, _)| Value::from(*s))
        .collect();
    if plan.severity.serious() || matches!(plan.class, Class::Suspected | Class::DeadBody) {
        out.push(Value::from("pneumonia"));
    }
    if plan.severity == Severity::Severe {
        out.push(Value::from(if chance(rng, 0.7) {
            "severe_pneumonia"
        } else {
            "ards"
        }));
    }
    out
}

/// SpO2 on room air consistent with the severity (keeps `crosstab/spo2-severity` quiet).
fn spo2(rng: &mut R, severity: Severity) -> i32 {
    match severity {
        Severity::Mild => between(rng, 96, 99),
        Severity::Moderate1 => between(rng, 94, 95),
        Severity::Moderate2 => between(rng, 89, 93),
        Severity::Severe => between(rng, 80, 92),
    }
}

/// (method, specimen) of the diagnostic test, by what was in use at the time.
fn diagnostic_test(rng: &mut R, dx: Date) -> (&'static str, &'static str) {
    let method = if dx < era::ANTIGEN {
        "naat"
    } else if dx < era::DEEMED {
        ["naat", "antigen_qualitative", "antigen_quantitative"][weighted(rng, &[80, 12, 8])]
    } else {
        ["naat", "antigen_qualitative", "antigen_quantitative"][weighted(rng, &[50, 45, 5])]
    };
    let specimen = match method {
        "antigen_qualitative" => ["nasopharyngeal_swab", "nasal_swab"][weighted(rng, &[60, 40])],
        "antigen_quantitative" => {
            ["nasopharyngeal_swab", "saliva", "nasal_swab"][weighted(rng, &[50, 30, 20])]
        }
        _ if dx < era::SALIVA => {
            ["nasopharyngeal_swab", "sputum", "throat_swab"][weighted(rng, &[70, 20, 10])]
        }
        _ => ["nasopharyngeal_swab", "saliva", "nasal_swab", "sputum"]
            [weighted(rng, &[50, 30, 15, 5])],
    };
    (method, specimen)
}

/// Dose dates the person would have had, by Japan's rollout: health-care workers from
/// 2021-02-17, 65+ from 2021-04-12, 12+ from June 2021, 5–11 from March 2022, boosters from
/// December 2021, May 2022 and September 2022. Strictly increasing.
fn vaccination_schedule(
    rng: &mut R,
    plan: &Plan,
    medical_worker: bool,
    interval: i32,
) -> Vec<Date> {
    let birth = plan.person.birth;
    let age_2021 = birth.age_on(Date::ymd(2021, 4, 1));
    let (start, uptake) = if medical_worker {
        (era::ROLLOUT.add_days(between(rng, 0, 60)), 0.95)
    } else if age_2021 >= 65 {
        (Date::ymd(2021, 4, 12).add_days(between(rng, 0, 80)), 0.92)
    } else if age_2021 >= 12 {
        (Date::ymd(2021, 6, 1).add_days(between(rng, 0, 150)), 0.8)
    } else {
        let start = Date::ymd(2022, 3, 1).add_days(between(rng, 0, 120));
        if birth.age_on(start) < 5 {
            return Vec::new();
        }
        (start, 0.25)
    };
    if !plan.force_vaccinated && !chance(rng, uptake) {
        return Vec::new();
    }
    let older = plan.age >= 60;
    let mut doses = vec![start, start.add_days(interval)];
    if chance(rng, if older { 0.9 } else { 0.65 }) {
        doses.push(
            doses[1]
                .add_days(between(rng, 180, 270))
                .max(Date::ymd(2021, 12, 1)),
        );
        if chance(rng, if older { 0.8 } else { 0.2 }) {
            doses.push(
                doses[2]
                    .add_days(between(rng, 150, 210))
                    .max(Date::ymd(2022, 5, 25)),
            );
            if chance(rng, if older { 0.65 } else { 0.3 }) {
                doses.push(
                    doses[3]
                        .add_days(between(rng, 90, 150))
                        .max(Date::ymd(2022, 9, 20)),
                );
            }
        }
    }
    doses
}

fn vaccinations(rng: &mut R, plan: &Plan, medical_worker: bool) -> Vec<Value> {
    // Primary series: Pfizer (second dose after 3 weeks) or Moderna (after 4).
    let (first_maker, interval) = if chance(rng, 0.8) {
        ("pfizer", 21)
    } else {
        ("moderna", 28)
    };
    let doses: Vec<Date> = vaccination_schedule(rng, plan, medical_worker, interval)
        .into_iter()
        .filter(|d| *d < plan.dx)
        .collect();
    if doses.is_empty() {
        let status = if chance(rng, 0.05) { "unknown" } else { "no" };
        return vec![obj! {"dose": 1, "status": status}];
    }
    doses
        .iter()
        .enumerate()
        .map(|(i, on)| {
            let maker = if i < 2 {
                first_maker
            } else if chance(rng, 0.6) {
                "pfizer"
            } else {
                "moderna"
            };
            obj! {
                "dose": i + 1,
                "status": "yes",
                "age": plan.person.birth.age_on(*on),
                "maker": maker,
                "on": on.iso(),
            }
        })
        .collect()
}

/// Builds the clean record of `plan`.
pub(crate) fn build(rng: &mut R, plan: &Plan, id: String, hersys_id: String) -> (Value, Facts) {
    let dx = plan.dx;
    let person = &plan.person;
    let home = plan.home;
    let owner = plan.owner;
    let lab = plan.class.lab_confirmed() || plan.class == Class::DeadBody;

    // ---- dates, backwards from the diagnosis ------------------------------------------
    let mut died = None;
    let (first_visit, sampled, onset, infected);
    if plan.class == Class::DeadBody {
        let d = dx.add_days(-between(rng, 0, 1));
        died = Some(d);
        first_visit = dx;
        sampled = Some(dx);
        onset = Some(d.add_days(-between(rng, 2, 6)));
    } else {
        let s = dx.add_days(-*pick(rng, &[0, 0, 1, 1, 1, 2]));
        let fv = if lab {
            s.add_days(-*pick(rng, &[0, 0, 0, 0, 1, 1, 2]))
        } else {
            dx.add_days(-between(rng, 0, 1))
        };
        first_visit = fv;
        sampled = lab.then_some(s);
        onset = (plan.class != Class::Asymptomatic).then(|| fv.add_days(-between(rng, 0, 4)));
    }
    infected = Some(match onset {
        Some(o) => o.add_days(-between(rng, 2, 7)),
        None => sampled.unwrap_or(dx).add_days(-between(rng, 2, 7)),
    });
    let reported = dx.add_days(if chance(rng, 0.8) { 0 } else { 1 });
    let accepted = reported.add_days(if chance(rng, 0.7) { 0 } else { 1 });

    // ---- patient -------------------------------------------------------------------------
    let address = street(rng, home.prefecture(), home.name);
    let phone = if plan.age >= 70 && chance(rng, 0.5) {
        landline(rng, home.area)
    } else {
        mobile(rng)
    };
    let occupation_pick = rng.random_range(0..1000usize);
    let occupation = data::occupation(plan.age, occupation_pick);
    let medical_worker = matches!(occupation, "医療従事者" | "介護職員");
    let name = person.name();
    let kana = person.kana();
    let birth = person.birth.iso();
    let mut p = Map::with_capacity(12);
    p.insert("name".into(), Value::from(name.clone()));
    p.insert("name_kana".into(), Value::from(kana.clone()));
    p.insert("sex".into(), Value::from(person.sex.code()));
    p.insert("birth_date".into(), Value::from(birth.clone()));
    p.insert("age".into(), Value::from(plan.age));
    if plan.age == 0 {
        p.insert("age_months".into(), Value::from(person.birth.months_on(dx)));
    }
    if plan.occupation {
        p.insert("occupation".into(), Value::from(occupation));
    }
    p.insert("address".into(), Value::from(address.clone()));
    p.insert("phone".into(), Value::from(phone.clone()));
    p.insert("location".into(), Value::from(address.clone()));
    p.insert("location_phone".into(), Value::from(phone.clone()));
    p.insert("municipality_code".into(), Value::from(home.code));
    let patient = Value::Object(p);

    // ---- notification ----------------------------------------------------------------------
    let doctor = SURNAMES[rng.random_range(0..SURNAMES.len())].0;
    let facility = if chance(rng, 0.5) {
        concat(&[stem(owner.name), *pick(rng, data::CLINICS)])
    } else {
        concat(&[doctor, *pick(rng, &["内科医院", "クリニック", "医院"])])
    };
    let doctor_given = data::MALE_YOUNGER[rng.random_range(0..data::GIVEN_LEN)].0;
    let mut n = Map::with_capacity(22);
    n.insert("reported_on".into(), Value::from(reported.iso()));
    n.insert("accepted_on".into(), Value::from(accepted.iso()));
    n.insert(
        "physician".into(),
        obj! {
            "name": concat(&[doctor, "\u{3000}", doctor_given]),
            "facility": facility,
            "address": street(rng, owner.prefecture(), owner.name),
            "phone": landline(rng, owner.area),
        },
    );
    n.insert("case_class".into(), Value::from(plan.class.code()));
    if plan.class == Class::Deemed {
        n.insert("deemed_positive".into(), Value::from(true));
    }
    n.insert("patient".into(), patient);
    if plan.minor() {
        let parent = data::FEMALE_YOUNGER[rng.random_range(0..data::GIVEN_LEN)].0;
        n.insert(
            "guardian".into(),
            obj! {
                "name": concat(&[SURNAMES[person.surname].0, "\u{3000}", parent]),
                "address": address.clone(),
                "phone": mobile(rng),
            },
        );
    }
    let symptom_list = symptoms(rng, plan);
    if plan.symptoms_listed {
        n.insert("symptoms".into(), Value::Array(symptom_list.clone()));
    }
    if plan.form_2021() {
        n.insert("spo2".into(), Value::from(spo2(rng, plan.severity)));
    }
    let (method, specimen) = if plan.class == Class::DeadBody {
        ("naat", "nasopharyngeal_swab")
    } else {
        diagnostic_test(rng, dx)
    };
    if let Some(s) = sampled {
        n.insert(
            "tests".into(),
            Value::Array(vec![obj! {
                "method": method, "specimen": specimen, "sampled_on": s.iso(), "result": "positive",
            }]),
        );
    } else if plan.class == Class::Deemed {
        // みなし陽性: diagnosed without a test, the method is recorded as その他.
        n.insert("tests".into(), Value::Array(vec![obj! {"method": "other"}]));
    }
    if !plan.reduced() {
        n.insert("first_visit_on".into(), Value::from(first_visit.iso()));
    } else if let Some(s) = sampled {
        n.insert("sampled_on".into(), Value::from(s.iso()));
    }
    n.insert("diagnosed_on".into(), Value::from(dx.iso()));
    if plan.infection_details {
        n.insert("infected_on".into(), Value::from(infected.map(Date::iso)));
    }
    if let Some(o) = onset {
        n.insert("onset_on".into(), Value::from(o.iso()));
    }
    if plan.class == Class::DeadBody {
        n.insert("died_on".into(), Value::from(died.map(Date::iso)));
    }

    // infection route and area; travellers were abroad around the infection date
    let mut activities = Vec::new();
    let travel = plan.travel.then(|| {
        let inf = infected.unwrap_or(dx);
        let departed = inf.add_days(-between(rng, 1, 7));
        let entered = inf.add_days(between(rng, 1, 5)).min(dx);
        let (country, detail) = *pick(rng, COUNTRIES);
        activities.push(obj! {
            "from": departed.iso(), "to": entered.iso(), "place": detail,
            "overseas": true, "country": country,
        });
        (departed, entered, country, detail)
    });
    if plan.infection_details || plan.travel {
        let route_type = ["droplet", "contact", "other"][weighted(rng, &[85, 10, 5])];
        let area = match travel {
            Some((departed, entered, country, detail)) => obj! {
                "likelihood": "presumed",
                "overseas": vec![obj! {"country": country, "detail": detail}],
                "departed_on": departed.iso(),
                "entered_on": entered.iso(),
            },
            None => obj! {
                "likelihood": "presumed",
                "domestic": vec![obj! {"prefecture": home.prefecture(), "municipality": home.name}],
            },
        };
        n.insert(
            "infection".into(),
            obj! {
                "route": obj! {
                    "likelihood": if chance(rng, 0.2) { "confirmed" } else { "presumed" },
                    "type": route_type,
                    "detail": if travel.is_some() { "海外渡航" } else { *pick(rng, ROUTE_DETAILS) },
                },
                "area": area,
            },
        );
    }
    if plan.form_2021() {
        let list = vaccinations(rng, plan, medical_worker);
        n.insert("vaccinations".into(), Value::Array(list));
    }

    // ---- care ------------------------------------------------------------------------------
    let hospital_name = concat(&[stem(owner.name), *pick(rng, HOSPITALS)]);
    let admitted_on = if plan.admitted_at_notification {
        dx
    } else {
        dx.add_days(between(rng, 1, 2))
    };
    let care_len = if dx >= era::SHORT_CARE {
        between(rng, 6, 9)
    } else {
        between(rng, 9, 12)
    };
    let stay = if plan.severity.serious() {
        between(rng, 10, 25)
    } else {
        between(rng, 5, 14)
    };
    let (care_status, care_end) = match plan.path {
        Path::Home | Path::Hotel | Path::Facility => ("released", Some(dx.add_days(care_len))),
        Path::Hospital => ("discharged", Some(admitted_on.add_days(stay))),
        Path::StillHospitalized => ("hospitalized", None),
        Path::DiedInHospital => {
            died = Some(admitted_on.add_days(between(rng, 3, 20)));
            ("deceased", died)
        }
        Path::DiedAtHome => {
            died = Some(dx.add_days(between(rng, 2, 10)));
            ("deceased", died)
        }
        Path::Body => ("deceased", None),
    };
    let care_start = (plan.path != Path::Body).then_some(dx);

    if plan.form_2021() {
        let mut c = Map::with_capacity(11);
        c.insert(
            "admitted".into(),
            Value::from(plan.admitted_at_notification),
        );
        if plan.admitted_at_notification {
            c.insert("admitted_on".into(), Value::from(admitted_on.iso()));
        }
        c.insert("has_risk_factors".into(), Value::from(plan.has_risk));
        if plan.has_risk {
            const RISKS: [&str; 8] = [
                "hypertension",
                "diabetes",
                "obesity",
                "dyslipidemia",
                "ckd",
                "copd",
                "cancer",
                "smoking",
            ];
            let first = weighted(rng, &[30, 25, 12, 10, 8, 6, 5, 4]);
            let mut list = vec![Value::from(RISKS[first])];
            if chance(rng, 0.3) {
                let second = (first + between(rng, 1, 7) as usize) % RISKS.len();
                list.push(Value::from(RISKS[second]));
            }
            c.insert("risk_factors".into(), Value::Array(list));
        }
        c.insert(
            "immunosuppressed".into(),
            Value::from(plan.immunosuppressed),
        );
        if person.sex == Sex::Female {
            c.insert("pregnant".into(), Value::from(plan.pregnant));
        }
        c.insert("severity".into(), Value::from(plan.severity.code()));
        c.insert("needs_admission".into(), Value::from(plan.needs_admission));
        if dx >= era::LIMITED_EARLY {
            c.insert("needs_covid_drug".into(), Value::from(plan.drug));
            c.insert("needs_oxygen".into(), Value::from(plan.oxygen));
        }
        n.insert("clinical".into(), Value::Object(c));
    }

    // ---- tabs --------------------------------------------------------------------------
    let mut r = Map::with_capacity(14);
    r.insert("id".into(), Value::from(id));
    r.insert("hersys_id".into(), Value::from(hersys_id));
    r.insert("prefecture".into(), Value::from(owner.prefecture()));
    r.insert("health_center".into(), Value::from(owner.health_center));
    r.insert("notification".into(), Value::Object(n));
    r.insert(
        "basic".into(),
        obj! {
            "name": name,
            "name_kana": kana,
            "sex": person.sex.code(),
            "birth_date": birth,
            "address": address,
            "phone": phone,
        },
    );
    if let Some(s) = sampled {
        let mut tests = Vec::with_capacity(2);
        // Some were first screened negative by a quick antigen test a few days before.
        let screened = s.add_days(-between(rng, 2, 3));
        if plan.class != Class::DeadBody && dx >= era::ANTIGEN && chance(rng, 0.1) {
            tests.push(obj! {
                "method": "antigen_qualitative", "specimen": "nasal_swab",
                "sampled_on": screened.iso(), "result": "negative",
                "resulted_on": screened.iso(), "lab": "院内検査",
            });
        }
        tests.push(obj! {
            "method": method, "specimen": specimen, "sampled_on": s.iso(),
            "result": "positive", "resulted_on": dx.iso(), "lab": *pick(rng, LABS),
        });
        r.insert("tests".into(), Value::Array(tests));
    }

    if let (Some(start), Some(end), Path::Home | Path::Hotel | Path::Facility) =
        (care_start, care_end, plan.path)
    {
        let span = end.days_since(start);
        let days = [1, span / 2, span];
        let source = match plan.path {
            Path::Home if dx >= era::HOTEL => *pick(rng, &["self", "self", "self", "call"]),
            _ => "staff",
        };
        let symptomatic = matches!(
            plan.class,
            Class::Patient | Class::Suspected | Class::Deemed
        );
        let obs: Vec<Value> = days
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                let t = if i == 0 && symptomatic {
                    between(rng, 370, 385)
                } else {
                    between(rng, 358, 369)
                };
                let sym: Vec<&str> = if i < 2 && symptomatic {
                    symptom_list
                        .iter()
                        .take(2 - i)
                        .filter_map(Value::as_str)
                        .collect()
                } else {
                    Vec::new()
                };
                obj! {
                    "on": start.add_days(d).iso(),
                    "temperature": f64::from(t) / 10.0,
                    "spo2": between(rng, 95, 99),
                    "symptoms": sym,
                    "source": source,
                }
            })
            .collect();
        r.insert("observations".into(), Value::Array(obs));
    }

    let mut medical = Vec::new();
    let mut whereabouts = Vec::new();
    match plan.path {
        Path::Home | Path::Hotel | Path::Facility | Path::DiedAtHome => {
            let (kind, place) = match plan.path {
                Path::Hotel => ("hotel", concat(&[stem(owner.name), "宿泊療養施設"])),
                Path::Facility => ("facility", "介護老人保健施設".to_string()),
                _ => ("home", "自宅".to_string()),
            };
            let mut w = Map::with_capacity(4);
            w.insert("kind".into(), Value::from(kind));
            w.insert("place".into(), Value::from(place));
            w.insert("from".into(), Value::from(dx.iso()));
            if let Some(end) = care_end {
                w.insert("to".into(), Value::from(end.iso()));
            }
            whereabouts.push(Value::Object(w));
        }
        Path::Hospital | Path::StillHospitalized | Path::DiedInHospital => {
            if admitted_on > dx {
                whereabouts.push(obj! {
                    "kind": "home", "place": "自宅", "from": dx.iso(), "to": admitted_on.iso(),
                });
            }
            let mut stay = Map::with_capacity(4);
            stay.insert("kind".into(), Value::from("hospital"));
            stay.insert("place".into(), Value::from(hospital_name.clone()));
            stay.insert("from".into(), Value::from(admitted_on.iso()));
            let mut m = Map::with_capacity(6);
            m.insert("hospital".into(), Value::from(hospital_name));
            m.insert("admitted_on".into(), Value::from(admitted_on.iso()));
            if let Some(end) = care_end {
                stay.insert("to".into(), Value::from(end.iso()));
                m.insert("discharged_on".into(), Value::from(end.iso()));
            }
            // Some got worse in hospital: the stay's severity is the worst reached.
            let worst = match plan.severity {
                Severity::Mild if chance(rng, 0.15) => Severity::Moderate1,
                Severity::Moderate1 if chance(rng, 0.15) => Severity::Moderate2,
                Severity::Moderate2 if chance(rng, 0.15) => Severity::Severe,
                s => s,
            };
            let ventilator = worst == Severity::Severe && chance(rng, 0.4);
            m.insert("severity".into(), Value::from(worst.code()));
            m.insert("ventilator".into(), Value::from(ventilator));
            m.insert("ecmo".into(), Value::from(ventilator && chance(rng, 0.1)));
            medical.push(Value::Object(m));
            whereabouts.push(Value::Object(stay));
        }
        Path::Body => {}
    }
    if !medical.is_empty() {
        r.insert("medical".into(), Value::Array(medical));
    }
    if !whereabouts.is_empty() {
        r.insert("whereabouts".into(), Value::Array(whereabouts));
    }
    if !activities.is_empty() {
        r.insert("activities".into(), Value::Array(activities));
    }

    let mut rec = Map::with_capacity(4);
    rec.insert("care_status".into(), Value::from(care_status));
    if let Some(s) = care_start {
        rec.insert("care_start_on".into(), Value::from(s.iso()));
    }
    if let Some(e) = care_end {
        rec.insert("care_end_on".into(), Value::from(e.iso()));
    }
    if let Some(d) = died {
        rec.insert("died_on".into(), Value::from(d.iso()));
    }
    r.insert("record".into(), Value::Object(rec));

    let registered = between(rng, 9 * 60, 19 * 60 + 59) as u32;
    let confirmed = registered + between(rng, 15, 26 * 60) as u32;
    r.insert(
        "workflow".into(),
        obj! {
            "registered_at": timestamp(accepted, registered),
            "confirmed_at": timestamp(accepted, confirmed),
        },
    );
    r.insert("acknowledged".into(), Value::Array(Vec::new()));

    let facts = Facts {
        onset,
        reported,
        care_start,
        care_end,
    };
    (Value::Object(r), facts)
}
