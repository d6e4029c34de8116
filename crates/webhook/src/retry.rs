//! When to try again. 5xx, 408, 429, timeouts and connection errors are
//! worth another attempt; other answers are final. Waits grow
//! exponentially from `backoff` (doubling, capped at `backoff_cap`), each
//! drawn at random between half and all of that ("jitter", so that many
//! exporters that failed together do not return together), and never
//! shorter than the receiver's `Retry-After`. A delivery stops after
//! `max_attempts` attempts or when the next wait would end past
//! `max_time` since its first attempt; it then stays pending for the next run.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Limits and waits. Defaults: 8 attempts within 10 minutes, waits from
/// 1 s doubling up to 60 s (Terra itself starts at 30 s and goes on for
/// hours; an export run is something a person or a cron job waits for).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per delivery and run, the first included.
    pub max_attempts: u32,
    /// Time from a delivery's first attempt after which no new attempt starts.
    pub max_time: Duration,
    /// The first wait.
    pub backoff: Duration,
    /// The longest wait that backoff alone produces (`Retry-After` may ask for more).
    pub backoff_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            max_time: Duration::from_secs(600),
            backoff: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(60),
        }
    }
}

/// Whether an HTTP status is worth another attempt.
pub fn retryable_status(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

impl RetryPolicy {
    /// The wait after the `failures`-th failed attempt (1-based), with
    /// `unit` a random number in [0, 1) for the jitter, and `retry_after`
    /// the receiver's request if it made one.
    pub fn wait(&self, failures: u32, unit: f64, retry_after: Option<Duration>) -> Duration {
        let doubling = 2f64.powi(failures.saturating_sub(1).min(30) as i32);
        let full = self.backoff.mul_f64(doubling).min(self.backoff_cap);
        let jittered = full.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0));
        jittered.max(retry_after.unwrap_or(Duration::ZERO))
    }

    /// Whether another attempt may start: attempts left, and the wait ends
    /// within `max_time` of the first attempt (`elapsed` ago).
    pub fn may_retry(&self, attempts: u32, elapsed: Duration, wait: Duration) -> bool {
        // Saturating: a Retry-After of u64::MAX seconds is a long wait, not a panic.
        attempts < self.max_attempts && elapsed.saturating_add(wait) <= self.max_time
    }
}

/// A random number in [0, 1) from the OS, for jitter (0.5 if it has none).
pub(crate) fn unit_random() -> f64 {
    getrandom::u64().map_or(0.5, |r| (r >> 11) as f64 / (1u64 << 53) as f64)
}

/// `Retry-After`: delay-seconds, or an HTTP date (IMF-fixdate, the form
/// RFC 9110 requires senders to use). A date in the past means now.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(imf_fixdate(value)?).ok()?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` as unix seconds.
fn imf_fixdate(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_, rest) = s.split_once(", ")?;
    let mut parts = rest.split(' ');
    let day: u32 = parts.next()?.parse().ok()?;
    let name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == name)? as u32 + 1;
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, sec) = (clock.next()??, clock.next()??, clock.next()??);
    // Bounds first, so that no arithmetic below can overflow on a hostile header.
    if parts.next()? != "GMT"
        || !(1..=31).contains(&day)
        || !(1..=9999).contains(&year)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&m)
        || !(0..=60).contains(&sec)
    {
        return None;
    }
    let days = erglink_model::days_from_civil(year, month, day);
    Some(days * 86_400 + h * 3600 + m * 60 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_jitter_and_honour_retry_after() {
        let p = RetryPolicy::default();
        assert_eq!(p.wait(1, 0.999_999, None).as_millis(), 999);
        assert_eq!(p.wait(1, 0.0, None), Duration::from_millis(500));
        assert_eq!(p.wait(3, 0.0, None), Duration::from_secs(2));
        assert_eq!(p.wait(20, 0.0, None), Duration::from_secs(30), "capped");
        assert_eq!(
            p.wait(1, 0.0, Some(Duration::from_secs(120))),
            Duration::from_secs(120),
            "Retry-After may ask for more than the cap"
        );
        assert!(p.may_retry(7, Duration::from_secs(500), Duration::from_secs(100)));
        assert!(!p.may_retry(8, Duration::ZERO, Duration::ZERO));
        assert!(!p.may_retry(1, Duration::from_secs(500), Duration::from_secs(101)));
        for s in [500, 502, 503, 599, 408, 429] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 410, 413, 422, 301, 302] {
            assert!(!retryable_status(s), "{s}");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:51:37 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:00 GMT", UNIX_EPOCH),
            Some(Duration::from_secs(1_767_225_600))
        );
        for bad in ["soon", "-1", "Sun, 06 Nov 1994 08:51:37 CET", ""] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }
}
