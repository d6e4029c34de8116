//! The libusb backend (feature `libusb`): for systems where hidraw is not an
//! option. Endpoints come from the interface descriptor (peers disagree on
//! their numbers, reference §1.1), the kernel's HID driver is detached while
//! erglink holds the interface and reattached afterwards.
//!
//! Only `rusb::Context::new()` is used: rusb's global-context functions panic
//! on a machine without `/dev/bus/usb`, where `Context::new()` fails cleanly.

use std::time::{Duration, Instant};

use rusb::{Context, DeviceHandle, Direction, TransferType, UsbContext};

use crate::descriptor::{ReportSizes, parse_report_descriptor};
use crate::error::{ErrorKind, TransportError};
use crate::selector::{CONCEPT2_VID, UsbFilter};
use crate::{Backend, DeviceInfo, Transport, padded};

const HID_CLASS: u8 = 3;
const STRING_TIMEOUT: Duration = Duration::from_millis(200);

fn context() -> Result<Context, TransportError> {
    Context::new().map_err(|e| match e {
        rusb::Error::Other | rusb::Error::NotSupported | rusb::Error::NotFound => {
            TransportError::new(
                ErrorKind::NoBus,
                format!("libusb found no USB bus on this machine ({e}); is /dev/bus/usb there?"),
            )
        }
        other => TransportError::from_os("cannot start libusb", other),
    })
}

fn map_usb(context: &str, e: rusb::Error) -> TransportError {
    let kind = match e {
        rusb::Error::Access => ErrorKind::PermissionDenied,
        rusb::Error::Busy => ErrorKind::Busy,
        rusb::Error::NoDevice => ErrorKind::Disconnected,
        rusb::Error::NotFound => ErrorKind::NotFound,
        _ => ErrorKind::Io,
    };
    let mut err = TransportError::from_os(context, e);
    err.kind = kind;
    err
}

fn info_of(device: &rusb::Device<Context>) -> Option<DeviceInfo> {
    let desc = device.device_descriptor().ok()?;
    let mut info = DeviceInfo::new(
        Backend::Usb,
        format!("{:03}:{:03}", device.bus_number(), device.address()),
    );
    info.vendor_id = desc.vendor_id();
    info.product_id = desc.product_id();
    // Strings need the device opened; without permission they stay unknown.
    if let Ok(handle) = device.open()
        && let Ok(lang) = handle.read_languages(STRING_TIMEOUT)
        && let Some(&lang) = lang.first()
    {
        info.serial = handle
            .read_serial_number_string(lang, &desc, STRING_TIMEOUT)
            .ok();
        info.product = handle.read_product_string(lang, &desc, STRING_TIMEOUT).ok();
        info.manufacturer = handle
            .read_manufacturer_string(lang, &desc, STRING_TIMEOUT)
            .ok();
    }
    Some(info)
}

/// Every USB device with Concept2's vendor id.
pub(crate) fn discover() -> Result<Vec<DeviceInfo>, TransportError> {
    let ctx = context()?;
    let devices = ctx
        .devices()
        .map_err(|e| map_usb("cannot list USB devices", e))?;
    Ok(devices
        .iter()
        .filter_map(|d| info_of(&d))
        .filter(|i| i.vendor_id == CONCEPT2_VID)
        .collect())
}

/// A monitor through libusb.
pub struct UsbTransport {
    handle: DeviceHandle<Context>,
    interface: u8,
    ep_in: u8,
    ep_out: u8,
    reattach: bool,
    info: DeviceInfo,
    sizes: ReportSizes,
    opened: Instant,
}

impl UsbTransport {
    /// Opens the first device matching `filter` and claims its HID interface.
    pub fn open(filter: &UsbFilter) -> Result<Self, TransportError> {
        let ctx = context()?;
        let devices = ctx
            .devices()
            .map_err(|e| map_usb("cannot list USB devices", e))?;
        let (device, info) = devices
            .iter()
            .filter_map(|d| info_of(&d).map(|i| (d, i)))
            .find(|(_, i)| filter.matches(i.vendor_id, i.product_id, i.serial.as_deref(), &i.path))
            .ok_or_else(|| {
                TransportError::new(
                    ErrorKind::NotFound,
                    "no Concept2 monitor found through libusb. Plug the monitor in and wake it; `erglink doctor` checks permissions",
                )
            })?;
        let config = device
            .active_config_descriptor()
            .map_err(|e| map_usb("cannot read the configuration descriptor", e))?;
        let mut found = None;
        for iface in config.interfaces() {
            for alt in iface.descriptors() {
                if alt.class_code() != HID_CLASS {
                    continue;
                }
                let mut ep_in = None;
                let mut ep_out = None;
                for ep in alt.endpoint_descriptors() {
                    if ep.transfer_type() != TransferType::Interrupt {
                        continue;
                    }
                    match ep.direction() {
                        Direction::In => ep_in = Some(ep.address()),
                        Direction::Out => ep_out = Some(ep.address()),
                    }
                }
                if let (Some(i), Some(o)) = (ep_in, ep_out) {
                    found = Some((alt.interface_number(), i, o));
                }
            }
        }
        let (interface, ep_in, ep_out) = found.ok_or_else(|| {
            TransportError::new(
                ErrorKind::BadReport,
                "the device has no HID interface with interrupt IN and OUT endpoints",
            )
        })?;
        let handle = device
            .open()
            .map_err(|e| map_usb(&format!("cannot open {}", info.path), e))?;
        let reattach = matches!(handle.kernel_driver_active(interface), Ok(true));
        if reattach {
            handle
                .detach_kernel_driver(interface)
                .map_err(|e| map_usb("cannot detach the kernel's HID driver", e))?;
        }
        handle
            .claim_interface(interface)
            .map_err(|e| map_usb("cannot claim the monitor's interface", e))?;
        let mut desc = vec![0u8; 4096];
        // GET_DESCRIPTOR(HID report) on the interface.
        let sizes = match handle.read_control(
            0x81,
            0x06,
            0x2200,
            u16::from(interface),
            &mut desc,
            STRING_TIMEOUT,
        ) {
            Ok(n) if !parse_report_descriptor(&desc[..n]).output.is_empty() => {
                parse_report_descriptor(&desc[..n]).output
            }
            _ => ReportSizes::spec_default(info.model()),
        };
        Ok(Self {
            handle,
            interface,
            ep_in,
            ep_out,
            reattach,
            info,
            sizes,
            opened: Instant::now(),
        })
    }
}

impl Drop for UsbTransport {
    fn drop(&mut self) {
        let _ = self.handle.release_interface(self.interface);
        if self.reattach {
            let _ = self.handle.attach_kernel_driver(self.interface);
        }
    }
}

impl Transport for UsbTransport {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn report_sizes(&self) -> &ReportSizes {
        &self.sizes
    }

    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        let buf = padded(report, &self.sizes)?;
        self.handle
            .write_interrupt(self.ep_out, &buf, Duration::from_secs(1))
            .map(|_| ())
            .map_err(|e| map_usb("write to the monitor failed", e))
    }

    fn read_report(&mut self, buf: &mut Vec<u8>, timeout_ns: u64) -> Result<bool, TransportError> {
        buf.clear();
        buf.resize(1024, 0);
        match self.handle.read_interrupt(
            self.ep_in,
            buf,
            Duration::from_nanos(timeout_ns.max(1_000_000)),
        ) {
            Ok(n) => {
                buf.truncate(n);
                Ok(n > 0)
            }
            Err(rusb::Error::Timeout) => {
                buf.clear();
                Ok(false)
            }
            Err(e) => Err(map_usb("read from the monitor failed", e)),
        }
    }

    fn now_ns(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn sleep_ns(&mut self, ns: u64) {
        std::thread::sleep(Duration::from_nanos(ns));
    }
}
