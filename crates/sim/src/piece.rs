//! The workout in progress, as the PM counts it: work intervals and rests,
//! splits, work time and distance, calories and strokes, and the workout
//! state (csafe.md §5.8: 0 → 1 → 10 → 12 for a piece; 5/4 ⇄ 9/8 → 3 → 7/6
//! for intervals; terminated: 11 → 13 → 0).

use erglink_csafe::WorkoutState as Ws;
use erglink_csafe::workout::Goal;

use crate::program::Program;
use crate::truth::{GroundTruth, IntervalTruth, Sample, SplitTruth};

/// How long the PM shows the transition states around a rest (guess).
const TRANSITION_NS: u64 = 100_000_000;
/// WorkoutEnd is shown this long before WorkoutLogged, while the PM logs the
/// workout (guess); `slow_end=` slows replies in this window.
pub const LOGGING_NS: u64 = 2_000_000_000;
/// Terminate → Rearm → WaitToBegin, each this long (guess).
const REARM_NS: u64 = 1_000_000_000;
/// Slack for floating-point boundary tests.
const EPS: f64 = 1e-6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Waiting,
    Work,
    Rest { until: u64 },
    Ended,
    Terminated,
}

#[derive(Clone, Debug, Default)]
struct Split {
    index: usize,
    start_ns: u64,
    time0: f64,
    dist0: f64,
    kcal0: f64,
    strokes0: u16,
    hr_sum: u32,
    hr_n: u32,
}

/// What an event did to the piece, for the athlete and the CSAFE state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Change {
    /// Work stopped (rest or end): the athlete stops after this stroke.
    pub work_stopped: bool,
    /// A rest ended: the athlete starts again.
    pub rest_ended: bool,
    /// The last goal was reached.
    pub ended: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Piece {
    pub program: Program,
    pub workout: usize,
    pub phase: Phase,
    pub index: usize,
    pub workout_state: Ws,
    ws_next: Option<(u64, Ws)>,
    base_t: u64,
    speed: f64,
    kcal_rate: f64,
    iv_start: u64,
    iv_time: f64,
    iv_dist: f64,
    iv_strokes: u16,
    prior_time: f64,
    prior_dist: f64,
    kcal: f64,
    rest_total: f64,
    rest_start: u64,
    pub strokes: u16,
    split: Split,
    last_split: (f64, f64),
    hr_work: (u32, u32),
    hr_rest: (u32, u32),
}

impl Piece {
    pub fn new(program: Program, workout: usize, t: u64) -> Piece {
        Piece {
            program,
            workout,
            phase: Phase::Waiting,
            index: 0,
            workout_state: Ws::WaitToBegin,
            ws_next: None,
            base_t: t,
            speed: 0.0,
            kcal_rate: 0.0,
            iv_start: t,
            iv_time: 0.0,
            iv_dist: 0.0,
            iv_strokes: 0,
            prior_time: 0.0,
            prior_dist: 0.0,
            kcal: 0.0,
            rest_total: 0.0,
            rest_start: t,
            strokes: 0,
            split: Split::default(),
            last_split: (0.0, 0.0),
            hr_work: (0, 0),
            hr_rest: (0, 0),
        }
    }

    pub fn working(&self) -> bool {
        self.phase == Phase::Work
    }

    /// Work seconds so far over the workout (for the heart's drift).
    pub fn total_time_s(&self) -> f64 {
        self.prior_time + self.iv_time
    }

    fn sync(&mut self, t: u64) {
        if t <= self.base_t {
            return;
        }
        if self.phase == Phase::Work {
            let dt = (t - self.base_t) as f64 / 1e9;
            self.iv_time += dt;
            self.iv_dist += self.speed * dt;
            self.kcal += self.kcal_rate * dt;
        }
        self.base_t = t;
    }

    /// The athlete's catch: begins the workout if it waits for one, and
    /// credits the new speed. Returns whether the PM counts the stroke.
    pub fn stroke(&mut self, t: u64, speed: f64, kcal_rate: f64) -> bool {
        self.sync(t);
        if self.phase == Phase::Waiting {
            self.begin_work(t, 0);
        }
        if self.phase != Phase::Work {
            return false;
        }
        self.speed = speed;
        self.kcal_rate = kcal_rate;
        self.strokes = self.strokes.saturating_add(1);
        self.iv_strokes = self.iv_strokes.saturating_add(1);
        true
    }

    /// The athlete stopped: no more distance until the next catch.
    pub fn still(&mut self, t: u64) {
        self.sync(t);
        self.speed = 0.0;
        self.kcal_rate = 0.0;
    }

    pub fn beat(&mut self, bpm: u8) {
        match self.phase {
            Phase::Work => {
                self.hr_work = (self.hr_work.0 + u32::from(bpm), self.hr_work.1 + 1);
                self.split.hr_sum += u32::from(bpm);
                self.split.hr_n += 1;
            }
            Phase::Rest { .. } => {
                self.hr_rest = (self.hr_rest.0 + u32::from(bpm), self.hr_rest.1 + 1);
            }
            _ => {}
        }
    }

    fn work_state(&self) -> Ws {
        if !self.program.is_interval() {
            return Ws::WorkoutRow;
        }
        match self.goal() {
            Some(Goal::Time(_)) => Ws::IntervalWorkTime,
            _ => Ws::IntervalWorkDistance,
        }
    }

    fn begin_work(&mut self, t: u64, index: usize) {
        self.phase = Phase::Work;
        self.index = index;
        self.iv_start = t;
        self.base_t = t;
        self.iv_time = 0.0;
        self.iv_dist = 0.0;
        self.iv_strokes = 0;
        self.split = Split {
            index: self.split.index,
            start_ns: t,
            kcal0: self.kcal,
            strokes0: self.strokes,
            ..Split::default()
        };
        self.workout_state = self.work_state();
    }

    fn goal(&self) -> Option<Goal> {
        self.program
            .intervals
            .get(self.index)
            .and_then(|iv| iv.work)
    }

    /// The next split boundary inside the current interval, if it ends before the goal.
    fn split_target(&self) -> Option<Goal> {
        if self.program.is_interval() {
            return None;
        }
        match self.program.split? {
            Goal::Distance(m) => Some(Goal::Distance(
                (self.split.dist0 + f64::from(m)).round() as u32
            )),
            Goal::Time(cs) => Some(Goal::Time(
                ((self.split.time0 * 100.0).round() as u32).saturating_add(cs),
            )),
        }
    }

    fn reached_at(&self, target: Goal) -> Option<u64> {
        let (left, rate) = match target {
            Goal::Distance(m) => (f64::from(m) - self.iv_dist, self.speed),
            Goal::Time(cs) => (f64::from(cs) / 100.0 - self.iv_time, 1.0),
        };
        if left <= EPS {
            return Some(self.base_t);
        }
        (rate > 0.0).then(|| self.base_t + (left / rate * 1e9).ceil() as u64)
    }

    fn reached(&self, target: Goal) -> bool {
        match target {
            Goal::Distance(m) => self.iv_dist >= f64::from(m) - EPS,
            Goal::Time(cs) => self.iv_time >= f64::from(cs) / 100.0 - EPS,
        }
    }

    pub fn next_event(&self) -> Option<u64> {
        let mut next = self.ws_next.map(|(t, _)| t);
        let mut take = |t: Option<u64>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        match self.phase {
            Phase::Rest { until } => take(Some(until)),
            Phase::Work => {
                take(self.goal().and_then(|g| self.reached_at(g)));
                take(self.split_target().and_then(|g| self.reached_at(g)));
            }
            _ => {}
        }
        next
    }

    /// Handles whatever is due at `t`.
    pub fn on_event(&mut self, t: u64, truth: &mut GroundTruth) -> Change {
        self.sync(t);
        let mut change = Change::default();
        if let Some((due, ws)) = self.ws_next
            && due <= t
        {
            self.workout_state = ws;
            self.ws_next = match ws {
                Ws::Rearm => Some((t + REARM_NS, Ws::WaitToBegin)),
                _ => None,
            };
        }
        if let Phase::Rest { until } = self.phase
            && until <= t
        {
            self.rest_total += (t - self.rest_start) as f64 / 1e9;
            self.begin_work(t, self.index + 1);
            self.workout_state = match self.goal() {
                Some(Goal::Time(_)) => Ws::IntervalRestEndToWorkTime,
                _ => Ws::IntervalRestEndToWorkDistance,
            };
            self.ws_next = Some((t + TRANSITION_NS, self.work_state()));
            change.rest_ended = true;
        }
        if self.phase != Phase::Work {
            return change;
        }
        let goal = self.goal();
        let goal_done = goal.is_some_and(|g| self.reached(g));
        if let Some(g) = goal.filter(|_| goal_done) {
            match g {
                Goal::Distance(m) => self.iv_dist = f64::from(m),
                Goal::Time(cs) => self.iv_time = f64::from(cs) / 100.0,
            }
        }
        if let Some(s) = self.split_target() {
            let before_goal = match (s, goal) {
                (Goal::Distance(a), Some(Goal::Distance(b))) => a < b,
                (Goal::Time(a), Some(Goal::Time(b))) => a < b,
                _ => true,
            };
            if before_goal && self.reached(s) {
                self.close_split(t, truth, Some(s));
            }
        }
        if goal_done {
            // The goal itself was snapped above.
            self.close_split(t, truth, None);
            self.end_interval(t, truth, &mut change);
        }
        change
    }

    /// Ends the split at `t`. A split boundary (`at`) is snapped: the split
    /// ends exactly on it, not a nanosecond's worth of metres past it, so a
    /// 2000 m's 500 m splits are 500 m each and the PM's whole-metre figure
    /// is never truncated to 499.
    fn close_split(&mut self, t: u64, truth: &mut GroundTruth, at: Option<Goal>) {
        let (end_time, end_dist) = match at {
            Some(Goal::Distance(m)) => (self.iv_time, f64::from(m)),
            Some(Goal::Time(cs)) => (f64::from(cs) / 100.0, self.iv_dist),
            None => (self.iv_time, self.iv_dist),
        };
        let time_s = end_time - self.split.time0;
        let distance_m = end_dist - self.split.dist0;
        truth.splits.push(SplitTruth {
            workout: self.workout,
            interval: self.index,
            index: self.split.index,
            start_ns: self.split.start_ns,
            end_ns: t,
            time_s,
            distance_m,
            strokes: self.strokes - self.split.strokes0,
            kcal: self.kcal - self.split.kcal0,
            avg_hr_bpm: average(self.split.hr_sum, self.split.hr_n),
        });
        self.last_split = (time_s, distance_m);
        self.split = Split {
            index: self.split.index + 1,
            start_ns: t,
            time0: end_time,
            dist0: end_dist,
            kcal0: self.kcal,
            strokes0: self.strokes,
            ..Split::default()
        };
    }

    fn end_interval(&mut self, t: u64, truth: &mut GroundTruth, change: &mut Change) {
        let def = self.program.intervals[self.index];
        truth.intervals.push(IntervalTruth {
            workout: self.workout,
            index: self.index,
            goal: def.work,
            start_ns: self.iv_start,
            end_ns: t,
            time_s: self.iv_time,
            distance_m: self.iv_dist,
            strokes: self.iv_strokes,
            rest_s: def.rest_s,
        });
        self.speed = 0.0;
        self.kcal_rate = 0.0;
        change.work_stopped = true;
        let last = self.index + 1 >= self.program.intervals.len();
        if last {
            self.phase = Phase::Ended;
            self.workout_state = Ws::WorkoutEnd;
            self.ws_next = Some((t + LOGGING_NS, Ws::WorkoutLogged));
            change.ended = true;
            return;
        }
        self.prior_time += self.iv_time;
        self.prior_dist += self.iv_dist;
        if def.rest_s == 0 {
            self.begin_work(t, self.index + 1);
            change.work_stopped = false;
            return;
        }
        self.phase = Phase::Rest {
            until: t + u64::from(def.rest_s) * 1_000_000_000,
        };
        self.rest_start = t;
        self.workout_state = match def.work {
            Some(Goal::Time(_)) => Ws::IntervalWorkTimeToRest,
            _ => Ws::IntervalWorkDistanceToRest,
        };
        self.ws_next = Some((t + TRANSITION_NS, Ws::IntervalRest));
    }

    /// Ends the workout early (terminate, GOFINISHED, a new program).
    pub fn terminate(&mut self, t: u64) {
        self.sync(t);
        if matches!(self.phase, Phase::Ended | Phase::Terminated) {
            return;
        }
        self.speed = 0.0;
        self.kcal_rate = 0.0;
        self.phase = Phase::Terminated;
        self.workout_state = Ws::Terminate;
        self.ws_next = Some((t + REARM_NS, Ws::Rearm));
    }

    /// Fills the workout part of a display sample at `t`.
    pub fn fill(&mut self, t: u64, s: &mut Sample) {
        self.sync(t);
        let resting = matches!(self.phase, Phase::Rest { .. });
        s.workout_type = self.program.workout_type;
        s.workout_state = self.workout_state;
        s.interval_type = if resting {
            erglink_csafe::IntervalType::Rest
        } else {
            self.program.interval_type(self.index)
        };
        s.interval_index = u8::try_from(self.index).unwrap_or(u8::MAX);
        s.clock_running = self.phase == Phase::Work;
        s.work_time_s = self.iv_time;
        s.work_distance_m = self.iv_dist;
        s.total_time_s = self.prior_time + self.iv_time;
        s.total_distance_m = self.prior_dist + self.iv_dist;
        s.split_time_s = self.iv_time - self.split.time0;
        s.split_distance_m = self.iv_dist - self.split.dist0;
        s.speed_mps = if self.phase == Phase::Work {
            self.speed
        } else {
            0.0
        };
        s.kcal = self.kcal;
        s.split_kcal = self.kcal - self.split.kcal0;
        s.kcal_per_s = if self.phase == Phase::Work {
            self.kcal_rate
        } else {
            0.0
        };
        s.resting = resting;
        s.rest_remaining_s = match self.phase {
            Phase::Rest { until } => until.saturating_sub(t) as f64 / 1e9,
            _ => 0.0,
        };
        s.total_rest_s = self.rest_total
            + if resting {
                (t - self.rest_start) as f64 / 1e9
            } else {
                0.0
            };
        s.strokes = self.strokes;
        s.split_strokes = self.strokes - self.split.strokes0;
        s.last_split_time_s = self.last_split.0;
        s.last_split_distance_m = self.last_split.1;
        s.avg_hr_bpm = average(self.hr_work.0, self.hr_work.1);
        s.rest_avg_hr_bpm = average(self.hr_rest.0, self.hr_rest.1);
    }
}

fn average(sum: u32, n: u32) -> u8 {
    sum.checked_div(n).map_or(0, |a| a.min(255) as u8)
}
