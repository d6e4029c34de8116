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
        let dest = self.destination();
        let mut lock: Option<DestinationLock> = None;
        let mut wait = options.backoff;
        while !stop.load(Ordering::Relaxed) {
            let store = match Store::open_existing(db) {
                Ok(s) => s,
                Err(erglink_store::Error::NotFound(_)) => {
                    nap(options.interval, stop);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let ledger = store.ledger()?;
            if lock.is_none() {
                lock = Some(ledger.lock_destination(&dest)?);
            }
            let mut sessions = store.reader()?.sessions()?;
            sessions.reverse(); // oldest first
            let (todo, _) = self.plan(&ledger, &sessions)?;
            let ledger = std::sync::Mutex::new(ledger);
            let mut trouble: Option<Error> = None;
            if !todo.is_empty() {
                match self.connect() {
                    Err(e) if e.is_transient() => trouble = Some(e),
                    Err(e) => return Err(e),
                    Ok(()) => {
                        for s in &todo {
                            if stop.load(Ordering::Relaxed) {
                                break;
                            }
                            match self.ship(&store, &ledger, s) {
                                Ok(shipped) => on_event(&Event::Shipped(&shipped)),
                                Err(e) if e.is_transient() => {
                                    trouble = Some(e);
                                    break;
                                }
                                Err(e) => on_event(&Event::Failed(&s.id, &e)),
                            }
                        }
                    }
                }
            }
            match trouble {
                Some(error) => {
                    self.disconnect();
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
}
