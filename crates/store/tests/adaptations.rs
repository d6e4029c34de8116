//! Issue 13 (probe and adaptations): whether the machine was assumed, and
//! what the recorder adapted to the monitor, are stored with the session,
//! live or at its end, once each, in order, and survive a recorder that
//! stops without finishing.

use erglink_model::{Adaptation, Machine, SessionId, SessionState};
use erglink_store::test_utils::{batch, new_session, session_end};
use erglink_store::{Error, Store, WriterOptions};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.db")).unwrap();
    (dir, store)
}

fn adaptation(what: &str, value: &str) -> Adaptation {
    Adaptation {
        what: what.into(),
        value: value.into(),
        why: format!("{what} because of {value}"),
    }
}

#[test]
fn machine_assumed_round_trips_both_ways() {
    let (_dir, store) = store();
    let w = store.writer(WriterOptions::default()).unwrap();
    let mut assumed = new_session(1);
    assumed.machine_assumed = true;
    let mut told = new_session(2);
    told.machine = Machine::SkiErg;
    let a = w.begin_session(assumed).unwrap();
    let b = w.begin_session(told).unwrap();
    w.finish_session(&a, session_end(1, 0)).unwrap();
    w.finish_session(&b, session_end(2, 0)).unwrap();
    w.close().unwrap();
    let r = store.reader().unwrap();
    let a = r.session(&a).unwrap();
    assert!(a.machine_assumed);
    assert_eq!(a.machine, Machine::RowErg);
    let b = r.session(&b).unwrap();
    assert!(!b.machine_assumed);
    assert_eq!(b.machine, Machine::SkiErg);
}

#[test]
fn live_and_final_adaptations_are_stored_once_in_order() {
    let (_dir, store) = store();
    let w = store.writer(WriterOptions::default()).unwrap();
    let id = w.begin_session(new_session(1)).unwrap();
    let dropped = adaptation("command_dropped", "PM_GET_STROKESTATS");
    let scale = adaptation("pace_scale", "s_500m");
    let timeout = adaptation("timeout_raised", "400 ms");
    w.adapt(&id, dropped.clone()).unwrap();
    w.send(&id, batch(0, 10)).unwrap();
    w.adapt(&id, scale.clone()).unwrap();
    // Sent again live: kept once.
    w.adapt(&id, dropped.clone()).unwrap();
    let mut t = session_end(1, 10).telemetry;
    t.adaptations = vec![dropped.clone(), scale.clone()];
    w.set_telemetry(&id, t).unwrap();
    // The end carries the whole list, one of it new.
    let mut end = session_end(1, 10);
    end.telemetry.adaptations = vec![dropped.clone(), scale.clone(), timeout.clone()];
    w.finish_session(&id, end).unwrap();
    w.close().unwrap();

    let r = store.reader().unwrap();
    let want = vec![dropped, scale, timeout];
    assert_eq!(r.session(&id).unwrap().telemetry.adaptations, want);
    // The listing carries them too.
    let listed = r.sessions().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].telemetry.adaptations, want);
}

#[test]
fn adaptations_of_two_sessions_stay_apart() {
    let (_dir, store) = store();
    let w = store.writer(WriterOptions::default()).unwrap();
    let a = w.begin_session(new_session(1)).unwrap();
    let b = w.begin_session(new_session(2)).unwrap();
    w.adapt(&a, adaptation("pace_scale", "s_km")).unwrap();
    w.adapt(&b, adaptation("pace_scale", "cs_500m")).unwrap();
    w.adapt(&b, adaptation("pace_scale", "s_km")).unwrap();
    w.finish_session(&a, session_end(1, 0)).unwrap();
    w.finish_session(&b, session_end(2, 0)).unwrap();
    w.close().unwrap();
    let r = store.reader().unwrap();
    let values = |id: &SessionId| -> Vec<String> {
        r.session(id)
            .unwrap()
            .telemetry
            .adaptations
            .into_iter()
            .map(|a| a.value)
            .collect()
    };
    assert_eq!(values(&a), ["s_km"]);
    assert_eq!(values(&b), ["cs_500m", "s_km"]);
}

#[test]
fn an_adaptation_sent_live_survives_a_recorder_that_never_finished() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let store = Store::open(&path).unwrap();
    let w = store.writer(WriterOptions::default()).unwrap();
    let mut s = new_session(1);
    s.machine_assumed = true;
    let id = w.begin_session(s).unwrap();
    w.adapt(&id, adaptation("machine_assumed", "RowErg"))
        .unwrap();
    w.send(&id, batch(0, 5)).unwrap();
    // Committed by the writer's own timer or this flush, not by an end.
    w.flush().unwrap();
    w.close().unwrap();

    let store = Store::open_existing(&path).unwrap();
    assert_eq!(store.recovered(), 1);
    let got = store.reader().unwrap().session(&id).unwrap();
    assert_eq!(got.state, SessionState::Interrupted);
    assert!(got.machine_assumed);
    assert_eq!(
        got.telemetry.adaptations,
        [adaptation("machine_assumed", "RowErg")]
    );
}

#[test]
fn adapting_a_session_not_being_recorded_is_refused() {
    let (_dir, store) = store();
    let w = store.writer(WriterOptions::default()).unwrap();
    let id = w.begin_session(new_session(1)).unwrap();
    w.finish_session(&id, session_end(1, 0)).unwrap();
    assert!(matches!(
        w.adapt(&id, adaptation("pace_scale", "s_km")),
        Err(Error::NotRecording(_))
    ));
    w.close().unwrap();
}
