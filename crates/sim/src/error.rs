//! The simulator's one error type.

/// What can go wrong when configuring or talking to the simulated monitor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// `sim:` named a model that does not exist.
    #[error("unknown monitor model `{0}`; accepted: pm3, pm4, pm5")]
    UnknownModel(String),
    /// An option key the simulator does not know.
    #[error("unknown simulator option `{key}`; accepted: {accepted}")]
    UnknownOption {
        /// The key as given.
        key: String,
        /// Every key the simulator accepts.
        accepted: &'static str,
    },
    /// An option whose value does not parse or is out of range.
    #[error("bad value `{value}` for simulator option `{key}`; accepted: {accepted}")]
    BadValue {
        /// The key.
        key: String,
        /// The value as given.
        value: String,
        /// What the key accepts.
        accepted: String,
    },
    /// The same option twice in one selector: probably a typo, never silently resolved.
    #[error("simulator option `{0}` is given twice")]
    Duplicate(String),
    /// The device is gone (an `unplug` fault is active).
    #[error("the simulated monitor is unplugged")]
    Unplugged,
    /// A report id the monitor does not have.
    #[error("report id {id:#04x} is not one of this monitor's reports ({known})")]
    UnknownReport {
        /// The id written.
        id: u8,
        /// The ids the monitor has.
        known: String,
    },
    /// A report of the wrong length: hosts must pad to the report's size.
    #[error("report {id:#04x} must be {expected} bytes including its id, got {got}")]
    ReportLength {
        /// The report id.
        id: u8,
        /// Its size including the id byte.
        expected: usize,
        /// What was written.
        got: usize,
    },
    /// A write with no bytes at all, not even a report id.
    #[error("an empty report has no report id")]
    EmptyReport,
}
