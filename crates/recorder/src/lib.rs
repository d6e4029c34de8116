//! # erglink-recorder
//!
//! Records Concept2 monitors into the erglink store: every stroke, every
//! force curve, at the bus limit, from several monitors at once.
//!
//! Each monitor gets its own blocking loop ([`MonitorRecorder`]): one
//! exchange in flight, the next poll sent as soon as the reply arrives, every
//! poll carrying the fast fields and one group of slow ones ([`PollPlan`]), the
//! force curve drained at the end of each drive. Sessions start when a workout
//! starts or rowing begins and end when the workout finishes, after an idle
//! timeout, at `--until` or on a stop request. A monitor that goes away and
//! comes back continues its session, and the gap is recorded. [`record`] runs
//! the loops as tokio blocking tasks feeding the store's one writer, and picks
//! up monitors plugged in later.

#![forbid(unsafe_code)]

mod curve;
mod error;
mod live;
mod orchestrate;
pub mod plan;
mod poller;
mod reading;
mod session;
mod strokes;
mod telemetry;

pub use curve::{CurveDrain, split_run_together};
pub use error::RecorderError;
pub use live::{Live, LiveLine};
pub use orchestrate::{Target, record, record_on};
pub use plan::PollPlan;
pub use poller::{MonitorRecorder, Options, Reopen, SessionSummary, Until};
pub use reading::{Reading, pace_from_power};
