//! Session metadata: what was recorded, on what, when, and how well.

use serde::{Deserialize, Serialize};

use crate::{Machine, MonitorInfo, SessionId, SessionState, Source, UtcNanos};

/// Free-text labels given at `record --athlete NAME --station NAME --note TEXT`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tags {
    /// Who rowed.
    pub athlete: Option<String>,
    /// Which machine or place in the lab.
    pub station: Option<String>,
    /// Anything else.
    pub note: Option<String>,
}

/// A duration as the PM programs it (`PM_SET_WORKOUTDURATION`, split and
/// interval durations): a duration-type code and a value in that type's unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkoutDuration {
    /// Duration type code (`erglink_csafe::DurationType`): `0x00` time,
    /// `0x40` calories, `0x80` distance, `0xC0` watt-minutes.
    pub duration_type: u8,
    /// The amount in the PM's unit for that type: 0.01 s for time, whole
    /// metres for distance, whole kcal for calories, watt-minutes.
    pub value: u32,
}

/// One interval of a programmed interval workout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IntervalPlan {
    /// Interval type code (`erglink_csafe::IntervalType`).
    pub interval_type: u8,
    /// Work part.
    pub work: WorkoutDuration,
    /// Rest after it, whole seconds (as `PM_SET_RESTDURATION` takes it).
    pub rest_s: u16,
}

/// The parameters of a workout beyond its type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkoutParams {
    /// The whole piece (2000 m, 30:00…); `None` for just-row and intervals.
    pub target: Option<WorkoutDuration>,
    /// Split length, when the workout has splits.
    pub split: Option<WorkoutDuration>,
    /// The intervals, in order, for interval workouts.
    pub intervals: Vec<IntervalPlan>,
}

/// The workout programmed on the monitor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Workout {
    /// Workout type code (`erglink_csafe::WorkoutType`: 0 just row, 3 fixed
    /// distance with splits…); `None` if it was not read.
    pub workout_type: Option<u8>,
    /// Its parameters.
    pub params: WorkoutParams,
}

/// One bucket of a round-trip-time histogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RttBucket {
    /// Upper bound of the bucket, microseconds (inclusive); `u32::MAX` for
    /// the overflow bucket. The lower bound is the previous bucket's.
    pub upper_us: u32,
    /// Request/reply exchanges that took at most `upper_us`.
    pub count: u64,
}

/// Something the recorder changed to suit this monitor, kept with the session
/// so that its figures can be read with it: a command dropped from the plan,
/// the pace scale chosen, the machine assumed, a timeout raised.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Adaptation {
    /// What was adapted: `command_dropped`, `pace_scale`, `machine_assumed`,
    /// `timeout_raised`…
    pub what: String,
    /// Its value: the command's name, the scale, the machine, the timeout.
    pub value: String,
    /// Why, in one sentence.
    pub why: String,
}

/// How well the recording went, as the recorder measured it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Telemetry {
    /// Achieved sample rate, millihertz (49 800 = 49.8 Hz); `None` until measured.
    pub achieved_millihz: Option<u32>,
    /// Round-trip times of request/reply exchanges, buckets in increasing order.
    pub rtt_histogram: Vec<RttBucket>,
    /// Requests that got no reply in time.
    pub timeouts: u64,
    /// Requests sent again.
    pub retries: u64,
    /// Bytes the frame decoder dropped (garbage, bad checksums).
    pub dropped_bytes: u64,
    /// What the recorder adapted to this monitor, in the order it happened.
    #[serde(default)]
    pub adaptations: Vec<Adaptation>,
}

/// What the recorder knows when a session begins.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NewSession {
    /// USB, simulator or replay.
    pub source: Source,
    /// The monitor, when known (a replay may not say).
    pub monitor: Option<MonitorInfo>,
    /// The ergometer.
    pub machine: Machine,
    /// Whether `machine` was assumed (a PM3 or PM4 cannot say), not reported.
    pub machine_assumed: bool,
    /// Wall-clock UTC at the session start; the id's timestamp comes from it.
    pub started_at: UtcNanos,
    /// Local UTC offset at the start, seconds east of UTC (+7200 for CEST).
    pub utc_offset_s: i32,
    /// The programmed workout.
    pub workout: Workout,
    /// Labels.
    pub tags: Tags,
}

/// How a session ended.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionEnd {
    /// Wall-clock UTC at the end: the start plus the transport's elapsed
    /// time, so a simulated 7-minute piece spans 7 minutes.
    pub ended_at: UtcNanos,
    /// `Complete` normally; `Interrupted` if the recorder gave up.
    pub state: SessionState,
    /// Final telemetry.
    pub telemetry: Telemetry,
}

/// How much a session holds, kept up to date by the store's writer with each commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionCounts {
    /// Samples.
    pub samples: u64,
    /// Strokes.
    pub strokes: u64,
    /// Force curves.
    pub force_curves: u64,
    /// Splits and intervals.
    pub splits: u64,
    /// Gaps.
    pub gaps: u64,
    /// Raw exchange-log entries.
    pub exchanges: u64,
    /// The last committed sample's `elapsed_ns`.
    pub last_elapsed_ns: Option<u64>,
    /// The last committed sample's `distance_dm`.
    pub last_distance_dm: Option<u32>,
}

/// A stored session's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Session {
    /// Sortable unique id.
    pub id: SessionId,
    /// USB, simulator or replay.
    pub source: Source,
    /// The monitor, when known.
    pub monitor: Option<MonitorInfo>,
    /// The ergometer.
    pub machine: Machine,
    /// Whether `machine` was assumed (a PM3 or PM4 cannot say), not reported.
    #[serde(default)]
    pub machine_assumed: bool,
    /// Wall-clock UTC at the start.
    pub started_at: UtcNanos,
    /// Local UTC offset at the start, seconds east of UTC.
    pub utc_offset_s: i32,
    /// Wall-clock UTC at the end; for an interrupted session, the start plus
    /// the last committed sample's elapsed time; `None` while recording.
    pub ended_at: Option<UtcNanos>,
    /// The programmed workout.
    pub workout: Workout,
    /// Labels.
    pub tags: Tags,
    /// Recording, complete or interrupted.
    pub state: SessionState,
    /// Recording quality.
    pub telemetry: Telemetry,
    /// How much data it holds.
    pub counts: SessionCounts,
}
