//! The athlete on the machine: catches, drives and recoveries on the virtual
//! clock, the stroke state they make (rower-model §5), and each stroke's
//! figures and force curve as the PM will publish them.

use erglink_csafe::StrokeState;
use erglink_csafe::command::StrokeStats;

use crate::athlete::Athlete;
use crate::force::force_curve;
use crate::machine::kcal_per_hour;
use crate::rng::Rng;
use crate::truth::{Published, StrokeTruth, pace_cs};

/// Dwelling after the drive lasts a few 100 Hz ticks (guess: 30 ms), short
/// enough that pollers often see Driving → Recovery.
pub const DWELL_NS: u64 = 30_000_000;
/// After the last stroke the wheel turns undriven this long (state 1) before
/// it is too slow (state 0) (guess).
pub const SPIN_DOWN_NS: u64 = 4_000_000_000;

/// One stroke cycle under way.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cycle {
    /// Index in `GroundTruth::strokes`.
    pub stroke: usize,
    pub drive_end: u64,
    pub dwell_end: u64,
    pub end: u64,
    pub drive_done: bool,
    pub dwell_done: bool,
    /// The athlete stops at `end` instead of taking another catch.
    pub last: bool,
    pub power_w: f64,
}

/// The last complete cycle of the current bout, which the PM measured.
#[derive(Clone, Copy, Debug)]
struct Previous {
    recovery_ns: u64,
    cycle_ns: u64,
    distance_m: f64,
}

#[derive(Clone, Debug)]
pub(crate) struct Rowing {
    drag: u8,
    athlete: Athlete,
    force_rng: Rng,
    pub cycle: Option<Cycle>,
    /// The athlete's first catch of the next bout.
    pub start_at: Option<u64>,
    spin_until: Option<u64>,
    pub stroke_state: StrokeState,
    prev: Option<Previous>,
    /// When the last bout ended (for InUse → Paused).
    pub last_end: u64,
}

impl Rowing {
    pub fn new(drag: u8, athlete: Athlete, force_rng: Rng) -> Rowing {
        Rowing {
            drag,
            athlete,
            force_rng,
            cycle: None,
            start_at: None,
            spin_until: None,
            stroke_state: StrokeState::WaitingForWheelToReachMinSpeed,
            prev: None,
            last_end: 0,
        }
    }

    /// Strokes are happening, or the wheel still turns after them.
    pub fn active(&self) -> bool {
        self.cycle.is_some() || self.spin_until.is_some()
    }

    pub fn next_event(&self) -> Option<u64> {
        match self.cycle {
            Some(c) if !c.drive_done => Some(c.drive_end),
            Some(c) if !c.dwell_done => Some(c.dwell_end),
            Some(c) => Some(c.end),
            None => [self.start_at, self.spin_until].into_iter().flatten().min(),
        }
    }

    /// A catch at `t`: plans the stroke and returns its truth (the caller
    /// fills in whether the PM counted it).
    pub fn catch(&mut self, t: u64, workout: usize, index: usize) -> StrokeTruth {
        let plan = self.athlete.plan();
        let cycle_ns = plan.cycle_ns();
        let cycle_s = cycle_ns as f64 / 1e9;
        let work_j = plan.power_w * cycle_s;
        let curve = force_curve(
            plan.drive_ns as f64 / 1e9,
            work_j,
            plan.length_m,
            &mut self.force_rng,
        );
        let peak = f64::from(curve.iter().copied().max().unwrap_or(0));
        let avg = curve.iter().map(|&s| f64::from(s)).sum::<f64>() / curve.len().max(1) as f64;
        let drive_end = t + plan.drive_ns;
        self.cycle = Some(Cycle {
            stroke: index,
            drive_end,
            dwell_end: drive_end + DWELL_NS.min(plan.recovery_ns / 2),
            end: t + cycle_ns,
            drive_done: false,
            dwell_done: false,
            last: false,
            power_w: plan.power_w,
        });
        self.spin_until = None;
        self.stroke_state = StrokeState::Driving;
        let prev = self.prev;
        let stats = StrokeStats {
            stroke_distance: prev.map_or(0, |p| (p.distance_m * 100.0).round() as u16),
            drive_time: (plan.drive_ns as f64 / 1e7).round().min(255.0) as u8,
            recovery_time: prev.map_or(0, |p| (p.recovery_ns as f64 / 1e7).round() as u16),
            stroke_length: (plan.length_m * 100.0).round().min(255.0) as u8,
            drive_count: 0,
            peak_drive_force: (peak * 10.0).round() as u16,
            impulse_drive_force: (avg * plan.drive_ns as f64 / 1e9 * 10.0).round() as u16,
            average_drive_force: (avg * 10.0).round() as u16,
            work_per_stroke: (work_j * 10.0).round().min(65_535.0) as u16,
        };
        let power = plan.power_w.round().min(65_535.0);
        StrokeTruth {
            workout,
            counted: false,
            drive_count: 0,
            start_ns: t,
            drive_end_ns: drive_end,
            end_ns: t + cycle_ns,
            drive_ns: plan.drive_ns,
            recovery_ns: plan.recovery_ns,
            rate_spm: 60.0 / cycle_s,
            power_w: plan.power_w,
            speed_mps: plan.speed_mps,
            pace_500m_s: 500.0 / plan.speed_mps,
            distance_m: plan.speed_mps * cycle_s,
            work_j,
            drive_length_m: plan.length_m,
            peak_force_lbf: peak,
            avg_force_lbf: avg,
            force_curve: curve,
            published: Published {
                stats,
                power_w: power as u16,
                rate_spm: prev.map_or(0, |p| (60e9 / p.cycle_ns as f64).round() as u8),
                pace_cs: pace_cs(plan.speed_mps),
                kcal_per_hour: kcal_per_hour(plan.power_w).round() as u32,
            },
            curve_published_ns: None,
            stats_published_ns: None,
        }
    }

    /// The drive of the current cycle ended.
    pub fn drive_ended(&mut self) {
        if let Some(c) = &mut self.cycle {
            c.drive_done = true;
            self.stroke_state = StrokeState::DwellingAfterDrive;
        }
    }

    pub fn dwell_ended(&mut self) {
        if let Some(c) = &mut self.cycle {
            c.dwell_done = true;
            self.stroke_state = StrokeState::Recovery;
        }
    }

    /// The current cycle ended at `t`: remembers it as the last measured one
    /// when the athlete goes on (`strokes` gives its truth), or lets the wheel
    /// spin down when it was the last.
    pub fn cycle_ended(&mut self, t: u64, stroke: &StrokeTruth, goes_on: bool) {
        self.cycle = None;
        if goes_on {
            self.prev = Some(Previous {
                recovery_ns: stroke.recovery_ns,
                cycle_ns: stroke.drive_ns + stroke.recovery_ns,
                distance_m: stroke.distance_m,
            });
        } else {
            self.stopped(t);
        }
    }

    fn stopped(&mut self, t: u64) {
        self.prev = None;
        self.last_end = t;
        self.spin_until = Some(t + SPIN_DOWN_NS);
        self.stroke_state = StrokeState::WaitingForWheelToAccelerate;
    }

    /// The athlete stops at once (workout terminated or replaced). Returns the
    /// stroke cut short, if any.
    pub fn stop_now(&mut self, t: u64) -> Option<usize> {
        self.start_at = None;
        let cut = self.cycle.take().map(|c| c.stroke);
        if cut.is_some() {
            self.stopped(t);
        }
        cut
    }

    /// The wheel is too slow now: returns true if that happened at `t`.
    pub fn spin_ended(&mut self, t: u64) -> bool {
        if self.spin_until.is_some_and(|s| s <= t) {
            self.spin_until = None;
            self.stroke_state = StrokeState::WaitingForWheelToReachMinSpeed;
            return true;
        }
        false
    }

    /// Flywheel speed: ω̄ = (P/k)^(1/3) with k = drag factor × 10⁻⁶ (rower-model §2).
    pub fn flywheel_rpm(&self) -> u16 {
        let Some(c) = self.cycle else { return 0 };
        let k = f64::from(self.drag) * 1e-6;
        let omega = (c.power_w / k).cbrt();
        (omega * 60.0 / std::f64::consts::TAU).round() as u16
    }
}
