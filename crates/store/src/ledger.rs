//! The export ledger: which session went to which destination, how many
//! attempts it took, and the id that lets a receiver drop repeats.
//!
//! It is written by the exporters, often in another process while a
//! recording runs, so every change is one short IMMEDIATE transaction on
//! the ledger's own connection; the busy timeout covers the writer's commits.

use std::path::Path;

use erglink_model::{ExportState, SessionId, UtcNanos};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

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
    /// the entry is created.
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

/// The ledger, on its own connection.
pub struct Ledger {
    conn: Connection,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").finish_non_exhaustive()
    }
}

const COLUMNS: &str = "s.id, l.destination, l.dedup_id, l.state, l.attempts, l.last_error,
    l.created_ns, l.updated_ns, l.delivered_ns
    FROM export_ledger l JOIN sessions s ON s.key = l.session";

fn entry(row: &Row<'_>) -> Result<LedgerEntry> {
    let id: String = row.get(0)?;
    let state: u8 = row.get(3)?;
    Ok(LedgerEntry {
        session: SessionId::parse(&id).map_err(|_| Error::invalid("sessions", "id", &id))?,
        destination: row.get(1)?,
        dedup_id: row.get(2)?,
        state: ExportState::from_code(state)
            .ok_or_else(|| Error::invalid("export_ledger", "state", state))?,
        attempts: row.get(4)?,
        last_error: row.get(5)?,
        created_at: UtcNanos(row.get(6)?),
        updated_at: UtcNanos(row.get(7)?),
        delivered_at: row.get::<_, Option<i64>>(8)?.map(UtcNanos),
    })
}

impl Ledger {
    pub(crate) fn new(path: &Path) -> Result<Self> {
        Ok(Self {
            conn: open::connect(path, Role::Ledger)?,
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let key: i64 = tx
            .query_row(
                "SELECT key FROM sessions WHERE id = ?1",
                [session.as_str()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::NoSuchSession(session.to_string()))?;
        tx.execute(
            "INSERT INTO export_ledger (session, destination, dedup_id, state, attempts,
                 created_ns, updated_ns)
             VALUES (?1, ?2, ?3, 0, 0, ?4, ?4) ON CONFLICT (session, destination) DO NOTHING",
            params![key, destination, dedup_id, at.0],
        )?;
        tx.commit()?;
        self.entry(session, destination)?
            .ok_or_else(|| Error::NoSuchSession(session.to_string()))
    }

    /// Records an attempt's outcome.
    pub fn record_attempt(
        &mut self,
        session: &SessionId,
        destination: &str,
        outcome: &Attempt,
        at: UtcNanos,
    ) -> Result<LedgerEntry> {
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE export_ledger SET state = ?3, attempts = attempts + 1, last_error = ?4,
                 updated_ns = ?5, delivered_ns = ?6
             WHERE session = (SELECT key FROM sessions WHERE id = ?1) AND destination = ?2",
            params![
                session.as_str(),
                destination,
                state.code(),
                error,
                at.0,
                delivered
            ],
        )?;
        tx.commit()?;
        if n == 0 {
            return Err(Error::NotInLedger {
                session: session.clone(),
                destination: destination.to_string(),
            });
        }
        self.entry(session, destination)?
            .ok_or_else(|| Error::NotInLedger {
                session: session.clone(),
                destination: destination.to_string(),
            })
    }
}
