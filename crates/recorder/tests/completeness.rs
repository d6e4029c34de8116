//! A 2000 m against the simulator's ground truth (issue [6/8]).

mod common;

use common::{Rig, record_one};
use erglink_recorder::{Options, Until};

#[test]
fn every_stroke_and_every_force_curve_of_a_2000m() {
    let rig = Rig::new();
    let options = Options {
        until: Until::Finished,
        ..Options::default()
    };
    let (rec, sessions) = record_one(&rig, "workout=2000m&spm=28&pace=1:45&seed=1", options);
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert!(s.workout_finished);
    let sim = rec.monitor().transport().simulator();
    let truth = sim.ground_truth();
    let strokes: Vec<_> = truth.counted_strokes(0).collect();
    assert!(
        (190..=205).contains(&strokes.len()),
        "{} strokes",
        strokes.len()
    );

    let reader = rig.store.reader().unwrap();
    let stored: Vec<_> = reader.strokes(&s.id).unwrap().map(Result::unwrap).collect();
    assert_eq!(
        stored.len(),
        strokes.len(),
        "stroke count equals the simulator's"
    );
    let curves: Vec<_> = reader
        .force_curves(&s.id)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(curves.len(), strokes.len());
    for (i, (c, t)) in curves.iter().zip(&strokes).enumerate() {
        assert_eq!(c.stroke_index, i as u32);
        assert_eq!(c.samples_lbf, t.force_curve, "curve {i} point for point");
        assert!(c.complete, "curve {i} marked complete");
    }
    // Drive times and peak forces are the PM's own figures for each stroke.
    for (st, t) in stored.iter().zip(&strokes) {
        assert_eq!(st.drive_time_cs, t.published.stats.drive_time as u16);
        assert_eq!(st.peak_force_dlbf, t.published.stats.peak_drive_force);
    }

    let samples: Vec<_> = reader.samples(&s.id).unwrap().map(Result::unwrap).collect();
    assert_eq!(samples.len() as u64, s.samples);
    // Every sample carries every fast field: time, distance and stroke state
    // move forward, and pace, power and rate are there while rowing.
    let rowing = samples.iter().filter(|x| x.power_w > 0).count();
    assert!(rowing as f64 > 0.9 * samples.len() as f64);
    assert!(
        samples
            .iter()
            .filter(|x| x.power_w > 0)
            .all(|x| x.pace_cs_per_500m > 0)
    );
    // The PM shows a stroke rate from the second stroke on.
    assert!(
        samples
            .iter()
            .filter(|x| x.power_w > 0 && x.elapsed_ns > 10_000_000_000)
            .all(|x| x.rate_spm > 0)
    );
    assert!(
        samples
            .windows(2)
            .all(|w| w[1].elapsed_ns > w[0].elapsed_ns)
    );
    assert!(
        samples
            .windows(2)
            .all(|w| w[1].distance_dm >= w[0].distance_dm)
    );
    let last = samples.last().unwrap();
    assert!(
        (19_900..=20_100).contains(&last.distance_dm),
        "{}",
        last.distance_dm
    );

    // Samples per simulated second against the bus limit for the frame used.
    let limit = sim.bus_limit(s.report_id).exchanges_per_s;
    println!(
        "achieved {:.1} samples/s against a bus limit of {limit:.1}/s (report {})",
        s.achieved_hz, s.report_id
    );
    assert!(
        s.achieved_hz >= 0.9 * limit,
        "{:.1} of {limit:.1}",
        s.achieved_hz
    );

    // Splits of 500 m, as the PM counted them.
    let splits: Vec<_> = reader.splits(&s.id).unwrap().map(Result::unwrap).collect();
    assert_eq!(
        splits.len(),
        truth
            .splits
            .iter()
            .filter(|x| x.workout == 0)
            .count()
            .min(4),
        "{splits:?}"
    );
}
