//! # erglink-transport
//!
//! One report-level interface to a Concept2 monitor, whatever it is: a real
//! one over USB (hidapi by default, libusb with the `libusb` feature), the
//! simulator (`sim` feature), or a recorded transcript. The driver above sees
//! only [`Transport`]: write a report, read one with a timeout, and the clock,
//! which is the wall clock for hardware and virtual time for the simulator.
//!
//! Monitors are found and reopened through a [`Bus`]: the machine's
//! ([`HardwareBus`]) or a simulated one ([`SimBus`], feature `sim`) whose
//! monitors plug in, refuse opens, sleep and unplug on a virtual clock. Every
//! backend's report sizes go through [`merge_report_sizes`], and every
//! backend's failures through [`classify`], so that the simulator's quirks
//! take the paths a real monitor's would.
//!
//! This is the only crate that touches USB.

#![forbid(unsafe_code)]

mod bus;
mod classify;
mod descriptor;
pub mod doctor;
mod error;
#[cfg(feature = "hid")]
mod hid;
mod os;
mod selector;
#[cfg(feature = "sim")]
mod sim;
pub mod transcript;
#[cfg(feature = "libusb")]
mod usb;

pub use bus::{Bus, HardwareBus, Schedule, bus_for, same_monitor, selects};
pub use classify::{BackendFailure, UsbError, classify, hint};
pub use descriptor::{
    DescriptorSizes, ReportSizes, build_report_descriptor, merge_report_sizes,
    parse_report_descriptor,
};
pub use error::{ErrorKind, SelectorError, TransportError};
pub use os::Os;
pub use selector::{CONCEPT2_VID, DeviceSelector, UsbFilter};
#[cfg(feature = "sim")]
pub use sim::{SimBus, SimGuard, SimTransport};
pub use transcript::{Replay, Transcribing, Transcript, TranscriptWriter};

/// Which backend reaches a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// hidapi (hidraw on Linux).
    Hid,
    /// libusb.
    Usb,
    /// The simulator.
    Sim,
    /// A transcript.
    Replay,
}

impl Backend {
    /// `hid`, `usb`, `sim`, `replay`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Hid => "hid",
            Backend::Usb => "usb",
            Backend::Sim => "sim",
            Backend::Replay => "replay",
        }
    }

    /// A session's source: `usb` for real hardware.
    pub fn source(self) -> &'static str {
        match self {
            Backend::Hid | Backend::Usb => "usb",
            Backend::Sim => "sim",
            Backend::Replay => "replay",
        }
    }
}

/// What is known about a device before talking CSAFE to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// How it is reached.
    pub backend: Backend,
    /// OS path, bus address, or selector text.
    pub path: String,
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
    /// USB serial string (the PM's 9-digit serial).
    pub serial: Option<String>,
    /// USB manufacturer string.
    pub manufacturer: Option<String>,
    /// USB product string.
    pub product: Option<String>,
}

impl DeviceInfo {
    /// A device with only its backend and path known.
    pub fn new(backend: Backend, path: String) -> Self {
        Self {
            backend,
            path,
            vendor_id: 0,
            product_id: 0,
            serial: None,
            manufacturer: None,
            product: None,
        }
    }

    /// The model (3, 4, 5) as the product string names it ("… (PM5)", "Concept II PM3").
    pub fn model(&self) -> Option<u8> {
        let p = self.product.as_deref()?.to_ascii_uppercase();
        ["PM3", "PM4", "PM5"]
            .iter()
            .position(|m| p.contains(m))
            .map(|i| i as u8 + 3)
    }

    /// A selector that finds this device again.
    pub fn selector(&self) -> DeviceSelector {
        let filter = match &self.serial {
            Some(s) => UsbFilter::Serial(s.clone()),
            None => UsbFilter::Path(self.path.clone()),
        };
        match self.backend {
            Backend::Hid => DeviceSelector::Hid(filter),
            Backend::Usb => DeviceSelector::Usb(filter),
            Backend::Sim | Backend::Replay => {
                DeviceSelector::parse(&self.path).unwrap_or(DeviceSelector::Hid(UsbFilter::Any))
            }
        }
    }
}

/// A monitor at the level of HID reports. Reports are the report id followed
/// by the CSAFE bytes; a transport pads writes to the report's full length.
pub trait Transport: Send {
    /// What is known about the device.
    fn info(&self) -> &DeviceInfo;
    /// CSAFE bytes of each report id.
    fn report_sizes(&self) -> &ReportSizes;
    /// Sends one output report.
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError>;
    /// Waits up to `timeout_ns` for one input report and puts it in `buf`
    /// (report id first). `Ok(false)` on timeout.
    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError>;
    /// Nanoseconds on the transport's clock. It never goes back, and a handle
    /// reopened on the same monitor continues it: the wall clock since this
    /// process first opened a device, for hardware; the simulator's virtual
    /// time, for a simulated monitor.
    fn now_ns(&self) -> u64;
    /// Waits on the transport's clock.
    fn sleep_ns(&mut self, ns: u64);
    /// A remark for the transcript, if one is kept.
    fn note(&mut self, _text: &str) {}
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn info(&self) -> &DeviceInfo {
        (**self).info()
    }
    fn report_sizes(&self) -> &ReportSizes {
        (**self).report_sizes()
    }
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        (**self).write_report(report)
    }
    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        (**self).read_report(buf, timeout_ns)
    }
    fn now_ns(&self) -> u64 {
        (**self).now_ns()
    }
    fn sleep_ns(&mut self, ns: u64) {
        (**self).sleep_ns(ns);
    }
    fn note(&mut self, text: &str) {
        (**self).note(text);
    }
}

/// The hardware transports' clock: the wall clock since the first call, so
/// that a reopened handle goes on from where the old one stopped.
#[cfg_attr(not(any(feature = "hid", feature = "libusb")), allow(dead_code))]
pub(crate) fn wall_ns() -> u64 {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let epoch = EPOCH.get_or_init(std::time::Instant::now);
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Pads `report` to its report's full length, as every peer does and Windows requires.
#[cfg_attr(
    not(any(feature = "hid", feature = "libusb", feature = "sim")),
    allow(dead_code)
)]
pub(crate) fn padded(report: &[u8], sizes: &ReportSizes) -> Result<Vec<u8>, TransportError> {
    let (&id, data) = report
        .split_first()
        .ok_or_else(|| TransportError::new(ErrorKind::BadReport, "empty report"))?;
    let len = sizes.get(id).ok_or_else(|| {
        TransportError::new(
            ErrorKind::BadReport,
            format!("the device has no report {id:#04x}"),
        )
    })?;
    if data.len() > len {
        return Err(TransportError::new(
            ErrorKind::BadReport,
            format!(
                "{} bytes do not fit report {id:#04x} ({len} bytes)",
                data.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(len + 1);
    out.extend_from_slice(report);
    out.resize(len + 1, 0);
    Ok(out)
}

/// Every Concept2 monitor attached, through every compiled-in USB backend,
/// each once: hidapi lists a device once per HID collection (one path), and
/// a monitor both backends see is listed through hidapi, the default.
/// A machine without a USB bus has none; that is not an error.
pub fn discover() -> Result<Vec<DeviceInfo>, TransportError> {
    #[allow(unused_mut)]
    let mut found: Vec<DeviceInfo> = Vec::new();
    #[cfg(feature = "hid")]
    found.extend(hid::discover()?);
    #[cfg(feature = "libusb")]
    match usb::discover() {
        Ok(d) => found.extend(d),
        Err(e) if e.kind == ErrorKind::NoBus => {}
        Err(e) => return Err(e),
    }
    Ok(once_each(found))
}

/// One entry per path, and one per serial across backends (the first kept).
pub(crate) fn once_each(list: Vec<DeviceInfo>) -> Vec<DeviceInfo> {
    let mut out: Vec<DeviceInfo> = Vec::new();
    for d in list {
        let listed = out.iter().any(|o| {
            (o.backend == d.backend && o.path == d.path)
                || (o.serial.is_some() && o.serial == d.serial)
        });
        if !listed {
            out.push(d);
        }
    }
    out
}

/// Opens the device a selector names.
pub fn open(selector: &DeviceSelector) -> Result<Box<dyn Transport>, TransportError> {
    match selector {
        #[cfg(feature = "hid")]
        DeviceSelector::Hid(filter) => Ok(Box::new(hid::HidTransport::open(filter)?)),
        #[cfg(not(feature = "hid"))]
        DeviceSelector::Hid(_) => Err(unsupported("hid", "hid")),
        #[cfg(feature = "libusb")]
        DeviceSelector::Usb(filter) => Ok(Box::new(usb::UsbTransport::open(filter)?)),
        #[cfg(not(feature = "libusb"))]
        DeviceSelector::Usb(_) => Err(unsupported("usb", "libusb")),
        #[cfg(feature = "sim")]
        DeviceSelector::Sim { model, options } => Ok(Box::new(SimTransport::open(model, options)?)),
        #[cfg(not(feature = "sim"))]
        DeviceSelector::Sim { .. } => Err(unsupported("sim", "sim")),
        DeviceSelector::Replay(path) => {
            let t = Transcript::load(path)?;
            Ok(Box::new(Replay::new(t, &selector.to_string())))
        }
    }
}

#[allow(dead_code)]
pub(crate) fn unsupported(scheme: &str, feature: &str) -> TransportError {
    TransportError::new(
        ErrorKind::Unsupported,
        format!(
            "`{scheme}` devices need erglink built with the `{feature}` feature: cargo build --release --features {feature}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_lists_each_monitor_once() {
        let entry = |backend, path: &str, serial: Option<&str>| {
            let mut d = DeviceInfo::new(backend, path.into());
            d.vendor_id = CONCEPT2_VID;
            d.serial = serial.map(str::to_string);
            d
        };
        let listed = vec![
            // One PM5, two HID collections: hidapi's Linux backend lists both.
            entry(Backend::Hid, "/dev/hidraw3", Some("430228525")),
            entry(Backend::Hid, "/dev/hidraw3", Some("430228525")),
            // The same PM5 through libusb.
            entry(Backend::Usb, "001:004", Some("430228525")),
            // Two monitors without serials (libusb could not read them).
            entry(Backend::Usb, "001:005", None),
            entry(Backend::Usb, "001:006", None),
        ];
        let once = once_each(listed);
        let paths: Vec<&str> = once.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["/dev/hidraw3", "001:005", "001:006"]);
    }
}
