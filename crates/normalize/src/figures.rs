//! One way to sum a stretch of a session and average it: the whole session
//! for the summary, each lap, rest and tail for the laps, so that session
//! and lap figures are computed the same way (issue 14). The store's lap
//! finaliser (`erglink-store`, `laps.rs`) keeps the same rules for the laps
//! it stores:
//!
//! - stroke rate = strokes × 60 ÷ time;
//! - heart rate weighted by time: a reading holds until the next sample;
//! - speed = distance ÷ time;
//! - watts from the average pace, as the PM computes them (W = 2.80 / (s/m)³,
//!   RowErg and SkiErg); the BikeErg's formula is not documented, so there
//!   the power readings weighted by time.

use erglink_model::{Machine, Sample};

/// What the PM is doing, from its workout state (`erglink_csafe::WorkoutState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Work,
    Rest,
    /// Waiting to begin, ended, logged: not part of the workout's time.
    Idle,
}

pub(crate) fn phase(state: Option<u8>) -> Phase {
    match state {
        // Rest, and the transitions from work into rest.
        Some(3 | 8 | 9) => Phase::Rest,
        // WaitToBegin, CountdownPause, WorkoutEnd, Terminate, WorkoutLogged, Rearm.
        Some(0 | 2 | 10..=13) => Phase::Idle,
        // Rowing, interval work, rest-to-work; an unread or unknown state
        // counts as work so that a recording without it keeps its time.
        _ => Phase::Work,
    }
}

/// Running sums over a stretch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Sums {
    pub timer_ns: u64,
    pub active_ns: u64,
    pub rest_ns: u64,
    /// Σ bpm · ns over the time a reading held.
    pub hr_bpm_ns: f64,
    pub hr_ns: u64,
    /// Σ W · ns over working time.
    pub power_w_ns: f64,
    /// Σ W · s over work and rest.
    pub work_j: f64,
    pub hr_readings: (u64, u64),
    pub hr_min: Option<u8>,
    pub hr_max: Option<u8>,
    pub max_power: Option<u16>,
    pub max_rate: u8,
    pub min_pace: Option<u32>,
}

impl Sums {
    /// The time from sample `p` to the next, `dt_ns` of it, in `phase`,
    /// with `hr` the heart rate then (the latest reading, 0 left out).
    pub fn credit(&mut self, p: &Sample, dt_ns: u64, phase: Phase, hr: Option<u8>) {
        match phase {
            Phase::Work => {
                self.active_ns += dt_ns;
                self.power_w_ns += f64::from(p.power_w) * dt_ns as f64;
            }
            Phase::Rest => self.rest_ns += dt_ns,
            Phase::Idle => return,
        }
        self.timer_ns += dt_ns;
        self.work_j += f64::from(p.power_w) * dt_ns as f64 / 1e9;
        if let Some(hr) = hr {
            self.hr_bpm_ns += f64::from(hr) * dt_ns as f64;
            self.hr_ns += dt_ns;
        }
    }

    /// Maxima and minima of one sample.
    pub fn absorb(&mut self, s: &Sample) {
        if let Some(hr) = s.hr_bpm.filter(|&hr| hr > 0) {
            self.hr_min = Some(self.hr_min.map_or(hr, |m| m.min(hr)));
            self.hr_max = Some(self.hr_max.map_or(hr, |m| m.max(hr)));
            self.hr_readings.0 += u64::from(hr);
            self.hr_readings.1 += 1;
        }
        self.max_power = Some(self.max_power.map_or(s.power_w, |m| m.max(s.power_w)));
        self.max_rate = self.max_rate.max(s.rate_spm);
        if s.pace_cs_per_500m > 0 {
            self.min_pace = Some(
                self.min_pace
                    .map_or(s.pace_cs_per_500m, |m| m.min(s.pace_cs_per_500m)),
            );
        }
    }

    /// Heart rate weighted by time; the readings' mean where none held
    /// over working or resting time.
    pub fn avg_hr_bpm(&self) -> Option<f64> {
        if self.hr_ns > 0 {
            Some(self.hr_bpm_ns / self.hr_ns as f64)
        } else {
            let (sum, n) = self.hr_readings;
            (n > 0).then(|| sum as f64 / n as f64)
        }
    }

    /// Watts over `time_ns` and `distance_dm`, by the machine's rule.
    pub fn avg_power_w(&self, machine: Machine, time_ns: u64, distance_dm: u64) -> Option<f64> {
        match machine {
            Machine::RowErg | Machine::SkiErg => watts_for_pace(time_ns, distance_dm),
            Machine::BikeErg => {
                (self.active_ns > 0).then(|| self.power_w_ns / self.active_ns as f64)
            }
        }
    }
}

/// Strokes × 60 ÷ time, per minute.
pub fn rate_spm(strokes: u64, time_ns: u64) -> Option<f64> {
    (time_ns > 0).then(|| strokes as f64 * 60e9 / time_ns as f64)
}

/// The PM's watts for an average pace: 2.80 / (s/m)³ (rower-model §1).
pub fn watts_for_pace(time_ns: u64, distance_dm: u64) -> Option<f64> {
    (time_ns > 0 && distance_dm > 0).then(|| {
        let v = distance_dm as f64 / 10.0 / (time_ns as f64 / 1e9);
        2.80 * v.powi(3)
    })
}

/// Rounded to a whole number that fits `u8`.
pub(crate) fn round_u8(v: f64) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

/// Rounded to a whole number that fits `u16`.
pub(crate) fn round_u16(v: f64) -> u16 {
    v.round().clamp(0.0, 65_535.0) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        // 49 strokes in 104.9 s: 28, rounded, not 27.
        assert_eq!(round_u8(rate_spm(49, 104_900_000_000).unwrap()), 28);
        // 1:45.0 per 500 m is 302 W.
        assert_eq!(
            round_u16(watts_for_pace(105_000_000_000, 5000).unwrap()),
            302
        );
        assert_eq!(watts_for_pace(0, 5000), None);
        // 100 bpm for 1 s, 200 for 3 s: 175.
        let mut s = Sums::default();
        let p = Sample::default();
        s.credit(&p, 1_000_000_000, Phase::Work, Some(100));
        s.credit(&p, 3_000_000_000, Phase::Rest, Some(200));
        s.credit(&p, 9_000_000_000, Phase::Idle, Some(50));
        assert_eq!(s.avg_hr_bpm(), Some(175.0));
        assert_eq!(
            (s.active_ns, s.rest_ns, s.timer_ns),
            (1e9 as u64, 3e9 as u64, 4e9 as u64)
        );
    }
}
