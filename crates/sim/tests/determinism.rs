//! Same seed, same host script: byte-identical transcripts and ground truth,
//! faults included. Another seed gives another session.

mod common;

use common::Host;
use erglink_csafe::command::*;
use erglink_csafe::workout;

fn script(query: &str, exchanges: usize, program_at: Option<usize>) -> Host {
    let mut host = Host::new("pm5", query);
    host.keep_transcript = true;
    let poll: Vec<AnyCommand> = vec![
        PmGetWorkTime {}.into(),
        PmGetWorkDistance {}.into(),
        PmGetStrokeState {}.into(),
        GetPower {}.into(),
        GetHrCur {}.into(),
    ];
    let program = workout::fixed_intervals(workout::Goal::Distance(500), 30, 4).unwrap();
    for i in 0..exchanges {
        match i % 50 {
            0 => {
                host.report_id = 1;
                host.exchange(&[GetStatus {}.into()]);
                host.report_id = 2;
            }
            10 => {
                host.exchange(&[PmGetForcePlotData { block_len: 32 }.into()]);
            }
            20 => {
                host.exchange(&[PmGetStrokeStats { reserved: 0 }.into()]);
            }
            _ => {
                host.exchange(&poll);
            }
        }
        if Some(i) == program_at {
            host.exchange(&program);
        }
    }
    host
}

const FAULTS: &str = "faults=drop:0.02,corrupt:0.02,delay:15,stale,toggle,unplug:30+2";

#[test]
fn same_seed_same_bytes() {
    let a = script(&format!("workout=2000m&seed=11&{FAULTS}"), 3000, Some(1000));
    let b = script(&format!("workout=2000m&seed=11&{FAULTS}"), 3000, Some(1000));
    assert!(a.transcript.len() > 5000, "{}", a.transcript.len());
    assert_eq!(a.transcript, b.transcript);
    assert_eq!(a.sim.ground_truth(), b.sim.ground_truth());
}

#[test]
fn another_seed_another_session() {
    let a = script("workout=2000m&seed=11", 500, None);
    let b = script("workout=2000m&seed=12", 500, None);
    assert_ne!(a.transcript, b.transcript);
    assert_ne!(a.sim.identity().serial, b.sim.identity().serial);
}

#[test]
fn faults_do_not_change_the_athlete() {
    // The faults draw from their own stream: the strokes stay the same.
    let a = script("workout=2000m&seed=5", 5000, None);
    let b = script(&format!("workout=2000m&seed=5&{FAULTS}"), 5000, None);
    let n = a
        .sim
        .ground_truth()
        .strokes
        .len()
        .min(b.sim.ground_truth().strokes.len());
    assert!(n > 50);
    assert_eq!(
        a.sim.ground_truth().strokes[..n],
        b.sim.ground_truth().strokes[..n]
    );
}

#[test]
fn polling_does_not_change_the_physics() {
    let mut quiet = Host::new("pm5", "workout=2000m&seed=8");
    quiet.idle_until(200_000_000_000);
    let busy = script("workout=2000m&seed=8", 6000, Some(3000));
    assert!(busy.now > 100_000_000_000);
    let until = busy.now.min(200_000_000_000);
    let a: Vec<_> = quiet
        .sim
        .ground_truth()
        .strokes
        .iter()
        .filter(|s| s.end_ns < until)
        .collect();
    let b: Vec<_> = busy
        .sim
        .ground_truth()
        .strokes
        .iter()
        .filter(|s| s.end_ns < until)
        .collect();
    // The busy host programs intervals at exchange 3000, cutting the stroke
    // under way short; compare the strokes before that one.
    let cut = b.iter().position(|s| s.workout != 0).unwrap_or(b.len()) - 1;
    assert!(cut > 20);
    assert_eq!(a[..cut], b[..cut]);
}
