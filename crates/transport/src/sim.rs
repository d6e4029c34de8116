//! The simulator as a device. Virtual time moves only when the driver waits:
//! at `pacing=max` a 7-minute piece passes in a blink; at `pacing=realtime`
//! every wait also sleeps until the wall clock catches up.

use std::time::Instant;

use erglink_sim::{Pacing, SimConfig, Simulator};

use crate::descriptor::ReportSizes;
use crate::error::{ErrorKind, TransportError};
use crate::{Backend, DeviceInfo, Transport, padded};

/// A simulated monitor.
pub struct SimTransport {
    sim: Simulator,
    info: DeviceInfo,
    sizes: ReportSizes,
    now_ns: u64,
    started: Instant,
    realtime: bool,
}

impl SimTransport {
    /// A simulator from the parts of a `sim:MODEL?OPTIONS` selector.
    pub fn open(model: &str, options: &str) -> Result<Self, TransportError> {
        let cfg = SimConfig::parse(model, options).map_err(|e| {
            TransportError::new(ErrorKind::BadReport, format!("bad simulator options: {e}"))
        })?;
        let path = if options.is_empty() {
            format!("sim:{model}")
        } else {
            format!("sim:{model}?{options}")
        };
        Ok(Self::new(Simulator::new(cfg), path))
    }

    /// Wraps a simulator built elsewhere (tests keep a handle on its ground truth this way).
    pub fn new(sim: Simulator, path: String) -> Self {
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
        let sizes = ReportSizes::new(id.report_sizes.clone());
        let realtime = sim.pacing() == Pacing::Realtime;
        Self {
            sim,
            info,
            sizes,
            now_ns: 0,
            started: Instant::now(),
            realtime,
        }
    }

    /// The simulator, for its ground truth and bus limits.
    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }

    fn catch_up_wall_clock(&self) {
        if self.realtime {
            let wall = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            if self.now_ns > wall {
                std::thread::sleep(std::time::Duration::from_nanos(self.now_ns - wall));
            }
        }
    }

    fn unplugged(&self) -> TransportError {
        TransportError::new(
            ErrorKind::Disconnected,
            "the simulated monitor is unplugged (fault injection)",
        )
    }
}

impl Transport for SimTransport {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn report_sizes(&self) -> &ReportSizes {
        &self.sizes
    }

    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        let buf = padded(report, &self.sizes)?;
        self.catch_up_wall_clock();
        if !self.sim.attached(self.now_ns) {
            return Err(self.unplugged());
        }
        self.sim.write_report(self.now_ns, &buf).map_err(|e| {
            TransportError::new(
                ErrorKind::Disconnected,
                format!("simulated write failed: {e}"),
            )
        })
    }

    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        let deadline = self.now_ns.saturating_add(timeout_ns);
        let got = self.sim.read_report(deadline);
        match got {
            Some((at, report)) => {
                self.now_ns = self.now_ns.max(at);
                buf.clear();
                buf.extend_from_slice(&report);
            }
            None => {
                self.now_ns = deadline;
                buf.clear();
            }
        }
        self.catch_up_wall_clock();
        if buf.is_empty() && !self.sim.attached(self.now_ns) {
            return Err(self.unplugged());
        }
        Ok(!buf.is_empty())
    }

    fn now_ns(&self) -> u64 {
        self.now_ns
    }

    fn sleep_ns(&mut self, ns: u64) {
        self.now_ns = self.now_ns.saturating_add(ns);
        self.sim.advance(self.now_ns);
        self.catch_up_wall_clock();
    }
}
