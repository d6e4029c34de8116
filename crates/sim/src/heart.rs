//! Heart rate (rower-model §6): a first-order response toward a target that
//! rises with power and drifts up over a long piece; beats at the current
//! rate with a little jitter. Everything is computed from model events only,
//! so polling cannot change it.

use crate::rng::Rng;

const REST_BPM: f64 = 60.0;
const MAX_BPM: f64 = 190.0;
/// What a seated athlete shows between pieces.
const IDLE_FRACTION: f64 = 0.12;
/// Time constants toward a higher and toward a lower target.
const TAU_UP_S: f64 = 30.0;
const TAU_DOWN_S: f64 = 150.0;
/// Upward drift per minute of work at constant power, capped.
const DRIFT_PER_MIN: f64 = 0.012;
const DRIFT_MAX: f64 = 0.12;
/// Most heartbeat intervals the PM keeps for `PM_GET_HEARTBEATDATA`.
pub const BEAT_BUFFER: usize = 64;

#[derive(Clone, Debug)]
pub(crate) struct Heart {
    enabled: bool,
    hr0: f64,
    t0: u64,
    target: f64,
    tau_s: f64,
    next_beat: Option<u64>,
    last_beat: u64,
    shown: u8,
    rng: Rng,
}

impl Heart {
    pub fn new(enabled: bool, rng: Rng) -> Heart {
        let idle = REST_BPM + (MAX_BPM - REST_BPM) * IDLE_FRACTION;
        Heart {
            enabled,
            hr0: idle - 4.0,
            t0: 0,
            target: idle,
            tau_s: TAU_UP_S,
            next_beat: enabled.then_some(500_000_000),
            last_beat: 0,
            shown: 0,
            rng,
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The underlying (noise-free) rate at `t`.
    pub fn bpm_at(&self, t: u64) -> f64 {
        let dt = t.saturating_sub(self.t0) as f64 / 1e9;
        self.target + (self.hr0 - self.target) * (-dt / self.tau_s).exp()
    }

    /// A new effort from `t`: `power_w` (0 when not rowing) after `work_s`
    /// seconds of work in the current piece.
    pub fn retarget(&mut self, t: u64, power_w: f64, work_s: f64) {
        self.hr0 = self.bpm_at(t);
        self.t0 = t;
        let drift = (DRIFT_PER_MIN * work_s / 60.0).min(DRIFT_MAX) * (power_w / 300.0).min(1.0);
        let fraction = IDLE_FRACTION + 0.75 * (power_w.max(0.0) / 300.0).powf(0.8) + drift;
        self.target = REST_BPM + (MAX_BPM - REST_BPM) * fraction.min(1.0);
        self.tau_s = if self.target >= self.hr0 {
            TAU_UP_S
        } else {
            TAU_DOWN_S
        };
    }

    pub fn next_beat(&self) -> Option<u64> {
        self.next_beat
    }

    /// The beat due now: returns the interval since the last beat in ms and
    /// the rate the PM shows until the next one.
    pub fn beat(&mut self, t: u64) -> (u16, u8) {
        let bpm = self.bpm_at(t);
        let rr_ms = ((t - self.last_beat) as f64 / 1e6)
            .round()
            .min(f64::from(u16::MAX)) as u16;
        self.last_beat = t;
        self.shown = (bpm + self.rng.normal() * 0.8).round().clamp(30.0, 230.0) as u8;
        let interval_s = 60.0 / bpm * (1.0 + self.rng.symmetric(0.015));
        self.next_beat = Some(t + (interval_s * 1e9) as u64);
        (rr_ms, self.shown)
    }

    /// The rate the PM shows (0 without a belt).
    pub fn shown(&self) -> u8 {
        if self.enabled { self.shown } else { 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(heart: &mut Heart, from: u64, to: u64) -> u8 {
        while let Some(b) = heart.next_beat().filter(|&b| b <= to) {
            assert!(b >= from);
            heart.beat(b);
        }
        heart.shown()
    }

    #[test]
    fn a_2k_then_recovery() {
        let s = 1_000_000_000u64;
        let mut h = Heart::new(true, Rng::stream(1, 4));
        run(&mut h, 0, 10 * s);
        let mut t = 10 * s;
        let mut at_1min = 0;
        while t < 430 * s {
            h.retarget(t, 302.0, (t - 10 * s) as f64 / 1e9);
            let shown = run(&mut h, t, t + 2 * s);
            if t == 70 * s {
                at_1min = shown;
            }
            t += 2 * s;
        }
        let finish = h.bpm_at(t);
        assert!((150..=175).contains(&at_1min), "{at_1min}");
        assert!((178.0..=190.0).contains(&finish), "{finish}");
        h.retarget(t, 0.0, 420.0);
        let drop = finish - h.bpm_at(t + 60 * s);
        assert!((20.0..=45.0).contains(&drop), "{drop}");
    }

    #[test]
    fn off_means_zero() {
        let h = Heart::new(false, Rng::stream(1, 4));
        assert_eq!(h.shown(), 0);
        assert_eq!(h.next_beat(), None);
    }
}
