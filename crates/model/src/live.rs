//! Live events: what the recorder has just captured, as it captures it, for
//! a server to stream while the session is still being recorded (`record
//! --serve`), or what a server following the store has just read back.
//!
//! They live here, beside the data they carry, so that neither the recorder
//! nor the server depends on the other: the recorder publishes them on a
//! bounded channel it never waits on, and the server reads them.

use std::sync::Arc;
use std::time::Instant;

use crate::{
    ForceCurve, Machine, Sample, SessionId, SessionState, Split, Stroke, UtcNanos, Workout,
};

/// Who a live event is about: one session on one monitor. Shared by every
/// event of the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveSession {
    /// The session.
    pub id: SessionId,
    /// The monitor's serial (its path when it has none).
    pub serial: String,
    /// `record --station`.
    pub station: Option<String>,
    /// `record --athlete`.
    pub athlete: Option<String>,
    /// The machine the session is stored as.
    pub machine: Machine,
    /// The workout the PM held at the start.
    pub workout: Workout,
    /// Wall-clock UTC at the session's start.
    pub started_at: UtcNanos,
    /// Local offset at the start, s east of UTC.
    pub utc_offset_s: i32,
}

/// What happened.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveData {
    /// The session began.
    SessionStart,
    /// One poll of the monitor's live values.
    Sample(Sample),
    /// A stroke, once its statistics are in (as the store gets it), with the
    /// live values of the poll that completed it.
    Stroke {
        /// The stroke as stored.
        stroke: Stroke,
        /// Pace then, 0.01 s per 500 m.
        pace_cs_per_500m: u32,
        /// Power then, W.
        power_w: u16,
        /// Stroke rate then, spm.
        rate_spm: u8,
        /// The session's distance then, 0.1 m.
        distance_dm: u32,
    },
    /// A stroke's force curve, once drained.
    ForceCurve(ForceCurve),
    /// A split or interval, once it ended.
    Split(Split),
    /// The session ended, in this state.
    SessionEnd(SessionState),
}

/// One live event.
#[derive(Clone, Debug)]
pub struct LiveEvent {
    /// The session it belongs to.
    pub session: Arc<LiveSession>,
    /// When it happened: ns of the transport clock since the session start.
    pub elapsed_ns: u64,
    /// What happened.
    pub data: LiveData,
    /// When the monitor's reply behind it arrived, in this process: servers
    /// measure their latency from it. `None` for events read back from the
    /// store by another process.
    pub replied_at: Option<Instant>,
}

impl LiveEvent {
    /// When it happened, on the wall clock.
    pub fn at(&self) -> UtcNanos {
        self.session.started_at.plus_ns(self.elapsed_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_is_the_start_plus_elapsed_time() {
        let session = Arc::new(LiveSession {
            id: SessionId::from_parts(1, 1),
            serial: "430228525".into(),
            station: None,
            athlete: None,
            machine: Machine::RowErg,
            workout: Workout::default(),
            started_at: UtcNanos(1_000_000_000),
            utc_offset_s: 0,
        });
        let e = LiveEvent {
            session,
            elapsed_ns: 2_500_000_000,
            data: LiveData::SessionStart,
            replied_at: None,
        };
        assert_eq!(e.at(), UtcNanos(3_500_000_000));
    }
}
