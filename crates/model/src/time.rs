//! Wall-clock instants. A session stores its start once, as UTC plus the
//! local offset; everything inside it is elapsed time from the transport's
//! monotonic clock, so a wall-clock jump mid-session cannot reorder samples.

use core::fmt::Write;

use serde::{Deserialize, Serialize};

/// An instant in UTC, as nanoseconds since the Unix epoch (1970-01-01T00:00:00Z).
/// `i64` nanoseconds cover the years 1677 to 2262.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UtcNanos(pub i64);

impl UtcNanos {
    /// The instant `elapsed_ns` after this one (saturating).
    pub fn plus_ns(self, elapsed_ns: u64) -> Self {
        Self(
            self.0
                .saturating_add(i64::try_from(elapsed_ns).unwrap_or(i64::MAX)),
        )
    }

    /// Unix milliseconds (floored).
    pub fn unix_ms(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// ISO 8601 / RFC 3339 in local time at `utc_offset_s`, to the
    /// millisecond: `2026-05-01T09:30:00.250+02:00`. An offset of 0 is
    /// written `+00:00`, which says "offset known to be zero"; `Z` would not.
    pub fn to_rfc3339(self, utc_offset_s: i32) -> String {
        let local = self.0.div_euclid(1_000_000) + i64::from(utc_offset_s) * 1000;
        let ms = local.rem_euclid(1000);
        let secs = local.div_euclid(1000);
        let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        let mut s = String::with_capacity(29);
        let _ = write!(
            s,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        );
        let sign = if utc_offset_s < 0 { '-' } else { '+' };
        let off = utc_offset_s.unsigned_abs();
        let _ = write!(s, "{sign}{:02}:{:02}", off / 3600, off / 60 % 60);
        s
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date, the inverse of
/// [`civil_from_days`] (H. Hinnant's `days_from_civil`). The caller bounds
/// the year; any year within ±10^12 stays clear of overflow.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_offset() {
        // 2021-01-01T00:00:00Z = 1609459200 s.
        let t = UtcNanos(1_609_459_200_250_000_000);
        assert_eq!(t.to_rfc3339(0), "2021-01-01T00:00:00.250+00:00");
        assert_eq!(t.to_rfc3339(7200), "2021-01-01T02:00:00.250+02:00");
        assert_eq!(
            t.to_rfc3339(-5 * 3600 - 1800),
            "2020-12-31T18:30:00.250-05:30"
        );
        assert_eq!(UtcNanos(0).to_rfc3339(0), "1970-01-01T00:00:00.000+00:00");
        // A leap day.
        assert_eq!(
            UtcNanos(1_709_164_800_000_000_000).to_rfc3339(0),
            "2024-02-29T00:00:00.000+00:00"
        );
        assert_eq!(
            UtcNanos(-1_000_000).to_rfc3339(0),
            "1969-12-31T23:59:59.999+00:00"
        );
    }

    #[test]
    fn plus_saturates() {
        assert_eq!(UtcNanos(5).plus_ns(10), UtcNanos(15));
        assert_eq!(UtcNanos(i64::MAX - 1).plus_ns(10), UtcNanos(i64::MAX));
    }
}
