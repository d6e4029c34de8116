//! The store's one error type. Callers branch on the variants that need a
//! different answer (a newer database, a corrupt one, an unknown session);
//! everything else is "SQLite said no".

use std::path::PathBuf;

use erglink_model::{SessionId, SessionIdError};
use rusqlite::ErrorCode;

/// Anything the store can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database was written by a newer erglink. It was not touched.
    #[error(
        "it was written by a newer erglink (schema version {found}; this erglink reads up to {supported})"
    )]
    NewerDatabase {
        /// The file's `user_version`.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// SQLite found the file damaged, or not a database at all. The file is
    /// never deleted or rewritten because of this.
    #[error("it is damaged or not a database ({0})")]
    Corrupt(#[source] rusqlite::Error),
    /// A valid SQLite file that belongs to something else.
    #[error("it is an SQLite database, but not erglink's ({0})")]
    NotErglink(String),
    /// No database at the path (only from [`crate::Store::open_existing`]).
    #[error("there is no database at {0}")]
    NotFound(PathBuf),
    /// The text cannot be a session id or a prefix of one.
    #[error("`{text}` is not a session id: {why}")]
    BadSessionId {
        /// What was given.
        text: String,
        /// Why it is not an id.
        why: SessionIdError,
    },
    /// No session has an id starting with the prefix.
    #[error("no session id starts with `{0}`")]
    NoSuchSession(String),
    /// Several sessions match the prefix.
    #[error("`{prefix}` matches {} sessions ({})", matches.len(), list(matches))]
    AmbiguousSession {
        /// What was given.
        prefix: String,
        /// Some of the sessions it matches (at most ten).
        matches: Vec<SessionId>,
    },
    /// The ledger has no entry for this session and destination.
    #[error("the export ledger has no entry for session {session} to {destination}")]
    NotInLedger {
        /// The session.
        session: SessionId,
        /// The destination.
        destination: String,
    },
    /// The session was delivered to this destination already; it is not
    /// sent again unless requeued on purpose.
    #[error("session {session} was already delivered to {destination}")]
    AlreadyDelivered {
        /// The session.
        session: SessionId,
        /// The destination.
        destination: String,
    },
    /// Another exporter is delivering to this destination from this database.
    #[error("another erglink is exporting to {destination} from this database")]
    DestinationBusy {
        /// The destination.
        destination: String,
    },
    /// A batch or request named a session this writer did not begin, or one it already ended.
    #[error("session {0} is not being recorded by this writer")]
    NotRecording(SessionId),
    /// The writer thread stopped (its error is given); nothing more can be written through it.
    #[error("the store's writer has stopped: {0}")]
    WriterStopped(String),
    /// A stored value is outside what this build knows (a code, JSON, a count).
    #[error("{table}.{column} holds {value}, which this erglink cannot read")]
    InvalidValue {
        /// Table.
        table: &'static str,
        /// Column.
        column: &'static str,
        /// The value as text.
        value: String,
    },
    /// Creating the database's folder or lock file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Any other SQLite error (a full disk, a lock held past the busy timeout…).
    #[error("SQLite: {0}")]
    Sqlite(#[source] rusqlite::Error),
}

fn list(ids: &[SessionId]) -> String {
    ids.iter()
        .map(SessionId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Corrupt(e),
            _ => Self::Sqlite(e),
        }
    }
}

impl Error {
    /// `true` if another connection held a lock for longer than the busy timeout.
    pub fn is_busy(&self) -> bool {
        matches!(self, Self::Sqlite(e) if matches!(
            e.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        ))
    }

    pub(crate) fn invalid(table: &'static str, column: &'static str, value: impl ToString) -> Self {
        Self::InvalidValue {
            table,
            column,
            value: value.to_string(),
        }
    }
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
