//! The monitor: CSAFE state, the workout, the athlete, the heart and the
//! drained buffers, moved along the virtual clock event by event. Between
//! events nothing changes but what [`Sample::at`] extrapolates, so the PM
//! answers from the last sample and the ground truth holds the same samples.

use erglink_csafe::ScreenType;
use erglink_csafe::State;
use erglink_csafe::command::StrokeStats;

use crate::athlete::Athlete;
use crate::config::{Model, SimConfig};
use crate::csafe::{Csafe, PAUSE_AFTER_NS};
use crate::drain::Drain;
use crate::force::MAX_SAMPLES;
use crate::heart::{BEAT_BUFFER, Heart};
use crate::identity::Identity;
use crate::machine::{Machine, kcal_per_hour};
use crate::piece::{Phase, Piece};
use crate::program::Program;
use crate::programming::{ProgramBuilder, PublicProgram};
use crate::quirks::{Quirks, StatsTiming};
use crate::rng::{Rng, stream};
use crate::rowing::Rowing;
use crate::truth::{Beat, GroundTruth, Origin, Published, Sample, WorkoutTruth};

/// Settings the host can change that only come back in getters.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub id_digits: u8,
    /// Seconds since midnight at `clock_set_at`.
    pub clock_s: u32,
    pub clock_set_at: u64,
    pub date: (u16, u8, u8),
    pub screen: (ScreenType, u8),
    pub odometer0_m: f64,
    pub odometer_done_m: f64,
}

impl Settings {
    /// Time of day (h, m, s) at `t`.
    pub fn time_of_day(&self, t: u64) -> (u8, u8, u8) {
        let s = (u64::from(self.clock_s) + t.saturating_sub(self.clock_set_at) / 1_000_000_000)
            % 86_400;
        ((s / 3600) as u8, (s / 60 % 60) as u8, (s % 60) as u8)
    }

    pub fn set_time(&mut self, t: u64, h: u8, m: u8, s: u8) {
        self.clock_s = u32::from(h) * 3600 + u32::from(m) * 60 + u32::from(s);
        self.clock_set_at = t;
    }
}

pub(crate) struct Pm {
    pub identity: Identity,
    pub machine: Machine,
    pub model: Model,
    pub drag: u8,
    start_delay: Option<u64>,
    quit_after: Option<u64>,
    /// Time of the last event or command handled.
    clock: u64,
    pub csafe: Csafe,
    pub rowing: Rowing,
    pub heart: Heart,
    pub piece: Piece,
    pub origin: Origin,
    pub shown: Option<Published>,
    /// What `PM_GET_STROKESTATS` returns (`None`: zeros): `shown`'s stats,
    /// or as `stats=` delays them.
    pub stats: Option<StrokeStats>,
    /// A `PM_SET_AUTHENPASSWORD` was taken: `proprietary=` no longer gates.
    pub authenticated: bool,
    pub quirks: Quirks,
    pub force: Drain,
    pub beats: Drain,
    pub truth: GroundTruth,
    last: Sample,
    pub settings: Settings,
    pub builder: ProgramBuilder,
    pub public: PublicProgram,
}

impl Pm {
    pub fn new(cfg: &SimConfig, identity: Identity) -> Pm {
        let athlete = Athlete::new(
            cfg.machine,
            cfg.spm,
            cfg.pace,
            Rng::stream(cfg.seed, stream::ATHLETE),
        );
        let rowing = Rowing::new(cfg.drag, athlete, Rng::stream(cfg.seed, stream::FORCE));
        let mut odo = Rng::stream(cfg.seed, stream::ODOMETER);
        let mut truth = GroundTruth::new(cfg.machine, cfg.model);
        truth.workouts.push(WorkoutTruth {
            program: cfg.workout.clone(),
            origin: Origin::Menu,
            armed_ns: 0,
            started_ns: None,
            ended_ns: None,
            terminated: false,
        });
        let piece = Piece::new(cfg.workout.clone(), 0, 0);
        let mut pm = Pm {
            identity,
            machine: cfg.machine,
            model: cfg.model,
            drag: cfg.drag,
            start_delay: cfg.start_delay_ns,
            quit_after: cfg.quit_after_ns,
            clock: 0,
            csafe: Csafe::new(cfg.quirks.prev_status),
            rowing,
            heart: Heart::new(cfg.hr, Rng::stream(cfg.seed, stream::HEART)),
            piece,
            origin: Origin::Menu,
            shown: None,
            stats: None,
            authenticated: false,
            quirks: cfg.quirks.clone(),
            force: Drain::new(MAX_SAMPLES),
            beats: Drain::new(BEAT_BUFFER),
            truth,
            last: blank_sample(cfg.machine, cfg.drag),
            settings: Settings {
                id_digits: 5,
                clock_s: 9 * 3600,
                clock_set_at: 0,
                date: (2026, 1, 1),
                screen: (ScreenType::Workout, 0),
                odometer0_m: 500_000.0 + odo.below(4_000_000) as f64,
                odometer_done_m: 0.0,
            },
            builder: ProgramBuilder::default(),
            public: PublicProgram::default(),
        };
        pm.rowing.start_at = pm.start_delay;
        pm.record(0);
        pm
    }

    /// What the PM shows at `t` (no event may be due before `t`: call
    /// [`Pm::advance`] first).
    pub fn display(&self, t: u64) -> Sample {
        self.last.at(t)
    }

    /// Runs every model event up to `t`.
    pub fn advance(&mut self, t: u64) {
        while let Some(next) = self.next_event() {
            if next > t {
                break;
            }
            let at = next.max(self.clock);
            self.process(at);
            self.record(at);
        }
        self.clock = self.clock.max(t);
    }

    fn pause_at(&self) -> Option<u64> {
        (self.csafe.state == State::InUse && self.piece.working() && self.rowing.cycle.is_none())
            .then(|| self.rowing.last_end.max(self.piece_started()) + PAUSE_AFTER_NS)
    }

    fn piece_started(&self) -> u64 {
        self.truth.workouts[self.piece.workout]
            .started_ns
            .unwrap_or(0)
    }

    fn next_event(&self) -> Option<u64> {
        [
            self.rowing.next_event(),
            self.piece.next_event(),
            self.heart.next_beat(),
            self.csafe.next_event(),
            self.pause_at(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn process(&mut self, t: u64) {
        let change = self.piece.on_event(t, &mut self.truth);
        if change.work_stopped
            && let Some(c) = &mut self.rowing.cycle
        {
            c.last = true;
        }
        if change.rest_ended && !self.quit(t) {
            match &mut self.rowing.cycle {
                Some(c) => c.last = false,
                None => self.rowing.start_at = Some(t),
            }
        }
        if change.ended {
            self.csafe.workout_ended(t);
            self.truth.workouts[self.piece.workout].ended_ns = Some(t);
        }
        self.process_rowing(t);
        if self.heart.next_beat().is_some_and(|b| b <= t) {
            let (rr_ms, bpm) = self.heart.beat(t);
            self.truth.beats.push(Beat {
                t_ns: t,
                rr_ms,
                bpm,
            });
            self.beats.push(rr_ms);
            self.piece.beat(bpm);
        }
        if self.csafe.on_event(t) {
            self.stop_workout(t);
        }
        if self.pause_at().is_some_and(|p| p <= t) {
            self.csafe.pause(t);
        }
    }

    fn process_rowing(&mut self, t: u64) {
        if self.rowing.start_at.is_some_and(|s| s <= t) && self.rowing.cycle.is_none() {
            self.rowing.start_at = None;
            self.catch(t);
        }
        if let Some(c) = self.rowing.cycle
            && !c.drive_done
            && c.drive_end <= t
        {
            self.rowing.drive_ended();
            let stroke = &mut self.truth.strokes[c.stroke];
            stroke.curve_published_ns = Some(t);
            self.force.replace(&stroke.force_curve);
            self.shown = Some(stroke.published.clone());
            if self.quirks.stats == StatsTiming::Drive {
                self.publish_stats(t, c.stroke);
            }
        }
        if let Some(c) = self.rowing.cycle
            && c.drive_done
            && !c.dwell_done
            && c.dwell_end <= t
        {
            self.rowing.dwell_ended();
            if self.quirks.stats == StatsTiming::Recovery {
                self.publish_stats(t, c.stroke);
            }
        }
        if let Some(c) = self.rowing.cycle
            && c.drive_done
            && c.dwell_done
            && c.end <= t
        {
            let goes_on = !c.last;
            self.rowing
                .cycle_ended(t, &self.truth.strokes[c.stroke], goes_on);
            if self.quirks.stats == StatsTiming::Late {
                self.publish_stats(t, c.stroke);
            }
            if goes_on {
                self.catch(t);
            } else {
                self.piece.still(t);
                self.heart.retarget(t, 0.0, self.piece.total_time_s());
            }
        }
        if self.rowing.spin_ended(t) {
            self.shown = self.shown.take().map(|mut p| {
                p.power_w = 0;
                p.rate_spm = 0;
                p.pace_cs = 0;
                p.kcal_per_hour = 0;
                p
            });
        }
    }

    /// `PM_GET_STROKESTATS` describes stroke `i` from `t` on.
    fn publish_stats(&mut self, t: u64, i: usize) {
        let stroke = &mut self.truth.strokes[i];
        stroke.stats_published_ns.get_or_insert(t);
        self.stats = Some(stroke.published.stats.clone());
    }

    fn catch(&mut self, t: u64) {
        let index = self.truth.strokes.len();
        let mut stroke = self.rowing.catch(t, self.piece.workout, index);
        let kcal_rate = kcal_per_hour(stroke.power_w) / 3600.0;
        let first = self.piece.phase == Phase::Waiting;
        stroke.counted = self.piece.stroke(t, stroke.speed_mps, kcal_rate);
        stroke.drive_count = self.piece.strokes;
        stroke.published.stats.drive_count = self.piece.strokes;
        if first && stroke.counted {
            self.truth.workouts[self.piece.workout].started_ns = Some(t);
        }
        if self.quit(t)
            && let Some(c) = &mut self.rowing.cycle
        {
            c.last = true;
        }
        self.csafe.stroke(t);
        self.heart
            .retarget(t, stroke.power_w, self.piece.total_time_s());
        self.truth.strokes.push(stroke);
    }

    /// Whether the athlete has given up on the workout by `t` (`quit=`).
    fn quit(&self, t: u64) -> bool {
        let started = self.truth.workouts[self.piece.workout].started_ns;
        matches!((self.quit_after, started), (Some(q), Some(s)) if t >= s + q)
    }

    /// The athlete stops at once and the workout in progress is cut short.
    pub fn stop_workout(&mut self, t: u64) {
        if let Some(i) = self.rowing.stop_now(t) {
            self.truth.strokes[i].end_ns = t;
            // A stroke stopped in its recovery is complete enough.
            if self.quirks.stats == StatsTiming::Late
                && self.truth.strokes[i].curve_published_ns.is_some()
            {
                self.publish_stats(t, i);
            }
        }
        self.piece.still(t);
        self.heart.retarget(t, 0.0, self.piece.total_time_s());
        if !matches!(self.piece.phase, Phase::Ended | Phase::Terminated) {
            self.piece.terminate(t);
            let w = &mut self.truth.workouts[self.piece.workout];
            w.ended_ns = Some(t);
            w.terminated = true;
        }
    }

    /// Puts a new workout on the PM; the athlete starts after the start delay.
    pub fn arm(&mut self, t: u64, program: Program, origin: Origin) {
        self.stop_workout(t);
        self.settings.odometer_done_m += self.last.at(t).total_distance_m;
        self.truth.workouts.push(WorkoutTruth {
            program: program.clone(),
            origin,
            armed_ns: t,
            started_ns: None,
            ended_ns: None,
            terminated: false,
        });
        self.piece = Piece::new(program, self.truth.workouts.len() - 1, t);
        self.origin = origin;
        self.rowing.start_at = self.start_delay.map(|d| t + d);
    }

    /// Records what the PM shows now, after an event or a command.
    pub fn record(&mut self, t: u64) {
        self.clock = self.clock.max(t);
        let mut s = blank_sample(self.machine, self.drag);
        s.t_ns = t;
        s.csafe_state = self.csafe.state;
        self.piece.fill(t, &mut s);
        s.stroke_state = self.rowing.stroke_state;
        s.rowing = self.rowing.active();
        if let Some(p) = &self.shown {
            s.stroke_power_w = p.power_w;
            s.stroke_pace_cs = p.pace_cs;
            s.stroke_rate_spm = p.rate_spm;
            s.stroke_kcal_per_hour = p.kcal_per_hour;
        }
        s.hr_bpm = self.heart.shown();
        s.flywheel_rpm = self.rowing.flywheel_rpm();
        s.odometer_m =
            self.settings.odometer0_m + self.settings.odometer_done_m + s.total_distance_m;
        match self.truth.samples.last_mut() {
            Some(prev) if prev.t_ns == t => *prev = s.clone(),
            _ => self.truth.samples.push(s.clone()),
        }
        self.last = s;
    }

    pub fn now(&self) -> u64 {
        self.clock
    }
}

fn blank_sample(machine: Machine, drag: u8) -> Sample {
    use erglink_csafe::{IntervalType, StrokeState, WorkoutState, WorkoutType};
    Sample {
        t_ns: 0,
        machine,
        csafe_state: State::Ready,
        workout_type: WorkoutType::JustRowSplits,
        workout_state: WorkoutState::WaitToBegin,
        interval_type: IntervalType::None,
        interval_index: 0,
        stroke_state: StrokeState::WaitingForWheelToReachMinSpeed,
        rowing: false,
        clock_running: false,
        work_time_s: 0.0,
        work_distance_m: 0.0,
        total_time_s: 0.0,
        total_distance_m: 0.0,
        split_time_s: 0.0,
        split_distance_m: 0.0,
        speed_mps: 0.0,
        kcal: 0.0,
        split_kcal: 0.0,
        kcal_per_s: 0.0,
        resting: false,
        rest_remaining_s: 0.0,
        total_rest_s: 0.0,
        strokes: 0,
        split_strokes: 0,
        stroke_power_w: 0,
        stroke_pace_cs: 0,
        stroke_rate_spm: 0,
        stroke_kcal_per_hour: 0,
        last_split_time_s: 0.0,
        last_split_distance_m: 0.0,
        hr_bpm: 0,
        avg_hr_bpm: 0,
        rest_avg_hr_bpm: 0,
        drag_factor: drag,
        flywheel_rpm: 0,
        odometer_m: 0.0,
    }
}
