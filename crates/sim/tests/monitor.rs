//! The monitor's answers: every getter of the dictionary, values that agree
//! with each other and with the ground truth, workouts, machines and models.

mod common;

use common::Host;
use erglink_csafe::command::*;
use erglink_csafe::workout;
use erglink_csafe::{
    Access, ErgMachineType, Outcome, PrevFrameStatus, State, StrokeState, UnitsSpecifier,
    WorkoutState,
};
use erglink_sim::Origin;

const S: u64 = 1_000_000_000;

/// Every getter with a zeroed argument, if its arguments are fixed-size.
fn every_getter() -> Vec<AnyCommand> {
    all_specs()
        .iter()
        .filter(|s| s.access != Access::Set && s.reply_has_data)
        .filter_map(|s| {
            let zeros = [0u8; 16];
            let data = (!s.is_short()).then(|| &zeros[..s.args_max_len.min(16)]);
            match AnyCommand::decode(s.wrapper, s.id, data) {
                AnyCommand::Raw(_) => None,
                c => Some(c),
            }
        })
        .collect()
}

#[test]
fn every_getter_is_answered_in_its_layout() {
    let getters = every_getter();
    assert!(getters.len() > 130, "{}", getters.len());
    let mut host = Host::new("pm5", "workout=2000m");
    host.idle_until(60 * S);
    for cmd in &getters {
        let r = host.exchange(std::slice::from_ref(cmd)).unwrap();
        assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok, "{}", cmd.name());
        assert!(
            matches!(r.replies[0].outcome, Outcome::Data(_)),
            "{}: {:?}",
            cmd.name(),
            r.replies[0].outcome
        );
        assert!(r.issues.is_empty(), "{}: {:?}", cmd.name(), r.issues);
    }
    // A PM4 refuses the PM5 generation's commands.
    let mut pm4 = Host::new("pm4", "");
    let r = pm4.exchange(&[PmGetErgMachineType {}.into()]).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Reject);
    let r = pm4.exchange(&[PmGetDragFactor {}.into()]).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
}

#[test]
fn one_frame_tells_one_story() {
    let mut host = Host::new("pm5", "workout=2000m&pace=1:50&seed=4");
    host.idle_until(95 * S);
    let cmds: Vec<AnyCommand> = vec![
        PmGetWorkTime {}.into(),
        PmGetWorkDistance {}.into(),
        PmGetDragFactor {}.into(),
        PmGetStrokeStats { reserved: 0 }.into(),
        GetPower {}.into(),
        GetPace {}.into(),
        GetCadence {}.into(),
        GetHrCur {}.into(),
        GetCalories {}.into(),
        GetHorizontal {}.into(),
        GetTWork {}.into(),
        PmGetWorkTimeData {}.into(),
        PmGetWorkDistanceData {}.into(),
        PmGetStrokePower {}.into(),
        PmGetStroke500mPace {}.into(),
        PmGetStrokeRate {}.into(),
        PmGetTotalAvgCalories {}.into(),
        PmGetDragFactorData {}.into(),
    ];
    for _ in 0..40 {
        let r = host.exchange(&cmds).unwrap();
        let at = host.now - host.sim.bus_limit(2).exchange_ns + 8_000_000 + 2_000_000;
        let truth = host.sim.ground_truth();
        let shown = truth.state_at(at).unwrap();
        let stroke = truth.stroke_shown_at(at).unwrap();

        let t = r.get::<PmGetWorkTime>().unwrap().time;
        assert_eq!(r.get::<PmGetWorkTimeData>().unwrap().time, t);
        assert_eq!(t, (shown.work_time_s * 100.0) as u32);
        let tw = r.get::<GetTWork>().unwrap();
        assert_eq!(u32::from(tw.minutes) * 60 + u32::from(tw.seconds), t / 100);
        let d = r.get::<PmGetWorkDistance>().unwrap().distance;
        assert_eq!(r.get::<PmGetWorkDistanceData>().unwrap().distance, d);
        assert_eq!(
            u32::from(r.get::<GetHorizontal>().unwrap().distance),
            d / 10
        );

        let p = r.get::<GetPower>().unwrap();
        assert_eq!(p.units, UnitsSpecifier::Watt);
        assert_eq!(p.power, stroke.published.power_w);
        assert_eq!(
            r.get::<PmGetStrokePower>().unwrap().power,
            u32::from(p.power)
        );
        let pace = r.get::<PmGetStroke500mPace>().unwrap().pace;
        assert_eq!(pace, stroke.published.pace_cs);
        let from_power = 500.0 * (2.8 / f64::from(p.power)).cbrt();
        assert!((f64::from(pace) / 100.0 - from_power).abs() < 0.3);
        let public_pace = r.get::<GetPace>().unwrap().seconds_per_500m().unwrap();
        assert!((public_pace - f64::from(pace) / 100.0).abs() <= 0.5);
        let rate = r.get::<PmGetStrokeRate>().unwrap().rate;
        assert_eq!(u16::from(rate), r.get::<GetCadence>().unwrap().rate);
        assert!((26..=30).contains(&rate), "{rate}");
        assert_eq!(
            *r.get::<PmGetStrokeStats>().unwrap(),
            stroke.published.stats
        );
        assert_eq!(r.get::<GetHrCur>().unwrap().hr, shown.hr_bpm);
        assert!((120..=190).contains(&shown.hr_bpm));
        let kcal = r.get::<GetCalories>().unwrap().calories;
        assert_eq!(
            u32::from(kcal),
            r.get::<PmGetTotalAvgCalories>().unwrap().calories
        );
        let df = r.get::<PmGetDragFactor>().unwrap().drag_factor;
        assert_eq!(df, 120);
        assert_eq!(r.get::<PmGetDragFactorData>().unwrap().drag_factor, df);
    }
}

#[test]
fn heart_rate_off() {
    let mut host = Host::new("pm5", "hr=off&workout=2000m");
    host.idle_until(90 * S);
    let r = host
        .exchange(&[
            GetHrCur {}.into(),
            PmGetHeartbeatData { block_len: 32 }.into(),
            PmGetAvgHeartRate {}.into(),
        ])
        .unwrap();
    assert_eq!(r.get::<GetHrCur>().unwrap().hr, 0);
    assert_eq!(r.get::<PmGetHeartbeatData>().unwrap().samples.count, 0);
    assert_eq!(r.get::<PmGetAvgHeartRate>().unwrap().hr, 0);
    assert!(host.sim.ground_truth().beats.is_empty());
    // With a belt, the beats since the last read.
    let mut host = Host::new("pm5", "");
    host.idle_until(10 * S);
    let r = host
        .exchange(&[PmGetHeartbeatData { block_len: 32 }.into()])
        .unwrap();
    let rr = r.get::<PmGetHeartbeatData>().unwrap().samples;
    let beats = &host.sim.ground_truth().beats;
    assert!(rr.count >= 20, "{}", rr.count);
    let n = rr.samples().len();
    let expected: Vec<u16> = beats[beats.len() - n..].iter().map(|b| b.rr_ms).collect();
    assert_eq!(rr.samples(), &expected[..]);
}

fn watch_workout_states(host: &mut Host, until: u64) -> Vec<WorkoutState> {
    let mut seen = vec![];
    while host.now < until {
        let r = host.exchange(&[PmGetWorkoutState {}.into()]).unwrap();
        let ws = r.get::<PmGetWorkoutState>().unwrap().workout_state;
        if seen.last() != Some(&ws) {
            seen.push(ws);
        }
    }
    seen
}

#[test]
fn intervals_with_rest() {
    let mut host = Host::new("pm5", "workout=3x500m/0:30r&pace=1:50");
    let seen = watch_workout_states(&mut host, 400 * S);
    use WorkoutState as W;
    let core: Vec<W> = seen
        .iter()
        .copied()
        .filter(|w| {
            matches!(
                w,
                W::IntervalWorkDistance | W::IntervalRest | W::WorkoutEnd | W::WorkoutLogged
            )
        })
        .collect();
    assert_eq!(
        core,
        [
            W::IntervalWorkDistance,
            W::IntervalRest,
            W::IntervalWorkDistance,
            W::IntervalRest,
            W::IntervalWorkDistance,
            W::WorkoutEnd,
            W::WorkoutLogged
        ]
    );
    let truth = host.sim.ground_truth();
    assert_eq!(truth.intervals.len(), 3);
    for (a, b) in truth.intervals.iter().zip(&truth.intervals[1..]) {
        assert_eq!(a.distance_m, 500.0);
        assert_eq!(b.start_ns - a.end_ns, 30 * S, "30 s of rest");
    }
    assert_eq!(truth.splits.len(), 3);
    let shown = truth.state_at(host.now).unwrap();
    assert_eq!(shown.total_distance_m, 1500.0);
    assert!((shown.total_rest_s - 60.0).abs() < 1e-6);
}

#[test]
fn a_timed_piece_ends_on_the_second() {
    let mut host = Host::new("pm5", "workout=3:00");
    host.idle_until(200 * S);
    let truth = host.sim.ground_truth();
    let iv = &truth.intervals[0];
    assert_eq!(iv.time_s, 180.0);
    assert_eq!(iv.end_ns - iv.start_ns, 180 * S);
    assert_eq!(truth.splits.len(), 5, "36 s splits");
    let r = host
        .exchange(&[PmGetWorkTime {}.into(), PmGetWorkoutState {}.into()])
        .unwrap();
    assert_eq!(r.get::<PmGetWorkTime>().unwrap().time, 18_000);
    assert_eq!(
        r.get::<PmGetWorkoutState>().unwrap().workout_state,
        WorkoutState::WorkoutLogged
    );
}

#[test]
fn a_public_workout_goes_in_use_and_finishes() {
    let mut host = Host::new("pm5", "start=1");
    let r = host
        .exchange(&workout::public_distance(500).unwrap())
        .unwrap();
    assert_eq!(r.status.state(), State::InUse);
    host.idle_until(host.now + 130 * S);
    let r = host
        .exchange(&[GetStatus {}.into(), GetHorizontal {}.into()])
        .unwrap();
    assert_eq!(r.status.state(), State::Finished);
    assert_eq!(r.get::<GetHorizontal>().unwrap().distance, 500);
    let w = host.sim.ground_truth().workouts.last().unwrap();
    assert_eq!(w.origin, Origin::Public);
    assert!(w.ended_ns.is_some() && !w.terminated);
    // GOFINISHED is accepted only in use.
    let r = host.exchange(&[GoFinished {}.into()]).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Reject);
}

#[test]
fn a_76_workout_is_rowed_on_the_pms_own() {
    let mut host = Host::new("pm5", "start=off");
    let r = host.exchange(&[GoIdle {}.into()]).unwrap();
    assert_eq!(r.status.state(), State::Idle);
    let mut host = Host::with(erglink_sim::Simulator::new(
        erglink_sim::SimConfig::parse("pm5", "start=2").unwrap(),
    ));
    host.exchange(&[GoIdle {}.into()]).unwrap();
    let r = host
        .exchange(&workout::fixed_distance(1000, 500).unwrap())
        .unwrap();
    assert_eq!(r.status.state(), State::Idle);
    assert!(r.replies.iter().all(|x| x.outcome == Outcome::Ack));
    host.idle_until(host.now + 60 * S);
    let r = host
        .exchange(&[PmGetWorkDistance {}.into(), PmGetWorkoutType {}.into()])
        .unwrap();
    assert_eq!(r.status.state(), State::Manual);
    assert!(r.get::<PmGetWorkDistance>().unwrap().distance > 1000);
    let r = host.exchange(&workout::terminate()).unwrap();
    assert_eq!(r.status.state(), State::Manual);
    let w = host.sim.ground_truth().workouts.last().unwrap();
    assert_eq!((w.origin, w.terminated), (Origin::Proprietary, true));
    // A refused parameter is not echoed, and the frame says Reject.
    let r = host
        .exchange(&[PmSetRestDuration { rest: 900 }.into()])
        .unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Reject);
    assert_eq!(r.replies[0].outcome, Outcome::StatusOnly);
}

#[test]
fn stroke_states_cycle_and_spin_down() {
    let mut host = Host::new("pm5", "workout=500m");
    let mut seen = vec![];
    while host.now < 150 * S {
        let r = host.exchange(&[PmGetStrokeState {}.into()]).unwrap();
        let st = r.get::<PmGetStrokeState>().unwrap().stroke_state;
        if seen.last() != Some(&st) {
            seen.push(st);
        }
    }
    use StrokeState as St;
    assert_eq!(seen[0], St::WaitingForWheelToReachMinSpeed);
    assert_eq!(seen[1], St::Driving);
    assert!(
        seen.windows(2)
            .any(|w| w == [St::Driving, St::DwellingAfterDrive])
    );
    assert!(seen.windows(2).any(|w| w == [St::Recovery, St::Driving]));
    assert_eq!(
        seen[seen.len() - 2..],
        [
            St::WaitingForWheelToAccelerate,
            St::WaitingForWheelToReachMinSpeed
        ]
    );
}

#[test]
fn machines() {
    for (query, machine_type, rate) in [
        ("machine=skierg", ErgMachineType::StaticSki, 34),
        ("machine=bikeerg&pace=2:00", ErgMachineType::Bike, 80),
        ("machine=rower", ErgMachineType::StaticD, 28),
    ] {
        let mut host = Host::new("pm5", &format!("{query}&workout=5:00"));
        host.idle_until(120 * S);
        let r = host
            .exchange(&[
                PmGetErgMachineType {}.into(),
                PmGetStrokeRate {}.into(),
                GetPower {}.into(),
            ])
            .unwrap();
        assert_eq!(
            r.get::<PmGetErgMachineType>().unwrap().machine_type,
            machine_type
        );
        let got = r.get::<PmGetStrokeRate>().unwrap().rate;
        assert!((rate - 3..=rate + 3).contains(&got), "{query}: {got}");
        let w = r.get::<GetPower>().unwrap().power;
        assert!(
            (160..=250).contains(&w),
            "{query}: 2:00 is about 200 W: {w}"
        );
    }
    // On the BikeErg 2:00/1000 m is 1:00/500 m, twice a rower's speed.
    let mut bike = Host::new("pm5", "machine=bikeerg&pace=2:00&workout=1000m");
    bike.idle_until(200 * S);
    let iv = &bike.sim.ground_truth().intervals[0];
    assert!((110.0..=130.0).contains(&iv.time_s), "{}", iv.time_s);
}

#[test]
fn models() {
    for (model, number, pid) in [("pm3", 3, 1), ("pm4", 4, 2), ("pm5", 5, 3)] {
        let mut host = Host::new(model, "serial=430228525");
        let id = host.sim.identity().clone();
        assert_eq!(
            (id.model, id.product_id, id.vendor_id),
            (number, pid, 0x17A4)
        );
        // The spec's 62-byte report 4 on every model; the 2023 PM5
        // firmware's 500 bytes is `descriptor=500`.
        assert_eq!(id.report_size(4), Some(62));
        let newer = erglink_sim::Simulator::new(
            erglink_sim::SimConfig::parse(model, "descriptor=500").unwrap(),
        );
        assert_eq!(newer.identity().report_size(4), Some(500));
        assert_eq!(
            id.product,
            format!("Concept2 Performance Monitor {number} (PM{number})")
        );
        let r = host
            .exchange(&[GetVersion {}.into(), GetSerial {}.into()])
            .unwrap();
        let v = r.get::<GetVersion>().unwrap();
        assert_eq!((v.manufacturer_id, v.class_id, v.model), (22, 2, number));
        assert_eq!(v.software_version, id.firmware_version);
        assert_eq!(
            r.get::<GetSerial>().unwrap().serial.as_str(),
            Some("430228525")
        );
    }
}

#[test]
fn have_id_times_out_to_idle() {
    let mut host = Host::new("pm5", "start=off");
    host.exchange(&[GoIdle {}.into(), GoHaveId {}.into()])
        .unwrap();
    let r = host.exchange(&[GetStatus {}.into()]).unwrap();
    assert_eq!(r.status.state(), State::HaveId);
    host.idle_until(host.now + 11 * S);
    let r = host.exchange(&[GetStatus {}.into()]).unwrap();
    assert_eq!(r.status.state(), State::Idle);
    let r = host.exchange(&[GoInUse {}.into()]).unwrap();
    assert_eq!(r.status.state(), State::InUse);
    let r = host.exchange(&[GoReady {}.into()]).unwrap();
    assert_eq!(r.status.state(), State::Ready);
}

#[test]
fn splits_add_up() {
    let mut host = Host::new("pm5", "workout=2000m&pace=1:45&seed=9");
    host.idle_until(500 * S);
    let truth = host.sim.ground_truth();
    let splits: Vec<_> = truth.splits.iter().filter(|s| s.workout == 0).collect();
    assert_eq!(splits.len(), 4);
    let total: f64 = splits.iter().map(|s| s.time_s).sum();
    assert!((total - truth.intervals[0].time_s).abs() < 1e-6);
    for s in &splits {
        // Snapped on the boundary, not a hair past it.
        assert_eq!(s.distance_m, 500.0);
        assert!(
            (99.0..=111.0).contains(&s.pace_500m_s()),
            "{}",
            s.pace_500m_s()
        );
    }
    let strokes: u16 = splits.iter().map(|s| s.strokes).sum();
    assert_eq!(strokes as usize, truth.counted_strokes(0).count());
}

#[test]
fn the_pm_reports_whole_splits() {
    // Distance splits: every last-split distance the PM shows is 500 m, the
    // last one (which ends on the goal) too.
    let mut host = Host::new("pm5", "workout=2000m&pace=1:45&seed=9");
    let mut shown = Vec::new();
    while host.now < 500 * S {
        host.idle_until(host.now + 5 * S);
        let r = host
            .exchange(&[
                PmGetLastSplitDistance {}.into(),
                PmGetLastSplitTime {}.into(),
            ])
            .unwrap();
        let d = r.get::<PmGetLastSplitDistance>().unwrap().distance;
        let t = r.get::<PmGetLastSplitTime>().unwrap().time;
        if d > 0 && shown.last() != Some(&(d, t)) {
            shown.push((d, t));
        }
    }
    assert_eq!(shown.len(), 4, "{shown:?}");
    assert!(shown.iter().all(|&(d, _)| d == 500), "{shown:?}");
    // Time splits: 36 s each, to the tenth the PM shows.
    let mut host = Host::new("pm5", "workout=3:00&seed=2");
    host.idle_until(200 * S);
    let truth = host.sim.ground_truth();
    assert!(
        truth.splits.iter().all(|s| s.time_s == 36.0),
        "{:?}",
        truth.splits
    );
    let r = host.exchange(&[PmGetLastSplitTime {}.into()]).unwrap();
    assert_eq!(r.get::<PmGetLastSplitTime>().unwrap().time, 360);
}

#[test]
fn an_athlete_who_quits_pauses_the_workout() {
    let mut host = Host::new("pm5", "start=1&quit=20");
    let r = host
        .exchange(&workout::public_distance(2000).unwrap())
        .unwrap();
    assert_eq!(r.status.state(), State::InUse);
    let mut states = vec![];
    while host.now < 300 * S {
        let st = host
            .exchange(&[GetStatus {}.into()])
            .unwrap()
            .status
            .state();
        if states.last().map(|&(s, _)| s) != Some(st) {
            states.push((st, host.now / S));
        }
        host.idle_until(host.now + S / 2);
    }
    let names: Vec<State> = states.iter().map(|&(s, _)| s).collect();
    assert_eq!(names, [State::InUse, State::Paused, State::Finished]);
    // Stopped about 20 s after the first stroke (at 1 s), paused 6 s later,
    // finished 220 s after that.
    assert!((27..=32).contains(&states[1].1), "{states:?}");
    assert!((247..=253).contains(&states[2].1), "{states:?}");
    let w = host.sim.ground_truth().workouts.last().unwrap();
    assert!(w.terminated);
}
