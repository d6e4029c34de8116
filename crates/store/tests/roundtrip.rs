//! Issue 6 (one writer, read API): what the writer is given is what the
//! reader streams back, the writer commits on its own timer, and sessions
//! are listed newest first and found by a unique id prefix.

use std::sync::{Arc, mpsc};

use erglink_model::{
    Direction, Exchange, ExportState, Gap, GapKind, SessionId, SessionState, Source, Split, Stroke,
    UtcNanos,
};
use erglink_store::test_utils::{
    self, SAMPLES_PER_STROKE, force_curve, new_session, sample, split, stroke,
};
use erglink_store::{Attempt, Batch, Error, Store, WriterOptions};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.db")).unwrap();
    (dir, store)
}

#[test]
fn a_session_streams_back_as_written() {
    let (_dir, store) = store();
    // 10 000 samples: more than two read pages.
    let n = 10_000;
    let id = test_utils::record_session(&store, 1, n, 37).unwrap();
    let r = store.reader().unwrap();

    let s = r.session(&id).unwrap();
    let want = new_session(1);
    assert_eq!(s.state, SessionState::Complete);
    assert_eq!(s.source, Source::Sim);
    assert_eq!(s.monitor, want.monitor);
    assert_eq!(s.workout, want.workout);
    assert_eq!(s.tags, want.tags);
    assert_eq!(s.started_at, want.started_at);
    assert_eq!(s.utc_offset_s, 7200);
    assert_eq!(s.telemetry, test_utils::telemetry());
    assert_eq!(s.ended_at, Some(test_utils::session_end(1, n).ended_at));
    assert_eq!(s.counts.samples, n);
    assert_eq!(s.counts.last_elapsed_ns, Some(sample(n - 1).elapsed_ns));
    assert_eq!(s.counts.last_distance_dm, Some(sample(n - 1).distance_dm));

    let mut count = 0;
    for (i, got) in r.samples(&id).unwrap().enumerate() {
        assert_eq!(got.unwrap(), sample(i as u64), "sample {i}");
        count += 1;
    }
    assert_eq!(count, n);

    let strokes = n / SAMPLES_PER_STROKE;
    assert_eq!(s.counts.strokes, strokes);
    let got: Vec<Stroke> = r.strokes(&id).unwrap().map(Result::unwrap).collect();
    assert_eq!(got, (0..strokes as u32).map(stroke).collect::<Vec<_>>());
    let curves: Vec<_> = r.force_curves(&id).unwrap().map(Result::unwrap).collect();
    assert_eq!(
        curves,
        (0..strokes as u32).map(force_curve).collect::<Vec<_>>()
    );
    assert_eq!(s.counts.force_curves, strokes);
    assert!(curves.iter().any(|c| !c.complete));

    // 10 000 samples at 0.9 dm is 900 m: one 500 m split, as sent, with the
    // averages the store gives a finished session's laps: 500 m in 111.12 s
    // is 255 W; the belt read 140 for 3000 samples, then 141.
    let splits: Vec<_> = r.splits(&id).unwrap().map(Result::unwrap).collect();
    let want = Split {
        average_power_w: Some(255),
        average_hr_bpm: Some(140),
        ..split(0)
    };
    assert_eq!(splits, [want]);
    assert_eq!(s.counts.splits, 1);
}

#[test]
fn gaps_exchanges_and_resent_strokes() {
    let (_dir, store) = store();
    let w = store.writer(WriterOptions::default()).unwrap();
    let id = w.begin_session(new_session(2)).unwrap();
    let gap = Gap {
        kind: GapKind::TimedOut,
        from_ns: 100,
        to_ns: None,
    };
    let x = Exchange {
        elapsed_ns: 5,
        direction: Direction::Rx,
        report_id: 2,
        bytes: vec![0xF1, 0x80, 0x80, 0xF2],
    };
    let mut first = stroke(0);
    first.peak_force_dlbf = 1;
    w.send(
        &id,
        Batch {
            strokes: vec![first],
            gaps: vec![gap],
            exchanges: vec![x.clone(), x.clone()],
            ..Batch::default()
        },
    )
    .unwrap();
    w.flush().unwrap();
    // The recorder may send a stroke again with its final statistics.
    w.send(
        &id,
        Batch {
            strokes: vec![stroke(0)],
            ..Batch::default()
        },
    )
    .unwrap();
    w.close().unwrap();

    let r = store.reader().unwrap();
    let s = r.session(&id).unwrap();
    // Never finished: it stays `recording` until an open finds no writer.
    assert_eq!(s.state, SessionState::Recording);
    assert_eq!(
        (s.counts.strokes, s.counts.gaps, s.counts.exchanges),
        (1, 1, 2)
    );
    let strokes: Vec<_> = r.strokes(&id).unwrap().map(Result::unwrap).collect();
    assert_eq!(strokes, [stroke(0)]);
    let gaps: Vec<_> = r.gaps(&id).unwrap().map(Result::unwrap).collect();
    assert_eq!(gaps, [gap]);
    let xs: Vec<_> = r.exchanges(&id).unwrap().map(Result::unwrap).collect();
    assert_eq!(xs, [x.clone(), x]);
    drop(r);

    // With no writer left, the next open calls the session interrupted.
    let reopened = Store::open(store.path()).unwrap();
    assert_eq!(reopened.recovered(), 1);
    let s = reopened.reader().unwrap().session(&id).unwrap();
    assert_eq!(s.state, SessionState::Interrupted);
    // No samples were committed, so there is no last sample to end at.
    assert_eq!(s.ended_at, None);
}

#[test]
fn the_writer_commits_on_its_own() {
    let (_dir, store) = store();
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let options = WriterOptions {
        on_commit: Some(Arc::new(move |c| {
            let _ = tx.lock().unwrap().send(*c);
        })),
        ..WriterOptions::default()
    };
    let w = store.writer(options).unwrap();
    let id = w.begin_session(new_session(3)).unwrap();
    let begun = rx.recv().unwrap();
    w.send(&id, test_utils::batch(0, 10)).unwrap();
    // No flush: the timer alone must commit it.
    let c = rx.recv().unwrap();
    assert_eq!(c.seq, begun.seq + 1);
    assert_eq!(c.batches, 1);
    let s = store.reader().unwrap().session(&id).unwrap();
    assert_eq!(s.counts.samples, 10);
    drop(w);
}

#[test]
fn a_full_buffer_commits_early() {
    let (_dir, store) = store();
    let options = WriterOptions {
        max_pending_rows: 100,
        ..WriterOptions::default()
    };
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let options = WriterOptions {
        on_commit: Some(Arc::new(move |c| {
            let _ = tx.lock().unwrap().send(*c);
        })),
        ..options
    };
    let w = store.writer(options).unwrap();
    let id = w.begin_session(new_session(4)).unwrap();
    rx.recv().unwrap();
    for k in 0..10 {
        w.send(&id, test_utils::batch(k * 50, 50)).unwrap();
    }
    let stats = w.close().unwrap();
    let commits: Vec<_> = rx.try_iter().collect();
    assert_eq!(commits.last().unwrap().batches, 10);
    assert!(stats.commits >= 5, "{stats:?}");
}

#[test]
fn only_begun_sessions_take_data() {
    let (_dir, store) = store();
    let w = store.writer(WriterOptions::default()).unwrap();
    let stranger = SessionId::from_parts(1, 1);
    assert!(matches!(
        w.send(&stranger, Batch::default()),
        Err(Error::NotRecording(_))
    ));
    let id = w.begin_session(new_session(5)).unwrap();
    w.finish_session(&id, test_utils::session_end(5, 0))
        .unwrap();
    assert!(matches!(
        w.send(&id, Batch::default()),
        Err(Error::NotRecording(_))
    ));
    assert!(matches!(
        w.finish_session(&id, test_utils::session_end(5, 0)),
        Err(Error::NotRecording(_))
    ));
}

#[test]
fn finishing_a_session_twice_at_once_keeps_the_writer() {
    let (_dir, store) = store();
    let w = store.writer(WriterOptions::default()).unwrap();
    for seed in 0..20 {
        let id = w.begin_session(new_session(seed)).unwrap();
        let results: Vec<_> = std::thread::scope(|s| {
            let finish = || w.finish_session(&id, test_utils::session_end(seed, 0));
            let a = s.spawn(finish);
            let b = s.spawn(finish);
            vec![a.join().unwrap(), b.join().unwrap()]
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        assert!(
            results
                .iter()
                .any(|r| matches!(r, Err(Error::NotRecording(_))))
        );
    }
    // Still writing.
    let id = w.begin_session(new_session(99)).unwrap();
    w.send(&id, test_utils::batch(0, 5)).unwrap();
    w.flush().unwrap();
    w.close().unwrap();
}

#[test]
fn sessions_are_listed_newest_first_and_found_by_prefix() {
    let (_dir, store) = store();
    let w = store.writer(WriterOptions::default()).unwrap();
    // Started in the order 2, 0, 1 (seed = hours after a fixed start).
    let ids: Vec<SessionId> = [20, 0, 10]
        .iter()
        .map(|&seed| w.begin_session(new_session(seed)).unwrap())
        .collect();
    w.close().unwrap();
    let r = store.reader().unwrap();
    let listed: Vec<SessionId> = r.sessions().unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(listed, [ids[0].clone(), ids[2].clone(), ids[1].clone()]);

    for id in &ids {
        assert_eq!(&r.resolve(id.as_str()).unwrap(), id);
        assert_eq!(&r.resolve(&id.as_str().to_lowercase()).unwrap(), id);
    }
    // Ten hours apart: the first eight characters (of the 48-bit time) differ.
    assert_eq!(r.resolve(&ids[1].as_str()[..8]).unwrap(), ids[1]);
    // Every id starts with "0".
    match r.resolve("0") {
        Err(Error::AmbiguousSession { matches, .. }) => assert_eq!(matches.len(), 3),
        other => panic!("{other:?}"),
    }
    assert!(matches!(r.resolve("7ZZZ"), Err(Error::NoSuchSession(_))));
    assert!(matches!(r.resolve("0U"), Err(Error::BadSessionId { .. })));
    assert!(matches!(r.resolve(""), Err(Error::BadSessionId { .. })));
}

#[test]
fn the_export_ledger_tracks_attempts() {
    let (_dir, store) = store();
    let id = test_utils::record_session(&store, 7, 100, 50).unwrap();
    let mut l = store.ledger().unwrap();
    let t = |s: i64| UtcNanos(1_800_000_000_000_000_000 + s * 1_000_000_000);
    let dest = "https://lab.example/hook";
    let e = l.enqueue(&id, dest, "dedup-a", t(0)).unwrap();
    assert_eq!((e.state, e.attempts), (ExportState::Pending, 0));
    // Enqueued again: the same entry, with its first dedup id.
    let again = l.enqueue(&id, dest, "dedup-b", t(1)).unwrap();
    assert_eq!(again, e);
    assert_eq!(l.pending(dest).unwrap(), std::slice::from_ref(&e));

    let failed = Attempt::Failed {
        error: "HTTP 503".into(),
        give_up: false,
    };
    let e = l.record_attempt(&id, dest, &failed, t(2)).unwrap();
    assert_eq!((e.state, e.attempts), (ExportState::Pending, 1));
    assert_eq!(e.last_error.as_deref(), Some("HTTP 503"));
    let e = l
        .record_attempt(&id, dest, &Attempt::Delivered, t(3))
        .unwrap();
    assert_eq!(e.state, ExportState::Delivered);
    assert_eq!((e.attempts, e.delivered_at), (2, Some(t(3))));
    assert_eq!(e.dedup_id, "dedup-a");
    assert!(l.pending(dest).unwrap().is_empty());
    assert_eq!(l.entries(&id).unwrap().len(), 1);

    assert!(matches!(
        l.record_attempt(&id, "elsewhere", &Attempt::Delivered, t(4)),
        Err(Error::NotInLedger { .. })
    ));
    let stranger = SessionId::from_parts(1, 1);
    assert!(matches!(
        l.enqueue(&stranger, dest, "x", t(5)),
        Err(Error::NoSuchSession(_))
    ));
}
