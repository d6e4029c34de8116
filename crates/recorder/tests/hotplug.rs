//! Hot-plug, refused and sleeping monitors, and unplugs, through the
//! orchestrator on a simulated bus (issue [1/7]).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use erglink_model::GapKind;
use erglink_recorder::{Live, Options, RecorderError, SessionSummary, Target, Until, record_on};
use erglink_sim::{SimConfig, Simulator};
use erglink_store::{Store, WriterOptions};
use erglink_transport::{Bus, DeviceSelector, SimBus};

const S: u64 = 1_000_000_000;

struct Run {
    _dir: tempfile::TempDir,
    store: Store,
    sessions: Vec<SessionSummary>,
    errors: Vec<RecorderError>,
}

fn run(bus: Arc<dyn Bus>, target: Target) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("erglink.db")).unwrap();
    let writer = Arc::new(store.writer(WriterOptions::default()).unwrap());
    let options = Options {
        until: Until::Finished,
        ..Options::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (sessions, errors) = rt.block_on(record_on(
        bus,
        target,
        writer.clone(),
        options,
        Live::default(),
        Arc::new(AtomicBool::new(false)),
    ));
    Arc::try_unwrap(writer).unwrap().close().unwrap();
    Run {
        _dir: dir,
        store,
        sessions,
        errors,
    }
}

fn plug(bus: &SimBus, at_s: u64, options: &str) -> String {
    let cfg = SimConfig::parse("pm5", options).unwrap();
    let sim = Simulator::new(cfg);
    let serial = sim.identity().serial.clone();
    bus.plug_in(at_s * S, sim, format!("sim:pm5?{options}"))
        .unwrap();
    serial
}

fn session_of<'a>(r: &'a Run, serial: &str) -> &'a SessionSummary {
    let reader = r.store.reader().unwrap();
    r.sessions
        .iter()
        .find(|s| reader.session(&s.id).unwrap().monitor.unwrap().serial == serial)
        .unwrap_or_else(|| panic!("no session of {serial}"))
}

#[test]
fn record_all_picks_up_a_monitor_once_it_lets_itself_be_opened() {
    let bus = SimBus::new();
    let a = plug(&bus, 0, "workout=500m&seed=1");
    // Plugged in 2 s later; its node root-only for 3 s; silent for 5 s after
    // the first open. Its athlete starts late enough for every stroke to count.
    let b = plug(
        &bus,
        2,
        "workout=500m&seed=2&deny=3000&asleep=5000&start=12",
    );
    let r = run(Arc::new(bus.clone()), Target::AllAttached);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.sessions.len(), 2, "each monitor once: {:?}", r.sessions);
    for serial in [&a, &b] {
        let s = session_of(&r, serial);
        assert!(s.workout_finished, "{serial}");
        let rowed = bus
            .with_simulator(serial, |sim| sim.ground_truth().counted_strokes(0).count())
            .unwrap() as u64;
        assert!(
            s.strokes + 1 >= rowed && s.strokes <= rowed,
            "{serial}: {} strokes stored of {rowed}",
            s.strokes
        );
    }
}

#[test]
fn a_named_monitor_that_is_not_there_yet_is_waited_for() {
    let bus = SimBus::new();
    let serial = plug(&bus, 6, "workout=500m&seed=5&deny=1000&start=3");
    let named = DeviceSelector::parse(&format!("hid:serial={serial}")).unwrap();
    let r = run(Arc::new(bus.clone()), Target::Devices(vec![named]));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.sessions.len(), 1);
    assert!(r.sessions[0].workout_finished);
    assert!(bus.now_ns() >= 6 * S, "waited on the bus's clock");
}

#[test]
fn an_unplug_on_every_os_is_one_session_with_a_gap() {
    for os in ["linux", "windows", "macos"] {
        let bus = SimBus::new();
        let sel = DeviceSelector::parse(&format!(
            "sim:pm4?workout=500m&seed=6&unplug_error={os}&faults=unplug:40+6"
        ))
        .unwrap();
        // A `sim:` selector gets a bus of its own; the shared one stays empty.
        let r = run(Arc::new(bus), Target::Devices(vec![sel]));
        assert!(r.errors.is_empty(), "{os}: {:?}", r.errors);
        assert_eq!(r.sessions.len(), 1, "{os}: one session across the unplug");
        let s = &r.sessions[0];
        assert!(s.workout_finished, "{os}");
        let reader = r.store.reader().unwrap();
        let gaps: Vec<_> = reader.gaps(&s.id).unwrap().map(Result::unwrap).collect();
        assert_eq!(gaps.len(), 1, "{os}: {gaps:?}");
        assert_eq!(gaps[0].kind, GapKind::Unplugged, "{os}");
        let to = gaps[0].to_ns.expect("it came back");
        let gap = to - gaps[0].from_ns;
        assert!(
            (6 * S..=9 * S).contains(&gap),
            "{os}: polling again {gap} ns after it went, for a 6 s unplug"
        );
    }
}

#[test]
fn a_monitor_that_can_never_work_is_an_error_not_a_wait() {
    let bus: Arc<dyn Bus> = Arc::new(SimBus::new());
    let bad = DeviceSelector::parse("sim:pm5?machine=canoe").unwrap();
    let missing = DeviceSelector::parse("replay:/nonexistent/erglink-transcript.txt").unwrap();
    let r = run(bus, Target::Devices(vec![bad, missing]));
    assert!(r.sessions.is_empty());
    assert_eq!(r.errors.len(), 2, "{:?}", r.errors);
}
