//! The default backend: hidapi (hidraw on Linux, with hidapi's pure-Rust udev
//! enumeration, so nothing beyond the kernel is needed at run time).

use std::time::Instant;

use hidapi::{HidApi, HidDevice};

use crate::descriptor::{ReportSizes, parse_report_descriptor};
use crate::error::{ErrorKind, TransportError};
use crate::selector::{CONCEPT2_VID, UsbFilter};
use crate::{Backend, DeviceInfo, Transport, padded};

/// Input reports can be longer than their descriptor says (some PM5s, and
/// Windows, which reports 500 bytes for every id): read into a roomy buffer.
const READ_BUFFER: usize = 1024;

fn api() -> Result<HidApi, TransportError> {
    HidApi::new().map_err(|e| TransportError::from_os("cannot start hidapi", e))
}

fn info_of(d: &hidapi::DeviceInfo) -> DeviceInfo {
    DeviceInfo {
        backend: Backend::Hid,
        path: d.path().to_string_lossy().into_owned(),
        vendor_id: d.vendor_id(),
        product_id: d.product_id(),
        serial: d
            .serial_number()
            .map(str::to_string)
            .filter(|s| !s.is_empty()),
        manufacturer: d.manufacturer_string().map(str::to_string),
        product: d.product_string().map(str::to_string),
    }
}

/// Every HID device with Concept2's vendor id, whatever its product id (PM5
/// product ids differ between units, reference §1.1).
pub(crate) fn discover() -> Result<Vec<DeviceInfo>, TransportError> {
    Ok(api()?
        .device_list()
        .filter(|d| d.vendor_id() == CONCEPT2_VID)
        .map(info_of)
        .collect())
}

/// A monitor through hidapi.
pub struct HidTransport {
    device: HidDevice,
    info: DeviceInfo,
    sizes: ReportSizes,
    opened: Instant,
}

impl HidTransport {
    /// Opens the first device matching `filter`.
    pub fn open(filter: &UsbFilter) -> Result<Self, TransportError> {
        let api = api()?;
        let seen = api.device_list().count();
        let found = api.device_list().find(|d| {
            filter.matches(
                d.vendor_id(),
                d.product_id(),
                d.serial_number(),
                &d.path().to_string_lossy(),
            )
        });
        let Some(found) = found else {
            return Err(TransportError::new(
                ErrorKind::NotFound,
                format!(
                    "no Concept2 monitor matches through hidapi ({seen} HID device(s) seen, none with vendor 17a4{}). Plug the monitor in and wake it; `erglink doctor` checks permissions",
                    match filter {
                        UsbFilter::Any => String::new(),
                        other => format!(" matching {other:?}"),
                    }
                ),
            ));
        };
        let info = info_of(found);
        let device = found
            .open_device(&api)
            .map_err(|e| TransportError::from_os(&format!("cannot open {}", info.path), e))?;
        let mut desc = vec![0u8; 4096];
        let sizes = match device.get_report_descriptor(&mut desc) {
            Ok(n) => {
                let parsed = parse_report_descriptor(&desc[..n.min(desc.len())]).output;
                if parsed.is_empty() {
                    ReportSizes::spec_default(info.model())
                } else {
                    parsed
                }
            }
            Err(e) => {
                tracing::info!("no HID report descriptor ({e}); using the sizes of reference §1.2");
                ReportSizes::spec_default(info.model())
            }
        };
        Ok(Self {
            device,
            info,
            sizes,
            opened: Instant::now(),
        })
    }
}

impl Transport for HidTransport {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn report_sizes(&self) -> &ReportSizes {
        &self.sizes
    }

    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        let buf = padded(report, &self.sizes)?;
        self.device
            .write(&buf)
            .map(|_| ())
            .map_err(|e| TransportError::from_os("write to the monitor failed", e))
    }

    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        buf.clear();
        buf.resize(READ_BUFFER, 0);
        let ms = i32::try_from(timeout_ns.div_ceil(1_000_000)).unwrap_or(i32::MAX);
        let n = self
            .device
            .read_timeout(buf, ms)
            .map_err(|e| TransportError::from_os("read from the monitor failed", e))?;
        buf.truncate(n);
        Ok(n > 0)
    }

    fn now_ns(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn sleep_ns(&mut self, ns: u64) {
        std::thread::sleep(std::time::Duration::from_nanos(ns));
    }
}
