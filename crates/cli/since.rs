//! `--since DATE`: a calendar day in each session's own local time
//! (`2026-03-01`), or an instant (`2026-03-01T09:00:00+01:00`, `…Z`).

use erglink_model::{Session, UtcNanos, days_from_civil};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Since {
    /// Days since 1970-01-01, compared with the session's local start date.
    Day(i64),
    /// Sessions starting at or after this instant.
    Instant(UtcNanos),
}

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn date(s: &str) -> Option<i64> {
    let mut parts = s.split('-');
    let (y, m, d) = (
        num(parts.next()?)?,
        num(parts.next()?)?,
        num(parts.next()?)?,
    );
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) || s.len() != 10 {
        return None;
    }
    Some(days_from_civil(
        y,
        u32::try_from(m).ok()?,
        u32::try_from(d).ok()?,
    ))
}

impl Since {
    pub fn parse(s: &str) -> Result<Self, String> {
        const EXPECTED: &str = "expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with Z or an offset";
        let s = s.trim();
        if let Some(day) = date(s) {
            return Ok(Self::Day(day));
        }
        let (day, rest) = s.split_at_checked(10).ok_or(EXPECTED)?;
        let day = date(day).ok_or(EXPECTED)?;
        let rest = rest.strip_prefix(['T', ' ']).ok_or(EXPECTED)?;
        let (clock, offset_s) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
            (c, 0)
        } else {
            let at = rest.rfind(['+', '-']).ok_or(EXPECTED)?;
            let (c, off) = rest.split_at(at);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let (h, m) = off[1..].split_once(':').ok_or(EXPECTED)?;
            (
                c,
                sign * (num(h).ok_or(EXPECTED)? * 3600 + num(m).ok_or(EXPECTED)? * 60),
            )
        };
        let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let mut f = hms.split(':');
        let (h, mi, sec) = (
            num(f.next().ok_or(EXPECTED)?).ok_or(EXPECTED)?,
            num(f.next().ok_or(EXPECTED)?).ok_or(EXPECTED)?,
            num(f.next().unwrap_or("0")).ok_or(EXPECTED)?,
        );
        if h > 23 || mi > 59 || sec > 60 || (!frac.is_empty() && num(frac).is_none()) {
            return Err(EXPECTED.into());
        }
        let frac_ns = if frac.is_empty() {
            0
        } else {
            let digits = &frac[..frac.len().min(9)];
            num(digits).ok_or(EXPECTED)? * 10i64.pow(9 - digits.len() as u32)
        };
        let secs = day * 86_400 + h * 3600 + mi * 60 + sec - offset_s;
        Ok(Self::Instant(UtcNanos(secs * 1_000_000_000 + frac_ns)))
    }

    pub fn admits(&self, s: &Session) -> bool {
        match *self {
            Self::Instant(t) => s.started_at >= t,
            Self::Day(day) => {
                let local_s = s.started_at.0.div_euclid(1_000_000_000) + i64::from(s.utc_offset_s);
                local_s.div_euclid(86_400) >= day
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_instants() {
        assert_eq!(Since::parse("1970-01-02"), Ok(Since::Day(1)));
        assert_eq!(Since::parse("2021-01-01"), Ok(Since::Day(18_628)));
        assert_eq!(
            Since::parse("2021-01-01T02:00:00+02:00"),
            Ok(Since::Instant(UtcNanos(1_609_459_200_000_000_000)))
        );
        assert_eq!(
            Since::parse("2021-01-01T00:00:00.25Z"),
            Ok(Since::Instant(UtcNanos(1_609_459_200_250_000_000)))
        );
        for bad in [
            "yesterday",
            "2021-13-01",
            "2021-1-1",
            "2021-01-01T25:00Z",
            "",
        ] {
            assert!(Since::parse(bad).is_err(), "{bad}");
        }
    }
}
