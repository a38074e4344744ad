//! Calendar dates, as TOML writes them (`2027-03-31`), and today's date.
//!
//! Acceptances expire on a date, so checking needs "today". It comes from the caller
//! (the CLI reads `--today`, `SOURCE_DATE_EPOCH` or the clock) so that the library
//! stays deterministic and testable.

use std::fmt;

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

/// A proleptic Gregorian calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A valid date, or `None` for impossible ones (2027-02-30).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// The date of a Unix timestamp (seconds since 1970-01-01T00:00:00Z), in UTC.
    pub fn from_unix_seconds(secs: i64) -> Date {
        // Days to civil date: the well-known era-based algorithm (eras of 400 years).
        let z = secs.div_euclid(86_400) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// A Unix timestamp as an RFC 3339 UTC date-time (`2026-11-27T18:58:26Z`).
    pub fn format_timestamp(secs: i64) -> String {
        let day = secs.rem_euclid(86_400);
        format!(
            "{}T{:02}:{:02}:{:02}Z",
            Date::from_unix_seconds(secs),
            day / 3600,
            day % 3600 / 60,
            day % 60
        )
    }

    /// Days since 1970-01-01 (negative before it): the inverse of
    /// [`Date::from_unix_seconds`] at day granularity.
    pub fn days_since_epoch(self) -> i64 {
        // Civil date to days: the same era-based algorithm, the other way round.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// How many days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.splitn(3, '-');
        let year = parts.next()?;
        let month = parts.next()?;
        let day = parts.next()?;
        if year.len() != 4 || month.len() != 2 || day.len() != 2 {
            return None;
        }
        Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "description": "A TOML local date, such as 2027-03-31."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_map_to_utc_dates() {
        assert_eq!(Date::from_unix_seconds(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_unix_seconds(951_782_400).to_string(),
            "2000-02-29"
        );
        assert_eq!(
            Date::from_unix_seconds(1_798_761_599).to_string(),
            "2026-12-31"
        );
        assert_eq!(Date::from_unix_seconds(-86_400).to_string(), "1969-12-31");
    }

    #[test]
    fn days_since_epoch_inverts_unix_seconds() {
        for secs in [
            -86_400 * 800_000,
            -1,
            0,
            951_782_400,
            1_709_164_800,
            4_107_456_000,
        ] {
            let date = Date::from_unix_seconds(secs);
            assert_eq!(date.days_since_epoch(), secs.div_euclid(86_400), "{date}");
        }
        let a = Date::parse("2026-12-02").unwrap();
        assert_eq!(a.days_until(Date::parse("2027-01-01").unwrap()), 30);
        assert_eq!(a.days_until(Date::parse("2024-02-29").unwrap()), -1007);
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(
            Date::format_timestamp(1_798_761_599),
            "2026-12-31T23:59:59Z"
        );
    }

    #[test]
    fn impossible_dates_are_rejected() {
        assert!(Date::new(2027, 2, 29).is_none());
        assert!(Date::new(2028, 2, 29).is_some());
        assert!(Date::new(2027, 13, 1).is_none());
        assert!(Date::parse("2027-4-01").is_none());
        assert_eq!(Date::parse("2027-04-01"), Date::new(2027, 4, 1));
    }
}
