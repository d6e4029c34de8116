//! End-to-end tests of `erglink sessions` and `erglink show`, named after
//! the issue whose acceptance they check (issue 6, the store). The sessions
//! are written with the store's own test_utils, then the binary reads them.

use std::path::Path;
use std::process::{Command, Output};

use erglink_model::SessionId;
use erglink_store::schema::VERSION;
use erglink_store::{Store, WriterOptions, test_utils};

fn erglink(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_erglink"));
    cmd.args(args)
        .env_remove("RUST_LOG")
        .env_remove("ERGLINK_DB")
        .env_remove("XDG_DATA_HOME");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run erglink")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn one_line_error(o: &Output, code: i32) -> String {
    assert_eq!(o.status.code(), Some(code), "{}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("erglink: "), "{err}");
    err
}

/// Two complete sessions (seeds 1 and 2, an hour apart) and one left
/// recording by a writer that went away.
fn lab(path: &Path) -> Vec<SessionId> {
    let store = Store::open(path).unwrap();
    let a = test_utils::record_session(&store, 1, 6000, 50).unwrap();
    let b = test_utils::record_session(&store, 2, 300, 50).unwrap();
    let w = store.writer(WriterOptions::default()).unwrap();
    let c = w.begin_session(test_utils::new_session(3)).unwrap();
    w.send(&c, test_utils::batch(0, 120)).unwrap();
    w.close().unwrap();
    vec![a, b, c]
}

#[test]
fn issue6_sessions_lists_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    let ids = lab(&db);
    let j = json(&erglink(
        &["sessions", "--json", "--db", db.to_str().unwrap()],
        &[],
    ));
    let listed: Vec<&str> = j["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()]);
    let first = &j["sessions"][2];
    assert_eq!(
        first["source"],
        serde_json::json!({"code": 1, "name": "sim"})
    );
    assert_eq!(first["state"]["name"], "complete");
    assert_eq!(first["started_at"], "2026-01-01T03:00:00.000+02:00");
    assert_eq!(first["progress"]["distance_m"], 539.9);
    assert_eq!(first["workout"]["type"]["name"], "FixedDistanceSplits");
    assert_eq!(first["workout"]["target"]["distance_m"], 2000);
    assert_eq!(first["monitor"]["model"]["name"], "PM5");
    assert_eq!(first["monitor"]["report_sizes"][1]["id"], "0x02");
    assert_eq!(first["telemetry"]["achieved_hz"], 49.87);
    assert_eq!(first["tags"]["athlete"], "Athlete 1");
    // The writer that left session 3 behind is gone: the listing's open
    // marked it interrupted, with its data.
    assert_eq!(j["sessions"][0]["state"]["name"], "interrupted");
    assert_eq!(j["sessions"][0]["counts"]["samples"], 120);

    let o = erglink(&["sessions", "--db", db.to_str().unwrap()], &[]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.starts_with("ID"), "{text}");
    assert!(text.contains("Simulated PM5"), "{text}");
    assert!(text.contains("interrupted"), "{text}");
    assert!(text.contains("3 sessions in"), "{text}");
}

#[test]
fn issue6_database_path_from_env_then_xdg() {
    let dir = tempfile::tempdir().unwrap();
    let env_db = dir.path().join("env.db");
    let env_ids = lab(&env_db);
    let xdg = dir.path().join("xdg");
    let xdg_db = xdg.join("erglink/erglink.db");
    let store = Store::open(&xdg_db).unwrap();
    let xdg_id = test_utils::record_session(&store, 5, 10, 10).unwrap();

    let listed = |o: Output| -> Vec<String> {
        json(&o)["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    let both = [
        ("ERGLINK_DB", env_db.as_path()),
        ("XDG_DATA_HOME", xdg.as_path()),
    ];
    assert_eq!(
        listed(erglink(&["sessions", "--json"], &both)).len(),
        env_ids.len()
    );
    assert_eq!(
        listed(erglink(&["sessions", "--json"], &both[1..])),
        [xdg_id.to_string()]
    );
    // --db wins over both.
    let o = erglink(
        &["sessions", "--json", "--db", xdg_db.to_str().unwrap()],
        &both[..1],
    );
    assert_eq!(listed(o), [xdg_id.to_string()]);
    // $HOME/.local/share/erglink/erglink.db last; a missing file is an empty list.
    let home = dir.path().join("home");
    let o = erglink(&["sessions", "--json"], &[("HOME", home.as_path())]);
    let j = json(&o);
    assert_eq!(j["sessions"], serde_json::json!([]));
    assert!(
        j["db"]
            .as_str()
            .unwrap()
            .ends_with("home/.local/share/erglink/erglink.db")
    );
    assert!(!home.exists(), "listing created nothing");
}

#[test]
fn issue6_show_by_prefix_with_samples() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    let ids = lab(&db);
    let dbs = db.to_str().unwrap();
    // An hour apart, so the first 8 characters (the time) tell them apart;
    // and any case will do.
    let prefix = ids[0].as_str()[..8].to_lowercase();
    let j = json(&erglink(&["show", &prefix, "--json", "--db", dbs], &[]));
    assert_eq!(j["session"]["id"], ids[0].as_str());
    assert_eq!(j["strokes"].as_array().unwrap().len(), 6000 / 115);
    assert_eq!(j["strokes"][0]["peak_force_n"], 889.644323);
    assert_eq!(j["splits"][0]["distance_m"], 500.0);
    assert_eq!(j["gaps"], serde_json::json!([]));
    assert!(j.get("samples").is_none());

    let j = json(&erglink(
        &["show", ids[0].as_str(), "--json", "--samples", "--db", dbs],
        &[],
    ));
    let samples = j["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 6000);
    assert_eq!(samples[10]["distance_m"], 0.9);
    assert_eq!(samples[1]["pace_s_per_500m"], 111.12);
    assert_eq!(samples[0]["hr_bpm"], 140);
    assert_eq!(samples[1]["hr_bpm"], serde_json::Value::Null);
    assert_eq!(samples[0]["stroke_state"]["name"], "Driving");
    assert_eq!(j["force_curves"].as_array().unwrap().len(), 6000 / 115);
    assert!(
        j["force_curves"][0]["samples_lbf"]
            .as_array()
            .unwrap()
            .len()
            >= 38
    );

    let o = erglink(&["show", ids[1].as_str(), "--samples", "--db", dbs], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with(&format!("session {}", ids[1])), "{text}");
    assert!(text.contains("athlete \"Athlete 2\""), "{text}");
    // Header, the sample table's two title lines, and 300 samples.
    assert_eq!(
        text.lines().skip_while(|l| *l != "samples").count(),
        2 + 300,
        "{text}"
    );
}

#[test]
fn issue6_show_rejects_unknown_and_ambiguous_ids() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    lab(&db);
    let dbs = db.to_str().unwrap();
    let e = one_line_error(&erglink(&["show", "0", "--db", dbs], &[]), 2);
    assert!(e.contains("matches 3 sessions"), "{e}");
    let e = one_line_error(&erglink(&["show", "7ZZZZ", "--db", dbs], &[]), 2);
    assert!(e.contains("no session id starts with"), "{e}");
    let e = one_line_error(&erglink(&["show", "not-an-id", "--db", dbs], &[]), 2);
    assert!(e.contains("is not a session id"), "{e}");
    let missing = dir.path().join("none.db");
    one_line_error(
        &erglink(&["show", "0", "--db", missing.to_str().unwrap()], &[]),
        2,
    );
    assert!(!missing.exists());
}

#[test]
fn issue6_newer_database_exits_2_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("newer.db");
    Store::open(&db).unwrap();
    test_utils::set_user_version(&db, VERSION + 1).unwrap();
    let before = std::fs::read(&db).unwrap();
    for args in [&["sessions"][..], &["show", "0"]] {
        let mut args = args.to_vec();
        args.extend(["--db", db.to_str().unwrap()]);
        let e = one_line_error(&erglink(&args, &[]), 2);
        assert!(e.contains("newer erglink"), "{e}");
        assert!(
            e.contains(&format!("schema version {}", VERSION + 1)),
            "{e}"
        );
    }
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn issue6_corrupt_database_exits_1_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("broken.db");
    let garbage = b"this is not an SQLite database, but it is someone's file".repeat(100);
    std::fs::write(&db, &garbage).unwrap();
    let e = one_line_error(
        &erglink(&["sessions", "--db", db.to_str().unwrap()], &[]),
        1,
    );
    assert!(e.contains("damaged or not a database"), "{e}");
    assert!(e.contains("left as it is"), "{e}");
    assert_eq!(std::fs::read(&db).unwrap(), garbage);
}

/// Issue 13: a session whose machine was assumed, with what the recorder
/// adapted, on a PM3 (which cannot say which machine it sits on).
#[test]
fn issue13_show_says_the_machine_was_assumed_and_lists_adaptations() {
    use erglink_model::{Adaptation, PmModel};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    let dbs = db.to_str().unwrap();
    let store = Store::open(&db).unwrap();
    let w = store.writer(WriterOptions::default()).unwrap();
    let mut s = test_utils::new_session(1);
    s.machine_assumed = true;
    if let Some(m) = &mut s.monitor {
        m.model = PmModel::Pm3;
    }
    let assumed = w.begin_session(s).unwrap();
    let dropped = Adaptation {
        what: "command_dropped".into(),
        value: "PM_GET_STROKESTATS".into(),
        why: "the PM rejects it (PM3 and PM4 do)".into(),
    };
    w.adapt(&assumed, dropped.clone()).unwrap();
    let mut end = test_utils::session_end(1, 0);
    end.telemetry.adaptations = vec![
        dropped,
        Adaptation {
            what: "pace_scale".into(),
            value: "s_500m".into(),
            why: "GETPACE read as s/km disagrees with GETPOWER".into(),
        },
    ];
    w.finish_session(&assumed, end).unwrap();
    let told = w.begin_session(test_utils::new_session(2)).unwrap();
    w.finish_session(&told, test_utils::session_end(2, 0))
        .unwrap();
    w.close().unwrap();

    let j = json(&erglink(
        &["show", assumed.as_str(), "--json", "--db", dbs],
        &[],
    ));
    let session = &j["session"];
    assert_eq!(session["machine"]["name"], "RowErg");
    assert_eq!(session["machine_assumed"], true);
    assert_eq!(
        session["adaptations"],
        serde_json::json!([
            {"what": "command_dropped", "value": "PM_GET_STROKESTATS",
             "why": "the PM rejects it (PM3 and PM4 do)"},
            {"what": "pace_scale", "value": "s_500m",
             "why": "GETPACE read as s/km disagrees with GETPOWER"},
        ])
    );
    let o = erglink(&["show", assumed.as_str(), "--db", dbs], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("on a RowErg (assumed: the PM3 cannot say; use --machine)"),
        "{text}"
    );
    assert!(
        text.contains("adapted     command_dropped PM_GET_STROKESTATS: the PM rejects it"),
        "{text}"
    );
    assert!(
        text.contains("pace_scale s_500m: GETPACE read as s/km"),
        "{text}"
    );

    // A machine the monitor reported is not marked, and nothing adapted shows nothing.
    let j = json(&erglink(
        &["show", told.as_str(), "--json", "--db", dbs],
        &[],
    ));
    assert_eq!(j["session"]["machine_assumed"], false);
    assert_eq!(j["session"]["adaptations"], serde_json::json!([]));
    let text = stdout(&erglink(&["show", told.as_str(), "--db", dbs], &[]));
    assert!(!text.contains("assumed"), "{text}");
    assert!(!text.contains("adapted"), "{text}");
    // The listing carries both too.
    let j = json(&erglink(&["sessions", "--json", "--db", dbs], &[]));
    let listed = j["sessions"].as_array().unwrap();
    let first = listed.iter().find(|s| s["id"] == assumed.as_str()).unwrap();
    assert_eq!(first["machine_assumed"], true);
    assert_eq!(first["adaptations"].as_array().unwrap().len(), 2);
}
