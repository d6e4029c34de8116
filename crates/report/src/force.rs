//! The force view's data: every curve as sent, the session's mean curve,
//! each split's mean, and where the peak falls.

use std::collections::HashMap;

use erglink_model::{ForceCurve, Split, Stroke};
use serde::Serialize;

/// One split's curves.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Group {
    pub label: String,
    /// Mean of the complete curves, 0.1 lbf.
    pub mean: Vec<u32>,
    pub stats: Stats,
}

/// What the text beside a force chart says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Stats {
    pub curves: usize,
    pub complete: usize,
    /// Mean peak force of the complete curves.
    pub peak_lbf: Option<f64>,
    /// Mean sample number of the peak, 0-based.
    pub peak_sample: Option<f64>,
    /// Mean position of the peak along the curve, 0..1.
    pub peak_at: Option<f64>,
    /// Mean drive length of the strokes these curves belong to, m.
    pub drive_length_m: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Force {
    pub curves: Vec<Vec<u16>>,
    pub complete: Vec<bool>,
    /// The group (split) of each curve, -1 for none.
    pub group: Vec<i32>,
    /// The session's mean of complete curves, 0.1 lbf.
    pub mean: Vec<u32>,
    pub stats: Stats,
    pub groups: Vec<Group>,
}

/// The mean of `curves` sample by sample, as far as half of them reach.
fn mean_curve<'a>(curves: impl Iterator<Item = &'a [u16]> + Clone) -> Vec<u32> {
    let n = curves.clone().count();
    let mut sums: Vec<(u64, u32)> = Vec::new();
    for c in curves {
        if sums.len() < c.len() {
            sums.resize(c.len(), (0, 0));
        }
        for (s, &v) in sums.iter_mut().zip(c) {
            s.0 += u64::from(v);
            s.1 += 1;
        }
    }
    sums.iter()
        .take_while(|(_, k)| *k as usize * 2 >= n.max(1))
        .map(|&(sum, k)| ((sum * 10 + u64::from(k) / 2) / u64::from(k)) as u32)
        .collect()
}

fn stats<'a>(curves: &[&'a ForceCurve], strokes: &HashMap<u32, &'a Stroke>) -> Stats {
    let complete: Vec<&[u16]> = curves
        .iter()
        .filter(|c| c.complete && !c.samples_lbf.is_empty())
        .map(|c| c.samples_lbf.as_slice())
        .collect();
    let mean = |v: &mut dyn Iterator<Item = f64>| {
        let (sum, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
        (n > 0).then(|| sum / n as f64)
    };
    let peaks: Vec<(usize, u16, usize)> = complete
        .iter()
        .map(|c| {
            let (i, &v) = c
                .iter()
                .enumerate()
                .max_by_key(|&(i, &v)| (v, std::cmp::Reverse(i)))
                .expect("not empty");
            (i, v, c.len())
        })
        .collect();
    Stats {
        curves: curves.len(),
        complete: complete.len(),
        peak_lbf: mean(&mut peaks.iter().map(|p| f64::from(p.1))),
        peak_sample: mean(&mut peaks.iter().map(|p| p.0 as f64)),
        peak_at: mean(
            &mut peaks
                .iter()
                .map(|p| p.0 as f64 / (p.2.saturating_sub(1)).max(1) as f64),
        ),
        drive_length_m: mean(
            &mut curves
                .iter()
                .filter_map(|c| strokes.get(&c.stroke_index))
                .filter(|s| s.drive_length_cm > 0)
                .map(|s| f64::from(s.drive_length_cm) / 100.0),
        ),
    }
}

/// The force view of a session; `split_label` names each split.
pub(crate) fn force(
    curves: &[ForceCurve],
    strokes: &[Stroke],
    splits: &[Split],
    split_label: impl Fn(&Split) -> String,
) -> Force {
    let by_index: HashMap<u32, &Stroke> = strokes.iter().map(|s| (s.index, s)).collect();
    let group_of = |c: &ForceCurve| -> i32 {
        let Some(s) = by_index.get(&c.stroke_index) else {
            return -1;
        };
        splits
            .iter()
            .position(|sp| sp.start_ns <= s.start_ns && s.start_ns < sp.end_ns)
            .map_or(-1, |i| i as i32)
    };
    let group: Vec<i32> = curves.iter().map(group_of).collect();
    let all: Vec<&ForceCurve> = curves.iter().collect();
    let complete = |cs: &[&ForceCurve]| -> Vec<u32> {
        mean_curve(
            cs.iter()
                .filter(|c| c.complete && !c.samples_lbf.is_empty())
                .map(|c| c.samples_lbf.as_slice()),
        )
    };
    let groups = splits
        .iter()
        .enumerate()
        .map(|(i, sp)| {
            let members: Vec<&ForceCurve> = curves
                .iter()
                .zip(&group)
                .filter(|(_, g)| **g == i as i32)
                .map(|(c, _)| c)
                .collect();
            Group {
                label: split_label(sp),
                mean: complete(&members),
                stats: stats(&members, &by_index),
            }
        })
        .collect();
    Force {
        curves: curves.iter().map(|c| c.samples_lbf.clone()).collect(),
        complete: curves.iter().map(|c| c.complete).collect(),
        group,
        mean: complete(&all),
        stats: stats(&all, &by_index),
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn curve(i: u32, s: &[u16], complete: bool) -> ForceCurve {
        ForceCurve {
            stroke_index: i,
            samples_lbf: s.to_vec(),
            complete,
        }
    }

    #[test]
    fn means_peaks_and_groups() {
        let strokes: Vec<Stroke> = (0..3)
            .map(|i| Stroke {
                index: i,
                start_ns: u64::from(i) * 1_000_000_000,
                drive_length_cm: 140,
                ..Stroke::default()
            })
            .collect();
        let curves = [
            curve(0, &[0, 10, 20, 10], true),
            curve(1, &[0, 30, 10, 0], true),
            curve(2, &[5, 5], false),
        ];
        let split = Split {
            kind: erglink_model::SplitKind::Split,
            index: 0,
            start_ns: 0,
            end_ns: 1_500_000_000,
            time_cs: 0,
            distance_dm: 0,
            energy_kcal: None,
            average_power_w: None,
            average_rate_spm: None,
            average_hr_bpm: None,
            interval_type: None,
            rest_time_cs: None,
            rest_distance_dm: None,
        };
        let f = force(&curves, &strokes, &[split], |_| "first".into());
        assert_eq!(
            f.mean,
            vec![0, 200, 150, 50],
            "complete curves only, 0.1 lbf"
        );
        assert_eq!(f.group, vec![0, 0, -1]);
        assert_eq!(f.stats.curves, 3);
        assert_eq!(f.stats.complete, 2);
        assert_eq!(f.stats.peak_lbf, Some(25.0));
        assert_eq!(f.stats.peak_sample, Some(1.5));
        assert!((f.stats.drive_length_m.unwrap() - 1.4).abs() < 1e-9);
        assert_eq!(f.groups[0].stats.curves, 2);
        assert_eq!(f.groups[0].label, "first");
    }

    proptest! {
        #[test]
        fn any_curves_never_panic(curves in proptest::collection::vec(
            (proptest::collection::vec(any::<u16>(), 0..50), any::<bool>()), 0..20)) {
            let curves: Vec<_> = curves.iter().enumerate().map(|(i, (s, c))| curve(i as u32, s, *c)).collect();
            let f = force(&curves, &[], &[], |_| String::new());
            prop_assert_eq!(f.curves.len(), curves.len());
            let longest = curves.iter().map(|c| c.samples_lbf.len()).max().unwrap_or(0);
            prop_assert!(f.mean.len() <= longest);
        }
    }
}
