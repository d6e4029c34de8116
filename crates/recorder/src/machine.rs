//! Which ergometer a monitor sits on. A PM5 says (`7E ED`); a PM3 or PM4
//! refuses to, and no firmware table tells the machines apart, so the user
//! says (`--machine SERIAL=MACHINE`, then `--machine MACHINE`), and without
//! that the session is stored as a RowErg, marked as assumed.

use erglink_csafe::ErgMachineType;
use erglink_model::Machine;

use crate::options::Options;

/// The machine of an `ErgMachineType` code (csafe.md §5.8).
pub fn machine_of(code: ErgMachineType) -> Machine {
    match code.to_u8() {
        128 | 143 | 225 => Machine::SkiErg,
        192..=194 | 207 | 226 => Machine::BikeErg,
        _ => Machine::RowErg,
    }
}

/// The machine, and how it was known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineSource {
    /// The monitor reported it.
    Reported,
    /// `--machine SERIAL=MACHINE`.
    BySerial,
    /// `--machine MACHINE`.
    ForAll,
    /// Nobody said: RowErg.
    Assumed,
}

/// Picks the machine: the monitor's own report first, then the user's word
/// for this serial, then for every monitor, else RowErg, assumed.
pub fn resolve(
    reported: Option<Machine>,
    serial: Option<&str>,
    options: &Options,
) -> (Machine, MachineSource) {
    let by_serial = serial.and_then(|s| {
        options
            .machine_by_serial
            .iter()
            .find(|(serial, _)| serial == s)
            .map(|&(_, m)| m)
    });
    if let Some(m) = reported {
        if let Some(told) = by_serial.filter(|&t| t != m) {
            tracing::warn!(
                "{}: the monitor reports a {m:?}, not the {told:?} --machine names; recording a {m:?}",
                serial.unwrap_or("monitor")
            );
        }
        return (m, MachineSource::Reported);
    }
    match (by_serial, options.machine) {
        (Some(m), _) => (m, MachineSource::BySerial),
        (None, Some(m)) => (m, MachineSource::ForAll),
        (None, None) => (Machine::RowErg, MachineSource::Assumed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_then_serial_then_all_then_assumed() {
        let mut o = Options::default();
        assert_eq!(
            resolve(None, Some("300"), &o),
            (Machine::RowErg, MachineSource::Assumed)
        );
        o.machine = Some(Machine::SkiErg);
        assert_eq!(
            resolve(None, Some("300"), &o),
            (Machine::SkiErg, MachineSource::ForAll)
        );
        o.machine_by_serial = vec![("300".into(), Machine::BikeErg)];
        assert_eq!(
            resolve(None, Some("300"), &o),
            (Machine::BikeErg, MachineSource::BySerial)
        );
        assert_eq!(
            resolve(None, Some("301"), &o),
            (Machine::SkiErg, MachineSource::ForAll)
        );
        assert_eq!(
            resolve(Some(Machine::RowErg), Some("300"), &o),
            (Machine::RowErg, MachineSource::Reported)
        );
        assert_eq!(machine_of(ErgMachineType::from_u8(143)), Machine::SkiErg);
    }
}
