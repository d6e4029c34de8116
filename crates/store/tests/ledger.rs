//! Issue [8/8] (webhooks): the ledger's delivery cycle. A delivery is
//! marked in flight before it is sent; a crash leaves the mark, and the
//! next attempt counts the lost one and keeps the trace id; a recorded
//! delivery refuses another attempt; a deliberate resend gets a new dedup
//! id and keeps the old delivery in the history; one exporter per
//! destination at a time.

use erglink_model::{ExportState, SessionId, UtcNanos};
use erglink_store::{Attempt, Error, INTERRUPTED, Store, test_utils};

fn t(s: i64) -> UtcNanos {
    UtcNanos(1_800_000_000_000_000_000 + s * 1_000_000_000)
}

fn setup() -> (tempfile::TempDir, Store, Vec<SessionId>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("ledger.db")).unwrap();
    let ids = (1..=3)
        .map(|seed| test_utils::record_session(&store, seed, 20, 10).unwrap())
        .collect();
    (dir, store, ids)
}

const DEST: &str = "https://lab.example/hook";

#[test]
fn enqueue_many_keeps_existing_dedup_ids_in_one_go() {
    let (_dir, store, ids) = setup();
    let mut l = store.ledger().unwrap();
    l.enqueue(&ids[1], DEST, "first", t(0)).unwrap();
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("new-{n}")
    };
    let all = l.enqueue_many(&ids, DEST, &mut next, t(1)).unwrap();
    let dedup: Vec<_> = all.iter().map(|e| e.dedup_id.as_str()).collect();
    assert_eq!(dedup, ["new-1", "first", "new-2"]);
    assert!(all.iter().all(|e| e.state == ExportState::Pending));
    let stranger = SessionId::from_parts(1, 1);
    assert!(matches!(
        l.enqueue_many(&[stranger], DEST, &mut || "x".into(), t(2)),
        Err(Error::NoSuchSession(_))
    ));
}

#[test]
fn a_batch_goes_through_attempts_and_a_crash_is_counted() {
    let (_dir, store, ids) = setup();
    let mut l = store.ledger().unwrap();
    let mut k = 0;
    l.enqueue_many(
        &ids,
        DEST,
        &mut || {
            k += 1;
            format!("d{k}")
        },
        t(0),
    )
    .unwrap();
    let batch = &ids[..2];
    let e = l.begin_attempt(batch, DEST, "trace-a", 1234, t(1)).unwrap();
    assert!(e.iter().all(|e| e.sending_since == Some(t(1))
        && e.trace_id.as_deref() == Some("trace-a")
        && e.ordering_ms == Some(1234)
        && e.attempts == 0));
    let failed = Attempt::Failed {
        error: "HTTP 503".into(),
        give_up: false,
    };
    let e = l
        .record_attempts(batch, DEST, &failed, Some(503), t(2))
        .unwrap();
    assert!(e.iter().all(|e| e.attempts == 1
        && e.sending_since.is_none()
        && e.last_status == Some(503)
        && e.state == ExportState::Pending));

    // Begun again, then the process "dies": nothing is recorded.
    l.begin_attempt(batch, DEST, "trace-a", 1234, t(3)).unwrap();
    drop(l);
    let mut l = store.ledger().unwrap();
    let e = l.entry(&ids[0], DEST).unwrap().unwrap();
    assert_eq!(e.sending_since, Some(t(3)), "the crash leaves the mark");
    // The next run counts the lost attempt and keeps the trace id it resends with.
    let e = l.begin_attempt(batch, DEST, "trace-a", 1234, t(4)).unwrap();
    assert!(e.iter().all(|e| e.attempts == 2
        && e.last_error.as_deref() == Some(INTERRUPTED)
        && e.trace_id.as_deref() == Some("trace-a")));
    let e = l
        .record_attempts(batch, DEST, &Attempt::Delivered, Some(200), t(5))
        .unwrap();
    assert!(e.iter().all(|e| e.state == ExportState::Delivered
        && e.attempts == 3
        && e.delivered_at == Some(t(5))
        && e.last_error.is_none()));
    // Delivered: never begun again.
    match l.begin_attempt(&ids[1..], DEST, "trace-b", 9, t(6)) {
        Err(Error::AlreadyDelivered { session, .. }) => assert_eq!(session, ids[1]),
        other => panic!("expected AlreadyDelivered, got {other:?}"),
    }
    // ...and the refusal changed nothing, not even for the pending one.
    let third = l.entry(&ids[2], DEST).unwrap().unwrap();
    assert_eq!((third.trace_id, third.sending_since), (None, None));
    let h = l.history(&ids[0]).unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(
        (
            h[0].state,
            h[0].attempts,
            h[0].trace_id.as_deref(),
            h[0].last_status
        ),
        (ExportState::Delivered, 3, Some("trace-a"), Some(200))
    );
}

#[test]
fn a_resend_is_a_new_delivery_and_the_old_one_stays_in_the_history() {
    let (_dir, store, ids) = setup();
    let mut l = store.ledger().unwrap();
    let id = &ids[0];
    l.enqueue(id, DEST, "old", t(0)).unwrap();
    l.begin_attempt(std::slice::from_ref(id), DEST, "old", 1, t(1))
        .unwrap();
    let rejected = Attempt::Failed {
        error: "HTTP 400: bad".into(),
        give_up: true,
    };
    let e = l.record_attempt(id, DEST, &rejected, t(2)).unwrap();
    assert_eq!(e.state, ExportState::Failed);
    let e = l.requeue(id, DEST, "new", t(3)).unwrap();
    assert_eq!(
        (
            e.state,
            e.attempts,
            e.dedup_id.as_str(),
            e.trace_id,
            e.last_error
        ),
        (ExportState::Pending, 0, "new", None, None)
    );
    let h = l.history(id).unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].dedup_id.as_str(), h[0].state),
        ("old", ExportState::Failed)
    );
    assert_eq!(h[0].last_error.as_deref(), Some("HTTP 400: bad"));
    // A requeue of a session never exported creates its entry.
    let e = l.requeue(&ids[1], DEST, "fresh", t(4)).unwrap();
    assert_eq!(e.dedup_id, "fresh");
}

#[test]
fn one_exporter_per_destination() {
    let (_dir, store, _ids) = setup();
    let a = store.ledger().unwrap();
    let b = store.ledger().unwrap();
    let held = a.lock_destination(DEST).unwrap();
    assert!(matches!(
        b.lock_destination(DEST),
        Err(Error::DestinationBusy { .. })
    ));
    let _other = b.lock_destination("https://other.example/hook").unwrap();
    drop(held);
    b.lock_destination(DEST).unwrap();
}
