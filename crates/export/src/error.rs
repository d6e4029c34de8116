//! The exporter's one error type.

use std::path::PathBuf;

/// What an export can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the session from the store failed.
    #[error(transparent)]
    Store(#[from] erglink_store::Error),
    /// The session's data could not be normalised.
    #[error(transparent)]
    Normalize(#[from] erglink_normalize::Error),
    /// The file is there already; nothing was written over it.
    #[error("{} already exists", .0.display())]
    Exists(PathBuf),
    /// Writing a file (or its folder) failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A destination that is not a file (a webhook) did not take the session.
    #[error("{0}")]
    Delivery(String),
    /// The combination asked for does not exist (e.g. NDJSON for FIT).
    #[error("{0}")]
    Unsupported(String),
}

/// The exporter's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
