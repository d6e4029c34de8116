//! Issue 6 (concurrency): while the writer records, a reader in this
//! process and a second process (an export while `record` runs) read the
//! live session and write the export ledger. A reader holding a snapshot
//! open does not stop the writer's commits, and the second process's open
//! does not mistake the live session for a crashed one.
//!
//! Everything is bounded by counts, not by time.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use erglink_model::{ExportState, SessionId, SessionState, UtcNanos};
use erglink_store::test_utils::{self, new_session, sample};
use erglink_store::{Attempt, Store, WriterOptions};

const DB: &str = "ERGLINK_TEST_SECOND_DB";
const SESSION: &str = "ERGLINK_TEST_SECOND_SESSION";
/// Ledger entries the second process writes, each in its own transactions.
const LEDGER_ENTRIES: usize = 40;
/// Times the reader streams the live session.
const READS: usize = 10;

/// The samples stream as a prefix of the synthetic stream; returns how many.
fn check_prefix(store: &Store, id: &SessionId) -> u64 {
    let r = store.reader().unwrap();
    let mut n = 0;
    for (i, s) in r.samples(id).unwrap().enumerate() {
        assert_eq!(s.unwrap(), sample(i as u64));
        n += 1;
    }
    n
}

#[test]
#[ignore = "the second process of `a_reader_and_a_second_process_work_while_the_writer_runs`"]
fn second_process() {
    let (Ok(db), Ok(id)) = (std::env::var(DB), std::env::var(SESSION)) else {
        return;
    };
    let id = SessionId::parse(&id).unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(
        store.recovered(),
        0,
        "a live writer's session is not recovered"
    );
    let r = store.reader().unwrap();
    let listed = r.sessions().unwrap();
    let live = listed.iter().find(|s| s.id == id).unwrap();
    assert_eq!(live.state, SessionState::Recording);
    let first = check_prefix(&store, &id);
    assert!(first > 0);

    let mut ledger = store.ledger().unwrap();
    for k in 0..LEDGER_ENTRIES {
        let dest = format!("sink-{k}");
        let at = UtcNanos(k as i64);
        ledger
            .enqueue(&id, &dest, &format!("dedup-{k}"), at)
            .unwrap();
        let failed = Attempt::Failed {
            error: "not yet".into(),
            give_up: false,
        };
        ledger.record_attempt(&id, &dest, &failed, at).unwrap();
        ledger
            .record_attempt(&id, &dest, &Attempt::Delivered, at)
            .unwrap();
    }
    // The recording goes on meanwhile, and this process sees it grow.
    let mut later = check_prefix(&store, &id);
    while later == first {
        later = check_prefix(&store, &id);
    }
    assert!(later > first);
    println!("second process: read {first} then {later} samples");
}

#[test]
fn a_reader_and_a_second_process_work_while_the_writer_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("busy.db");
    let store = Store::open(&db).unwrap();
    let (commits_tx, commits) = mpsc::channel();
    let commits_tx = Mutex::new(commits_tx);
    let writer = store
        .writer(WriterOptions {
            max_pending_rows: 500,
            on_commit: Some(Arc::new(move |c| {
                let _ = commits_tx.lock().unwrap().send(c.seq);
            })),
            ..WriterOptions::default()
        })
        .unwrap();
    let id = writer.begin_session(new_session(1)).unwrap();
    commits.recv().unwrap();

    // A reader that keeps one snapshot open across three of the writer's
    // commits: in WAL mode it cannot hold the writer up (if it could, a
    // flush would never return).
    let mut sent = 0;
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("BEGIN").unwrap();
        let count = || -> i64 {
            conn.query_row("SELECT count(*) FROM samples", [], |r| r.get(0))
                .unwrap()
        };
        let before = count();
        for _ in 0..3 {
            writer.send(&id, test_utils::batch(sent, 100)).unwrap();
            sent += 100;
            writer.flush().unwrap();
        }
        assert_eq!(count(), before, "the snapshot stays as it was");
        conn.execute_batch("COMMIT").unwrap();
        assert_eq!(count(), 300);
    }
    let writer = Arc::new(writer);
    let stop = Arc::new(AtomicBool::new(false));

    // The recording: batches until told to stop.
    let feeder = {
        let (writer, stop, id) = (Arc::clone(&writer), Arc::clone(&stop), id.clone());
        std::thread::spawn(move || {
            let mut next = sent;
            while !stop.load(Ordering::Relaxed) {
                writer.send(&id, test_utils::batch(next, 10)).unwrap();
                next += 10;
                // About 10 000 samples a second, as from 200 monitors: enough
                // to keep commits going, few enough to keep re-reads short.
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            next
        })
    };

    // A second process, started while the recording runs.
    let second = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "second_process", "--ignored", "--nocapture"])
        .env(DB, &db)
        .env(SESSION, id.as_str())
        .stdin(Stdio::null())
        .output_async();

    // A reader in this process, streaming the live session again and again.
    let reader = {
        let (store, id) = (store.clone(), id.clone());
        std::thread::spawn(move || {
            // At least READS streams, and until three of them saw it grow.
            let (mut last, mut reads, mut grew) = (0, 0, 0);
            while reads < READS || grew < 3 {
                let n = check_prefix(&store, &id);
                assert!(n >= last, "the session never shrinks");
                grew += usize::from(n > last);
                last = n;
                reads += 1;
            }
            last
        })
    };

    let out = second.wait();
    assert!(
        out.status.success(),
        "second process: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "{}",
        said.lines()
            .find(|l| l.starts_with("second"))
            .unwrap_or("?")
    );
    let read = reader.join().unwrap();
    stop.store(true, Ordering::Relaxed);
    let sent = feeder.join().unwrap();
    assert!(read <= sent);
    let writer = Arc::into_inner(writer).unwrap();
    writer
        .finish_session(&id, test_utils::session_end(1, sent))
        .unwrap();
    let stats = writer.close().unwrap();
    assert!(stats.commits > 3);
    eprintln!("writer: {stats:?}; the reader's last stream had {read} samples");

    assert_eq!(store.integrity_check().unwrap(), Vec::<String>::new());
    let s = store.reader().unwrap().session(&id).unwrap();
    assert_eq!(s.state, SessionState::Complete);
    assert_eq!(s.counts.samples, sent);
    assert_eq!(check_prefix(&store, &id), sent);
    let entries = store.ledger().unwrap().entries(&id).unwrap();
    assert_eq!(entries.len(), LEDGER_ENTRIES);
    assert!(
        entries
            .iter()
            .all(|e| e.state == ExportState::Delivered && e.attempts == 2)
    );
}

/// `Command::output` on a thread, so the parent keeps working meanwhile.
trait OutputAsync {
    fn output_async(&mut self) -> Pending;
}

struct Pending(std::thread::JoinHandle<std::process::Output>);

impl Pending {
    fn wait(self) -> std::process::Output {
        self.0.join().unwrap()
    }
}

impl OutputAsync for Command {
    fn output_async(&mut self) -> Pending {
        let child = self
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Pending(std::thread::spawn(move || {
            child.wait_with_output().unwrap()
        }))
    }
}
