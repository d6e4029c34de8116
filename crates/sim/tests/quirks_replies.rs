//! The reply quirks: when stroke stats are published, gated proprietary
//! getters, bare set replies and which frame the status byte describes.

mod common;

use common::Host;
use erglink_csafe::command::*;
use erglink_csafe::wire::Bytes;
use erglink_csafe::{Outcome, PrevFrameStatus, StrokeState, workout};
use erglink_sim::{DWELL_NS, Origin};

const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;

/// Polls stroke state and `1A` stroke stats through a 500 m piece and after
/// it, 150 s in all (report 2 at `usb=1/2`,
/// no processing: 6 ms an exchange), checking every reply against the
/// ground truth. Returns (stroke state, drive counter of the stroke the PM
/// shows, drive counter in the stats) per reply.
fn poll_stats(stats: &str) -> (Host, Vec<(StrokeState, u16, u16)>) {
    let mut host = Host::new(
        "pm5",
        &format!("workout=500m&usb=1/2&proc=0&seed=5&stats={stats}"),
    );
    let mut seen = Vec::new();
    while host.now < 150 * S {
        let held = host.now + 2 * MS;
        let r = host
            .exchange(&[
                PmGetStrokeState {}.into(),
                PmGetStrokeStats { reserved: 0 }.into(),
            ])
            .unwrap();
        let state = r.get::<PmGetStrokeState>().unwrap().stroke_state;
        let got = r.get::<PmGetStrokeStats>().unwrap().clone();
        let truth = host.sim.ground_truth();
        let expected = truth
            .stats_shown_at(held)
            .map(|s| s.published.stats.clone())
            .unwrap_or_default();
        assert_eq!(got, expected, "stats={stats} at {held}");
        let shown = truth.stroke_shown_at(held).map_or(0, |s| s.drive_count);
        seen.push((state, shown, got.drive_count));
    }
    (host, seen)
}

#[test]
fn stats_at_the_end_of_the_drive() {
    let (host, seen) = poll_stats("drive");
    let after_drive: Vec<_> = seen
        .iter()
        .filter(|s| matches!(s.0, StrokeState::DwellingAfterDrive | StrokeState::Recovery))
        .collect();
    assert!(after_drive.len() > 1000);
    assert!(
        after_drive.iter().all(|s| s.2 == s.1),
        "the stroke just driven"
    );
    for s in &host.sim.ground_truth().strokes {
        assert_eq!(s.stats_published_ns, s.curve_published_ns);
    }
    assert_eq!(poll_stats("drive").1, poll_stats("drive").1);
}

#[test]
fn stats_at_the_start_of_the_recovery() {
    let (host, seen) = poll_stats("recovery");
    let dwelling: Vec<_> = seen
        .iter()
        .filter(|s| s.0 == StrokeState::DwellingAfterDrive)
        .collect();
    assert!(dwelling.len() > 20, "{}", dwelling.len());
    assert!(
        dwelling.iter().all(|s| s.2 + 1 == s.1),
        "while dwelling (3) they still describe the stroke before"
    );
    let recovering: Vec<_> = seen
        .iter()
        .filter(|s| s.0 == StrokeState::Recovery)
        .collect();
    assert!(recovering.len() > 1000);
    assert!(
        recovering.iter().all(|s| s.2 == s.1),
        "from Recovery (4) on"
    );
    for s in &host.sim.ground_truth().strokes {
        if let (Some(curve), Some(stats)) = (s.curve_published_ns, s.stats_published_ns) {
            assert_eq!(stats, curve + DWELL_NS);
        }
    }
}

#[test]
fn stats_one_stroke_late() {
    let (host, seen) = poll_stats("late");
    let after_drive: Vec<_> = seen
        .iter()
        .filter(|s| matches!(s.0, StrokeState::DwellingAfterDrive | StrokeState::Recovery))
        .collect();
    assert!(after_drive.len() > 1000);
    assert!(
        after_drive.iter().all(|s| s.2 + 1 == s.1),
        "always the stroke before the one just driven"
    );
    let first = seen.iter().find(|s| s.1 == 1).unwrap();
    assert_eq!(first.2, 0, "the first stroke's read as zeros");
    let driving: Vec<_> = seen
        .iter()
        .filter(|s| s.0 == StrokeState::Driving)
        .collect();
    assert!(
        driving.iter().any(|s| s.1 > 0) && driving.iter().all(|s| s.2 == s.1),
        "in the next drive, the stroke before it, now complete"
    );
    let strokes = &host.sim.ground_truth().strokes;
    for w in strokes.windows(2) {
        assert_eq!(
            w[0].stats_published_ns,
            Some(w[1].start_ns),
            "at the next catch"
        );
    }
    let last = strokes.last().unwrap();
    assert!(last.end_ns < 140 * S, "the piece is over");
    assert_eq!(
        last.stats_published_ns,
        Some(last.end_ns),
        "the last one too"
    );
}

#[test]
fn late_stats_of_a_stroke_stopped_in_its_recovery_are_published() {
    let mut host = Host::new("pm5", "start=1&stats=late");
    host.exchange(&workout::fixed_distance(2000, 500).unwrap())
        .unwrap();
    loop {
        let r = host.exchange(&[PmGetStrokeState {}.into()]).unwrap();
        if host.now > 20 * S
            && r.get::<PmGetStrokeState>().unwrap().stroke_state == StrokeState::Recovery
        {
            break;
        }
    }
    host.exchange(&workout::terminate()).unwrap();
    let held = host.now;
    let r = host
        .exchange(&[PmGetStrokeStats { reserved: 0 }.into()])
        .unwrap();
    let truth = host.sim.ground_truth();
    let last = truth.strokes.last().unwrap();
    assert_eq!(last.stats_published_ns, Some(last.end_ns));
    assert!(last.end_ns <= held);
    assert_eq!(*r.get::<PmGetStrokeStats>().unwrap(), last.published.stats);
}

#[test]
fn seventeen_f_stats_follow_the_same_timing_and_pm3_pm4_refuse_1a_stats() {
    for stats in ["drive", "recovery", "late"] {
        let mut host = Host::new("pm5", &format!("workout=2000m&seed=2&stats={stats}"));
        for _ in 0..2000 {
            let r = host
                .exchange(&[
                    PmGetStrokeStats { reserved: 0 }.into(),
                    PmGetStrokeStatsData { reserved: 0 }.into(),
                ])
                .unwrap();
            assert_eq!(
                r.get::<PmGetStrokeStats>(),
                r.get::<PmGetStrokeStatsData>(),
                "{stats}"
            );
        }
        for model in ["pm3", "pm4"] {
            let mut host = Host::new(model, &format!("workout=2000m&stats={stats}"));
            host.idle_until(60 * S);
            let r = host
                .exchange(&[PmGetStrokeStats { reserved: 0 }.into()])
                .unwrap();
            assert_eq!(r.status.prev_frame(), PrevFrameStatus::Reject, "{model}");
            assert_eq!(r.replies[0].outcome, Outcome::Missing);
        }
    }
}

fn power_and_7f_power(host: &mut Host) -> Option<erglink_csafe::Response> {
    host.exchange(&[GetPower {}.into(), PmGetStrokePower {}.into()])
}

#[test]
fn proprietary_getters_answered_refused_or_ignored() {
    let mut host = Host::new("pm5", "workout=2000m");
    host.idle_until(60 * S);
    let r = power_and_7f_power(&mut host).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
    assert!(r.get::<PmGetStrokePower>().is_some());

    let mut host = Host::new("pm5", "workout=2000m&proprietary=refuse");
    host.idle_until(60 * S);
    let before = host.exchange(&[GetStatus {}.into()]).unwrap().status;
    let r = power_and_7f_power(&mut host).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Reject);
    assert_eq!(
        r.status.toggle(),
        before.toggle(),
        "a rejected frame keeps the toggle"
    );
    assert!(
        r.get::<GetPower>().is_some(),
        "the rest of the frame is answered"
    );
    assert_eq!(r.replies[1].outcome, Outcome::Missing);
    let r = host.exchange(&[PmGetErgMachineType {}.into()]).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Reject, "7E too");
    // 1A getters and 76 setters are not gated.
    let r = host
        .exchange(&[PmGetDragFactor {}.into(), PmGetStrokeState {}.into()])
        .unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
    let r = host.exchange(&workout::terminate()).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
    assert_eq!(r.replies[0].outcome, Outcome::Ack);

    let mut host = Host::new("pm5", "workout=2000m&proprietary=silent");
    host.idle_until(60 * S);
    let before = host.exchange(&[GetStatus {}.into()]).unwrap().status;
    assert!(power_and_7f_power(&mut host).is_none(), "no reply at all");
    assert!(host.exchange(&[PmGetHwAddress {}.into()]).is_none());
    let after = host.exchange(&[GetPower {}.into()]).unwrap().status;
    assert_eq!(after.prev_frame(), PrevFrameStatus::Ok);
    assert_ne!(
        after.toggle(),
        before.toggle(),
        "ignored frames change nothing"
    );
    assert!(
        host.sim.read_report(u64::MAX).is_none(),
        "nothing late either"
    );
}

#[test]
fn listed_ids_only() {
    let mut host = Host::new("pm5", "workout=2000m&proprietary=refuse:A9,ED");
    host.idle_until(60 * S);
    let r = host.exchange(&[PmGetStrokePower {}.into()]).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Reject);
    let r = host.exchange(&[PmGetErgMachineType {}.into()]).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Reject);
    let r = host
        .exchange(&[PmGetStroke500mPace {}.into(), PmGetFwVersion {}.into()])
        .unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
    assert!(r.get::<PmGetStroke500mPace>().is_some());

    let mut host = Host::new("pm5", "workout=2000m&proprietary=silent:ED");
    host.idle_until(60 * S);
    assert!(host.exchange(&[PmGetErgMachineType {}.into()]).is_none());
    let r = host.exchange(&[PmGetStrokePower {}.into()]).unwrap();
    assert!(r.get::<PmGetStrokePower>().is_some());
}

#[test]
fn authentication_opens_the_gate() {
    let mut host = Host::new("pm5", "proprietary=refuse");
    let r = host.exchange(&[PmGetHwAddress {}.into()]).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Reject);
    let r = host
        .exchange(&[PmSetAuthenPassword {
            serial: 430_228_525,
            password: Bytes([0; 8]),
        }
        .into()])
        .unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
    let r = host.exchange(&[PmGetHwAddress {}.into()]).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
    assert!(r.get::<PmGetHwAddress>().is_some());
}

#[test]
fn set_commands_echoed_or_left_to_the_status_byte() {
    let program = workout::fixed_distance(2000, 500).unwrap();
    let mut ids = Host::new("pm5", "start=off");
    let echoed = ids.exchange_contents(&program).unwrap();
    assert_eq!(echoed[1], 0x76, "the ids come back in a 76 wrapper");
    assert_eq!(usize::from(echoed[2]), program.len());

    let mut bare = Host::new("pm5", "start=off&echo=bare");
    let c = bare.exchange_contents(&program).unwrap();
    assert_eq!(c, [echoed[0]], "the same status byte alone");
    let w = bare.sim.ground_truth().workouts.last().unwrap().clone();
    assert_eq!(
        w.origin,
        Origin::Proprietary,
        "and the workout is programmed"
    );

    let split: AnyCommand = PmSetSplitDuration {
        duration_type: erglink_csafe::DurationType::Time,
        duration: 6000,
    }
    .into();
    assert_eq!(
        ids.exchange_contents(std::slice::from_ref(&split)).unwrap()[1..],
        [0x1A, 0x01, 0x05]
    );
    assert_eq!(
        bare.exchange_contents(std::slice::from_ref(&split))
            .unwrap()
            .len(),
        1
    );
    let mixed = bare
        .exchange_contents(&[split, PmGetDragFactor {}.into()])
        .unwrap();
    assert_eq!(
        mixed[1..],
        [0x1A, 0x03, 0xC1, 0x01, 120],
        "getters still answer"
    );
    // A refused set still says Reject.
    let r = bare
        .exchange(&[PmSetRestDuration { rest: 900 }.into()])
        .unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Reject);
}

#[test]
fn previous_frame_status_of_this_frame_or_the_one_before() {
    let statuses = |query: &str| {
        let mut host = Host::new("pm5", &format!("start=off&{query}"));
        let mut out = vec![host.exchange(&[GetStatus {}.into()]).unwrap().status];
        // GOFINISHED outside a workout is rejected.
        out.push(host.exchange(&[GoFinished {}.into()]).unwrap().status);
        out.push(host.exchange(&[GetStatus {}.into()]).unwrap().status);
        out.push(host.exchange(&[GetStatus {}.into()]).unwrap().status);
        // A frame with a bad checksum.
        let bad = host.exchange_frame(&[0xF1, 0x80, 0x81, 0xF2]).unwrap();
        out.push(erglink_csafe::Status(common::contents(&bad).unwrap()[0]));
        out.push(host.exchange(&[GetStatus {}.into()]).unwrap().status);
        out
    };
    use PrevFrameStatus::{Bad, Ok, Reject};
    let prev = |v: &[erglink_csafe::Status]| v.iter().map(|s| s.prev_frame()).collect::<Vec<_>>();
    let this = statuses("");
    assert_eq!(statuses("prev_status=this"), this);
    assert_eq!(prev(&this), [Ok, Reject, Ok, Ok, Bad, Ok]);
    let last = statuses("prev_status=last");
    assert_eq!(prev(&last), [Ok, Ok, Reject, Ok, Ok, Bad]);
    let toggles = |v: &[erglink_csafe::Status]| v.iter().map(|s| s.toggle()).collect::<Vec<_>>();
    assert_eq!(
        toggles(&last),
        toggles(&this),
        "the toggle follows the frame answered"
    );
    assert!(last.iter().zip(&this).all(|(a, b)| a.state() == b.state()));
}

#[test]
fn prev_status_last_moves_a_refusal_to_the_next_reply() {
    let mut host = Host::new("pm5", "proprietary=refuse&prev_status=last");
    let r = host
        .exchange(&[GetPower {}.into(), PmGetStrokePower {}.into()])
        .unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
    assert_eq!(r.replies[1].outcome, Outcome::Missing, "still refused");
    let r = host.exchange(&[GetPower {}.into()]).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Reject);
    let r = host.exchange(&[GetPower {}.into()]).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
}
