//! The athlete: plans each stroke from a target rate and pace, with
//! stroke-to-stroke scatter and a slowly wandering effort, so that splits
//! differ by a second or two as real ones do (rower-model §8).

use crate::machine::Machine;
use crate::rng::Rng;

/// One stroke as the athlete will row it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct StrokePlan {
    pub drive_ns: u64,
    pub recovery_ns: u64,
    pub power_w: f64,
    pub speed_mps: f64,
    pub length_m: f64,
}

impl StrokePlan {
    pub fn cycle_ns(&self) -> u64 {
        self.drive_ns + self.recovery_ns
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Athlete {
    machine: Machine,
    spm: f64,
    power_w: f64,
    /// Slow effort offset (fraction of power), an AR(1) process per stroke.
    effort: f64,
    rng: Rng,
}

/// Scatter of the stroke rate, per stroke.
const RATE_SD: f64 = 0.015;
/// Scatter of power per stroke, and of the slow effort.
const POWER_SD: f64 = 0.02;
const EFFORT_KEEP: f64 = 0.9;
const EFFORT_SD: f64 = 0.015;

impl Athlete {
    pub fn new(machine: Machine, spm: f64, pace_s: f64, rng: Rng) -> Athlete {
        Athlete {
            machine,
            spm,
            power_w: machine.power_for_pace(pace_s),
            effort: 0.0,
            rng,
        }
    }

    pub fn plan(&mut self) -> StrokePlan {
        let (lo, hi) = self.machine.spm_range();
        let rate = (self.spm * (1.0 + RATE_SD * self.rng.normal())).clamp(lo, hi);
        self.effort = EFFORT_KEEP * self.effort + EFFORT_SD * self.rng.normal();
        let power_w = self.power_w * (1.0 + self.effort + POWER_SD * self.rng.normal()).max(0.3);
        let cycle_s = 60.0 / rate;
        let drive_s = self.machine.drive_s(rate, cycle_s);
        let drive_ns = (drive_s * 1e9).round() as u64;
        let cycle_ns = (cycle_s * 1e9).round() as u64;
        StrokePlan {
            drive_ns,
            recovery_ns: cycle_ns - drive_ns,
            power_w,
            speed_mps: self.machine.speed_for_power(power_w),
            length_m: self.machine.drive_length_m(rate),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_to_the_target() {
        let mut a = Athlete::new(Machine::Rower, 28.0, 105.0, Rng::stream(1, 2));
        let plans: Vec<StrokePlan> = (0..2000).map(|_| a.plan()).collect();
        let n = plans.len() as f64;
        let power = plans.iter().map(|p| p.power_w).sum::<f64>() / n;
        let cycle = plans.iter().map(|p| p.cycle_ns() as f64).sum::<f64>() / n / 1e9;
        assert!((power - 302.3).abs() < 6.0, "{power}");
        assert!((60.0 / cycle - 28.0).abs() < 0.3, "{cycle}");
        assert!(plans.iter().all(|p| p.drive_ns < p.cycle_ns() / 2));
    }
}
