//! An unplug as real hardware shows it: the old handle stays dead, whatever
//! error it gives, and only a reopen by serial brings the monitor back
//! (issue [1/7] §2, the poller's side).

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
    DeviceInfo, ErrorKind, ReportSizes, SimTransport, Transport, TransportError,
};

const S: u64 = 1_000_000_000;

/// One handle on a simulated monitor shared by every handle: dead for good
/// after its first error, which it reports as `kind`.
struct Handle {
    shared: Arc<Mutex<SimTransport>>,
    info: DeviceInfo,
    sizes: ReportSizes,
    kind: ErrorKind,
    dead: bool,
}

impl Handle {
    fn new(shared: Arc<Mutex<SimTransport>>, kind: ErrorKind) -> Self {
        let (info, sizes) = {
            let t = shared.lock().unwrap();
            (t.info().clone(), t.report_sizes().clone())
        };
        Self {
            shared,
            info,
            sizes,
            kind,
            dead: false,
        }
    }

    fn check<R>(&mut self, r: Result<R, TransportError>) -> Result<R, TransportError> {
        if self.dead {
            return Err(TransportError::new(self.kind, "the handle is dead"));
        }
        r.map_err(|_| {
            self.dead = true;
            TransportError::new(self.kind, "the device went away")
        })
    }
}

impl Transport for Handle {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }
    fn report_sizes(&self) -> &ReportSizes {
        &self.sizes
    }
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        let r = self.shared.lock().unwrap().write_report(report);
        self.check(r)
    }
    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        if self.dead {
            return self.check(Ok(false));
        }
        let r = self.shared.lock().unwrap().read_report(buf, timeout_ns);
        self.check(r)
    }
    fn now_ns(&self) -> u64 {
        self.shared.lock().unwrap().now_ns()
    }
    fn sleep_ns(&mut self, ns: u64) {
        self.shared.lock().unwrap().sleep_ns(ns);
    }
}

#[test]
fn a_dead_handle_is_replaced_by_a_reopened_one_whatever_its_error() {
    // Disconnected: recognised; Io: an OS message nobody classified.
    for kind in [ErrorKind::Disconnected, ErrorKind::Io] {
        let sim = "workout=2000m&seed=31&faults=unplug:120+8";
        let cfg = SimConfig::parse("pm5", sim).unwrap();
        let shared = Arc::new(Mutex::new(SimTransport::new(
            Simulator::new(cfg),
            format!("sim:pm5?{sim}"),
        )));
        let reopens = Arc::new(Mutex::new(0u32));
        let reopen: Reopen<Handle> = {
            let shared = shared.clone();
            let reopens = reopens.clone();
            Box::new(move || {
                *reopens.lock().unwrap() += 1;
                let attached = {
                    let t = shared.lock().unwrap();
                    t.simulator().attached(t.now_ns())
                };
                if attached {
                    Ok(Handle::new(shared.clone(), kind))
                } else {
                    Err(TransportError::new(ErrorKind::NotFound, "no such monitor"))
                }
            })
        };
        let rig = Rig::new();
        let writer = rig.store.writer(WriterOptions::default()).unwrap();
        let mut r = MonitorRecorder::new(
            Monitor::new(Handle::new(shared.clone(), kind)),
            until_finished(),
            Live::default(),
        )
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
        let truth_n = shared
            .lock()
            .unwrap()
            .simulator()
            .ground_truth()
            .curves_published()
            .count() as u64;
        assert!(
            s.curves.1 + 6 >= truth_n,
            "{kind:?}: {} whole curves of {truth_n}",
            s.curves.1
        );
    }
}
