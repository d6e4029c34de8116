use super::*;

fn hid(os: Os, text: &str) -> ErrorKind {
    classify(os, &BackendFailure::Hid(text.to_string()))
}

fn io(os: Os, code: i32) -> ErrorKind {
    let text = std::io::Error::from_raw_os_error(code).to_string();
    classify(os, &BackendFailure::Os { code, text })
}

#[test]
fn hidapi_linux_native() {
    // hidapi-2.6.7/src/linux_native.rs:529, a read after an unplug
    // (poll reports POLLHUP/POLLERR).
    assert_eq!(
        hid(Os::Linux, "unexpected poll error (device disconnected)"),
        ErrorKind::Disconnected
    );
    // linux_native.rs:502, `write(fd)` after an unplug: hidraw answers
    // ENODEV, which arrives as HidError::IoError (src/error.rs:81) with its code.
    assert_eq!(io(Os::Linux, 19), ErrorKind::Disconnected);
    // linux_native.rs:444, HidDevice::open by ids and serial.
    assert_eq!(hid(Os::Linux, "device not found"), ErrorKind::NotFound);
    // linux_native.rs:460: "failed to open device with path {path}: {e}",
    // `e` an io::Error, whose display ends "(os error N)".
    let denied = std::io::Error::from_raw_os_error(13);
    let text = format!("failed to open device with path /dev/hidraw3: {denied}");
    assert!(text.ends_with("(os error 13)"), "{text}");
    assert_eq!(hid(Os::Linux, &text), ErrorKind::PermissionDenied);
    let busy = format!(
        "failed to open device with path /dev/hidraw3: {}",
        std::io::Error::from_raw_os_error(16)
    );
    assert_eq!(hid(Os::Linux, &busy), ErrorKind::Busy);
    // linux_native.rs:467: "ioctl(GRDESCSIZE) error for {path}, not a HIDRAW
    // device?: {e}", `e` a nix Errno, which prints "ENODEV: No such device"
    // (nix-0.30.1/src/errno.rs:180).
    assert_eq!(
        hid(
            Os::Linux,
            "ioctl(GRDESCSIZE) error for /dev/hidraw3, not a HIDRAW device?: ENODEV: No such device"
        ),
        ErrorKind::Disconnected
    );
    assert_eq!(
        hid(Os::Linux, "invalid timeout value -2"),
        ErrorKind::Io,
        "linux_native.rs:513"
    );
}

#[test]
fn hidapi_windows() {
    // hidapi-2.6.7/etc/hidapi/windows/hid.c:280 formats every Win32 failure
    // as L"%.*ls: (0x%08X) %.*ls": the operation, the code, and the system's
    // message in the user's language (FormatMessageW, LANG_NEUTRAL, line 259).
    // WriteFile at hid.c:1111, the reads at 1175 and 1222.
    for op in [
        "WriteFile",
        "ReadFile",
        "hid_read_timeout/GetOverlappedResult",
    ] {
        let unplugged = format!("{op}: (0x0000048F) The device is not connected.");
        assert_eq!(
            hid(Os::Windows, &unplugged),
            ErrorKind::Disconnected,
            "{op}"
        );
        // The same in German: the code decides, not the words.
        let german = format!("{op}: (0x0000048F) Das Gerät ist nicht angeschlossen.");
        assert_eq!(hid(Os::Windows, &german), ErrorKind::Disconnected);
    }
    assert_eq!(
        hid(
            Os::Windows,
            "hid_write/GetOverlappedResult: (0x0000001F) A device attached to the system is not functioning."
        ),
        ErrorKind::Disconnected,
        "hid.c:1137, ERROR_GEN_FAILURE"
    );
    assert_eq!(
        hid(
            Os::Windows,
            "hid_read_timeout/GetOverlappedResult: (0x000003E3) The I/O operation has been aborted because of either a thread exit or an application request."
        ),
        ErrorKind::Disconnected
    );
    // hid.c:1008, hid_open_path: another program has the monitor.
    assert_eq!(
        hid(Os::Windows, "open_device: (0x00000005) Access is denied."),
        ErrorKind::Busy
    );
    assert_eq!(
        hid(
            Os::Windows,
            "open_device: (0x00000020) The process cannot access the file because it is being used by another process."
        ),
        ErrorKind::Busy
    );
    assert_eq!(
        hid(
            Os::Windows,
            "WriteFile: (0x00000079) The semaphore timeout period has expired."
        ),
        ErrorKind::Io
    );
    // Rust's io::Error on Windows prints the Win32 code as "(os error N)".
    assert_eq!(
        classify(
            Os::Windows,
            &BackendFailure::Os {
                code: 1167,
                text: "The device is not connected. (os error 1167)".into()
            }
        ),
        ErrorKind::Disconnected
    );
    // A Windows code read as an errno would be wrong: 0x5 is not EIO.
    assert_eq!(os_code_kind(Os::Windows, 5), ErrorKind::Busy);
    assert_eq!(os_code_kind(Os::Linux, 5), ErrorKind::Io);
}

#[test]
fn hidapi_macos() {
    // hidapi-2.6.7/etc/hidapi/mac/hid.c: once the removal callback has run
    // (line 860), a write gets "Device is disconnected" (line 1122) and a
    // read "hid_read_timeout: device disconnected" (line 1259).
    assert_eq!(
        hid(Os::Macos, "Device is disconnected"),
        ErrorKind::Disconnected
    );
    assert_eq!(
        hid(Os::Macos, "hid_read_timeout: device disconnected"),
        ErrorKind::Disconnected
    );
    // Before it has, IOHIDDeviceSetReport fails with an IOReturn, printed
    // "(0x%08X) %s" with mach_error_string (line 1132).
    assert_eq!(
        hid(
            Os::Macos,
            "IOHIDDeviceSetReport failed: (0xE00002D9) (iokit/common) device not attached"
        ),
        ErrorKind::Disconnected
    );
    assert_eq!(
        hid(
            Os::Macos,
            "IOHIDDeviceSetReport failed: (0xE00002C0) (iokit/common) no such device"
        ),
        ErrorKind::Disconnected
    );
    // Line 1057: IOHIDDeviceOpen seizes the device (kIOHIDOptionsTypeSeizeDevice
    // unless hid_darwin_set_open_exclusive(0)); another holder gives
    // kIOReturnExclusiveAccess.
    assert_eq!(
        hid(
            Os::Macos,
            "hid_open_path: failed to open IOHIDDevice from mach entry: (0xE00002C5) (iokit/common) exclusive access and device already open"
        ),
        ErrorKind::Busy
    );
    assert_eq!(
        hid(
            Os::Macos,
            "hid_open_path: failed to open IOHIDDevice from mach entry: (0xE00002E2) (iokit/common) not permitted"
        ),
        ErrorKind::PermissionDenied
    );
    // Line 1042.
    assert_eq!(
        hid(
            Os::Macos,
            "hid_open_path: device mach entry not found with the given path"
        ),
        ErrorKind::NotFound
    );
    // kIOReturnNotReady is not an unplug.
    assert_eq!(ioreturn_kind(0xE000_02D8), ErrorKind::Io);
    // macOS's ESHUTDOWN is 58, Linux's 108.
    assert_eq!(errno_kind(Os::Macos, 58), ErrorKind::Disconnected);
    assert_eq!(errno_kind(Os::Linux, 58), ErrorKind::Io);
    assert_eq!(errno_kind(Os::Linux, 108), ErrorKind::Disconnected);
}

#[test]
fn rusb_variants() {
    use UsbError::*;
    let cases = [
        (NoDevice, ErrorKind::Disconnected),
        (Access, ErrorKind::PermissionDenied),
        (Busy, ErrorKind::Busy),
        (NotFound, ErrorKind::NotFound),
        (NotSupported, ErrorKind::Unsupported),
        (Pipe, ErrorKind::Io),
        (Timeout, ErrorKind::Io),
        (Io, ErrorKind::Io),
    ];
    for os in [Os::Linux, Os::Macos, Os::Windows] {
        for (e, kind) in cases {
            assert_eq!(classify(os, &BackendFailure::Usb(e)), kind, "{e:?}");
        }
    }
    // rusb-0.9.4/src/error.rs:64.
    assert_eq!(
        usb_text(NoDevice),
        "No such device (it may have been disconnected)"
    );
}

#[test]
fn errnos() {
    for (errno, kind) in [
        (1, ErrorKind::PermissionDenied),  // EPERM
        (13, ErrorKind::PermissionDenied), // EACCES
        (16, ErrorKind::Busy),             // EBUSY
        (19, ErrorKind::Disconnected),     // ENODEV
        (32, ErrorKind::Disconnected),     // EPIPE
        (108, ErrorKind::Disconnected),    // ESHUTDOWN
        (5, ErrorKind::Io),                // EIO
    ] {
        assert_eq!(io(Os::Linux, errno), kind, "errno {errno}");
    }
}

#[test]
fn messages_carry_a_hint_and_no_double_stop() {
    let e = TransportError::from_backend(
        Os::Windows,
        "cannot open the monitor",
        &BackendFailure::Hid("open_device: (0x00000005) Access is denied.".into()),
    );
    assert_eq!(e.kind, ErrorKind::Busy);
    assert!(e.message.contains("ErgData"), "{}", e.message);
    assert!(!e.message.contains(".."), "{}", e.message);
    let e = TransportError::from_backend(
        Os::Linux,
        "cannot open /dev/hidraw0",
        &BackendFailure::Hid(format!(
            "failed to open device with path /dev/hidraw0: {}",
            std::io::Error::from_raw_os_error(13)
        )),
    );
    assert_eq!(e.kind, ErrorKind::PermissionDenied);
    assert!(e.message.contains("70-concept2.rules"), "{}", e.message);
}

#[test]
fn codes_are_parsed_exactly() {
    assert_eq!(os_error_code("x (os error 13)"), Some(13));
    assert_eq!(os_error_code("x (os error )"), None);
    assert_eq!(hex_code("WriteFile: (0x0000048F) …"), Some(0x48F));
    assert_eq!(hex_code("(0x48F)"), None);
    assert_eq!(hex_code("(0x0000048"), None);
    assert_eq!(
        errno_names("x?: ENODEV: No such device").collect::<Vec<_>>(),
        ["ENODEV"]
    );
    // Words that merely start with E are not errnos.
    assert_eq!(hid(Os::Linux, "Error: EOF reached"), ErrorKind::Io);
}
