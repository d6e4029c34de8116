//! What a backend's failure means: by the code it carries where there is one
//! (rusb's error variant, an errno, a Win32 error, an IOReturn), else by the
//! backend's own fixed, untranslated strings. Never by English words of an
//! OS message: Windows translates those, and each backend words them its own
//! way. Every backend's failures (hidapi, libusb, the simulator's) go through
//! [`classify`]; the OS is an argument, so that all of it is tested on Linux.

use crate::error::{ErrorKind, TransportError};
use crate::os::Os;

/// `rusb::Error`, mirrored so that the classifier and its tests build
/// without the `libusb` feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum UsbError {
    Io,
    InvalidParam,
    Access,
    NoDevice,
    NotFound,
    Busy,
    Timeout,
    Overflow,
    Pipe,
    Interrupted,
    NoMem,
    NotSupported,
    BadDescriptor,
    Other,
}

/// A backend's failure as the backend reported it, before it is classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendFailure {
    /// An OS error with its code (hidapi's `HidError::IoError`): an errno on
    /// Linux and macOS, a Win32 error on Windows. `text` is how it printed.
    Os {
        /// The OS's code.
        code: i32,
        /// Its text, for the message only.
        text: String,
    },
    /// hidapi's own message (`HidError::HidApiError`), or another `HidError`
    /// as it prints.
    Hid(String),
    /// libusb, through rusb.
    Usb(UsbError),
}

impl BackendFailure {
    /// The text a user sees.
    pub fn text(&self) -> String {
        match self {
            BackendFailure::Os { text, .. } | BackendFailure::Hid(text) => text.clone(),
            BackendFailure::Usb(e) => usb_text(*e).to_string(),
        }
    }
}

/// What `failure`, from a backend running on `os`, means.
pub fn classify(os: Os, failure: &BackendFailure) -> ErrorKind {
    match failure {
        BackendFailure::Os { code, .. } => os_code_kind(os, *code),
        BackendFailure::Usb(e) => usb_kind(*e),
        BackendFailure::Hid(text) => hid_text_kind(os, text),
    }
}

impl TransportError {
    /// A backend failure during `context` ("write to the monitor failed"),
    /// classified, with what to do on `os`.
    pub fn from_backend(os: Os, context: &str, failure: &BackendFailure) -> Self {
        let kind = classify(os, failure);
        let text = failure.text();
        let text = text.trim_end_matches(['.', ' ']);
        let message = match hint(kind, os) {
            "" => format!("{context}: {text}"),
            hint => format!("{context}: {text}. {hint}"),
        };
        TransportError::new(kind, message)
    }
}

/// What to do about a failure of `kind` on `os`.
pub fn hint(kind: ErrorKind, os: Os) -> &'static str {
    match (kind, os) {
        (ErrorKind::PermissionDenied, Os::Linux | Os::Other) => {
            "Install tools/udev/70-concept2.rules (see `erglink doctor`)"
        }
        (ErrorKind::PermissionDenied, Os::Macos) => {
            "hidapi needs no privileges on macOS; libusb does (run as root, or use --device hid)"
        }
        (ErrorKind::PermissionDenied, Os::Windows) => {
            "Close ErgData, Concept2 Utility or any other program using the monitor"
        }
        (ErrorKind::Busy, Os::Macos) => {
            "hidapi opens the monitor exclusively on macOS: close ErgData, Concept2 Utility or any other program using it"
        }
        (ErrorKind::Busy, Os::Windows) => {
            "Windows refuses a monitor another program holds: close ErgData, Concept2 Utility or any other program using it"
        }
        (ErrorKind::Busy, _) => {
            "Close ErgData, Concept2 Utility or any other program using the monitor"
        }
        (ErrorKind::Disconnected, _) => "Check the cable and that the monitor is on",
        _ => "",
    }
}

/// rusb's variants. A `Pipe` is an endpoint stall (libusb's Linux backend
/// maps the kernel's ENODEV and ESHUTDOWN to `NoDevice`, and EPIPE to a
/// stall): the device is still there.
pub fn usb_kind(e: UsbError) -> ErrorKind {
    match e {
        UsbError::NoDevice => ErrorKind::Disconnected,
        UsbError::Access => ErrorKind::PermissionDenied,
        UsbError::Busy => ErrorKind::Busy,
        UsbError::NotFound => ErrorKind::NotFound,
        UsbError::NotSupported => ErrorKind::Unsupported,
        _ => ErrorKind::Io,
    }
}

/// rusb's `Display` of each variant (rusb-0.9.4/src/error.rs:61-74).
pub fn usb_text(e: UsbError) -> &'static str {
    match e {
        UsbError::Io => "Input/Output Error",
        UsbError::InvalidParam => "Invalid parameter",
        UsbError::Access => "Access denied (insufficient permissions)",
        UsbError::NoDevice => "No such device (it may have been disconnected)",
        UsbError::NotFound => "Entity not found",
        UsbError::Busy => "Resource busy",
        UsbError::Timeout => "Operation timed out",
        UsbError::Overflow => "Overflow",
        UsbError::Pipe => "Pipe error",
        UsbError::Interrupted => "System call interrupted (perhaps due to signal)",
        UsbError::NoMem => "Insufficient memory",
        UsbError::NotSupported => "Operation not supported or unimplemented on this platform",
        UsbError::BadDescriptor => "Malformed descriptor",
        UsbError::Other => "Other error",
    }
}

/// An OS error code: a Win32 error on Windows, an errno elsewhere.
pub fn os_code_kind(os: Os, code: i32) -> ErrorKind {
    match os {
        Os::Windows => win32_kind(code as u32),
        _ => errno_kind(os, code),
    }
}

/// An errno. The common values are the same on Linux, macOS and the BSDs;
/// ESHUTDOWN is 108 on Linux and 58 on macOS and the BSDs.
pub fn errno_kind(os: Os, errno: i32) -> ErrorKind {
    const EPERM: i32 = 1;
    const ENOENT: i32 = 2;
    const ENXIO: i32 = 6;
    const EACCES: i32 = 13;
    const EBUSY: i32 = 16;
    const ENODEV: i32 = 19;
    const EPIPE: i32 = 32;
    let eshutdown = match os {
        Os::Linux => 108,
        _ => 58,
    };
    match errno {
        EPERM | EACCES => ErrorKind::PermissionDenied,
        EBUSY => ErrorKind::Busy,
        ENOENT => ErrorKind::NotFound,
        // hidraw's write answers ENODEV once its device is gone; ENXIO is
        // "device not configured"; a pipe or an endpoint shut down for good
        // means the same for an interrupt transfer through the OS.
        ENODEV | ENXIO | EPIPE => ErrorKind::Disconnected,
        e if e == eshutdown => ErrorKind::Disconnected,
        _ => ErrorKind::Io,
    }
}

fn errno_by_name(name: &str) -> Option<ErrorKind> {
    Some(match name {
        "EPERM" | "EACCES" => ErrorKind::PermissionDenied,
        "EBUSY" => ErrorKind::Busy,
        "ENOENT" => ErrorKind::NotFound,
        "ENODEV" | "ENXIO" | "EPIPE" | "ESHUTDOWN" => ErrorKind::Disconnected,
        _ => return None,
    })
}

/// A Win32 error (`GetLastError`), as hidapi's Windows backend prints it.
pub fn win32_kind(code: u32) -> ErrorKind {
    match code {
        // ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND: the device's path is gone.
        0x2 | 0x3 => ErrorKind::NotFound,
        // ERROR_ACCESS_DENIED: hidapi opens with FILE_SHARE_READ|WRITE, so this
        // is another program (ErgData, Concept2 Utility) holding the device.
        0x5 => ErrorKind::Busy,
        // ERROR_SHARING_VIOLATION: the same, with an exclusive open.
        0x20 => ErrorKind::Busy,
        // ERROR_GEN_FAILURE: what hid.sys answers for I/O to a device that was
        // surprise-removed. ERROR_NO_SUCH_DEVICE. ERROR_OPERATION_ABORTED: a
        // pending overlapped read cancelled because its device went away.
        // ERROR_DEVICE_NOT_CONNECTED: the unplug itself.
        0x1F | 0x1B1 | 0x3E3 | 0x48F => ErrorKind::Disconnected,
        // ERROR_SEM_TIMEOUT (0x79) and the rest: the device may still be there.
        _ => ErrorKind::Io,
    }
}

/// An IOReturn (IOKit/IOReturn.h), as hidapi's macOS backend prints it.
pub fn ioreturn_kind(code: u32) -> ErrorKind {
    match code {
        // kIOReturnNoDevice, kIOReturnOffline, kIOReturnNotAttached,
        // kIOReturnNotResponding.
        0xE000_02C0 | 0xE000_02D7 | 0xE000_02D9 | 0xE000_02ED => ErrorKind::Disconnected,
        // kIOReturnExclusiveAccess ("exclusive access and device already
        // open"), kIOReturnBusy.
        0xE000_02C5 | 0xE000_02D5 => ErrorKind::Busy,
        // kIOReturnNotPrivileged, kIOReturnNotPermitted.
        0xE000_02C1 | 0xE000_02E2 => ErrorKind::PermissionDenied,
        _ => ErrorKind::Io,
    }
}

/// hidapi's message: the code inside it first, then its fixed strings.
fn hid_text_kind(os: Os, text: &str) -> ErrorKind {
    if let Some(code) = os_error_code(text) {
        return os_code_kind(os, code);
    }
    if let Some(code) = hex_code(text) {
        match os {
            Os::Windows => return win32_kind(code),
            Os::Macos => return ioreturn_kind(code),
            _ => {}
        }
    }
    if let Some(kind) = errno_names(text).find_map(errno_by_name) {
        return kind;
    }
    let fixed: &[(&str, ErrorKind)] = match os {
        // hidapi-2.6.7/src/linux_native.rs
        Os::Linux => &[
            (
                "unexpected poll error (device disconnected)",
                ErrorKind::Disconnected,
            ),
            ("device not found", ErrorKind::NotFound),
        ],
        // hidapi-2.6.7/etc/hidapi/mac/hid.c
        Os::Macos => &[
            ("Device is disconnected", ErrorKind::Disconnected),
            (
                "hid_read_timeout: device disconnected",
                ErrorKind::Disconnected,
            ),
            (
                "hid_open_path: device mach entry not found",
                ErrorKind::NotFound,
            ),
        ],
        Os::Windows | Os::Other => &[],
    };
    fixed
        .iter()
        .find(|(s, _)| text.contains(s))
        .map_or(ErrorKind::Io, |&(_, kind)| kind)
}

/// The code of Rust's `io::Error` display: `… (os error 13)`.
fn os_error_code(text: &str) -> Option<i32> {
    let start = text.rfind("(os error ")? + "(os error ".len();
    let rest = &text[start..];
    rest[..rest.find(')')?].parse().ok()
}

/// The code hidapi's C backends print as `(0x%08X)`.
fn hex_code(text: &str) -> Option<u32> {
    let start = text.find("(0x")? + 3;
    let digits = text.get(start..start + 8)?;
    (text.get(start + 8..start + 9) == Some(")"))
        .then(|| u32::from_str_radix(digits, 16).ok())
        .flatten()
}

/// nix's errno display, `ENODEV: No such device`, inside a message.
fn errno_names(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric() && c != ':')
        .filter_map(|w| w.strip_suffix(':'))
        .filter(|w| w.len() > 2 && w.starts_with('E') && w.bytes().all(|b| b.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests;
