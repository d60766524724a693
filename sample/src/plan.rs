//! What a record will be, decided before any JSON is built.
//!
//! Drawing the story first (who, when, how ill, where cared for) and writing the record second
//! keeps every tab consistent with every other, and lets a mistake kind ask for the story it
//! needs (a hospital stay, a minor, a date after 2022-09-26) before the record exists.

use crate::data::{self, GIVEN_LEN, MUNICIPALITIES, Municipality, SURNAMES};
use crate::date::Date;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub(crate) type R = ChaCha8Rng;

/// Dates of the timeline in RULES.md that change what a clean record holds.
pub(crate) mod era {
    use crate::date::Date;
    /// Suspected cases notified only when they need admission.
    pub const SUSPECTED_ADMISSION_ONLY: Date = Date::ymd(2020, 10, 24);
    /// Form adds フリガナ, SpO2, vaccination history and item 19.
    pub const FORM_2021: Date = Date::ymd(2021, 2, 10);
    /// First vaccination in Japan (health-care workers).
    pub const ROLLOUT: Date = Date::ymd(2021, 2, 17);
    /// みなし陽性 allowed.
    pub const DEEMED: Date = Date::ymd(2022, 1, 24);
    /// Age of majority 20 → 18.
    pub const MAJORITY_18: Date = Date::ymd(2022, 4, 1);
    /// Reduced notification items; specimen date required.
    pub const REDUCED: Date = Date::ymd(2022, 6, 30);
    /// Limited scope in the four early prefectures.
    pub const LIMITED_EARLY: Date = Date::ymd(2022, 9, 2);
    /// Care period shortened to 7 days.
    pub const SHORT_CARE: Date = Date::ymd(2022, 9, 7);
    /// Limited notification scope nationwide.
    pub const LIMITED: Date = Date::ymd(2022, 9, 26);
    /// Antigen tests approved for diagnosis.
    pub const ANTIGEN: Date = Date::ymd(2020, 5, 13);
    /// Saliva accepted for PCR.
    pub const SALIVA: Date = Date::ymd(2020, 6, 2);
    /// Lodging (hotel) care begins.
    pub const HOTEL: Date = Date::ymd(2020, 4, 1);
}

pub(crate) fn chance(rng: &mut R, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

/// A uniform integer in `lo..=hi`.
pub(crate) fn between(rng: &mut R, lo: i32, hi: i32) -> i32 {
    if hi <= lo {
        lo
    } else {
        rng.random_range(lo..=hi)
    }
}

pub(crate) fn pick<'a, T>(rng: &mut R, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// An index drawn with the given weights.
pub(crate) fn weighted(rng: &mut R, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total.max(1));
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// 類型, with みなし陽性 as its own class because it shapes the whole record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Patient,
    Asymptomatic,
    /// 疑似症患者 diagnosed clinically, not deemed positive (needs admission from 2020-10-24).
    Suspected,
    /// 疑似症患者 with みなし陽性 (from 2022-01-24).
    Deemed,
    /// 感染症死亡者の死体.
    DeadBody,
}

impl Class {
    pub fn code(self) -> &'static str {
        match self {
            Class::Patient => "patient",
            Class::Asymptomatic => "asymptomatic",
            Class::Suspected | Class::Deemed => "suspected",
            Class::DeadBody => "dead_confirmed",
        }
    }

    pub fn lab_confirmed(self) -> bool {
        matches!(self, Class::Patient | Class::Asymptomatic)
    }
}

/// Where the person was cared for and how it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Path {
    Home,
    Hotel,
    Facility,
    /// Admitted and discharged.
    Hospital,
    /// Still in hospital when the data were taken.
    StillHospitalized,
    DiedInHospital,
    DiedAtHome,
    /// A dead class: no care at all.
    Body,
}

impl Path {
    pub fn in_hospital(self) -> bool {
        matches!(
            self,
            Path::Hospital | Path::StillHospitalized | Path::DiedInHospital
        )
    }
    pub fn died(self) -> bool {
        matches!(self, Path::DiedInHospital | Path::DiedAtHome | Path::Body)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Severity {
    Mild,
    Moderate1,
    Moderate2,
    Severe,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Mild => "mild",
            Severity::Moderate1 => "moderate1",
            Severity::Moderate2 => "moderate2",
            Severity::Severe => "severe",
        }
    }
    pub fn serious(self) -> bool {
        self >= Severity::Moderate2
    }
}

/// Who the person is. Copied as a whole when a record duplicates an earlier person.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Person {
    pub surname: usize,
    pub given: usize,
    pub sex: Sex,
    pub birth: Date,
}

impl Person {
    fn given_list(&self) -> &'static [(&'static str, &'static str); GIVEN_LEN] {
        let older = self.birth.year() < 1970;
        match (self.sex, older) {
            (Sex::Male, true) => &data::MALE_OLDER,
            (Sex::Male, false) => &data::MALE_YOUNGER,
            (Sex::Female, true) => &data::FEMALE_OLDER,
            (Sex::Female, false) => &data::FEMALE_YOUNGER,
        }
    }

    /// 氏名 in kanji, family name first, separated by a full-width space as on the form.
    pub fn name(&self) -> String {
        let (s, _) = SURNAMES[self.surname];
        let (g, _) = self.given_list()[self.given];
        crate::build::concat(&[s, "\u{3000}", g])
    }

    /// フリガナ in full-width katakana.
    pub fn kana(&self) -> String {
        let (_, s) = SURNAMES[self.surname];
        let (_, g) = self.given_list()[self.given];
        crate::build::concat(&[s, "\u{3000}", g])
    }
}

/// The number of distinct (surname, given name, birthday) slots handed out by the name
/// permutation: up to this many records, no two people share a name and a birthday.
pub(crate) const PERSON_SLOTS: u64 = (SURNAMES.len() * GIVEN_LEN * 365) as u64;

/// Month and day of day-of-year `doy` (0..365) in a common year: nobody is born on 29 February,
/// which keeps age arithmetic free of the leap-day convention question.
fn month_day(doy: u32) -> (u32, u32) {
    const LEN: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut d = doy % 365;
    for (i, &l) in LEN.iter().enumerate() {
        if d < l {
            return (i as u32 + 1, d + 1);
        }
        d -= l;
    }
    (12, 31)
}

/// The person of slot `slot` who is `age` on `dx`.
pub(crate) fn person_in_slot(slot: u64, sex: Sex, age: i32, dx: Date) -> Person {
    let n_s = SURNAMES.len() as u64;
    let surname = (slot % n_s) as usize;
    let given = ((slot / n_s) % GIVEN_LEN as u64) as usize;
    let (bm, bd) = month_day(((slot / (n_s * GIVEN_LEN as u64)) % 365) as u32);
    let (y, m, d) = dx.ymd_parts();
    let mut age = age;
    let birth = loop {
        let by = y - age - i32::from((bm, bd) > (m, d));
        let birth = Date::ymd(by, bm, bd);
        // A newborn diagnosed within weeks of birth would have an infection date before it.
        if age == 0 && dx.days_since(birth) < 45 {
            age = 1;
            continue;
        }
        break birth;
    };
    Person {
        surname,
        given,
        sex,
        birth,
    }
}

/// What a mistake kind needs the clean record to be.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Want {
    /// The diagnosis-date window, intersected with the configured range.
    pub from: Option<Date>,
    pub until: Option<Date>,
    pub class: ClassWant,
    pub path: Option<PathWant>,
    pub age: AgeWant,
    pub sex: Option<Sex>,
    pub scope: ScopeWant,
    pub vaccinated: bool,
    pub travel: bool,
    pub infection_details: bool,
    pub admitted_at_notification: bool,
    pub severity: Option<Severity>,
}

impl Want {
    /// Whether only the diagnosis window and the person's sex are asked for.
    fn unconstrained(&self) -> bool {
        self.path.is_none()
            && self.age == AgeWant::Any
            && self.scope == ScopeWant::Auto
            && !self.vaccinated
            && !self.travel
            && !self.infection_details
            && !self.admitted_at_notification
            && self.severity.is_none()
    }

    pub const ANY: Want = Want {
        from: None,
        until: None,
        class: ClassWant::Any,
        path: None,
        age: AgeWant::Any,
        sex: None,
        scope: ScopeWant::Auto,
        vaccinated: false,
        travel: false,
        infection_details: false,
        admitted_at_notification: false,
        severity: None,
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClassWant {
    Any,
    /// patient or asymptomatic.
    LabConfirmed,
    Exactly(Class),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PathWant {
    Home,
    Hospital,
    StillHospitalized,
    /// Died in care (hospital or home).
    Died,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AgeWant {
    Any,
    Infant,
    Minor,
    /// 20–89.
    Adult,
    /// 20–64: outside the age criterion of the limited scope.
    Young,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScopeWant {
    /// In scope whenever the limited scope applies.
    Auto,
    /// A lab-confirmed patient outside the limited scope.
    Out,
    /// Under 65, not pregnant, not needing admission: in scope only by risk factor and drug.
    YoungRisk,
}

/// The whole story of one record.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub dx: Date,
    pub home: &'static Municipality,
    pub owner: &'static Municipality,
    pub class: Class,
    pub person: Person,
    pub age: i32,
    pub path: Path,
    pub severity: Severity,
    pub needs_admission: bool,
    pub admitted_at_notification: bool,
    pub has_risk: bool,
    pub drug: bool,
    pub oxygen: bool,
    pub pregnant: bool,
    pub immunosuppressed: bool,
    pub force_vaccinated: bool,
    pub travel: bool,
    pub infection_details: bool,
    pub occupation: bool,
    pub symptoms_listed: bool,
    /// The limited notification scope is in force for this record.
    pub limited: bool,
}

impl Plan {
    pub fn minor(&self) -> bool {
        self.age < if self.dx >= era::MAJORITY_18 { 18 } else { 20 }
    }
    pub fn form_2021(&self) -> bool {
        self.dx >= era::FORM_2021
    }
    pub fn reduced(&self) -> bool {
        self.dx >= era::REDUCED
    }
}

fn limited_scope(dx: Date, prefecture: &str) -> bool {
    dx >= era::LIMITED
        || (dx >= era::LIMITED_EARLY && matches!(prefecture, "04" | "08" | "31" | "41"))
}

/// Age at diagnosis of a notified case, roughly Japan's 2020–2022 case mix.
fn draw_age(rng: &mut R) -> i32 {
    const BANDS: [u32; 10] = [10, 13, 18, 15, 15, 11, 8, 5, 4, 1];
    let band = weighted(rng, &BANDS) as i32;
    band * 10 + between(rng, 0, 9)
}

/// Draws a plan for a record diagnosed in `lo..=hi`, honouring `want`; `person` replaces the
/// drawn person (duplicates), `slot` is the record's name slot.
pub(crate) fn draw(
    rng: &mut R,
    lo: Date,
    hi: Date,
    want: &Want,
    slot: u64,
    person: Option<Person>,
) -> Plan {
    let dx = Date::from_days(between(rng, lo.days(), hi.days()));
    let home = pick(rng, MUNICIPALITIES);
    // Most patients are notified in their home prefecture; some by a clinic near work or school.
    let owner = if chance(rng, 0.95) {
        home
    } else {
        pick(rng, MUNICIPALITIES)
    };
    let limited = limited_scope(dx, owner.prefecture());

    let class = match want.class {
        ClassWant::Exactly(c) => c,
        ClassWant::LabConfirmed => {
            if chance(rng, 0.1) {
                Class::Asymptomatic
            } else {
                Class::Patient
            }
        }
        // A kind that asks for a particular story gets a plain patient, so that a dead body
        // or a carrier cannot quietly skip the part the mistake needs.
        ClassWant::Any if !want.unconstrained() => Class::Patient,
        ClassWant::Any => {
            let r: f64 = rng.random();
            if r < 0.0015 {
                Class::DeadBody
            } else if r < 0.03 && dx >= era::DEEMED {
                Class::Deemed
            } else if r < 0.012 && (dx < era::SUSPECTED_ADMISSION_ONLY || dx >= era::FORM_2021) {
                Class::Suspected
            } else if r < 0.13 {
                Class::Asymptomatic
            } else {
                Class::Patient
            }
        }
    };

    let sex = want.sex.unwrap_or(if chance(rng, 0.5) {
        Sex::Male
    } else {
        Sex::Female
    });
    let minor_limit = if dx >= era::MAJORITY_18 { 18 } else { 20 };
    let target_age = match want.age {
        AgeWant::Infant => 0,
        AgeWant::Minor => between(rng, 0, minor_limit - 1),
        AgeWant::Adult => between(rng, 20, 89),
        AgeWant::Young => between(rng, 20, 64),
        AgeWant::Any if class == Class::DeadBody => between(rng, 70, 99),
        AgeWant::Any if limited && chance(rng, 0.6) => between(rng, 65, 99),
        AgeWant::Any => draw_age(rng),
    };
    let person = person.unwrap_or_else(|| person_in_slot(slot, sex, target_age, dx));
    let age = person.birth.age_on(dx);
    let sex = person.sex;

    let alive_class = class != Class::DeadBody;
    let childbearing = sex == Sex::Female && (16..=44).contains(&age);
    let mut pregnant = alive_class && childbearing && chance(rng, 0.02);
    let mut has_risk = chance(
        rng,
        match age {
            0..=39 => 0.08,
            40..=64 => 0.3,
            _ => 0.6,
        },
    );

    // Deaths: about 1% of cases overall, concentrated in the old.
    let p_death = match age {
        0..=59 => 0.0005,
        60..=69 => 0.005,
        70..=79 => 0.017,
        _ => 0.055,
    };
    let p_hospital = match age {
        0..=39 => 0.02,
        40..=64 => 0.05,
        65..=79 => 0.15,
        _ => 0.25,
    };
    let mut path = if class == Class::DeadBody {
        Path::Body
    } else {
        match want.path {
            Some(PathWant::Home) => Path::Home,
            Some(PathWant::Hospital) => Path::Hospital,
            Some(PathWant::StillHospitalized) => Path::StillHospitalized,
            Some(PathWant::Died) => {
                if chance(rng, 0.85) {
                    Path::DiedInHospital
                } else {
                    Path::DiedAtHome
                }
            }
            None if want.scope != ScopeWant::Auto || want.severity == Some(Severity::Mild) => {
                Path::Home
            }
            None if want.severity.is_some_and(Severity::serious)
                || want.admitted_at_notification
                || class == Class::Suspected =>
            {
                if chance(rng, 0.05) {
                    Path::StillHospitalized
                } else {
                    Path::Hospital
                }
            }
            None if chance(rng, p_death) => {
                if chance(rng, 0.85) {
                    Path::DiedInHospital
                } else {
                    Path::DiedAtHome
                }
            }
            None if chance(rng, p_hospital) => {
                if chance(rng, 0.03) {
                    Path::StillHospitalized
                } else {
                    Path::Hospital
                }
            }
            None => {
                let r: f64 = rng.random();
                if r < 0.15 && dx >= era::HOTEL {
                    Path::Hotel
                } else if r < 0.22 && age >= 65 {
                    Path::Facility
                } else {
                    Path::Home
                }
            }
        }
    };

    let mut drug = false;
    match want.scope {
        ScopeWant::Out => {
            pregnant = false;
            has_risk = false;
        }
        ScopeWant::YoungRisk => {
            pregnant = false;
            has_risk = true;
            drug = true;
        }
        ScopeWant::Auto => {
            // After 2022-09-26 only people inside the limited scope are notified.
            let needs_scope = limited && class != Class::DeadBody && age < 65 && !pregnant;
            if needs_scope && !path.in_hospital() && !path.died() {
                if childbearing && chance(rng, 0.3) {
                    pregnant = true;
                } else if want.path.is_none() && chance(rng, 0.25) {
                    path = Path::Hospital;
                } else {
                    has_risk = true;
                    drug = true;
                }
            }
        }
    }
    if !drug && (has_risk || age >= 65) && dx >= era::FORM_2021 {
        drug = chance(rng, if dx >= era::DEEMED { 0.5 } else { 0.1 });
    }

    let severity = match (want.severity, path) {
        (Some(s), _) => s,
        (None, Path::Body | Path::DiedInHospital) => {
            if chance(rng, 0.6) {
                Severity::Severe
            } else {
                Severity::Moderate2
            }
        }
        (None, Path::DiedAtHome) => Severity::Moderate2,
        (None, Path::Hospital | Path::StillHospitalized) => [
            Severity::Mild,
            Severity::Moderate1,
            Severity::Moderate2,
            Severity::Severe,
        ][weighted(rng, &[10, 30, 40, 20])],
        (None, _) if class == Class::Asymptomatic => Severity::Mild,
        (None, _) => {
            if chance(rng, 0.92) {
                Severity::Mild
            } else {
                Severity::Moderate1
            }
        }
    };
    // Whoever is admitted, dies, or is severe needed admission (a death at home in a wave
    // was someone waiting for a bed).
    let needs_admission =
        path.in_hospital() || path.died() || severity.serious() || class == Class::Suspected;
    let admitted_at_notification =
        path.in_hospital() && (want.admitted_at_notification || chance(rng, 0.6));

    let reduced = dx >= era::REDUCED;
    Plan {
        dx,
        home,
        owner,
        class,
        person,
        age,
        path,
        severity,
        needs_admission,
        admitted_at_notification,
        has_risk,
        drug,
        oxygen: severity.serious(),
        pregnant,
        immunosuppressed: chance(rng, 0.02),
        force_vaccinated: want.vaccinated,
        // Travel abroad: adults, outside the border closure of April 2020 to February 2022.
        travel: want.travel
            || (alive_class
                && (18..=70).contains(&age)
                && (dx < Date::ymd(2020, 4, 1) || dx >= Date::ymd(2022, 3, 1))
                && chance(rng, 0.015)),
        infection_details: want.infection_details || !reduced || chance(rng, 0.5),
        occupation: !reduced || chance(rng, 0.3),
        symptoms_listed: !reduced || chance(rng, 0.85),
        limited,
    }
}
