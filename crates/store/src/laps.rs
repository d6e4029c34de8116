//! Splits and intervals made final once a session ends: what the PM did not
//! give the recorder is filled in from the session's own samples, and the
//! laps of a completed piece add up to the piece. Pure: the session's rows
//! in, its rows out; `finalise.rs` runs it over the database.
//!
//! - **Calories**: the PM's figure where a row has one; otherwise the
//!   cumulative calories at its end less those at its start (the latest
//!   reading at or before each, a counter the PM resets added up), so the
//!   splits of a piece add up to its calories.
//! - **Ends** are clamped to the session's last sample.
//! - **Sums**: the splits of a completed fixed-distance or fixed-time piece
//!   add up exactly to its distance and to its time: the last split is
//!   what the piece leaves for it, when that is within the PM's rounding
//!   of the PM's own figure (a metre and a tenth of a second a split). A
//!   bigger difference means a split went missing, and nothing is made up.
//! - **Averages**, rounded, not truncated: stroke rate = strokes begun in
//!   the row × 60 ÷ its time; heart rate weighted by time; watts from the
//!   row's average pace as the PM computes them (W = 2.80 / (s/m)³, RowErg
//!   and SkiErg; rower-model §1, §7), or on the BikeErg, whose formula is
//!   not documented, the power readings weighted by time. The recorder's
//!   figures are plain means of its samples and it reads no split averages
//!   of the PM, so these replace them.
//! - An interval's type is the workout's where the recorder read the
//!   rest's (the rest has begun when it sees the interval end).
//!
//! Weighting by time: each sample's reading holds until the next sample,
//! except across a gap, which counts for nothing.

use erglink_model::{Machine, Sample, Split, SplitKind, Workout};

// Codes of erglink-csafe, which the store does not depend on.
/// `WorkoutState::WorkoutEnd` and `WorkoutLogged`: the piece was completed.
const COMPLETED_STATES: [u8; 2] = [10, 12];
/// `IntervalType::Rest`.
const INTERVAL_REST: u8 = 2;
/// `DurationType` time (0.01 s) and distance (m).
const DURATION_TIME: u8 = 0x00;
const DURATION_DISTANCE: u8 = 0x80;

/// A counter the PM may reset (per interval): the total keeps growing.
#[derive(Clone, Copy, Debug, Default)]
struct Monotone {
    base: u64,
    last: u64,
}

impl Monotone {
    fn push(&mut self, raw: u64) {
        if raw < self.last {
            self.base += self.last;
        }
        self.last = raw;
    }

    fn total(&self) -> u64 {
        self.base + self.last
    }
}

/// A fixed piece: its distance (0.1 m) or its time (0.01 s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Piece {
    Distance(u32),
    Time(u32),
}

fn piece(workout: &Workout) -> Option<Piece> {
    let target = workout.params.target?;
    // Workout types 2–3 fixed distance, 4–5 fixed time; intervals keep one
    // interval's goal in `target`, so only these types say it is the piece's.
    match (workout.workout_type?, target.duration_type) {
        (2 | 3, DURATION_DISTANCE) => Some(Piece::Distance(target.value.saturating_mul(10))),
        (4 | 5, DURATION_TIME) => Some(Piece::Time(target.value)),
        _ => None,
    }
}

/// The interval type of a workout's work intervals, where the type says it.
fn interval_type_of(workout: &Workout, index: u32) -> Option<u8> {
    match workout.workout_type {
        // FixedTimeInterval, FixedDistanceInterval, FixedCalorieInterval.
        Some(6) => Some(0),
        Some(7) => Some(1),
        Some(12) => Some(6),
        _ => workout
            .params
            .intervals
            .get(index as usize)
            .map(|p| p.interval_type),
    }
}

/// A row and what the samples said about it.
#[derive(Clone, Copy, Debug)]
struct Row {
    split: Split,
    energy_at_start: Option<u64>,
    energy_at_end: Option<u64>,
    hr_bpm_ns: u128,
    hr_ns: u64,
    power_w_ns: u128,
    power_ns: u64,
}

/// A moment whose cumulative calories a row needs: (time, kind, row, end).
type Probe = (u64, usize, usize, bool);

/// Makes a session's splits and intervals final: give it the rows, then
/// every sample in order, then [`Finaliser::finish`].
#[derive(Debug)]
pub(crate) struct Finaliser {
    machine: Machine,
    workout: Workout,
    /// Splits, then intervals, each by start.
    rows: [Vec<Row>; 2],
    cursor: [usize; 2],
    stroke_starts: Vec<u64>,
    gap_starts: Vec<u64>,
    next_gap: usize,
    probes: Vec<Probe>,
    next_probe: usize,
    energy: Monotone,
    energy_read: bool,
    hr_bpm: Option<u8>,
    state: Option<u8>,
    prev: Option<Sample>,
}

impl Finaliser {
    /// For a session on `machine` programmed with `workout`, its rows, its
    /// strokes' start times and its gaps' starts (each in any order).
    pub(crate) fn new(
        machine: Machine,
        workout: &Workout,
        splits: Vec<Split>,
        mut stroke_starts: Vec<u64>,
        mut gap_starts: Vec<u64>,
    ) -> Self {
        let mut rows: [Vec<Row>; 2] = [Vec::new(), Vec::new()];
        for split in splits {
            rows[kind_slot(split.kind)].push(Row {
                split,
                energy_at_start: None,
                energy_at_end: None,
                hr_bpm_ns: 0,
                hr_ns: 0,
                power_w_ns: 0,
                power_ns: 0,
            });
        }
        let mut probes = Vec::new();
        for (k, rows) in rows.iter_mut().enumerate() {
            rows.sort_by_key(|r| (r.split.start_ns, r.split.index));
            for (i, r) in rows.iter().enumerate() {
                probes.push((r.split.start_ns, k, i, false));
                probes.push((r.split.end_ns, k, i, true));
            }
        }
        probes.sort_unstable();
        stroke_starts.sort_unstable();
        gap_starts.sort_unstable();
        Self {
            machine,
            workout: workout.clone(),
            rows,
            cursor: [0, 0],
            stroke_starts,
            gap_starts,
            next_gap: 0,
            probes,
            next_probe: 0,
            energy: Monotone::default(),
            energy_read: false,
            hr_bpm: None,
            state: None,
            prev: None,
        }
    }

    /// The next sample, in time order.
    pub(crate) fn sample(&mut self, s: &Sample) {
        // A moment before this sample has the readings up to the one before.
        self.probe_until(Some(s.elapsed_ns));
        if let Some(p) = self.prev {
            self.weigh(&p, s.elapsed_ns.max(p.elapsed_ns));
        }
        if let Some(kcal) = s.energy_kcal {
            self.energy.push(u64::from(kcal));
            self.energy_read = true;
        }
        if let Some(hr) = s.hr_bpm {
            // 0 is "no belt": no reading until the next.
            self.hr_bpm = (hr > 0).then_some(hr);
        }
        if s.workout_state.is_some() {
            self.state = s.workout_state;
        }
        self.prev = Some(*s);
    }

    fn probe_until(&mut self, before: Option<u64>) {
        while let Some(&(t, k, i, end)) = self.probes.get(self.next_probe) {
            if before.is_some_and(|b| t >= b) {
                break;
            }
            let row = &mut self.rows[k][i];
            let total = Some(self.energy.total());
            if end {
                row.energy_at_end = total;
            } else {
                row.energy_at_start = total;
            }
            self.next_probe += 1;
        }
    }

    /// Credits the stretch from sample `p` to `now` to the rows `p` lies in.
    fn weigh(&mut self, p: &Sample, now: u64) {
        let mut in_gap = false;
        while let Some(&g) = self.gap_starts.get(self.next_gap) {
            if g >= now {
                break;
            }
            in_gap |= g >= p.elapsed_ns;
            self.next_gap += 1;
        }
        if in_gap {
            return;
        }
        let dt = now - p.elapsed_ns;
        for k in 0..2 {
            let rows = &mut self.rows[k];
            let c = &mut self.cursor[k];
            while rows.get(*c).is_some_and(|r| r.split.end_ns <= p.elapsed_ns) {
                *c += 1;
            }
            if let Some(r) = rows.get_mut(*c)
                && r.split.start_ns <= p.elapsed_ns
            {
                if let Some(hr) = self.hr_bpm {
                    r.hr_bpm_ns += u128::from(hr) * u128::from(dt);
                    r.hr_ns += dt;
                }
                r.power_w_ns += u128::from(p.power_w) * u128::from(dt);
                r.power_ns += dt;
            }
        }
    }

    /// The rows, final; as given when there were no samples.
    pub(crate) fn finish(mut self) -> Vec<Split> {
        self.probe_until(None);
        let Some(last) = self.prev else {
            return self.rows.into_iter().flatten().map(|r| r.split).collect();
        };
        let completed = self.state.is_some_and(|s| COMPLETED_STATES.contains(&s));
        if completed && let Some(piece) = piece(&self.workout) {
            add_up(&mut self.rows[0], piece, &last);
        }
        let mut out = Vec::with_capacity(self.rows[0].len() + self.rows[1].len());
        for r in self.rows.iter().flatten() {
            out.push(self.final_row(r, last.elapsed_ns));
        }
        out
    }

    fn final_row(&self, r: &Row, last_ns: u64) -> Split {
        let mut s = r.split;
        s.start_ns = s.start_ns.min(last_ns);
        s.end_ns = s.end_ns.min(last_ns).max(s.start_ns);
        if s.energy_kcal.is_none()
            && self.energy_read
            && let (Some(a), Some(b)) = (r.energy_at_start, r.energy_at_end)
        {
            s.energy_kcal = Some(b.saturating_sub(a).min(u64::from(u16::MAX)) as u16);
        }
        if !self.stroke_starts.is_empty() {
            let from = self.stroke_starts.partition_point(|&t| t < s.start_ns);
            let to = self.stroke_starts.partition_point(|&t| t < s.end_ns);
            s.average_rate_spm = rate_spm((to - from) as u64, s.time_cs);
        }
        s.average_hr_bpm = weighted(r.hr_bpm_ns, r.hr_ns).map(|v| v.min(255) as u8);
        s.average_power_w = match self.machine {
            Machine::BikeErg => weighted(r.power_w_ns, r.power_ns),
            Machine::RowErg | Machine::SkiErg => watts_for_pace(s.time_cs, s.distance_dm),
        }
        .map(|w| w.min(u64::from(u16::MAX)) as u16);
        if s.kind == SplitKind::Interval && s.interval_type.is_none_or(|t| t == INTERVAL_REST) {
            s.interval_type = interval_type_of(&self.workout, s.index);
        }
        s
    }
}

fn kind_slot(kind: SplitKind) -> usize {
    match kind {
        SplitKind::Split => 0,
        SplitKind::Interval => 1,
    }
}

/// Strokes × 60 ÷ time, rounded; `None` without a time.
pub(crate) fn rate_spm(strokes: u64, time_cs: u32) -> Option<u8> {
    (time_cs > 0).then(|| {
        let spm = (strokes * 6000) as f64 / f64::from(time_cs);
        spm.round().min(255.0) as u8
    })
}

/// Σ value·dt ÷ Σ dt, rounded.
fn weighted(value_ns: u128, ns: u64) -> Option<u64> {
    (ns > 0).then(|| (value_ns as f64 / ns as f64).round() as u64)
}

/// The PM's watts for an average pace: 2.80 / (s/m)³, rounded.
pub(crate) fn watts_for_pace(time_cs: u32, distance_dm: u32) -> Option<u64> {
    (time_cs > 0 && distance_dm > 0).then(|| {
        let v = f64::from(distance_dm) / 10.0 / (f64::from(time_cs) / 100.0);
        (2.80 * v.powi(3)).round() as u64
    })
}

/// Makes the last split what the completed piece leaves for it.
fn add_up(rows: &mut [Row], piece: Piece, last: &Sample) {
    rows.sort_by_key(|r| r.split.index);
    let Some((tail, before)) = rows.split_last_mut() else {
        return;
    };
    let (total_cs, total_dm) = match piece {
        Piece::Distance(dm) => (last.pm_elapsed_cs, dm),
        Piece::Time(cs) => (cs, last.distance_dm),
    };
    let sum = |f: fn(&Split) -> u32| before.iter().map(|r| u64::from(f(&r.split))).sum::<u64>();
    let (Some(time), Some(distance)) = (
        u64::from(total_cs).checked_sub(sum(|s| s.time_cs)),
        u64::from(total_dm).checked_sub(sum(|s| s.distance_dm)),
    ) else {
        return;
    };
    // The PM truncates each split's figures: up to a tenth of a second and
    // a metre a split. More than that is a split the recorder never saw.
    let slack = 10 * (before.len() as u64 + 1);
    let near = |got: u64, pm: u32| got > 0 && got.abs_diff(u64::from(pm)) <= slack;
    let s = &mut tail.split;
    if near(time, s.time_cs) && near(distance, s.distance_dm) {
        s.time_cs = time as u32;
        s.distance_dm = distance as u32;
    } else {
        tracing::debug!(
            "splits do not add up to the piece ({time} cs, {distance} dm left for a last split of {} cs, {} dm): kept as the PM gave them",
            s.time_cs,
            s.distance_dm
        );
    }
}

#[cfg(test)]
mod tests;
