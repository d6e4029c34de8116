//! The simulator as a device. Virtual time moves only when the driver waits:
//! at `pacing=max` a 7-minute piece passes in a blink; at `pacing=realtime`
//! every wait also sleeps until the wall clock catches up.
//!
//! A simulated monitor lives on a [`SimBus`]; a [`SimTransport`] is one open
//! handle on it. Like a hidraw handle, a handle dies at an unplug and stays
//! dead: every write and read fails as the chosen hidapi backend would
//! (`unplug_error=`), and only a new open through the bus reaches the monitor
//! again, continuing the same simulator on the same clock.

mod bus;
mod surface;

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use erglink_sim::{Pacing, SimConfig, Simulator};

pub use bus::SimBus;

use crate::descriptor::{ReportSizes, merge_report_sizes, parse_report_descriptor};
use crate::error::{ErrorKind, TransportError};
use crate::os::Os;
use crate::{Backend, DeviceInfo, Transport, padded};
use surface::Op;

/// One simulated monitor, shared by the bus and every handle opened on it.
pub(crate) struct Device {
    state: Mutex<DeviceState>,
    /// Virtual ns since the monitor was plugged in: the simulator's clock.
    /// Read without the lock, so `now_ns` never waits.
    clock: AtomicU64,
    info: DeviceInfo,
    sizes: ReportSizes,
    /// The OS whose hidapi backend its failures imitate.
    os: Os,
    deny_ns: u64,
    asleep_ns: u64,
    /// Plug-in times on its clock: 0, and the end of every unplug.
    plug_ins: Vec<u64>,
    realtime: bool,
    /// The wall-clock instant its clock was 0 (`pacing=realtime`).
    wall_origin: Instant,
}

struct DeviceState {
    sim: Simulator,
    /// Bumped at every open: a handle of an older one is dead.
    generation: u64,
    /// Handles alive (dead ones too): while there is one, its owner moves
    /// the clock, not the bus.
    handles: usize,
    /// When it was first opened, on its clock: `asleep=` counts from here.
    first_open_ns: Option<u64>,
}

impl Device {
    pub(crate) fn new(sim: Simulator, path: String, wall_origin: Instant) -> Device {
        let id = sim.identity();
        let info = DeviceInfo {
            backend: Backend::Sim,
            path,
            vendor_id: id.vendor_id,
            product_id: id.product_id,
            serial: Some(id.serial.clone()),
            manufacturer: Some(id.manufacturer.clone()),
            product: Some(id.product.clone()),
        };
        let cfg: &SimConfig = sim.config();
        // The descriptor's bytes go through the parser and the merge that
        // hidapi's and libusb's go through.
        let parsed = parse_report_descriptor(&surface::descriptor_bytes(cfg));
        let sizes = merge_report_sizes(Some(&parsed), info.model());
        let mut plug_ins = vec![0];
        plug_ins.extend(
            cfg.faults
                .unplugs
                .iter()
                .map(|u| u.at_ns.saturating_add(u.for_ns)),
        );
        plug_ins.sort_unstable();
        Device {
            os: surface::os_of(cfg.quirks.unplug_error),
            deny_ns: cfg.quirks.deny_ns,
            asleep_ns: cfg.quirks.asleep_ns,
            plug_ins,
            realtime: sim.pacing() == Pacing::Realtime,
            wall_origin,
            info,
            sizes,
            clock: AtomicU64::new(0),
            state: Mutex::new(DeviceState {
                sim,
                generation: 0,
                handles: 0,
                first_open_ns: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, DeviceState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn now(&self) -> u64 {
        self.clock.load(Ordering::Acquire)
    }

    /// Moves the clock on to `t` (never back); the caller holds the lock.
    fn set_clock(&self, t: u64) {
        self.clock.fetch_max(t, Ordering::AcqRel);
    }

    /// Whether it is attached now (not inside an unplug).
    pub(crate) fn attached(&self) -> bool {
        self.lock().sim.attached(self.now())
    }

    /// The bus moved its clock on by `ns` while this monitor was plugged in:
    /// nobody holds a handle on it, so its clock follows the bus's.
    pub(crate) fn idle_for(&self, ns: u64) {
        let st = self.lock();
        if st.handles == 0 {
            self.set_clock(self.now().saturating_add(ns));
        }
    }

    fn denied(&self, t: u64) -> bool {
        let last_plug_in = self.plug_ins.iter().rev().find(|&&p| p <= t).copied();
        last_plug_in.is_some_and(|p| t < p.saturating_add(self.deny_ns))
    }

    /// Opens a handle, as hidapi would: refused while the permissions are not
    /// yet set (`deny=`), absent inside an unplug. A new handle makes every
    /// older one dead.
    pub(crate) fn open(self: &Arc<Self>, check_deny: bool) -> Result<SimTransport, TransportError> {
        let mut st = self.lock();
        let t = self.now();
        if !st.sim.attached(t) {
            return Err(TransportError::new(
                ErrorKind::NotFound,
                format!("simulated monitor {} is unplugged", self.info.path),
            ));
        }
        if check_deny && self.denied(t) {
            return Err(TransportError::from_backend(
                self.os,
                "open refused",
                &surface::denied_failure(self.os, &self.info.path),
            ));
        }
        st.generation += 1;
        st.handles += 1;
        st.first_open_ns.get_or_insert(t);
        // A new handle is what ends a `hang_on:` hang.
        st.sim.reopened();
        Ok(SimTransport {
            device: self.clone(),
            generation: st.generation,
            dead: false,
        })
    }

    fn unplugged(&self, op: Op) -> TransportError {
        let context = match op {
            Op::Write => "write to the monitor failed",
            Op::Read => "read from the monitor failed",
        };
        TransportError::from_backend(self.os, context, &surface::unplug_failure(self.os, op))
    }

    fn catch_up_wall_clock(&self) {
        if self.realtime {
            let target = self.wall_origin + std::time::Duration::from_nanos(self.now());
            let now = Instant::now();
            if target > now {
                std::thread::sleep(target - now);
            }
        }
    }
}

/// An open handle on a simulated monitor.
pub struct SimTransport {
    device: Arc<Device>,
    generation: u64,
    dead: bool,
}

/// The simulator behind a handle, locked while this lives: drop it before
/// the next call on the transport.
pub struct SimGuard<'a>(MutexGuard<'a, DeviceState>);

impl Deref for SimGuard<'_> {
    type Target = Simulator;
    fn deref(&self) -> &Simulator {
        &self.0.sim
    }
}

impl SimTransport {
    /// A simulator from the parts of a `sim:MODEL?OPTIONS` selector, alone on
    /// a bus of its own, opened as the bus opens it (`deny=` applies).
    pub fn open(model: &str, options: &str) -> Result<Self, TransportError> {
        SimBus::single_selector(model, options)?.open_sim(&format_path(model, options))
    }

    /// Wraps a simulator built elsewhere (tests keep a handle on its ground
    /// truth this way), already open. Nothing can reopen it: after an unplug
    /// the handle stays dead. A monitor that must come back lives on a
    /// [`SimBus`] ([`SimBus::single`]).
    pub fn new(sim: Simulator, path: String) -> Self {
        let device = Arc::new(Device::new(sim, path, Instant::now()));
        device
            .open(false)
            .expect("a new simulator is attached at power-on")
    }

    /// The simulator, for its ground truth and bus limits.
    pub fn simulator(&self) -> SimGuard<'_> {
        SimGuard(self.device.lock())
    }

    /// Whether this handle has died (an unplug, or a newer open).
    pub fn is_dead(&self) -> bool {
        self.dead
    }

    /// Checks the handle is still good at `t`; marks it dead if not.
    fn alive(&mut self, st: &DeviceState, t: u64) -> bool {
        if self.dead || st.generation != self.generation || !st.sim.attached(t) {
            self.dead = true;
        }
        !self.dead
    }

    fn asleep(&self, st: &DeviceState, t: u64) -> bool {
        st.first_open_ns
            .is_some_and(|o| t < o.saturating_add(self.device.asleep_ns))
    }
}

fn format_path(model: &str, options: &str) -> String {
    if options.is_empty() {
        format!("sim:{model}")
    } else {
        format!("sim:{model}?{options}")
    }
}

impl Drop for SimTransport {
    fn drop(&mut self) {
        self.device.lock().handles -= 1;
    }
}

impl Transport for SimTransport {
    fn info(&self) -> &DeviceInfo {
        &self.device.info
    }

    fn report_sizes(&self) -> &ReportSizes {
        &self.device.sizes
    }

    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        let buf = padded(report, &self.device.sizes)?;
        self.device.catch_up_wall_clock();
        let device = self.device.clone();
        let mut st = device.lock();
        let t = device.now();
        if !self.alive(&st, t) {
            return Err(device.unplugged(Op::Write));
        }
        if self.asleep(&st, t) {
            // Taken by the OS, never answered.
            return Ok(());
        }
        st.sim.write_report(t, &buf).map_err(|e| match e {
            erglink_sim::SimError::Unplugged => device.unplugged(Op::Write),
            other => TransportError::new(
                ErrorKind::BadReport,
                format!("the simulated monitor refused the report: {other}"),
            ),
        })
    }

    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        buf.clear();
        let device = self.device.clone();
        {
            let mut st = device.lock();
            let now = device.now();
            if !self.alive(&st, now) {
                return Err(device.unplugged(Op::Read));
            }
            let deadline = now.saturating_add(timeout_ns);
            match st.sim.read_report(deadline) {
                Some((at, report)) => {
                    device.set_clock(at);
                    buf.extend_from_slice(&report);
                }
                None => device.set_clock(deadline),
            }
            if buf.is_empty() && !self.alive(&st, device.now()) {
                return Err(device.unplugged(Op::Read));
            }
        }
        device.catch_up_wall_clock();
        Ok(!buf.is_empty())
    }

    fn now_ns(&self) -> u64 {
        self.device.now()
    }

    fn sleep_ns(&mut self, ns: u64) {
        {
            let mut st = self.device.lock();
            let t = self.device.now().saturating_add(ns);
            self.device.set_clock(t);
            st.sim.advance(t);
        }
        self.device.catch_up_wall_clock();
    }
}
