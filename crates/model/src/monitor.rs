//! What a monitor says about itself.

use core::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::PmModel;

/// One HID report the monitor declares: its id and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReportSize {
    /// HID report id (the PMs use 1, 2 and 4).
    pub id: u8,
    /// Report length in bytes, the report id included (PM5: 21, 121, 501).
    pub bytes: u16,
}

/// A monitor's identity. A firmware update makes a new identity, so each
/// session keeps the firmware it was actually recorded with.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MonitorInfo {
    /// Serial number as the PM reports it (`GETSERIAL`), e.g. `"430228525"`.
    /// The simulator's serials are its own.
    pub serial: String,
    /// PM3, PM4 or PM5.
    pub model: PmModel,
    /// Firmware version as reported (`GETVERSION` software version, or the
    /// PM's firmware string where the transport reads it).
    pub firmware: String,
    /// Hardware version as reported.
    pub hardware: String,
    /// The HID reports the device declares, in report-id order.
    pub report_sizes: Vec<ReportSize>,
}

impl ReportSize {
    /// `"1:21,2:121,4:501"`: the compact text the store keeps.
    pub fn format_list(sizes: &[ReportSize]) -> String {
        let mut s = String::new();
        for (i, r) in sizes.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(s, "{}:{}", r.id, r.bytes);
        }
        s
    }

    /// Parses [`ReportSize::format_list`]'s text; `None` if malformed.
    pub fn parse_list(text: &str) -> Option<Vec<ReportSize>> {
        if text.is_empty() {
            return Some(Vec::new());
        }
        text.split(',')
            .map(|part| {
                let (id, bytes) = part.split_once(':')?;
                Some(ReportSize {
                    id: id.trim().parse().ok()?,
                    bytes: bytes.trim().parse().ok()?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_sizes_round_trip() {
        let sizes = vec![
            ReportSize { id: 1, bytes: 21 },
            ReportSize { id: 2, bytes: 121 },
            ReportSize { id: 4, bytes: 501 },
        ];
        let text = ReportSize::format_list(&sizes);
        assert_eq!(text, "1:21,2:121,4:501");
        assert_eq!(ReportSize::parse_list(&text), Some(sizes));
        assert_eq!(ReportSize::parse_list(""), Some(vec![]));
        assert_eq!(ReportSize::parse_list("1-21"), None);
    }
}
