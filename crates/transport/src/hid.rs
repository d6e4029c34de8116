//! The default backend: hidapi (hidraw on Linux, with hidapi's pure-Rust udev
//! enumeration, so nothing beyond the kernel is needed at run time).

use std::sync::Mutex;

use hidapi::{HidApi, HidDevice, HidError};

use crate::classify::BackendFailure;
use crate::descriptor::{ReportSizes, merge_report_sizes, parse_report_descriptor};
use crate::error::{ErrorKind, TransportError};
use crate::os::Os;
use crate::selector::{CONCEPT2_VID, UsbFilter};
use crate::{Backend, DeviceInfo, Transport, padded};

/// Input reports can be longer than their descriptor says (some PM5s, and
/// Windows, which reports 500 bytes for every id): read into a roomy buffer.
const READ_BUFFER: usize = 1024;

/// One hidapi context for the process, and one enumeration or open at a
/// time: hidapi's C backends keep their last error in a global, and the
/// recorder enumerates from several threads (discovery, reopens).
static HIDAPI: Mutex<Option<HidApi>> = Mutex::new(None);

/// hidapi's failure as the classifier takes it: the OS code when it carries
/// one, else its own message.
pub(crate) fn failure(e: &HidError) -> BackendFailure {
    match e {
        HidError::HidApiError { message } => BackendFailure::Hid(message.clone()),
        HidError::IoError { error } => match error.raw_os_error() {
            Some(code) => BackendFailure::Os {
                code,
                text: error.to_string(),
            },
            None => BackendFailure::Hid(error.to_string()),
        },
        other => BackendFailure::Hid(other.to_string()),
    }
}

fn error(context: &str, e: &HidError) -> TransportError {
    TransportError::from_backend(Os::current(), context, &failure(e))
}

/// Runs `f` on a freshly enumerated device list, under the process-wide lock.
fn with_api<R>(f: impl FnOnce(&HidApi) -> R) -> Result<R, TransportError> {
    let mut guard = HIDAPI.lock().unwrap_or_else(|p| p.into_inner());
    match guard.as_mut() {
        Some(api) => api
            .refresh_devices()
            .map_err(|e| error("cannot list HID devices", &e))?,
        None => {
            *guard = Some(HidApi::new().map_err(|e| error("cannot start hidapi", &e))?);
        }
    }
    Ok(f(guard.as_ref().expect("just set")))
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
/// product ids differ between units, reference §1.1), each once.
pub(crate) fn discover() -> Result<Vec<DeviceInfo>, TransportError> {
    with_api(|api| {
        crate::once_each(
            api.device_list()
                .filter(|d| d.vendor_id() == CONCEPT2_VID)
                .map(info_of)
                .collect(),
        )
    })
}

/// A monitor through hidapi.
pub struct HidTransport {
    device: HidDevice,
    info: DeviceInfo,
    sizes: ReportSizes,
}

impl HidTransport {
    /// Opens the first device matching `filter`.
    pub fn open(filter: &UsbFilter) -> Result<Self, TransportError> {
        let (info, device) = with_api(|api| {
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
                .open_device(api)
                .map_err(|e| error(&format!("cannot open {}", info.path), &e))?;
            Ok((info, device))
        })??;
        let mut desc = vec![0u8; hidapi::MAX_REPORT_DESCRIPTOR_SIZE];
        let parsed = match device.get_report_descriptor(&mut desc) {
            Ok(n) => Some(parse_report_descriptor(&desc[..n.min(desc.len())])),
            Err(e) => {
                tracing::info!("no HID report descriptor ({e}); using the sizes of reference §1.2");
                None
            }
        };
        let sizes = merge_report_sizes(parsed.as_ref(), info.model());
        Ok(Self {
            device,
            info,
            sizes,
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
            .map_err(|e| error("write to the monitor failed", &e))
    }

    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        buf.clear();
        buf.resize(READ_BUFFER, 0);
        let ms = i32::try_from(timeout_ns.div_ceil(1_000_000)).unwrap_or(i32::MAX);
        let n = self
            .device
            .read_timeout(buf, ms)
            .map_err(|e| error("read from the monitor failed", &e))?;
        buf.truncate(n);
        Ok(n > 0)
    }

    fn now_ns(&self) -> u64 {
        crate::wall_ns()
    }

    fn sleep_ns(&mut self, ns: u64) {
        std::thread::sleep(std::time::Duration::from_nanos(ns));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidapi_errors_keep_their_code() {
        let e = HidError::IoError {
            error: std::io::Error::from_raw_os_error(19),
        };
        assert!(matches!(failure(&e), BackendFailure::Os { code: 19, .. }));
        let e = HidError::HidApiError {
            message: "unexpected poll error (device disconnected)".into(),
        };
        assert_eq!(
            crate::classify::classify(Os::Linux, &failure(&e)),
            ErrorKind::Disconnected
        );
    }
}
