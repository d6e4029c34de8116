//! End-to-end tests of live streaming (issue 17): `erglink record --serve`
//! with simulated monitors at `pacing=realtime`, asked by a Terra
//! streaming consumer written in Python from Terra's published protocol
//! (`tests/terra_stream_client.py`, the `websockets` package in the venv
//! `tools/test` makes).
//!
//! Waits are bounded by what the programs say (lines read, sessions ended),
//! never by the clock.

mod live_common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use erglink_store::Store;
use live_common::{DEV_ID, KEY, Recording, Serving, get_json, monitors, websockets_python};
use serde_json::Value;

fn client(python: &Path, args: &[&str]) -> Child {
    Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/terra_stream_client.py"
        ))
        .args(args)
        .env("ERGLINK_TEST_DEV_ID", DEV_ID)
        .env("ERGLINK_TEST_API_KEY", KEY)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

fn output(c: Child) -> Value {
    let out = c.wait_with_output().unwrap();
    assert!(out.status.success(), "the Python client failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn issue17_a_terra_consumer_sees_every_stroke_once_in_order() {
    let Some(python) = websockets_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("erglink.db");
    let rec = Recording::start(&db, &monitors(2, "100m"), &["--heartbeat-interval", "1000"]);
    let closes = client(&python, &["closes", &rec.addr]);
    let stream = client(&python, &["stream", &rec.addr, "2"]);
    let closes = output(closes);
    let seen = output(stream);
    let summary = rec.finish();

    // The handshake and heartbeats.
    assert_eq!(seen["hello_interval_s"], 1.0);
    assert_eq!(seen["ready"]["op"], 4);
    let beats = seen["heartbeats"].as_u64().unwrap();
    assert!(beats >= 20, "{beats} heartbeats");
    assert!(seen["acks"].as_u64().unwrap() + 1 >= beats);

    // Seq is monotonic across the server.
    let first = seen["first"].as_array().unwrap();
    let seqs: Vec<u64> = first.iter().map(|d| d["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq increases");
    assert_eq!(seqs[0], 1, "the first consumer was there from the start");

    // Every stroke of every session, once, in order, as stored.
    let store = Store::open(&db).unwrap();
    let reader = store.reader().unwrap();
    let sessions = summary["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let mut by_session: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for d in first.iter().filter(|d| d["t"] == "STROKE") {
        by_session
            .entry(d["d"]["session_id"].as_str().unwrap().to_string())
            .or_default()
            .push(d);
    }
    for s in sessions {
        let id = reader.resolve(s["session"].as_str().unwrap()).unwrap();
        let stored: Vec<_> = reader.strokes(&id).unwrap().map(Result::unwrap).collect();
        let live = &by_session[id.as_str()];
        assert!(stored.len() >= 10, "{} strokes", stored.len());
        assert_eq!(live.len(), stored.len(), "every stroke once");
        for (l, st) in live.iter().zip(&stored) {
            assert_eq!(l["d"]["stroke"], st.index, "in order");
            let d = l["d"]["d"].as_array().unwrap();
            assert_eq!(d.len(), 6);
            assert_eq!(
                d[3].as_f64().unwrap(),
                f64::from(st.drive_length_cm) / 100.0
            );
            assert_eq!(d[4].as_f64().unwrap(), f64::from(st.drive_time_cs) / 100.0);
            assert_eq!(d[5].as_f64().unwrap(), f64::from(st.peak_force_dlbf) / 10.0);
        }
        let curves = first
            .iter()
            .filter(|d| d["t"] == "FORCE_CURVE" && d["d"]["session_id"] == id.as_str())
            .count();
        assert_eq!(
            curves as u64,
            reader.session(&id).unwrap().counts.force_curves
        );
        let serial = reader.session(&id).unwrap().monitor.unwrap().serial;
        assert!(live.iter().all(|l| l["d"]["serial"] == serial.as_str()));
        let starts = first
            .iter()
            .filter(|d| d["t"] == "SESSION_START" && d["d"]["session_id"] == id.as_str())
            .count();
        let ends: Vec<_> = first
            .iter()
            .filter(|d| d["t"] == "SESSION_END" && d["d"]["session_id"] == id.as_str())
            .collect();
        // What this session's dispatches were, should it fail (seen once under
        // load with four live tests at once; not reproduced alone).
        let mine: Vec<(u64, &str)> = first
            .iter()
            .filter(|d| d["d"]["session_id"] == id.as_str())
            .map(|d| (d["seq"].as_u64().unwrap(), d["t"].as_str().unwrap()))
            .collect();
        let lost = seqs.windows(2).filter(|w| w[1] != w[0] + 1).count();
        assert_eq!(
            (starts, ends.len()),
            (1, 1),
            "session {id}: {} dispatches, first {:?}, last {:?}; {lost} jumps in seq; record said: {}",
            mine.len(),
            mine.first(),
            mine.last(),
            summary
        );
        assert_eq!(ends[0]["d"]["state"], "complete");
    }
    for t in [
        "POWER",
        "CADENCE",
        "DISTANCE",
        "SPEED",
        "HEART_RATE",
        "SPLIT",
    ] {
        assert!(first.iter().any(|d| d["t"] == t), "no {t}");
    }
    for d in first {
        let ts = d["d"]["ts"].as_str().unwrap();
        assert!(
            ts.len() == 29 && ts.contains('T'),
            "ISO 8601 with offset: {ts}"
        );
        assert!(d["d"]["val"].is_number());
        assert!(d["d"]["station"].is_null());
    }

    // REPLAY: what the late consumer missed, then what it saw live, is
    // what the first one saw, frame for frame.
    let late = seen["late"].as_array().unwrap();
    let first_live = seen["late_first_live"].as_u64().unwrap();
    assert!(first_live > 1);
    let (replayed, live): (Vec<&Value>, Vec<&Value>) = late
        .iter()
        .partition(|d| d["seq"].as_u64().unwrap() < first_live);
    assert_eq!(replayed.len() as u64, first_live - 1, "every missed seq");
    let mut joined: Vec<&Value> = replayed.into_iter().chain(live).collect();
    joined.sort_by_key(|d| d["seq"].as_u64().unwrap());
    let expected: Vec<&Value> = first.iter().collect();
    assert_eq!(joined.len(), expected.len());
    assert!(joined == expected, "the late consumer's copy differs");

    // Close codes as published.
    assert_eq!(closes["no_identify"], 4000);
    assert_eq!(closes["producer"], 4001);
    assert_eq!(closes["bad_token"], 4001);
    assert_eq!(seen["close_on_reused_token"], 4001);
    assert_eq!(closes["second_identify"], 4003);
    assert_eq!(closes["missed_heartbeat"], 4005);
    assert_eq!(closes["malformed"], 1003);
    assert_eq!(closes["replay_bad_payload"], 1003);
    assert_eq!(closes["unknown_op"], 4004);
    assert_eq!(closes["submit_on_consumer"], 4004);
    assert_eq!(closes["token_without_credentials"], 400);
    assert_eq!(closes["token_with_a_wrong_key"], 403);
}

#[test]
fn issue17_a_stuck_consumer_costs_the_recording_nothing() {
    let Some(python) = websockets_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("erglink.db");
    let rec = Recording::start(&db, &monitors(8, "100m"), &[]);
    let seen = output(client(&python, &["stuck", &rec.addr, "8"]));
    let summary = rec.finish();

    // The recording is complete: every session finished, all of it stored.
    let store = Store::open(&db).unwrap();
    let reader = store.reader().unwrap();
    let sessions = summary["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 8);
    let mut strokes = 0;
    for s in sessions {
        assert_eq!(s["workout_finished"], true);
        let id = reader.resolve(s["session"].as_str().unwrap()).unwrap();
        let stored = reader.session(&id).unwrap();
        assert_eq!(stored.counts.samples, s["samples"].as_u64().unwrap());
        assert_eq!(stored.counts.strokes, s["strokes"].as_u64().unwrap());
        assert!((995..=1_010).contains(&stored.counts.last_distance_dm.unwrap()));
        assert!(s["achieved_hz"].as_f64().unwrap() > 0.75 * 38.46, "{s}");
        strokes += stored.counts.strokes;
    }
    // The consumer that reads got everything, in order.
    assert_eq!(seen["reader_ended"], 8);
    assert_eq!(seen["reader_seqs_increasing"], true);
    assert_eq!(seen["reader_strokes"].as_u64().unwrap(), strokes);

    // The stuck one lost dispatches; its queue and the server stayed bounded.
    let stats: Vec<&Value> = seen["stats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.get("dispatched").is_some())
        .collect();
    assert!(stats.len() >= 5, "{} stats read", stats.len());
    let last = stats.last().unwrap();
    assert!(last["dropped"].as_u64().unwrap() > 0, "{last}");
    assert_eq!(last["consumers"], 2);
    for s in &stats {
        assert!(s["deepest_queue"].as_u64() <= s["queue_capacity"].as_u64());
        let rss = s["rss_kib"].as_u64().unwrap();
        assert!(rss < 256 * 1024, "RSS {rss} KiB");
    }
    let rss: Vec<u64> = stats
        .iter()
        .map(|s| s["rss_kib"].as_u64().unwrap())
        .collect();
    eprintln!(
        "RSS while the stuck consumer stalled, KiB: {rss:?}; dispatches dropped for it: {}",
        last["dropped"]
    );
}

#[test]
fn issue17_serve_alone_follows_a_recording_in_another_process() {
    let Some(python) = websockets_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("erglink.db");
    Store::open(&db).unwrap();
    let serving = Serving::start(&db);
    let stream = client(&python, &["stream", &serving.addr, "2"]);
    // The consumer is in before the recording starts (counted, not timed).
    loop {
        let s = get_json(&serving.addr, "/live/stats");
        if s.is_some_and(|s| s["consumers"].as_u64() >= Some(1)) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let rec = Recording::start_without_serving(&db, &monitors(2, "100m"));
    let seen = output(stream);
    let summary = rec.finish();
    let first = seen["first"].as_array().unwrap();
    let seqs: Vec<u64> = first.iter().map(|d| d["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq increases");
    let reader = Store::open(&db).unwrap().reader().unwrap();
    for s in summary["sessions"].as_array().unwrap() {
        let id = reader.resolve(s["session"].as_str().unwrap()).unwrap();
        let stored: Vec<u32> = reader
            .strokes(&id)
            .unwrap()
            .map(|s| s.unwrap().index)
            .collect();
        let live: Vec<u32> = first
            .iter()
            .filter(|d| d["t"] == "STROKE" && d["d"]["session_id"] == id.as_str())
            .map(|d| d["d"]["stroke"].as_u64().unwrap() as u32)
            .collect();
        assert!(stored.len() >= 10);
        assert_eq!(live, stored, "every stroke once, in order");
        for t in ["SESSION_START", "SESSION_END", "FORCE_CURVE", "DISTANCE"] {
            assert!(
                first
                    .iter()
                    .any(|d| d["t"] == t && d["d"]["session_id"] == id.as_str()),
                "no {t} for {id}"
            );
        }
    }
    // The late consumer's REPLAY worked here too.
    assert_eq!(seen["late"].as_array().unwrap().len(), first.len());
}

#[test]
fn issue17_record_serve_bad_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("erglink.db");
    for args in [
        &["--serve", "0.0.0.0:0"][..],
        &["--serve", "not-an-address"],
        &["--heartbeat-interval", "1000"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_erglink"))
            .env_remove("RUST_LOG")
            .env_remove("ERGLINK_DB")
            .arg("record")
            .arg("--db")
            .arg(&db)
            .args(["-d", "sim:pm5?workout=100m", "--until", "finished"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("erglink: "), "{err}");
    }
    // Out of range: clap's own usage error, exit 2 as well.
    let out = Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args([
            "record",
            "--serve",
            "127.0.0.1:0",
            "--heartbeat-interval",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
