//! Interval workouts: intervals and their rests, and splits (issue [6/8]).

mod common;

use common::{Rig, record_one};
use erglink_model::SplitKind;
use erglink_recorder::{Options, Until};

#[test]
fn intervals_and_rests_are_recorded() {
    let rig = Rig::new();
    let options = Options {
        until: Until::Finished,
        ..Options::default()
    };
    let (rec, sessions) = record_one(
        &rig,
        "workout=4x500m/1:00r&spm=28&pace=1:50&seed=2",
        options,
    );
    assert_eq!(sessions.len(), 1, "rests do not end the session");
    let s = &sessions[0];
    assert!(s.workout_finished);
    let reader = rig.store.reader().unwrap();
    let rows: Vec<_> = reader.splits(&s.id).unwrap().map(Result::unwrap).collect();
    let intervals: Vec<_> = rows
        .iter()
        .filter(|r| r.kind == SplitKind::Interval)
        .collect();
    let sim = rec.monitor().transport().simulator();
    let truth = sim.ground_truth();
    assert_eq!(intervals.len(), 4, "{rows:#?}");
    for (i, iv) in intervals.iter().enumerate() {
        assert_eq!(iv.index, i as u32);
        // Each interval's own distance, as the PM counts it per interval.
        assert!(
            (4_950..=5_050).contains(&iv.distance_dm),
            "interval {i}: {} dm",
            iv.distance_dm
        );
        let t = &truth.intervals[i];
        assert!(
            (i64::from(iv.time_cs) - (t.time_s * 100.0) as i64).abs() <= 10,
            "interval {i}: {} cs vs {:?}",
            iv.time_cs,
            t
        );
        assert!(iv.average_power_w.unwrap() > 200);
        if i < 3 {
            // One minute of rest, within a poll or two.
            let rest = iv.rest_time_cs.expect("rest recorded");
            assert!(
                (5_900..=6_150).contains(&rest),
                "interval {i}: rest {rest} cs"
            );
        } else {
            assert_eq!(iv.rest_time_cs, None, "the last interval has no rest");
        }
    }
    // Work and rest alternate in time.
    assert!(intervals.windows(2).all(|w| w[1].start_ns > w[0].end_ns));
    // The PM's splits (one per interval here) are kept too.
    let splits = rows.iter().filter(|r| r.kind == SplitKind::Split).count();
    assert!(splits >= 3, "{splits} splits");
}
