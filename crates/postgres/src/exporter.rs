//! The exporter: settings, planning against the store's export ledger,
//! and a run that ships each session in its own transaction.
//!
//! The ledger (destination key `postgres://HOST:PORT/DBNAME`) marks each
//! attempt before the transaction starts and its outcome after the commit.
//! Between the two, a crash leaves the entry pending and in flight; the
//! next run sends the session again, and the database itself settles it:
//! a session whose row is there was committed whole, so it is recorded as
//! delivered and nothing is written twice.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use erglink_model::{ExportState, Session, SessionId, SessionState, UtcNanos};
use erglink_normalize::Options;
use erglink_store::{Attempt, Ledger, Store};
use rustls::ClientConfig;
use tokio::runtime::Runtime;
use tokio_postgres::Client;

use crate::write::{Written, write_session};
use crate::{Error, Password, PgUrl, Result, feed, schema};

/// Everything an export to PostgreSQL needs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to.
    pub url: PgUrl,
    /// The password, if the server asks for one.
    pub password: Option<Password>,
    /// The CA certificates (PEM) for `verify-full`; else the webpki roots.
    pub ca_file: Option<PathBuf>,
    /// This recorder host's name in `erglink.hosts`.
    pub host_name: String,
    /// How the Terra activity is normalised (stroke resolution by default).
    pub normalize: Options,
    /// Replace sessions the database has, in one transaction each.
    pub resend: bool,
    /// Connecting gives up after this long.
    pub connect_timeout: Duration,
    /// Sessions in flight at once in a run, each on its own connection
    /// (default 2: the server stores one while the next is read).
    pub concurrency: usize,
}

impl Config {
    /// Defaults around the URL.
    pub fn new(url: PgUrl, host_name: impl Into<String>) -> Self {
        Self {
            url,
            password: None,
            ca_file: None,
            host_name: host_name.into(),
            normalize: Options::default(),
            resend: false,
            connect_timeout: Duration::from_secs(10),
            concurrency: 2,
        }
    }
}

/// Why a selected session is not shipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The ledger says it is in this database.
    AlreadyDelivered,
    /// The database refused it before; `--resend` tries again.
    FailedBefore(Option<String>),
    /// Still being recorded.
    StillRecording,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AlreadyDelivered => f.write_str("in the database already"),
            Self::FailedBefore(e) => write!(
                f,
                "refused before ({}); --resend tries again",
                e.as_deref().unwrap_or("no error recorded")
            ),
            Self::StillRecording => f.write_str("still being recorded"),
        }
    }
}

/// Sessions left alone, and why.
pub type Skipped = Vec<(SessionId, SkipReason)>;

/// One session shipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shipped {
    /// The session.
    pub session: SessionId,
    /// What the transaction did.
    pub written: Written,
    /// How long it took.
    pub elapsed: Duration,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The ledger's destination key.
    pub destination: String,
    /// Sessions shipped (or found there already), in order.
    pub shipped: Vec<Shipped>,
    /// Sessions left alone, and why.
    pub skipped: Skipped,
    /// Sessions not shipped: the error, and whether the database refused
    /// them for good (else a later run tries again).
    pub failed: Vec<(SessionId, String, bool)>,
}

/// What a run reports as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    /// A session is in.
    Shipped(&'a Shipped),
    /// A session failed.
    Failed(&'a SessionId, &'a Error),
    /// The database is out of reach (or the store busy); `--watch` tries
    /// again after `wait`.
    Waiting {
        /// Why.
        error: &'a Error,
        /// How long.
        wait: Duration,
    },
}

pub(crate) fn now() -> UtcNanos {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    UtcNanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn lock(ledger: &Mutex<Ledger>) -> MutexGuard<'_, Ledger> {
    // A worker that panicked mid-call left no transaction open (SQLite
    // rolled it back), so the ledger is still usable.
    ledger.lock().unwrap_or_else(|p| p.into_inner())
}

fn new_dedup_id(session: &SessionId) -> String {
    format!("{session}-{}", now().0)
}

struct Connected {
    client: Client,
    host_id: i64,
}

/// Ships sessions from a store to one PostgreSQL database. Blocking: it
/// runs its own single-threaded runtime for the connection, and reads the
/// store on a thread of its own while the rows go out.
pub struct Exporter {
    config: Config,
    tls: Option<Arc<ClientConfig>>,
    runtime: Runtime,
    connected: Option<Connected>,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("destination", &self.destination())
            .finish_non_exhaustive()
    }
}

impl Exporter {
    /// Checks the settings (the CA file is read here); connects later.
    pub fn new(config: Config) -> Result<Self> {
        let tls =
            crate::tls::client_config(config.url.sslmode, config.ca_file.as_deref())?.map(Arc::new);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        Ok(Self {
            config,
            tls,
            runtime,
            connected: None,
        })
    }

    /// The ledger's destination key.
    pub fn destination(&self) -> String {
        self.config.url.destination_key()
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Connects (if not connected), migrates the schema and registers the
    /// host. A newer schema is refused here, before anything is written.
    pub fn connect(&mut self) -> Result<()> {
        if self
            .connected
            .as_ref()
            .is_some_and(|c| !c.client.is_closed())
        {
            return Ok(());
        }
        self.connected = None;
        let c = &self.config;
        let tls = self.tls.as_deref();
        let connected = self.runtime.block_on(async {
            let mut client =
                crate::connect::connect(&c.url, c.password.as_ref(), tls, c.connect_timeout)
                    .await?;
            schema::migrate(&mut client).await?;
            let host_id: i64 = client
                .query_one(
                    "INSERT INTO erglink.hosts (name) VALUES ($1)
                     ON CONFLICT (name) DO UPDATE SET last_seen = now()
                     RETURNING id",
                    &[&c.host_name],
                )
                .await?
                .get(0);
            Ok::<_, Error>(Connected { client, host_id })
        })?;
        self.connected = Some(connected);
        Ok(())
    }

    /// Drops the connection (after an error, so the next call reconnects).
    pub fn disconnect(&mut self) {
        self.connected = None;
    }

    /// Which of `sessions` to ship, and why the others are left.
    pub fn plan(&self, ledger: &Ledger, sessions: &[Session]) -> Result<(Vec<Session>, Skipped)> {
        let dest = self.destination();
        let mut todo = Vec::new();
        let mut skipped = Vec::new();
        for s in sessions {
            if s.state == SessionState::Recording {
                skipped.push((s.id.clone(), SkipReason::StillRecording));
                continue;
            }
            if !self.config.resend
                && let Some(e) = ledger.entry(&s.id, &dest)?
            {
                match e.state {
                    ExportState::Delivered => {
                        skipped.push((s.id.clone(), SkipReason::AlreadyDelivered));
                        continue;
                    }
                    ExportState::Failed => {
                        skipped.push((s.id.clone(), SkipReason::FailedBefore(e.last_error)));
                        continue;
                    }
                    ExportState::Pending => {}
                }
            }
            todo.push(s.clone());
        }
        Ok((todo, skipped))
    }

    /// Ships one session: connects if need be, then the ledger, the
    /// transaction, and the ledger again. Returns the error of a failed
    /// attempt after recording it; a session the database refuses (not for
    /// want of a connection) is marked failed, and left alone until `resend`.
    pub fn ship(
        &mut self,
        store: &Store,
        ledger: &Mutex<Ledger>,
        session: &Session,
    ) -> Result<Shipped> {
        let started = Instant::now();
        // Before the ledger: a refused login or a server out of reach is not
        // an attempt at this session, and must not mark it refused.
        self.connect()?;
        let dest = self.destination();
        let id = &session.id;
        let mut l = lock(ledger);
        let entry = if self.config.resend {
            l.requeue(id, &dest, &new_dedup_id(id), now())?
        } else {
            l.enqueue(id, &dest, &new_dedup_id(id), now())?
        };
        l.begin_attempt(
            std::slice::from_ref(id),
            &dest,
            &entry.dedup_id,
            now().0 / 1_000_000,
            now(),
        )?;
        drop(l);
        let result = self.write(store, session);
        let attempt = match &result {
            Ok(_) => Attempt::Delivered,
            Err(e) => Attempt::Failed {
                error: e.to_string(),
                give_up: matches!(e, Error::Postgres(_)) && !e.is_transient(),
            },
        };
        lock(ledger).record_attempts(std::slice::from_ref(id), &dest, &attempt, None, now())?;
        if result.as_ref().is_err_and(Error::is_transient) {
            self.disconnect();
        }
        let written = result?;
        Ok(Shipped {
            session: id.clone(),
            written,
            elapsed: started.elapsed(),
        })
    }

    fn write(&mut self, store: &Store, session: &Session) -> Result<Written> {
        self.connect()?;
        let replace = self.config.resend;
        let options = self.config.normalize;
        let runtime = &self.runtime;
        let Some(connected) = self.connected.as_mut() else {
            return Err(Error::Export(erglink_export::Error::Delivery(
                "not connected".into(),
            )));
        };
        let reader = store.reader()?;
        let (tx, rx) = tokio::sync::mpsc::channel(feed::DEPTH);
        std::thread::scope(|scope| {
            scope.spawn(move || feed::produce(&reader, session, &options, &tx));
            runtime.block_on(write_session(
                &mut connected.client,
                connected.host_id,
                session,
                replace,
                rx,
            ))
        })
    }

    /// Ships `sessions` from `store` (oldest first is the caller's order),
    /// holding the ledger's lock on this destination, up to `concurrency`
    /// at once. Stops taking new sessions at the first error that
    /// reconnecting could cure (the rest stay for the next run).
    pub fn run(
        &mut self,
        store: &Store,
        sessions: &[Session],
        on_event: &(dyn Fn(&Event<'_>) + Sync),
    ) -> Result<Report> {
        let ledger = store.ledger()?;
        let _lock = ledger.lock_destination(&self.destination())?;
        let (todo, skipped) = self.plan(&ledger, sessions)?;
        let mut report = Report {
            destination: self.destination(),
            skipped,
            ..Report::default()
        };
        if todo.is_empty() {
            return Ok(report);
        }
        // Here, once: a refused login or a newer schema stops the run whole.
        self.connect()?;
        let workers = self.config.concurrency.clamp(1, todo.len());
        let mut others = (1..workers)
            .map(|_| Exporter::new(self.config.clone()))
            .collect::<Result<Vec<_>>>()?;
        let ledger = Mutex::new(ledger);
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        type Outcome = std::result::Result<Shipped, (String, bool)>;
        let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; todo.len()]);
        let first_transient: Mutex<Option<String>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for exporter in std::iter::once(&mut *self).chain(others.iter_mut()) {
                let (ledger, next, stop, results, todo) = (&ledger, &next, &stop, &results, &todo);
                let first_transient = &first_transient;
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(s) = todo.get(i) else {
                            break;
                        };
                        let outcome = match exporter.ship(store, ledger, s) {
                            Ok(shipped) => {
                                on_event(&Event::Shipped(&shipped));
                                Ok(shipped)
                            }
                            Err(e) => {
                                on_event(&Event::Failed(&s.id, &e));
                                let transient = e.is_transient();
                                if transient {
                                    stop.store(true, Ordering::Relaxed);
                                    first_transient
                                        .lock()
                                        .unwrap_or_else(|p| p.into_inner())
                                        .get_or_insert_with(|| e.to_string());
                                }
                                Err((e.to_string(), !transient))
                            }
                        };
                        results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(outcome);
                    }
                });
            }
        });
        let why = first_transient
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .unwrap_or_default();
        let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
        for (s, outcome) in todo.iter().zip(results) {
            match outcome {
                Some(Ok(shipped)) => report.shipped.push(shipped),
                Some(Err((e, refused))) => report.failed.push((s.id.clone(), e, refused)),
                None => report
                    .failed
                    .push((s.id.clone(), format!("not sent: {why}"), false)),
            }
        }
        Ok(report)
    }
}
