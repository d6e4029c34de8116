//! `--watch`: keep running, and ship each session once it is complete or
//! interrupted. The store is opened afresh each round, which is also what
//! marks as interrupted a session whose recorder died. When the database
//! goes away, the round stops, waits (doubling up to a cap) and tries
//! again; the ledger and the per-session transactions make the retry lose
//! and duplicate nothing.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use erglink_store::{DestinationLock, Store};

use crate::{Error, Event, Exporter, Result};

/// How `--watch` paces itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchOptions {
    /// Between rounds when all is well (default 10 s).
    pub interval: Duration,
    /// The first wait after the database went away, doubling.
    pub backoff: Duration,
    /// The longest wait.
    pub backoff_cap: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            backoff: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(60),
        }
    }
}

fn nap(d: Duration, stop: &AtomicBool) {
    let end = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
}

impl Exporter {
    /// Runs until `stop` is set: each round ships what is due from the
    /// store at `db` (waiting for it to exist). Returns an error only for
    /// what waiting cannot cure: a refused login, a newer schema, a
    /// damaged store, another exporter holding this destination.
    pub fn watch(
        &mut self,
        db: &Path,
        options: &WatchOptions,
        stop: &AtomicBool,
        on_event: &(dyn Fn(&Event<'_>) + Sync),
    ) -> Result<()> {
        let mut lock: Option<DestinationLock> = None;
        let mut wait = options.backoff;
        while !stop.load(Ordering::Relaxed) {
            let trouble = match self.round(db, &mut lock, stop, on_event) {
                Ok(Round::NoStore) => {
                    nap(options.interval, stop);
                    continue;
                }
                Ok(Round::Done) => None,
                Ok(Round::OutOfReach(e)) => Some(e),
                // The recorder's commit in the way: wait as for the database.
                Err(Error::Store(e)) if e.is_busy() => Some(Error::Store(e)),
                Err(e) => return Err(e),
            };
            match trouble {
                Some(error) => {
                    if !matches!(error, Error::Store(_)) {
                        self.disconnect();
                    }
                    on_event(&Event::Waiting {
                        error: &error,
                        wait,
                    });
                    nap(wait, stop);
                    wait = (wait * 2).min(options.backoff_cap);
                }
                None => {
                    wait = options.backoff;
                    nap(options.interval, stop);
                }
            }
        }
        Ok(())
    }

    /// One round: what is due in the store, shipped until the database
    /// goes out of reach.
    fn round(
        &mut self,
        db: &Path,
        lock: &mut Option<DestinationLock>,
        stop: &AtomicBool,
        on_event: &(dyn Fn(&Event<'_>) + Sync),
    ) -> Result<Round> {
        let store = match Store::open_existing(db) {
            Ok(s) => s,
            Err(erglink_store::Error::NotFound(_)) => return Ok(Round::NoStore),
            Err(e) => return Err(e.into()),
        };
        let ledger = store.ledger()?;
        if lock.is_none() {
            *lock = Some(ledger.lock_destination(&self.destination())?);
        }
        let mut sessions = store.reader()?.sessions()?;
        sessions.reverse(); // oldest first
        let (todo, _) = self.plan(&ledger, &sessions)?;
        if todo.is_empty() {
            return Ok(Round::Done);
        }
        match self.connect() {
            Err(e) if e.is_transient() => return Ok(Round::OutOfReach(e)),
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        let ledger = std::sync::Mutex::new(ledger);
        for s in &todo {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            match self.ship(&store, &ledger, s) {
                Ok(shipped) => on_event(&Event::Shipped(&shipped)),
                Err(e) if e.is_transient() => return Ok(Round::OutOfReach(e)),
                Err(e) => on_event(&Event::Failed(&s.id, &e)),
            }
        }
        Ok(Round::Done)
    }
}

/// How a round of `--watch` ended.
enum Round {
    /// No store yet.
    NoStore,
    /// Everything due was shipped (or refused).
    Done,
    /// The database went out of reach.
    OutOfReach(Error),
}
