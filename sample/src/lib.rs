//! Seeded generator of realistic HER-SYS case records, some with injected mistakes.
//!
//! Real case records cannot leave a health center, yet the rule engine needs hundreds of
//! thousands of them for benchmarks, end-to-end tests and demos, and needs to know which rules
//! each one *should* trigger. This crate makes records of the shape of `RECORD.md` that tell a
//! plausible story for their era (the form changed five times between 2020 and 2023), and
//! injects one known mistake into a chosen share of them, reporting the rule ids it must
//! trigger. The same seed always gives the same records.
//!
//! ```
//! use kakunin_sample::{generate, Config};
//! let config = Config { seed: 7, count: 3, ..Config::default() };
//! for sample in generate(&config) {
//!     assert!(sample.record["notification"]["diagnosed_on"].is_string());
//!     let _expected_rules: &[&str] = &sample.mistakes;
//! }
//! ```
//!
//! Clean records trigger no rule of the `hersys` pack when checked with `as_of` 2024-06-01 and
//! the default date range. Other ranges are honoured as given: a range before 2020-02-01 or
//! after 2023-05-07 makes `scope/before-designation` or `scope/after-class5` fire by design.

mod build;
mod data;
mod date;
mod flat;
mod mistakes;
mod perm;
mod plan;

pub use date::{Date, DateError};
pub use flat::{FLAT_ELEMENTS, flat_headers, flatten};
pub use mistakes::{MistakeKind, mistake_kinds};

use mistakes::{Ctx, Special};
use perm::Permutation;
use plan::{Person, R, Want};
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Same seed, same records (ChaCha8).
    pub seed: u64,
    /// How many records.
    pub count: usize,
    /// Share of records with one injected mistake (0.0–1.0; default 0.3).
    pub error_rate: f64,
    /// First diagnosis date (default 2020-02-01, COVID-19 designated).
    pub from: Date,
    /// Last diagnosis date (default 2023-05-07, the day before class 5).
    pub until: Date,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: 0,
            count: 1000,
            error_rate: 0.3,
            from: Date::ymd(2020, 2, 1),
            until: Date::ymd(2023, 5, 7),
        }
    }
}

/// One generated record and what it should trigger.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The case record (RECORD.md shape).
    pub record: Value,
    /// Rule ids (`hersys` pack) the injected mistake must trigger; empty for a clean record.
    /// Cross-record ids (`identity/…`) concern this record together with
    /// [`duplicate_of`](Sample::duplicate_of).
    pub mistakes: Vec<&'static str>,
    /// The [`MistakeKind`] name of the injected mistake, `None` for a clean record.
    pub kind: Option<&'static str>,
    /// For the cross-record mistakes (`duplicate-person`, `duplicate-hersys-id`): the `id` of
    /// the earlier, clean record this one pairs with. Engines that report a pair on both of
    /// its records will flag that earlier record too.
    pub duplicate_of: Option<String>,
}

/// The records of `config`, made one at a time: memory stays constant however many are asked.
pub fn generate(config: &Config) -> Generator {
    Generator::new(config)
}

/// How many recent clean records a duplicate may copy (bounded so memory stays O(1)). With an
/// error rate of 1.0 there are none, and the two cross-record kinds are not produced.
const WINDOW: usize = 64;

/// A recent record, remembered so that a later one can notify the same person again.
#[derive(Clone, Debug)]
struct Seen {
    id: String,
    person: Person,
    dx: Date,
    hersys_id: String,
}

/// The iterator behind [`generate`].
#[derive(Debug)]
pub struct Generator {
    rng: R,
    next: usize,
    count: usize,
    error_rate: f64,
    from: Date,
    until: Date,
    /// (kind index, window start, window end) of every kind possible in the configured range.
    eligible: Vec<(usize, Date, Date)>,
    names: Permutation,
    ids: Permutation,
    window: Vec<Seen>,
}

impl Generator {
    fn new(config: &Config) -> Generator {
        let (from, until) = if config.from <= config.until {
            (config.from, config.until)
        } else {
            (config.until, config.from)
        };
        let eligible = mistake_kinds()
            .iter()
            .enumerate()
            .filter_map(|(i, k)| {
                let lo = k.want.from.map_or(from, |f| f.max(from));
                let hi = k.want.until.map_or(until, |u| u.min(until));
                (lo <= hi).then_some((i, lo, hi))
            })
            .collect();
        Generator {
            rng: R::seed_from_u64(config.seed),
            next: 0,
            count: config.count,
            error_rate: if config.error_rate.is_nan() {
                0.0
            } else {
                config.error_rate.clamp(0.0, 1.0)
            },
            from,
            until,
            eligible,
            names: Permutation::new(plan::PERSON_SLOTS, config.seed ^ 0x6e61_6d65),
            ids: Permutation::new(9_000_000, config.seed ^ 0x6865_7273),
            window: Vec::with_capacity(WINDOW),
        }
    }

    fn remember(&mut self, i: usize, seen: Seen) {
        if self.window.len() < WINDOW {
            self.window.push(seen);
        } else {
            self.window[i % WINDOW] = seen;
        }
    }

    /// Builds record `i` with mistake kind `kind`, or `None` when this story did not give
    /// the mutation anything to change (the caller draws again). Also returns what the record
    /// is (for the window) and the id of the earlier record a cross-record mistake pairs it with.
    fn attempt(
        &mut self,
        i: usize,
        kind: Option<(usize, Date, Date)>,
    ) -> Option<(Value, Seen, Option<String>)> {
        let id = format!("r{:06}", i + 1);
        let hersys_id = (1_000_000 + self.ids.apply(i as u64)).to_string();
        let slot = self.names.apply(i as u64);
        let k = kind.map(|(k, _, _)| &mistake_kinds()[k]);
        let (mut lo, mut hi) = kind.map_or((self.from, self.until), |(_, lo, hi)| (lo, hi));
        let want = k.map_or(Want::ANY, |k| k.want);
        let special = k.map_or(Special::None, |k| k.special);

        let mut person = None;
        let mut other_id = None;
        let mut pair = None;
        if special != Special::None {
            if self.window.is_empty() {
                return None;
            }
            let src = &self.window[self.rng.random_range(0..self.window.len())];
            pair = Some(src.id.clone());
            if special == Special::DuplicatePerson {
                // the same episode notified again, within 60 days of the first notification
                let dx = src.dx.add_days(plan::between(&mut self.rng, -30, 30));
                let dx = dx.clamp(self.from, self.until);
                (lo, hi) = (dx, dx);
                person = Some(src.person);
            } else {
                other_id = Some(src.hersys_id.clone());
            }
        }

        let plan = plan::draw(&mut self.rng, lo, hi, &want, slot, person);
        let (mut record, facts) = build::build(&mut self.rng, &plan, id.clone(), hersys_id.clone());
        if let Some(k) = k {
            let mut ctx = Ctx {
                rec: &mut record,
                plan: &plan,
                facts: &facts,
                rng: &mut self.rng,
                other_hersys_id: other_id.as_deref(),
            };
            if !(k.apply)(&mut ctx) {
                return None;
            }
        }
        let seen = Seen {
            id,
            person: plan.person,
            dx: plan.dx,
            hersys_id,
        };
        Some((record, seen, pair))
    }
}

impl Iterator for Generator {
    type Item = Sample;

    fn next(&mut self) -> Option<Sample> {
        if self.next >= self.count {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let faulty = !self.eligible.is_empty() && self.rng.random_bool(self.error_rate);
        let mut kind = faulty.then(|| self.eligible[self.rng.random_range(0..self.eligible.len())]);
        let mut tries = 0;
        let (record, seen, duplicate_of) = loop {
            if let Some(done) = self.attempt(i, kind) {
                break done;
            }
            // The story did not fit the mistake (no earlier person to copy yet, a newborn
            // who turned out a year old): draw again, after a few tries with another kind.
            tries += 1;
            if tries % 8 == 0 || self.window.is_empty() {
                let k = self.eligible[self.rng.random_range(0..self.eligible.len())];
                kind = Some(k);
            }
            if tries > 64 {
                kind = None;
            }
        };
        // Only clean records can be copied later, so that the earlier record of a pair has
        // nothing wrong but the pair (and a copy of mangled kana would not be a duplicate).
        if kind.is_none() {
            self.remember(i, seen);
        }
        let k = kind.map(|(k, _, _)| &mistake_kinds()[k]);
        Some(Sample {
            record,
            mistakes: k.map_or_else(Vec::new, |k| k.rules.to_vec()),
            kind: k.map(|k| k.name),
            duplicate_of,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.count - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Generator {}
