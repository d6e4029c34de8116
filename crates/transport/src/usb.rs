//! The libusb backend (feature `libusb`): for systems where hidraw is not an
//! option. Endpoints come from the interface descriptor (peers disagree on
//! their numbers, reference §1.1), the kernel's HID driver is detached while
//! erglink holds the interface and reattached afterwards.
//!
//! Only `rusb::Context::new()` is used: rusb's global-context functions panic
//! on a machine without `/dev/bus/usb`, where `Context::new()` fails cleanly.

use std::time::Duration;

use rusb::{Context, DeviceHandle, Direction, TransferType, UsbContext};

use crate::classify::{BackendFailure, UsbError};
use crate::descriptor::{ReportSizes, merge_report_sizes, parse_report_descriptor};
use crate::error::{ErrorKind, TransportError};
use crate::os::Os;
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
        other => map_usb("cannot start libusb", other),
    })
}

/// rusb's error as the classifier takes it.
pub(crate) fn usb_error(e: rusb::Error) -> UsbError {
    match e {
        rusb::Error::Io => UsbError::Io,
        rusb::Error::InvalidParam => UsbError::InvalidParam,
        rusb::Error::Access => UsbError::Access,
        rusb::Error::NoDevice => UsbError::NoDevice,
        rusb::Error::NotFound => UsbError::NotFound,
        rusb::Error::Busy => UsbError::Busy,
        rusb::Error::Timeout => UsbError::Timeout,
        rusb::Error::Overflow => UsbError::Overflow,
        rusb::Error::Pipe => UsbError::Pipe,
        rusb::Error::Interrupted => UsbError::Interrupted,
        rusb::Error::NoMem => UsbError::NoMem,
        rusb::Error::NotSupported => UsbError::NotSupported,
        rusb::Error::BadDescriptor => UsbError::BadDescriptor,
        rusb::Error::Other => UsbError::Other,
    }
}

fn map_usb(context: &str, e: rusb::Error) -> TransportError {
    TransportError::from_backend(Os::current(), context, &BackendFailure::Usb(usb_error(e)))
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
            handle.detach_kernel_driver(interface).map_err(|e| {
                claim_error(Os::current(), ClaimStep::Detach, usb_error(e), &info.path)
            })?;
        }
        if let Err(e) = handle.claim_interface(interface) {
            if reattach {
                let _ = handle.attach_kernel_driver(interface);
            }
            return Err(claim_error(
                Os::current(),
                ClaimStep::Claim,
                usb_error(e),
                &info.path,
            ));
        }
        let mut desc = vec![0u8; 4096];
        // GET_DESCRIPTOR(HID report) on the interface.
        let parsed = handle
            .read_control(
                0x81,
                0x06,
                0x2200,
                u16::from(interface),
                &mut desc,
                STRING_TIMEOUT,
            )
            .ok()
            .map(|n| parse_report_descriptor(&desc[..n]));
        let sizes = merge_report_sizes(parsed.as_ref(), info.model());
        Ok(Self {
            handle,
            interface,
            ep_in,
            ep_out,
            reattach,
            info,
            sizes,
        })
    }
}

/// Where taking the monitor's interface from the kernel failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClaimStep {
    /// Detaching the kernel's HID driver.
    Detach,
    /// Claiming the interface.
    Claim,
}

/// The error for a failed detach or claim, saying what to do on `os`. The
/// kernel's HID driver owns the monitor: libusb on Linux detaches it, but
/// cannot on Windows (no detach at all) and, without root or an entitlement,
/// on macOS; hidapi talks to that driver instead.
pub(crate) fn claim_error(os: Os, step: ClaimStep, e: UsbError, path: &str) -> TransportError {
    let kind = crate::classify::usb_kind(e);
    let text = crate::classify::usb_text(e);
    let what = match step {
        ClaimStep::Detach => "cannot detach the kernel's HID driver from",
        ClaimStep::Claim => "cannot claim the interface of",
    };
    let advice = match (os, kind) {
        (Os::Windows, _) => {
            "libusb cannot take a HID device from Windows' HID driver (only a WinUSB driver swap would, which breaks Concept2's own apps): use --device hid".to_string()
        }
        (Os::Macos, ErrorKind::Disconnected) => "Check the cable and that the monitor is on".to_string(),
        (Os::Macos, _) => {
            "macOS keeps HID devices for its HID driver and libusb cannot detach it without root: use --device hid".to_string()
        }
        (_, ErrorKind::Busy) => {
            "another program has claimed the monitor (is another erglink recording it?); only one may hold it at a time".to_string()
        }
        (_, ErrorKind::PermissionDenied) => crate::classify::hint(kind, os).to_string(),
        (_, ErrorKind::Disconnected) => "Check the cable and that the monitor is on".to_string(),
        _ => "use --device hid".to_string(),
    };
    let kind = match (os, kind) {
        // On these two the fix is the other backend, not a retry.
        (
            Os::Windows | Os::Macos,
            ErrorKind::NotFound | ErrorKind::Io | ErrorKind::PermissionDenied,
        ) => ErrorKind::Unsupported,
        (_, kind) => kind,
    };
    TransportError::new(kind, format!("{what} {path}: {text}. {advice}"))
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
        crate::wall_ns()
    }

    fn sleep_ns(&mut self, ns: u64) {
        std::thread::sleep(Duration::from_nanos(ns));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_errors_say_what_to_do_on_each_os() {
        // A second recorder on Linux: the interface is claimed already.
        let e = claim_error(Os::Linux, ClaimStep::Claim, UsbError::Busy, "001:004");
        assert_eq!(e.kind, ErrorKind::Busy);
        assert!(e.message.contains("another erglink"), "{}", e.message);
        assert!(e.message.contains("Resource busy"), "{}", e.message);
        // Windows has no detach at all (libusb core.c answers NOT_SUPPORTED).
        let e = claim_error(
            Os::Windows,
            ClaimStep::Detach,
            UsbError::NotSupported,
            "001:004",
        );
        assert!(e.message.contains("--device hid"), "{}", e.message);
        assert_eq!(e.kind, ErrorKind::Unsupported);
        let e = claim_error(Os::Windows, ClaimStep::Claim, UsbError::NotFound, "001:004");
        assert!(e.message.contains("--device hid"), "{}", e.message);
        // macOS refuses without root (darwin_usb.c: LIBUSB_ERROR_ACCESS) or on
        // old IOUSBHost versions (NOT_SUPPORTED).
        for err in [UsbError::Access, UsbError::NotSupported] {
            let e = claim_error(Os::Macos, ClaimStep::Detach, err, "001:004");
            assert!(e.message.contains("--device hid"), "{err:?}: {}", e.message);
        }
        // On Linux a refused detach is a permissions matter.
        let e = claim_error(Os::Linux, ClaimStep::Detach, UsbError::Access, "001:004");
        assert_eq!(e.kind, ErrorKind::PermissionDenied);
        assert!(e.message.contains("udev"), "{}", e.message);
        let e = claim_error(Os::Linux, ClaimStep::Claim, UsbError::NoDevice, "001:004");
        assert_eq!(e.kind, ErrorKind::Disconnected);
    }

    #[test]
    fn every_rusb_variant_maps_with_rusbs_own_text() {
        use rusb::Error as E;
        for e in [
            E::Io,
            E::InvalidParam,
            E::Access,
            E::NoDevice,
            E::NotFound,
            E::Busy,
            E::Timeout,
            E::Overflow,
            E::Pipe,
            E::Interrupted,
            E::NoMem,
            E::NotSupported,
            E::BadDescriptor,
            E::Other,
        ] {
            assert_eq!(
                crate::classify::usb_text(usb_error(e)),
                e.to_string(),
                "{e:?}"
            );
        }
        assert_eq!(usb_error(E::NoDevice), UsbError::NoDevice);
    }
}
