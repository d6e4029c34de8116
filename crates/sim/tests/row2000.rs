//! A 2000 m at 28 spm (rower-model §8) recorded by a host polling as fast as
//! the bus allows, force curves drained 16 samples at a time.

mod common;

use common::Host;
use erglink_csafe::command::*;
use erglink_csafe::{StrokeState, WorkoutState};

fn poll() -> Vec<AnyCommand> {
    vec![
        PmGetWorkTime {}.into(),
        PmGetWorkDistance {}.into(),
        PmGetStrokeState {}.into(),
        PmGetWorkoutState {}.into(),
        GetPower {}.into(),
    ]
}

#[test]
fn a_2000m_piece() {
    let mut host = Host::new("pm5", "workout=2000m&spm=28&pace=1:45&seed=3");
    let mut last_state = StrokeState::WaitingForWheelToReachMinSpeed;
    let mut curves: Vec<(u64, Vec<u16>)> = Vec::new();
    let mut exchanges = 0;
    let mut end = None;
    while exchanges < 40_000 {
        exchanges += 1;
        let r = host
            .exchange(&poll())
            .expect("no faults: every poll is answered");
        let state = r.get::<PmGetStrokeState>().unwrap().stroke_state;
        let ws = r.get::<PmGetWorkoutState>().unwrap().workout_state;
        if last_state == StrokeState::Driving && state != StrokeState::Driving {
            let at = host.now;
            let mut curve = Vec::new();
            loop {
                exchanges += 1;
                let r = host
                    .exchange(&[PmGetForcePlotData { block_len: 32 }.into()])
                    .unwrap();
                let block = r.get::<PmGetForcePlotData>().unwrap().samples;
                curve.extend_from_slice(block.samples());
                if block.count < 32 {
                    break;
                }
            }
            curves.push((at, curve));
        }
        last_state = state;
        if ws == WorkoutState::WorkoutEnd {
            let t = r.get::<PmGetWorkTime>().unwrap();
            let d = r.get::<PmGetWorkDistance>().unwrap();
            end = Some((t.time, d.distance));
            break;
        }
    }
    let (time_cs, distance_dm) = end.expect("the piece ends");
    assert_eq!(distance_dm, 20_000);
    let truth = host.sim.ground_truth();
    let w = truth.workouts.len() - 1;
    let strokes: Vec<_> = truth.counted_strokes(w).collect();
    let secs = f64::from(time_cs) / 100.0;
    let power = strokes.iter().map(|s| s.power_w).sum::<f64>() / strokes.len() as f64;
    println!(
        "2000 m: {secs:.1} s, {} strokes, {power:.0} W, {exchanges} exchanges",
        strokes.len()
    );
    assert!((405.0..=435.0).contains(&secs), "{secs}");
    // The bench (benches/row2000.rs) times this; here the work stays bounded.
    assert!(exchanges < 20_000, "{exchanges}");
    assert!((185..=210).contains(&strokes.len()), "{}", strokes.len());
    assert!((285.0..=320.0).contains(&power), "{power}");
    assert_eq!(truth.splits.iter().filter(|s| s.workout == w).count(), 4);

    // Every curve read equals the one the PM held.
    assert!(curves.len() > 150, "{}", curves.len());
    for (at, curve) in &curves {
        let stroke = truth.stroke_shown_at(*at).unwrap();
        assert_eq!(curve, &stroke.force_curve, "stroke at {}", stroke.start_ns);
    }
}
