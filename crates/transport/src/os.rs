//! The operating system a backend runs on. Error codes, error texts and what
//! `doctor` checks all differ between them; every function that depends on
//! the OS takes it as an argument, so that all three are tested on Linux.

/// An operating system, as far as USB access differs between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Os {
    /// Linux: hidraw through hidapi's pure-Rust backend, udev, usbfs for libusb.
    Linux,
    /// macOS: IOHIDManager through hidapi's C backend, which opens devices exclusively.
    Macos,
    /// Windows: the in-box HID driver through hidapi's C backend.
    Windows,
    /// Anything else (the BSDs): hidapi over libusb.
    Other,
}

impl Os {
    /// The OS this build runs on.
    pub const fn current() -> Os {
        if cfg!(target_os = "linux") {
            Os::Linux
        } else if cfg!(target_os = "macos") {
            Os::Macos
        } else if cfg!(target_os = "windows") {
            Os::Windows
        } else {
            Os::Other
        }
    }

    /// `linux`, `macos`, `windows`, `other`.
    pub fn name(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Macos => "macos",
            Os::Windows => "windows",
            Os::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_build_knows_its_os() {
        #[cfg(target_os = "linux")]
        assert_eq!(Os::current(), Os::Linux);
        assert_eq!(Os::Macos.name(), "macos");
    }
}
