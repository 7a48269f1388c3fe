//! POPBiLL's times: `yyyyMMddHHmmss` and `yyyyMMdd`, always Korea Standard Time (UTC+9, no DST);
//! and Linkhub's UTC instants (`yyyy-MM-ddTHH:mm:ss[.SSS]Z`: `x-lh-date`, `GET /Time`, a token's
//! `expiration`).

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
            .ok()
            // chrono reads second 60 as a leap second; POPBiLL has no such time.
            .filter(|t| t.nanosecond() == 0)
            .map(KstDateTime)
            .ok_or(TimeError("yyyyMMddHHmmss"))
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

    /// `secs` later (earlier if negative); saturates at chrono's range instead of panicking.
    pub fn plus_seconds(self, secs: i64) -> Self {
        let moved = chrono::TimeDelta::try_seconds(secs).and_then(|d| self.0.checked_add_signed(d));
        KstDateTime(moved.unwrap_or(if secs < 0 {
            NaiveDateTime::MIN
        } else {
            NaiveDateTime::MAX
        }))
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

/// Format a Unix instant as Linkhub's `x-lh-date`: `yyyy-MM-ddTHH:mm:ssZ` (UTC, no millis, as
/// the Java and Python SDKs send it). Instants chrono cannot represent print as the epoch.
pub fn format_linkhub_utc(unix_millis: i64) -> String {
    let t = DateTime::from_timestamp_millis(unix_millis).unwrap_or_default();
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parse Linkhub's UTC form to Unix milliseconds: `yyyy-MM-ddTHH:mm:ssZ`, optionally with a
/// fraction of 1–9 digits before the `Z` (a token's `expiration` has `.SSS`). Nothing else: no
/// offsets, no lowercase, no surrounding spaces.
pub fn parse_linkhub_utc(s: &str) -> Result<i64, TimeError> {
    const WHAT: TimeError = TimeError("yyyy-MM-ddTHH:mm:ss[.SSS]Z");
    let b = s.as_bytes();
    let shape_ok = s.is_ascii()
        && b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b.last() == Some(&b'Z');
    if !shape_ok {
        return Err(WHAT);
    }
    let num = |from: usize, to: usize| -> Result<u32, TimeError> {
        let part = &s[from..to];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().map_err(|_| WHAT)
        } else {
            Err(WHAT)
        }
    };
    let millis = match &s[19..s.len() - 1] {
        "" => 0,
        frac => {
            let digits = frac.strip_prefix('.').ok_or(WHAT)?;
            if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|c| c.is_ascii_digit())
            {
                return Err(WHAT);
            }
            let mut ms = 0u32;
            for i in 0..3 {
                ms = ms * 10 + digits.as_bytes().get(i).map_or(0, |c| u32::from(c - b'0'));
            }
            ms
        }
    };
    let year = i32::try_from(num(0, 4)?).map_err(|_| WHAT)?;
    let date = NaiveDate::from_ymd_opt(year, num(5, 7)?, num(8, 10)?).ok_or(WHAT)?;
    // Seconds run 0–59 here: chrono refuses 60 unless spelled as a leap millisecond (≥ 1000).
    let time = NaiveTime::from_hms_milli_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, millis)
        .ok_or(WHAT)?;
    Ok(date.and_time(time).and_utc().timestamp_millis())
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
    fn second_sixty_is_not_a_time() {
        assert!(KstDateTime::parse("20250711235960").is_err());
        assert!(KstDateTime::parse("20250711120060").is_err());
    }

    #[test]
    fn plus_seconds_saturates_instead_of_panicking() {
        let t = KstDateTime::parse("20250711120000").unwrap();
        assert_eq!(t.plus_seconds(60).to_string(), "20250711120100");
        assert_eq!(t.plus_seconds(-86_400).to_string(), "20250710120000");
        assert!(t.plus_seconds(i64::MAX) > t);
        assert!(t.plus_seconds(i64::MIN) < t);
    }

    #[test]
    fn linkhub_utc_round_trips_with_and_without_millis() {
        assert_eq!(
            format_linkhub_utc(1_735_689_600_000),
            "2025-01-01T00:00:00Z"
        );
        assert_eq!(
            parse_linkhub_utc("2025-01-01T00:00:00Z"),
            Ok(1_735_689_600_000)
        );
        assert_eq!(
            parse_linkhub_utc("2025-01-01T01:00:00.123Z"),
            Ok(1_735_693_200_123)
        );
        assert_eq!(
            parse_linkhub_utc("2025-01-01T01:00:00.1Z"),
            Ok(1_735_693_200_100)
        );
        assert_eq!(
            parse_linkhub_utc("2025-01-01T01:00:00.123456789Z"),
            Ok(1_735_693_200_123)
        );
    }

    #[test]
    fn linkhub_utc_refuses_other_shapes() {
        for bad in [
            "",
            "2025-01-01T00:00:00",
            "2025-01-01 00:00:00Z",
            "2025-01-01T00:00:00+09:00",
            "2025-02-30T00:00:00Z",
            "2025-01-01T24:00:00Z",
            "2025-01-01T23:59:60Z",
            "2025-01-01T00:00:00.Z",
            "2025-01-01T00:00:00.1234567890Z",
            "2025-01-01T00:00:00,123Z",
            "+025-01-01T00:00:00Z",
            "2025-1-01T00:00:00Z",
            "２025-01-01T00:00:00Z",
        ] {
            assert!(parse_linkhub_utc(bad).is_err(), "{bad:?} must not parse");
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
