//! The PostgreSQL crate's one error type. Nothing in it ever holds the
//! password: the URL refuses one, and the server's errors do not echo it.

/// What setting up or running a PostgreSQL export can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The destination is not a URL erglink can use (bad input).
    #[error("`{url}` is not a PostgreSQL URL erglink takes: {why}")]
    BadUrl {
        /// What was given, with any password cut out.
        url: String,
        /// Why not.
        why: String,
    },
    /// The password source is unset, empty or unreadable (bad input).
    #[error("{0}")]
    Password(String),
    /// The TLS settings cannot be used: an unreadable or empty CA file (bad input).
    #[error("{0}")]
    Tls(String),
    /// The database holds a newer erglink schema than this build knows (bad input).
    #[error(
        "the database holds erglink schema version {found}, newer than this erglink's {supported}"
    )]
    NewerSchema {
        /// `max(erglink.schema_version.version)`.
        found: i32,
        /// What this build writes.
        supported: i32,
    },
    /// A value does not fit its column (it never does from a real monitor).
    #[error("{what} is {value}, beyond what its column holds")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value.
        value: u64,
    },
    /// PostgreSQL refused or failed: connecting, authenticating, a statement.
    #[error("{}", describe(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// The store (sessions, the ledger) failed.
    #[error(transparent)]
    Store(#[from] erglink_store::Error),
    /// Reading or normalising a session failed.
    #[error(transparent)]
    Export(#[from] erglink_export::Error),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// tokio-postgres's own text is "db error" for every server error; the
/// server's message (and its SQLSTATE) is what tells a person what happened.
fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!(
            "{} ({}, SQLSTATE {})",
            db.message(),
            db.severity(),
            db.code().code()
        );
        if let Some(detail) = db.detail() {
            s.push_str(": ");
            s.push_str(detail);
        }
        return s;
    }
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = cause.source();
    }
    s
}

/// True when the TLS handshake failed on rustls's side: a certificate
/// not trusted, a name that does not match, no common protocol.
fn tls_refusal(e: &tokio_postgres::Error) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
        {
            return true;
        }
        cause = c.source();
    }
    false
}

impl Error {
    /// True for what waiting and reconnecting can cure: the connection was
    /// lost or refused, the server is starting or shutting down, out of
    /// connections, or a transaction lost a serialization race. Anything
    /// else (a refusal of the data, a permission) needs a person.
    pub fn is_transient(&self) -> bool {
        let Error::Postgres(e) = self else {
            return false;
        };
        match e.code() {
            // A certificate refused stays refused; waiting does not cure it.
            None if tls_refusal(e) => false,
            None => true, // I/O, a closed connection, a timeout
            Some(code) => {
                let c = code.code();
                c.starts_with("08") // connection exception
                    || c.starts_with("53") // insufficient resources
                    || c.starts_with("57P") // admin shutdown, crash shutdown, cannot connect now
                    || c == "40001" // serialization failure
                    || c == "40P01" // deadlock detected
            }
        }
    }

    /// True for input the user must fix (exit 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Error::BadUrl { .. } | Error::Password(_) | Error::Tls(_) | Error::NewerSchema { .. }
        )
    }
}

/// The PostgreSQL crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
