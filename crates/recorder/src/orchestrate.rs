//! Several monitors at once: a blocking task each, one store writer, and a
//! watch for monitors plugged in later, all through a [`Bus`]: the machine's
//! USB bus, or a simulated one.
//!
//! A monitor that cannot be opened or identified yet (permissions not yet
//! set, asleep, held by another program, absent) is retried at every
//! discovery until it works, and is remembered as recorded only once its
//! recorder has run. The same holds for a monitor named with `--device`: the
//! recorder says once that it is waiting for it, rather than exiting. Every
//! recorder gets a reopen that enumerates the bus again and finds its
//! monitor by serial, [`ErrorKind::NotFound`] when it is not attached.
//!
//! When recording ends: with `--device`, once every named monitor has been
//! recorded; recording everything attached, on a bus that can say it will
//! carry no more monitors (a simulated one), once every monitor it carried
//! has been recorded; otherwise at `stop`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use erglink_pm::Monitor;
use erglink_store::Writer;
use erglink_transport::{
    Bus, DeviceInfo, DeviceSelector, ErrorKind, HardwareBus, Schedule, Transport, bus_for,
};
use tokio::task::JoinSet;

use crate::error::RecorderError;
use crate::live::Live;
use crate::poller::{MonitorRecorder, Options, Reopen, SessionSummary};

/// What to record.
#[derive(Clone, Debug)]
pub enum Target {
    /// These monitors.
    Devices(Vec<DeviceSelector>),
    /// Every Concept2 monitor attached now or later.
    AllAttached,
}

/// How often the bus is listed, and a monitor that failed is tried again,
/// on the bus's clock.
const DISCOVERY_EVERY_NS: u64 = 2_000_000_000;

/// How a monitor is opened.
#[derive(Clone)]
enum Opener {
    /// As `--device` named it.
    Named(DeviceSelector),
    /// As discovery listed it.
    Listed(DeviceInfo),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// To be opened now.
    Waiting,
    Running,
    /// Failed in a way that may pass: tried again after the next discovery.
    Backoff,
    /// A listed monitor that failed and has not been listed since.
    Absent,
    /// Recorded, or failed for good.
    Done,
}

struct Wanted {
    opener: Opener,
    bus: Arc<dyn Bus>,
    state: State,
    /// Said once that we wait for it.
    warned: bool,
}

impl Wanted {
    fn name(&self) -> String {
        match &self.opener {
            Opener::Named(s) => s.to_string(),
            Opener::Listed(d) => key(d),
        }
    }
}

/// A listed monitor's identity across replugs: its serial, else its path.
fn key(d: &DeviceInfo) -> String {
    d.serial.clone().unwrap_or_else(|| d.path.clone())
}

type Outcome = (usize, Result<Vec<SessionSummary>, RecorderError>);

/// What every monitor's recorder shares.
#[derive(Clone)]
struct Shared {
    writer: Arc<Writer>,
    options: Options,
    live: Live,
    stop: Arc<AtomicBool>,
}

fn spawn(
    tasks: &mut JoinSet<Outcome>,
    ids: &mut HashMap<tokio::task::Id, usize>,
    index: usize,
    wanted: &Wanted,
    shared: &Shared,
) {
    let Shared {
        writer,
        options,
        live,
        stop,
    } = shared.clone();
    let bus = wanted.bus.clone();
    let opener = wanted.opener.clone();
    let handle = tasks.spawn_blocking(move || {
        let opened = match &opener {
            Opener::Named(s) => bus
                .open(s)
                .map_err(|e| RecorderError::Open(s.to_string(), e)),
            Opener::Listed(d) => bus
                .reopen(d)
                .map_err(|e| RecorderError::Open(d.path.clone(), e)),
        };
        let transport = match opened {
            Ok(t) => t,
            Err(e) => return (index, Err(e)),
        };
        let info = transport.info().clone();
        let reopen: Reopen<Box<dyn Transport>> = Box::new(move || bus.reopen(&info));
        let mut recorder =
            MonitorRecorder::new(Monitor::new(transport), options, live).with_reopen(reopen);
        (index, recorder.run(&writer, &stop))
    });
    ids.insert(handle.id(), index);
}

/// Whether a monitor that failed this way may work later.
fn retryable(opener: &Opener, e: &RecorderError) -> bool {
    if let Opener::Named(DeviceSelector::Replay(_)) = opener {
        // A transcript does not come back.
        return false;
    }
    match e {
        RecorderError::Open(_, t) => !matches!(
            t.kind,
            ErrorKind::Unsupported | ErrorKind::BadReport | ErrorKind::Diverged
        ),
        RecorderError::Driver(..) => true,
        _ => false,
    }
}

/// The next discovery: a wait on the bus's clock, then (when recording
/// everything attached) a listing.
type Tick = Pin<Box<dyn Future<Output = Option<Vec<DeviceInfo>>> + Send>>;

fn tick(bus: Arc<dyn Bus>, stop: Arc<AtomicBool>, wait: bool, list: bool) -> Tick {
    Box::pin(async move {
        if wait {
            let end = Instant::now() + bus.advance(DISCOVERY_EVERY_NS);
            // Wall-clock waits in short steps, so that a stop is seen promptly.
            while !stop.load(Ordering::Relaxed) && Instant::now() < end {
                let left = end.saturating_duration_since(Instant::now());
                tokio::time::sleep(left.min(Duration::from_millis(250))).await;
            }
        }
        if !list {
            return None;
        }
        match tokio::task::spawn_blocking(move || bus.discover()).await {
            Ok(Ok(d)) => Some(d),
            Ok(Err(e)) => {
                tracing::debug!("cannot list monitors: {e}");
                None
            }
            Err(e) => {
                tracing::error!("listing monitors failed: {e}");
                None
            }
        }
    })
}

/// After a discovery: failed monitors are tried again; newly listed ones
/// are adopted; a failed one no longer listed waits until it is.
fn after_discovery(wanted: &mut Vec<Wanted>, listed: Option<Vec<DeviceInfo>>, bus: &Arc<dyn Bus>) {
    for w in wanted.iter_mut() {
        if w.state == State::Backoff && matches!(w.opener, Opener::Named(_)) {
            w.state = State::Waiting;
        }
    }
    let Some(listed) = listed else { return };
    for w in wanted.iter_mut() {
        if let Opener::Listed(d) = &w.opener
            && matches!(w.state, State::Backoff | State::Absent)
        {
            w.state = match listed.iter().find(|l| key(l) == key(d)) {
                Some(now) => {
                    w.opener = Opener::Listed(now.clone());
                    State::Waiting
                }
                None => State::Absent,
            };
        }
    }
    for d in listed {
        let known = wanted
            .iter()
            .any(|w| matches!(&w.opener, Opener::Listed(x) if key(x) == key(&d)));
        if !known {
            tracing::info!("monitor {} attached", d.path);
            wanted.push(Wanted {
                opener: Opener::Listed(d),
                bus: bus.clone(),
                state: State::Waiting,
                warned: false,
            });
        }
    }
}

enum Event {
    Joined(Option<Result<Outcome, tokio::task::JoinError>>),
    Listed(Option<Vec<DeviceInfo>>),
}

/// Records `target` on the machine's USB bus; see [`record_on`].
pub async fn record(
    target: Target,
    writer: Arc<Writer>,
    options: Options,
    live: Live,
    stop: Arc<AtomicBool>,
) -> (Vec<SessionSummary>, Vec<RecorderError>) {
    let bus: Arc<dyn Bus> = Arc::new(HardwareBus::new());
    record_on(bus, target, writer, options, live, stop).await
}

/// Records `target`, found on `bus` (a simulated monitor named with
/// `--device` gets a bus of its own), until every monitor is done or `stop`
/// is set. Returns the sessions recorded and the monitors that failed for good.
pub async fn record_on(
    bus: Arc<dyn Bus>,
    target: Target,
    writer: Arc<Writer>,
    options: Options,
    live: Live,
    stop: Arc<AtomicBool>,
) -> (Vec<SessionSummary>, Vec<RecorderError>) {
    let mut wanted: Vec<Wanted> = Vec::new();
    let mut sessions = Vec::new();
    let mut errors = Vec::new();
    let watch = matches!(target, Target::AllAttached);
    if let Target::Devices(list) = &target {
        for sel in list {
            match bus_for(sel, &bus) {
                Ok(b) => wanted.push(Wanted {
                    opener: Opener::Named(sel.clone()),
                    bus: b,
                    state: State::Waiting,
                    warned: false,
                }),
                Err(e) => errors.push(RecorderError::Open(sel.to_string(), e)),
            }
        }
    }
    let shared = Shared {
        writer,
        options,
        live,
        stop: stop.clone(),
    };
    let mut tasks: JoinSet<Outcome> = JoinSet::new();
    let mut ids: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut next: Option<Tick> = watch.then(|| tick(bus.clone(), stop.clone(), false, true));
    loop {
        let stopped = stop.load(Ordering::Relaxed);
        if !stopped {
            for (i, w) in wanted.iter_mut().enumerate() {
                if w.state == State::Waiting {
                    w.state = State::Running;
                    spawn(&mut tasks, &mut ids, i, w, &shared);
                }
            }
        }
        let count = |s: State| wanted.iter().filter(|w| w.state == s).count();
        let running = count(State::Running) > 0;
        let pending = count(State::Waiting) + count(State::Backoff) + count(State::Absent) > 0;
        let complete = bus.schedule() == Schedule::Complete;
        if !running && next.is_none() && (stopped || (!pending && (!watch || complete))) {
            break;
        }
        if next.is_none() && !stopped && (pending || (watch && !complete)) {
            next = Some(tick(bus.clone(), stop.clone(), true, watch));
        }
        let has_tick = next.is_some();
        let event = {
            let ticking = async {
                match next.as_mut() {
                    Some(t) => t.await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                joined = tasks.join_next(), if running => Event::Joined(joined),
                listed = ticking, if has_tick => Event::Listed(listed),
                else => break,
            }
        };
        match event {
            Event::Listed(listed) => {
                next = None;
                after_discovery(&mut wanted, listed, &bus);
            }
            Event::Joined(None) => {}
            Event::Joined(Some(Err(e))) => {
                // A recorder that panicked: its monitor is not tried again.
                tracing::error!("a monitor task failed: {e}");
                if let Some(i) = ids.remove(&e.id()) {
                    wanted[i].state = State::Done;
                }
            }
            Event::Joined(Some(Ok((i, outcome)))) => {
                ids.retain(|_, &mut v| v != i);
                let w = &mut wanted[i];
                match outcome {
                    Ok(s) => {
                        sessions.extend(s);
                        w.state = State::Done;
                    }
                    Err(RecorderError::Stopped) => w.state = State::Done,
                    Err(e) if !stopped && retryable(&w.opener, &e) => {
                        if !w.warned {
                            tracing::warn!(
                                "waiting for monitor {} ({e}); trying again every {} s",
                                w.name(),
                                DISCOVERY_EVERY_NS / 1_000_000_000
                            );
                            w.warned = true;
                        }
                        w.state = State::Backoff;
                    }
                    Err(e) => {
                        w.state = State::Done;
                        errors.push(e);
                    }
                }
            }
        }
    }
    (sessions, errors)
}
