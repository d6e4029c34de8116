//! The normaliser's result, before it becomes Terra's JSON: one set of
//! points, one summary, one list of laps, in erglink's own units. The FIT
//! and TCX writers read the same value, so every format agrees on what a
//! session's distance, laps and points are.

use erglink_model::{Machine, SessionId, SessionState, Source, Split, Tags, UtcNanos};

use crate::{ActivityType, TimeBase, Timestamp};

/// A normalised session.
#[derive(Clone, Debug, PartialEq)]
pub struct Normalized {
    /// Who, what, when.
    pub meta: Meta,
    /// Totals and averages.
    pub summary: Summary,
    /// The sample points at the chosen resolution, in time order.
    pub points: Vec<Point>,
    /// Splits, or intervals when the session has any.
    pub laps: Vec<Lap>,
    /// What was recorded after the last lap, if more than a second (an
    /// interrupted piece, just row's part-split); `None` without laps. Its
    /// distance and calories are what the laps leave of the session's, so
    /// that every lap adds up to it.
    pub tail: Option<Stretch>,
}

/// Session-level facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The store's id.
    pub session_id: SessionId,
    /// Terra's `summary_id`: `erglink-<session id>`, the same on every export.
    pub summary_id: String,
    /// From the workout: "2000m", "30:00", "8x500m/1:00r", "Just row".
    pub name: String,
    /// Terra's `metadata.type`.
    pub activity_type: ActivityType,
    /// The ergometer.
    pub machine: Machine,
    /// USB, simulator or replay.
    pub source: Source,
    /// Complete, interrupted or still recording.
    pub state: SessionState,
    /// Start, in the output's time base.
    pub start: Timestamp,
    /// End: the stored end, else the last sample's time.
    pub end: Timestamp,
    /// Local time (the session's offset) or UTC.
    pub time_base: TimeBase,
    /// The monitor.
    pub device: Device,
    /// `record --athlete/--station/--note`.
    pub tags: Tags,
}

impl Meta {
    /// The wall-clock instant `elapsed_ns` into the session.
    pub fn at(&self, elapsed_ns: u64) -> Timestamp {
        self.start.plus_ns(elapsed_ns)
    }

    /// The session start in UTC.
    pub fn start_utc(&self) -> UtcNanos {
        self.start.utc()
    }
}

/// What recorded the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// "PM5 RowErg"; "Simulated PM5" for the simulator (interface.md).
    pub name: String,
    /// "Concept2".
    pub manufacturer: &'static str,
    /// "PM5", when the monitor is known.
    pub model: Option<&'static str>,
    /// The PM's serial number.
    pub serial: Option<String>,
    /// Firmware version as the PM reports it.
    pub firmware: Option<String>,
    /// Hardware version as the PM reports it.
    pub hardware: Option<String>,
}

/// One point of the sample arrays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Point {
    /// Transport time since the session start, ns.
    pub elapsed_ns: u64,
    /// Work and rest time so far, gaps and idle time left out, ns
    /// (Terra's `timer_duration_seconds`).
    pub timer_ns: u64,
    /// Distance since the start, 0.1 m; never decreases (per-interval
    /// counters are added up).
    pub distance_dm: u64,
    /// Pace, 0.01 s per 500 m; 0 when not moving.
    pub pace_cs_per_500m: u32,
    /// Power, W.
    pub power_w: u16,
    /// Stroke rate (BikeErg: crank rpm).
    pub rate_spm: u8,
    /// The latest heart-rate reading since the previous point, if any (0, "no belt", is not a reading).
    pub hr_bpm: Option<u8>,
    /// Energy since the start, kcal, cumulative; the latest reading since the previous point.
    pub energy_kcal: Option<u32>,
    /// The stroke whose end picked this point (stroke resolution only).
    pub stroke: Option<u32>,
}

impl Point {
    /// Speed from pace: 500 m / (pace in s); 0 when not moving.
    pub fn speed_m_per_s(&self) -> f64 {
        speed_from_pace(self.pace_cs_per_500m)
    }
}

/// 500 m over the pace in seconds, 0 for no pace.
pub fn speed_from_pace(pace_cs_per_500m: u32) -> f64 {
    if pace_cs_per_500m == 0 {
        0.0
    } else {
        50_000.0 / f64::from(pace_cs_per_500m)
    }
}

/// Heart-rate statistics over every reading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeartRate {
    /// Weighted by time over work and rest (a reading holds until the next
    /// sample); the readings' mean if none held then.
    pub avg_bpm: f64,
    /// Lowest reading.
    pub min_bpm: u8,
    /// Highest reading.
    pub max_bpm: u8,
}

/// Totals and averages over the whole session (every sample, whatever the
/// resolution), by the same rules as each lap's (`figures.rs`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Samples seen.
    pub samples: u64,
    /// Strokes given.
    pub strokes: u64,
    /// Total distance, 0.1 m.
    pub distance_dm: u64,
    /// Time working, ns.
    pub active_ns: u64,
    /// Time resting between intervals, ns.
    pub rest_ns: u64,
    /// Energy, kcal (the PM's estimate, which includes a resting allowance).
    pub energy_kcal: Option<u32>,
    /// Heart rate, when any reading was non-zero.
    pub heart_rate: Option<HeartRate>,
    /// Power, W: from the average pace as the PM computes it (RowErg,
    /// SkiErg), or the readings weighted by working time (BikeErg).
    pub avg_power_w: Option<f64>,
    /// Highest power, W.
    pub max_power_w: u16,
    /// Strokes × 60 ÷ working time.
    pub avg_rate_spm: Option<f64>,
    /// Highest stroke rate.
    pub max_rate_spm: u8,
    /// Fastest non-zero pace, 0.01 s per 500 m.
    pub min_pace_cs_per_500m: Option<u32>,
    /// Mechanical work, J: Σ power · dt.
    pub work_j: f64,
}

impl Summary {
    /// Distance over working time, m/s.
    pub fn avg_speed_m_per_s(&self) -> Option<f64> {
        (self.active_ns > 0).then(|| self.distance_dm as f64 / 10.0 / (self.active_ns as f64 / 1e9))
    }

    /// The fastest speed, m/s.
    pub fn max_speed_m_per_s(&self) -> Option<f64> {
        self.min_pace_cs_per_500m.map(speed_from_pace)
    }
}

/// What ended a lap, in Terra's and FIT's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LapTrigger {
    /// A time split or interval.
    Time,
    /// A distance split or interval.
    Distance,
    /// The monitor ended it for another reason (calories, watt-minutes, unknown).
    FitnessEquipment,
}

impl LapTrigger {
    /// Terra's `trigger_method` string.
    pub const fn terra_name(self) -> &'static str {
        match self {
            Self::Time => "TIME",
            Self::Distance => "DISTANCE",
            Self::FitnessEquipment => "FITNESS_EQUIPMENT",
        }
    }
}

/// One split or interval: the row as stored (the store makes a finished
/// session's rows final), within the session, with what a row lacks
/// filled in from its stretch by the same rules (a heart rate of 0, no
/// belt, left out), and its stroke count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lap {
    /// The split or interval.
    pub split: Split,
    /// Strokes that began within the lap.
    pub strokes: u32,
    /// What ended it.
    pub trigger: LapTrigger,
    /// The samples over its span: maxima, and where the row lacks figures.
    pub stretch: Stretch,
    /// An interval's rest, from its end until the next interval begins.
    pub rest: Option<Stretch>,
}

impl Lap {
    /// Distance over work time, m/s.
    pub fn avg_speed_m_per_s(&self) -> Option<f64> {
        let s = &self.split;
        (s.time_cs > 0).then(|| f64::from(s.distance_dm) / 10.0 / (f64::from(s.time_cs) / 100.0))
    }
}

/// What the samples say about a stretch of the session (a lap, a rest,
/// the tail), summed and averaged as the session is.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stretch {
    /// Start, transport ns since the session start.
    pub start_ns: u64,
    /// End, likewise.
    pub end_ns: u64,
    /// Work and rest time in it, gaps and idle time left out, ns.
    pub timer_ns: u64,
    /// Distance, 0.1 m.
    pub distance_dm: u64,
    /// Calories: the cumulative count at its end less that at its start.
    pub energy_kcal: Option<u32>,
    /// Strokes begun in it.
    pub strokes: u32,
    /// Heart rate weighted by time, rounded.
    pub avg_hr_bpm: Option<u8>,
    /// Highest heart-rate reading.
    pub max_hr_bpm: Option<u8>,
    /// Watts by the machine's rule (from the pace; the BikeErg's readings), rounded.
    pub avg_power_w: Option<u16>,
    /// Highest power reading, when it has working time.
    pub max_power_w: Option<u16>,
    /// Strokes × 60 ÷ working time, rounded.
    pub avg_rate_spm: Option<u8>,
    /// From the fastest pace.
    pub max_speed_m_per_s: Option<f64>,
}

impl Stretch {
    /// Distance over timer time, m/s.
    pub fn avg_speed_m_per_s(&self) -> Option<f64> {
        (self.timer_ns > 0).then(|| self.distance_dm as f64 / 10.0 / (self.timer_ns as f64 / 1e9))
    }
}
