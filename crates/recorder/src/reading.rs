//! One poll's replies as plain values.

use erglink_csafe::command::PmGetStrokeStats;
use erglink_csafe::command::StrokeStats;
use erglink_csafe::{AnyReply, Outcome, Response, UnitsSpecifier, Wrapper};

/// GETCADENCE's id at the top level.
const GETCADENCE_ID: u8 = 0xA7;

/// What one poll read; `None` for fields it did not ask or did not get.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// Work time, 0.01 s.
    pub work_time_cs: Option<u32>,
    /// Work distance, 0.1 m.
    pub distance_dm: Option<u32>,
    /// Stroke state code.
    pub stroke_state: Option<u8>,
    /// GETPACE's value as sent, whatever its scale (see `crate::pace`).
    pub pace_raw: Option<u16>,
    /// Pace, 0.01 s per 500 m, once the poller has settled what GETPACE means.
    pub pace_cs_per_500m: Option<u32>,
    /// Power, W.
    pub power_w: Option<u16>,
    /// Stroke rate, spm.
    pub rate_spm: Option<u8>,
    /// Heart rate, bpm; `None` also when no belt reads (0 or 255).
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
    /// Rest time as sent (its unit is not known for sure).
    pub rest_time: Option<u16>,
}

/// Concept2's pace for a power on a RowErg or SkiErg: 500 m · (2.8 / W)^(1/3), in 0.01 s.
pub fn pace_from_power(power_w: u16) -> u32 {
    crate::pace::pace_for_power(erglink_model::Machine::RowErg, power_w)
}

impl Reading {
    /// Folds one reply in.
    pub fn take(&mut self, reply: &AnyReply) {
        match reply {
            AnyReply::PmGetWorkTime(t) => self.work_time_cs = Some(t.time),
            AnyReply::PmGetWorkDistance(d) => self.distance_dm = Some(d.distance),
            AnyReply::PmGetStrokeState(s) => self.stroke_state = Some(s.stroke_state.to_u8()),
            // The GETPACE scale is disputed whatever the units byte says:
            // the poller settles it against power.
            AnyReply::GetPace(p) => self.pace_raw = Some(p.pace),
            AnyReply::GetPower(p) if p.units == UnitsSpecifier::Watt => {
                self.power_w = Some(p.power);
            }
            AnyReply::GetCadence(c) => self.rate_spm = Some(c.rate.min(255) as u8),
            AnyReply::GetHrCur(h) => self.hr_bpm = heart_rate(h.hr),
            AnyReply::GetCalories(c) => self.energy_kcal = Some(c.calories),
            AnyReply::PmGetDragFactor(d) => self.drag_factor = Some(d.drag_factor),
            AnyReply::PmGetWorkoutState(w) => self.workout_state = Some(w.workout_state.to_u8()),
            AnyReply::PmGetWorkoutType(w) => self.workout_type = Some(w.workout_type.to_u8()),
            AnyReply::PmGetIntervalType(i) => self.interval_type = Some(i.interval_type.to_u8()),
            AnyReply::PmGetWorkoutIntervalCount(i) => self.interval_count = Some(i.count),
            AnyReply::PmGetRestTime(r) => self.rest_time = Some(r.rest_time),
            _ => {}
        }
    }

    /// Folds in every reply of a response, and reads what the layout did not
    /// fit but is still clear: GETCADENCE without its units byte (one source
    /// shows it so) is the two-byte rate alone.
    pub fn take_response(&mut self, response: &Response) {
        for reply in &response.replies {
            match &reply.outcome {
                Outcome::Data(d) => self.take(d),
                Outcome::Malformed(_)
                    if reply.wrapper == Wrapper::Top && reply.id == GETCADENCE_ID =>
                {
                    if let [_, 2, lo, hi] = response.raw(reply) {
                        self.rate_spm = Some(u16::from_le_bytes([*lo, *hi]).min(255) as u8);
                    }
                }
                _ => {}
            }
        }
    }

    /// Pace: what the poller settled, else from power (RowErg relation).
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

/// A heart rate, or `None` for the two values a PM sends with no belt.
pub fn heart_rate(hr: u8) -> Option<u8> {
    (hr != 0 && hr != 255).then_some(hr)
}

/// The stroke statistics in a response, if they came back.
pub fn stroke_stats(response: &Response) -> Option<StrokeStats> {
    response.get::<PmGetStrokeStats>().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_csafe::command::{GetCadence, GetPower};
    use erglink_csafe::frame::{FrameKind, decode_frame, encode_frame};
    use erglink_csafe::{AnyCommand, RequestShape};

    #[test]
    fn concept2_pace() {
        // 2:00 ↔ 202.5 W; 1:45 ↔ 302.3 W (rower model §1).
        assert_eq!(pace_from_power(202), 12_011);
        assert!((pace_from_power(302) as i64 - 10_502).abs() <= 2);
        assert_eq!(pace_from_power(0), 0);
    }

    #[test]
    fn no_belt_is_no_heart_rate() {
        assert_eq!(heart_rate(0), None);
        assert_eq!(heart_rate(255), None);
        assert_eq!(heart_rate(140), Some(140));
    }

    fn decode(contents: &[u8]) -> Response {
        let cmds: Vec<AnyCommand> = vec![GetCadence {}.into(), GetPower {}.into()];
        let shape = RequestShape::from_commands(&cmds);
        let mut wire = Vec::new();
        encode_frame(FrameKind::Standard, contents, 120, &mut wire).unwrap();
        Response::decode(decode_frame(&wire).unwrap().as_ref(), &shape).unwrap()
    }

    fn poll_shape() -> RequestShape {
        let plan = crate::plan::PollPlan::new(120);
        plan.frames().next().unwrap().shape.clone()
    }

    proptest::proptest! {
        #[test]
        fn any_reply_folds_without_panicking(contents in proptest::collection::vec(proptest::num::u8::ANY, 1..120)) {
            let mut wire = Vec::new();
            encode_frame(FrameKind::Standard, &contents, usize::MAX, &mut wire).unwrap();
            let f = decode_frame(&wire).unwrap();
            if let Ok(r) = Response::decode(f.as_ref(), &poll_shape()) {
                let mut reading = Reading::default();
                reading.take_response(&r);
            }
            if let Ok(r) = Response::decode_unguided(f.as_ref()) {
                let mut reading = Reading::default();
                reading.take_response(&r);
                let _ = stroke_stats(&r);
            }
        }

        #[test]
        fn cadence_round_trips_with_or_without_units(rate in 0u16..=300, power in 0u16..2000, units in proptest::bool::ANY) {
            let [lo, hi] = rate.to_le_bytes();
            let [plo, phi] = power.to_le_bytes();
            let mut contents = vec![0x81, 0xA7, if units { 3 } else { 2 }, lo, hi];
            if units {
                contents.push(0x54);
            }
            contents.extend_from_slice(&[0xB4, 3, plo, phi, 0x58]);
            let mut r = Reading::default();
            r.take_response(&decode(&contents));
            proptest::prop_assert_eq!(r.rate_spm, Some(rate.min(255) as u8));
            proptest::prop_assert_eq!(r.power_w, Some(power));
        }
    }

    #[test]
    fn cadence_with_or_without_its_units_byte() {
        let mut with = Reading::default();
        with.take_response(&decode(&[
            0x81, 0xA7, 3, 28, 0, 0x54, 0xB4, 3, 0x2E, 0x01, 0x58,
        ]));
        let mut without = Reading::default();
        without.take_response(&decode(&[0x81, 0xA7, 2, 28, 0, 0xB4, 3, 0x2E, 0x01, 0x58]));
        assert_eq!(with.rate_spm, Some(28));
        assert_eq!(without.rate_spm, Some(28));
        assert_eq!(with.power_w, Some(302));
        assert_eq!(without.power_w, Some(302), "what follows still decodes");
    }
}
