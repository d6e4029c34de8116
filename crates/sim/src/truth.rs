//! Ground truth: everything the simulated PM held, for tests above the
//! simulator to compare their recordings with. The PM answers its getters
//! from the same [`Sample`]s, so a reply and the truth can never disagree.

use erglink_csafe::command::StrokeStats;
use erglink_csafe::workout::Goal;
use erglink_csafe::{IntervalType, State, StrokeState, WorkoutState, WorkoutType};

use crate::config::Model;
use crate::machine::{Machine, kcal_per_hour, pace_500m};
use crate::piece::LOGGING_NS;
use crate::program::Program;

/// One stroke the athlete rowed.
#[derive(Clone, Debug, PartialEq)]
pub struct StrokeTruth {
    /// Index in [`GroundTruth::workouts`] of the workout it belongs to.
    pub workout: usize,
    /// Whether the PM counted it (it began during a work interval).
    pub counted: bool,
    /// The PM's drive counter after it (as `PM_GET_STROKESTATS` reports).
    pub drive_count: u16,
    /// Catch.
    pub start_ns: u64,
    /// End of the drive: the curve and the stroke's figures become readable.
    pub drive_end_ns: u64,
    /// End of the recovery (the next catch, or where the athlete stopped).
    pub end_ns: u64,
    /// Drive and recovery as planned.
    pub drive_ns: u64,
    /// Recovery as planned (`end_ns` is earlier if the stroke was cut short).
    pub recovery_ns: u64,
    /// Its own rate, 60 / (drive + recovery).
    pub rate_spm: f64,
    /// Power over the stroke.
    pub power_w: f64,
    /// Speed over the stroke.
    pub speed_mps: f64,
    /// Pace in seconds per 500 m.
    pub pace_500m_s: f64,
    /// Distance the whole stroke is worth (speed × cycle).
    pub distance_m: f64,
    /// Work on the handle.
    pub work_j: f64,
    /// Handle travel.
    pub drive_length_m: f64,
    /// Highest and mean force of the curve.
    pub peak_force_lbf: f64,
    /// Mean force of the curve.
    pub avg_force_lbf: f64,
    /// The force plot exactly as the PM gives it, catch first.
    pub force_curve: Vec<u16>,
    /// What the PM shows from the end of this drive until the next.
    pub published: Published,
    /// When its drive ended and its force curve and figures became readable;
    /// `None` if it was cut short in the drive (terminated, reprogrammed), so
    /// the PM never published them.
    pub curve_published_ns: Option<u64>,
    /// When `PM_GET_STROKESTATS` began describing it (`stats=`: at the end of
    /// its drive, at the start of its recovery, or when its cycle is over: the
    /// next catch, or where the athlete stopped); `None` if it never did.
    pub stats_published_ns: Option<u64>,
}

impl StrokeTruth {
    /// Its pace as the PM publishes it (GETPOWER's stroke, `PM_GET_STROKE_500MPACE`),
    /// in seconds per 500 m, on every machine.
    pub fn published_pace_500m_s(&self) -> f64 {
        f64::from(self.published.pace_cs) / 100.0
    }
}

/// A stroke's figures exactly as the PM's getters report them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// `PM_GET_STROKESTATS`. Recovery time and stroke distance are those of
    /// the previous stroke, the last complete one the PM could measure.
    pub stats: StrokeStats,
    /// Watts (GETPOWER, `PM_GET_STROKE_POWER`).
    pub power_w: u16,
    /// Stroke rate from the last catch-to-catch time (0 for the first stroke
    /// after a stop).
    pub rate_spm: u8,
    /// Pace in 0.01 s per 500 m.
    pub pace_cs: u32,
    /// Calorie burn rate.
    pub kcal_per_hour: u32,
}

/// One split of a single piece or just row, or one work interval.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitTruth {
    /// Workout index.
    pub workout: usize,
    /// Interval it belongs to.
    pub interval: usize,
    /// Index in the workout, from 0.
    pub index: usize,
    /// Start and end on the virtual clock.
    pub start_ns: u64,
    /// End.
    pub end_ns: u64,
    /// Work time of the split.
    pub time_s: f64,
    /// Distance of the split.
    pub distance_m: f64,
    /// Strokes the PM counted in it.
    pub strokes: u16,
    /// Calories.
    pub kcal: f64,
    /// Average heart rate over its beats (0 without a belt).
    pub avg_hr_bpm: u8,
}

impl SplitTruth {
    /// Average pace in seconds per 500 m.
    pub fn pace_500m_s(&self) -> f64 {
        if self.distance_m > 0.0 {
            self.time_s / self.distance_m * 500.0
        } else {
            0.0
        }
    }
}

/// One work interval and its rest.
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalTruth {
    /// Workout index.
    pub workout: usize,
    /// Interval index, from 0.
    pub index: usize,
    /// Its goal (`None` for just row).
    pub goal: Option<Goal>,
    /// Work start and end.
    pub start_ns: u64,
    /// End of work.
    pub end_ns: u64,
    /// Work time and distance.
    pub time_s: f64,
    /// Distance.
    pub distance_m: f64,
    /// Strokes counted.
    pub strokes: u16,
    /// Rest that follows, in seconds.
    pub rest_s: u16,
}

/// How a workout came to be on the PM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Chosen on the PM itself (`workout=`, or power-on just row).
    Menu,
    /// Programmed through the `76` commands.
    Proprietary,
    /// Programmed through the public commands (SETHORIZONTAL … GOINUSE).
    Public,
}

/// One workout the PM was set up with.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkoutTruth {
    /// The program.
    pub program: Program,
    /// Where it came from.
    pub origin: Origin,
    /// When it was set up.
    pub armed_ns: u64,
    /// First stroke, if any.
    pub started_ns: Option<u64>,
    /// Last goal reached (ended) or terminated, if so.
    pub ended_ns: Option<u64>,
    /// Whether it was cut short (terminated, GOFINISHED, reprogrammed).
    pub terminated: bool,
}

/// One heartbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Beat {
    /// When.
    pub t_ns: u64,
    /// Interval since the previous beat (what `PM_GET_HEARTBEATDATA` returns).
    pub rr_ms: u16,
    /// The rate the PM shows from this beat on.
    pub bpm: u8,
}

/// What the PM shows at one instant. Quantities that run on between events
/// (times, distances, calories) carry their rates, and [`Sample::at`] moves
/// them on.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// When.
    pub t_ns: u64,
    /// The machine (for its power law).
    pub machine: Machine,
    /// CSAFE state.
    pub csafe_state: State,
    /// Workout type.
    pub workout_type: WorkoutType,
    /// Workout state.
    pub workout_state: WorkoutState,
    /// Interval type.
    pub interval_type: IntervalType,
    /// Current interval, from 0.
    pub interval_index: u8,
    /// Stroke state.
    pub stroke_state: StrokeState,
    /// Rowing state (strokes are happening).
    pub rowing: bool,
    /// Whether the work clock runs.
    pub clock_running: bool,
    /// Work time of the current interval.
    pub work_time_s: f64,
    /// Work distance of the current interval.
    pub work_distance_m: f64,
    /// Work time over the workout.
    pub total_time_s: f64,
    /// Work distance over the workout.
    pub total_distance_m: f64,
    /// Time and distance of the current split.
    pub split_time_s: f64,
    /// Distance of the current split.
    pub split_distance_m: f64,
    /// Speed credited to the distances.
    pub speed_mps: f64,
    /// Calories of the workout.
    pub kcal: f64,
    /// Calories of the current split.
    pub split_kcal: f64,
    /// Calories per second being credited.
    pub kcal_per_s: f64,
    /// Whether a rest interval runs.
    pub resting: bool,
    /// Rest left.
    pub rest_remaining_s: f64,
    /// Rest completed or under way, over the workout.
    pub total_rest_s: f64,
    /// Strokes counted in the workout.
    pub strokes: u16,
    /// Strokes counted in the current split.
    pub split_strokes: u16,
    /// Last stroke's figures.
    pub stroke_power_w: u16,
    /// Last stroke's pace, 0.01 s per 500 m.
    pub stroke_pace_cs: u32,
    /// Last stroke's rate.
    pub stroke_rate_spm: u8,
    /// Last stroke's burn rate.
    pub stroke_kcal_per_hour: u32,
    /// Last completed split.
    pub last_split_time_s: f64,
    /// Distance of the last completed split.
    pub last_split_distance_m: f64,
    /// Heart rate shown (0 without a belt).
    pub hr_bpm: u8,
    /// Average over the workout's beats during work.
    pub avg_hr_bpm: u8,
    /// Average over rest beats.
    pub rest_avg_hr_bpm: u8,
    /// Drag factor.
    pub drag_factor: u8,
    /// Flywheel speed.
    pub flywheel_rpm: u16,
    /// Lifetime distance.
    pub odometer_m: f64,
}

impl Sample {
    /// The same display moved on to `t` (no event in between).
    pub fn at(&self, t: u64) -> Sample {
        let mut s = self.clone();
        if t <= self.t_ns {
            return s;
        }
        let dt = (t - self.t_ns) as f64 / 1e9;
        s.t_ns = t;
        if self.clock_running {
            s.work_time_s += dt;
            s.total_time_s += dt;
            s.split_time_s += dt;
        }
        let d = self.speed_mps * dt;
        s.work_distance_m += d;
        s.total_distance_m += d;
        s.split_distance_m += d;
        s.odometer_m += d;
        s.kcal += self.kcal_per_s * dt;
        s.split_kcal += self.kcal_per_s * dt;
        if self.resting {
            s.rest_remaining_s = (self.rest_remaining_s - dt).max(0.0);
            s.total_rest_s += dt;
        }
        s
    }

    /// Average pace over the workout, seconds per 500 m.
    pub fn avg_pace_500m_s(&self) -> f64 {
        avg_pace(self.total_time_s, self.total_distance_m)
    }

    /// Average power over the workout (from its average pace, as the PM does).
    pub fn avg_power_w(&self) -> f64 {
        power_of(self.machine, self.total_time_s, self.total_distance_m)
    }

    /// Average pace of the current split.
    pub fn split_pace_500m_s(&self) -> f64 {
        avg_pace(self.split_time_s, self.split_distance_m)
    }

    /// Average power of the current split.
    pub fn split_power_w(&self) -> f64 {
        power_of(self.machine, self.split_time_s, self.split_distance_m)
    }

    /// Average stroke rate over the workout.
    pub fn avg_rate_spm(&self) -> f64 {
        rate_of(self.strokes, self.total_time_s)
    }

    /// Average stroke rate of the current split.
    pub fn split_rate_spm(&self) -> f64 {
        rate_of(self.split_strokes, self.split_time_s)
    }

    /// Average burn rate over the workout.
    pub fn avg_kcal_per_hour(&self) -> f64 {
        if self.total_time_s > 0.0 {
            kcal_per_hour(self.avg_power_w())
        } else {
            0.0
        }
    }

    /// Average burn rate of the current split.
    pub fn split_kcal_per_hour(&self) -> f64 {
        if self.split_time_s > 0.0 {
            kcal_per_hour(self.split_power_w())
        } else {
            0.0
        }
    }
}

fn avg_pace(time_s: f64, distance_m: f64) -> f64 {
    if distance_m > 0.0 {
        time_s / distance_m * 500.0
    } else {
        0.0
    }
}

fn power_of(machine: Machine, time_s: f64, distance_m: f64) -> f64 {
    if time_s > 0.0 && distance_m > 0.0 {
        machine.power_for_speed(distance_m / time_s)
    } else {
        0.0
    }
}

fn rate_of(strokes: u16, time_s: f64) -> f64 {
    if time_s > 0.0 {
        f64::from(strokes) * 60.0 / time_s
    } else {
        0.0
    }
}

/// Pace in 0.01 s per 500 m for a speed (0 when still).
pub(crate) fn pace_cs(v: f64) -> u32 {
    (pace_500m(v) * 100.0).round() as u32
}

/// Everything the simulated PM held.
#[derive(Clone, Debug, PartialEq)]
pub struct GroundTruth {
    /// The machine the monitor sits on (`machine=`).
    pub machine: Machine,
    /// The monitor (`sim:pm3` …), whatever GETVERSION's model byte says.
    pub model: Model,
    /// Every workout set up, in order (the power-on one first).
    pub workouts: Vec<WorkoutTruth>,
    /// Every stroke, in order.
    pub strokes: Vec<StrokeTruth>,
    /// Every completed split (interval workouts: one per interval).
    pub splits: Vec<SplitTruth>,
    /// Every completed work interval.
    pub intervals: Vec<IntervalTruth>,
    /// Every heartbeat (empty with `hr=off`).
    pub beats: Vec<Beat>,
    /// The display after every model event and state change, in time order.
    pub samples: Vec<Sample>,
}

impl GroundTruth {
    pub(crate) fn new(machine: Machine, model: Model) -> GroundTruth {
        GroundTruth {
            machine,
            model,
            workouts: Vec::new(),
            strokes: Vec::new(),
            splits: Vec::new(),
            intervals: Vec::new(),
            beats: Vec::new(),
            samples: Vec::new(),
        }
    }

    /// Strokes the PM counted, over every workout: what a recording of the
    /// whole session should hold.
    pub fn strokes_counted(&self) -> impl Iterator<Item = &StrokeTruth> {
        self.strokes.iter().filter(|s| s.counted)
    }

    /// Strokes whose force curve the PM published, in order: every curve a
    /// recorder could have read (each one's points are its `force_curve`).
    pub fn curves_published(&self) -> impl Iterator<Item = &StrokeTruth> {
        self.strokes
            .iter()
            .filter(|s| s.curve_published_ns.is_some())
    }

    /// The stroke `PM_GET_STROKESTATS` describes at `t_ns` (`None`: zeros).
    /// With `stats=drive` it is the stroke whose drive ended last.
    pub fn stats_shown_at(&self, t_ns: u64) -> Option<&StrokeTruth> {
        self.strokes
            .iter()
            .filter(|s| s.stats_published_ns.is_some_and(|p| p <= t_ns))
            .max_by_key(|s| s.stats_published_ns)
    }

    /// The windows `[start, end)` after each workout reached its last goal,
    /// while the PM logs it (WorkoutEnd until WorkoutLogged): where
    /// `slow_end=` makes replies slow.
    pub fn logging_windows(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.workouts
            .iter()
            .filter(|w| !w.terminated)
            .filter_map(|w| w.ended_ns)
            .map(|e| (e, e + LOGGING_NS))
    }

    /// Whether `t_ns` falls in a [`GroundTruth::logging_windows`] window.
    pub fn logging_at(&self, t_ns: u64) -> bool {
        self.logging_windows().any(|(a, b)| (a..b).contains(&t_ns))
    }

    /// What the PM showed at `t_ns` (`None` before the first sample).
    pub fn state_at(&self, t_ns: u64) -> Option<Sample> {
        let i = self.samples.partition_point(|s| s.t_ns <= t_ns);
        i.checked_sub(1).map(|i| self.samples[i].at(t_ns))
    }

    /// Strokes the PM counted in workout `w`.
    pub fn counted_strokes(&self, w: usize) -> impl Iterator<Item = &StrokeTruth> {
        self.strokes
            .iter()
            .filter(move |s| s.workout == w && s.counted)
    }

    /// The stroke whose drive ended last at or before `t_ns`: the one whose
    /// figures and force curve the PM holds then.
    pub fn stroke_shown_at(&self, t_ns: u64) -> Option<&StrokeTruth> {
        let i = self.strokes.partition_point(|s| s.drive_end_ns <= t_ns);
        i.checked_sub(1).map(|i| &self.strokes[i])
    }
}
