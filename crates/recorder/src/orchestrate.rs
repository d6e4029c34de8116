//! Several monitors at once: a blocking task each, one store writer, and a
//! watch for monitors plugged in later.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use erglink_pm::Monitor;
use erglink_store::Writer;
use erglink_transport::{Backend, DeviceSelector, Transport};
use tokio::task::JoinSet;

use crate::error::RecorderError;
use crate::live::Live;
use crate::poller::{MonitorRecorder, Options, SessionSummary};

/// What to record.
#[derive(Clone, Debug)]
pub enum Target {
    /// These monitors.
    Devices(Vec<DeviceSelector>),
    /// Every Concept2 monitor attached now or later.
    AllAttached,
}

/// How often attached monitors are listed when recording all of them.
const DISCOVERY_EVERY: Duration = Duration::from_secs(2);

fn spawn(
    tasks: &mut JoinSet<Result<Vec<SessionSummary>, RecorderError>>,
    selector: DeviceSelector,
    writer: Arc<Writer>,
    options: Options,
    live: Live,
    stop: Arc<AtomicBool>,
) {
    tasks.spawn_blocking(move || {
        let transport = erglink_transport::open(&selector)
            .map_err(|e| RecorderError::Open(selector.to_string(), e))?;
        let hardware = matches!(transport.info().backend, Backend::Hid | Backend::Usb);
        // A real device's handle dies with an unplug: reopen it by serial.
        let again = transport.info().selector();
        let mut recorder = MonitorRecorder::new(Monitor::new(transport), options, live);
        if hardware {
            recorder = recorder.with_reopen(Box::new(move || erglink_transport::open(&again)));
        }
        recorder.run(&writer, &stop)
    });
}

/// Records `target` until every monitor is done (with `--until finished`) or
/// `stop` is set. Returns the sessions recorded and the monitors that failed.
pub async fn record(
    target: Target,
    writer: Arc<Writer>,
    options: Options,
    live: Live,
    stop: Arc<AtomicBool>,
) -> (Vec<SessionSummary>, Vec<RecorderError>) {
    let mut tasks = JoinSet::new();
    let mut seen: HashSet<String> = HashSet::new();
    let watch = matches!(target, Target::AllAttached);
    if let Target::Devices(list) = &target {
        for sel in list {
            spawn(
                &mut tasks,
                sel.clone(),
                writer.clone(),
                options.clone(),
                live.clone(),
                stop.clone(),
            );
        }
    }
    let mut sessions = Vec::new();
    let mut errors = Vec::new();
    loop {
        if watch && !stop.load(Ordering::Relaxed) {
            let found = tokio::task::spawn_blocking(erglink_transport::discover).await;
            if let Ok(Ok(devices)) = found {
                for d in devices {
                    let key = d.serial.clone().unwrap_or_else(|| d.path.clone());
                    if seen.insert(key) {
                        tracing::info!("monitor {} attached", d.path);
                        spawn(
                            &mut tasks,
                            d.selector(),
                            writer.clone(),
                            options.clone(),
                            live.clone(),
                            stop.clone(),
                        );
                    }
                }
            }
        }
        tokio::select! {
            joined = tasks.join_next(), if !tasks.is_empty() => match joined {
                Some(Ok(Ok(s))) => sessions.extend(s),
                Some(Ok(Err(e))) => errors.push(e),
                Some(Err(e)) => tracing::error!("a monitor task failed: {e}"),
                None => {}
            },
            () = tokio::time::sleep(DISCOVERY_EVERY), if watch => {}
        }
        if tasks.is_empty() && (!watch || stop.load(Ordering::Relaxed)) {
            break;
        }
        if !watch && tasks.is_empty() {
            break;
        }
    }
    (sessions, errors)
}
