//! Laps as FIT and TCX want them: consecutive, covering the session. A
//! Terra lap list has only the work (splits or intervals); here each
//! interval's rest becomes a resting lap, a session without splits gets
//! one lap, and what was recorded after the last split (an interrupted
//! piece, a just-row tail) gets a lap of its own.

use erglink_normalize::{LapTrigger, Normalized, Point};

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
}

/// Maxima over the points inside `[start, end)`.
fn maxima(points: &[Point], start: u64, end: u64) -> (Option<u8>, Option<u16>, Option<f64>) {
    let inside = points
        .iter()
        .filter(|p| p.elapsed_ns >= start && p.elapsed_ns < end);
    let mut hr = None::<u8>;
    let mut power = None::<u16>;
    let mut speed = None::<f64>;
    for p in inside {
        if let Some(h) = p.hr_bpm {
            hr = Some(hr.map_or(h, |m| m.max(h)));
        }
        power = Some(power.map_or(p.power_w, |m| m.max(p.power_w)));
        let s = p.speed_m_per_s();
        speed = Some(speed.map_or(s, |m: f64| m.max(s)));
    }
    (hr, power, speed)
}

/// The session's laps, in order.
pub(crate) fn segments(n: &Normalized) -> Vec<Segment> {
    let end_ns = n
        .points
        .last()
        .map_or(0, |p| p.elapsed_ns)
        .max(n.laps.last().map_or(0, |l| l.split.end_ns));
    let mut out = Vec::new();
    for l in &n.laps {
        let (max_hr, max_power, max_speed) = maxima(&n.points, l.split.start_ns, l.split.end_ns);
        out.push(Segment {
            start_ns: l.split.start_ns,
            end_ns: l.split.end_ns,
            timer_ns: u64::from(l.split.time_cs) * 10_000_000,
            distance_dm: u64::from(l.split.distance_dm),
            energy_kcal: l.split.energy_kcal.map(u32::from),
            avg_hr_bpm: l.split.average_hr_bpm,
            max_hr_bpm: max_hr,
            avg_power_w: l.split.average_power_w,
            max_power_w: max_power,
            avg_rate_spm: l.split.average_rate_spm,
            max_speed_m_per_s: max_speed,
            strokes: l.strokes,
            intensity: Intensity::Active,
            trigger: Some(l.trigger),
        });
        if let Some(rest) = l.split.rest_time_cs.filter(|&r| r > 0) {
            let rest_ns = u64::from(rest) * 10_000_000;
            out.push(Segment {
                start_ns: l.split.end_ns,
                end_ns: l.split.end_ns + rest_ns,
                timer_ns: rest_ns,
                distance_dm: 0,
                energy_kcal: None,
                avg_hr_bpm: None,
                max_hr_bpm: maxima(&n.points, l.split.end_ns, l.split.end_ns + rest_ns).0,
                avg_power_w: None,
                max_power_w: None,
                avg_rate_spm: None,
                max_speed_m_per_s: None,
                strokes: 0,
                intensity: Intensity::Rest,
                trigger: Some(LapTrigger::Time),
            });
        }
    }
    let covered = out.last().map_or(0, |s| s.end_ns);
    // A tail of more than a second after the last lap gets its own.
    if out.is_empty() || end_ns > covered + 1_000_000_000 {
        let start = covered;
        let tail: Vec<&Point> = n.points.iter().filter(|p| p.elapsed_ns >= start).collect();
        let first_distance = n
            .points
            .iter()
            .rev()
            .find(|p| p.elapsed_ns < start)
            .map_or(0, |p| p.distance_dm);
        let s = &n.summary;
        let (max_hr, max_power, max_speed) = maxima(&n.points, start, end_ns + 1);
        let whole = out.is_empty();
        let hr: Vec<u8> = tail.iter().filter_map(|p| p.hr_bpm).collect();
        out.push(Segment {
            start_ns: start,
            end_ns: end_ns.max(start),
            timer_ns: if whole {
                s.active_ns + s.rest_ns
            } else {
                end_ns.saturating_sub(start)
            },
            distance_dm: s.distance_dm.saturating_sub(first_distance),
            energy_kcal: None,
            avg_hr_bpm: if whole {
                s.heart_rate.map(|h| h.avg_bpm.round() as u8)
            } else {
                (!hr.is_empty()).then(|| {
                    (hr.iter().map(|&h| u32::from(h)).sum::<u32>() / hr.len() as u32) as u8
                })
            },
            max_hr_bpm: max_hr,
            avg_power_w: whole
                .then(|| s.avg_power_w.map(|p| p.round() as u16))
                .flatten(),
            max_power_w: max_power,
            avg_rate_spm: whole
                .then(|| s.avg_rate_spm.map(|r| r.round() as u8))
                .flatten(),
            max_speed_m_per_s: max_speed,
            strokes: tail.iter().filter(|p| p.stroke.is_some()).count() as u32,
            intensity: Intensity::Active,
            trigger: None,
        });
        if whole {
            let last = out.len() - 1;
            out[last].energy_kcal = s.energy_kcal;
            out[last].strokes = s.strokes as u32;
        }
    }
    out
}
