//! The driver against a scripted device: every recovery path, deterministically.

use std::collections::VecDeque;

use erglink_csafe::command::*;
use erglink_csafe::{
    AnyCommand, AnyReply, FrameKind, PrevFrameStatus, ReplyBuilder, State, Status, UnitsSpecifier,
};
use erglink_pm::{DriverError, Monitor, RefusalReason};
use erglink_transport::{Backend, DeviceInfo, ReportSizes, Transport, TransportError};

/// What the scripted device does with one request: replies, each after a delay.
type Script = Box<dyn FnMut(usize, &[u8]) -> Vec<(u64, Vec<u8>)> + Send>;

struct Scripted {
    info: DeviceInfo,
    sizes: ReportSizes,
    now: u64,
    writes: Vec<Vec<u8>>,
    pending: VecDeque<(u64, Vec<u8>)>,
    script: Script,
}

impl Scripted {
    fn new(script: Script) -> Self {
        Self {
            info: DeviceInfo::new(Backend::Sim, "scripted".into()),
            sizes: ReportSizes::spec_default(Some(5)),
            now: 0,
            writes: Vec::new(),
            pending: VecDeque::new(),
            script,
        }
    }
}

impl Transport for Scripted {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }
    fn report_sizes(&self) -> &ReportSizes {
        &self.sizes
    }
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        self.writes.push(report.to_vec());
        let n = self.writes.len() - 1;
        for (delay, reply) in (self.script)(n, report) {
            self.pending.push_back((self.now + delay, reply));
        }
        self.pending.make_contiguous().sort_by_key(|p| p.0);
        Ok(())
    }
    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        let deadline = self.now + timeout_ns;
        match self.pending.front() {
            Some(&(at, _)) if at <= deadline => {
                let (at, r) = self.pending.pop_front().unwrap();
                self.now = self.now.max(at);
                *buf = r;
                Ok(true)
            }
            _ => {
                self.now = deadline;
                Ok(false)
            }
        }
    }
    fn now_ns(&self) -> u64 {
        self.now
    }
    fn sleep_ns(&mut self, ns: u64) {
        self.now += ns;
    }
}

const MS: u64 = 1_000_000;

/// A reply report in the same report id as the request.
fn reply(request: &[u8], toggle: bool, prev: PrevFrameStatus, replies: &[AnyReply]) -> Vec<u8> {
    let mut b = ReplyBuilder::new(Status::new(toggle, prev, State::Ready));
    for r in replies {
        b.reply(r);
    }
    let mut out = vec![request[0]];
    b.finish(FrameKind::Standard, &mut out);
    out
}

fn serial() -> AnyReply {
    AnyReply::GetSerial(Serial {
        serial: erglink_csafe::wire::Ascii::new(b"430000001").unwrap(),
    })
}

fn power(w: u16) -> AnyReply {
    AnyReply::GetPower(Power {
        power: w,
        units: UnitsSpecifier::Watt,
    })
}

#[test]
fn plain_exchange_and_typed_call() {
    let mut toggle = false;
    let t = Scripted::new(Box::new(move |_, req| {
        toggle = !toggle;
        vec![(
            26 * MS,
            reply(req, toggle, PrevFrameStatus::Ok, &[serial()]),
        )]
    }));
    let mut m = Monitor::new(t);
    let s = m.call(GetSerial {}).unwrap().unwrap();
    assert_eq!(s.serial.as_str(), Some("430000001"));
    let ex = m.exchange(&[GetSerial {}.into()]).unwrap().unwrap();
    assert_eq!(ex.latency_ns(), 26 * MS);
    assert_eq!(ex.toggle_flipped, Some(true));
    assert_eq!(m.stats().exchanges, 2);
    // GETSERIAL's worst-case reply (24 bytes) does not fit report 1.
    assert_eq!(ex.report_id, 2);
}

#[test]
fn late_reply_is_drained_and_never_matched_to_the_next_request() {
    // Request 0 (GETSERIAL) is answered after 1.2 s: past the timeout, after
    // the drain. Request 1 is its resend; request 2 asks for power.
    let t = Scripted::new(Box::new(|n, req| match n {
        0 => vec![(
            1_200 * MS,
            reply(req, true, PrevFrameStatus::Ok, &[serial()]),
        )],
        1 => vec![(30 * MS, reply(req, false, PrevFrameStatus::Ok, &[serial()]))],
        // Slower than the stale reply, which therefore reaches the host first.
        _ => vec![(
            100 * MS,
            reply(req, true, PrevFrameStatus::Ok, &[power(180)]),
        )],
    }));
    let mut m = Monitor::new(t);
    let ex = m.exchange(&[GetSerial {}.into()]).unwrap().unwrap();
    assert_eq!(ex.resends, 1);
    assert_eq!(m.stats().timeouts, 1);
    let p = m.call(GetPower {}).unwrap().unwrap();
    assert_eq!(
        p.power, 180,
        "the stale serial reply was not taken for the power reply"
    );
    assert_eq!(m.stats().late_replies, 1);
    // The driver waited the spec's 50 ms before resending.
    let writes = &m.transport().writes;
    assert_eq!(writes.len(), 3);
}

#[test]
fn lost_replies_are_resent_only_for_getters() {
    // Nothing ever answers.
    let mut m = Monitor::new(Scripted::new(Box::new(|_, _| Vec::new())));
    let err = m.exchange(&[GetSerial {}.into()]).unwrap_err();
    assert!(
        matches!(err, DriverError::Timeout { resends: 3, .. }),
        "{err}"
    );
    assert_eq!(m.transport().writes.len(), 4);
    let before = m.transport().writes.len();
    let err = m
        .exchange(&[PmGetForcePlotData { block_len: 32 }.into()])
        .unwrap_err();
    assert!(matches!(err, DriverError::LostDrain { .. }), "{err}");
    assert_eq!(
        m.transport().writes.len(),
        before + 1,
        "a drain is never resent"
    );
    let err = m.exchange(&[GoInUse {}.into()]).unwrap_err();
    assert!(matches!(err, DriverError::UnconfirmedSet { .. }), "{err}");
    assert_eq!(
        m.transport().writes.len(),
        before + 2,
        "a set command is never resent"
    );
}

#[test]
fn truncated_reply_moves_the_session_to_a_larger_report() {
    // GETID's reply is at most 5 digits, so its exchange fits report 1; this
    // unit answers with 15, which report 1 cuts short, as a PM truncates.
    let t = Scripted::new(Box::new(|_, req| {
        let mut contents = vec![0x81, 0x92, 15];
        contents.extend_from_slice(b"123456789012345");
        let mut r = vec![req[0]];
        erglink_csafe::frame::encode_frame(FrameKind::Standard, &contents, 200, &mut r).unwrap();
        if req[0] == 1 {
            r.truncate(21);
        }
        vec![(10 * MS, r)]
    }));
    let mut m = Monitor::new(t);
    let cmds: Vec<AnyCommand> = vec![GetId {}.into()];
    let ex = m.exchange(&cmds).unwrap().unwrap();
    assert_eq!(ex.report_id, 2);
    assert_eq!(m.stats().truncated, 1);
    assert_eq!(m.report_floor(), 2);
    let ids: Vec<u8> = m.transport().writes.iter().map(|w| w[0]).collect();
    assert_eq!(ids, [1, 2]);
    // Later small exchanges stay in report 2.
    m.exchange(&cmds).unwrap().unwrap();
    assert_eq!(m.transport().writes.last().unwrap()[0], 2);
}

#[test]
fn refusals_are_the_inner_layer() {
    let t = Scripted::new(Box::new(|_, req| {
        vec![(5 * MS, reply(req, true, PrevFrameStatus::Reject, &[]))]
    }));
    let mut m = Monitor::new(t);
    let refused = m.exchange(&[GoFinished {}.into()]).unwrap().unwrap_err();
    assert_eq!(refused.reason, RefusalReason::Reject);
    assert_eq!(refused.status.state(), State::Ready);
    assert_eq!(m.stats().refusals, 1);
}

#[test]
fn corrupt_replies_are_resent_without_waiting_the_full_timeout() {
    let t = Scripted::new(Box::new(|n, req| {
        let mut r = reply(req, true, PrevFrameStatus::Ok, &[serial()]);
        if n == 0 {
            r[3] ^= 0x01; // breaks the checksum
        }
        vec![(20 * MS, r)]
    }));
    let mut m = Monitor::new(t);
    let ex = m.exchange(&[GetSerial {}.into()]).unwrap().unwrap();
    assert_eq!(ex.resends, 1);
    assert_eq!(m.stats().bad_frames, 1);
    assert_eq!(m.stats().timeouts, 0);
}

#[test]
fn toggle_repeats_are_counted() {
    let t = Scripted::new(Box::new(|_, req| {
        vec![(5 * MS, reply(req, true, PrevFrameStatus::Ok, &[]))]
    }));
    let mut m = Monitor::new(t);
    for _ in 0..3 {
        m.exchange(&[GetStatus {}.into()]).unwrap().unwrap();
    }
    assert_eq!(m.stats().toggle_repeats, 2);
}

#[test]
fn a_silent_proprietary_getter_is_asked_once() {
    // This unit keeps 7F behind authentication and never answers it.
    let t = Scripted::new(Box::new(|_, req| {
        if req[1..].contains(&0x7F) {
            Vec::new()
        } else {
            vec![(
                10 * MS,
                reply(req, true, PrevFrameStatus::Ok, &[power(200)]),
            )]
        }
    }));
    let mut m = Monitor::new(t);
    let err = m.exchange(&[PmGetLastSplitTime {}.into()]).unwrap_err();
    assert!(
        matches!(err, DriverError::Timeout { resends: 0, .. }),
        "{err}"
    );
    assert_eq!(m.transport().writes.len(), 1, "never resent");
    assert_eq!(m.stats().resends, 0);
    // A public getter is still resent after a lost reply.
    let mut lost_once = true;
    let t = Scripted::new(Box::new(move |_, req| {
        if std::mem::take(&mut lost_once) {
            Vec::new()
        } else {
            vec![(
                10 * MS,
                reply(req, true, PrevFrameStatus::Ok, &[power(200)]),
            )]
        }
    }));
    let mut m = Monitor::new(t);
    m.exchange(&[GetPower {}.into()]).unwrap().unwrap();
    assert_eq!(m.stats().resends, 1);
}

#[test]
fn without_report_2_the_62_byte_report_4_carries_what_report_1_cannot() {
    let mut t = Scripted::new(Box::new(|_, req| {
        vec![(10 * MS, reply(req, true, PrevFrameStatus::Ok, &[serial()]))]
    }));
    t.sizes = ReportSizes::new(vec![(1, 20), (4, 62)]);
    let mut m = Monitor::new(t);
    let ex = m.exchange(&[GetSerial {}.into()]).unwrap().unwrap();
    assert_eq!(ex.report_id, 4, "report 2 is never assumed");
    // And a PM5 without report 2 is never polled in its 500-byte report 4.
    let mut t = Scripted::new(Box::new(|_, req| {
        vec![(
            10 * MS,
            reply(req, true, PrevFrameStatus::Ok, &[power(200)]),
        )]
    }));
    t.sizes = ReportSizes::new(vec![(1, 20), (4, 500)]);
    let mut m = Monitor::new(t);
    let ex = m.exchange(&[GetPower {}.into()]).unwrap().unwrap();
    assert_eq!(ex.report_id, 1);
}

#[test]
fn a_reopened_transport_replaces_the_dead_one() {
    let script = || -> Script {
        Box::new(|_, req| {
            vec![(
                10 * MS,
                reply(req, true, PrevFrameStatus::Ok, &[power(200)]),
            )]
        })
    };
    let mut m = Monitor::new(Scripted::new(script()));
    m.exchange(&[GetPower {}.into()]).unwrap().unwrap();
    let mut fresh = Scripted::new(script());
    fresh.info.path = "reopened".into();
    m.replace_transport(fresh);
    assert_eq!(m.transport().info().path, "reopened");
    let ex = m.exchange(&[GetPower {}.into()]).unwrap().unwrap();
    // A new handle's first reply has no toggle to compare with.
    assert_eq!(ex.toggle_flipped, None);
}
