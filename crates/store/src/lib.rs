//! # erglink-store
//!
//! The SQLite store: where the recorder writes sessions and the exporters
//! read them, for years. The only crate of erglink that touches SQLite
//! (rusqlite, with SQLite bundled: no system library).
//!
//! ```no_run
//! use erglink_store::{Batch, Store, WriterOptions, test_utils};
//!
//! let store = Store::open("erglink.db")?;
//! let writer = store.writer(WriterOptions::default())?;
//! let id = writer.begin_session(test_utils::new_session(1))?;
//! writer.send(&id, test_utils::batch(0, 50))?;
//! writer.finish_session(&id, test_utils::session_end(1, 50))?;
//! writer.close()?;
//!
//! let reader = store.reader()?;
//! for sample in reader.samples(&id)? {
//!     let sample = sample?;
//! }
//! # Ok::<(), erglink_store::Error>(())
//! ```
//!
//! ## How it keeps data safe
//! - **Migrations** are keyed on `PRAGMA user_version` and run in one
//!   IMMEDIATE transaction. A database from a newer erglink is refused
//!   ([`Error::NewerDatabase`]) before anything is written to it. A damaged
//!   one is reported ([`Error::Corrupt`]) and never deleted or rewritten.
//! - **One writer thread** ([`Writer`]) takes batches through a bounded
//!   channel and commits at least every 250 ms, in WAL mode, so readers on
//!   their own connections never block it, and another process (an export
//!   while a recording runs) gets in between its short transactions.
//! - **Crash recovery**: sessions a dead writer left `recording` are marked
//!   `interrupted` on the next open, with their data kept. A lock file beside
//!   the database tells a dead writer from a live one.
//! - **Final laps**: once a session ends (or is recovered as interrupted),
//!   its splits and intervals get what the PM did not give the recorder:
//!   calories from the samples, ends within the session, the last split of
//!   a completed piece made to add up to it, and averages by one rule
//!   (`laps.rs`). A transaction of its own, after the session's end.
//! - **Streamed reads** ([`Reader`]): iterators fetch pages of rows, so a two
//!   hour session is never loaded whole.

#![forbid(unsafe_code)]

mod error;
mod finalise;
mod laps;
mod ledger;
mod open;
mod read;
pub mod schema;
mod summaries;
pub mod test_utils;
mod write_sql;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use erglink_model::{SessionId, UtcNanos};

pub use error::{Error, Result};
pub use ledger::{Attempt, DestinationLock, HistoryEntry, INTERRUPTED, Ledger, LedgerEntry};
pub use read::{Reader, Rows};
pub use summaries::SummaryCache;
pub use writer::{Batch, Commit, Writer, WriterOptions, WriterStats};

/// A database file, opened, checked and migrated. Cheap to clone; each
/// [`Reader`], [`Writer`] and [`Ledger`] gets its own connection.
#[derive(Clone, Debug)]
pub struct Store {
    path: PathBuf,
    recovered: usize,
}

impl Store {
    /// Opens the database at `path`, creating it (and its folder) if needed,
    /// and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let recovered = open::open(&path, true)?;
        Ok(Self { path, recovered })
    }

    /// Like [`Store::open`], but fails with [`Error::NotFound`] instead of
    /// creating a database (for commands that only read).
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let recovered = open::open(&path, false)?;
        Ok(Self { path, recovered })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many sessions opening found left `recording` by a stopped
    /// recorder and marked `interrupted`.
    pub fn recovered(&self) -> usize {
        self.recovered
    }

    /// A reader on its own connection.
    pub fn reader(&self) -> Result<Reader> {
        Reader::new(&self.path)
    }

    /// Starts the writer thread. Several writers (several processes) may
    /// run at once, each recording its own sessions.
    pub fn writer(&self, options: WriterOptions) -> Result<Writer> {
        Writer::start(&self.path, options)
    }

    /// The cache of activities without samples (schema v5), on its own connection.
    pub fn summary_cache(&self) -> Result<SummaryCache> {
        SummaryCache::new(&self.path)
    }

    /// The export ledger, on its own connection.
    pub fn ledger(&self) -> Result<Ledger> {
        Ledger::new(&self.path)
    }

    /// `PRAGMA integrity_check`: empty when the database is sound, else
    /// SQLite's findings.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let conn = open::connect(&self.path, open::Role::Reader)?;
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let lines = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Error::from);
        match lines {
            Ok(lines) if lines == ["ok"] => Ok(Vec::new()),
            Ok(lines) => Ok(lines),
            // Damage bad enough to stop the check is itself the finding.
            Err(Error::Corrupt(e)) => Ok(vec![e.to_string()]),
            Err(e) => Err(e),
        }
    }
}

/// A new session id for a session starting at `started_at`: its timestamp,
/// then 80 random bits. Within one process, ids of the same millisecond
/// increase, so they still sort in creation order.
pub fn new_session_id(started_at: UtcNanos) -> SessionId {
    static LAST: Mutex<(u64, u128)> = Mutex::new((0, 0));
    let ms = u64::try_from(started_at.unix_ms()).unwrap_or(0);
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    let random = if ms == last.0 {
        last.1.wrapping_add(1)
    } else {
        random80()
    };
    *last = (ms, random);
    SessionId::from_parts(ms, random)
}

fn random80() -> u128 {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: fall back to std's per-process hash keys, which
        // are seeded from it when available; uniqueness is all that is needed.
        use std::hash::{BuildHasher, RandomState};
        let a = RandomState::new().hash_one(std::process::id());
        let b = RandomState::new().hash_one(std::time::SystemTime::now());
        bytes[..8].copy_from_slice(&a.to_le_bytes());
        bytes[8..].copy_from_slice(&b.to_le_bytes());
    }
    // Leave room to count up within a millisecond without wrapping.
    u128::from_le_bytes(bytes) & ((1 << 79) - 1)
}
