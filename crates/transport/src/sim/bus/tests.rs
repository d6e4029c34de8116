use super::*;

const S: u64 = 1_000_000_000;
const GETSTATUS: [u8; 5] = [2, 0xF1, 0x80, 0x80, 0xF2];

fn sim(model: &str, options: &str) -> (Simulator, String) {
    let cfg = SimConfig::parse(model, options).unwrap();
    (Simulator::new(cfg), format_path(model, options))
}

/// One GETSTATUS: the reply's arrival on the transport's clock, if any.
fn status(t: &mut dyn Transport) -> Result<Option<u64>, TransportError> {
    t.write_report(&GETSTATUS)?;
    let mut buf = Vec::new();
    Ok(t.read_report(&mut buf, S)?.then(|| t.now_ns()))
}

#[test]
fn hot_plug_deny_and_asleep_open_once_allowed() {
    let bus = SimBus::new();
    let (s, path) = sim("pm5", "seed=7&deny=3000&asleep=5000");
    bus.plug_in(2 * S, s, path).unwrap();
    assert_eq!(bus.schedule(), Schedule::Pending(Some(2 * S)));
    assert!(bus.discover().unwrap().is_empty(), "not plugged in yet");
    assert_eq!(
        bus.open(&DeviceSelector::Hid(crate::UsbFilter::Any))
            .err()
            .map(|e| e.kind),
        Some(ErrorKind::NotFound)
    );

    // Try once a simulated second, as the recorder's discovery does.
    let mut refused = 0;
    let mut handle = None;
    while bus.now_ns() <= 20 * S {
        assert_eq!(
            bus.advance(S),
            Duration::ZERO,
            "pacing=max waits for nothing"
        );
        let Some(info) = bus.discover().unwrap().pop() else {
            continue;
        };
        match bus.reopen(&info) {
            Ok(t) => {
                handle = Some(t);
                break;
            }
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::PermissionDenied, "{e}");
                assert!(e.message.contains("(os error 13)"), "{}", e.message);
                refused += 1;
            }
        }
    }
    assert_eq!(bus.schedule(), Schedule::Complete);
    let mut t = handle.expect("opened once permission came");
    // Plugged in at 2 s, refused until 3 s after: opened at 5 s on the bus.
    assert_eq!(bus.now_ns(), 5 * S);
    assert_eq!(refused, 3, "refused at 2 s, 3 s and 4 s on the bus");
    let opened = t.now_ns();
    assert_eq!(opened, 3 * S, "its own clock counts from its plug-in");

    // Asleep: no reply at all for 5 s after the open.
    let mut first = None;
    for _ in 0..20 {
        if let Some(at) = status(&mut t).unwrap() {
            first = Some(at);
            break;
        }
    }
    let first = first.expect("it wakes up");
    assert!(
        first >= opened + 5 * S && first <= opened + 7 * S,
        "first reply at {first} ns, opened at {opened} ns"
    );
}

#[test]
fn a_handle_dies_at_an_unplug_and_a_reopen_continues_the_same_monitor() {
    let (s, path) = sim("pm5", "seed=3&faults=unplug:10+5");
    let bus = SimBus::single(s, path.clone());
    let mut old = bus.open(&DeviceSelector::parse(&path).unwrap()).unwrap();
    let info = old.info().clone();
    assert!(status(&mut *old).unwrap().is_some());
    old.sleep_ns(11 * S);
    let e = status(&mut *old).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Disconnected);
    assert!(e.message.contains("os error 19"), "{}", e.message);
    // Inside the unplug the bus does not list it, and a reopen says so.
    assert!(bus.discover().unwrap().is_empty());
    assert_eq!(bus.schedule(), Schedule::Pending(None), "it will be back");
    assert_eq!(
        bus.reopen(&info).err().map(|e| e.kind),
        Some(ErrorKind::NotFound)
    );

    // Back after 15 s: the old handle stays dead, as a hidraw handle does.
    old.sleep_ns(5 * S);
    let before = old.now_ns();
    assert!(before >= 15 * S);
    for _ in 0..3 {
        let mut buf = Vec::new();
        let e = old.read_report(&mut buf, S).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Disconnected);
        assert!(e.message.contains("unexpected poll error"), "{}", e.message);
        assert_eq!(status(&mut *old).unwrap_err().kind, ErrorKind::Disconnected);
    }
    assert_eq!(bus.discover().unwrap().len(), 1);
    let mut new = bus.reopen(&info).unwrap();
    assert!(new.now_ns() >= before, "the clock never goes back");
    assert!(status(&mut *new).unwrap().is_some());
    assert_eq!(new.info(), &info);
    // The same simulator: its clock, its serial, its ground truth.
    let strokes = bus
        .with_simulator(info.serial.as_deref().unwrap(), |s| {
            s.ground_truth().strokes.len()
        })
        .unwrap();
    drop(old);
    assert!(strokes > 0, "the athlete rowed through the unplug");
}

#[test]
fn every_unplug_error_is_the_backends_own_and_reads_as_disconnected() {
    for (quirk, write_text, read_text) in [
        (
            "linux",
            "(os error 19)",
            "unexpected poll error (device disconnected)",
        ),
        (
            "windows",
            "WriteFile: (0x0000048F)",
            "GetOverlappedResult: (0x0000048F)",
        ),
        (
            "macos",
            "Device is disconnected",
            "hid_read_timeout: device disconnected",
        ),
    ] {
        let (s, path) = sim("pm4", &format!("unplug_error={quirk}&faults=unplug:1+5"));
        let mut t = SimTransport::new(s, path);
        t.sleep_ns(2 * S);
        let w = t.write_report(&GETSTATUS).unwrap_err();
        assert_eq!(w.kind, ErrorKind::Disconnected, "{quirk}: {w}");
        assert!(w.message.contains(write_text), "{quirk}: {}", w.message);
        let mut buf = Vec::new();
        let r = t.read_report(&mut buf, S).unwrap_err();
        assert_eq!(r.kind, ErrorKind::Disconnected, "{quirk}: {r}");
        assert!(r.message.contains(read_text), "{quirk}: {}", r.message);
        assert!(t.is_dead());
    }
}

#[test]
fn descriptor_quirks_go_through_the_parser_and_the_merge() {
    let sizes = |model: &str, q: &str| {
        let (s, path) = sim(model, &format!("descriptor={q}"));
        SimTransport::new(s, path).report_sizes().entries().to_vec()
    };
    for model in ["pm3", "pm4", "pm5"] {
        assert_eq!(
            sizes(model, "spec"),
            [(1, 20), (2, 120), (4, 62)],
            "{model}"
        );
        assert_eq!(
            sizes(model, "no2"),
            [(1, 20), (4, 62)],
            "{model}: no report 2, ever"
        );
        assert_eq!(
            sizes(model, "500"),
            [(1, 20), (2, 120), (4, 500)],
            "{model}"
        );
    }
    // `partial`: report 1 from the descriptor; report 2 (its count in a long
    // item) and report 4 (no sizes) unsettled and filled with the spec's
    // size for the model, nothing else.
    assert_eq!(sizes("pm3", "partial"), [(1, 20), (2, 120), (4, 62)]);
    assert_eq!(sizes("pm5", "partial"), [(1, 20), (2, 120), (4, 500)]);
    let d = crate::parse_report_descriptor(&super::super::surface::descriptor_bytes(
        &SimConfig::parse("pm5", "descriptor=partial").unwrap(),
    ));
    assert_eq!(d.unsettled, vec![2, 4]);
}

#[test]
fn a_new_open_makes_the_old_handle_dead() {
    let (s, path) = sim("pm5", "");
    let bus = SimBus::single(s, path);
    let mut a = bus
        .open(&DeviceSelector::Hid(crate::UsbFilter::Any))
        .unwrap();
    let info = a.info().clone();
    let mut b = bus.reopen(&info).unwrap();
    assert_eq!(status(&mut *a).unwrap_err().kind, ErrorKind::Disconnected);
    assert!(status(&mut *b).unwrap().is_some());
}

#[test]
fn the_environment_variable_describes_monitors_and_their_plug_in_times() {
    let bus =
        SimBus::parse("sim:pm5?seed=1  sim:pm3?seed=2&deny=3000@2.5\tsim:pm4?serial=400000001@10")
            .unwrap();
    let all = bus.monitors();
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].path, "sim:pm3?seed=2&deny=3000");
    assert_eq!(bus.discover().unwrap().len(), 1);
    assert_eq!(bus.schedule(), Schedule::Pending(Some(2_500_000_000)));
    bus.advance(3 * S);
    assert_eq!(bus.discover().unwrap().len(), 2);
    // Named as a user names a real one: by serial.
    let pm4 = DeviceSelector::parse("hid:serial=400000001").unwrap();
    assert_eq!(
        bus.open(&pm4).err().map(|e| e.kind),
        Some(ErrorKind::NotFound)
    );
    bus.advance(7 * S);
    assert!(bus.open(&pm4).is_ok());
    assert_eq!(bus.schedule(), Schedule::Complete);

    for bad in [
        "sim:pm5 sim:pm5",
        "hid:serial=1",
        "sim:pm5@soon",
        "sim:pm5@-1",
        "sim:pm5?machine=canoe",
    ] {
        let e = SimBus::parse(bad)
            .err()
            .unwrap_or_else(|| panic!("{bad} parsed"));
        assert!(!e.message.contains('\n'), "{bad}: {}", e.message);
    }
    assert!(SimBus::parse("").unwrap().monitors().is_empty());
}

#[test]
fn open_of_a_sim_selector_is_the_same_bus_mechanism() {
    let sel = DeviceSelector::parse("sim:pm5?seed=2&deny=3000").unwrap();
    let e = crate::open(&sel).err().unwrap();
    assert_eq!(e.kind, ErrorKind::PermissionDenied);
    let mut t = crate::open(&DeviceSelector::parse("sim:pm3?seed=2").unwrap()).unwrap();
    assert!(status(&mut *t).unwrap().is_some());
    assert_eq!(t.info().model(), Some(3));
}
