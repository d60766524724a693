//! A tiny proleptic-Gregorian calendar date.
//!
//! The generator only needs day arithmetic, ISO formatting and age computation, so it carries
//! days since 1970-01-01 (Howard Hinnant's `days_from_civil`) instead of pulling in chrono.

use std::fmt;
use std::str::FromStr;

/// A calendar date, stored as days since 1970-01-01 so that adding days and comparing is free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

/// Why a string is not a date (`YYYY-MM-DD`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateError(pub String);

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a valid YYYY-MM-DD date: {:?}", self.0)
    }
}

impl std::error::Error for DateError {}

const fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i32;
    era * 146_097 + doe - 719_468
}

const fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = (if z >= 0 { z } else { z - 146_096 }) / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether `y` is a Gregorian leap year.
pub const fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` (1–12) of year `y`.
pub const fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    /// The date `y-m-d`, or `None` when there is no such day (2021-02-30).
    pub const fn new(y: i32, m: u32, d: u32) -> Option<Date> {
        if m == 0 || m > 12 || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Date(days_from_civil(y, m, d)))
    }

    /// For constants known to be valid; an invalid day rolls over instead of failing.
    pub(crate) const fn ymd(y: i32, m: u32, d: u32) -> Date {
        Date(days_from_civil(y, m, d))
    }

    /// Days since 1970-01-01.
    pub const fn days(self) -> i32 {
        self.0
    }

    /// The date `days` after 1970-01-01.
    pub const fn from_days(days: i32) -> Date {
        Date(days)
    }

    /// (year, month, day).
    pub const fn ymd_parts(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// The year.
    pub const fn year(self) -> i32 {
        civil_from_days(self.0).0
    }

    /// This date moved by `n` days (negative moves back).
    pub const fn add_days(self, n: i32) -> Date {
        Date(self.0 + n)
    }

    /// Whole days from `earlier` to `self` (negative when `self` is earlier).
    pub const fn days_since(self, earlier: Date) -> i32 {
        self.0 - earlier.0
    }

    /// Age in completed years on `on` of someone born on `self` (the legal count: a year is
    /// completed on the birthday), as `ranges/age-mismatch` computes it.
    pub const fn age_on(self, on: Date) -> i32 {
        let (by, bm, bd) = self.ymd_parts();
        let (y, m, d) = on.ymd_parts();
        let mut age = y - by;
        if m < bm || (m == bm && d < bd) {
            age -= 1;
        }
        age
    }

    /// Completed months on `on` of someone born on `self` (for `age_months` of infants).
    pub const fn months_on(self, on: Date) -> i32 {
        let (by, bm, bd) = self.ymd_parts();
        let (y, m, d) = on.ymd_parts();
        let mut months = (y - by) * 12 + m as i32 - bm as i32;
        if d < bd {
            months -= 1;
        }
        months
    }

    /// ISO 8601 `YYYY-MM-DD`, written by hand because records hold ~25 dates and `format!`
    /// would be a noticeable share of the generator's time.
    pub fn iso(self) -> String {
        let (y, m, d) = self.ymd_parts();
        let mut s = String::with_capacity(10);
        push_num(&mut s, y as u32, 4);
        s.push('-');
        push_num(&mut s, m, 2);
        s.push('-');
        push_num(&mut s, d, 2);
        s
    }
}

/// Appends `n` zero-padded to at least `width` digits.
pub(crate) fn push_num(s: &mut String, n: u32, width: usize) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in buf.len() - i..width {
        s.push('0');
    }
    for &b in &buf[i..] {
        s.push(char::from(b));
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

impl FromStr for Date {
    type Err = DateError;

    /// Parses exactly `YYYY-MM-DD` with a day that exists.
    fn from_str(s: &str) -> Result<Date, DateError> {
        let err = || DateError(s.to_string());
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let (y, m, d) = match (num(0..4), num(5..7), num(8..10)) {
            (Some(y), Some(m), Some(d)) => (y, m, d),
            _ => return Err(err()),
        };
        Date::new(y as i32, m, d).ok_or_else(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_day_of_the_pandemic() {
        let start = Date::ymd(2019, 1, 1);
        for n in 0..3000 {
            let d = start.add_days(n);
            let (y, m, dd) = d.ymd_parts();
            assert_eq!(Date::new(y, m, dd), Some(d));
            assert_eq!(d.iso().parse::<Date>(), Ok(d));
        }
        assert_eq!(Date::ymd(1970, 1, 1).days(), 0);
        assert_eq!(Date::ymd(2000, 3, 1).iso(), "2000-03-01");
    }

    #[test]
    fn rejects_impossible_days() {
        assert!("2021-02-30".parse::<Date>().is_err());
        assert!("2021-13-01".parse::<Date>().is_err());
        assert!("2021-2-01".parse::<Date>().is_err());
        assert!("2020-02-29".parse::<Date>().is_ok());
        assert!("1900-02-29".parse::<Date>().is_err());
    }

    #[test]
    fn ages_count_completed_years_and_months() {
        let b = Date::ymd(2000, 5, 15);
        assert_eq!(b.age_on(Date::ymd(2020, 5, 14)), 19);
        assert_eq!(b.age_on(Date::ymd(2020, 5, 15)), 20);
        assert_eq!(b.months_on(Date::ymd(2000, 6, 14)), 0);
        assert_eq!(b.months_on(Date::ymd(2000, 6, 15)), 1);
        assert_eq!(b.months_on(Date::ymd(2001, 5, 14)), 11);
    }
}
