//! What stands between this machine and a monitor: the USB bus, udev, the
//! rule that opens Concept2 devices to users, hidraw permissions, libusb.
//! Each check says what to do when it fails.

use std::path::Path;

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

/// Runs every check.
pub fn diagnose() -> Vec<Check> {
    let mut checks = Vec::new();
    let bus = Path::new("/dev/bus/usb");
    checks.push(if bus.exists() {
        check("USB bus", CheckStatus::Ok, "/dev/bus/usb is present", None)
    } else {
        check(
            "USB bus",
            CheckStatus::Fail,
            "no /dev/bus/usb: this machine sees no USB bus (a VM or container without USB passthrough?)",
            Some("Run erglink on the machine the monitor is plugged into, or pass the USB device through to this one. Simulated monitors work anywhere: --device sim:pm5".into()),
        )
    });
    checks.push(if Path::new("/run/udev").exists() {
        check("udev", CheckStatus::Ok, "udev is running (/run/udev)", None)
    } else {
        check(
            "udev",
            CheckStatus::Warn,
            "udev is not running (no /run/udev): device nodes keep their default root-only permissions",
            Some("Start udev (systemd-udevd), or run erglink as root on this machine".into()),
        )
    });
    checks.push(udev_rule());
    checks.push(hidraw_nodes());
    checks.push(hidapi_check());
    checks.push(libusb_check());
    checks
}

fn udev_rule() -> Check {
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
                return check(
                    "udev rule",
                    CheckStatus::Ok,
                    format!("{} mentions vendor 17a4", e.path().display()),
                    None,
                );
            }
        }
    }
    check(
        "udev rule",
        CheckStatus::Fail,
        "no udev rule mentions vendor 17a4: only root can open the monitor",
        Some(install_rule_fix()),
    )
}

fn hidraw_nodes() -> Check {
    let Ok(entries) = std::fs::read_dir("/dev") else {
        return check("hidraw", CheckStatus::Warn, "cannot list /dev", None);
    };
    let nodes: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("hidraw"))
        })
        .collect();
    if nodes.is_empty() {
        return check(
            "hidraw",
            CheckStatus::Warn,
            "no /dev/hidraw* nodes: no HID device is attached, or the hidraw/usbhid modules are not loaded",
            Some("Plug the monitor in and wake it; if it still does not appear: sudo modprobe usbhid hidraw".into()),
        );
    }
    let denied: Vec<String> = nodes
        .iter()
        .filter(|p| {
            matches!(
                std::fs::OpenOptions::new().read(true).write(true).open(p),
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied
            )
        })
        .map(|p| p.display().to_string())
        .collect();
    if denied.is_empty() {
        check(
            "hidraw",
            CheckStatus::Ok,
            format!("{} hidraw node(s), all readable and writable", nodes.len()),
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

#[cfg(feature = "hid")]
fn hidapi_check() -> Check {
    match crate::hid::discover() {
        Ok(d) if d.is_empty() => check(
            "hidapi",
            CheckStatus::Warn,
            "hidapi works but sees no Concept2 monitor (vendor 17a4)",
            Some("Plug the monitor in and wake it (press a button)".into()),
        ),
        Ok(d) => check(
            "hidapi",
            CheckStatus::Ok,
            format!("{} Concept2 monitor(s) through hidapi", d.len()),
            None,
        ),
        Err(e) => check("hidapi", CheckStatus::Fail, e.message, None),
    }
}

#[cfg(not(feature = "hid"))]
fn hidapi_check() -> Check {
    check(
        "hidapi",
        CheckStatus::Skip,
        "not built with the `hid` feature",
        None,
    )
}

#[cfg(feature = "libusb")]
fn libusb_check() -> Check {
    match crate::usb::discover() {
        Ok(d) => check(
            "libusb",
            CheckStatus::Ok,
            format!("libusb works; {} Concept2 device(s)", d.len()),
            None,
        ),
        Err(e) if e.kind == crate::ErrorKind::NoBus => {
            check("libusb", CheckStatus::Fail, e.message, None)
        }
        Err(e) => check(
            "libusb",
            CheckStatus::Fail,
            e.message,
            Some(install_rule_fix()),
        ),
    }
}

#[cfg(not(feature = "libusb"))]
fn libusb_check() -> Check {
    check(
        "libusb",
        CheckStatus::Skip,
        "not built with the `libusb` feature (hidapi is the default)",
        Some("cargo install --path . --features libusb, if hidraw is not an option".into()),
    )
}
