//! `identify()`: what monitor is on the other end.

use erglink_csafe::command::{GetCaps, GetSerial, GetVersion};
use erglink_csafe::{AnyCommand, Outcome};
use erglink_transport::{DeviceInfo, ReportSizes, Transport};

use crate::error::DriverError;
use crate::monitor::Monitor;

/// A monitor's identity and capabilities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// What the transport knows (USB ids and strings).
    pub device: DeviceInfo,
    /// Model 3, 4 or 5: the USB product string's when it names one (GETVERSION's
    /// model byte is not to be trusted: Concept2's own csafe.h reports 5 for a
    /// PM4), else GETVERSION's.
    pub model: Option<u8>,
    /// GETVERSION's model byte as the PM sent it, whatever it says.
    pub version_model: Option<u8>,
    /// Hardware version from GETVERSION.
    pub hardware_version: Option<u16>,
    /// Firmware (software) version from GETVERSION.
    pub firmware_version: Option<u16>,
    /// Serial from GETSERIAL, else the USB serial string.
    pub serial: Option<String>,
    /// Largest frame the PM accepts, from GETCAPS 0.
    pub max_rx_frame: Option<u8>,
    /// Largest frame the PM sends, from GETCAPS 0.
    pub max_tx_frame: Option<u8>,
    /// Minimum inter-frame gap the PM asks for, from GETCAPS 0.
    pub min_interframe_gap: Option<u8>,
    /// Report sizes the transport found.
    pub report_sizes: ReportSizes,
}

impl<T: Transport> Monitor<T> {
    /// Asks the PM who it is: GETVERSION and GETSERIAL, then GETCAPS 0. A PM
    /// that refuses GETCAPS still identifies.
    pub fn identify(&mut self) -> Result<Identity, DriverError> {
        let device = self.transport().info().clone();
        let mut id = Identity {
            model: device.model(),
            serial: device.serial.clone(),
            report_sizes: self.transport().report_sizes().clone(),
            device,
            version_model: None,
            hardware_version: None,
            firmware_version: None,
            max_rx_frame: None,
            max_tx_frame: None,
            min_interframe_gap: None,
        };
        let cmds: [AnyCommand; 2] = [GetVersion {}.into(), GetSerial {}.into()];
        let ex = match self.exchange(&cmds)? {
            Ok(ex) => ex,
            Err(refused) => *refused.exchange,
        };
        if let Some(v) = ex.response.get::<GetVersion>() {
            id.version_model = Some(v.model);
            id.model = model_of(id.device.model(), v.model);
            id.hardware_version = Some(v.hardware_version);
            id.firmware_version = Some(v.software_version);
        }
        if let Some(s) = ex
            .response
            .get::<GetSerial>()
            .and_then(|s| s.serial.as_str())
        {
            id.serial = Some(s.to_string());
        }
        if let Ok(Ok(ex)) = self.exchange(&[GetCaps { code: 0 }.into()])
            && let Some(Outcome::Data(erglink_csafe::AnyReply::GetCaps(c))) =
                ex.response.replies.first().map(|r| &r.outcome)
            && let Some((rx, tx, gap)) = c.frame_limits()
        {
            id.max_rx_frame = Some(rx);
            id.max_tx_frame = Some(tx);
            id.min_interframe_gap = Some(gap);
        }
        Ok(id)
    }
}

/// The model from the product string (`… (PM4)`) and GETVERSION's byte: the
/// product string wins when both name one and they disagree, since the byte
/// is known to be wrong on some units; the byte stands in when the string
/// names none.
fn model_of(product: Option<u8>, version_byte: u8) -> Option<u8> {
    let byte = (3..=5).contains(&version_byte).then_some(version_byte);
    match (product, byte) {
        (Some(p), Some(b)) if p != b => {
            tracing::info!(
                "GETVERSION says PM{b} but the USB product string says PM{p}: taking PM{p}"
            );
            Some(p)
        }
        (p, b) => p.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::model_of;

    #[test]
    fn the_product_string_wins_a_disagreement() {
        assert_eq!(model_of(Some(4), 5), Some(4), "csafe.h reports 5 for a PM4");
        assert_eq!(model_of(Some(3), 5), Some(3));
        assert_eq!(model_of(Some(5), 5), Some(5));
        assert_eq!(model_of(None, 4), Some(4));
        assert_eq!(model_of(Some(5), 0), Some(5));
        assert_eq!(model_of(None, 9), None);
    }
}
