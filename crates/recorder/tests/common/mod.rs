//! Shared set-up: a store in a temporary directory and simulated monitors.

#![allow(dead_code)]

pub mod matrix;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use erglink_pm::Monitor;
use erglink_recorder::{Live, MonitorRecorder, Options, SessionSummary, Until};
use erglink_sim::{GroundTruth, SimConfig, Simulator};
use erglink_store::{Store, WriterOptions};
use erglink_transport::{Bus, SimBus, SimTransport};

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
    sim_recorder_on("pm5", options_text, options)
}

/// A recorder of a simulated `model` (`pm3`, `pm4`, `pm5`) alone on its bus,
/// reopened through the bus by serial after an unplug.
pub fn sim_recorder_on(
    model: &str,
    options_text: &str,
    options: Options,
) -> MonitorRecorder<SimTransport> {
    let cfg = SimConfig::parse(model, options_text).unwrap();
    let bus = SimBus::single(Simulator::new(cfg), format!("sim:{model}?{options_text}"));
    let info = bus.monitors().remove(0);
    let t = bus.reopen_sim(&info).unwrap();
    MonitorRecorder::new(Monitor::new(t), options, Live::default())
        .with_reopen(Box::new(move || bus.reopen_sim(&info)))
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

/// The bus limit of each report id, exchanges per simulated second.
pub type LimitOf = Box<dyn Fn(u8) -> f64>;

/// Records one simulated `model` with `sim_options` until its workout
/// finishes; returns the simulator's ground truth, its bus limits, the
/// transport time of the session's start and the sessions.
pub fn record_sim(
    rig: &Rig,
    model: &str,
    sim_options: &str,
    options: Options,
) -> Result<(GroundTruth, LimitOf, u64, Vec<SessionSummary>), String> {
    let cfg = SimConfig::parse(model, sim_options).map_err(|e| e.to_string())?;
    let bus = SimBus::single(Simulator::new(cfg), format!("sim:{model}?{sim_options}"));
    let info = bus.monitors().remove(0);
    // Opened as the orchestrator opens a monitor: again every 2 s of bus
    // time while it is refused (`deny=`), so strokes rowed meanwhile count.
    let mut refused = 0;
    let t = loop {
        match bus.reopen_sim(&info) {
            Ok(t) => break t,
            Err(_) if refused < 10 => {
                refused += 1;
                bus.advance(2_000_000_000);
            }
            Err(e) => return Err(format!("never opened: {e}")),
        }
    };
    let writer = rig.store.writer(WriterOptions::default()).unwrap();
    let mut r = MonitorRecorder::new(Monitor::new(t), options, Live::default())
        .with_reopen(Box::new(move || bus.reopen_sim(&info)));
    let stop = Arc::new(AtomicBool::new(false));
    let sessions = r.run(&writer, &stop).map_err(|e| e.to_string())?;
    writer.close().unwrap();
    let sim = r.monitor().transport().simulator();
    let start = r.session_start_ns().unwrap_or(0);
    let truth = sim.ground_truth().clone();
    let limits: Vec<(u8, f64)> = [1u8, 2, 4]
        .into_iter()
        .map(|id| (id, sim.bus_limit(id).exchanges_per_s))
        .collect();
    let limit: LimitOf =
        Box::new(move |id| limits.iter().find(|l| l.0 == id).map_or(f64::NAN, |l| l.1));
    Ok((truth, limit, start, sessions))
}
