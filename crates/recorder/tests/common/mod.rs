//! Shared set-up: a store in a temporary directory and simulated monitors.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use erglink_pm::Monitor;
use erglink_recorder::{Live, MonitorRecorder, Options, SessionSummary, Until};
use erglink_sim::{SimConfig, Simulator};
use erglink_store::{Store, WriterOptions};
use erglink_transport::SimTransport;

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

pub fn sim_recorder(options_text: &str, options: Options) -> MonitorRecorder<SimTransport> {
    sim_recorder_on("pm5", options_text, options)
}

/// A recorder of a simulated `model` (`pm3`, `pm4`, `pm5`).
pub fn sim_recorder_on(
    model: &str,
    options_text: &str,
    options: Options,
) -> MonitorRecorder<SimTransport> {
    let cfg = SimConfig::parse(model, options_text).unwrap();
    let t = SimTransport::new(Simulator::new(cfg), format!("sim:{model}?{options_text}"));
    MonitorRecorder::new(Monitor::new(t), options, Live::default())
}

/// Records one simulated `model` until its workout finishes.
pub fn record_on(
    rig: &Rig,
    model: &str,
    sim_options: &str,
    options: Options,
) -> (MonitorRecorder<SimTransport>, Vec<SessionSummary>) {
    let writer = rig.store.writer(WriterOptions::default()).unwrap();
    let mut r = sim_recorder_on(model, sim_options, options);
    let stop = Arc::new(AtomicBool::new(false));
    let sessions = r.run(&writer, &stop).unwrap();
    writer.close().unwrap();
    (r, sessions)
}

/// Options that stop when the workout finishes.
pub fn until_finished() -> Options {
    Options {
        until: Until::Finished,
        ..Options::default()
    }
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
