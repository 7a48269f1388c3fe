//! The simulated clock and the time formats the mock speaks.
//!
//! POPBiLL's business clock is KST (UTC+9, no DST). Simulated time is milliseconds since the Unix
//! epoch ([`SimTime`]); [`SimClock`] is either frozen (moves only when told) or follows real time
//! from an anchor. The clock takes the real instant as an argument, so it is pure and testable.

use std::fmt;
use std::time::Instant;

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use popbill::KstDateTime;

/// Korea Standard Time: UTC+9 all year.
pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// Linkhub's `GET /Time` answer and the `x-lh-date` form: `yyyy-MM-ddTHH:mm:ssZ` in UTC.
pub fn linkhub_time(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A simulated instant: milliseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub i64);

impl SimTime {
    pub fn from_datetime<Tz: TimeZone>(t: &DateTime<Tz>) -> Self {
        SimTime(t.timestamp_millis())
    }

    pub fn from_kst(t: KstDateTime) -> Self {
        SimTime(t.unix_millis())
    }

    /// The KST wall time, truncated to the second (POPBiLL's `yyyyMMddHHmmss`).
    pub fn kst(self) -> KstDateTime {
        KstDateTime::from_unix_millis(self.0)
    }

    pub fn plus_ms(self, ms: i64) -> Self {
        SimTime(self.0.saturating_add(ms))
    }

    pub fn plus_secs(self, secs: i64) -> Self {
        self.plus_ms(secs.saturating_mul(1000))
    }

    fn utc(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }

    /// RFC 3339 in KST, e.g. `2025-07-11T10:00:00+09:00` (milliseconds only when non-zero).
    pub fn rfc3339(self) -> String {
        self.utc()
            .with_timezone(&kst())
            .to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` (UTC), Linkhub's `/Time`.
    pub fn linkhub(self) -> String {
        linkhub_time(self.utc())
    }

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` (UTC), a token's `expiration` (Java parses it with millis).
    pub fn linkhub_millis(self) -> String {
        self.utc().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

/// The two clocks a request is answered at: the simulated one (business time: processing,
/// filing, `GET /Time`) and the real wall clock (what an SDK on default settings signs and
/// refreshes its token by). Both are passed in; the core reads neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    pub sim: SimTime,
    pub wall: SimTime,
}

impl From<SimTime> for Now {
    /// Both clocks at the same instant (core tests, and a real clock started at the wall time).
    fn from(t: SimTime) -> Self {
        Now { sim: t, wall: t }
    }
}

impl fmt::Debug for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SimTime({})", self.rfc3339())
    }
}

/// Parse `x-lh-date`: `yyyy-MM-ddTHH:mm:ssZ` (Java, Python) or with milliseconds (Node's
/// `toISOString()`, `yyyy-MM-ddTHH:mm:ss.SSSZ`). Nothing else is accepted.
pub fn parse_lh_date(s: &str) -> Option<SimTime> {
    let body = s.strip_suffix('Z')?;
    // chrono's `%.f` makes the fraction optional; the length check keeps out odd forms.
    if !(body.len() == 19 || (body.len() > 20 && body.len() <= 29)) {
        return None;
    }
    let t = NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(SimTime(t.and_utc().timestamp_millis()))
}

/// Parse a control-API time: RFC 3339 (any offset) or `yyyyMMddHHmmss` in KST.
pub fn parse_control_time(s: &str) -> Option<SimTime> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(SimTime::from_datetime(&t));
    }
    KstDateTime::parse(s).ok().map(SimTime::from_kst)
}

/// Frozen (moves only when set) or real (follows real time from an anchor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClockMode {
    #[default]
    Frozen,
    Real,
}

impl ClockMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockMode::Frozen => "frozen",
            ClockMode::Real => "real",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "frozen" => Some(ClockMode::Frozen),
            "real" => Some(ClockMode::Real),
            _ => None,
        }
    }
}

/// The clock never moves backwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the simulated clock cannot move backwards (now {now:?}, asked {asked:?})")]
pub struct Backwards {
    pub now: SimTime,
    pub asked: SimTime,
}

/// The simulated clock. `real_now` is always passed in, so this holds no IO.
#[derive(Debug, Clone)]
pub struct SimClock {
    mode: ClockMode,
    base: SimTime,
    anchor: Instant,
}

impl SimClock {
    pub fn new(start: SimTime, mode: ClockMode, real_now: Instant) -> Self {
        SimClock {
            mode,
            base: start,
            anchor: real_now,
        }
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    pub fn now(&self, real_now: Instant) -> SimTime {
        match self.mode {
            ClockMode::Frozen => self.base,
            ClockMode::Real => {
                let elapsed = real_now.saturating_duration_since(self.anchor).as_millis();
                self.base
                    .plus_ms(i64::try_from(elapsed).unwrap_or(i64::MAX))
            }
        }
    }

    /// Move to `t` (no-op when `t` is now); refuses to go back.
    pub fn set(&mut self, t: SimTime, real_now: Instant) -> Result<(), Backwards> {
        let now = self.now(real_now);
        if t < now {
            return Err(Backwards { now, asked: t });
        }
        self.base = t;
        self.anchor = real_now;
        Ok(())
    }

    pub fn set_mode(&mut self, mode: ClockMode, real_now: Instant) {
        self.base = self.now(real_now);
        self.anchor = real_now;
        self.mode = mode;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn linkhub_time_is_utc_with_z() {
        let t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(linkhub_time(t), "2025-01-01T00:00:00Z");
    }

    #[test]
    fn sim_time_formats_in_kst_and_utc() {
        let t = parse_control_time("2025-07-11T10:00:00+09:00").unwrap();
        assert_eq!(t.rfc3339(), "2025-07-11T10:00:00+09:00");
        assert_eq!(t.kst().to_string(), "20250711100000");
        assert_eq!(t.linkhub(), "2025-07-11T01:00:00Z");
        assert_eq!(t.plus_ms(5).linkhub_millis(), "2025-07-11T01:00:00.005Z");
        assert_eq!(parse_control_time("20250711100000"), Some(t));
    }

    #[test]
    fn lh_date_accepts_seconds_and_node_milliseconds_only() {
        let t = parse_lh_date("2025-01-01T00:00:00Z").unwrap();
        assert_eq!(t.linkhub(), "2025-01-01T00:00:00Z");
        assert_eq!(
            parse_lh_date("2025-01-01T00:00:00.123Z"),
            Some(t.plus_ms(123))
        );
        for bad in [
            "",
            "2025-01-01T00:00:00",
            "2025-01-01 00:00:00Z",
            "2025-01-01T00:00:00+09:00",
            "20250101000000",
            "2025-13-01T00:00:00Z",
            "2025-01-01T00:00:00.Z",
        ] {
            assert_eq!(parse_lh_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn frozen_clock_stays_and_real_clock_follows_real_time() {
        let start = SimTime(1_000_000);
        let t0 = Instant::now();
        let mut c = SimClock::new(start, ClockMode::Frozen, t0);
        assert_eq!(c.now(t0 + Duration::from_secs(5)), start);
        c.set_mode(ClockMode::Real, t0);
        assert_eq!(c.now(t0 + Duration::from_secs(5)), start.plus_secs(5));
        assert!(c.set(SimTime(0), t0).is_err(), "never backwards");
        c.set(start.plus_secs(60), t0).unwrap();
        assert_eq!(c.now(t0 + Duration::from_secs(1)), start.plus_secs(61));
    }
}
