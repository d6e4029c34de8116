//! What a driver counts: exchanges, retries, losses, and round-trip times.

/// Round-trip times in buckets whose width doubles: `[0, 1 ms)`, `[1, 2)`,
/// `[2, 4)` … up to 16 s, so a session of any length fits in a few numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: [u64; LatencyHistogram::BUCKETS],
    total_ns: u128,
    min_ns: u64,
    max_ns: u64,
    n: u64,
}

impl LatencyHistogram {
    /// Number of buckets.
    pub const BUCKETS: usize = 16;

    /// Upper bound of bucket `i`, in ms.
    pub fn bucket_upper_ms(i: usize) -> u64 {
        1 << i
    }

    /// Adds one round trip.
    pub fn record(&mut self, ns: u64) {
        let ms = ns / 1_000_000;
        let i = if ms == 0 {
            0
        } else {
            (64 - ms.leading_zeros()) as usize
        }
        .min(Self::BUCKETS - 1);
        self.counts[i] += 1;
        self.total_ns += u128::from(ns);
        self.min_ns = if self.n == 0 { ns } else { self.min_ns.min(ns) };
        self.max_ns = self.max_ns.max(ns);
        self.n += 1;
    }

    /// Round trips recorded.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Counts per bucket.
    pub fn counts(&self) -> &[u64; Self::BUCKETS] {
        &self.counts
    }

    /// Mean, min and max in ns.
    pub fn summary(&self) -> Option<(u64, u64, u64)> {
        (self.n > 0).then(|| {
            (
                (self.total_ns / u128::from(self.n)) as u64,
                self.min_ns,
                self.max_ns,
            )
        })
    }

    /// The smallest bucket bound below which at least `q` (0..=1) of the round
    /// trips fall, in ms.
    pub fn quantile_upper_ms(&self, q: f64) -> Option<u64> {
        if self.n == 0 {
            return None;
        }
        let want = (q * self.n as f64).ceil() as u64;
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= want.max(1) {
                return Some(Self::bucket_upper_ms(i));
            }
        }
        Some(Self::bucket_upper_ms(Self::BUCKETS - 1))
    }
}

/// Counters of one driver.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Exchanges that got a reply.
    pub exchanges: u64,
    /// Waits that ended without a reply.
    pub timeouts: u64,
    /// Requests sent again after a timeout.
    pub resends: u64,
    /// Replies that arrived after their timeout and were drained unread.
    pub late_replies: u64,
    /// Replies cut short by a report too small for them.
    pub truncated: u64,
    /// Frames dropped for bad checksums or framing.
    pub bad_frames: u64,
    /// Requests the PM reported as damaged (previous-frame status Bad).
    pub bad_requests: u64,
    /// Bytes the frame decoder dropped.
    pub dropped_bytes: u64,
    /// Replies whose toggle bit did not flip.
    pub toggle_repeats: u64,
    /// Replies whose previous-frame status was not OK.
    pub refusals: u64,
    /// Round-trip times.
    pub latency: LatencyHistogram,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_double() {
        let mut h = LatencyHistogram::default();
        for ms in [0.5, 1.0, 3.0, 26.0, 26.0, 900.0] {
            h.record((ms * 1e6) as u64);
        }
        assert_eq!(h.counts()[..6], [1, 1, 1, 0, 0, 2]);
        assert_eq!(h.counts()[10], 1);
        assert_eq!(h.count(), 6);
        assert_eq!(h.quantile_upper_ms(0.5), Some(4));
        assert_eq!(h.summary().unwrap().2, 900_000_000);
    }
}
