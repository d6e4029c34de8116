//! How the recorder talks to a monitor: report sizes, the reply timeout,
//! idle polling and a monitor that sleeps at first (issue [1/7] §2).

mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use common::{Rig, record_on, sim_recorder_on, until_finished};
use erglink_model::Direction;
use erglink_pm::Monitor;
use erglink_recorder::adapt::what;
use erglink_recorder::timeout::MIN_TIMEOUT_NS;
use erglink_recorder::{IDLE_POLL_NS, Live, MonitorRecorder, Options, Until};
use erglink_sim::{SimConfig, Simulator};
use erglink_store::WriterOptions;
use erglink_transport::{DeviceInfo, ReportSizes, SimTransport, Transport, TransportError};

const S: u64 = 1_000_000_000;

fn reports_used(rig: &Rig, id: &erglink_model::SessionId) -> Vec<u8> {
    let reader = rig.store.reader().unwrap();
    let mut ids: Vec<u8> = reader
        .exchanges(id)
        .unwrap()
        .map(Result::unwrap)
        .filter(|e| e.direction == Direction::Tx)
        .map(|e| e.report_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[test]
fn never_a_500_byte_report_and_never_an_assumed_report_2() {
    let options = || Options {
        raw_log: true,
        ..until_finished()
    };
    // A PM5 whose report 4 is 500 bytes: polls and drains stay in 1 and 2.
    let rig = Rig::new();
    let (_, sessions) = record_on(
        &rig,
        "pm5",
        "workout=500m&seed=21&descriptor=500",
        options(),
    );
    let used = reports_used(&rig, &sessions[0].id);
    assert!(!used.contains(&4) && used.contains(&2), "{used:?}");
    // A PM3 without report 2: report 4 at 62 bytes carries what report 1 cannot.
    for model in ["pm3", "pm4", "pm5"] {
        let rig = Rig::new();
        let (rec, sessions) = record_on(
            &rig,
            model,
            "workout=500m&seed=22&descriptor=no2",
            options(),
        );
        let s = &sessions[0];
        let used = reports_used(&rig, &s.id);
        assert!(!used.contains(&2), "{model}: {used:?}");
        assert_eq!(s.report_id, 4, "{model}");
        assert_eq!(s.curves.0, s.curves.1, "{model}: every curve whole");
        let sim = rec.monitor().transport().simulator();
        let truth = sim.ground_truth();
        assert_eq!(
            s.curves.0 as usize,
            truth.curves_published().count(),
            "{model}"
        );
    }
}

#[test]
fn the_timeout_never_goes_under_250_ms_and_late_replies_raise_it() {
    let rig = Rig::new();
    let writer = rig.store.writer(WriterOptions::default()).unwrap();
    let options = Options {
        until: Until::Duration(60 * S),
        ..Options::default()
    };
    let mut r = sim_recorder_on("pm5", "workout=justrow&seed=23", options);
    let s = r.run(&writer, &Arc::new(AtomicBool::new(false))).unwrap();
    writer.close().unwrap();
    // Replies take 14 to 26 ms: three times that is under the floor.
    assert_eq!(r.monitor().settings().timeout_ns, MIN_TIMEOUT_NS);
    assert!(
        !s[0]
            .adaptations
            .iter()
            .any(|a| a.what == what::TIMEOUT_RAISED)
    );

    // A monitor that slows down by 400 ms a minute into the session.
    let sim = "workout=2000m&seed=23";
    let cfg = SimConfig::parse("pm5", sim).unwrap();
    let t = Slowing {
        inner: SimTransport::new(Simulator::new(cfg), format!("sim:pm5?{sim}")),
        from_ns: 60 * S,
        extra_ns: 400_000_000,
        held: None,
    };
    let rig = Rig::new();
    let writer = rig.store.writer(WriterOptions::default()).unwrap();
    let mut r = MonitorRecorder::new(Monitor::new(t), until_finished(), Live::default());
    let s = r.run(&writer, &Arc::new(AtomicBool::new(false))).unwrap();
    writer.close().unwrap();
    assert!(r.monitor().stats().late_replies > 0);
    let raised: Vec<_> = s[0]
        .adaptations
        .iter()
        .filter(|a| a.what == what::TIMEOUT_RAISED)
        .collect();
    assert!(!raised.is_empty(), "{:?}", s[0].adaptations);
    // Once raised, the slow replies come in time: few are late.
    assert!(
        r.monitor().stats().late_replies < 10,
        "{:?}",
        r.monitor().stats()
    );
}

/// A simulated monitor whose replies come `extra_ns` later from `from_ns` on.
struct Slowing {
    inner: SimTransport,
    from_ns: u64,
    extra_ns: u64,
    held: Option<(u64, Vec<u8>)>,
}

impl Transport for Slowing {
    fn info(&self) -> &DeviceInfo {
        self.inner.info()
    }
    fn report_sizes(&self) -> &ReportSizes {
        self.inner.report_sizes()
    }
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        self.inner.write_report(report)
    }
    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        let deadline = self.inner.now_ns() + timeout_ns;
        if self.held.is_none() {
            if !self.inner.read_report(buf, timeout_ns)? {
                return Ok(false);
            }
            if self.inner.now_ns() < self.from_ns {
                return Ok(true);
            }
            self.held = Some((self.inner.now_ns() + self.extra_ns, std::mem::take(buf)));
        }
        let (at, _) = self.held.as_ref().expect("held");
        let now = self.inner.now_ns();
        if *at > deadline {
            self.inner.sleep_ns(deadline.saturating_sub(now));
            buf.clear();
            return Ok(false);
        }
        self.inner.sleep_ns(at.saturating_sub(now));
        *buf = self.held.take().expect("held").1;
        Ok(true)
    }
    fn now_ns(&self) -> u64 {
        self.inner.now_ns()
    }
    fn sleep_ns(&mut self, ns: u64) {
        self.inner.sleep_ns(ns);
    }
}

#[test]
fn idle_polling_is_two_a_second_and_the_first_stroke_ends_it() {
    // The athlete starts 30 s after power-on; 20 s of waiting are recorded.
    let rig = Rig::new();
    let writer = rig.store.writer(WriterOptions::default()).unwrap();
    let options = Options {
        until: Until::Duration(20 * S),
        ..Options::default()
    };
    let mut r = sim_recorder_on("pm5", "workout=2000m&seed=24&start=30", options);
    let sessions = r.run(&writer, &Arc::new(AtomicBool::new(false))).unwrap();
    assert!(sessions.is_empty());
    let exchanges = r.monitor().stats().exchanges;
    // Two polls a second, and a question about the workout every other one.
    assert!(exchanges <= 4 + 20 * 3, "{exchanges} exchanges in 20 s");
    assert!(exchanges >= 20 * 2, "{exchanges} exchanges in 20 s");
    writer.close().unwrap();

    let rig = Rig::new();
    let (rec, sessions) = record_on(&rig, "pm5", "workout=500m&seed=24", until_finished());
    let s = &sessions[0];
    let sim = rec.monitor().transport().simulator();
    let truth = sim.ground_truth();
    let first = truth.strokes_counted().next().unwrap().start_ns;
    let start = rec.session_start_ns().unwrap();
    let limit = sim.bus_limit(s.report_id);
    // Seen by the first poll after it, at the idle rate at worst...
    assert!(start >= first && start - first <= IDLE_POLL_NS + limit.exchange_ns);
    // ...and from then on, at the bus limit.
    let reader = rig.store.reader().unwrap();
    let samples: Vec<_> = reader.samples(&s.id).unwrap().map(Result::unwrap).collect();
    assert!(samples[1].elapsed_ns - samples[0].elapsed_ns <= 2 * limit.exchange_ns);
}

/// A simulated monitor that answers nothing until `wakes_ns`.
struct Asleep {
    inner: SimTransport,
    wakes_ns: u64,
}

impl Transport for Asleep {
    fn info(&self) -> &DeviceInfo {
        self.inner.info()
    }
    fn report_sizes(&self) -> &ReportSizes {
        self.inner.report_sizes()
    }
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        self.inner.write_report(report)
    }
    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        let got = self.inner.read_report(buf, timeout_ns)?;
        if got && self.inner.now_ns() < self.wakes_ns {
            buf.clear();
            return Ok(false);
        }
        Ok(got)
    }
    fn now_ns(&self) -> u64 {
        self.inner.now_ns()
    }
    fn sleep_ns(&mut self, ns: u64) {
        self.inner.sleep_ns(ns);
    }
}

#[test]
fn a_monitor_asleep_at_first_is_identified_when_it_wakes() {
    let sim = "workout=500m&seed=25&start=10";
    let cfg = SimConfig::parse("pm5", sim).unwrap();
    let t = Asleep {
        inner: SimTransport::new(Simulator::new(cfg), format!("sim:pm5?{sim}")),
        wakes_ns: 8 * S,
    };
    let rig = Rig::new();
    let writer = rig.store.writer(WriterOptions::default()).unwrap();
    let mut r = MonitorRecorder::new(Monitor::new(t), until_finished(), Live::default());
    let sessions = r.run(&writer, &Arc::new(AtomicBool::new(false))).unwrap();
    writer.close().unwrap();
    assert_eq!(sessions.len(), 1);
    assert!(r.monitor().stats().timeouts >= 2, "it did sleep");
    let sim = r.monitor().transport().inner.simulator();
    let truth = sim.ground_truth();
    assert_eq!(
        sessions[0].strokes as usize,
        truth.strokes_counted().count()
    );
    assert_eq!(
        sessions[0].curves.1 as usize,
        truth.curves_published().count()
    );
}
