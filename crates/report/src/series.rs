//! The time charts' data: one point per stroke, a null point wherever the
//! data stops (a recorded gap, or a pause between strokes), and the bands
//! of splits, intervals and rests.

use erglink_model::{Gap, Machine, Sample, Split, SplitKind, Stroke};
use serde::Serialize;

use crate::text::labels;

/// Strokes further apart than this (a rest, a pause) break the line.
pub(crate) const PAUSE_NS: u64 = 10_000_000_000;

/// Parallel arrays, as uPlot takes them. Times in 0.01 s of the session's
/// clock, distances in 0.1 m, pace in 0.01 s per the machine's pace distance.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Points {
    pub t: Vec<u64>,
    pub d: Vec<u32>,
    pub pace: Vec<Option<u32>>,
    pub power: Vec<Option<u16>>,
    pub rate: Vec<Option<u8>>,
    pub hr: Vec<Option<u8>>,
    /// How many entries are strokes (the rest are null points).
    pub strokes: usize,
    /// How many entries are null points.
    pub breaks: usize,
}

/// A split, interval or rest, in both x units.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Band {
    pub kind: &'static str,
    pub label: String,
    pub t0: u64,
    pub t1: u64,
    pub d0: u32,
    pub d1: u32,
}

fn cs(ns: u64) -> u64 {
    ns / 10_000_000
}

/// The index of the last sample at or before `ns` (the first if none).
fn sample_at(samples: &[Sample], ns: u64) -> Option<usize> {
    if samples.is_empty() {
        return None;
    }
    Some(
        samples
            .partition_point(|s| s.elapsed_ns <= ns)
            .saturating_sub(1),
    )
}

/// Distance at `ns`, 0.1 m.
pub(crate) fn distance_at(samples: &[Sample], ns: u64) -> u32 {
    sample_at(samples, ns).map_or(0, |i| samples[i].distance_dm)
}

/// Heart rate as last read at or before each sample; a belt that reads 0
/// (none paired) is no reading.
fn heart_rates(samples: &[Sample]) -> Vec<Option<u8>> {
    let mut last = None;
    samples
        .iter()
        .map(|s| {
            if let Some(hr) = s.hr_bpm {
                last = (hr > 0).then_some(hr);
            }
            last
        })
        .collect()
}

enum Entry<'a> {
    Stroke(&'a Stroke),
    Break(u64),
}

impl Entry<'_> {
    fn at(&self) -> u64 {
        match self {
            Entry::Stroke(s) => s.end_ns,
            Entry::Break(ns) => *ns,
        }
    }
}

/// One point per stroke at its end, from the sample there.
pub(crate) fn points(
    machine: Machine,
    samples: &[Sample],
    strokes: &[Stroke],
    gaps: &[Gap],
) -> Points {
    let per = labels(machine).pace_per_m / 500;
    let hr = heart_rates(samples);
    let mut entries: Vec<Entry<'_>> = strokes.iter().map(Entry::Stroke).collect();
    entries.extend(gaps.iter().map(|g| Entry::Break(g.from_ns)));
    entries.extend(
        strokes
            .windows(2)
            .filter(|w| w[1].start_ns.saturating_sub(w[0].end_ns) > PAUSE_NS)
            .map(|w| Entry::Break(w[0].end_ns + 1)),
    );
    entries.sort_by_key(Entry::at);
    let mut p = Points::default();
    for e in &entries {
        let at = sample_at(samples, e.at());
        p.t.push(cs(e.at()));
        p.d.push(at.map_or(0, |i| samples[i].distance_dm));
        match (e, at) {
            (Entry::Stroke(_), Some(i)) => {
                let s = &samples[i];
                p.pace
                    .push((s.pace_cs_per_500m > 0).then_some(s.pace_cs_per_500m * per));
                p.power.push(Some(s.power_w));
                p.rate.push((s.rate_spm > 0).then_some(s.rate_spm));
                p.hr.push(hr[i]);
                p.strokes += 1;
            }
            (Entry::Stroke(_), None) => {
                // A stroke with no sample at all: a point with nothing known.
                p.pace.push(None);
                p.power.push(None);
                p.rate.push(None);
                p.hr.push(None);
                p.strokes += 1;
            }
            (Entry::Break(_), _) => {
                p.pace.push(None);
                p.power.push(None);
                p.rate.push(None);
                p.hr.push(None);
                p.breaks += 1;
            }
        }
    }
    p
}

/// Splits and intervals as bands, with the rest after each interval.
pub(crate) fn bands(samples: &[Sample], splits: &[Split]) -> Vec<Band> {
    let mut out = Vec::new();
    for (i, s) in splits.iter().enumerate() {
        let (kind, label) = match s.kind {
            SplitKind::Split => ("split", format!("Split {}", s.index + 1)),
            SplitKind::Interval => ("interval", format!("Interval {}", s.index + 1)),
        };
        out.push(Band {
            kind,
            label,
            t0: cs(s.start_ns),
            t1: cs(s.end_ns),
            d0: distance_at(samples, s.start_ns),
            d1: distance_at(samples, s.end_ns),
        });
        let rest = s
            .rest_time_cs
            .filter(|&r| r > 0 && s.kind == SplitKind::Interval);
        if let Some(rest_cs) = rest {
            let rest_end = splits
                .get(i + 1)
                .map_or(s.end_ns + u64::from(rest_cs) * 10_000_000, |n| n.start_ns);
            out.push(Band {
                kind: "rest",
                label: "Rest".into(),
                t0: cs(s.end_ns),
                t1: cs(rest_end),
                d0: distance_at(samples, s.end_ns),
                d1: distance_at(samples, rest_end),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_model::GapKind;
    use proptest::prelude::*;

    fn sample(ms: u64, d: u32, pace: u32, hr: Option<u8>) -> Sample {
        Sample {
            elapsed_ns: ms * 1_000_000,
            distance_dm: d,
            pace_cs_per_500m: pace,
            power_w: 200,
            rate_spm: 28,
            hr_bpm: hr,
            ..Sample::default()
        }
    }

    fn stroke(index: u32, start_ms: u64, end_ms: u64) -> Stroke {
        Stroke {
            index,
            start_ns: start_ms * 1_000_000,
            end_ns: end_ms * 1_000_000,
            ..Stroke::default()
        }
    }

    #[test]
    fn one_point_per_stroke_and_a_null_at_each_break() {
        let samples: Vec<_> = (0..100)
            .map(|i| sample(i * 1000, i as u32 * 40, 12_000, (i % 5 == 0).then_some(150)))
            .collect();
        // Strokes every 2 s, a 20 s pause after the fifth, a gap at 50 s.
        let mut strokes: Vec<_> = (0..5)
            .map(|k| stroke(k, k as u64 * 2000, k as u64 * 2000 + 2000))
            .collect();
        strokes
            .extend((5..10).map(|k| stroke(k, 30_000 + k as u64 * 2000, 32_000 + k as u64 * 2000)));
        let gaps = [Gap {
            kind: GapKind::Unplugged,
            from_ns: 50_000_000_000,
            to_ns: Some(53_000_000_000),
        }];
        let p = points(Machine::RowErg, &samples, &strokes, &gaps);
        assert_eq!(p.strokes, 10);
        assert_eq!(p.breaks, 2);
        assert_eq!(p.t.len(), 12);
        assert!(p.t.windows(2).all(|w| w[0] <= w[1]), "x ascends: {:?}", p.t);
        assert_eq!(p.pace.iter().filter(|v| v.is_none()).count(), 2);
        assert_eq!(p.pace[0], Some(12_000));
        assert_eq!(p.hr[0], Some(150), "the last reading carries");
        let bike = points(Machine::BikeErg, &samples, &strokes, &[]);
        assert_eq!(bike.pace[0], Some(24_000), "BikeErg pace is per 1000 m");
    }

    #[test]
    fn bands_follow_splits_and_rests() {
        let samples: Vec<_> = (0..100)
            .map(|i| sample(i * 1000, i as u32 * 40, 12_000, None))
            .collect();
        let split = |index, from_s: u64, to_s: u64, rest| Split {
            kind: SplitKind::Interval,
            index,
            start_ns: from_s * 1_000_000_000,
            end_ns: to_s * 1_000_000_000,
            time_cs: 0,
            distance_dm: 0,
            energy_kcal: None,
            average_power_w: None,
            average_rate_spm: None,
            average_hr_bpm: None,
            interval_type: None,
            rest_time_cs: rest,
            rest_distance_dm: None,
        };
        let b = bands(
            &samples,
            &[split(0, 0, 30, Some(1000)), split(1, 40, 70, Some(1000))],
        );
        let kinds: Vec<_> = b.iter().map(|b| b.kind).collect();
        assert_eq!(kinds, ["interval", "rest", "interval", "rest"]);
        assert_eq!((b[1].t0, b[1].t1), (3000, 4000));
        assert_eq!((b[0].d0, b[0].d1), (0, 1200));
    }

    proptest! {
        #[test]
        fn any_session_gives_ascending_points(
            times in proptest::collection::vec(0u64..10_000, 0..40),
            gap_at in proptest::collection::vec(0u64..10_000, 0..3),
        ) {
            let mut times = times;
            times.sort_unstable();
            let samples: Vec<_> = times.iter().map(|&t| sample(t * 10, t as u32, (t % 3) as u32, None)).collect();
            let strokes: Vec<_> = times.windows(2).enumerate().map(|(k, w)| stroke(k as u32, w[0] * 10, w[1] * 10)).collect();
            let gaps: Vec<_> = gap_at.iter().map(|&g| Gap { kind: GapKind::TimedOut, from_ns: g * 10_000_000, to_ns: None }).collect();
            let p = points(Machine::SkiErg, &samples, &strokes, &gaps);
            prop_assert_eq!(p.strokes, strokes.len());
            prop_assert_eq!(p.t.len(), p.strokes + p.breaks);
            prop_assert!(p.t.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}
