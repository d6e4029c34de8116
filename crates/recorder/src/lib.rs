//! # erglink-recorder
//!
//! Records Concept2 monitors into the erglink store: every stroke, every
//! force curve, at the bus limit, from several monitors at once.
//!
//! Each monitor gets its own blocking loop ([`MonitorRecorder`]): one
//! exchange in flight, the next poll sent as soon as the reply arrives, every
//! poll carrying the fast fields and one group of slow ones ([`PollPlan`]), the
//! force curve drained at the end of each drive, and the stroke statistics
//! read in the polls after it. Sessions start when a workout
//! starts or rowing begins and end when the workout finishes, after an idle
//! timeout, at `--until` or on a stop request. A monitor that goes away and
//! comes back continues its session, and the gap is recorded. [`record`] runs
//! the loops as tokio blocking tasks feeding the store's one writer, and picks
//! up monitors plugged in later.
//!
//! Where the protocol leaves a question open (reference csafe.md, "unknown"),
//! the recorder does not bet on one answer: it is right under every plausible
//! one, and keeps what it settled as the session's adaptations
//! ([`adapt`]): a refused command is found and dropped ([`PollPlan`]), GETPACE's
//! scale is settled against power ([`pace`]), stroke statistics are placed on
//! the stroke they describe ([`stroke_stats`]), split figures are checked in
//! either byte order ([`splits`]), the reply timeout follows the monitor
//! ([`timeout`]), and the machine of a monitor that cannot say is the user's
//! word or an assumption marked as such.

#![forbid(unsafe_code)]

pub mod adapt;
mod attach;
mod curve;
mod cycle;
mod error;
mod isolate;
mod learn;
mod lifecycle;
mod link;
mod live;
mod machine;
mod options;
mod orchestrate;
pub mod pace;
pub mod pack;
pub mod plan;
mod poller;
mod publish;
mod reading;
mod reconnect;
mod session;
pub mod splits;
mod stroke_log;
pub mod stroke_stats;
mod strokes;
mod telemetry;
pub mod timeout;

pub use curve::{CurveDrain, split_run_together};
pub use error::RecorderError;
pub use link::QUIET_LIMIT;
pub use live::{Live, LiveLine};
pub use options::{Options, Reopen, SessionSummary, Until};
pub use orchestrate::{Target, record, record_on};
pub use plan::PollPlan;
pub use poller::{IDLE_POLL_NS, MonitorRecorder};
pub use publish::LivePublisher;
pub use reading::{Reading, heart_rate, pace_from_power};
