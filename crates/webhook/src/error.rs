//! The webhook crate's one error type: what stops a run before or
//! between deliveries. A delivery the receiver refuses is not an error
//! here but an outcome in the [`crate::Report`].

/// What setting up or running a webhook export can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The destination is not a URL erglink can post to.
    #[error("`{url}` is not a webhook URL: {why}")]
    BadUrl {
        /// What was given.
        url: String,
        /// Why not.
        why: String,
    },
    /// Plain http to a host that is not this machine.
    #[error(
        "{0} is plain http to another machine, so the session data would cross the network unencrypted"
    )]
    Insecure(String),
    /// The signing secret is missing, empty or unreadable. Never holds the secret.
    #[error("{0}")]
    Secret(String),
    /// A setting is out of range (`--batch 0`, a user id that is not a UUID…).
    #[error("{0}")]
    Config(String),
    /// The store (sessions, the ledger) failed.
    #[error(transparent)]
    Store(#[from] erglink_store::Error),
    /// Reading or normalising a session failed.
    #[error(transparent)]
    Export(#[from] erglink_export::Error),
}

/// The webhook crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
