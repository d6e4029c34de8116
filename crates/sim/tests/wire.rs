//! The device as the transport sees it: report sizes, truncation, timing,
//! faults and unplugging.

mod common;

use common::{Host, decode_reply};
use erglink_csafe::command::*;
use erglink_csafe::{PrevFrameStatus, RequestShape, State};
use erglink_sim::{SimConfig, SimError, Simulator, Timing, bus_limit};

const MS: u64 = 1_000_000;

#[test]
fn bus_limits_follow_the_reference_arithmetic() {
    // csafe.md §6: 24 ms for report 2 with the spec's 4/8 ms and no
    // processing; 6 ms with 1/2 ms; 12 ms and 3 ms for one-packet reports.
    let spec = Timing {
        processing_ns: 0,
        ..Timing::default()
    };
    let fast = Timing {
        out_interval_ns: MS,
        in_interval_ns: 2 * MS,
        ..spec
    };
    assert_eq!(bus_limit(&spec, 120).exchange_ns, 24 * MS);
    assert_eq!(bus_limit(&fast, 120).exchange_ns, 6 * MS);
    assert_eq!(bus_limit(&spec, 20).exchange_ns, 12 * MS);
    assert_eq!(bus_limit(&spec, 62).exchange_ns, 12 * MS);
    assert_eq!(bus_limit(&fast, 20).exchange_ns, 3 * MS);
    assert_eq!(bus_limit(&fast, 62).exchange_ns, 3 * MS);
    assert_eq!(bus_limit(&spec, 500).exchange_ns, 96 * MS);
    assert!((bus_limit(&fast, 120).exchanges_per_s - 166.67).abs() < 0.01);
    // The example: 2 × 4 + 2 + 2 × 8.
    let sim = Simulator::new(SimConfig::default());
    assert_eq!(sim.bus_limit(2).exchange_ns, 26 * MS);
    let sim = Simulator::new(SimConfig::parse("pm5", "usb=1/2&proc=0").unwrap());
    assert_eq!(sim.bus_limit(2).exchange_ns, 6 * MS);
    assert_eq!(sim.bus_limit(1).exchange_ns, 3 * MS);
}

#[test]
fn replies_arrive_at_the_bus_limit() {
    for (query, id, ms) in [("", 2u8, 26u64), ("", 1, 14), ("usb=1/2&proc=0", 2, 6)] {
        let mut host = Host::new("pm5", query);
        host.report_id = id;
        host.now = 1000 * MS;
        let start = host.now;
        host.exchange(&[GetStatus {}.into()]).unwrap();
        assert_eq!(host.now - start, ms * MS, "{query} report {id}");
    }
}

#[test]
fn wrong_reports_are_refused() {
    let mut sim = Simulator::new(SimConfig::parse("pm4", "").unwrap());
    assert!(matches!(
        sim.write_report(0, &[3; 21]),
        Err(SimError::UnknownReport { id: 3, .. })
    ));
    assert!(matches!(
        sim.write_report(0, &[2; 64]),
        Err(SimError::ReportLength {
            id: 2,
            expected: 121,
            got: 64
        })
    ));
    assert_eq!(sim.write_report(0, &[]), Err(SimError::EmptyReport));
    let mut r4 = vec![0u8; 63];
    r4[0] = 4;
    r4[1..5].copy_from_slice(&[0xF1, 0x80, 0x80, 0xF2]);
    sim.write_report(0, &r4).unwrap();
    let (_, reply) = sim.read_report(MS * 1000).unwrap();
    assert_eq!(reply.len(), 63);
    assert_eq!(reply[0], 4, "answered in the report it was asked in");
}

#[test]
fn a_reply_that_does_not_fit_is_cut() {
    let mut host = Host::new("pm5", "");
    host.report_id = 1;
    let cmds: Vec<AnyCommand> = vec![GetSerial {}.into(), GetVersion {}.into(), GetId {}.into()];
    let mut frame = Vec::new();
    erglink_csafe::encode_request(&cmds, &Default::default(), &mut frame).unwrap();
    let reply = host.exchange_frame(&frame).unwrap();
    assert_eq!(reply.len(), 21);
    assert!(!reply[1..].contains(&0xF2), "no stop flag: {reply:02X?}");
    assert!(decode_reply(&reply, &RequestShape::from_commands(&cmds)).is_none());
}

#[test]
fn stale_bytes_follow_the_stop_flag() {
    let mut host = Host::new("pm5", "faults=stale");
    host.exchange(&[GetSerial {}.into(), GetVersion {}.into()])
        .unwrap();
    let reply = host.exchange_frame(&[0xF1, 0x80, 0x80, 0xF2]).unwrap();
    // GETSTATUS's reply, then what the serial reply left in the buffer.
    assert_eq!((reply[1], reply[2], reply[4]), (0xF1, reply[3], 0xF2));
    assert!(
        reply[5..].iter().any(|&b| b != 0),
        "stale bytes: {reply:02X?}"
    );
    let plain = Host::new("pm5", "")
        .exchange_frame(&[0xF1, 0x80, 0x80, 0xF2])
        .unwrap();
    assert!(plain[5..].iter().all(|&b| b == 0));
}

#[test]
fn bad_frames_get_bad_or_nothing() {
    let bad = [0xF1, 0x80, 0x00, 0xF2];
    let mut host = Host::new("pm5", "");
    let reply = host.exchange_frame(&bad).unwrap();
    let r = decode_reply(&reply, &RequestShape::default()).unwrap();
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Bad);
    assert!(!r.status.toggle(), "a bad frame does not flip the toggle");
    let ok = host.exchange(&[GetStatus {}.into()]).unwrap();
    assert_eq!(ok.status.prev_frame(), PrevFrameStatus::Ok);
    assert!(ok.status.toggle());
    let mut silent = Host::new("pm5", "badframe=silent");
    assert_eq!(silent.exchange_frame(&bad), None);
    // A report with no frame at all gets nothing either way.
    assert_eq!(host.exchange_frame(&[0, 0, 0]), None);
}

fn count_lost(query: &str, n: usize) -> usize {
    let mut host = Host::new("pm5", query);
    (0..n)
        .filter(|_| host.exchange(&[GetStatus {}.into()]).is_none())
        .count()
}

#[test]
fn dropped_reports() {
    assert_eq!(count_lost("", 2000), 0);
    // Each direction with P = 0.1: about 19 % of exchanges lost.
    let lost = count_lost("faults=drop:0.1", 2000);
    assert!((300..=470).contains(&lost), "{lost}");
    let lost = count_lost("faults=dropin:0.1", 2000);
    assert!((140..=260).contains(&lost), "{lost}");
}

#[test]
fn corrupted_and_glitched_replies() {
    let mut host = Host::new("pm5", "faults=corruptin:0.2,toggle:0.2");
    let (mut unreadable, mut wrong_toggle) = (0, 0);
    let mut last_toggle = false;
    for _ in 0..1000 {
        match host.exchange(&[GetStatus {}.into()]) {
            None => unreadable += 1,
            Some(r) => {
                if r.status.toggle() == last_toggle {
                    wrong_toggle += 1;
                }
                last_toggle = r.status.toggle();
            }
        }
    }
    assert!((100..=300).contains(&unreadable), "{unreadable}");
    assert!(wrong_toggle > 100, "{wrong_toggle}");
}

#[test]
fn delays_stay_within_the_bound() {
    let mut host = Host::new("pm5", "faults=delay:40");
    let mut longest = 0;
    for _ in 0..500 {
        let start = host.now;
        host.exchange(&[GetStatus {}.into()]).unwrap();
        longest = longest.max(host.now - start);
        assert!(host.now - start >= 26 * MS);
    }
    assert!(longest <= 66 * MS && longest > 56 * MS, "{longest}");
}

#[test]
fn unplugged_the_device_is_gone_but_the_athlete_rows_on() {
    let mut host = Host::new("pm5", "workout=2000m&faults=unplug:20+10");
    let poll: Vec<AnyCommand> = vec![PmGetWorkDistance {}.into()];
    host.idle_until(19_900 * MS);
    let before = host.exchange(&poll).unwrap();
    assert!(!host.sim.attached(25_000 * MS));
    assert!(host.sim.attached(30_000 * MS));
    assert_eq!(
        host.sim.write_report(25_000 * MS, &[2; 121]),
        Err(SimError::Unplugged)
    );
    host.idle_until(30_000 * MS);
    let after = host.exchange(&poll).unwrap();
    let d0 = before.get::<PmGetWorkDistance>().unwrap().distance;
    let d1 = after.get::<PmGetWorkDistance>().unwrap().distance;
    assert!(d1 > d0 + 300, "rowed on while unplugged: {d0} → {d1} dm");
    // A reply due during the unplug never arrives.
    let mut host = Host::new("pm5", "faults=unplug:1+1");
    host.now = 990 * MS;
    assert_eq!(host.exchange(&[GetStatus {}.into()]), None);
    assert_eq!(
        host.sim.display(2000 * MS).csafe_state,
        State::Ready,
        "the PM kept its state"
    );
}

#[test]
fn extended_frames_are_answered_with_swapped_addresses() {
    // V14 → the reply comes from FD to 00; a frame for another address is ignored.
    let mut host = Host::new("pm5", "");
    let reply = host
        .exchange_frame(&[0xF0, 0xFD, 0x00, 0x80, 0x80, 0xF2])
        .unwrap();
    assert_eq!(&reply[1..7], &[0xF0, 0x00, 0xFD, 0x81, 0x81, 0xF2]);
    assert_eq!(
        host.exchange_frame(&[0xF0, 0x07, 0x00, 0x80, 0x80, 0xF2]),
        None
    );
}

#[test]
fn hang_on_silences_the_monitor_until_it_is_reopened() {
    // GETSTATUS, then 1A{A3} (PM_GET_WORKDISTANCE inside a wrapper).
    let status = [0xF1, 0x80, 0x80, 0xF2];
    let wrapped = [0xF1, 0x1A, 0x01, 0xA3, 0xB8, 0xF2];
    let mut host = Host::new("pm5", "faults=hang_on:A3");
    assert!(host.exchange_frame(&status).is_some());
    assert!(!host.sim.hung());
    assert!(
        host.exchange_frame(&wrapped).is_none(),
        "the hanging frame gets no answer"
    );
    assert!(host.sim.hung());
    for _ in 0..3 {
        assert!(
            host.exchange_frame(&status).is_none(),
            "silent until reopened"
        );
    }
    host.sim.reopened();
    assert!(host.exchange_frame(&status).is_some());
    // Without the fault the same frame is answered.
    let mut host = Host::new("pm5", "");
    assert!(host.exchange_frame(&wrapped).is_some());
    assert!(host.exchange_frame(&status).is_some());
}
