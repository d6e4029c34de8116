//! One session being recorded: samples, strokes, curves, splits, intervals
//! and gaps, gathered into batches for the store's writer.

use erglink_csafe::WorkoutState;
use erglink_csafe::command::StrokeStats;
use erglink_model::{
    ForceCurve, Gap, GapKind, LiveData, Sample, SessionId, Split, SplitKind, UtcNanos,
};
use erglink_store::Batch;

use crate::reading::Reading;
use crate::stroke_log::StrokeLog;
use crate::stroke_stats::Placement;

/// How often a batch goes to the writer, on the transport's clock: the
/// writer commits at least every 250 ms (`record`: every 100 ms), so data is
/// never older than about a third of a second when a crash comes, nor when
/// `erglink serve` in another process reads it for streaming.
const FLUSH_EVERY_NS: u64 = 100_000_000;

#[derive(Clone, Copy, Debug, Default)]
struct Averages {
    n: u64,
    power: u64,
    rate: u64,
    hr_n: u64,
    hr: u64,
}

impl Averages {
    fn add(&mut self, s: &Sample) {
        self.n += 1;
        self.power += u64::from(s.power_w);
        self.rate += u64::from(s.rate_spm);
        if let Some(hr) = s.hr_bpm.filter(|&h| h > 0) {
            self.hr_n += 1;
            self.hr += u64::from(hr);
        }
    }
    fn power(&self) -> Option<u16> {
        (self.n > 0).then(|| (self.power / self.n) as u16)
    }
    fn rate(&self) -> Option<u8> {
        (self.n > 0).then(|| (self.rate / self.n) as u8)
    }
    fn hr(&self) -> Option<u8> {
        (self.hr_n > 0).then(|| (self.hr / self.hr_n) as u8)
    }
}

/// An interval whose work part ended; its rest is still running.
#[derive(Clone, Copy, Debug)]
struct Resting {
    row: Split,
    rest_start_ns: u64,
}

/// The session being recorded.
#[derive(Debug)]
pub struct Recording {
    /// Its id in the store.
    pub id: SessionId,
    /// Transport clock at its start.
    pub start_ns: u64,
    /// Wall-clock UTC at its start.
    pub started_at: UtcNanos,
    batch: Batch,
    last_flush_ns: u64,
    strokes_log: StrokeLog,
    /// Transport time of the last catch (for the idle timeout).
    pub last_catch_ns: u64,
    last: Sample,
    /// Samples stored.
    pub samples: u64,
    /// Strokes stored.
    pub strokes: u64,
    /// Force curves stored, and how many of them whole.
    pub curves: (u64, u64),
    /// Drains that lost a block.
    pub drains_lost: u64,
    split_index: u32,
    split_start_ns: u64,
    last_split: Option<(u32, u32)>,
    /// The splits' own figures added up (0.01 s, 0.1 m): where, on the PM's
    /// clock and distance, the last split ended.
    splits_sum: (u64, u64),
    /// The monitor went away since the last split ended.
    split_gap: bool,
    split_avg: Averages,
    interval_index: u32,
    interval_start_ns: u64,
    interval_avg: Averages,
    resting: Option<Resting>,
    work_state: Option<u8>,
    gap_open: Option<u64>,
    /// How much of the batch was published live: samples, strokes, curves, splits.
    published: [usize; 4],
}

impl Recording {
    /// A session that started at transport time `start_ns`; `awaits_stats`
    /// when the PM is asked for stroke statistics.
    pub fn new(id: SessionId, start_ns: u64, started_at: UtcNanos, awaits_stats: bool) -> Self {
        Self {
            id,
            start_ns,
            started_at,
            batch: Batch::default(),
            last_flush_ns: start_ns,
            strokes_log: StrokeLog::new(awaits_stats),
            last_catch_ns: start_ns,
            last: Sample::default(),
            samples: 0,
            strokes: 0,
            curves: (0, 0),
            drains_lost: 0,
            split_index: 0,
            split_start_ns: 0,
            last_split: None,
            splits_sum: (0, 0),
            split_gap: false,
            split_avg: Averages::default(),
            interval_index: 0,
            interval_start_ns: 0,
            interval_avg: Averages::default(),
            resting: None,
            work_state: None,
            gap_open: None,
            published: [0; 4],
        }
    }

    fn rel(&self, t_ns: u64) -> u64 {
        t_ns.saturating_sub(self.start_ns)
    }

    /// Whether the workout is in an interval's rest, by the last workout state read.
    pub fn resting(&self) -> bool {
        self.work_state == Some(WorkoutState::IntervalRest.to_u8())
    }

    /// Stores one poll. Slow fields are kept only where this poll read them.
    pub fn sample(&mut self, t_ns: u64, r: &Reading) {
        let s = Sample {
            elapsed_ns: self.rel(t_ns),
            pm_elapsed_cs: r.work_time_cs.unwrap_or(self.last.pm_elapsed_cs),
            distance_dm: r.distance_dm.unwrap_or(self.last.distance_dm),
            pace_cs_per_500m: r.pace(),
            power_w: r.power_w.unwrap_or(0),
            rate_spm: r.rate_spm.unwrap_or(0),
            hr_bpm: r.hr_bpm,
            energy_kcal: r.energy_kcal,
            stroke_state: r.stroke_state.unwrap_or(self.last.stroke_state),
            drag_factor: r.drag_factor,
            workout_state: r.workout_state,
            interval_type: r.interval_type,
            interval_count: r.interval_count,
        };
        self.split_avg.add(&s);
        if self.resting.is_none() {
            self.interval_avg.add(&s);
        }
        self.batch.samples.push(s);
        self.samples += 1;
        self.last = s;
        if let Some(from) = self.gap_open.take() {
            self.batch.gaps.push(Gap {
                kind: GapKind::Unplugged,
                from_ns: from,
                to_ns: Some(s.elapsed_ns),
            });
        }
    }

    /// A catch: closes the previous stroke (its recovery and distance are
    /// measured up to here) and opens the next.
    pub fn drive_start(&mut self, t_ns: u64) {
        let rel = self.rel(t_ns);
        self.strokes +=
            self.strokes_log
                .drive_start(rel, self.last.distance_dm, &mut self.batch.strokes);
        self.last_catch_ns = t_ns;
    }

    /// A finish at `t_ns`: returns the index of the stroke whose drive ended,
    /// whose curve is to be drained.
    pub fn drive_end(&mut self, t_ns: u64) -> Option<u32> {
        let rel = self.rel(t_ns);
        self.strokes_log.drive_end(rel)
    }

    /// The drained force curve(s) of stroke `index`.
    pub fn force_curve(&mut self, index: u32, curves: Vec<(Vec<u16>, bool)>) {
        // A drain that held more than one curve: the last is this stroke's,
        // the earlier ones tails of curves already read.
        let Some((samples, complete)) = curves.into_iter().next_back().filter(|c| !c.0.is_empty())
        else {
            return;
        };
        self.strokes_log.curve(index, &samples);
        self.curves.0 += 1;
        self.curves.1 += u64::from(complete);
        self.batch.force_curves.push(ForceCurve {
            stroke_index: index,
            samples_lbf: samples,
            complete,
        });
    }

    /// A stroke-statistics reading, placed on the stroke it describes.
    pub fn stroke_stats(&mut self, s: &StrokeStats) -> Placement {
        let (placement, stored) = self.strokes_log.stats(s, &mut self.batch.strokes);
        self.strokes += stored;
        placement
    }

    /// Whether a stroke still waits for its statistics.
    pub fn wants_stats(&self) -> bool {
        self.strokes_log.wants_stats()
    }

    /// The PM gives no statistics any more: strokes waiting for them are stored.
    pub fn stats_dropped(&mut self) {
        self.strokes += self
            .strokes_log
            .stop_awaiting_stats(&mut self.batch.strokes);
    }

    /// The PM's last-split figures (0.1 s, m): a change means a split ended.
    pub fn split_figures(&mut self, t_ns: u64, time_ds: u32, distance_m: u32) {
        let now = (time_ds, distance_m);
        let changed = self.last_split.is_some_and(|prev| prev != now);
        if self.last_split.is_none() && (time_ds > 0 || distance_m > 0) {
            // Figures left from before this session are not a split of it.
            self.last_split = Some(now);
            return;
        }
        self.last_split = Some(now);
        if time_ds == 0 && distance_m == 0 || !(changed || self.repeated_split(time_ds, distance_m))
        {
            return;
        }
        let end = self.rel(t_ns);
        self.batch.splits.push(Split {
            kind: SplitKind::Split,
            index: self.split_index,
            start_ns: self.split_start_ns,
            end_ns: end,
            // The figures were checked before they got here; saturating all
            // the same, so that no reading can take the recorder down.
            time_cs: time_ds.saturating_mul(10),
            distance_dm: distance_m.saturating_mul(10),
            energy_kcal: None,
            average_power_w: self.split_avg.power(),
            average_rate_spm: self.split_avg.rate(),
            average_hr_bpm: self.split_avg.hr(),
            interval_type: None,
            rest_time_cs: None,
            rest_distance_dm: None,
        });
        self.split_index += 1;
        self.split_start_ns = end;
        self.split_avg = Averages::default();
        self.splits_sum.0 += u64::from(time_ds) * 10;
        self.splits_sum.1 += u64::from(distance_m) * 10;
        self.split_gap = false;
    }

    /// Whether unchanged figures are a new split all the same: two splits in
    /// a row can have the same figures (a time split is exact, and a steady
    /// athlete rows the same metres in each), so the register does not
    /// change. One has ended once the PM's own clock and distance are a
    /// whole split of those figures past where the splits so far add up to.
    /// Not for the first split (the figures may be a previous workout's),
    /// nor after a gap (a split lost in it would shift the sums), nor where
    /// the PM counts per interval (its counters fall back below the sums).
    fn repeated_split(&self, time_ds: u32, distance_m: u32) -> bool {
        let pm_cs = u64::from(self.last.pm_elapsed_cs);
        let pm_dm = u64::from(self.last.distance_dm);
        self.split_index > 0
            && !self.split_gap
            && pm_cs >= self.splits_sum.0 + u64::from(time_ds) * 10
            && pm_dm >= self.splits_sum.1 + u64::from(distance_m) * 10
    }

    /// Follows the workout state through intervals and rests.
    pub fn workout_state(&mut self, t_ns: u64, state: u8, r: &Reading) {
        let resting = state == WorkoutState::IntervalRest.to_u8();
        let was = self.work_state.replace(state);
        if resting && self.resting.is_none() && was.is_some() {
            let end = self.rel(t_ns);
            let row = self.interval_row(end, r.interval_type.or(self.last.interval_type));
            self.resting = Some(Resting {
                row,
                rest_start_ns: end,
            });
        } else if !resting && let Some(rest) = self.resting.take() {
            let end = self.rel(t_ns);
            self.push_interval(rest.row, Some(end - rest.rest_start_ns));
            self.interval_start_ns = end;
        }
    }

    /// The open interval as a row ending at `end_ns`; its rest is filled in later.
    fn interval_row(&self, end_ns: u64, interval_type: Option<u8>) -> Split {
        Split {
            kind: SplitKind::Interval,
            index: self.interval_index,
            start_ns: self.interval_start_ns,
            end_ns,
            time_cs: self.last.pm_elapsed_cs,
            distance_dm: self.last.distance_dm,
            energy_kcal: None,
            average_power_w: self.interval_avg.power(),
            average_rate_spm: self.interval_avg.rate(),
            average_hr_bpm: self.interval_avg.hr(),
            interval_type,
            rest_time_cs: None,
            rest_distance_dm: None,
        }
    }

    fn push_interval(&mut self, mut row: Split, rest_ns: Option<u64>) {
        row.rest_time_cs = rest_ns.map(|ns| (ns / 10_000_000) as u32);
        self.batch.splits.push(row);
        self.interval_index += 1;
        self.interval_avg = Averages::default();
    }

    /// Keeps raw reports in the session's exchange log.
    pub fn log_exchange(&mut self, reports: [erglink_model::Exchange; 2]) {
        self.batch.exchanges.extend(reports);
    }

    /// The monitor went away at `t_ns`.
    pub fn gap_start(&mut self) {
        self.split_gap = true;
        if self.gap_open.is_none() {
            self.gap_open = Some(self.last.elapsed_ns);
        }
    }

    /// A batch, if one is due.
    pub fn due_batch(&mut self, t_ns: u64) -> Option<Batch> {
        if t_ns.saturating_sub(self.last_flush_ns) < FLUSH_EVERY_NS || self.batch.rows() == 0 {
            return None;
        }
        self.last_flush_ns = t_ns;
        Some(self.take_batch())
    }

    /// The batch so far, emptied.
    pub fn take_batch(&mut self) -> Batch {
        self.published = [0; 4];
        std::mem::take(&mut self.batch)
    }

    /// What the batch gained since the last call, as live events with the
    /// transport time each happened at; a stroke with the live values of
    /// the latest sample (the one that completed it).
    pub fn new_live(&mut self) -> Vec<(u64, LiveData)> {
        let b = &self.batch;
        let [samples, strokes, curves, splits] = self.published;
        let mut out = Vec::new();
        out.extend(
            b.samples[samples..]
                .iter()
                .map(|s| (s.elapsed_ns, LiveData::Sample(*s))),
        );
        let last = self.last;
        out.extend(b.strokes[strokes..].iter().map(|s| {
            (
                last.elapsed_ns,
                LiveData::Stroke {
                    stroke: *s,
                    pace_cs_per_500m: last.pace_cs_per_500m,
                    power_w: last.power_w,
                    rate_spm: last.rate_spm,
                    distance_dm: last.distance_dm,
                },
            )
        }));
        out.extend(
            b.force_curves[curves..]
                .iter()
                .map(|c| (last.elapsed_ns, LiveData::ForceCurve(c.clone()))),
        );
        out.extend(
            b.splits[splits..]
                .iter()
                .map(|s| (s.end_ns, LiveData::Split(*s))),
        );
        self.published = [
            b.samples.len(),
            b.strokes.len(),
            b.force_curves.len(),
            b.splits.len(),
        ];
        out
    }

    /// Closes what is open; the last batch. An interval workout's last
    /// interval has no rest; a gap that never closed stays open.
    #[cfg(test)]
    pub fn finish(&mut self, t_ns: u64, workout_ended: bool) -> Batch {
        self.close(t_ns, workout_ended);
        self.take_batch()
    }

    /// Closes what is open, into the batch ([`Recording::finish`] without
    /// taking it, so that what closing added can be published first).
    pub fn close(&mut self, t_ns: u64, workout_ended: bool) {
        let rel = self.rel(t_ns);
        self.strokes +=
            self.strokes_log
                .finish(rel, self.last.distance_dm, &mut self.batch.strokes);
        if let Some(rest) = self.resting.take() {
            let rest_ns = self.rel(t_ns) - rest.rest_start_ns;
            self.push_interval(rest.row, Some(rest_ns));
        } else if workout_ended && self.interval_index > 0 {
            let row = self.interval_row(self.last.elapsed_ns, self.last.interval_type);
            self.push_interval(row, None);
        }
        if let Some(from) = self.gap_open.take() {
            self.batch.gaps.push(Gap {
                kind: GapKind::Unplugged,
                from_ns: from,
                to_ns: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    fn recording() -> Recording {
        Recording::new(SessionId::from_parts(1, 1), 0, UtcNanos(0), true)
    }

    /// Rows at 3 m/s for `secs` seconds from where `r` is, reading the split
    /// figures once a second as `figures(pm time in cs)` gives them.
    fn row(r: &mut Recording, from_s: u64, secs: u64, figures: impl Fn(u32) -> (u32, u32)) {
        for t in from_s..from_s + secs {
            let cs = (t * 100) as u32;
            let reading = Reading {
                work_time_cs: Some(cs),
                distance_dm: Some((t * 30) as u32),
                ..Reading::default()
            };
            r.sample(t * S, &reading);
            let (time_ds, distance_m) = figures(cs);
            r.split_figures(t * S, time_ds, distance_m);
        }
    }

    fn splits(r: &mut Recording) -> Vec<Split> {
        r.finish(u64::MAX / 2, true).splits
    }

    #[test]
    fn identical_splits_in_a_row_are_each_a_split() {
        // 36 s time splits of exactly 108 m each: the last-split figures read
        // (360, 108) from the first split's end on and never change.
        let mut r = recording();
        let figures = |cs: u32| if cs >= 3600 { (360, 108) } else { (0, 0) };
        row(&mut r, 0, 181, figures);
        let rows = splits(&mut r);
        assert_eq!(rows.len(), 5, "{rows:#?}");
        for (k, s) in rows.iter().enumerate() {
            assert_eq!((s.index, s.time_cs, s.distance_dm), (k as u32, 3600, 1080));
            assert_eq!(s.end_ns, (36 * (k as u64 + 1)) * S, "split {k}");
        }
    }

    #[test]
    fn figures_left_from_before_or_across_a_gap_are_not_splits() {
        // A previous workout's last split, shown while a new one is rowed.
        let mut r = recording();
        row(&mut r, 0, 400, |_| (1050, 300));
        assert!(splits(&mut r).is_empty());
        // Unplugged after the first split: the sums no longer say where the
        // PM is, so unchanged figures stay one split.
        let mut r = recording();
        let figures = |cs: u32| if cs >= 3600 { (360, 108) } else { (0, 0) };
        row(&mut r, 0, 40, figures);
        r.gap_start();
        row(&mut r, 50, 40, figures);
        assert_eq!(splits(&mut r).len(), 1);
    }

    #[test]
    fn changing_figures_are_one_split_each() {
        let mut r = recording();
        let figures = |cs: u32| match cs {
            0..3600 => (0, 0),
            3600..7000 => (360, 108),
            _ => (340, 102),
        };
        row(&mut r, 0, 100, figures);
        let rows = splits(&mut r);
        assert_eq!(rows.len(), 2, "{rows:#?}");
        assert_eq!(rows[1].time_cs, 3400);
    }
}
