//! Opening a database: checks before any write, migrations in one IMMEDIATE
//! transaction, WAL, and recovery of sessions a dead writer left behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};
use crate::schema::{APPLICATION_ID, FRESH, MIGRATIONS, VERSION};

/// How long a statement waits for another connection's lock. The writer's
/// transactions last milliseconds, so this is only reached when something
/// holds a lock abnormally long.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// What a connection is for; each gets its own pragmas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Opening, migrating, recovering: may create the file.
    Setup,
    /// The one writer thread.
    Writer,
    /// Readers: `query_only`, so a reader cannot write by mistake.
    Reader,
    /// Short write transactions from other processes (the export ledger).
    Ledger,
}

pub(crate) fn connect(path: &Path, role: Role) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if role == Role::Setup {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    match role {
        // FULL syncs the WAL at each commit: a commit that was reported stays
        // committed through a power cut, not only through a crash. At four
        // commits a second the cost is small.
        Role::Writer => {
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.pragma_update(None, "cache_size", -16_384)?;
            // Room for every statement the writer prepares, so none is re-prepared.
            conn.set_prepared_statement_cache_capacity(64);
        }
        Role::Reader => conn.pragma_update(None, "query_only", true)?,
        Role::Setup | Role::Ledger => {}
    }
    Ok(conn)
}

fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Reads only: decides whether this file may be touched at all.
fn check(conn: &Connection) -> Result<i64> {
    // The first read of page 1 is where a file that is not a database fails.
    let version = user_version(conn)?;
    let app: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if app != 0 && app != APPLICATION_ID {
        return Err(Error::NotErglink(format!("application id {app:#010x}")));
    }
    if version > VERSION {
        return Err(Error::NewerDatabase {
            found: version,
            supported: VERSION,
        });
    }
    if version == 0 {
        let objects: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if objects > 0 {
            return Err(Error::NotErglink(format!(
                "it has {objects} tables or indexes but no erglink schema version"
            )));
        }
    }
    Ok(version)
}

/// Brings the schema to [`VERSION`] in one IMMEDIATE transaction: another
/// process opening the same file at the same time waits, then finds the work done.
fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let from = check(&tx)?;
    if from == VERSION {
        return Ok(());
    }
    if from == 0 {
        for sql in FRESH {
            tx.execute_batch(sql)?;
        }
    } else {
        for step in from..VERSION {
            let sql = MIGRATIONS
                .iter()
                .find(|(f, _)| *f == step)
                .map(|(_, sql)| *sql)
                .ok_or_else(|| Error::invalid("pragma", "user_version", step))?;
            tx.execute_batch(sql)?;
        }
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    if from == 0 {
        tracing::info!("created a new erglink database (schema version {VERSION})");
    } else {
        tracing::info!("upgraded the database from schema version {from} to {VERSION}");
    }
    Ok(())
}

/// Switches to WAL and returns the mode now in force. The switch needs the
/// file to itself and SQLite answers "busy" at once rather than through the
/// busy handler, so when another process is opening the same new file at
/// the same moment this waits and tries again, up to [`BUSY_TIMEOUT`].
fn set_wal(conn: &Connection) -> Result<String> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return Ok(other?),
        }
    }
}

/// Opens (creating if `create`), checks and migrates; returns the number of
/// sessions recovered from a dead writer.
pub(crate) fn open(path: &Path, create: bool) -> Result<usize> {
    if !create && !path.exists() {
        return Err(Error::NotFound(path.to_path_buf()));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let mut conn = connect(path, Role::Setup)?;
    // One read transaction, so that check's reads see one snapshot: read
    // one by one, another process's schema creation could commit between
    // them (version 0, then 17 tables) and look like a foreign database.
    let version = {
        let snapshot = conn.transaction()?;
        let version = check(&snapshot)?;
        snapshot.commit()?;
        version
    };
    // Setting WAL writes the header, so it comes after the checks. It is
    // kept in the file, so this is a no-op after the first open.
    let mode = set_wal(&conn)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!("the database is in {mode} mode, not WAL: readers may wait for the writer");
    }
    if version < VERSION {
        migrate(&mut conn)?;
    }
    recover(path, &conn)
}

/// The lock file beside the database. Each live writer holds a shared lock
/// on it; recovery needs the exclusive lock, so it runs only when no writer
/// is alive, and a session another process is recording is never mistaken
/// for a crashed one. The OS drops the locks of a killed process.
pub(crate) fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-lock");
    PathBuf::from(p)
}

pub(crate) fn open_lock_file(db: &Path) -> Result<File> {
    let path = lock_path(db);
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|source| Error::Io { path, source })
}

/// Marks sessions left `recording` as `interrupted`, if no writer is alive.
/// Their data stays; their end becomes the start plus the last committed
/// sample's elapsed time.
pub(crate) fn recover(path: &Path, conn: &Connection) -> Result<usize> {
    let stale: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sessions WHERE state = 0)",
        [],
        |r| r.get(0),
    )?;
    if !stale {
        return Ok(0);
    }
    let lock = match open_lock_file(path) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("cannot check for a live writer, so no recovery: {e}");
            return Ok(0);
        }
    };
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(0),
        Err(TryLockError::Error(e)) => {
            tracing::warn!(
                "cannot lock {}: {e}; no recovery",
                lock_path(path).display()
            );
            return Ok(0);
        }
    }
    let keys = conn
        .prepare("SELECT key FROM sessions WHERE state = 0")?
        .query_map([], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let n = conn.execute(
        "UPDATE sessions SET state = 2,
             ended_ns = coalesce(ended_ns, started_ns + last_elapsed_ns)
         WHERE state = 0",
        [],
    )?;
    drop(lock);
    if n > 0 {
        // Info, not a warning: the state says so wherever sessions are shown.
        tracing::info!("marked {n} session(s) left recording by a stopped recorder as interrupted");
    }
    // Their laps as a finished session's: ends within what was recorded.
    for key in keys {
        crate::finalise::finalise_or_keep(conn, key);
    }
    Ok(n)
}
