//! The recorder's errors.

use thiserror::Error;

/// Why recording stopped.
#[derive(Debug, Error)]
pub enum RecorderError {
    /// The store refused data.
    #[error(transparent)]
    Store(#[from] erglink_store::Error),
    /// The monitor could not be driven.
    #[error("monitor {0}: {1}")]
    Driver(String, erglink_pm::DriverError),
    /// The monitor could not be opened.
    #[error("cannot open {0}: {1}")]
    Open(String, erglink_transport::TransportError),
    /// Stopped before the monitor answered.
    #[error("stopped before the monitor answered")]
    Stopped,
}
