//! A session's strokes, from catch to catch, each held until its statistics
//! are placed on it (they may come a stroke late) and then stored.

use std::collections::VecDeque;

use erglink_csafe::command::StrokeStats;
use erglink_model::Stroke;

use crate::stroke_stats::{Candidate, Placement, StatsMatcher};

const NS_PER_CS: u64 = 10_000_000;

/// A stroke from its catch until the next catch.
#[derive(Clone, Debug)]
struct OpenStroke {
    index: u32,
    start_ns: u64,
    start_distance_dm: u32,
    drive_end_ns: Option<u64>,
    stats: Option<StrokeStats>,
    /// Highest and mean point of its force curve, 0.1 lbf.
    curve_peak_dlbf: Option<u16>,
    curve_mean_dlbf: Option<u16>,
}

impl OpenStroke {
    fn candidate(&self) -> Candidate {
        Candidate {
            index: self.index,
            curve_peak_dlbf: self.curve_peak_dlbf,
            drive_time_cs: self.measured_drive_cs(),
        }
    }

    fn measured_drive_cs(&self) -> Option<u16> {
        self.drive_end_ns
            .map(|e| (e.saturating_sub(self.start_ns) / NS_PER_CS).min(255) as u16)
    }
}

/// A stroke whose next catch came, waiting for its statistics.
#[derive(Clone, Debug)]
struct ClosedStroke {
    stroke: OpenStroke,
    end_ns: u64,
    end_distance_dm: u32,
}

impl ClosedStroke {
    /// The stored row. Without the PM's statistics (a PM3 or PM4 refuses
    /// them) the drive time is the one the polls measured and the forces
    /// are those of the stroke's own curve.
    fn row(&self) -> Stroke {
        let s = &self.stroke;
        let drive_end = s.drive_end_ns.unwrap_or(self.end_ns);
        let stats = s.stats.clone();
        let measured_drive = s.measured_drive_cs().unwrap_or(0);
        Stroke {
            index: s.index,
            start_ns: s.start_ns,
            end_ns: self.end_ns,
            drive_time_cs: stats
                .as_ref()
                .map_or(measured_drive, |st| u16::from(st.drive_time)),
            recovery_time_cs: (self.end_ns.saturating_sub(drive_end) / NS_PER_CS)
                .min(u64::from(u16::MAX)) as u16,
            drive_length_cm: stats.as_ref().map_or(0, |st| u16::from(st.stroke_length)),
            peak_force_dlbf: stats
                .as_ref()
                .map_or(s.curve_peak_dlbf.unwrap_or(0), |st| st.peak_drive_force),
            average_force_dlbf: stats
                .as_ref()
                .map_or(s.curve_mean_dlbf.unwrap_or(0), |st| st.average_drive_force),
            distance_cm: (self.end_distance_dm.saturating_sub(s.start_distance_dm) * 10)
                .min(u32::from(u16::MAX)) as u16,
            work_dj: stats.as_ref().map_or(0, |st| st.work_per_stroke),
        }
    }
}

/// The strokes of one session.
#[derive(Clone, Debug, Default)]
pub struct StrokeLog {
    next_index: u32,
    open: Option<OpenStroke>,
    closed: VecDeque<ClosedStroke>,
    awaits_stats: bool,
    matcher: StatsMatcher,
}

impl StrokeLog {
    /// A log; `awaits_stats` when the PM is asked for stroke statistics.
    pub fn new(awaits_stats: bool) -> Self {
        Self {
            awaits_stats,
            ..Self::default()
        }
    }

    /// The PM will give no more statistics (they were dropped): strokes held
    /// for them are stored as they are.
    pub fn stop_awaiting_stats(&mut self, out: &mut Vec<Stroke>) -> u64 {
        self.awaits_stats = false;
        self.emit(out)
    }

    /// A catch at `t_ns` (session time) with `distance_dm` on the monitor:
    /// closes the previous stroke and opens the next. Returns strokes stored.
    pub fn drive_start(&mut self, t_ns: u64, distance_dm: u32, out: &mut Vec<Stroke>) -> u64 {
        if let Some(stroke) = self.open.take() {
            self.closed.push_back(ClosedStroke {
                stroke,
                end_ns: t_ns,
                end_distance_dm: distance_dm,
            });
        }
        self.open = Some(OpenStroke {
            index: self.next_index,
            start_ns: t_ns,
            start_distance_dm: distance_dm,
            drive_end_ns: None,
            stats: None,
            curve_peak_dlbf: None,
            curve_mean_dlbf: None,
        });
        self.next_index += 1;
        // A stroke gets its statistics by the end of the next drive at the
        // latest: one older than the one just closed will get none.
        let mut stored = 0;
        while self.closed.len() > 1 {
            let c = self.closed.pop_front().expect("more than one");
            out.push(c.row());
            stored += 1;
        }
        stored + self.emit(out)
    }

    /// The finish of the open stroke at `t_ns`. Returns its index.
    pub fn drive_end(&mut self, t_ns: u64) -> Option<u32> {
        let open = self.open.as_mut()?;
        open.drive_end_ns = Some(t_ns);
        Some(open.index)
    }

    /// The drained force curve of stroke `index`, open or waiting.
    pub fn curve(&mut self, index: u32, curve: &[u16]) {
        let Some(st) = self
            .closed
            .iter_mut()
            .map(|c| &mut c.stroke)
            .chain(self.open.iter_mut())
            .find(|st| st.index == index)
        else {
            return;
        };
        if curve.is_empty() {
            return;
        }
        let peak = curve.iter().copied().max().unwrap_or(0);
        let mean = curve.iter().map(|&v| u64::from(v)).sum::<u64>() / curve.len() as u64;
        st.curve_peak_dlbf = Some(peak.saturating_mul(10));
        st.curve_mean_dlbf = Some((mean * 10).min(u64::from(u16::MAX)) as u16);
    }

    /// Whether statistics are still wanted: a stroke whose drive has ended
    /// has none yet.
    pub fn wants_stats(&self) -> bool {
        self.awaits_stats && self.candidates().next().is_some()
    }

    fn candidates(&self) -> impl Iterator<Item = &OpenStroke> {
        self.closed
            .iter()
            .map(|c| &c.stroke)
            .chain(self.open.iter().filter(|o| o.drive_end_ns.is_some()))
            .filter(|s| s.stats.is_none())
    }

    /// One statistics reading: placed on the stroke it describes, if any.
    /// Returns where it went and the strokes stored.
    pub fn stats(&mut self, s: &StrokeStats, out: &mut Vec<Stroke>) -> (Placement, u64) {
        let candidates: Vec<Candidate> = self.candidates().map(OpenStroke::candidate).collect();
        let placement = self.matcher.place(s, &candidates);
        if let Placement::Stroke(index) = placement {
            let target = self
                .closed
                .iter_mut()
                .map(|c| &mut c.stroke)
                .chain(self.open.iter_mut())
                .find(|st| st.index == index);
            if let Some(t) = target {
                t.stats = Some(s.clone());
            }
        }
        (placement, self.emit(out))
    }

    /// Stores the closed strokes that wait for nothing more, in order.
    fn emit(&mut self, out: &mut Vec<Stroke>) -> u64 {
        let mut stored = 0;
        while self
            .closed
            .front()
            .is_some_and(|c| !self.awaits_stats || c.stroke.stats.is_some())
        {
            out.push(self.closed.pop_front().expect("front").row());
            stored += 1;
        }
        stored
    }

    /// The session ends at `t_ns`: every stroke is stored, the open one
    /// ending here.
    pub fn finish(&mut self, t_ns: u64, distance_dm: u32, out: &mut Vec<Stroke>) -> u64 {
        if let Some(stroke) = self.open.take() {
            self.closed.push_back(ClosedStroke {
                stroke,
                end_ns: t_ns,
                end_distance_dm: distance_dm,
            });
        }
        let n = self.closed.len() as u64;
        out.extend(self.closed.drain(..).map(|c| c.row()));
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    fn stats(count: u16, peak_lbf: u16) -> StrokeStats {
        StrokeStats {
            drive_count: count,
            peak_drive_force: peak_lbf * 10,
            drive_time: 80,
            stroke_length: 140,
            ..StrokeStats::default()
        }
    }

    /// Rows a stroke every 2 s with curves peaking at 100 + i lbf; `late`
    /// publishes each stroke's statistics at the end of the next drive.
    fn row(late: bool) -> Vec<Stroke> {
        let mut log = StrokeLog::new(true);
        let mut out = Vec::new();
        for i in 0..5u16 {
            let t = u64::from(i) * 2 * S;
            log.drive_start(t, u32::from(i) * 100, &mut out);
            let index = log.drive_end(t + 8 * S / 10).unwrap();
            log.curve(index, &[10, 100 + i, 20]);
            let shown = if late { i } else { i + 1 };
            if shown > 0 {
                log.stats(&stats(shown, 100 + shown - 1), &mut out);
            }
            assert_eq!(log.wants_stats(), late, "stroke {i}");
        }
        log.finish(10 * S, 500, &mut out);
        out
    }

    #[test]
    fn statistics_land_on_their_own_stroke_whenever_published() {
        for late in [false, true] {
            let rows = row(late);
            assert_eq!(rows.len(), 5);
            for (i, r) in rows.iter().enumerate() {
                assert_eq!(r.index, i as u32);
                let has = !late || i < 4;
                // From the statistics, or from the curve for the last one late.
                assert_eq!(r.peak_force_dlbf, (100 + i as u16) * 10, "late={late} {i}");
                assert_eq!(
                    r.drive_length_cm,
                    if has { 140 } else { 0 },
                    "late={late} {i}"
                );
                assert_eq!(r.distance_cm, 1000);
            }
        }
    }

    #[test]
    fn without_statistics_the_polls_and_the_curve_stand_in() {
        let mut log = StrokeLog::new(false);
        let mut out = Vec::new();
        log.drive_start(0, 0, &mut out);
        log.drive_end(81 * S / 100);
        log.curve(0, &[10, 150, 20]);
        assert!(!log.wants_stats());
        assert_eq!(log.drive_start(2 * S, 100, &mut out), 1, "stored at once");
        assert_eq!(out[0].drive_time_cs, 81);
        assert_eq!(out[0].peak_force_dlbf, 1500);
        assert_eq!(out[0].average_force_dlbf, 600);
        assert_eq!(out[0].recovery_time_cs, 119);
    }

    #[test]
    fn dropping_the_statistics_stores_what_waited() {
        let mut log = StrokeLog::new(true);
        let mut out = Vec::new();
        log.drive_start(0, 0, &mut out);
        log.drive_end(S);
        log.drive_start(2 * S, 100, &mut out);
        assert!(out.is_empty());
        assert_eq!(log.stop_awaiting_stats(&mut out), 1);
    }
}
