//! Drops and an unplug mid-piece (issue [6/8]).

mod common;

use common::{Rig, record_one};
use erglink_model::{Direction, GapKind};
use erglink_recorder::{Options, Until};

#[test]
fn drops_and_an_unplug_make_one_session_with_a_gap() {
    let rig = Rig::new();
    let options = Options {
        until: Until::Finished,
        raw_log: true,
        ..Options::default()
    };
    let (rec, sessions) = record_one(
        &rig,
        "workout=2000m&spm=28&pace=1:45&seed=4&faults=drop:0.05,unplug:120+8",
        options,
    );
    assert_eq!(sessions.len(), 1, "one session across the unplug");
    println!("{:?}", sessions[0]);
    let s = &sessions[0];
    assert!(s.workout_finished);
    let reader = rig.store.reader().unwrap();

    let gaps: Vec<_> = reader.gaps(&s.id).unwrap().map(Result::unwrap).collect();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    let g = gaps[0];
    assert_eq!(g.kind, GapKind::Unplugged);
    let to = g.to_ns.expect("the monitor came back");
    // The unplug lasts 8 s of simulated time; the recorder sees it within a poll or a reconnect attempt.
    assert!(
        (to - g.from_ns) >= 8_000_000_000 && (to - g.from_ns) <= 10_500_000_000,
        "{g:?}"
    );

    // Every answered poll is a stored sample: count the polls' replies in the
    // exchange log (a poll starts `F1 1A 0x A0 A3 BF`).
    let log: Vec<_> = reader
        .exchanges(&s.id)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let polls_answered = log
        .windows(2)
        .filter(|w| w[0].direction == Direction::Tx && w[1].direction == Direction::Rx)
        .filter(|w| {
            w[0].bytes.len() > 6 && w[0].bytes[1] == 0x1A && w[0].bytes[3..6] == [0xA0, 0xA3, 0xBF]
        })
        .count();
    assert_eq!(polls_answered as u64, s.samples);
    let samples = reader.samples(&s.id).unwrap().count() as u64;
    assert_eq!(samples, s.samples);

    // Only curves whose drain lost a block are incomplete, and every
    // complete one is exactly one of the simulator's curves.
    let sim = rec.monitor().transport().simulator();
    let truth = sim.ground_truth();
    let truth_curves: std::collections::HashSet<&Vec<u16>> =
        truth.strokes.iter().map(|x| &x.force_curve).collect();
    let curves: Vec<_> = reader
        .force_curves(&s.id)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let incomplete = curves.iter().filter(|c| !c.complete).count() as u64;
    for c in curves.iter().filter(|c| c.complete) {
        assert!(
            truth_curves.contains(&c.samples_lbf),
            "stroke {}: a complete curve the PM never held",
            c.stroke_index
        );
    }
    assert_eq!(
        incomplete, s.drains_lost,
        "incomplete curves are the lost drains"
    );
    assert!(s.drains_lost > 0, "the faults hit some drains");
    let strokes = truth.counted_strokes(0).count();
    assert!(
        curves.len() as f64 >= 0.8 * strokes as f64,
        "{} curves for {strokes} strokes",
        curves.len()
    );
    assert!(rec.monitor().stats().resends > 0);
}
