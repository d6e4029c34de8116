//! Every force curve on every monitor model (issue [1/7] acceptance).

mod common;

use common::{Rig, record_on, until_finished};
use erglink_model::Machine;
use erglink_recorder::Options;

/// Records a 2000 m on `model` and checks every stroke and every curve
/// against the simulator's ground truth. Returns the summary.
fn every_curve(
    model: &str,
    sim_options: &str,
    options: Options,
) -> erglink_recorder::SessionSummary {
    let rig = Rig::new();
    let (rec, sessions) = record_on(&rig, model, sim_options, options);
    assert_eq!(sessions.len(), 1, "{model}");
    let s = sessions[0].clone();
    assert!(s.workout_finished);
    let sim = rec.monitor().transport().simulator();
    let truth = sim.ground_truth();
    let strokes: Vec<_> = truth.counted_strokes(0).collect();
    let reader = rig.store.reader().unwrap();
    let stored: Vec<_> = reader.strokes(&s.id).unwrap().map(Result::unwrap).collect();
    assert_eq!(stored.len(), strokes.len(), "{model}: strokes");
    let curves: Vec<_> = reader
        .force_curves(&s.id)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        curves.len(),
        strokes.len(),
        "{model}: as many curves as strokes"
    );
    for (i, (c, t)) in curves.iter().zip(&strokes).enumerate() {
        assert_eq!(c.stroke_index, i as u32);
        assert_eq!(
            c.samples_lbf, t.force_curve,
            "{model}: curve {i} point for point"
        );
        assert!(c.complete, "{model}: curve {i} complete");
    }
    let limit = sim.bus_limit(s.report_id);
    println!(
        "{model} {sim_options}: {} strokes, {} curves, {:.1} samples/s of {:.1} (report {}), longest gap {} ms, adaptations {:?}",
        s.strokes,
        s.curves.0,
        s.achieved_hz,
        limit.exchanges_per_s,
        s.report_id,
        s.longest_gap_ns / 1_000_000,
        s.adaptations
    );
    assert!(s.achieved_hz >= 0.9 * limit.exchanges_per_s);
    s
}

#[test]
fn pm3_2000m_every_curve() {
    let s = every_curve("pm3", "workout=2000m&seed=3", until_finished());
    assert_eq!(s.machine, Machine::RowErg);
    assert!(s.machine_assumed);
}

#[test]
fn pm4_2000m_every_curve() {
    every_curve("pm4", "workout=2000m&seed=4", until_finished());
}

#[test]
fn pm5_2000m_every_curve() {
    let s = every_curve("pm5", "workout=2000m&seed=5", until_finished());
    assert!(!s.machine_assumed);
}

#[test]
fn pm3_skierg_named_by_the_user() {
    let options = Options {
        machine: Some(Machine::SkiErg),
        ..until_finished()
    };
    let s = every_curve("pm3", "workout=2000m&machine=skierg&seed=6", options);
    assert_eq!(s.machine, Machine::SkiErg);
    assert!(!s.machine_assumed);
}
