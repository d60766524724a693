//! Calendar dates as day numbers, parsed strictly and without allocation.
//!
//! Records carry dates as `YYYY-MM-DD` strings and timestamps as RFC 3339. Rules compare them
//! many times per record, so they are turned into plain day counts (days since 1970-01-01) once,
//! and anything that is not a real calendar date (`2021-02-30`, `+002021-01-01`) is rejected.

use crate::text::trim;

/// Days since 1970-01-01 (negative before).
pub type Day = i32;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
///
/// Worked in 64 bits, so no year wraps: a date more than about 5.8 million years from 1970 has
/// no [`Day`], and gives [`Day::MIN`] or [`Day::MAX`], the nearest there is (see
/// [`civil_from_days`] for the range).
pub const fn days_from_civil(year: i32, month: u32, day: u32) -> Day {
    let days = wide_days_from_civil(year as i64, month as i64, day as i64);
    if days > Day::MAX as i64 {
        Day::MAX
    } else if days < Day::MIN as i64 {
        Day::MIN
    } else {
        days as Day
    }
}

/// [`days_from_civil`] in 64 bits, where no calendar date a `Day` can name overflows.
const fn wide_days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day number. Every [`Day`] has one: `Day::MIN` is -5877641-06-23 and
/// `Day::MAX` 5881580-07-11 (worked in 64 bits, so nothing wraps near either end).
pub fn civil_from_days(days: Day) -> (i32, u32, u32) {
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    // Within ±5.9 million years of 1970 for any `Day`: an `i32`.
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

const fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// The years whose first days [`ymd`] looks up rather than computes: every date a case record
/// holds falls in them.
const TABLED_FROM: u32 = 1900;
const TABLED_YEARS: usize = 256;

/// Per tabled year: its first day, and whether it is a leap year.
const YEARS: [(Day, bool); TABLED_YEARS] = {
    let mut years = [(0, false); TABLED_YEARS];
    let mut i = 0;
    while i < TABLED_YEARS {
        let year = TABLED_FROM as i32 + i as i32;
        years[i] = (days_from_civil(year, 1, 1), is_leap(year));
        i += 1;
    }
    years
};

/// Days in the year before each month's first (index 1 = January; 13, the next year's), in a
/// common and a leap year.
const BEFORE_MONTH: [[u16; 14]; 2] = [
    [
        0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365,
    ],
    [
        0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366,
    ],
];

/// The day of `YYYY-MM-DD`. The view and a table's screen parse every date of every record:
/// the eight digits are checked at once as the bytes of one word, and a year's first day is
/// looked up, not computed with divisions.
fn ymd(bytes: &[u8]) -> Option<Day> {
    let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = bytes else {
        return None;
    };
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0xF0 * ONES;
    let word = u64::from_le_bytes([y0, y1, y2, y3, m0, m1, d0, d1]);
    // Every byte is 0x30–0x3F, and what is left after taking 0x30 gains no high bit from 6
    // more: 0–9, a digit.
    let values = word.wrapping_sub(0x30 * ONES);
    if word & HIGH != 0x30 * ONES || values.wrapping_add(6 * ONES) & HIGH != 0 {
        return None;
    }
    let [y0, y1, y2, y3, m0, m1, d0, d1] = values.to_le_bytes().map(u32::from);
    let year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
    let (month, day) = (m0 * 10 + m1, d0 * 10 + d1);
    if year == 0 || !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let (first, leap) = match YEARS.get(year.wrapping_sub(TABLED_FROM) as usize) {
        Some(&tabled) => tabled,
        None => (days_from_civil(year as i32, 1, 1), is_leap(year as i32)),
    };
    let before = BEFORE_MONTH[usize::from(leap)];
    let (start, end) = (before[month as usize], before[month as usize + 1]);
    (day <= u32::from(end - start)).then(|| first + Day::from(start) + day as Day - 1)
}

/// Parses a strict ISO 8601 calendar date, `YYYY-MM-DD` (years 0001–9999), ignoring white space
/// around it as every other check does.
pub fn parse_date(text: &str) -> Option<Day> {
    ymd(trim(text).as_bytes())
}

/// Parses an RFC 3339 timestamp (`2021-08-02T09:30:00+09:00`, `...Z`, fractions allowed) and
/// returns its calendar day as written and its instant in seconds since the epoch (UTC).
pub fn parse_timestamp(text: &str) -> Option<(Day, i64)> {
    let b = trim(text).as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let day = ymd(&b[..10])?;
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, s) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), oh @ .., b':', m1, m2] if oh.len() == 2 => {
            let (oh, om) = (digits(oh)?, digits(&[*m1, *m2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = i64::from(oh * 3600 + om * 60);
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return None,
    };
    let seconds = i64::from(day) * 86_400 + i64::from(h * 3600 + mi * 60 + s) - offset;
    Some((day, seconds))
}

/// The day of a value that is a date or a timestamp.
pub fn parse_day(text: &str) -> Option<Day> {
    parse_trimmed_day(trim(text))
}

/// [`parse_day`] of a text already trimmed (the screen of a table's cells trims each once, for
/// every judgement of it).
pub(crate) fn parse_trimmed_day(text: &str) -> Option<Day> {
    if text.len() == 10 {
        ymd(text.as_bytes())
    } else {
        parse_timestamp(text).map(|(day, _)| day)
    }
}

/// Formats a day number as `YYYY-MM-DD`.
pub fn format_day(day: Day) -> String {
    let (y, m, d) = civil_from_days(day);
    let Ok(year @ 0..=9999) = u32::try_from(y) else {
        return format!("{y:04}-{m:02}-{d:02}");
    };
    // By hand: every report names its reference date, and `format!` costs more than the check
    // of a small rule.
    let mut text = String::with_capacity(10);
    push_digits(&mut text, year, 4);
    text.push('-');
    push_digits(&mut text, m, 2);
    text.push('-');
    push_digits(&mut text, d, 2);
    text
}

/// Appends the last `width` decimal digits of `n`, zero-padded.
fn push_digits(text: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (n / 10u32.pow(place) % 10) as u8;
        text.push(char::from(b'0' + digit));
    }
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday(day: Day) -> u32 {
    // 1970-01-01 was a Thursday (3); in 64 bits, so `Day::MAX` has its weekday too.
    (i64::from(day) + 3).rem_euclid(7) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The calendar's month lengths, as the oracle of the parser's tables.
    fn days_in_month(year: i32, month: u32) -> u32 {
        match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if is_leap(year) => 29,
            2 => 28,
            _ => 0,
        }
    }

    #[test]
    fn round_trips_and_rejects_impossible_dates() {
        for text in [
            "1970-01-01",
            "2020-02-29",
            "2023-05-08",
            "1899-12-31",
            "2000-02-29",
            "0001-01-01",
            "9999-12-31",
        ] {
            let day = parse_date(text).expect(text);
            assert_eq!(format_day(day), text);
        }
        assert_eq!(format_day(days_from_civil(-1, 1, 1)), "-001-01-01");
        assert_eq!(format_day(days_from_civil(10000, 1, 1)), "10000-01-01");
        assert_eq!(parse_date("1970-01-02"), Some(1));
        for bad in [
            "2021-02-30",
            "2021-13-01",
            "2021-00-10",
            "+002021-01-01",
            "2021-1-01",
            "2019-02-29",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_date_of_years_1_to_9999_parses_to_its_day() {
        for day in days_from_civil(1, 1, 1)..=days_from_civil(9999, 12, 31) {
            let (y, m, d) = civil_from_days(day);
            let text = format!("{y:04}-{m:02}-{d:02}");
            assert_eq!(parse_date(&text), Some(day), "{text}");
        }
    }

    proptest::proptest! {
        /// Any ten bytes of the date's shape: parsed exactly when they name a real day, and to
        /// the day the general formula gives.
        #[test]
        fn a_date_parses_when_its_fields_name_a_real_day(
            year in 0u32..10_000, month in 0u32..14, day in 0u32..33, junk in 0usize..12,
        ) {
            let mut text = format!("{year:04}-{month:02}-{day:02}").into_bytes();
            if let Some(byte) = text.get_mut(junk) {
                *byte = b'x';
            }
            let text = String::from_utf8(text).expect("ASCII");
            let real = junk >= 10 && year > 0 && (1..=12).contains(&month)
                && (1..=days_in_month(year as i32, month)).contains(&day);
            let expected = real.then(|| days_from_civil(year as i32, month, day));
            proptest::prop_assert_eq!(parse_date(&text), expected, "{}", text);
        }
    }

    #[test]
    fn the_first_and_last_days_format_and_round_trip() {
        // Worked out apart, by whole 400-year cycles from 1970 (Python's `datetime`).
        for (day, text, week) in [
            (Day::MAX, "5881580-07-11", 4),
            (Day::MIN, "-5877641-06-23", 1),
            (Day::MAX - 719_468, "5879610-09-09", 3),
            (Day::MAX - 719_467, "5879610-09-10", 4),
        ] {
            assert_eq!(format_day(day), text);
            assert_eq!(weekday(day), week, "{text}");
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day, "{text}");
        }
        // Dates past either end have no day of their own: the nearest, never a wrapped one.
        assert_eq!(days_from_civil(5_881_580, 7, 12), Day::MAX);
        assert_eq!(days_from_civil(i32::MAX, 12, 31), Day::MAX);
        assert_eq!(days_from_civil(-5_877_641, 6, 22), Day::MIN);
        assert_eq!(days_from_civil(i32::MIN, 1, 1), Day::MIN);
        assert_eq!(days_from_civil(2021, u32::MAX, u32::MAX), Day::MAX);
    }

    proptest::proptest! {
        /// Every day number, the extremes included: a calendar date with a real month and day,
        /// back to the same number, one weekday after the day before, and formatted as that
        /// date.
        #[test]
        fn every_day_number_has_its_date(day in proptest::prelude::any::<Day>()) {
            let (y, m, d) = civil_from_days(day);
            proptest::prop_assert!((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d));
            proptest::prop_assert_eq!(days_from_civil(y, m, d), day);
            if let Some(before) = day.checked_sub(1) {
                proptest::prop_assert_eq!((weekday(before) + 1) % 7, weekday(day));
            }
            proptest::prop_assert_eq!(format_day(day), format!("{y:04}-{m:02}-{d:02}"));
        }
    }

    #[test]
    fn timestamps_keep_their_written_day_and_their_instant() {
        let (day, secs) = parse_timestamp("2021-08-02T09:30:00+09:00").unwrap();
        assert_eq!(format_day(day), "2021-08-02");
        let (_, utc) = parse_timestamp("2021-08-02T00:30:00Z").unwrap();
        assert_eq!(secs, utc);
        assert!(parse_timestamp("2021-08-02T24:00:00Z").is_none());
        assert!(parse_timestamp("2021-08-02T09:30:00").is_none());
        assert!(parse_timestamp("2021-08-02T09:30:00.123456+09:00").is_some());
    }

    #[test]
    fn weekdays() {
        assert_eq!(weekday(parse_date("2020-01-24").unwrap()), 4); // 金
        assert_eq!(weekday(parse_date("2026-11-26").unwrap()), 3); // Thursday
    }
}
