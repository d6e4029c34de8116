//! Shared set-up: a store in a temporary directory and simulated monitors.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use erglink_pm::Monitor;
use erglink_recorder::{Live, MonitorRecorder, Options, SessionSummary};
use erglink_sim::{SimConfig, Simulator};
use erglink_store::{Store, WriterOptions};
use erglink_transport::{SimBus, SimTransport};

pub struct Rig {
    pub dir: tempfile::TempDir,
    pub store: Store,
}

impl Rig {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("erglink.db")).unwrap();
        Self { dir, store }
    }
}

/// A recorder of a simulated PM5 alone on its bus. Its handle dies at an
/// unplug, as a hidraw handle does; the recorder reopens it through the bus
/// by serial, as the orchestrator has it do.
pub fn sim_recorder(options_text: &str, options: Options) -> MonitorRecorder<SimTransport> {
    let cfg = SimConfig::parse("pm5", options_text).unwrap();
    let bus = SimBus::single(Simulator::new(cfg), format!("sim:pm5?{options_text}"));
    let info = bus.monitors().remove(0);
    let t = bus.reopen_sim(&info).unwrap();
    MonitorRecorder::new(Monitor::new(t), options, Live::default())
        .with_reopen(Box::new(move || bus.reopen_sim(&info)))
}

/// Records one simulated monitor until its workout finishes.
pub fn record_one(
    rig: &Rig,
    sim_options: &str,
    options: Options,
) -> (MonitorRecorder<SimTransport>, Vec<SessionSummary>) {
    let writer = rig.store.writer(WriterOptions::default()).unwrap();
    let mut r = sim_recorder(sim_options, options);
    let stop = Arc::new(AtomicBool::new(false));
    let sessions = r.run(&writer, &stop).unwrap();
    writer.close().unwrap();
    (r, sessions)
}
