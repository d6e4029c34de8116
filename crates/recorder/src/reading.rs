//! One poll's replies as plain values.

use erglink_csafe::{AnyReply, UnitsSpecifier};

/// What one poll read; `None` for fields it did not ask or did not get.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// Work time, 0.01 s.
    pub work_time_cs: Option<u32>,
    /// Work distance, 0.1 m.
    pub distance_dm: Option<u32>,
    /// Stroke state code.
    pub stroke_state: Option<u8>,
    /// Pace, 0.01 s per 500 m.
    pub pace_cs_per_500m: Option<u32>,
    /// Power, W.
    pub power_w: Option<u16>,
    /// Stroke rate, spm.
    pub rate_spm: Option<u8>,
    /// Heart rate, bpm (0: no belt).
    pub hr_bpm: Option<u8>,
    /// Energy, kcal.
    pub energy_kcal: Option<u16>,
    /// Drag factor.
    pub drag_factor: Option<u8>,
    /// Workout state code.
    pub workout_state: Option<u8>,
    /// Workout type code.
    pub workout_type: Option<u8>,
    /// Interval type code.
    pub interval_type: Option<u8>,
    /// Current interval, 0-based.
    pub interval_count: Option<u8>,
    /// Rest time, 0.01 s.
    pub rest_time_cs: Option<u16>,
}

/// Concept2's pace for a power: 500 m · (2.8 / W)^(1/3), in 0.01 s.
pub fn pace_from_power(power_w: u16) -> u32 {
    if power_w == 0 {
        return 0;
    }
    (500.0 * (2.8 / f64::from(power_w)).cbrt() * 100.0).round() as u32
}

impl Reading {
    /// Folds one reply in.
    pub fn take(&mut self, reply: &AnyReply) {
        match reply {
            AnyReply::PmGetWorkTime(t) => self.work_time_cs = Some(t.time),
            AnyReply::PmGetWorkDistance(d) => self.distance_dm = Some(d.distance),
            AnyReply::PmGetStrokeState(s) => self.stroke_state = Some(s.stroke_state.to_u8()),
            AnyReply::GetPace(p) => {
                // The GETPACE scale is disputed; trust only what its units byte names.
                if let Some(s) = p.seconds_per_500m() {
                    self.pace_cs_per_500m = Some((s * 100.0).round() as u32);
                }
            }
            AnyReply::GetPower(p) if p.units == UnitsSpecifier::Watt => {
                self.power_w = Some(p.power);
            }
            AnyReply::GetCadence(c) => self.rate_spm = Some(c.rate.min(255) as u8),
            AnyReply::GetHrCur(h) => self.hr_bpm = Some(if h.hr == 255 { 0 } else { h.hr }),
            AnyReply::GetCalories(c) => self.energy_kcal = Some(c.calories),
            AnyReply::PmGetDragFactor(d) => self.drag_factor = Some(d.drag_factor),
            AnyReply::PmGetWorkoutState(w) => self.workout_state = Some(w.workout_state.to_u8()),
            AnyReply::PmGetWorkoutType(w) => self.workout_type = Some(w.workout_type.to_u8()),
            AnyReply::PmGetIntervalType(i) => self.interval_type = Some(i.interval_type.to_u8()),
            AnyReply::PmGetWorkoutIntervalCount(i) => self.interval_count = Some(i.count),
            AnyReply::PmGetRestTime(r) => self.rest_time_cs = Some(r.rest_time),
            _ => {}
        }
    }

    /// Pace from GETPACE when its units say how to read it, else from power.
    pub fn pace(&self) -> u32 {
        self.pace_cs_per_500m
            .or_else(|| self.power_w.map(pace_from_power))
            .unwrap_or(0)
    }

    /// Whether every fast field came back.
    pub fn has_fast_fields(&self) -> bool {
        self.work_time_cs.is_some()
            && self.distance_dm.is_some()
            && self.stroke_state.is_some()
            && self.power_w.is_some()
            && self.rate_spm.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concept2_pace() {
        // 2:00 ↔ 202.5 W; 1:45 ↔ 302.3 W (rower model §1).
        assert_eq!(pace_from_power(202), 12_011);
        assert!((pace_from_power(302) as i64 - 10_502).abs() <= 2);
        assert_eq!(pace_from_power(0), 0);
    }
}
