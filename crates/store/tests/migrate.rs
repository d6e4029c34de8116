//! Issue 6 (migrations): an old database is upgraded to exactly the schema
//! of a new one with its data intact; a newer, foreign or damaged database
//! is refused and left byte for byte as it was.

use std::path::Path;

use erglink_model::{Adaptation, ExportState, GapKind, SessionId, SessionState, UtcNanos};
use erglink_store::schema::{MIGRATIONS, VERSION};
use erglink_store::test_utils::{assert_schema_matches_new_database, create_from_sql, schema_of};
use erglink_store::{Attempt, Error, Store, WriterOptions, test_utils};
use rusqlite::Connection;

const SCHEMA_V1: &str = include_str!("fixtures/schema_v1.sql");
const SCHEMA_V2: &str = include_str!("fixtures/schema_v2.sql");
const SCHEMA_V3: &str = include_str!("fixtures/schema_v3.sql");

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_old_version_has_a_step() {
    for v in 1..VERSION {
        assert!(
            MIGRATIONS.iter().any(|(from, _)| *from == v),
            "no migration from version {v}"
        );
    }
}

#[test]
fn version_1_upgrades_to_the_new_schema_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    create_from_sql(&path, SCHEMA_V1, 1).unwrap();

    let store = Store::open(&path).unwrap();
    assert_schema_matches_new_database(&path);
    assert!(schema_of(&path).unwrap()[0].starts_with(&format!("user_version {VERSION}")));

    let id = SessionId::parse("01KDVQ6F000000000000000001").unwrap();
    let r = store.reader().unwrap();
    let s = r.session(&id).unwrap();
    assert_eq!(s.state, SessionState::Complete);
    assert_eq!(s.tags.athlete.as_deref(), Some("Ana"));
    assert_eq!(s.monitor.unwrap().serial, "430228525");
    assert_eq!(s.counts.samples, 2);
    assert_eq!(s.counts.exchanges, 0);
    let samples: Vec<_> = r.samples(&id).unwrap().map(Result::unwrap).collect();
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[1].hr_bpm, Some(150));
    assert_eq!(samples[0].hr_bpm, None);
    let curves: Vec<_> = r.force_curves(&id).unwrap().map(Result::unwrap).collect();
    assert_eq!(curves[0].samples_lbf, [10, 20, 30]);
    let gaps: Vec<_> = r.gaps(&id).unwrap().map(Result::unwrap).collect();
    assert_eq!(gaps[0].kind, GapKind::Unplugged);

    // What version 2 added works on the upgraded file.
    let mut ledger = store.ledger().unwrap();
    let e = ledger
        .enqueue(&id, "https://lab.example/hook", "dedup-1", s.started_at)
        .unwrap();
    assert_eq!(e.attempts, 0);
    test_utils::record_session(&store, 9, 10, 5).unwrap();
}

#[test]
fn version_2_upgrades_with_its_ledger_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    create_from_sql(&path, SCHEMA_V2, 2).unwrap();

    let store = Store::open(&path).unwrap();
    assert_schema_matches_new_database(&path);
    let id = SessionId::parse("01KDVQ6F000000000000000001").unwrap();
    assert_eq!(
        store
            .reader()
            .unwrap()
            .session(&id)
            .unwrap()
            .counts
            .exchanges,
        1
    );

    let mut ledger = store.ledger().unwrap();
    let entries = ledger.entries(&id).unwrap();
    assert_eq!(entries.len(), 2);
    let done = &entries[0];
    assert_eq!(
        (done.dedup_id.as_str(), done.state, done.attempts),
        ("dedup-v2-a", ExportState::Delivered, 2)
    );
    assert_eq!(done.delivered_at, Some(UtcNanos(1_767_226_200_000_000_000)));
    // The new columns start empty: no trace id yet, nothing in flight.
    assert_eq!(
        (
            &done.trace_id,
            done.ordering_ms,
            done.sending_since,
            done.last_status
        ),
        (&None, None, None, None)
    );
    let pending = &entries[1];
    assert_eq!(pending.state, ExportState::Pending);
    assert_eq!(pending.last_error.as_deref(), Some("HTTP 503"));
    assert!(ledger.history(&id).unwrap().is_empty());

    // What version 3 added works on the upgraded file.
    let dest = pending.destination.clone();
    let t = UtcNanos(1_767_226_300_000_000_000);
    ledger
        .begin_attempt(
            std::slice::from_ref(&id),
            &dest,
            "trace-1",
            1_767_226_300_000,
            t,
        )
        .unwrap();
    let e = ledger
        .record_attempts(
            std::slice::from_ref(&id),
            &dest,
            &Attempt::Delivered,
            Some(204),
            t,
        )
        .unwrap();
    assert_eq!(
        (e[0].state, e[0].last_status),
        (ExportState::Delivered, Some(204))
    );
    assert_eq!(ledger.history(&id).unwrap().len(), 1);
}

#[test]
fn version_3_upgrades_with_every_row_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    create_from_sql(&path, SCHEMA_V3, 3).unwrap();
    let rows_before = row_counts(&path);

    let store = Store::open(&path).unwrap();
    assert_schema_matches_new_database(&path);
    assert!(schema_of(&path).unwrap()[0].starts_with(&format!("user_version {VERSION}")));
    // Every row is still there; the new tables start empty.
    let mut rows_after = row_counts(&path);
    assert_eq!(rows_after.remove("adaptations"), Some(0));
    assert_eq!(rows_after.remove("activity_summaries"), Some(0));
    assert_eq!(rows_after, rows_before);

    let done = SessionId::parse("01KDVH35M01WYSKWXA9Q792Y96").unwrap();
    let left = SessionId::parse("01KDVMH1809JFVQ570ZSDT7J3D").unwrap();
    // The session a crashed writer left recording is recovered on this open.
    assert_eq!(store.recovered(), 1);
    let r = store.reader().unwrap();
    let s = r.session(&done).unwrap();
    assert_eq!(s.state, SessionState::Complete);
    assert_eq!(
        (s.counts.samples, s.counts.strokes, s.counts.exchanges),
        (3, 1, 2)
    );
    assert_eq!(s.telemetry.achieved_millihz, Some(49_870));
    // What the old version could not know reads as not assumed, nothing adapted.
    assert!(!s.machine_assumed);
    assert!(s.telemetry.adaptations.is_empty());
    let curves: Vec<_> = r.force_curves(&done).unwrap().map(Result::unwrap).collect();
    assert_eq!(curves[0].samples_lbf, [0, 20, 39, 58]);
    assert_eq!(r.exchanges(&done).unwrap().count(), 2);
    assert_eq!(r.session(&left).unwrap().state, SessionState::Interrupted);
    let ledger = store.ledger().unwrap();
    let entries = ledger.entries(&done).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].trace_id.as_deref(), Some("trace-v3-a"));
    assert_eq!(entries[0].last_status, Some(204));
    assert!(entries[1].sending_since.is_some());
    assert_eq!(ledger.history(&done).unwrap().len(), 1);

    // What version 4 added works on the upgraded file.
    let w = store.writer(WriterOptions::default()).unwrap();
    let mut new = test_utils::new_session(7);
    new.machine_assumed = true;
    let id = w.begin_session(new).unwrap();
    let a = Adaptation {
        what: "machine_assumed".into(),
        value: "RowErg".into(),
        why: "a PM3 cannot say".into(),
    };
    w.adapt(&id, a.clone()).unwrap();
    w.finish_session(&id, test_utils::session_end(7, 0))
        .unwrap();
    w.close().unwrap();
    let s = store.reader().unwrap().session(&id).unwrap();
    assert!(s.machine_assumed);
    assert_eq!(s.telemetry.adaptations, [a]);
}

#[test]
fn version_4_upgrades_with_the_summary_cache_added() {
    // Version 4's schema is CREATE as it stands (version 5's step is its own statement).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v4.db");
    create_from_sql(&path, erglink_store::schema::CREATE, 4).unwrap();
    let store = Store::open(&path).unwrap();
    assert_schema_matches_new_database(&path);
    assert!(schema_of(&path).unwrap()[0].starts_with(&format!("user_version {VERSION}")));
    let w = store.writer(WriterOptions::default()).unwrap();
    let id = w.begin_session(test_utils::new_session(3)).unwrap();
    w.finish_session(&id, test_utils::session_end(3, 0))
        .unwrap();
    w.close().unwrap();
    let cache = store.summary_cache().unwrap();
    assert!(cache.put(&id, "n", b"{}", UtcNanos(1)).unwrap());
    assert!(
        store
            .reader()
            .unwrap()
            .activity_summary(&id, "n")
            .unwrap()
            .is_some()
    );
}

/// Rows in every table.
fn row_counts(path: &Path) -> std::collections::BTreeMap<String, i64> {
    let conn = Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let n = conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

#[test]
fn a_new_database_matches_itself_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/new.db");
    Store::open(&path).unwrap();
    assert_schema_matches_new_database(&path);
    Store::open(&path).unwrap();
    Store::open_existing(&path).unwrap();
    let mode: String = Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_newer_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    Store::open(&path).unwrap();
    test_utils::set_user_version(&path, VERSION + 1).unwrap();
    let before = std::fs::read(&path).unwrap();
    let files = files_in(dir.path());

    for open in [Store::open, Store::open_existing] {
        match open(&path) {
            Err(Error::NewerDatabase { found, supported }) => {
                assert_eq!((found, supported), (VERSION + 1, VERSION));
            }
            other => panic!("expected NewerDatabase, got {other:?}"),
        }
    }
    let msg = Store::open(&path).unwrap_err().to_string();
    assert!(msg.contains("newer erglink"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(
        files_in(dir.path()),
        files,
        "no -wal, -shm or lock file appeared"
    );
}

#[test]
fn a_foreign_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    assert!(matches!(Store::open(&path), Err(Error::NotErglink(_))));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_file_that_is_not_a_database_is_reported_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.db");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    for open in [Store::open, Store::open_existing] {
        match open(&path) {
            Err(Error::Corrupt(_)) => {}
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
    assert_eq!(files_in(dir.path()), ["garbage.db"]);
}

#[test]
fn a_damaged_page_is_reported_when_read_and_the_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.db");
    let store = Store::open(&path).unwrap();
    let id = test_utils::record_session(&store, 1, 20_000, 500).unwrap();
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .unwrap();
    }
    // Overwrite the middle of the file, where the samples' pages are, with garbage.
    let mut bytes = std::fs::read(&path).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 2..len / 2 + 16_384] {
        *b = 0x5A;
    }
    std::fs::write(&path, &bytes).unwrap();

    let store = Store::open_existing(&path).unwrap();
    assert!(!store.integrity_check().unwrap().is_empty());
    let r = store.reader().unwrap();
    let failed = r.samples(&id).unwrap().find_map(Result::err);
    assert!(
        matches!(failed, Some(Error::Corrupt(_))),
        "expected Corrupt, got {failed:?}"
    );
    drop(r);
    // Nothing rewrote the file on the way.
    assert_eq!(std::fs::read(&path).unwrap().len(), len);
    assert!(path.exists());
}

#[test]
fn concurrent_first_opens_create_the_schema_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.db");
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| Store::open(&path))).collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
    assert_schema_matches_new_database(&path);
    let store = Store::open(&path).unwrap();
    let w = store.writer(WriterOptions::default()).unwrap();
    w.close().unwrap();
}
