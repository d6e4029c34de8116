//! How a monitor is recorded, and what a recorded session came to.

use erglink_model::{Adaptation, Machine, Tags};
use erglink_transport::TransportError;

use crate::publish::LivePublisher;

/// When recording stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// After the first workout that finishes (or goes idle).
    Finished,
    /// After this long on the transport's clock.
    Duration(u64),
    /// Until stopped.
    Stopped,
}

/// How a monitor is recorded.
#[derive(Clone, Debug)]
pub struct Options {
    /// When to stop.
    pub until: Until,
    /// A session with no stroke for this long ends (rests and pauses aside).
    pub idle_timeout_ns: u64,
    /// Tags for every session.
    pub tags: Tags,
    /// Keep every report in the session's exchange log.
    pub raw_log: bool,
    /// How often to read the split figures.
    pub split_poll_ns: u64,
    /// How often to look for a monitor that went away.
    pub reconnect_every_ns: u64,
    /// The machine of every monitor that cannot say which it sits on (PM3,
    /// PM4): `record --machine rower|skierg|bikeerg`.
    pub machine: Option<Machine>,
    /// The machine of one monitor, by serial: `record --machine SERIAL=MACHINE`.
    /// Takes precedence over `machine`.
    pub machine_by_serial: Vec<(String, Machine)>,
    /// Where live events go (`record --serve`); none: nothing is built.
    pub live_events: Option<LivePublisher>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            until: Until::Stopped,
            idle_timeout_ns: 60_000_000_000,
            tags: Tags::default(),
            raw_log: false,
            split_poll_ns: 1_000_000_000,
            reconnect_every_ns: 1_000_000_000,
            machine: None,
            machine_by_serial: Vec::new(),
            live_events: None,
        }
    }
}

/// What one recorded session came to.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSummary {
    /// Its id.
    pub id: erglink_model::SessionId,
    /// Samples stored.
    pub samples: u64,
    /// Strokes stored.
    pub strokes: u64,
    /// Force curves stored, and of those whole.
    pub curves: (u64, u64),
    /// Transport time it lasted.
    pub duration_ns: u64,
    /// Samples per second achieved.
    pub achieved_hz: f64,
    /// The report its polls went in.
    pub report_id: u8,
    /// Whether the workout finished (rather than idle, --until or Ctrl-C).
    pub workout_finished: bool,
    /// Force-curve drains that lost a block (their curves are marked incomplete).
    pub drains_lost: u64,
    /// The longest time between two stored samples, outside unplugs, ns.
    pub longest_gap_ns: u64,
    /// Poll exchanges per stored sample, on average: 1 when a poll is one
    /// frame (drains and other reads not counted).
    pub exchanges_per_sample: f64,
    /// The machine it was stored as.
    pub machine: Machine,
    /// Whether that machine was assumed rather than reported.
    pub machine_assumed: bool,
    /// What the recorder adapted to the monitor, as stored with the session.
    pub adaptations: Vec<Adaptation>,
}

/// Reopens a monitor that went away (real hardware: its handle is dead).
pub type Reopen<T> = Box<dyn FnMut() -> Result<T, TransportError> + Send>;
