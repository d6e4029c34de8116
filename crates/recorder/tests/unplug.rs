//! An unplug as real hardware shows it, on the simulated bus: the old handle
//! stays dead, whatever error it gives, and only a reopen by serial brings
//! the monitor back (issue [1/7] §2, the poller's side).

mod common;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use common::{Rig, until_finished};
use erglink_model::GapKind;
use erglink_pm::Monitor;
use erglink_recorder::{Live, MonitorRecorder, Reopen};
use erglink_sim::{SimConfig, Simulator};
use erglink_store::WriterOptions;
use erglink_transport::{
    DeviceInfo, ErrorKind, ReportSizes, SimBus, SimTransport, Transport, TransportError,
};

const S: u64 = 1_000_000_000;

/// A handle on a simulated monitor of the bus whose errors all come as
/// `kind`, whatever the simulated backend says.
struct Handle {
    inner: SimTransport,
    kind: ErrorKind,
}

impl Handle {
    fn check<R>(&self, r: Result<R, TransportError>) -> Result<R, TransportError> {
        r.map_err(|e| TransportError::new(self.kind, format!("as {:?}: {e}", self.kind)))
    }
}

impl Transport for Handle {
    fn info(&self) -> &DeviceInfo {
        self.inner.info()
    }
    fn report_sizes(&self) -> &ReportSizes {
        self.inner.report_sizes()
    }
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        let r = self.inner.write_report(report);
        self.check(r)
    }
    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        let r = self.inner.read_report(buf, timeout_ns);
        self.check(r)
    }
    fn now_ns(&self) -> u64 {
        self.inner.now_ns()
    }
    fn sleep_ns(&mut self, ns: u64) {
        self.inner.sleep_ns(ns);
    }
}

#[test]
fn a_dead_handle_is_replaced_by_a_reopened_one_whatever_its_error() {
    // Disconnected: recognised; Io: an OS message nobody classified.
    for kind in [ErrorKind::Disconnected, ErrorKind::Io] {
        let sim = "workout=2000m&seed=31&faults=unplug:120+8";
        let cfg = SimConfig::parse("pm5", sim).unwrap();
        let bus = Arc::new(SimBus::single(
            Simulator::new(cfg),
            format!("sim:pm5?{sim}"),
        ));
        let info = bus.monitors().remove(0);
        let reopens = Arc::new(Mutex::new(0u32));
        let reopen: Reopen<Handle> = {
            let (bus, info, reopens) = (bus.clone(), info.clone(), reopens.clone());
            Box::new(move || {
                *reopens.lock().unwrap() += 1;
                let inner = bus.reopen_sim(&info)?;
                Ok(Handle { inner, kind })
            })
        };
        let first = Handle {
            inner: bus.reopen_sim(&info).unwrap(),
            kind,
        };
        let rig = Rig::new();
        let writer = rig.store.writer(WriterOptions::default()).unwrap();
        let mut r = MonitorRecorder::new(Monitor::new(first), until_finished(), Live::default())
            .with_reopen(reopen);
        let sessions = r.run(&writer, &Arc::new(AtomicBool::new(false))).unwrap();
        writer.close().unwrap();
        assert_eq!(sessions.len(), 1, "{kind:?}: one session across the unplug");
        let s = &sessions[0];
        assert!(s.workout_finished, "{kind:?}");
        let start = r.session_start_ns().unwrap();
        let reader = rig.store.reader().unwrap();
        let gaps: Vec<_> = reader.gaps(&s.id).unwrap().map(Result::unwrap).collect();
        assert_eq!(gaps.len(), 1, "{kind:?}: {gaps:?}");
        assert_eq!(gaps[0].kind, GapKind::Unplugged);
        let back = start + gaps[0].to_ns.expect("it came back");
        assert!(back >= 128 * S, "{kind:?}");
        assert!(
            back <= 130 * S,
            "{kind:?}: polling again {} ms after the replug",
            (back - 128 * S) / 1_000_000
        );
        // Reopened a few times while away, not in a hot loop.
        let n = *reopens.lock().unwrap();
        assert!((2..=20).contains(&n), "{kind:?}: {n} reopens");
        // Every curve but those the unplug cut is stored whole.
        let published = r
            .monitor()
            .transport()
            .inner
            .simulator()
            .ground_truth()
            .curves_published()
            .count() as u64;
        assert!(
            s.curves.1 + 6 >= published,
            "{kind:?}: {} whole curves of {published}",
            s.curves.1
        );
    }
}

#[test]
fn an_unplug_on_every_os_is_one_session_with_a_gap() {
    for os in ["linux", "windows", "macos"] {
        let rig = Rig::new();
        let sim = format!("workout=2000m&seed=32&faults=unplug:120+8&unplug_error={os}");
        let (rec, sessions) = common::record_on(&rig, "pm5", &sim, until_finished());
        assert_eq!(sessions.len(), 1, "{os}");
        let s = &sessions[0];
        assert!(s.workout_finished, "{os}");
        let start = rec.session_start_ns().unwrap();
        let reader = rig.store.reader().unwrap();
        let gaps: Vec<_> = reader.gaps(&s.id).unwrap().map(Result::unwrap).collect();
        assert_eq!(gaps.len(), 1, "{os}: {gaps:?}");
        let back = start + gaps[0].to_ns.expect("it came back");
        assert!(
            (128 * S..=130 * S).contains(&back),
            "{os}: polling again {} ms after the replug",
            back.saturating_sub(128 * S) / 1_000_000
        );
        let sim = rec.monitor().transport().simulator();
        let published = sim.ground_truth().curves_published().count() as u64;
        assert!(
            s.curves.1 + 6 >= published,
            "{os}: {} of {published}",
            s.curves.1
        );
    }
}
