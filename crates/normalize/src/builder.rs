//! The push-style normaliser: strokes, splits and gaps first (a few
//! thousand rows), then the samples one at a time, so that a two-hour
//! session (360 000 samples) streams from the store without being held.

use erglink_model::{Gap, Machine, Sample, Session, SessionState, Split, Stroke, Workout};

use crate::figures::{Phase, Sums, phase, rate_spm};
use crate::laps::{Context, LapPlan};
use crate::naming::{device, workout_name};
use crate::normalized::{HeartRate, Meta, Normalized, Point, Summary};
use crate::spans::Spans;
use crate::{ActivityType, Error, Options, Resolution, TimeBase, Timestamp};

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

/// Turns one session into a [`Normalized`]: give it the strokes, splits
/// and gaps (each in order), then every sample in order, then call
/// [`Normalizer::finish`].
#[derive(Debug)]
pub struct Normalizer {
    meta: Meta,
    resolution: Resolution,
    ended: bool,
    workout: Workout,
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
    /// The heart rate now: the latest reading, unless it said "no belt".
    hr_now: Option<u8>,
    /// Calories since the start, once any were read.
    energy_total: Option<u32>,
    timer_ns: u64,
    sums: Sums,
    plan: LapPlan,
    spans: Spans,
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
            workout: session.workout.clone(),
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
            hr_now: None,
            energy_total: None,
            timer_ns: 0,
            sums: Sums::default(),
            plan: LapPlan::default(),
            spans: Spans::default(),
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
            self.plan = LapPlan::new(&self.splits);
            self.spans = Spans::new(self.plan.bounds());
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
        // Moments before this sample see the totals up to the one before.
        self.spans.probe_until(
            Some(s.elapsed_ns),
            Some(u64::from(self.energy_total.unwrap_or(0))),
        );
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
        let phase = phase(self.state);
        self.sums.credit(&p, dt_ns, phase, self.hr_now);
        self.spans.credit(&p, dt_ns, phase, self.hr_now);
        if phase != Phase::Idle {
            self.timer_ns += dt_ns;
        }
    }

    fn absorb(&mut self, s: &Sample) {
        self.samples += 1;
        if s.workout_state.is_some() {
            self.state = s.workout_state;
        }
        self.distance.push(u64::from(s.distance_dm));
        if let Some(kcal) = s.energy_kcal {
            let total = self.energy.push(u64::from(kcal)) as u32;
            self.energy_total = Some(total);
            self.energy_pending = Some(total);
        }
        if let Some(hr) = s.hr_bpm {
            self.hr_now = (hr > 0).then_some(hr);
            if hr > 0 {
                self.hr_pending = Some(hr);
            }
        }
        self.sums.absorb(s);
        self.spans.absorb(s);
    }

    /// The result.
    pub fn finish(mut self) -> Normalized {
        if self.resolution == Resolution::Stroke {
            self.strokes_ending_before(None);
        }
        if !self.started {
            self.plan = LapPlan::new(&self.splits);
            self.spans = Spans::new(self.plan.bounds());
        }
        let last_ns = self.prev.map(|(s, _)| s.elapsed_ns);
        if !self.ended {
            self.meta.end = self.meta.at(last_ns.unwrap_or(0));
        }
        let t = self.sums;
        let distance_dm = self.distance.total();
        let strokes = self.stroke_starts.len() as u64;
        let summary = Summary {
            samples: self.samples,
            strokes,
            distance_dm,
            active_ns: t.active_ns,
            rest_ns: t.rest_ns,
            energy_kcal: self.energy_total,
            heart_rate: t.avg_hr_bpm().and_then(|avg_bpm| {
                Some(HeartRate {
                    avg_bpm,
                    min_bpm: t.hr_min?,
                    max_bpm: t.hr_max?,
                })
            }),
            avg_power_w: t.avg_power_w(self.meta.machine, t.active_ns, distance_dm),
            max_power_w: t.max_power.unwrap_or(0),
            avg_rate_spm: (strokes > 0)
                .then(|| rate_spm(strokes, t.active_ns))
                .flatten(),
            max_rate_spm: t.max_rate,
            min_pace_cs_per_500m: t.min_pace,
            work_j: t.work_j,
        };
        // Laps end within the session: at its last sample, or its end if earlier.
        let end_ns = u64::try_from(self.meta.end.utc().0 - self.meta.start.utc().0)
            .unwrap_or(0)
            .min(last_ns.unwrap_or(0));
        let spans = self
            .spans
            .finish(Some(u64::from(self.energy_total.unwrap_or(0))));
        let cx = Context {
            machine: self.meta.machine,
            workout: &self.workout,
            stroke_starts: &self.stroke_starts,
            end_ns,
            has_energy: self.energy_total.is_some(),
            energy_kcal: self.energy_total,
            distance_dm,
        };
        let (laps, tail) = self.plan.finish(spans, &cx);
        Normalized {
            meta: self.meta,
            summary,
            points: self.points,
            laps,
            tail,
        }
    }
}
