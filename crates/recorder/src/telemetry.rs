//! A session's telemetry from the driver's counters: what changed between the
//! session's start and its end.

use erglink_model::{RttBucket, Telemetry};
use erglink_pm::{LatencyHistogram, Stats};

/// The driver's counters when a session began.
#[derive(Clone, Debug)]
pub struct TelemetryBase {
    stats: Stats,
}

impl TelemetryBase {
    /// Remembers `stats`.
    pub fn new(stats: &Stats) -> Self {
        Self {
            stats: stats.clone(),
        }
    }

    /// The session's telemetry: `now` minus the start.
    pub fn telemetry(&self, now: &Stats, achieved_hz: f64) -> Telemetry {
        let before = self.stats.latency.counts();
        let rtt_histogram = now
            .latency
            .counts()
            .iter()
            .zip(before)
            .enumerate()
            .map(|(i, (n, b))| RttBucket {
                upper_us: if i + 1 == LatencyHistogram::BUCKETS {
                    u32::MAX
                } else {
                    (LatencyHistogram::bucket_upper_ms(i) * 1000) as u32
                },
                count: n - b,
            })
            .filter(|b| b.count > 0)
            .collect();
        Telemetry {
            achieved_millihz: Some((achieved_hz * 1000.0).round() as u32),
            rtt_histogram,
            timeouts: now.timeouts - self.stats.timeouts,
            retries: now.resends - self.stats.resends,
            dropped_bytes: now.dropped_bytes - self.stats.dropped_bytes,
            adaptations: Vec::new(),
        }
    }
}
