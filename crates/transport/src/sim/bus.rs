//! A simulated USB bus: simulated monitors that plug in at given times on a
//! virtual clock, listed by [`Bus::discover`] and opened and reopened through
//! it, with `deny=` (opens refused for a while after each plug-in) and
//! `asleep=` (no reply for a while after the first open).
//!
//! Two clocks meet here. The bus's clock moves when its caller waits
//! ([`Bus::advance`]); each monitor's clock is its simulator's, moved by
//! whoever holds a handle on it (the recorder, as it polls and waits). A
//! monitor nobody holds a handle on ages with the bus. At `pacing=max` both
//! are virtual and a wait returns at once.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use erglink_sim::{Pacing, SimConfig, Simulator};

use super::{Device, SimTransport, format_path};
use crate::bus::{Bus, Schedule, same_monitor, selects};
use crate::error::{ErrorKind, TransportError};
use crate::selector::DeviceSelector;
use crate::{DeviceInfo, Transport};

struct Slot {
    /// When it is plugged in, on the bus clock.
    plug_at_ns: u64,
    device: Arc<Device>,
}

struct Inner {
    slots: Mutex<Vec<Slot>>,
    clock: AtomicU64,
    realtime: AtomicBool,
    started: Instant,
}

/// A bus of simulated monitors. Clones share the bus.
#[derive(Clone)]
pub struct SimBus {
    inner: Arc<Inner>,
}

impl Default for SimBus {
    fn default() -> Self {
        Self::new()
    }
}

fn bad(text: &str, why: impl std::fmt::Display) -> TransportError {
    TransportError::new(
        ErrorKind::BadReport,
        format!("bad simulated bus `{text}`: {why}"),
    )
}

impl SimBus {
    /// An empty bus, its clock at 0.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                slots: Mutex::new(Vec::new()),
                clock: AtomicU64::new(0),
                realtime: AtomicBool::new(false),
                started: Instant::now(),
            }),
        }
    }

    /// One monitor, plugged in from the start: what `--device sim:…` opens.
    pub fn single(sim: Simulator, path: String) -> Self {
        let bus = Self::new();
        bus.plug_in(0, sim, path)
            .expect("an empty bus takes any monitor");
        bus
    }

    /// [`SimBus::single`] from the parts of a `sim:MODEL?OPTIONS` selector.
    pub fn single_selector(model: &str, options: &str) -> Result<Self, TransportError> {
        let cfg = SimConfig::parse(model, options).map_err(|e| {
            TransportError::new(ErrorKind::BadReport, format!("bad simulator options: {e}"))
        })?;
        Ok(Self::single(
            Simulator::new(cfg),
            format_path(model, options),
        ))
    }

    /// The bus `ERGLINK_SIM_BUS` describes: `sim:` selectors separated by
    /// spaces, each optionally followed by `@SECONDS`, its plug-in time on the
    /// bus (`sim:pm5?deny=3000&asleep=5000@2`; without it, 0).
    pub fn parse(text: &str) -> Result<Self, TransportError> {
        let bus = Self::new();
        for item in text.split_whitespace() {
            let (selector, at_ns) = match item.rsplit_once('@') {
                Some((sel, secs)) => {
                    let s: f64 = secs.parse().map_err(|_| {
                        bad(item, format!("`@{secs}` is not a plug-in time in seconds"))
                    })?;
                    if !(s.is_finite() && s >= 0.0) {
                        return Err(bad(item, "the plug-in time is seconds from 0"));
                    }
                    (sel, (s * 1e9).round() as u64)
                }
                None => (item, 0),
            };
            let Ok(DeviceSelector::Sim { model, options }) = DeviceSelector::parse(selector) else {
                return Err(bad(item, "each monitor is a sim:MODEL?OPTIONS selector"));
            };
            let cfg = SimConfig::parse(&model, &options).map_err(|e| bad(item, e))?;
            bus.plug_in(at_ns, Simulator::new(cfg), format_path(&model, &options))
                .map_err(|e| bad(item, e.message))?;
        }
        Ok(bus)
    }

    /// Plugs a monitor in at `at_ns` on the bus clock. Monitors on one bus
    /// need their own serials (`seed=` or `serial=`): reopens find them by it.
    pub fn plug_in(&self, at_ns: u64, sim: Simulator, path: String) -> Result<(), TransportError> {
        let mut slots = self.slots();
        let serial = sim.identity().serial.clone();
        if slots
            .iter()
            .any(|s| s.device.info().serial.as_deref() == Some(serial.as_str()))
        {
            return Err(TransportError::new(
                ErrorKind::BadReport,
                format!(
                    "two simulated monitors share serial {serial}: give each its own seed= or serial="
                ),
            ));
        }
        if sim.pacing() == Pacing::Realtime {
            self.inner.realtime.store(true, Ordering::Relaxed);
        }
        let origin = self.inner.started + Duration::from_nanos(at_ns);
        let device = Arc::new(Device::new(sim, path, origin));
        // Plugged in before now: it has aged with the bus since.
        let now = self.now_ns();
        if now > at_ns {
            device.idle_for(now - at_ns);
        }
        slots.push(Slot {
            plug_at_ns: at_ns,
            device,
        });
        Ok(())
    }

    /// Runs `f` on the simulator of the monitor with `serial` (its ground
    /// truth, after a recording). `None` if the bus has no such monitor.
    pub fn with_simulator<R>(&self, serial: &str, f: impl FnOnce(&Simulator) -> R) -> Option<R> {
        let device = self
            .slots()
            .iter()
            .find(|s| s.device.info().serial.as_deref() == Some(serial))
            .map(|s| s.device.clone())?;
        let st = device.lock();
        Some(f(&st.sim))
    }

    /// Every monitor the bus carries or will carry, plugged in or not.
    pub fn monitors(&self) -> Vec<DeviceInfo> {
        self.slots()
            .iter()
            .map(|s| s.device.info().clone())
            .collect()
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Vec<Slot>> {
        self.inner.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The monitors plugged in and attached now.
    fn present(&self) -> Vec<Arc<Device>> {
        let now = self.now_ns();
        self.slots()
            .iter()
            .filter(|s| s.plug_at_ns <= now)
            .map(|s| s.device.clone())
            .filter(|d| d.attached())
            .collect()
    }

    fn not_found(&self, what: &str) -> TransportError {
        TransportError::new(
            ErrorKind::NotFound,
            format!(
                "no simulated monitor {what} is attached to the bus (at {:.1} s)",
                self.now_ns() as f64 / 1e9
            ),
        )
    }

    /// [`Bus::reopen`], as the simulated transport itself: finds the monitor
    /// by serial among those attached now, [`ErrorKind::NotFound`] if absent.
    /// Tests that keep a `MonitorRecorder<SimTransport>` reopen with this.
    pub fn reopen_sim(&self, info: &DeviceInfo) -> Result<SimTransport, TransportError> {
        let name = info.serial.clone().unwrap_or_else(|| info.path.clone());
        self.present()
            .into_iter()
            .find(|d| same_monitor(d.info(), info))
            .ok_or_else(|| self.not_found(&name))?
            .open(true)
    }

    /// Opens the simulated monitor whose path is `path`.
    pub(crate) fn open_sim(&self, path: &str) -> Result<SimTransport, TransportError> {
        self.present()
            .into_iter()
            .find(|d| d.info().path == path)
            .ok_or_else(|| self.not_found(path))?
            .open(true)
    }
}

impl Bus for SimBus {
    fn discover(&self) -> Result<Vec<DeviceInfo>, TransportError> {
        Ok(self.present().iter().map(|d| d.info().clone()).collect())
    }

    fn open(&self, selector: &DeviceSelector) -> Result<Box<dyn Transport>, TransportError> {
        if let DeviceSelector::Replay(_) = selector {
            return crate::open(selector);
        }
        let device = self
            .present()
            .into_iter()
            .find(|d| selects(selector, d.info()))
            .ok_or_else(|| self.not_found(&format!("matching {selector}")))?;
        Ok(Box::new(device.open(true)?))
    }

    fn reopen(&self, info: &DeviceInfo) -> Result<Box<dyn Transport>, TransportError> {
        Ok(Box::new(self.reopen_sim(info)?))
    }

    fn now_ns(&self) -> u64 {
        self.inner.clock.load(Ordering::Acquire)
    }

    fn advance(&self, ns: u64) -> Duration {
        let slots = self.slots();
        let before = self.now_ns();
        let after = before.saturating_add(ns);
        for s in slots.iter().filter(|s| s.plug_at_ns < after) {
            s.device.idle_for(after - before.max(s.plug_at_ns));
        }
        self.inner.clock.store(after, Ordering::Release);
        if self.inner.realtime.load(Ordering::Relaxed) {
            (self.inner.started + Duration::from_nanos(after))
                .saturating_duration_since(Instant::now())
        } else {
            Duration::ZERO
        }
    }

    /// Complete once every monitor is plugged in and attached (none inside
    /// an unplug), so that a listing now shows every monitor it will carry.
    fn schedule(&self) -> Schedule {
        let now = self.now_ns();
        let slots = self.slots();
        match slots
            .iter()
            .map(|s| s.plug_at_ns)
            .filter(|&t| t > now)
            .min()
        {
            Some(t) => Schedule::Pending(Some(t)),
            None if slots.iter().all(|s| s.device.attached()) => Schedule::Complete,
            // Back when its unplug ends, on its own clock.
            None => Schedule::Pending(None),
        }
    }
}

#[cfg(test)]
mod tests;
