//! The push-style normaliser: strokes, splits and gaps first (a few
//! thousand rows), then the samples one at a time, so that a two-hour
//! session (360 000 samples) streams from the store without being held.

use erglink_model::{Gap, Machine, Sample, Session, SessionState, Split, SplitKind, Stroke};

use crate::naming::{device, workout_name};
use crate::normalized::{HeartRate, Lap, LapTrigger, Meta, Normalized, Point, Summary};
use crate::{ActivityType, Error, Options, Resolution, TimeBase, Timestamp};

/// What the PM is doing, from its workout state (`erglink_csafe::WorkoutState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Work,
    Rest,
    /// Waiting to begin, ended, logged: not part of the workout's time.
    Idle,
}

fn phase(state: Option<u8>) -> Phase {
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

/// A counter the PM may reset (per interval): the total keeps growing.
#[derive(Clone, Copy, Debug, Default)]
struct Monotone {
    base: u64,
    last: u64,
}

impl Monotone {
    fn push(&mut self, raw: u64) -> u64 {
        if raw < self.last {
            self.base += self.last;
        }
        self.last = raw;
        self.base + raw
    }

    fn total(&self) -> u64 {
        self.base + self.last
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    active_ns: u64,
    rest_ns: u64,
    work_j: f64,
    power_active_ws: f64,
    rate_active_s: f64,
    hr_sum: u64,
    hr_n: u64,
    hr_min: u8,
    hr_max: u8,
    max_power: u16,
    max_rate: u8,
    min_pace: Option<u32>,
    energy: Option<u32>,
}

/// Turns one session into a [`Normalized`]: give it the strokes, splits
/// and gaps (each in order), then every sample in order, then call
/// [`Normalizer::finish`].
#[derive(Debug)]
pub struct Normalizer {
    meta: Meta,
    resolution: Resolution,
    ended: bool,
    split_duration_type: Option<u8>,
    stroke_starts: Vec<u64>,
    stroke_ends: Vec<u64>,
    stroke_index: Vec<u32>,
    splits: Vec<Split>,
    gap_starts: Vec<u64>,
    started: bool,
    // Streaming state.
    prev: Option<(Sample, Point)>,
    prev_emitted: bool,
    next_stroke: usize,
    next_gap: usize,
    second: Option<u64>,
    state: Option<u8>,
    distance: Monotone,
    energy: Monotone,
    hr_pending: Option<u8>,
    energy_pending: Option<u32>,
    timer_ns: u64,
    totals: Totals,
    samples: u64,
    points: Vec<Point>,
}

impl Normalizer {
    /// Starts on `session` with `options`.
    pub fn new(session: &Session, options: &Options) -> Self {
        let activity_type = match session.machine {
            Machine::RowErg => ActivityType::ROWING_MACHINE,
            Machine::BikeErg => ActivityType::STATIONARY_BIKING,
            Machine::SkiErg => options.skierg_type,
        };
        let offset = match options.time_base {
            TimeBase::Local => session.utc_offset_s,
            TimeBase::Utc => 0,
        };
        let start = Timestamp::new(session.started_at, offset);
        let end = session.ended_at.map(|e| Timestamp::new(e, offset));
        let meta = Meta {
            session_id: session.id.clone(),
            summary_id: format!("erglink-{}", session.id),
            name: workout_name(&session.workout, session.machine),
            activity_type,
            machine: session.machine,
            source: session.source,
            state: session.state,
            start,
            end: end.unwrap_or(start),
            time_base: options.time_base,
            device: device(session),
            tags: session.tags.clone(),
        };
        Self {
            meta,
            resolution: options.resolution,
            ended: end.is_some() && session.state != SessionState::Recording,
            split_duration_type: session.workout.params.split.map(|d| d.duration_type),
            stroke_starts: Vec::new(),
            stroke_ends: Vec::new(),
            stroke_index: Vec::new(),
            splits: Vec::new(),
            gap_starts: Vec::new(),
            started: false,
            prev: None,
            prev_emitted: false,
            next_stroke: 0,
            next_gap: 0,
            second: None,
            state: None,
            distance: Monotone::default(),
            energy: Monotone::default(),
            hr_pending: None,
            energy_pending: None,
            timer_ns: 0,
            totals: Totals::default(),
            samples: 0,
            points: Vec::new(),
        }
    }

    fn before_samples(&self, what: &'static str) -> Result<(), Error> {
        if self.started {
            Err(Error::LateOrUnordered(what))
        } else {
            Ok(())
        }
    }

    /// Adds the next stroke (in index order, before any sample).
    pub fn stroke(&mut self, s: &Stroke) -> Result<(), Error> {
        self.before_samples("strokes")?;
        if self
            .stroke_starts
            .last()
            .is_some_and(|&last| s.start_ns < last)
        {
            return Err(Error::LateOrUnordered("strokes"));
        }
        self.stroke_starts.push(s.start_ns);
        self.stroke_ends.push(s.end_ns.max(s.start_ns));
        self.stroke_index.push(s.index);
        Ok(())
    }

    /// Adds a split or interval (before any sample).
    pub fn split(&mut self, s: &Split) -> Result<(), Error> {
        self.before_samples("splits")?;
        self.splits.push(*s);
        Ok(())
    }

    /// Adds a gap (in time order, before any sample).
    pub fn gap(&mut self, g: &Gap) -> Result<(), Error> {
        self.before_samples("gaps")?;
        if self.gap_starts.last().is_some_and(|&last| g.from_ns < last) {
            return Err(Error::LateOrUnordered("gaps"));
        }
        self.gap_starts.push(g.from_ns);
        Ok(())
    }

    fn emit(&mut self, mut p: Point) {
        // The pending readings belong to the first point that carries them.
        self.hr_pending = None;
        self.energy_pending = None;
        if self.resolution != Resolution::Stroke {
            p.stroke = None;
        }
        self.points.push(p);
    }

    /// Emits the held sample for every stroke that ended before `until`.
    fn strokes_ending_before(&mut self, until: Option<u64>) {
        while self.next_stroke < self.stroke_ends.len() {
            let k = self.next_stroke;
            if until.is_some_and(|t| self.stroke_ends[k] >= t) {
                break;
            }
            if let Some((s, p)) = self.prev
                && !self.prev_emitted
                && s.elapsed_ns >= self.stroke_starts[k]
            {
                self.prev_emitted = true;
                self.emit(Point {
                    stroke: Some(self.stroke_index[k]),
                    ..p
                });
            }
            self.next_stroke += 1;
            if until.is_none() {
                // After the last sample, only the first stroke still open can use it.
                break;
            }
        }
    }

    /// Adds the next sample (in time order, after the strokes, splits and gaps).
    pub fn sample(&mut self, s: &Sample) -> Result<(), Error> {
        if !self.started {
            self.started = true;
            if self.resolution == Resolution::Stroke && self.stroke_starts.is_empty() {
                self.resolution = Resolution::Second;
            }
        }
        if let Some((p, _)) = &self.prev
            && s.elapsed_ns < p.elapsed_ns
        {
            return Err(Error::SampleOutOfOrder {
                previous_ns: p.elapsed_ns,
                got_ns: s.elapsed_ns,
            });
        }
        if self.resolution == Resolution::Stroke {
            self.strokes_ending_before(Some(s.elapsed_ns));
        }
        self.account_time_since_prev(s.elapsed_ns);
        self.absorb(s);
        let point = Point {
            elapsed_ns: s.elapsed_ns,
            timer_ns: self.timer_ns,
            distance_dm: self.distance.total(),
            pace_cs_per_500m: s.pace_cs_per_500m,
            power_w: s.power_w,
            rate_spm: s.rate_spm,
            hr_bpm: self.hr_pending,
            energy_kcal: self.energy_pending,
            stroke: None,
        };
        let emit_now = match self.resolution {
            Resolution::Full => true,
            Resolution::Second => {
                let second = s.elapsed_ns / 1_000_000_000;
                let new = self.second != Some(second);
                self.second = Some(second);
                new
            }
            Resolution::Stroke => false,
        };
        if emit_now {
            self.emit(point);
        }
        self.prev = Some((*s, point));
        self.prev_emitted = emit_now;
        Ok(())
    }

    /// Adds the time from the previous sample to `now` to work or rest,
    /// unless a gap began in between.
    fn account_time_since_prev(&mut self, now: u64) {
        let Some((p, _)) = self.prev else { return };
        let mut in_gap = false;
        while self.next_gap < self.gap_starts.len() && self.gap_starts[self.next_gap] < now {
            in_gap |= self.gap_starts[self.next_gap] >= p.elapsed_ns;
            self.next_gap += 1;
        }
        if in_gap {
            return;
        }
        let dt_ns = now - p.elapsed_ns;
        let dt = dt_ns as f64 / 1e9;
        let t = &mut self.totals;
        match phase(self.state) {
            Phase::Work => {
                t.active_ns += dt_ns;
                t.power_active_ws += f64::from(p.power_w) * dt;
                t.rate_active_s += f64::from(p.rate_spm) * dt;
            }
            Phase::Rest => t.rest_ns += dt_ns,
            Phase::Idle => return,
        }
        t.work_j += f64::from(p.power_w) * dt;
        self.timer_ns += dt_ns;
    }

    fn absorb(&mut self, s: &Sample) {
        self.samples += 1;
        if s.workout_state.is_some() {
            self.state = s.workout_state;
        }
        self.distance.push(u64::from(s.distance_dm));
        let t = &mut self.totals;
        if let Some(kcal) = s.energy_kcal {
            let total = self.energy.push(u64::from(kcal)) as u32;
            t.energy = Some(total);
            self.energy_pending = Some(total);
        }
        if let Some(hr) = s.hr_bpm.filter(|&hr| hr > 0) {
            t.hr_min = if t.hr_n == 0 { hr } else { t.hr_min.min(hr) };
            t.hr_max = t.hr_max.max(hr);
            t.hr_sum += u64::from(hr);
            t.hr_n += 1;
            self.hr_pending = Some(hr);
        }
        t.max_power = t.max_power.max(s.power_w);
        t.max_rate = t.max_rate.max(s.rate_spm);
        if s.pace_cs_per_500m > 0 {
            t.min_pace = Some(
                t.min_pace
                    .map_or(s.pace_cs_per_500m, |m| m.min(s.pace_cs_per_500m)),
            );
        }
    }

    /// The result.
    pub fn finish(mut self) -> Normalized {
        if self.resolution == Resolution::Stroke {
            self.strokes_ending_before(None);
        }
        let last_ns = self.prev.map(|(s, _)| s.elapsed_ns);
        if !self.ended {
            self.meta.end = self.meta.at(last_ns.unwrap_or(0));
        }
        let t = self.totals;
        let active_s = t.active_ns as f64 / 1e9;
        let summary = Summary {
            samples: self.samples,
            strokes: self.stroke_starts.len() as u64,
            distance_dm: self.distance.total(),
            active_ns: t.active_ns,
            rest_ns: t.rest_ns,
            energy_kcal: t.energy,
            heart_rate: (t.hr_n > 0).then(|| HeartRate {
                avg_bpm: t.hr_sum as f64 / t.hr_n as f64,
                min_bpm: t.hr_min,
                max_bpm: t.hr_max,
            }),
            avg_power_w: (active_s > 0.0).then(|| t.power_active_ws / active_s),
            max_power_w: t.max_power,
            avg_rate_spm: (active_s > 0.0).then(|| t.rate_active_s / active_s),
            max_rate_spm: t.max_rate,
            min_pace_cs_per_500m: t.min_pace,
            work_j: t.work_j,
        };
        let laps = laps(&self.splits, &self.stroke_starts, self.split_duration_type);
        Normalized {
            meta: self.meta,
            summary,
            points: self.points,
            laps,
        }
    }
}

/// Intervals when the session has any, else splits, in order, with their
/// stroke counts.
fn laps(splits: &[Split], stroke_starts: &[u64], split_duration_type: Option<u8>) -> Vec<Lap> {
    let kind = if splits.iter().any(|s| s.kind == SplitKind::Interval) {
        SplitKind::Interval
    } else {
        SplitKind::Split
    };
    // Duration-type codes (`erglink_csafe::DurationType`): 0x00 time, 0x80 distance.
    let split_trigger = match split_duration_type {
        Some(0x00) => LapTrigger::Time,
        Some(0x80) => LapTrigger::Distance,
        _ => LapTrigger::FitnessEquipment,
    };
    let mut rows: Vec<&Split> = splits.iter().filter(|s| s.kind == kind).collect();
    rows.sort_by_key(|s| s.index);
    rows.into_iter()
        .map(|s| {
            let from = stroke_starts.partition_point(|&t| t < s.start_ns);
            let to = stroke_starts.partition_point(|&t| t < s.end_ns);
            let trigger = match (kind, s.interval_type) {
                // Interval types (`erglink_csafe::IntervalType`): time, distance, and their undefined-rest forms.
                (SplitKind::Interval, Some(0 | 3)) => LapTrigger::Time,
                (SplitKind::Interval, Some(1 | 4)) => LapTrigger::Distance,
                (SplitKind::Interval, _) => LapTrigger::FitnessEquipment,
                _ => split_trigger,
            };
            Lap {
                split: Split {
                    average_hr_bpm: s.average_hr_bpm.filter(|&hr| hr > 0),
                    ..*s
                },
                strokes: (to - from) as u32,
                trigger,
            }
        })
        .collect()
}
