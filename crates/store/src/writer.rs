//! The one writer: a thread that owns the write connection, takes batches
//! through a bounded channel, and commits them together.
//!
//! Data waits in memory, not in an open transaction, until the commit is
//! due; the transaction then only inserts, so it holds SQLite's write lock
//! for milliseconds and another process's writes slip in between.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use erglink_model::{
    Adaptation, Exchange, ForceCurve, Gap, NewSession, Sample, SessionCounts, SessionEnd,
    SessionId, Split, Stroke, Telemetry,
};
use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};
use crate::open::{self, Role};
use crate::write_sql as sql;

/// The longest data may wait before it is committed.
pub const MAX_COMMIT_INTERVAL: Duration = Duration::from_millis(250);

/// Data for one session, sent to the writer in one piece. Any part may be empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// Samples, in arrival order; the store numbers them.
    pub samples: Vec<Sample>,
    /// Strokes; a stroke sent again with the same index replaces the first.
    pub strokes: Vec<Stroke>,
    /// Force curves; likewise keyed by stroke index.
    pub force_curves: Vec<ForceCurve>,
    /// Splits and intervals; keyed by kind and index.
    pub splits: Vec<Split>,
    /// Gaps, in order.
    pub gaps: Vec<Gap>,
    /// Raw exchange log entries, in order (empty unless the log is on).
    pub exchanges: Vec<Exchange>,
}

impl Batch {
    /// Rows this batch adds.
    pub fn rows(&self) -> usize {
        self.samples.len()
            + self.strokes.len()
            + self.force_curves.len()
            + self.splits.len()
            + self.gaps.len()
            + self.exchanges.len()
    }
}

/// A completed commit, as reported to [`WriterOptions::on_commit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commit {
    /// 1 for this writer's first commit, then 2, 3…
    pub seq: u64,
    /// Batches committed by this writer so far, this commit's included.
    pub batches: u64,
    /// Rows committed by this writer so far.
    pub rows: u64,
}

/// What a writer did, returned by [`Writer::close`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Commits.
    pub commits: u64,
    /// Batches committed.
    pub batches: u64,
    /// Rows committed.
    pub rows: u64,
    /// Commits that found the database locked past the busy timeout and were retried.
    pub busy_retries: u64,
}

/// Observer called on the writer thread after each commit.
pub type CommitHook = Arc<dyn Fn(&Commit) + Send + Sync>;

/// How the writer batches.
#[derive(Clone)]
pub struct WriterOptions {
    /// Batches the channel holds before [`Writer::send`] blocks: the
    /// back-pressure that bounds memory when the disk is slow.
    pub channel_capacity: usize,
    /// The longest data waits before it is committed; capped at 250 ms.
    pub commit_interval: Duration,
    /// Rows waiting that trigger an earlier commit, bounding memory and
    /// the length of a transaction.
    pub max_pending_rows: usize,
    /// Called after each commit (tests log commits with it).
    pub on_commit: Option<CommitHook>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            channel_capacity: 1024,
            commit_interval: MAX_COMMIT_INTERVAL,
            max_pending_rows: 50_000,
            on_commit: None,
        }
    }
}

impl std::fmt::Debug for WriterOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterOptions")
            .field("channel_capacity", &self.channel_capacity)
            .field("commit_interval", &self.commit_interval)
            .field("max_pending_rows", &self.max_pending_rows)
            .field("on_commit", &self.on_commit.is_some())
            .finish()
    }
}

enum Msg {
    Begin(SessionId, Box<NewSession>, SyncSender<Result<()>>),
    Data(SessionId, Batch),
    Telemetry(SessionId, Telemetry),
    Adapt(SessionId, Adaptation),
    Finish(SessionId, Box<SessionEnd>, SyncSender<Result<()>>),
    Flush(SyncSender<Result<Commit>>),
}

/// The handle to the writer thread. `&self` methods, so one writer can be
/// shared (in an `Arc`) by the tasks recording several monitors.
pub struct Writer {
    tx: Option<SyncSender<Msg>>,
    thread: Option<JoinHandle<Result<WriterStats>>>,
    live: Arc<Mutex<HashSet<SessionId>>>,
    fatal: Arc<Mutex<Option<String>>>,
    // Held for the writer's life: tells other processes a writer is alive.
    _lock: Option<File>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    pub(crate) fn start(path: &Path, options: WriterOptions) -> Result<Self> {
        let setup = open::connect(path, Role::Setup)?;
        // Recovery first, while this writer holds no lock of its own yet.
        open::recover(path, &setup)?;
        drop(setup);
        let lock = match open::open_lock_file(path) {
            Ok(f) => match f.lock_shared() {
                Ok(()) => Some(f),
                Err(e) => {
                    tracing::warn!("cannot lock the writer lock file: {e}");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(
                    "{e}: another process may mistake this writer's sessions for interrupted ones"
                );
                None
            }
        };
        let conn = open::connect(path, Role::Writer)?;
        let (tx, rx) = mpsc::sync_channel(options.channel_capacity.max(1));
        let fatal = Arc::new(Mutex::new(None));
        let thread_fatal = Arc::clone(&fatal);
        let thread = std::thread::Builder::new()
            .name("erglink-store-writer".into())
            .spawn(move || {
                let result = Thread::new(conn, options).run(&rx);
                if let Err(e) = &result {
                    tracing::error!("the store's writer stopped: {e}");
                    let why = match e {
                        Error::WriterStopped(why) => why.clone(),
                        e => e.to_string(),
                    };
                    *thread_fatal.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
                }
                // Only now do senders see the channel closed, and the cause is set.
                drop(rx);
                result
            })
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Self {
            tx: Some(tx),
            thread: Some(thread),
            live: Arc::default(),
            fatal,
            _lock: lock,
        })
    }

    fn stopped(&self) -> Error {
        let why = self.fatal.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Error::WriterStopped(why.unwrap_or_else(|| "it was closed".into()))
    }

    fn post(&self, msg: Msg) -> Result<()> {
        let tx = self.tx.as_ref().ok_or_else(|| self.stopped())?;
        tx.send(msg).map_err(|_| self.stopped())
    }

    fn wait<T>(&self, rx: Receiver<Result<T>>) -> Result<T> {
        rx.recv().map_err(|_| self.stopped())?
    }

    fn check_live(&self, id: &SessionId) -> Result<()> {
        if self
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
        {
            Ok(())
        } else {
            Err(Error::NotRecording(id.clone()))
        }
    }

    /// Creates the session (state `recording`) and commits it at once, so
    /// readers see it; returns its new id.
    pub fn begin_session(&self, session: NewSession) -> Result<SessionId> {
        let id = crate::new_session_id(session.started_at);
        let (reply, rx) = mpsc::sync_channel(1);
        self.post(Msg::Begin(id.clone(), Box::new(session), reply))?;
        self.wait(rx)?;
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.clone());
        Ok(id)
    }

    /// Queues a batch; blocks while the channel is full.
    pub fn send(&self, session: &SessionId, batch: Batch) -> Result<()> {
        self.check_live(session)?;
        self.post(Msg::Data(session.clone(), batch))
    }

    /// Queues a batch if the channel has room; gives it back if not.
    pub fn try_send(&self, session: &SessionId, batch: Batch) -> Result<Option<Batch>> {
        self.check_live(session)?;
        let tx = self.tx.as_ref().ok_or_else(|| self.stopped())?;
        match tx.try_send(Msg::Data(session.clone(), batch)) {
            Ok(()) => Ok(None),
            Err(TrySendError::Full(Msg::Data(_, b))) => Ok(Some(b)),
            Err(_) => Err(self.stopped()),
        }
    }

    /// Replaces the session's telemetry with the next commit.
    pub fn set_telemetry(&self, session: &SessionId, telemetry: Telemetry) -> Result<()> {
        self.check_live(session)?;
        self.post(Msg::Telemetry(session.clone(), telemetry))
    }

    /// Queues one adaptation of the recorder to the session's monitor, stored
    /// with the next commit (within 250 ms), so it survives a crash of the
    /// recorder. The same adaptation sent again, here or in the telemetry
    /// given to [`Writer::set_telemetry`] or [`Writer::finish_session`], is
    /// stored once; adaptations keep the order they first arrived in.
    pub fn adapt(&self, session: &SessionId, adaptation: Adaptation) -> Result<()> {
        self.check_live(session)?;
        self.post(Msg::Adapt(session.clone(), adaptation))
    }

    /// Commits everything queued for it, then its end, and waits for the commit.
    pub fn finish_session(&self, session: &SessionId, end: SessionEnd) -> Result<()> {
        self.check_live(session)?;
        let (reply, rx) = mpsc::sync_channel(1);
        self.post(Msg::Finish(session.clone(), Box::new(end), reply))?;
        self.wait(rx)?;
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(session);
        Ok(())
    }

    /// Commits everything queued so far and waits for it.
    pub fn flush(&self) -> Result<Commit> {
        let (reply, rx) = mpsc::sync_channel(1);
        self.post(Msg::Flush(reply))?;
        self.wait(rx)
    }

    /// Commits what is queued and stops the thread. Sessions not finished
    /// stay `recording`, and the next open marks them `interrupted`.
    pub fn close(mut self) -> Result<WriterStats> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<WriterStats> {
        drop(self.tx.take());
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(Error::WriterStopped("the writer thread panicked".into()))),
            None => Err(self.stopped()),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.shutdown();
        }
    }
}

struct Live {
    key: i64,
    counts: SessionCounts,
}

enum Pending {
    Data(SessionId, Batch),
    Telemetry(SessionId, Telemetry),
    Adapt(SessionId, Adaptation),
}

impl Pending {
    fn session(&self) -> &SessionId {
        match self {
            Pending::Data(id, _) | Pending::Telemetry(id, _) | Pending::Adapt(id, _) => id,
        }
    }
}

/// What a commit does besides the pending data.
enum Extra<'a> {
    None,
    Begin(&'a SessionId, &'a NewSession),
    Finish(&'a SessionId, &'a SessionEnd),
}

struct Thread {
    conn: Connection,
    options: WriterOptions,
    live: HashMap<SessionId, Live>,
    pending: Vec<Pending>,
    pending_rows: usize,
    pending_batches: u64,
    oldest: Option<Instant>,
    stats: WriterStats,
}

impl Thread {
    fn new(conn: Connection, mut options: WriterOptions) -> Self {
        options.commit_interval = options.commit_interval.min(MAX_COMMIT_INTERVAL);
        Self {
            conn,
            options,
            live: HashMap::new(),
            pending: Vec::new(),
            pending_rows: 0,
            pending_batches: 0,
            oldest: None,
            stats: WriterStats::default(),
        }
    }

    fn run(mut self, rx: &Receiver<Msg>) -> Result<WriterStats> {
        loop {
            let msg = match self.oldest {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(t) => {
                    let due = t + self.options.commit_interval;
                    let now = Instant::now();
                    if now >= due {
                        self.commit_or_retry(Extra::None)?;
                        continue;
                    }
                    rx.recv_timeout(due - now)
                }
            };
            match msg {
                Ok(msg) => self.handle(msg)?,
                Err(RecvTimeoutError::Timeout) => self.commit_or_retry(Extra::None)?,
                Err(RecvTimeoutError::Disconnected) => {
                    if !self.pending.is_empty() {
                        self.commit(Extra::None)?;
                    }
                    return Ok(self.stats);
                }
            }
        }
    }

    fn handle(&mut self, msg: Msg) -> Result<()> {
        match msg {
            Msg::Data(id, _) | Msg::Telemetry(id, _) | Msg::Adapt(id, _)
                if !self.live.contains_key(&id) =>
            {
                // Sent while another thread finished the session: keeping it
                // would fail every later commit.
                tracing::error!("dropped data for session {id}, which is no longer being recorded");
            }
            Msg::Data(id, batch) => {
                self.pending_rows += batch.rows();
                self.pending_batches += 1;
                self.pending.push(Pending::Data(id, batch));
                self.oldest.get_or_insert_with(Instant::now);
                if self.pending_rows >= self.options.max_pending_rows {
                    self.commit_or_retry(Extra::None)?;
                }
            }
            Msg::Telemetry(id, t) => {
                self.pending.push(Pending::Telemetry(id, t));
                self.oldest.get_or_insert_with(Instant::now);
            }
            Msg::Adapt(id, a) => {
                self.pending.push(Pending::Adapt(id, a));
                self.oldest.get_or_insert_with(Instant::now);
            }
            Msg::Begin(id, session, reply) => {
                let r = self.commit(Extra::Begin(&id, &session)).map(drop);
                self.answer(reply, r)?;
            }
            Msg::Finish(id, _, reply) if !self.live.contains_key(&id) => {
                // Finished twice (by two threads at once): the caller's
                // mistake, not a reason to stop writing.
                let _ = reply.send(Err(Error::NotRecording(id)));
            }
            Msg::Finish(id, end, reply) => {
                let r = self.commit(Extra::Finish(&id, &end)).map(drop);
                if r.is_ok()
                    && let Some(live) = self.live.remove(&id)
                {
                    // Before the reply, so the caller reads the final rows.
                    crate::finalise::finalise_or_keep(&self.conn, live.key);
                }
                self.answer(reply, r)?;
            }
            Msg::Flush(reply) => {
                let r = self.commit(Extra::None);
                self.answer(reply, r)?;
            }
        }
        Ok(())
    }

    /// Passes a result to a waiting caller. A busy database is the caller's
    /// to retry; any other failure also stops the thread.
    fn answer<T>(&self, reply: SyncSender<Result<T>>, r: Result<T>) -> Result<()> {
        match r {
            Err(e) if !e.is_busy() => {
                let msg = e.to_string();
                let _ = reply.send(Err(e));
                Err(Error::WriterStopped(msg))
            }
            r => {
                let _ = reply.send(r);
                Ok(())
            }
        }
    }

    /// A timed commit: when another process holds the lock past the busy
    /// timeout, the data stays queued and the commit is tried again later.
    fn commit_or_retry(&mut self, extra: Extra<'_>) -> Result<()> {
        match self.commit(extra) {
            Ok(_) => Ok(()),
            Err(e) if e.is_busy() => {
                self.stats.busy_retries += 1;
                tracing::warn!("the database stayed locked; the commit is retried: {e}");
                self.oldest = Some(Instant::now());
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn commit(&mut self, extra: Extra<'_>) -> Result<Commit> {
        if self.pending.is_empty() && matches!(extra, Extra::None) {
            return Ok(Commit {
                seq: self.stats.commits,
                batches: self.stats.batches,
                rows: self.stats.rows,
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Counts change only once the commit succeeded, so a failed commit
        // can be retried with the same sequence numbers.
        let mut counts: HashMap<SessionId, (i64, SessionCounts)> = HashMap::new();
        for p in &self.pending {
            let id = p.session();
            let Some(live) = self.live.get(id) else {
                return Err(Error::NotRecording(id.clone()));
            };
            let (key, c) = counts
                .entry(id.clone())
                .or_insert_with(|| (live.key, live.counts));
            match p {
                Pending::Telemetry(_, t) => sql::update_telemetry(&tx, *key, t)?,
                Pending::Adapt(_, a) => sql::insert_adaptation(&tx, *key, a)?,
                Pending::Data(_, b) => {
                    sql::insert_samples(&tx, *key, c, &b.samples)?;
                    sql::insert_strokes(&tx, *key, c, &b.strokes)?;
                    sql::insert_curves(&tx, *key, c, &b.force_curves)?;
                    sql::insert_splits(&tx, *key, c, &b.splits)?;
                    sql::insert_gaps(&tx, *key, c, &b.gaps)?;
                    sql::insert_exchanges(&tx, *key, c, &b.exchanges)?;
                }
            }
        }
        for (key, c) in counts.values() {
            sql::write_counts(&tx, *key, c)?;
        }
        let mut began = None;
        match extra {
            Extra::None => {}
            Extra::Begin(id, s) => began = Some((id.clone(), sql::insert_session(&tx, id, s)?)),
            Extra::Finish(id, end) => {
                let key = match counts.get(id) {
                    Some((key, _)) => *key,
                    None => self
                        .live
                        .get(id)
                        .map(|l| l.key)
                        .ok_or_else(|| Error::NotRecording(id.clone()))?,
                };
                sql::finish_session(&tx, key, end)?;
            }
        }
        tx.commit()?;

        for (id, (_, c)) in counts {
            if let Some(live) = self.live.get_mut(&id) {
                live.counts = c;
            }
        }
        if let Some((id, key)) = began {
            self.live.insert(
                id,
                Live {
                    key,
                    counts: SessionCounts::default(),
                },
            );
        }
        self.stats.commits += 1;
        self.stats.batches += self.pending_batches;
        self.stats.rows += self.pending_rows as u64;
        self.pending.clear();
        self.pending_rows = 0;
        self.pending_batches = 0;
        self.oldest = None;
        let commit = Commit {
            seq: self.stats.commits,
            batches: self.stats.batches,
            rows: self.stats.rows,
        };
        if let Some(hook) = &self.options.on_commit {
            hook(&commit);
        }
        Ok(commit)
    }
}
