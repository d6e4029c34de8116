//! The reply timeout, fitted to the monitor: a few times its slowest reply
//! so far, so that a lost report costs a fraction of a stroke, never less
//! than [`MIN_TIMEOUT_NS`] (a real PM's processing time is unknown), and
//! raised again whenever replies come after it.

use erglink_pm::Stats;

/// The shortest reply timeout ever used.
pub const MIN_TIMEOUT_NS: u64 = 250_000_000;
/// The longest, the Concept2 SDK's.
pub const MAX_TIMEOUT_NS: u64 = 1_000_000_000;
/// Replies measured before the first fit.
const FIRST_FIT_AFTER: u64 = 4;
/// Exchanges between fits.
const FIT_EVERY: u64 = 32;

/// A raised timeout, for the session's adaptations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raised {
    /// The new timeout.
    pub timeout_ns: u64,
    /// Late replies counted so far.
    pub late_replies: u64,
}

/// Fits the timeout from the driver's counters.
#[derive(Clone, Debug, Default)]
pub struct TimeoutTuner {
    last_fit_at: u64,
    late_seen: u64,
    /// The highest timeout late replies asked for: fits never go below it.
    raised_ns: u64,
}

impl TimeoutTuner {
    /// The timeout the counters call for, if it should change from `current`;
    /// and whether late replies raised it.
    pub fn fit(&mut self, stats: &Stats, current: u64) -> Option<(u64, Option<Raised>)> {
        let late = stats.late_replies > self.late_seen;
        let due = stats.exchanges >= FIRST_FIT_AFTER
            && (self.last_fit_at == 0 || stats.exchanges >= self.last_fit_at + FIT_EVERY);
        if !late && !due {
            return None;
        }
        self.last_fit_at = stats.exchanges.max(1);
        let mut raised = None;
        if late {
            self.late_seen = stats.late_replies;
            let up = (current.saturating_mul(2)).clamp(MIN_TIMEOUT_NS, MAX_TIMEOUT_NS);
            if up > self.raised_ns.max(current) {
                self.raised_ns = up;
                raised = Some(Raised {
                    timeout_ns: up,
                    late_replies: stats.late_replies,
                });
            }
        }
        let measured = stats
            .latency
            .summary()
            .map_or(MAX_TIMEOUT_NS, |(_, _, max)| max.saturating_mul(3));
        let timeout = measured
            .max(self.raised_ns)
            .clamp(MIN_TIMEOUT_NS, MAX_TIMEOUT_NS);
        (timeout != current || raised.is_some()).then_some((timeout, raised))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn stats(exchanges: u64, max_ms: u64, late: u64) -> Stats {
        let mut s = Stats {
            exchanges,
            late_replies: late,
            ..Stats::default()
        };
        s.latency.record(max_ms * MS);
        s
    }

    #[test]
    fn never_below_250_ms() {
        let mut t = TimeoutTuner::default();
        assert_eq!(
            t.fit(&stats(2, 14, 0), 1000 * MS),
            None,
            "too few replies yet"
        );
        assert_eq!(t.fit(&stats(4, 14, 0), 1000 * MS), Some((250 * MS, None)));
        assert_eq!(t.fit(&stats(10, 14, 0), 250 * MS), None, "not due");
        assert_eq!(t.fit(&stats(40, 200, 0), 250 * MS), Some((600 * MS, None)));
        assert_eq!(t.fit(&stats(80, 900, 0), 600 * MS), Some((1000 * MS, None)));
    }

    #[test]
    fn late_replies_raise_it_and_it_stays_raised() {
        let mut t = TimeoutTuner::default();
        assert_eq!(t.fit(&stats(4, 14, 0), 1000 * MS), Some((250 * MS, None)));
        let (to, raised) = t.fit(&stats(5, 14, 1), 250 * MS).unwrap();
        assert_eq!(to, 500 * MS);
        assert_eq!(
            raised,
            Some(Raised {
                timeout_ns: 500 * MS,
                late_replies: 1
            })
        );
        // Later fits keep it, however quick the replies.
        assert_eq!(t.fit(&stats(40, 14, 1), 500 * MS), None);
        let (to, _) = t.fit(&stats(41, 14, 3), 500 * MS).unwrap();
        assert_eq!(to, 1000 * MS);
        assert_eq!(t.fit(&stats(42, 14, 4), 1000 * MS), None, "at the ceiling");
    }
}
