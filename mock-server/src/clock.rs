//! Time formats the mock speaks. POPBiLL's business clock is KST (UTC+9, no DST).

use chrono::{DateTime, FixedOffset, Utc};

/// Korea Standard Time: UTC+9 all year.
pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// Linkhub's `GET /Time` answer and the `x-lh-date` form: `yyyy-MM-ddTHH:mm:ssZ` in UTC.
pub fn linkhub_time(now: DateTime<Utc>) -> String {
    now.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn linkhub_time_is_utc_with_z() {
        let t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(linkhub_time(t), "2025-01-01T00:00:00Z");
    }
}
