//! POPBiLL's times: `yyyyMMddHHmmss` and `yyyyMMdd`, always Korea Standard Time (UTC+9, no DST).

use std::fmt;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// Korea Standard Time's offset from UTC, in seconds.
pub const KST_OFFSET_SECS: i64 = 9 * 3600;

/// Why a string is not a POPBiLL time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {0} time")]
pub struct TimeError(&'static str);

/// A KST wall-clock time with second precision (`yyyyMMddHHmmss` on the wire).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KstDateTime(NaiveDateTime);

/// A KST calendar date (`yyyyMMdd` on the wire).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KstDate(NaiveDate);

fn all_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

impl KstDateTime {
    /// Parse `yyyyMMddHHmmss` (14 digits, a real calendar time).
    pub fn parse(s: &str) -> Result<Self, TimeError> {
        if !all_digits(s, 14) {
            return Err(TimeError("yyyyMMddHHmmss"));
        }
        NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S")
            .map(KstDateTime)
            .map_err(|_| TimeError("yyyyMMddHHmmss"))
    }

    /// The KST time of a Unix instant in milliseconds (what `Date.now()` gives).
    pub fn from_unix_millis(ms: i64) -> Self {
        let shifted = ms.saturating_add(KST_OFFSET_SECS * 1000);
        let utc = DateTime::from_timestamp_millis(shifted).unwrap_or_default();
        KstDateTime(
            utc.naive_utc()
                .with_nanosecond(0)
                .unwrap_or(utc.naive_utc()),
        )
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        self.0.and_utc().timestamp_millis() - KST_OFFSET_SECS * 1000
    }

    pub fn from_parts(date: KstDate, hour: u32, min: u32, sec: u32) -> Option<Self> {
        NaiveTime::from_hms_opt(hour, min, sec).map(|t| KstDateTime(date.0.and_time(t)))
    }

    pub fn date(self) -> KstDate {
        KstDate(self.0.date())
    }

    pub fn plus_seconds(self, secs: i64) -> Self {
        KstDateTime(self.0 + chrono::Duration::seconds(secs))
    }

    pub fn hour(self) -> u32 {
        self.0.hour()
    }
}

impl KstDate {
    /// Parse `yyyyMMdd`.
    pub fn parse(s: &str) -> Result<Self, TimeError> {
        if !all_digits(s, 8) {
            return Err(TimeError("yyyyMMdd"));
        }
        NaiveDate::parse_from_str(s, "%Y%m%d")
            .map(KstDate)
            .map_err(|_| TimeError("yyyyMMdd"))
    }

    pub fn next_day(self) -> Self {
        KstDate(self.0.checked_add_days(Days::new(1)).unwrap_or(self.0))
    }

    pub fn previous_day(self) -> Self {
        KstDate(self.0.checked_sub_days(Days::new(1)).unwrap_or(self.0))
    }

    pub fn at(self, hour: u32, min: u32, sec: u32) -> KstDateTime {
        KstDateTime::from_parts(self, hour, min, sec)
            .unwrap_or(KstDateTime(self.0.and_time(NaiveTime::MIN)))
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }
}

impl fmt::Display for KstDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y%m%d%H%M%S"))
    }
}

impl fmt::Debug for KstDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KstDateTime({self})")
    }
}

impl fmt::Display for KstDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y%m%d"))
    }
}

impl fmt::Debug for KstDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KstDate({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_wire_form() {
        let t = KstDateTime::parse("20250711235959").unwrap();
        assert_eq!(t.to_string(), "20250711235959");
        assert_eq!(t.date().to_string(), "20250711");
        assert_eq!(t.date().next_day().to_string(), "20250712");
        assert_eq!(
            KstDate::parse("20250301")
                .unwrap()
                .previous_day()
                .to_string(),
            "20250228"
        );
    }

    #[test]
    fn refuses_impossible_or_malformed_times() {
        for bad in [
            "20250230120000",
            "2025071112000",
            "202507111200000",
            "2025-07-11T12:00",
            "20251311120000",
            "20250711250000",
            "２0250711120000",
        ] {
            assert!(KstDateTime::parse(bad).is_err(), "{bad:?} must not parse");
        }
    }

    #[test]
    fn unix_millis_are_shifted_to_kst() {
        // 2025-01-01T00:00:00Z is 09:00 in Seoul.
        let t = KstDateTime::from_unix_millis(1_735_689_600_000);
        assert_eq!(t.to_string(), "20250101090000");
        assert_eq!(t.unix_millis(), 1_735_689_600_000);
    }
}
