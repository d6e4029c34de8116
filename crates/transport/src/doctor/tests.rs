use super::*;
use crate::classify::BackendFailure;
use crate::{Backend, CONCEPT2_VID};

/// A machine with one PM5 attached, and a chosen answer to opening it.
struct Machine {
    open: Result<(), TransportError>,
}

fn pm5() -> DeviceInfo {
    let mut d = DeviceInfo::new(Backend::Hid, "/dev/hidraw3".into());
    d.vendor_id = CONCEPT2_VID;
    d.serial = Some("430228525".into());
    d
}

impl Probe for Machine {
    fn usb_bus(&self) -> bool {
        true
    }
    fn udev_running(&self) -> bool {
        true
    }
    fn udev_rule(&self) -> Option<String> {
        None
    }
    fn hidraw_nodes(&self) -> Option<(usize, Vec<String>)> {
        Some((1, vec!["/dev/hidraw3".into()]))
    }
    fn hid_monitors(&self) -> Option<Result<Vec<DeviceInfo>, TransportError>> {
        Some(Ok(vec![pm5()]))
    }
    fn open_monitor(&self, _: &DeviceInfo) -> Result<(), TransportError> {
        self.open.clone()
    }
    fn libusb(&self) -> Option<Result<usize, TransportError>> {
        None
    }
}

fn names(checks: &[Check]) -> Vec<&'static str> {
    checks.iter().map(|c| c.name).collect()
}

/// The error hidapi's backend on `os` gives for `text`, as the transport makes it.
fn refused(os: Os, text: &str) -> TransportError {
    TransportError::from_backend(os, "cannot open", &BackendFailure::Hid(text.into()))
}

#[test]
fn udev_and_hidraw_are_checked_on_linux_only() {
    let ok = Machine { open: Ok(()) };
    let linux = diagnose_on(Os::Linux, &ok);
    assert_eq!(
        names(&linux),
        [
            "USB bus",
            "udev",
            "udev rule",
            "hidraw",
            "hidapi",
            "open",
            "libusb"
        ]
    );
    for os in [Os::Macos, Os::Windows] {
        let checks = diagnose_on(os, &ok);
        assert_eq!(names(&checks), ["hidapi", "open", "libusb"], "{os:?}");
        assert!(checks.iter().all(|c| !c.detail.contains("udev")), "{os:?}");
        assert!(
            checks
                .iter()
                .all(|c| c.fix.as_deref().is_none_or(|f| !f.contains("udev")))
        );
    }
}

#[test]
fn linux_permission_denied_gets_the_rule() {
    let m = Machine {
        open: Err(refused(
            Os::Linux,
            &format!(
                "failed to open device with path /dev/hidraw3: {}",
                std::io::Error::from_raw_os_error(13)
            ),
        )),
    };
    let checks = diagnose_on(Os::Linux, &m);
    let open = checks.iter().find(|c| c.name == "open").unwrap();
    assert_eq!(open.status, CheckStatus::Fail);
    assert!(open.fix.as_deref().unwrap().contains("70-concept2.rules"));
    let hidraw = checks.iter().find(|c| c.name == "hidraw").unwrap();
    assert_eq!(hidraw.status, CheckStatus::Fail);
}

#[test]
fn macos_names_the_exclusive_open() {
    let m = Machine {
        open: Err(refused(
            Os::Macos,
            "hid_open_path: failed to open IOHIDDevice from mach entry: (0xE00002C5) (iokit/common) exclusive access and device already open",
        )),
    };
    let checks = diagnose_on(Os::Macos, &m);
    let open = checks.iter().find(|c| c.name == "open").unwrap();
    assert_eq!(open.status, CheckStatus::Fail);
    assert!(
        open.detail.contains("exclusively on macOS"),
        "{}",
        open.detail
    );
    assert!(open.fix.as_deref().unwrap().contains("ErgData"));
}

#[test]
fn windows_access_denied_is_another_program() {
    let m = Machine {
        open: Err(refused(
            Os::Windows,
            "open_device: (0x00000005) Access is denied.",
        )),
    };
    let checks = diagnose_on(Os::Windows, &m);
    let open = checks.iter().find(|c| c.name == "open").unwrap();
    assert_eq!(open.status, CheckStatus::Fail);
    assert!(
        open.detail.contains("ERROR_ACCESS_DENIED (0x5)"),
        "{}",
        open.detail
    );
    assert!(open.detail.contains("ErgData"), "{}", open.detail);
    // Nothing about udev rules on Windows.
    assert!(!open.fix.as_deref().unwrap().contains("udev"));
}

#[test]
fn libusb_on_macos_and_windows_points_at_hid() {
    for os in [Os::Macos, Os::Windows] {
        let c = libusb_check(os, Some(Ok(1)));
        assert_eq!(c.status, CheckStatus::Warn, "{os:?}");
        assert!(c.detail.contains("hid backend"), "{os:?}: {}", c.detail);
    }
    assert_eq!(libusb_check(Os::Linux, Some(Ok(1))).status, CheckStatus::Ok);
}
