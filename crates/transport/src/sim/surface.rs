//! How the simulated device shows itself to the transport: the HID report
//! descriptor it offers (`descriptor=`), and the exact failures each hidapi
//! backend gives on an unplug (`unplug_error=`) or a refused open (`deny=`).
//! These are the backends' own texts and codes, so that they go through the
//! same parser and classifier as a real monitor's.

use erglink_sim::{SimConfig, UnplugError};

use crate::classify::BackendFailure;
use crate::os::Os;

/// What failed at the unplug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Write,
    Read,
}

/// The OS whose hidapi backend the simulated device's failures imitate.
pub(crate) fn os_of(e: UnplugError) -> Os {
    match e {
        UnplugError::Linux => Os::Linux,
        UnplugError::Windows => Os::Windows,
        UnplugError::Macos => Os::Macos,
    }
}

/// An unplugged device's failure, as hidapi 2.6.7 reports it on `os`.
pub(crate) fn unplug_failure(os: Os, op: Op) -> BackendFailure {
    match (os, op) {
        // linux_native.rs:502: write(2) on a hidraw node whose device is gone
        // answers ENODEV, which hidapi passes on as an io::Error.
        (Os::Linux | Os::Other, Op::Write) => BackendFailure::Os {
            code: 19,
            text: std::io::Error::from_raw_os_error(19).to_string(),
        },
        // linux_native.rs:529: poll(2) reports POLLHUP.
        (Os::Linux | Os::Other, Op::Read) => {
            BackendFailure::Hid("unexpected poll error (device disconnected)".into())
        }
        // windows/hid.c:1111 and :1222, formatted by hid.c:280.
        (Os::Windows, Op::Write) => {
            BackendFailure::Hid("WriteFile: (0x0000048F) The device is not connected.".into())
        }
        (Os::Windows, Op::Read) => BackendFailure::Hid(
            "hid_read_timeout/GetOverlappedResult: (0x0000048F) The device is not connected."
                .into(),
        ),
        // mac/hid.c:1122 and :1259, once the removal callback has run.
        (Os::Macos, Op::Write) => BackendFailure::Hid("Device is disconnected".into()),
        (Os::Macos, Op::Read) => {
            BackendFailure::Hid("hid_read_timeout: device disconnected".into())
        }
    }
}

/// An open refused while the device's permissions are not yet set, as
/// hidapi 2.6.7 reports it on `os`.
pub(crate) fn denied_failure(os: Os, path: &str) -> BackendFailure {
    match os {
        // linux_native.rs:460, the node still root-only (udev's rule not yet applied).
        Os::Linux | Os::Other => BackendFailure::Hid(format!(
            "failed to open device with path {path}: {}",
            std::io::Error::from_raw_os_error(13)
        )),
        // windows/hid.c:1008: CreateFileW refused.
        Os::Windows => BackendFailure::Hid("open_device: (0x00000005) Access is denied.".into()),
        // mac/hid.c:1057: IOHIDDeviceOpen refused.
        Os::Macos => BackendFailure::Hid(
            "hid_open_path: failed to open IOHIDDevice from mach entry: (0xE00002E2) (iokit/common) not permitted"
                .into(),
        ),
    }
}

/// The report descriptor the simulated device offers, as the simulator builds it.
pub(crate) fn descriptor_bytes(cfg: &SimConfig) -> Vec<u8> {
    erglink_sim::report_descriptor(cfg.model, cfg.quirks.descriptor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::classify;
    use crate::error::ErrorKind;

    #[test]
    fn every_unplug_surface_is_recognised_by_its_backend() {
        for e in [UnplugError::Linux, UnplugError::Windows, UnplugError::Macos] {
            let os = os_of(e);
            for op in [Op::Write, Op::Read] {
                let f = unplug_failure(os, op);
                assert_eq!(
                    classify(os, &f),
                    ErrorKind::Disconnected,
                    "{e:?} {op:?}: {f:?}"
                );
            }
        }
    }

    #[test]
    fn a_late_udev_rule_is_a_permission_matter_on_linux() {
        let f = denied_failure(Os::Linux, "sim:pm5");
        assert_eq!(classify(Os::Linux, &f), ErrorKind::PermissionDenied);
        assert_eq!(
            classify(Os::Macos, &denied_failure(Os::Macos, "x")),
            ErrorKind::PermissionDenied
        );
        // Windows cannot tell a refusal from another program holding the device.
        assert_eq!(
            classify(Os::Windows, &denied_failure(Os::Windows, "x")),
            ErrorKind::Busy
        );
    }
}
