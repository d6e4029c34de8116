//! The serving crate's errors.

/// What can stop the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A non-loopback address without an API key.
    #[error(
        "{0} is not a loopback address, and no API key is configured: anyone on the network could read the store"
    )]
    OpenWithoutKey(std::net::SocketAddr),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
    /// The store.
    #[error(transparent)]
    Store(#[from] erglink_store::Error),
    /// The webhook configuration.
    #[error(transparent)]
    Webhook(#[from] erglink_webhook::Error),
}

/// This crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;
