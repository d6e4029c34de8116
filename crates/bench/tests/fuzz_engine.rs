//! The fuzzer against the simulator's planted hangs, through the library.

use erglink_bench::fuzz::{AnomalyKind, FuzzOptions, fuzz, reproduce};
use erglink_csafe::{decode_request, frame};
use erglink_pm::Monitor;
use erglink_transport::{Bus, DeviceSelector, SimBus, Transport};

fn run(options: &str, count: usize) -> (erglink_bench::fuzz::FuzzReport, SimBus) {
    let bus = SimBus::single_selector("pm5", options).unwrap();
    let selector = DeviceSelector::parse(&format!("sim:pm5?{options}")).unwrap();
    let t = bus.open(&selector).unwrap();
    let info = t.info().clone();
    let mut monitor = Monitor::new(t);
    let reopener = bus.clone();
    let mut reopen = move || reopener.reopen(&info);
    let opts = FuzzOptions {
        seed: 1,
        count,
        allow_set: false,
    };
    let mut cases = 0;
    let report = fuzz(&mut monitor, &mut reopen, &opts, &mut |_, _| cases += 1);
    assert_eq!(cases, count, "every case is reported");
    (report, bus)
}

#[test]
fn a_hang_inside_a_wrapper_or_at_top_level_minimises_to_one_command() {
    // A3 is GETCALORIES at top level and PM_GET_WORKDISTANCE inside 1A: seeds carry both.
    let (report, _) = run("faults=hang_on:A3", 200);
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    assert!(!report.found.is_empty());
    for f in &report.found {
        assert_eq!(f.kind, AnomalyKind::NeedsReopen, "{f:?}");
        let decoded = frame::decode_frame(&f.frame).expect("the minimal frame is valid");
        let cmds = decode_request(&decoded.contents).commands;
        assert_eq!(cmds.len(), 1, "{f:?}");
        assert_eq!(cmds[0].id(), 0xA3, "{f:?}");
    }
    let frames: Vec<_> = report.found.iter().map(|f| f.frame.clone()).collect();
    assert!(
        frames.contains(&vec![0xF1, 0xA3, 0xA3, 0xF2]),
        "{frames:02X?}"
    );
    assert!(
        frames.contains(&vec![0xF1, 0x1A, 0x01, 0xA3, 0xB8, 0xF2]),
        "inside 1A: {frames:02X?}"
    );
    assert_eq!(frames.len(), 2, "each minimal frame once: {frames:02X?}");
}

#[test]
fn a_saved_anomaly_recurs_where_the_fault_is_and_not_elsewhere() {
    let (report, _) = run("faults=hang_on:A3", 40);
    let found = &report.found[0];
    let again = |options: &str| {
        let bus = SimBus::single_selector("pm5", options).unwrap();
        let selector = DeviceSelector::parse(&format!("sim:pm5?{options}")).unwrap();
        let t = bus.open(&selector).unwrap();
        let info = t.info().clone();
        let mut monitor = Monitor::new(t);
        let mut reopen = move || bus.reopen(&info);
        reproduce(&found.transcript, &mut monitor, &mut reopen).unwrap()
    };
    assert!(again("faults=hang_on:A3").recurs());
    assert!(!again("").recurs());
    assert!(!again("faults=hang_on:A4").recurs());
}

#[test]
fn a_healthy_monitor_gives_no_anomalies() {
    let (report, _) = run("", 600);
    assert!(report.found.is_empty(), "{:?}", report.found);
    assert_eq!(report.unconfirmed, 0);
    let sent: usize = report.stats.values().map(|s| s.sent).sum();
    let held: usize = report.stats.values().map(|s| s.held).sum();
    assert_eq!(sent + held, 600);
}
