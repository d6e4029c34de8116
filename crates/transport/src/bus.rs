//! Where monitors are found and (re)opened: the machine's USB bus, or a
//! simulated one ([`crate::SimBus`]) whose monitors plug in, refuse, sleep and
//! unplug on a virtual clock. The recorder finds, opens and reopens every
//! monitor through a [`Bus`], so that hot-plug is tested through the same code
//! that runs on hardware.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{ErrorKind, TransportError};
use crate::selector::{DeviceSelector, UsbFilter};
use crate::{Backend, DeviceInfo, Transport};

/// What a bus will still carry, for a caller deciding whether to keep looking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// A monitor can arrive at any time (real hardware).
    Open,
    /// More monitors are to come on a simulated bus: one still to be plugged
    /// in (its time on the bus clock, when that is what waits), or one to
    /// come back from an unplug.
    Pending(Option<u64>),
    /// Every monitor the bus will ever carry has been plugged in.
    Complete,
}

/// A bus of monitors.
pub trait Bus: Send + Sync {
    /// Every monitor attached now, each once.
    fn discover(&self) -> Result<Vec<DeviceInfo>, TransportError>;

    /// Opens the first monitor `selector` matches.
    fn open(&self, selector: &DeviceSelector) -> Result<Box<dyn Transport>, TransportError>;

    /// Enumerates the bus again and opens the monitor `info` describes, found
    /// by its serial (by its path when it has none) through its own backend.
    /// [`ErrorKind::NotFound`] when it is not attached: after an unplug, that
    /// is how a caller tells a monitor that went away from one that failed.
    fn reopen(&self, info: &DeviceInfo) -> Result<Box<dyn Transport>, TransportError> {
        let found = self
            .discover()?
            .into_iter()
            .find(|d| same_monitor(d, info))
            .ok_or_else(|| {
                TransportError::new(
                    ErrorKind::NotFound,
                    format!("monitor {} is not attached", name(info)),
                )
            })?;
        self.open(&found.selector())
    }

    /// Nanoseconds on the bus clock.
    fn now_ns(&self) -> u64;

    /// Moves the bus clock on by `ns` and returns how long the caller must
    /// still wait on the wall clock: all of it for real hardware, nothing for
    /// a simulated bus at `pacing=max`.
    fn advance(&self, ns: u64) -> Duration;

    /// What the bus will still carry.
    fn schedule(&self) -> Schedule {
        Schedule::Open
    }
}

/// Whether two entries are the same monitor: the same backend, and the same
/// serial (or path, when either has no serial).
pub fn same_monitor(a: &DeviceInfo, b: &DeviceInfo) -> bool {
    a.backend == b.backend
        && match (&a.serial, &b.serial) {
            (Some(x), Some(y)) => x == y,
            _ => a.path == b.path,
        }
}

fn name(info: &DeviceInfo) -> String {
    info.serial.clone().unwrap_or_else(|| info.path.clone())
}

/// The machine's own USB bus, through every compiled-in backend, on the
/// wall clock.
pub struct HardwareBus {
    started: Instant,
}

impl HardwareBus {
    /// The bus of this machine.
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
        }
    }
}

impl Default for HardwareBus {
    fn default() -> Self {
        Self::new()
    }
}

impl Bus for HardwareBus {
    fn discover(&self) -> Result<Vec<DeviceInfo>, TransportError> {
        crate::discover()
    }

    fn open(&self, selector: &DeviceSelector) -> Result<Box<dyn Transport>, TransportError> {
        crate::open(selector)
    }

    fn now_ns(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn advance(&self, ns: u64) -> Duration {
        Duration::from_nanos(ns)
    }
}

/// The bus the monitor a `--device` selector names lives on. A simulated
/// monitor gets a bus of its own, so that a reopen finds the same simulator
/// (and its clock) again; a transcript is opened once, never reopened; every
/// other selector is looked up on `shared`.
pub fn bus_for(
    selector: &DeviceSelector,
    shared: &Arc<dyn Bus>,
) -> Result<Arc<dyn Bus>, TransportError> {
    match selector {
        #[cfg(feature = "sim")]
        DeviceSelector::Sim { model, options } => {
            Ok(Arc::new(crate::SimBus::single_selector(model, options)?))
        }
        #[cfg(not(feature = "sim"))]
        DeviceSelector::Sim { .. } => Err(crate::unsupported("sim", "sim")),
        _ => Ok(shared.clone()),
    }
}

/// Whether `info` is a monitor `selector` names.
pub fn selects(selector: &DeviceSelector, info: &DeviceInfo) -> bool {
    let matches = |f: &UsbFilter| {
        f.matches(
            info.vendor_id,
            info.product_id,
            info.serial.as_deref(),
            &info.path,
        )
    };
    match selector {
        // A simulated bus answers `hid…` selectors too: that is how a test
        // names one of its monitors the way a user names a real one.
        DeviceSelector::Hid(f) => matches!(info.backend, Backend::Hid | Backend::Sim) && matches(f),
        DeviceSelector::Usb(f) => info.backend == Backend::Usb && matches(f),
        DeviceSelector::Sim { .. } => {
            info.backend == Backend::Sim && info.path == selector.to_string()
        }
        DeviceSelector::Replay(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_monitor_by_serial_else_path() {
        let mut a = DeviceInfo::new(Backend::Hid, "/dev/hidraw3".into());
        let mut b = DeviceInfo::new(Backend::Hid, "/dev/hidraw4".into());
        assert!(!same_monitor(&a, &b));
        a.serial = Some("430228525".into());
        b.serial = Some("430228525".into());
        // A replug moves the node; the serial stays.
        assert!(same_monitor(&a, &b));
        b.backend = Backend::Usb;
        assert!(!same_monitor(&a, &b));
    }

    #[test]
    fn hardware_bus_waits_on_the_wall_clock() {
        let bus = HardwareBus::new();
        assert_eq!(bus.advance(2_000_000_000), Duration::from_secs(2));
        assert_eq!(bus.schedule(), Schedule::Open);
    }
}
