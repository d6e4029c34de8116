//! The export ledger: which session went to which destination, how many
//! attempts it took, and the ids that let a receiver drop repeats.
//!
//! It is written by the exporters, often in another process while a
//! recording runs, so every change is one short IMMEDIATE transaction on
//! the ledger's own connection; the busy timeout covers the writer's commits.
//!
//! A delivery goes: [`Ledger::enqueue`] (pending, with a dedup id fixed for
//! good), [`Ledger::begin_attempt`] committed *before* the request leaves
//! (the trace id and ordering timestamp it carries, and an in-flight mark),
//! then [`Ledger::record_attempts`] with the outcome. A crash between the
//! receiver's 2xx and that last commit leaves the entry pending and marked
//! in flight, so the next run sends it again with the same trace id, which
//! the receiver drops as a repeat: at least once, never silently lost.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use erglink_model::{ExportState, SessionId, UtcNanos};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use crate::error::{Error, Result};
use crate::open::{self, Role};

/// One session's export to one destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The session.
    pub session: SessionId,
    /// Where it goes (a webhook URL, a sink name).
    pub destination: String,
    /// Sent with every attempt so the receiver can drop repeats; fixed when
    /// the entry is created (a deliberate resend gets a new one).
    pub dedup_id: String,
    /// Pending, delivered or failed.
    pub state: ExportState,
    /// Attempts so far.
    pub attempts: u32,
    /// The last attempt's error, if it failed.
    pub last_error: Option<String>,
    /// When the entry was created.
    pub created_at: UtcNanos,
    /// When it last changed.
    pub updated_at: UtcNanos,
    /// When the destination accepted it.
    pub delivered_at: Option<UtcNanos>,
    /// The delivery (one request, possibly carrying several sessions) it
    /// last went out in; kept across retries and restarts.
    pub trace_id: Option<String>,
    /// That delivery's ordering timestamp, unix milliseconds.
    pub ordering_ms: Option<i64>,
    /// Set while an attempt is in flight. Still set when no attempt runs
    /// means erglink stopped mid-attempt: the outcome is unknown.
    pub sending_since: Option<UtcNanos>,
    /// The HTTP status of the last attempt's response, if it got one.
    pub last_status: Option<u16>,
}

/// A delivery that ended (delivered, or given up), as kept in the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The session.
    pub session: SessionId,
    /// The destination.
    pub destination: String,
    /// The dedup id it was sent with.
    pub dedup_id: String,
    /// The trace id of the request that carried it.
    pub trace_id: Option<String>,
    /// Delivered or failed.
    pub state: ExportState,
    /// Attempts it took.
    pub attempts: u32,
    /// The last response's HTTP status.
    pub last_status: Option<u16>,
    /// The last error, if it failed.
    pub last_error: Option<String>,
    /// When it ended.
    pub at: UtcNanos,
}

/// The outcome of one delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The destination accepted it.
    Delivered,
    /// It failed; `give_up` ends the retries (state `failed`).
    Failed {
        /// Why, for `last_error`.
        error: String,
        /// No more attempts.
        give_up: bool,
    },
}

/// What `last_error` says of an attempt that a crash cut short.
pub const INTERRUPTED: &str =
    "an earlier attempt was cut short (erglink stopped); its outcome is unknown";

/// The ledger, on its own connection.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").finish_non_exhaustive()
    }
}

/// Held while one exporter delivers to a destination; see [`Ledger::lock_destination`].
#[derive(Debug)]
pub struct DestinationLock {
    _file: File,
}

const COLUMNS: &str = "s.id, l.destination, l.dedup_id, l.state, l.attempts, l.last_error,
    l.created_ns, l.updated_ns, l.delivered_ns, l.trace_id, l.ordering_ms, l.sending_ns,
    l.last_status
    FROM export_ledger l JOIN sessions s ON s.key = l.session";

fn session_id(id: &str) -> Result<SessionId> {
    SessionId::parse(id).map_err(|_| Error::invalid("sessions", "id", id))
}

fn state(code: u8, table: &'static str) -> Result<ExportState> {
    ExportState::from_code(code).ok_or_else(|| Error::invalid(table, "state", code))
}

fn entry(row: &Row<'_>) -> Result<LedgerEntry> {
    Ok(LedgerEntry {
        session: session_id(&row.get::<_, String>(0)?)?,
        destination: row.get(1)?,
        dedup_id: row.get(2)?,
        state: state(row.get(3)?, "export_ledger")?,
        attempts: row.get(4)?,
        last_error: row.get(5)?,
        created_at: UtcNanos(row.get(6)?),
        updated_at: UtcNanos(row.get(7)?),
        delivered_at: row.get::<_, Option<i64>>(8)?.map(UtcNanos),
        trace_id: row.get(9)?,
        ordering_ms: row.get(10)?,
        sending_since: row.get::<_, Option<i64>>(11)?.map(UtcNanos),
        last_status: row.get(12)?,
    })
}

fn session_key(tx: &Transaction<'_>, session: &SessionId) -> Result<i64> {
    tx.query_row(
        "SELECT key FROM sessions WHERE id = ?1",
        [session.as_str()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| Error::NoSuchSession(session.to_string()))
}

/// The (key, state, in flight) of an entry, or `NotInLedger`.
fn row_of(tx: &Transaction<'_>, session: &SessionId, destination: &str) -> Result<(i64, u8, bool)> {
    tx.query_row(
        "SELECT l.session, l.state, l.sending_ns IS NOT NULL FROM export_ledger l
         JOIN sessions s ON s.key = l.session WHERE s.id = ?1 AND l.destination = ?2",
        params![session.as_str(), destination],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()?
    .ok_or_else(|| Error::NotInLedger {
        session: session.clone(),
        destination: destination.to_string(),
    })
}

/// FNV-1a: a stable name for a destination's lock file (a collision only
/// makes two destinations share a lock).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Ledger {
    pub(crate) fn new(path: &Path) -> Result<Self> {
        Ok(Self {
            conn: open::connect(path, Role::Ledger)?,
            path: path.to_path_buf(),
        })
    }

    fn query(&self, filter: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<LedgerEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} WHERE {filter}"))?;
        let mut rows = stmt.query(args)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(entry(row)?);
        }
        Ok(out)
    }

    fn immediate(&mut self) -> Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    fn entries_of(&self, sessions: &[SessionId], destination: &str) -> Result<Vec<LedgerEntry>> {
        sessions
            .iter()
            .map(|s| {
                self.entry(s, destination)?
                    .ok_or_else(|| Error::NotInLedger {
                        session: s.clone(),
                        destination: destination.to_string(),
                    })
            })
            .collect()
    }

    /// The entry for a session and destination, if any.
    pub fn entry(&self, session: &SessionId, destination: &str) -> Result<Option<LedgerEntry>> {
        Ok(self
            .query(
                "s.id = ?1 AND l.destination = ?2",
                params![session.as_str(), destination],
            )?
            .pop())
    }

    /// Every entry of a session.
    pub fn entries(&self, session: &SessionId) -> Result<Vec<LedgerEntry>> {
        self.query(
            "s.id = ?1 ORDER BY l.destination",
            params![session.as_str()],
        )
    }

    /// Entries still to deliver to a destination, oldest first.
    pub fn pending(&self, destination: &str) -> Result<Vec<LedgerEntry>> {
        self.query(
            "l.destination = ?1 AND l.state = 0 ORDER BY l.created_ns, s.id",
            params![destination],
        )
    }

    /// Adds a pending entry, or returns the one that exists (with its
    /// original dedup id: a session is exported once per destination).
    pub fn enqueue(
        &mut self,
        session: &SessionId,
        destination: &str,
        dedup_id: &str,
        at: UtcNanos,
    ) -> Result<LedgerEntry> {
        let mut id = Some(dedup_id.to_string());
        let mut one = || id.take().unwrap_or_default();
        Ok(self
            .enqueue_many(std::slice::from_ref(session), destination, &mut one, at)?
            .remove(0))
    }

    /// [`Ledger::enqueue`] for many sessions in one transaction (one sync
    /// to disk, not one per session); `dedup_id` is called for each entry
    /// that does not exist yet. Returns the entries in the order given.
    pub fn enqueue_many(
        &mut self,
        sessions: &[SessionId],
        destination: &str,
        dedup_id: &mut dyn FnMut() -> String,
        at: UtcNanos,
    ) -> Result<Vec<LedgerEntry>> {
        let tx = self.immediate()?;
        for session in sessions {
            let key = session_key(&tx, session)?;
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM export_ledger WHERE session = ?1 AND destination = ?2)",
                params![key, destination],
                |r| r.get(0),
            )?;
            if !exists {
                tx.execute(
                    "INSERT INTO export_ledger (session, destination, dedup_id, state, attempts,
                         created_ns, updated_ns)
                     VALUES (?1, ?2, ?3, 0, 0, ?4, ?4)",
                    params![key, destination, dedup_id(), at.0],
                )?;
            }
        }
        tx.commit()?;
        self.entries_of(sessions, destination)
    }

    /// Marks `sessions` as going out now in one request with `trace_id` and
    /// `ordering_ms`, committed before anything is sent. Refuses
    /// ([`Error::AlreadyDelivered`]) if any of them was delivered, so a
    /// session with a recorded 2xx is never sent again. An entry still
    /// marked in flight from a run that stopped mid-attempt gets that
    /// attempt counted, with [`INTERRUPTED`] as its error.
    pub fn begin_attempt(
        &mut self,
        sessions: &[SessionId],
        destination: &str,
        trace_id: &str,
        ordering_ms: i64,
        at: UtcNanos,
    ) -> Result<Vec<LedgerEntry>> {
        let tx = self.immediate()?;
        for session in sessions {
            let (key, code, in_flight) = row_of(&tx, session, destination)?;
            if code == ExportState::Delivered.code() {
                return Err(Error::AlreadyDelivered {
                    session: session.clone(),
                    destination: destination.to_string(),
                });
            }
            if in_flight {
                tx.execute(
                    "UPDATE export_ledger SET attempts = attempts + 1, last_error = ?3,
                         last_status = NULL
                     WHERE session = ?1 AND destination = ?2",
                    params![key, destination, INTERRUPTED],
                )?;
            }
            tx.execute(
                "UPDATE export_ledger SET trace_id = ?3, ordering_ms = ?4, sending_ns = ?5,
                     updated_ns = ?5
                 WHERE session = ?1 AND destination = ?2",
                params![key, destination, trace_id, ordering_ms, at.0],
            )?;
        }
        tx.commit()?;
        self.entries_of(sessions, destination)
    }

    /// Records an attempt's outcome.
    pub fn record_attempt(
        &mut self,
        session: &SessionId,
        destination: &str,
        outcome: &Attempt,
        at: UtcNanos,
    ) -> Result<LedgerEntry> {
        Ok(self
            .record_attempts(
                std::slice::from_ref(session),
                destination,
                outcome,
                None,
                at,
            )?
            .remove(0))
    }

    /// Records the outcome of one attempt that carried `sessions` (one
    /// request), with the response's HTTP `status` if there was one, in
    /// one transaction. A delivery that ends (delivered, or given up) is
    /// also added to the history.
    pub fn record_attempts(
        &mut self,
        sessions: &[SessionId],
        destination: &str,
        outcome: &Attempt,
        status: Option<u16>,
        at: UtcNanos,
    ) -> Result<Vec<LedgerEntry>> {
        let (state, error, delivered) = match outcome {
            Attempt::Delivered => (ExportState::Delivered, None, Some(at.0)),
            Attempt::Failed { error, give_up } => (
                if *give_up {
                    ExportState::Failed
                } else {
                    ExportState::Pending
                },
                Some(error.as_str()),
                None,
            ),
        };
        let tx = self.immediate()?;
        for session in sessions {
            let (key, _, _) = row_of(&tx, session, destination)?;
            tx.execute(
                "UPDATE export_ledger SET state = ?3, attempts = attempts + 1, last_error = ?4,
                     updated_ns = ?5, delivered_ns = ?6, sending_ns = NULL, last_status = ?7
                 WHERE session = ?1 AND destination = ?2",
                params![
                    key,
                    destination,
                    state.code(),
                    error,
                    at.0,
                    delivered,
                    status
                ],
            )?;
            if state != ExportState::Pending {
                tx.execute(
                    "INSERT INTO export_history (session, destination, dedup_id, trace_id, state,
                         attempts, last_status, last_error, at_ns)
                     SELECT session, destination, dedup_id, trace_id, state, attempts,
                         last_status, last_error, ?3
                     FROM export_ledger WHERE session = ?1 AND destination = ?2",
                    params![key, destination, at.0],
                )?;
            }
        }
        tx.commit()?;
        self.entries_of(sessions, destination)
    }

    /// Makes a session due again at a destination whatever its state, with
    /// a new dedup id (a deliberate resend is a new delivery, which a
    /// receiver must not drop as a repeat). Earlier deliveries stay in the
    /// history. Creates the entry if there is none.
    pub fn requeue(
        &mut self,
        session: &SessionId,
        destination: &str,
        dedup_id: &str,
        at: UtcNanos,
    ) -> Result<LedgerEntry> {
        let tx = self.immediate()?;
        let key = session_key(&tx, session)?;
        tx.execute(
            "INSERT INTO export_ledger (session, destination, dedup_id, state, attempts,
                 created_ns, updated_ns)
             VALUES (?1, ?2, ?3, 0, 0, ?4, ?4)
             ON CONFLICT (session, destination) DO UPDATE SET dedup_id = ?3, state = 0,
                 attempts = 0, last_error = NULL, updated_ns = ?4, delivered_ns = NULL,
                 trace_id = NULL, ordering_ms = NULL, sending_ns = NULL, last_status = NULL",
            params![key, destination, dedup_id, at.0],
        )?;
        tx.commit()?;
        self.entry(session, destination)?
            .ok_or_else(|| Error::NoSuchSession(session.to_string()))
    }

    /// Every delivery of a session that ended, oldest first.
    pub fn history(&self, session: &SessionId) -> Result<Vec<HistoryEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.id, h.destination, h.dedup_id, h.trace_id, h.state, h.attempts,
                 h.last_status, h.last_error, h.at_ns
             FROM export_history h JOIN sessions s ON s.key = h.session
             WHERE s.id = ?1 ORDER BY h.at_ns, h.rowid",
        )?;
        let mut rows = stmt.query([session.as_str()])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(HistoryEntry {
                session: session_id(&r.get::<_, String>(0)?)?,
                destination: r.get(1)?,
                dedup_id: r.get(2)?,
                trace_id: r.get(3)?,
                state: state(r.get(4)?, "export_history")?,
                attempts: r.get(5)?,
                last_status: r.get(6)?,
                last_error: r.get(7)?,
                at: UtcNanos(r.get(8)?),
            });
        }
        Ok(out)
    }

    /// Takes the lock that lets one exporter at a time deliver to
    /// `destination` from this database, so two runs never both send a
    /// session that one of them is about to record as delivered. Held until
    /// dropped; the OS releases it if the process dies. Another holder
    /// gives [`Error::DestinationBusy`].
    pub fn lock_destination(&self, destination: &str) -> Result<DestinationLock> {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!("-export-{:016x}.lock", fnv1a(destination)));
        let path = PathBuf::from(name);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(DestinationLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(Error::DestinationBusy {
                destination: destination.to_string(),
            }),
            Err(TryLockError::Error(source)) => Err(Error::Io { path, source }),
        }
    }
}
