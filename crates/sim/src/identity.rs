//! What a monitor says about itself: USB descriptors, report sizes, versions
//! and serial. Product ids and strings are csafe.md §1.1; versions are
//! invented (no public list), chosen inside the firmware ranges §1.2 gives.

use crate::config::{Model, SimConfig};
use crate::descriptor::report_sizes;
use crate::rng::{Rng, stream};

/// Concept2's USB vendor id.
pub const VENDOR_ID: u16 = 0x17A4;

/// The PM5's product id. Sources conflict (`0003`, `001E`, `000A`, "varies");
/// `0003` continues PM3 `0001` and PM4 `0002` and is the one interface.md
/// uses in its examples. `pid=` overrides it.
pub const PM5_PRODUCT_ID: u16 = 0x0003;

/// A simulated monitor's identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// `0x17A4`.
    pub vendor_id: u16,
    /// PM3 `0x0001`, PM4 `0x0002`, PM5 `0x0003` unless `pid=` says otherwise.
    pub product_id: u16,
    /// "Concept2 Performance Monitor 5 (PM5)" and so on.
    pub product: String,
    /// "Concept2".
    pub manufacturer: String,
    /// The 9-digit serial (USB iSerial, GETSERIAL, HW address).
    pub serial: String,
    /// 3, 4 or 5: the model. GETVERSION's model byte says so unless
    /// `model_byte=` makes it say something else.
    pub model: u8,
    /// GETVERSION's hardware version.
    pub hardware_version: u16,
    /// GETVERSION's software version.
    pub firmware_version: u16,
    /// (report id, CSAFE bytes without the id), in and out alike, as
    /// `descriptor=` makes them: 1 → 20, 2 → 120, 4 → 62 (`spec`, `partial`);
    /// no report 2 (`no2`); report 4 at 500 (`500`).
    pub report_sizes: Vec<(u8, usize)>,
}

impl Identity {
    pub(crate) fn new(cfg: &SimConfig) -> Identity {
        let (pid, hw, fw) = match cfg.model {
            Model::Pm3 => (0x0001, 300, 98),
            Model::Pm4 => (0x0002, 400, 28),
            Model::Pm5 => (PM5_PRODUCT_ID, 500, 340),
        };
        let n = cfg.model.number();
        Identity {
            vendor_id: VENDOR_ID,
            product_id: cfg.product_id.unwrap_or(pid),
            product: format!("Concept2 Performance Monitor {n} (PM{n})"),
            manufacturer: "Concept2".to_string(),
            serial: cfg
                .serial
                .clone()
                .unwrap_or_else(|| derived_serial(cfg.model, cfg.seed)),
            model: n,
            hardware_version: hw,
            firmware_version: fw,
            report_sizes: report_sizes(cfg.model, cfg.quirks.descriptor),
        }
    }

    /// CSAFE bytes of report `id`, if the monitor has it.
    pub fn report_size(&self, id: u8) -> Option<usize> {
        self.report_sizes
            .iter()
            .find(|&&(rid, _)| rid == id)
            .map(|&(_, len)| len)
    }

    /// The serial as the integer `PM_GET_HW_ADDRESS` reports.
    pub fn hw_address(&self) -> u32 {
        self.serial.parse().unwrap_or(0)
    }

    /// `PM_GET_FW_VERSION` text.
    pub fn firmware_text(&self) -> String {
        format!("{}.000", self.firmware_version)
    }

    /// `PM_GET_HW_VERSION` text.
    pub fn hardware_text(&self) -> String {
        format!("PM{} rev {}", self.model, self.hardware_version % 100)
    }
}

/// A 9-digit serial from the seed, with the prefix real units of the model
/// carry (PM5 `43…` as in the captures; `40…`/`30…` guessed for PM4/PM3).
fn derived_serial(model: Model, seed: u64) -> String {
    let prefix = match model {
        Model::Pm3 => 30,
        Model::Pm4 => 40,
        Model::Pm5 => 43,
    };
    let mut rng = Rng::stream(seed, stream::SERIAL);
    format!("{prefix}{:07}", rng.below(10_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_model() {
        let pm5 = Identity::new(&SimConfig::default());
        assert_eq!(pm5.product, "Concept2 Performance Monitor 5 (PM5)");
        assert_eq!(pm5.report_size(4), Some(62));
        let new_pm5 = Identity::new(&SimConfig::parse("pm5", "descriptor=500").unwrap());
        assert_eq!(new_pm5.report_size(4), Some(500));
        let no2 = Identity::new(&SimConfig::parse("pm5", "descriptor=no2").unwrap());
        assert_eq!(no2.report_sizes, [(1, 20), (4, 62)]);
        assert_eq!(pm5.serial.len(), 9);
        assert!(pm5.serial.starts_with("43"));
        let pm3 = Identity::new(&SimConfig::parse("pm3", "serial=400124190").unwrap());
        assert_eq!((pm3.product_id, pm3.model), (1, 3));
        assert_eq!(pm3.report_size(4), Some(62));
        assert_eq!(pm3.report_size(3), None);
        assert_eq!(pm3.hw_address(), 400_124_190);
        let other = Identity::new(&SimConfig::parse("pm5", "seed=2").unwrap());
        assert_ne!(other.serial, pm5.serial);
    }
}
