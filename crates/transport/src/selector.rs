//! Device selectors (interface.md): `hid`, `hid:17a4:0003`, `hid:serial=…`,
//! `hid:path=…`, `usb…` the same through libusb (where a path is the bus and
//! address, `usb:path=001:004`, as `devices` prints for a monitor whose serial
//! libusb cannot read), `sim:pm5?key=value&…`, `replay:PATH`.

use std::fmt;
use std::path::PathBuf;

use crate::error::SelectorError;

/// Concept2's USB vendor id.
pub const CONCEPT2_VID: u16 = 0x17A4;

/// Which USB device of a backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsbFilter {
    /// The first Concept2 monitor found.
    Any,
    /// By vendor and product id.
    Ids {
        /// Vendor id.
        vendor_id: u16,
        /// Product id.
        product_id: u16,
    },
    /// By the PM's serial number (the USB iSerial string).
    Serial(String),
    /// By OS path: `/dev/hidraw3` through hidapi, `BUS:ADDRESS` (`001:004`)
    /// through libusb.
    Path(String),
}

impl UsbFilter {
    /// Whether a device matches.
    pub fn matches(
        &self,
        vendor_id: u16,
        product_id: u16,
        serial: Option<&str>,
        path: &str,
    ) -> bool {
        match self {
            UsbFilter::Any => vendor_id == CONCEPT2_VID,
            UsbFilter::Ids {
                vendor_id: v,
                product_id: p,
            } => vendor_id == *v && product_id == *p,
            UsbFilter::Serial(s) => vendor_id == CONCEPT2_VID && serial == Some(s.as_str()),
            UsbFilter::Path(p) => path == p,
        }
    }
}

/// Where to find a monitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceSelector {
    /// Through hidapi (hidraw on Linux).
    Hid(UsbFilter),
    /// Through libusb (feature `libusb`).
    Usb(UsbFilter),
    /// A simulated monitor.
    Sim {
        /// `pm3`, `pm4` or `pm5`.
        model: String,
        /// The options after `?`, unparsed (`machine=rower&workout=2000m`).
        options: String,
    },
    /// A transcript played back.
    Replay(PathBuf),
}

impl DeviceSelector {
    /// Parses a selector.
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        let bad = |why: &str| SelectorError {
            selector: text.to_string(),
            why: why.to_string(),
        };
        let (scheme, rest) = match text.split_once(':') {
            Some((s, r)) => (s, Some(r)),
            None => (text, None),
        };
        match scheme.to_ascii_lowercase().as_str() {
            "hid" => Ok(DeviceSelector::Hid(
                parse_filter(rest, true).map_err(|w| bad(&w))?,
            )),
            "usb" => Ok(DeviceSelector::Usb(
                parse_filter(rest, false).map_err(|w| bad(&w))?,
            )),
            "sim" => {
                let rest = rest.unwrap_or("pm5");
                let (model, options) = rest.split_once('?').unwrap_or((rest, ""));
                let model = model.to_ascii_lowercase();
                if !matches!(model.as_str(), "pm3" | "pm4" | "pm5") {
                    return Err(bad("the simulated model is pm3, pm4 or pm5"));
                }
                Ok(DeviceSelector::Sim {
                    model,
                    options: options.to_string(),
                })
            }
            "replay" => match rest {
                Some(p) if !p.is_empty() => Ok(DeviceSelector::Replay(PathBuf::from(p))),
                _ => Err(bad("give the transcript's path: replay:PATH")),
            },
            _ => Err(bad(
                "use hid, hid:VID:PID, hid:serial=S, hid:path=P, usb…, sim:pm5 or replay:PATH",
            )),
        }
    }

    /// `usb` for real hardware, `sim` or `replay` otherwise: a session's source.
    pub fn source(&self) -> &'static str {
        match self {
            DeviceSelector::Hid(_) | DeviceSelector::Usb(_) => "usb",
            DeviceSelector::Sim { .. } => "sim",
            DeviceSelector::Replay(_) => "replay",
        }
    }
}

fn parse_filter(rest: Option<&str>, hid: bool) -> Result<UsbFilter, String> {
    let Some(rest) = rest.filter(|r| !r.is_empty()) else {
        return Ok(UsbFilter::Any);
    };
    if let Some(s) = rest.strip_prefix("serial=") {
        if s.is_empty() {
            return Err("serial= needs the PM's serial number".into());
        }
        return Ok(UsbFilter::Serial(s.to_string()));
    }
    if let Some(p) = rest.strip_prefix("path=") {
        if p.is_empty() {
            return Err("path= needs the device's path".into());
        }
        if !hid && !is_bus_address(p) {
            return Err(
                "a usb path is the bus and address as `devices` prints them, e.g. usb:path=001:004"
                    .into(),
            );
        }
        return Ok(UsbFilter::Path(p.to_string()));
    }
    let (v, p) = rest
        .split_once(':')
        .ok_or_else(|| "expected VID:PID in hex, serial=S or path=P".to_string())?;
    let hex = |t: &str| {
        u16::from_str_radix(t.trim_start_matches("0x"), 16)
            .map_err(|_| format!("`{t}` is not a 16-bit hex id"))
    };
    Ok(UsbFilter::Ids {
        vendor_id: hex(v)?,
        product_id: hex(p)?,
    })
}

/// `BUS:ADDRESS` in decimal, as libusb numbers them (`001:004`).
fn is_bus_address(p: &str) -> bool {
    p.split_once(':').is_some_and(|(b, a)| {
        [b, a]
            .iter()
            .all(|n| !n.is_empty() && n.len() <= 3 && n.bytes().all(|c| c.is_ascii_digit()))
    })
}

impl fmt::Display for DeviceSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let filter = |f: &mut fmt::Formatter<'_>, scheme: &str, filter: &UsbFilter| match filter {
            UsbFilter::Any => write!(f, "{scheme}"),
            UsbFilter::Ids {
                vendor_id,
                product_id,
            } => write!(f, "{scheme}:{vendor_id:04x}:{product_id:04x}"),
            UsbFilter::Serial(s) => write!(f, "{scheme}:serial={s}"),
            UsbFilter::Path(p) => write!(f, "{scheme}:path={p}"),
        };
        match self {
            DeviceSelector::Hid(x) => filter(f, "hid", x),
            DeviceSelector::Usb(x) => filter(f, "usb", x),
            DeviceSelector::Sim { model, options } if options.is_empty() => {
                write!(f, "sim:{model}")
            }
            DeviceSelector::Sim { model, options } => write!(f, "sim:{model}?{options}"),
            DeviceSelector::Replay(p) => write!(f, "replay:{}", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_interface_md() {
        let cases = [
            ("hid", DeviceSelector::Hid(UsbFilter::Any)),
            (
                "hid:17a4:0003",
                DeviceSelector::Hid(UsbFilter::Ids {
                    vendor_id: 0x17A4,
                    product_id: 3,
                }),
            ),
            (
                "hid:serial=430228525",
                DeviceSelector::Hid(UsbFilter::Serial("430228525".into())),
            ),
            (
                "hid:path=/dev/hidraw3",
                DeviceSelector::Hid(UsbFilter::Path("/dev/hidraw3".into())),
            ),
            ("usb", DeviceSelector::Usb(UsbFilter::Any)),
            (
                "usb:17a4:0002",
                DeviceSelector::Usb(UsbFilter::Ids {
                    vendor_id: 0x17A4,
                    product_id: 2,
                }),
            ),
            (
                "usb:serial=1",
                DeviceSelector::Usb(UsbFilter::Serial("1".into())),
            ),
            (
                "usb:path=001:004",
                DeviceSelector::Usb(UsbFilter::Path("001:004".into())),
            ),
            (
                "sim:pm5",
                DeviceSelector::Sim {
                    model: "pm5".into(),
                    options: String::new(),
                },
            ),
            (
                "sim:PM3?seed=4&hr=off",
                DeviceSelector::Sim {
                    model: "pm3".into(),
                    options: "seed=4&hr=off".into(),
                },
            ),
            ("replay:t.txt", DeviceSelector::Replay("t.txt".into())),
        ];
        for (text, want) in cases {
            let got = DeviceSelector::parse(text).unwrap();
            assert_eq!(got, want, "{text}");
            assert_eq!(
                DeviceSelector::parse(&got.to_string()).unwrap(),
                want,
                "{text}"
            );
        }
    }

    #[test]
    fn bad_selectors_say_why() {
        for text in [
            "bluetooth",
            "hid:17a4",
            "hid:zz:01",
            "usb:path=/dev/x",
            "usb:path=1:2:3",
            "hid:path=",
            "sim:pm6",
            "replay:",
            "hid:serial=",
        ] {
            let e = DeviceSelector::parse(text).unwrap_err();
            assert!(!e.why.is_empty(), "{text}");
        }
    }

    #[test]
    fn filters() {
        assert!(UsbFilter::Any.matches(0x17A4, 0x1E, None, "/dev/hidraw0"));
        assert!(!UsbFilter::Any.matches(0x046D, 1, None, ""));
        assert!(UsbFilter::Serial("4".into()).matches(0x17A4, 3, Some("4"), ""));
    }

    #[test]
    fn what_devices_prints_is_a_selector_device_accepts() {
        use crate::{Backend, DeviceInfo};
        let mut infos = Vec::new();
        for backend in [Backend::Hid, Backend::Usb] {
            let path = match backend {
                Backend::Hid => "/dev/hidraw3",
                _ => "001:004",
            };
            let mut d = DeviceInfo::new(backend, path.into());
            d.vendor_id = CONCEPT2_VID;
            infos.push(d.clone());
            d.serial = Some("430228525".into());
            infos.push(d);
        }
        let mut sim = DeviceInfo::new(Backend::Sim, "sim:pm3?seed=4&deny=3000".into());
        sim.serial = Some("300000001".into());
        infos.push(sim);
        for d in infos {
            let printed = d.selector().to_string();
            let parsed = DeviceSelector::parse(&printed)
                .unwrap_or_else(|e| panic!("`{printed}` ({:?}): {e}", d.backend));
            assert_eq!(parsed, d.selector(), "{printed}");
            // And it finds the device it was printed for.
            if let DeviceSelector::Hid(f) | DeviceSelector::Usb(f) = &parsed {
                assert!(
                    f.matches(d.vendor_id, d.product_id, d.serial.as_deref(), &d.path),
                    "{printed}"
                );
            }
        }
    }
}
