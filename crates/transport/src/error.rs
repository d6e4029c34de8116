//! Transport errors carry a kind a caller can act on, and a message that says
//! what to do.

use thiserror::Error;

/// What went wrong, coarsely, so callers can branch (retry, wait for a replug,
/// tell the user to fix permissions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No monitor matches the selector.
    NotFound,
    /// The device went away (unplugged, powered off).
    Disconnected,
    /// The OS refused access (udev rules, permissions).
    PermissionDenied,
    /// Another program holds the device.
    Busy,
    /// This machine has no USB bus at all.
    NoBus,
    /// The backend was not compiled in.
    Unsupported,
    /// A replayed request differs from the recorded one.
    Diverged,
    /// A report of the wrong size or id.
    BadReport,
    /// Any other I/O failure.
    Io,
}

/// A transport failure.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct TransportError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// One sentence: what failed and why, with what to do where known.
    pub message: String,
}

impl TransportError {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

/// A device selector could not be understood.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("bad device selector `{selector}`: {why}")]
pub struct SelectorError {
    /// The selector as given.
    pub selector: String,
    /// What is wrong and what is accepted.
    pub why: String,
}
