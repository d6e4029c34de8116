//! # erglink-model
//!
//! The plain data of erglink: what a monitor is, what a session is, and what
//! the recorder captures during one. No I/O, no clock, no SQLite: the
//! recorder fills these types, the store keeps them, and the exporters read
//! them back.
//!
//! ## Units
//! Quantities are integers in the units the monitor itself reports, so that
//! nothing is rounded between the wire and the database. The unit is in each
//! field's name and documentation:
//!
//! | suffix | unit |
//! |---|---|
//! | `_ns` | nanoseconds of the transport's monotonic clock, from the session's start |
//! | `_cs` | centiseconds (0.01 s), the PM's own clock |
//! | `_dm` | decimetres (0.1 m) |
//! | `_cm` | centimetres (0.01 m) |
//! | `_cs_per_500m` | pace, 0.01 s per 500 m |
//! | `_w` | watts |
//! | `_spm` | strokes per minute |
//! | `_bpm` | heart beats per minute |
//! | `_kcal` | kilocalories |
//! | `_dlbf` | 0.1 lbf (stroke statistics) |
//! | `_lbf` | whole lbf as the force plot sends them (the unit is undocumented) |
//! | `_dj` | 0.1 J |
//!
//! Codes that come from the monitor (stroke state, workout state, workout
//! type…) are kept as the raw `u8`, so an unknown value from a newer firmware
//! survives a round trip; `erglink-csafe` names them. Codes erglink itself
//! defines (source, machine, session state…) are Rust enums with a stable
//! `code()` that the store persists.
//!
//! Values the recorder reads only on a slow rotation (heart rate, calories,
//! drag factor, workout and interval state) are `Option`: `None` means "not
//! read for this sample", not zero.

#![forbid(unsafe_code)]

mod codes;
mod id;
mod live;
mod monitor;
mod record;
mod session;
mod time;

pub use codes::{
    Direction, ExportState, GapKind, Machine, PmModel, SessionState, Source, SplitKind,
};
pub use id::{SessionId, SessionIdError};
pub use live::{LiveData, LiveEvent, LiveSession};
pub use monitor::{MonitorInfo, ReportSize};
pub use record::{Exchange, ForceCurve, Gap, Sample, Split, Stroke};
pub use session::{
    Adaptation, IntervalPlan, NewSession, RttBucket, Session, SessionCounts, SessionEnd, Tags,
    Telemetry, Workout, WorkoutDuration, WorkoutParams,
};
pub use time::{UtcNanos, civil_from_days, days_from_civil};
