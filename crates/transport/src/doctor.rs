//! What stands between this machine and a monitor, checked for the OS it
//! runs on: on Linux the USB bus, udev, the rule that opens Concept2 devices
//! to users and hidraw permissions; on macOS another program holding the
//! monitor (hidapi opens it exclusively there); on Windows ERROR_ACCESS_DENIED,
//! which means another program (ErgData, Concept2 Utility) has it; everywhere
//! hidapi, opening each monitor, and libusb. Each check says what to do when
//! it fails. [`diagnose_on`] takes the OS and what the machine shows as
//! arguments, so every OS's checks are tested on Linux.

use std::path::Path;

use crate::DeviceInfo;
use crate::error::{ErrorKind, TransportError};
use crate::os::Os;

/// The rule file shipped in `tools/udev/`.
pub const UDEV_RULE: &str = include_str!("../../../tools/udev/70-concept2.rules");

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckStatus {
    /// Fine.
    Ok,
    /// Probably fine, worth a look.
    Warn,
    /// In the way.
    Fail,
    /// Not checked (backend not built in).
    Skip,
}

/// One check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// How it came out.
    pub status: CheckStatus,
    /// What was found.
    pub detail: String,
    /// The exact fix, when there is one.
    pub fix: Option<String>,
}

fn check(
    name: &'static str,
    status: CheckStatus,
    detail: impl Into<String>,
    fix: Option<String>,
) -> Check {
    Check {
        name,
        status,
        detail: detail.into(),
        fix,
    }
}

fn install_rule_fix() -> String {
    format!(
        "sudo tee /etc/udev/rules.d/70-concept2.rules >/dev/null <<'EOF'\n{}EOF\nsudo udevadm control --reload && sudo udevadm trigger\n# then unplug and replug the monitor",
        UDEV_RULE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    )
}

/// What the machine shows, as the checks need it.
pub trait Probe {
    /// Whether `/dev/bus/usb` exists (Linux).
    fn usb_bus(&self) -> bool;
    /// Whether udev runs (`/run/udev`, Linux).
    fn udev_running(&self) -> bool;
    /// A udev rule file that mentions vendor 17a4 (Linux).
    fn udev_rule(&self) -> Option<String>;
    /// The hidraw nodes, and those that refuse read-write opens; `None` if
    /// `/dev` cannot be listed (Linux).
    fn hidraw_nodes(&self) -> Option<(usize, Vec<String>)>;
    /// The monitors hidapi lists; `None` without the `hid` feature.
    fn hid_monitors(&self) -> Option<Result<Vec<DeviceInfo>, TransportError>>;
    /// Opens a monitor hidapi listed, and closes it again.
    fn open_monitor(&self, monitor: &DeviceInfo) -> Result<(), TransportError>;
    /// Concept2 devices libusb lists; `None` without the `libusb` feature.
    fn libusb(&self) -> Option<Result<usize, TransportError>>;
}

/// Runs every check that applies to this machine's OS.
pub fn diagnose() -> Vec<Check> {
    diagnose_on(Os::current(), &SystemProbe)
}

/// Runs the checks that apply on `os`, against what `probe` shows.
pub fn diagnose_on(os: Os, probe: &dyn Probe) -> Vec<Check> {
    let mut checks = Vec::new();
    if os == Os::Linux {
        checks.push(usb_bus(probe.usb_bus()));
        checks.push(udev(probe.udev_running()));
        checks.push(udev_rule(probe.udev_rule()));
        checks.push(hidraw_nodes(probe.hidraw_nodes()));
    }
    let monitors = probe.hid_monitors();
    checks.push(hidapi_check(monitors.as_ref()));
    if let Some(Ok(list)) = &monitors
        && !list.is_empty()
    {
        let results: Vec<_> = list.iter().map(|m| (m, probe.open_monitor(m))).collect();
        checks.push(open_check(os, &results));
    }
    checks.push(libusb_check(os, probe.libusb()));
    checks
}

fn usb_bus(present: bool) -> Check {
    if present {
        check("USB bus", CheckStatus::Ok, "/dev/bus/usb is present", None)
    } else {
        check(
            "USB bus",
            CheckStatus::Fail,
            "no /dev/bus/usb: this machine sees no USB bus (a VM or container without USB passthrough?)",
            Some("Run erglink on the machine the monitor is plugged into, or pass the USB device through to this one. Simulated monitors work anywhere: --device sim:pm5".into()),
        )
    }
}

fn udev(running: bool) -> Check {
    if running {
        check("udev", CheckStatus::Ok, "udev is running (/run/udev)", None)
    } else {
        check(
            "udev",
            CheckStatus::Warn,
            "udev is not running (no /run/udev): device nodes keep their default root-only permissions",
            Some("Start udev (systemd-udevd), or run erglink as root on this machine".into()),
        )
    }
}

fn udev_rule(found: Option<String>) -> Check {
    match found {
        Some(file) => check(
            "udev rule",
            CheckStatus::Ok,
            format!("{file} mentions vendor 17a4"),
            None,
        ),
        None => check(
            "udev rule",
            CheckStatus::Fail,
            "no udev rule mentions vendor 17a4: only root can open the monitor",
            Some(install_rule_fix()),
        ),
    }
}

fn hidraw_nodes(nodes: Option<(usize, Vec<String>)>) -> Check {
    let Some((count, denied)) = nodes else {
        return check("hidraw", CheckStatus::Warn, "cannot list /dev", None);
    };
    if count == 0 {
        check(
            "hidraw",
            CheckStatus::Warn,
            "no /dev/hidraw* nodes: no HID device is attached, or the hidraw/usbhid modules are not loaded",
            Some("Plug the monitor in and wake it; if it still does not appear: sudo modprobe usbhid hidraw".into()),
        )
    } else if denied.is_empty() {
        check(
            "hidraw",
            CheckStatus::Ok,
            format!("{count} hidraw node(s), all readable and writable"),
            None,
        )
    } else {
        check(
            "hidraw",
            CheckStatus::Fail,
            format!("permission denied on {}", denied.join(", ")),
            Some(install_rule_fix()),
        )
    }
}

fn hidapi_check(monitors: Option<&Result<Vec<DeviceInfo>, TransportError>>) -> Check {
    match monitors {
        None => check(
            "hidapi",
            CheckStatus::Skip,
            "not built with the `hid` feature",
            None,
        ),
        Some(Ok(d)) if d.is_empty() => check(
            "hidapi",
            CheckStatus::Warn,
            "hidapi works but sees no Concept2 monitor (vendor 17a4)",
            Some("Plug the monitor in and wake it (press a button)".into()),
        ),
        Some(Ok(d)) => check(
            "hidapi",
            CheckStatus::Ok,
            format!("{} Concept2 monitor(s) through hidapi", d.len()),
            None,
        ),
        Some(Err(e)) => check("hidapi", CheckStatus::Fail, e.message.clone(), None),
    }
}

/// What a failed open means on `os`, and its fix.
pub fn open_advice(os: Os, e: &TransportError) -> (String, Option<String>) {
    let close_others = "Close ErgData, Concept2 Utility, a browser tab using WebHID, or another erglink recording it";
    match (os, e.kind) {
        (Os::Macos, ErrorKind::Busy) => (
            "another program holds the monitor: hidapi opens HID devices exclusively on macOS, so only one program at a time can".into(),
            Some(close_others.into()),
        ),
        (Os::Windows, ErrorKind::Busy) => (
            "Windows answers ERROR_ACCESS_DENIED (0x5): another program (ErgData, Concept2 Utility) has the monitor open".into(),
            Some(close_others.into()),
        ),
        (_, ErrorKind::Busy) => ("another program holds the monitor".into(), Some(close_others.into())),
        (Os::Linux | Os::Other, ErrorKind::PermissionDenied) => {
            ("permission denied".into(), Some(install_rule_fix()))
        }
        (_, ErrorKind::Disconnected | ErrorKind::NotFound) => (
            "it went away while being checked".into(),
            Some("Check the cable and that the monitor is on, then run `erglink doctor` again".into()),
        ),
        _ => ("it could not be opened".into(), None),
    }
}

fn open_check(os: Os, results: &[(&DeviceInfo, Result<(), TransportError>)]) -> Check {
    let failed: Vec<_> = results
        .iter()
        .filter_map(|(m, r)| r.as_ref().err().map(|e| (*m, e)))
        .collect();
    let Some(&(first, e)) = failed.first() else {
        return check(
            "open",
            CheckStatus::Ok,
            format!("opened {} monitor(s)", results.len()),
            None,
        );
    };
    let (why, fix) = open_advice(os, e);
    let name = first.serial.as_deref().unwrap_or(&first.path);
    check(
        "open",
        CheckStatus::Fail,
        format!(
            "{} of {} monitor(s) would not open; {name}: {why} ({})",
            failed.len(),
            results.len(),
            e.message
        ),
        fix,
    )
}

fn libusb_check(os: Os, listed: Option<Result<usize, TransportError>>) -> Check {
    let other_os = match os {
        Os::Macos => Some(
            "on macOS libusb needs root to take the monitor from the HID driver: the default hid backend needs nothing",
        ),
        Os::Windows => Some(
            "on Windows libusb needs a WinUSB driver swap that breaks Concept2's own apps: use the default hid backend",
        ),
        _ => None,
    };
    match listed {
        None => check(
            "libusb",
            CheckStatus::Skip,
            "not built with the `libusb` feature (hidapi is the default)",
            match other_os {
                Some(_) => None,
                None => Some(
                    "cargo install --path . --features libusb, if hidraw is not an option".into(),
                ),
            },
        ),
        Some(Ok(n)) => check(
            "libusb",
            match (other_os, n) {
                (Some(_), 1..) => CheckStatus::Warn,
                _ => CheckStatus::Ok,
            },
            match other_os {
                Some(why) if n > 0 => format!("libusb works; {n} Concept2 device(s); {why}"),
                _ => format!("libusb works; {n} Concept2 device(s)"),
            },
            None,
        ),
        Some(Err(e)) if e.kind == ErrorKind::NoBus => {
            check("libusb", CheckStatus::Fail, e.message, None)
        }
        Some(Err(e)) => check(
            "libusb",
            CheckStatus::Fail,
            e.message,
            match os {
                Os::Linux | Os::Other => Some(install_rule_fix()),
                _ => other_os.map(str::to_string),
            },
        ),
    }
}

/// This machine.
pub struct SystemProbe;

impl Probe for SystemProbe {
    fn usb_bus(&self) -> bool {
        Path::new("/dev/bus/usb").exists()
    }

    fn udev_running(&self) -> bool {
        Path::new("/run/udev").exists()
    }

    fn udev_rule(&self) -> Option<String> {
        let dirs = [
            "/etc/udev/rules.d",
            "/run/udev/rules.d",
            "/lib/udev/rules.d",
            "/usr/lib/udev/rules.d",
        ];
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for e in entries.flatten() {
                if let Ok(text) = std::fs::read_to_string(e.path())
                    && text.to_ascii_lowercase().contains("17a4")
                {
                    return Some(e.path().display().to_string());
                }
            }
        }
        None
    }

    fn hidraw_nodes(&self) -> Option<(usize, Vec<String>)> {
        let entries = std::fs::read_dir("/dev").ok()?;
        let nodes: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("hidraw"))
            })
            .collect();
        let denied = nodes
            .iter()
            .filter(|p| {
                matches!(
                    std::fs::OpenOptions::new().read(true).write(true).open(p),
                    Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied
                )
            })
            .map(|p| p.display().to_string())
            .collect();
        Some((nodes.len(), denied))
    }

    fn hid_monitors(&self) -> Option<Result<Vec<DeviceInfo>, TransportError>> {
        #[cfg(feature = "hid")]
        return Some(crate::hid::discover());
        #[cfg(not(feature = "hid"))]
        None
    }

    fn open_monitor(&self, monitor: &DeviceInfo) -> Result<(), TransportError> {
        #[cfg(feature = "hid")]
        return crate::hid::HidTransport::open(&crate::UsbFilter::Path(monitor.path.clone()))
            .map(drop);
        #[cfg(not(feature = "hid"))]
        {
            let _ = monitor;
            Err(crate::unsupported("hid", "hid"))
        }
    }

    fn libusb(&self) -> Option<Result<usize, TransportError>> {
        #[cfg(feature = "libusb")]
        return Some(crate::usb::discover().map(|d| d.len()));
        #[cfg(not(feature = "libusb"))]
        None
    }
}

#[cfg(test)]
mod tests;
