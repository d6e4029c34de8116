//! Which stroke a `PM_GET_STROKESTATS` reading belongs to.
//!
//! When a PM publishes a stroke's statistics is not known: at the end of its
//! drive, at the start of its recovery, or only when the next drive ends
//! (one stroke late). The reading's drive counter says whether it is new; its
//! peak force (or, without a curve, its drive time) says which of the last
//! two strokes it describes, by comparing it with that stroke's own force
//! curve; once a reading has been placed, the counter's offset to the
//! recorder's stroke index places the ones that carry no such evidence.

use erglink_csafe::command::StrokeStats;

/// How far a reading's peak force (0.1 lbf) may be from ten times its
/// curve's highest point and still describe that stroke: the curve is in
/// whole lbf, so rounding alone is 0.5 lbf.
const PEAK_TOLERANCE_DLBF: u16 = 15;
/// How far a reading's drive time may be from the drive time the polls
/// measured (0.01 s): two polls either side.
const DRIVE_TIME_TOLERANCE_CS: u16 = 6;

/// What the recorder knows about a stroke that may still get its statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Its index in the session.
    pub index: u32,
    /// Ten times the highest point of its force curve, if drained.
    pub curve_peak_dlbf: Option<u16>,
    /// Its drive time as the polls measured it, 0.01 s.
    pub drive_time_cs: Option<u16>,
}

impl Candidate {
    /// How far `s` is from this stroke, and whether that is close enough for
    /// it to describe this stroke: `None` when nothing tells.
    fn distance(&self, s: &StrokeStats) -> Option<(u16, bool)> {
        if let Some(peak) = self.curve_peak_dlbf.filter(|&p| p > 0) {
            let tolerance = PEAK_TOLERANCE_DLBF.max(peak / 33);
            let d = s.peak_drive_force.abs_diff(peak);
            return Some((d, d <= tolerance));
        }
        self.drive_time_cs.map(|t| {
            let d = u16::from(s.drive_time).abs_diff(t);
            (d, d <= DRIVE_TIME_TOLERANCE_CS)
        })
    }
}

/// What became of one reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// All zeros: the PM has published nothing yet.
    Empty,
    /// The drive counter has not moved since the last reading: the PM has
    /// not published the stroke yet; read again later in the recovery.
    NotAdvanced,
    /// It describes the stroke with this index.
    Stroke(u32),
    /// New, but it describes none of the candidates (a stroke from before
    /// the session, or one whose own statistics were already placed).
    Unplaced,
}

/// Places readings on strokes.
#[derive(Clone, Debug, Default)]
pub struct StatsMatcher {
    last_count: Option<u16>,
    /// Drive counter minus stroke index, from the last reading placed.
    offset: Option<i64>,
}

impl StatsMatcher {
    /// Places `s` on one of `candidates` (strokes whose drive has ended and
    /// that have no statistics yet, oldest first).
    pub fn place(&mut self, s: &StrokeStats, candidates: &[Candidate]) -> Placement {
        if *s == StrokeStats::default() {
            return Placement::Empty;
        }
        if self.last_count == Some(s.drive_count) {
            return Placement::NotAdvanced;
        }
        self.last_count = Some(s.drive_count);
        let by_offset = |c: &Candidate| {
            self.offset
                .is_some_and(|o| i64::from(s.drive_count) - o == i64::from(c.index))
        };
        let scored: Vec<(&Candidate, Option<(u16, bool)>)> =
            candidates.iter().map(|c| (c, c.distance(s))).collect();
        let best = scored
            .iter()
            .filter_map(|(c, d)| d.filter(|d| d.1).map(|d| (*c, d.0)))
            .min_by_key(|x| x.1)
            .map(|x| x.1);
        let fitting: Vec<&Candidate> = scored
            .iter()
            .filter(|(_, d)| d.is_some_and(|d| d.1 && Some(d.0) == best))
            .map(|(c, _)| *c)
            .collect();
        let unknown: Vec<&Candidate> = scored
            .iter()
            .filter(|(_, d)| d.is_none())
            .map(|(c, _)| *c)
            .collect();
        let chosen: Option<&Candidate> = match fitting[..] {
            [one] => Some(one),
            // No evidence either way: the counter decides, or the only one
            // there is before the counter has been tied to the strokes.
            [] => unknown
                .iter()
                .copied()
                .find(|c| by_offset(c))
                .or(match unknown[..] {
                    [one] if self.offset.is_none() => Some(one),
                    _ => None,
                }),
            // Equally close: the counter decides, else the newest.
            _ => fitting
                .iter()
                .copied()
                .find(|c| by_offset(c))
                .or(fitting.last().copied()),
        };
        match chosen {
            Some(c) => {
                self.offset = Some(i64::from(s.drive_count) - i64::from(c.index));
                Placement::Stroke(c.index)
            }
            None => Placement::Unplaced,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(count: u16, peak: u16, drive: u8) -> StrokeStats {
        StrokeStats {
            drive_count: count,
            peak_drive_force: peak,
            drive_time: drive,
            ..StrokeStats::default()
        }
    }

    fn stroke(index: u32, peak_lbf: u16, drive: u16) -> Candidate {
        Candidate {
            index,
            curve_peak_dlbf: Some(peak_lbf * 10),
            drive_time_cs: Some(drive),
        }
    }

    #[test]
    fn published_at_the_end_of_the_drive() {
        let mut m = StatsMatcher::default();
        assert_eq!(
            m.place(&stats(7, 1702, 80), &[stroke(0, 170, 79)]),
            Placement::Stroke(0)
        );
        assert_eq!(
            m.place(&stats(7, 1702, 80), &[stroke(1, 160, 81)]),
            Placement::NotAdvanced
        );
        assert_eq!(
            m.place(&stats(8, 1598, 81), &[stroke(1, 160, 81)]),
            Placement::Stroke(1)
        );
    }

    #[test]
    fn one_stroke_late() {
        let mut m = StatsMatcher::default();
        // At the end of stroke 0's drive the PM still shows a stroke from
        // before the session: it fits no candidate.
        assert_eq!(
            m.place(&stats(41, 1500, 90), &[stroke(0, 170, 80)]),
            Placement::Unplaced
        );
        assert_eq!(
            m.place(&stats(41, 1500, 90), &[stroke(0, 170, 80)]),
            Placement::NotAdvanced
        );
        // At the end of stroke 1's drive it shows stroke 0.
        assert_eq!(
            m.place(
                &stats(42, 1701, 80),
                &[stroke(0, 170, 80), stroke(1, 180, 80)]
            ),
            Placement::Stroke(0)
        );
        // Without a curve, the counter's offset places it.
        let no_curve = |index| Candidate {
            index,
            curve_peak_dlbf: None,
            drive_time_cs: None,
        };
        assert_eq!(
            m.place(&stats(43, 1801, 80), &[no_curve(1), no_curve(2)]),
            Placement::Stroke(1)
        );
    }

    proptest::proptest! {
        #[test]
        fn any_reading_is_placed_without_panicking(
            readings in proptest::collection::vec((proptest::num::u16::ANY, proptest::num::u16::ANY, proptest::num::u8::ANY), 0..20),
            peaks in proptest::collection::vec(proptest::option::of(proptest::num::u16::ANY), 0..3),
        ) {
            let mut m = StatsMatcher::default();
            let candidates: Vec<Candidate> = peaks
                .iter()
                .enumerate()
                .map(|(i, p)| Candidate { index: i as u32, curve_peak_dlbf: *p, drive_time_cs: Some(80) })
                .collect();
            for (count, peak, drive) in readings {
                if let Placement::Stroke(i) = m.place(&stats(count, peak, drive), &candidates) {
                    proptest::prop_assert!(candidates.iter().any(|c| c.index == i));
                }
            }
        }

        #[test]
        fn each_stroke_gets_its_own_whenever_published(late in proptest::bool::ANY, peaks in proptest::collection::vec(50u16..400, 2..30)) {
            // Distinct peaks, as curves that differ; the counter from 1.
            let mut m = StatsMatcher::default();
            for i in 0..peaks.len() {
                let shown = if late { i } else { i + 1 };
                if shown == 0 {
                    continue;
                }
                let mut cands = vec![stroke(i as u32, peaks[i], 80)];
                if i > 0 {
                    cands.insert(0, stroke(i as u32 - 1, peaks[i - 1], 80));
                }
                let s = stats(shown as u16, peaks[shown - 1] * 10, 80);
                let placed = m.place(&s, &cands);
                let ambiguous = i > 0 && peaks[i].abs_diff(peaks[i - 1]) * 10 <= 15;
                if !ambiguous {
                    proptest::prop_assert_eq!(placed, Placement::Stroke(shown as u32 - 1));
                }
            }
        }
    }

    #[test]
    fn drive_time_decides_without_a_curve() {
        let mut m = StatsMatcher::default();
        let c = |index, drive| Candidate {
            index,
            curve_peak_dlbf: None,
            drive_time_cs: Some(drive),
        };
        assert_eq!(
            m.place(&stats(3, 1000, 95), &[c(4, 95), c(5, 70)]),
            Placement::Stroke(4)
        );
        assert_eq!(
            m.place(&StrokeStats::default(), &[c(5, 70)]),
            Placement::Empty
        );
    }
}
