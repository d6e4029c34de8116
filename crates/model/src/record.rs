//! What the recorder captures during a session, in device units.
//!
//! Times inside a session come from two clocks, and both are kept: `*_ns` is
//! the host transport's monotonic clock since the session started (it keeps
//! running through a gap), `pm_*_cs` is the monitor's own workout clock (it
//! pauses when the monitor does).

use serde::{Deserialize, Serialize};

use crate::{Direction, GapKind, SplitKind};

/// One poll of the monitor's live values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sample {
    /// When the reply arrived: ns of the transport clock since the session start.
    pub elapsed_ns: u64,
    /// The PM's workout time (`PM_GET_WORKTIME`), 0.01 s.
    pub pm_elapsed_cs: u32,
    /// Distance so far (`PM_GET_WORKDISTANCE`), 0.1 m.
    pub distance_dm: u32,
    /// Current pace (`GETPACE` / stroke 500 m pace), 0.01 s per 500 m; 0 when not moving.
    pub pace_cs_per_500m: u32,
    /// Current power, W.
    pub power_w: u16,
    /// Current stroke rate, strokes per minute.
    pub rate_spm: u8,
    /// Heart rate, beats per minute; `None` when not read for this sample
    /// (slow rotation), `Some(0)` when read and no belt is paired.
    pub hr_bpm: Option<u8>,
    /// Energy so far, kcal (`GETCALORIES`); slow rotation.
    pub energy_kcal: Option<u16>,
    /// Stroke state code (`erglink_csafe::StrokeState`: 2 Driving, 4 Recovery…).
    pub stroke_state: u8,
    /// Drag factor (`PM_GET_DRAGFACTOR`), the PM's dimensionless number; slow rotation.
    pub drag_factor: Option<u8>,
    /// Workout state code (`erglink_csafe::WorkoutState`); slow rotation.
    pub workout_state: Option<u8>,
    /// Interval type code (`erglink_csafe::IntervalType`); slow rotation.
    pub interval_type: Option<u8>,
    /// Interval number, 0-based (`PM_GET_WORKOUTINTERVALCOUNT`); slow rotation.
    pub interval_count: Option<u8>,
}

/// One stroke, from the PM's stroke statistics (`PM_GET_STROKESTATS`) and the
/// stroke-state edges the recorder saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stroke {
    /// Stroke number in the session, 0-based. Force curves refer to it.
    pub index: u32,
    /// Start of the drive, ns of the transport clock since the session start.
    pub start_ns: u64,
    /// End of the recovery (the next drive's start), ns likewise.
    pub end_ns: u64,
    /// Drive time, 0.01 s.
    pub drive_time_cs: u16,
    /// Recovery time, 0.01 s.
    pub recovery_time_cs: u16,
    /// Drive length (the PM's "stroke length"), 0.01 m.
    pub drive_length_cm: u16,
    /// Peak drive force, 0.1 lbf.
    pub peak_force_dlbf: u16,
    /// Average drive force, 0.1 lbf.
    pub average_force_dlbf: u16,
    /// Distance covered by the stroke, 0.01 m.
    pub distance_cm: u16,
    /// Work per stroke, 0.1 J.
    pub work_dj: u16,
}

/// The force curve of one stroke, as drained from `PM_GET_FORCEPLOTDATA`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ForceCurve {
    /// The stroke this curve belongs to ([`Stroke::index`]).
    pub stroke_index: u32,
    /// Force samples in order, as sent (whole lbf by the spec's example; the
    /// unit is undocumented, so they are not converted).
    pub samples_lbf: Vec<u16>,
    /// `true` when the PM signalled the end of the curve (a short block);
    /// `false` when the drain was cut off (a timeout, the next stroke).
    pub complete: bool,
}

impl ForceCurve {
    /// The number of samples (the store keeps it as a column, for queries).
    pub fn sample_count(&self) -> usize {
        self.samples_lbf.len()
    }
}

/// One split of a continuous piece, or one interval of an interval workout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Split {
    /// Split or interval.
    pub kind: SplitKind,
    /// Number among the session's rows of the same kind, 0-based.
    pub index: u32,
    /// Start, ns of the transport clock since the session start.
    pub start_ns: u64,
    /// End, ns likewise.
    pub end_ns: u64,
    /// Work time by the PM's clock, 0.01 s.
    pub time_cs: u32,
    /// Work distance, 0.1 m.
    pub distance_dm: u32,
    /// Energy, kcal, when the PM reports it.
    pub energy_kcal: Option<u16>,
    /// Average power, W, when known.
    pub average_power_w: Option<u16>,
    /// Average stroke rate, spm, when known.
    pub average_rate_spm: Option<u8>,
    /// Average heart rate, bpm, when known.
    pub average_hr_bpm: Option<u8>,
    /// Interval type code (`erglink_csafe::IntervalType`); intervals only.
    pub interval_type: Option<u8>,
    /// Rest after the interval, 0.01 s; intervals only.
    pub rest_time_cs: Option<u32>,
    /// Distance rowed during the rest, 0.1 m; intervals only.
    pub rest_distance_dm: Option<u32>,
}

/// A stretch of a session without data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Gap {
    /// Unplugged or timed out.
    pub kind: GapKind,
    /// Last moment with data, ns of the transport clock since the session start.
    pub from_ns: u64,
    /// First moment with data again; `None` if the monitor never came back.
    pub to_ns: Option<u64>,
}

/// One raw USB report, for the optional exchange log (the transcript format
/// of interface.md, kept per session).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Exchange {
    /// When it was sent or received, ns of the transport clock since the session start.
    pub elapsed_ns: u64,
    /// Host to monitor, or back.
    pub direction: Direction,
    /// HID report id.
    pub report_id: u8,
    /// Report bytes after the id, padding left out.
    pub bytes: Vec<u8>,
}
