//! Terra's timestamps: ISO 8601 with microseconds and an explicit offset
//! (`2026-07-01T07:04:11.000000+01:00`), written straight into the output
//! without an intermediate `String`, since a full-resolution export writes
//! millions of them.

use core::fmt;

use erglink_model::{UtcNanos, civil_from_days};
use serde::{Serialize, Serializer};

/// An instant and the UTC offset to show it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    utc: UtcNanos,
    offset_s: i32,
}

impl Timestamp {
    /// `utc`, shown at `offset_s` seconds east of UTC.
    pub const fn new(utc: UtcNanos, offset_s: i32) -> Self {
        Self { utc, offset_s }
    }

    /// The instant.
    pub const fn utc(self) -> UtcNanos {
        self.utc
    }

    /// The offset it is shown at, seconds east of UTC.
    pub const fn offset_s(self) -> i32 {
        self.offset_s
    }

    /// The same instant `ns` later.
    pub fn plus_ns(self, ns: u64) -> Self {
        Self::new(self.utc.plus_ns(ns), self.offset_s)
    }

    /// The text, `Z` instead of `+00:00` when `zulu` (for XML consumers
    /// that expect it; Terra wants the numeric form).
    fn write(self, zulu: bool, out: &mut [u8; 32]) -> usize {
        let local_us = self.utc.0.div_euclid(1000) + i64::from(self.offset_s) * 1_000_000;
        let us = local_us.rem_euclid(1_000_000);
        let secs = local_us.div_euclid(1_000_000);
        let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        // Years outside 0..=9999 cannot come from i64 nanoseconds (1677..2262).
        let y = y.clamp(0, 9999) as u32;
        digits(&mut out[0..4], y);
        out[4] = b'-';
        digits(&mut out[5..7], m);
        out[7] = b'-';
        digits(&mut out[8..10], d);
        out[10] = b'T';
        digits(&mut out[11..13], (sod / 3600) as u32);
        out[13] = b':';
        digits(&mut out[14..16], (sod / 60 % 60) as u32);
        out[16] = b':';
        digits(&mut out[17..19], (sod % 60) as u32);
        out[19] = b'.';
        digits(&mut out[20..26], us as u32);
        if zulu && self.offset_s == 0 {
            out[26] = b'Z';
            return 27;
        }
        out[26] = if self.offset_s < 0 { b'-' } else { b'+' };
        let off = self.offset_s.unsigned_abs();
        digits(&mut out[27..29], off / 3600);
        out[29] = b':';
        digits(&mut out[30..32], off / 60 % 60);
        32
    }

    /// The text with `Z` for UTC: `2026-01-01T00:00:00.000000Z`.
    pub fn to_zulu_string(self) -> String {
        let mut buf = [0u8; 32];
        let n = Self::new(self.utc, 0).write(true, &mut buf);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

fn digits(out: &mut [u8], mut v: u32) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 32];
        let n = self.write(false, &mut buf);
        // Only ASCII digits and punctuation were written.
        f.write_str(core::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_and_offsets() {
        // 2021-01-01T00:00:00Z plus 250 123 456 ns.
        let t = UtcNanos(1_609_459_200_250_123_456);
        assert_eq!(
            Timestamp::new(t, 0).to_string(),
            "2021-01-01T00:00:00.250123+00:00"
        );
        assert_eq!(
            Timestamp::new(t, 7200).to_string(),
            "2021-01-01T02:00:00.250123+02:00"
        );
        assert_eq!(
            Timestamp::new(t, -5 * 3600 - 1800).to_string(),
            "2020-12-31T18:30:00.250123-05:30"
        );
        assert_eq!(
            Timestamp::new(t, 3600).to_zulu_string(),
            "2021-01-01T00:00:00.250123Z"
        );
        assert_eq!(
            Timestamp::new(UtcNanos(-1_000), 0).to_string(),
            "1969-12-31T23:59:59.999999+00:00"
        );
        assert_eq!(
            serde_json::to_string(&Timestamp::new(UtcNanos(1_709_164_800_000_000_000), 0)).unwrap(),
            "\"2024-02-29T00:00:00.000000+00:00\""
        );
    }
}
