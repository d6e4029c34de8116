//! Laps as FIT and TCX want them: consecutive, covering the session. A
//! Terra lap list has only the work (splits or intervals); here each
//! interval's rest becomes a resting lap, a session without splits gets
//! one lap, and what was recorded after the last split (an interrupted
//! piece, a just-row tail) gets a lap of its own. Every figure comes from
//! the normaliser, so the laps add up to the session: the rests and the
//! tail carry the calories and metres the work laps leave.

use erglink_normalize::{LapTrigger, Normalized, Stretch};

/// Work or rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Intensity {
    Active,
    Rest,
}

/// One lap of a FIT or TCX file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Segment {
    pub start_ns: u64,
    pub end_ns: u64,
    /// Timer time (the PM's work time for a split), ns.
    pub timer_ns: u64,
    pub distance_dm: u64,
    pub energy_kcal: Option<u32>,
    pub avg_hr_bpm: Option<u8>,
    pub max_hr_bpm: Option<u8>,
    pub avg_power_w: Option<u16>,
    pub max_power_w: Option<u16>,
    pub avg_rate_spm: Option<u8>,
    pub max_speed_m_per_s: Option<f64>,
    pub strokes: u32,
    pub intensity: Intensity,
    /// `None`: the session ended it.
    pub trigger: Option<LapTrigger>,
}

impl Segment {
    /// Distance over timer time, m/s.
    pub fn avg_speed(&self) -> Option<f64> {
        (self.timer_ns > 0).then(|| self.distance_dm as f64 / 10.0 / (self.timer_ns as f64 / 1e9))
    }

    /// Distance per stroke, m.
    pub fn avg_stroke_m(&self) -> Option<f64> {
        (self.strokes > 0 && self.distance_dm > 0)
            .then(|| self.distance_dm as f64 / 10.0 / f64::from(self.strokes))
    }

    fn of(s: &Stretch, timer_ns: u64, intensity: Intensity, trigger: Option<LapTrigger>) -> Self {
        Self {
            start_ns: s.start_ns,
            end_ns: s.end_ns,
            timer_ns,
            distance_dm: s.distance_dm,
            energy_kcal: s.energy_kcal,
            avg_hr_bpm: s.avg_hr_bpm,
            max_hr_bpm: s.max_hr_bpm,
            avg_power_w: s.avg_power_w,
            max_power_w: s.max_power_w,
            avg_rate_spm: s.avg_rate_spm,
            max_speed_m_per_s: s.max_speed_m_per_s,
            strokes: s.strokes,
            intensity,
            trigger,
        }
    }
}

/// The session's laps, in order.
pub(crate) fn segments(n: &Normalized) -> Vec<Segment> {
    let mut out = Vec::new();
    for l in &n.laps {
        let s = &l.split;
        out.push(Segment {
            start_ns: s.start_ns,
            end_ns: s.end_ns,
            timer_ns: u64::from(s.time_cs) * 10_000_000,
            distance_dm: u64::from(s.distance_dm),
            energy_kcal: s.energy_kcal.map(u32::from),
            avg_hr_bpm: s.average_hr_bpm,
            avg_power_w: s.average_power_w,
            avg_rate_spm: s.average_rate_spm,
            strokes: l.strokes,
            ..Segment::of(&l.stretch, 0, Intensity::Active, Some(l.trigger))
        });
        if let Some(rest) = &l.rest {
            let timer_ns = u64::from(s.rest_time_cs.unwrap_or(0)) * 10_000_000;
            out.push(Segment {
                avg_power_w: None,
                avg_rate_spm: None,
                max_power_w: None,
                max_speed_m_per_s: None,
                ..Segment::of(rest, timer_ns, Intensity::Rest, Some(LapTrigger::Time))
            });
        }
    }
    if let Some(tail) = &n.tail {
        out.push(Segment::of(tail, tail.timer_ns, Intensity::Active, None));
    }
    if out.is_empty() {
        // No splits: the session is the one lap.
        let s = &n.summary;
        let end_ns = n.points.last().map_or(0, |p| p.elapsed_ns);
        out.push(Segment {
            start_ns: 0,
            end_ns,
            timer_ns: s.active_ns + s.rest_ns,
            distance_dm: s.distance_dm,
            energy_kcal: s.energy_kcal,
            avg_hr_bpm: s.heart_rate.map(|h| h.avg_bpm.round() as u8),
            max_hr_bpm: s.heart_rate.map(|h| h.max_bpm),
            avg_power_w: s.avg_power_w.map(|p| p.round() as u16),
            max_power_w: Some(s.max_power_w),
            avg_rate_spm: s.avg_rate_spm.map(|r| r.round() as u8),
            max_speed_m_per_s: s.max_speed_m_per_s(),
            strokes: s.strokes as u32,
            intensity: Intensity::Active,
            trigger: None,
        });
    }
    out
}
