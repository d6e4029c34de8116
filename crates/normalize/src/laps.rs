//! The laps: intervals when the session has any, else splits, each with
//! what ended it (from the workout), the stretch of samples it covers, and
//! its rest; then what came after the last one. The store has made a
//! finished session's rows final (`erglink-store`, `laps.rs`); for rows it
//! has not (a session still recording, an older database, data in memory),
//! what a row lacks comes from its stretch, by the same rules.

use erglink_model::{Machine, Split, SplitKind, Workout, WorkoutDuration};

use crate::figures::{rate_spm, round_u8, round_u16};
use crate::normalized::{Lap, LapTrigger, Stretch, speed_from_pace};
use crate::spans::Span;

// Duration-type codes (`erglink_csafe::DurationType`).
const TIME: u8 = 0x00;
const DISTANCE: u8 = 0x80;
/// A tail shorter than this after the last lap is not a lap of its own.
const MIN_TAIL_NS: u64 = 1_000_000_000;

/// What a stretch is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Work(usize),
    Rest(usize),
    Tail,
}

/// The laps of a session, before its samples.
#[derive(Debug, Default)]
pub(crate) struct LapPlan {
    kind: Option<SplitKind>,
    rows: Vec<Split>,
    /// The stretches in time order, and what each is.
    roles: Vec<Role>,
    bounds: Vec<(u64, u64)>,
}

impl LapPlan {
    /// From the session's splits and intervals.
    pub fn new(splits: &[Split]) -> Self {
        let kind = if splits.iter().any(|s| s.kind == SplitKind::Interval) {
            SplitKind::Interval
        } else {
            SplitKind::Split
        };
        let mut rows: Vec<Split> = splits.iter().filter(|s| s.kind == kind).copied().collect();
        rows.sort_by_key(|s| s.index);
        let mut stretches = Vec::new();
        for (i, s) in rows.iter().enumerate() {
            stretches.push((s.start_ns, s.end_ns.max(s.start_ns), Role::Work(i)));
            if let Some(rest) = s.rest_time_cs.filter(|&r| r > 0) {
                // The rest runs until the next interval begins.
                let end = rows
                    .get(i + 1)
                    .map(|n| n.start_ns)
                    .filter(|&n| n > s.end_ns)
                    .unwrap_or(s.end_ns + u64::from(rest) * 10_000_000);
                stretches.push((s.end_ns, end, Role::Rest(i)));
            }
        }
        if let Some(covered) = stretches.iter().map(|s| s.1).max() {
            stretches.push((covered, u64::MAX, Role::Tail));
        }
        stretches.sort_by_key(|s| (s.0, s.1));
        Self {
            kind: (!rows.is_empty()).then_some(kind),
            rows,
            roles: stretches.iter().map(|s| s.2).collect(),
            bounds: stretches.iter().map(|s| (s.0, s.1)).collect(),
        }
    }

    /// The stretches to sum, in time order.
    pub fn bounds(&self) -> &[(u64, u64)] {
        &self.bounds
    }
}

/// What the laps are finished with.
pub(crate) struct Context<'a> {
    pub machine: Machine,
    pub workout: &'a Workout,
    pub stroke_starts: &'a [u64],
    /// Laps end here at the latest: the last sample, or the session's end if earlier.
    pub end_ns: u64,
    /// Whether the session read any calories.
    pub has_energy: bool,
    /// Its totals: calories and distance (0.1 m).
    pub energy_kcal: Option<u32>,
    pub distance_dm: u64,
}

impl Context<'_> {
    fn strokes(&self, start_ns: u64, end_ns: u64) -> u32 {
        let from = self.stroke_starts.partition_point(|&t| t < start_ns);
        let to = self.stroke_starts.partition_point(|&t| t < end_ns);
        to.saturating_sub(from) as u32
    }

    /// A stretch's figures over `time_ns` of it and `distance_dm`.
    fn stretch(&self, span: &Span, start_ns: u64, end_ns: u64, distance_dm: u64) -> Stretch {
        let s = &span.sums;
        let strokes = self.strokes(start_ns, end_ns);
        let time_ns = s.active_ns;
        Stretch {
            start_ns,
            end_ns,
            timer_ns: s.timer_ns,
            distance_dm,
            energy_kcal: span.energy_kcal().filter(|_| self.has_energy),
            strokes,
            avg_hr_bpm: s.avg_hr_bpm().map(round_u8),
            max_hr_bpm: s.hr_max,
            avg_power_w: s
                .avg_power_w(self.machine, time_ns, distance_dm)
                .map(round_u16),
            max_power_w: s.max_power.filter(|_| time_ns > 0),
            avg_rate_spm: (!self.stroke_starts.is_empty() && time_ns > 0)
                .then(|| rate_spm(u64::from(strokes), time_ns).map(round_u8))
                .flatten(),
            max_speed_m_per_s: s.min_pace.map(speed_from_pace),
        }
    }
}

impl LapPlan {
    /// The laps, and the tail after them, from the summed stretches.
    pub fn finish(self, spans: Vec<Span>, cx: &Context<'_>) -> (Vec<Lap>, Option<Stretch>) {
        let Some(kind) = self.kind else {
            return (Vec::new(), None);
        };
        let clamp = |t: u64| t.min(cx.end_ns);
        let mut work = vec![None; self.rows.len()];
        let mut rests = vec![None; self.rows.len()];
        let mut tail = None;
        for (role, span) in self.roles.iter().zip(&spans) {
            let (a, b) = (clamp(span.start_ns), clamp(span.end_ns));
            match *role {
                Role::Work(i) => work[i] = Some(span),
                Role::Rest(i) => {
                    // The PM's rest distance, where it was read. What a
                    // counter shows across the rest belongs to the intervals
                    // on either side: the PM's own figure of each holds it.
                    let distance = self.rows[i].rest_distance_dm.map_or(0, u64::from);
                    rests[i] = Some(cx.stretch(span, a, b, distance));
                }
                Role::Tail => tail = Some((span, a, b)),
            }
        }
        let mut laps = Vec::with_capacity(self.rows.len());
        for (i, row) in self.rows.iter().enumerate() {
            let mut split = *row;
            split.start_ns = clamp(split.start_ns);
            split.end_ns = clamp(split.end_ns).max(split.start_ns);
            let strokes = cx.strokes(split.start_ns, split.end_ns);
            let stretch = work[i].map_or_else(Stretch::default, |span| {
                cx.stretch(
                    span,
                    split.start_ns,
                    split.end_ns,
                    u64::from(split.distance_dm),
                )
            });
            // A heart rate of 0 is "no belt", not a figure.
            split.average_hr_bpm = split.average_hr_bpm.filter(|&hr| hr > 0);
            fill(&mut split, &stretch, strokes, cx);
            laps.push(Lap {
                split,
                strokes,
                trigger: trigger(cx.workout, kind, split.interval_type),
                stretch,
                rest: rests[i],
            });
        }
        let tail = tail
            .filter(|&(_, a, b)| b > a + MIN_TAIL_NS)
            .map(|(span, a, b)| {
                // What the laps leave: so that every lap adds up to the session.
                let distance = laps
                    .iter()
                    .map(|l| u64::from(l.split.distance_dm) + l.rest.map_or(0, |r| r.distance_dm));
                let distance = cx.distance_dm.saturating_sub(distance.sum());
                let mut t = cx.stretch(span, a, b, distance);
                if let Some(total) = cx.energy_kcal.filter(|_| cx.has_energy) {
                    let laps: u32 = laps
                        .iter()
                        .map(|l| {
                            l.split.energy_kcal.map_or(0, u32::from)
                                + l.rest.and_then(|r| r.energy_kcal).unwrap_or(0)
                        })
                        .sum();
                    t.energy_kcal = Some(total.saturating_sub(laps));
                }
                t
            });
        (laps, tail)
    }
}

/// What a row lacks, from its stretch.
fn fill(split: &mut Split, stretch: &Stretch, strokes: u32, cx: &Context<'_>) {
    if split.energy_kcal.is_none() {
        split.energy_kcal = stretch
            .energy_kcal
            .map(|k| k.min(u32::from(u16::MAX)) as u16);
    }
    let time_ns = u64::from(split.time_cs) * 10_000_000;
    if split.average_rate_spm.is_none() && !cx.stroke_starts.is_empty() {
        split.average_rate_spm = rate_spm(u64::from(strokes), time_ns).map(round_u8);
    }
    if split.average_hr_bpm.is_none() {
        split.average_hr_bpm = stretch.avg_hr_bpm;
    }
    if split.average_power_w.is_none() {
        split.average_power_w = match cx.machine {
            Machine::BikeErg => stretch.avg_power_w,
            Machine::RowErg | Machine::SkiErg => {
                crate::figures::watts_for_pace(time_ns, u64::from(split.distance_dm)).map(round_u16)
            }
        };
    }
}

/// What ended a lap: the workout's goal for a fixed piece, the interval's
/// kind, or, for just row, the PM's split setting.
fn trigger(workout: &Workout, kind: SplitKind, interval_type: Option<u8>) -> LapTrigger {
    let by_duration = |d: Option<WorkoutDuration>| match d.map(|d| d.duration_type) {
        Some(TIME) => LapTrigger::Time,
        Some(DISTANCE) => LapTrigger::Distance,
        _ => LapTrigger::FitnessEquipment,
    };
    // Codes of `erglink_csafe::WorkoutType` and `IntervalType`.
    match (kind, interval_type, workout.workout_type) {
        (SplitKind::Interval, Some(0 | 3), _) | (SplitKind::Interval, None, Some(6)) => {
            LapTrigger::Time
        }
        (SplitKind::Interval, Some(1 | 4), _) | (SplitKind::Interval, None, Some(7)) => {
            LapTrigger::Distance
        }
        (SplitKind::Interval, ..) => LapTrigger::FitnessEquipment,
        // A split the PM was told the length of ends on that.
        (SplitKind::Split, ..) if workout.params.split.is_some() => {
            by_duration(workout.params.split)
        }
        (SplitKind::Split, _, Some(2 | 3)) => LapTrigger::Distance,
        (SplitKind::Split, _, Some(4 | 5)) => LapTrigger::Time,
        (SplitKind::Split, ..) => LapTrigger::FitnessEquipment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_model::WorkoutParams;

    fn workout(workout_type: u8, split: Option<u8>) -> Workout {
        Workout {
            workout_type: Some(workout_type),
            params: WorkoutParams {
                split: split.map(|duration_type| WorkoutDuration {
                    duration_type,
                    value: 500,
                }),
                ..WorkoutParams::default()
            },
        }
    }

    #[test]
    fn triggers_follow_the_workout() {
        use LapTrigger::*;
        let s = SplitKind::Split;
        let i = SplitKind::Interval;
        // Fixed distance and fixed time, their split length unread.
        assert_eq!(trigger(&workout(3, None), s, None), Distance);
        assert_eq!(trigger(&workout(5, None), s, None), Time);
        // Just row: the PM's split setting, when known.
        assert_eq!(trigger(&workout(1, Some(TIME)), s, None), Time);
        assert_eq!(trigger(&workout(1, Some(DISTANCE)), s, None), Distance);
        assert_eq!(trigger(&workout(1, None), s, None), FitnessEquipment);
        // Intervals: their kind, else the workout's.
        assert_eq!(trigger(&workout(8, None), i, Some(0)), Time);
        assert_eq!(trigger(&workout(8, None), i, Some(4)), Distance);
        assert_eq!(trigger(&workout(7, None), i, None), Distance);
        assert_eq!(trigger(&workout(6, None), i, None), Time);
        assert_eq!(trigger(&workout(12, None), i, Some(6)), FitnessEquipment);
    }
}
