//! End-to-end tests of `erglink record` and `erglink demo` (issue 7, [6/8]).

use std::io::BufRead;
use std::process::{Command, Output, Stdio};

fn erglink(args: &[&str], home: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_DATA_HOME")
        .env_remove("ERGLINK_DB")
        .env_remove("RUST_LOG")
        .output()
        .expect("run erglink")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn issue7_demo_records_and_sessions_lists_it() {
    let home = tempfile::tempdir().unwrap();
    let o = erglink(&["demo", "--json"], home.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let d = json(&o);
    assert_eq!(d["source"], "sim");
    assert!((1990.0..=2010.0).contains(&d["distance_m"].as_f64().unwrap()));
    assert!(d["strokes"].as_u64().unwrap() > 180);
    assert_eq!(d["force_curves"], d["complete_force_curves"]);
    assert!(d["rate_hz"].as_f64().unwrap() >= 0.9 * d["bus_limit_hz"].as_f64().unwrap());
    let db = home.path().join(".local/share/erglink/erglink.db");
    assert_eq!(d["database"], db.display().to_string());
    // Its Terra activity JSON, named by session id, beside the database.
    let terra = std::path::PathBuf::from(d["terra_json"].as_str().unwrap());
    assert_eq!(
        terra.file_stem().unwrap().to_str().unwrap(),
        d["session"].as_str().unwrap()
    );
    let activity: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&terra).unwrap()).unwrap();
    assert_eq!(activity["metadata"]["type"], 54);
    assert_eq!(activity["device_data"]["name"], "Simulated PM5");
    let list = json(&erglink(&["sessions", "--json"], home.path()));
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["id"], d["session"]);
}

#[test]
fn issue7_record_with_tags_until_finished() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("lab.db");
    let o = erglink(
        &[
            "record",
            "--device",
            "sim:pm5?workout=500m&seed=3",
            "--device",
            "sim:pm3?workout=500m&seed=4",
            "--db",
            db.to_str().unwrap(),
            "--until",
            "finished",
            "--athlete",
            "Ada",
            "--station",
            "erg 2",
            "--note",
            "test",
            "--json",
        ],
        home.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = json(&o);
    assert_eq!(r["sessions"].as_array().unwrap().len(), 2);
    let shown = json(&erglink(
        &[
            "show",
            r["sessions"][0]["session"].as_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--json",
        ],
        home.path(),
    ));
    let text = shown.to_string();
    assert!(text.contains("Ada") && text.contains("erg 2"), "{text}");
    // Quiet when not on a terminal: no live lines in the captured output.
    let o = erglink(
        &[
            "record",
            "--device",
            "sim:pm5?workout=500m",
            "--db",
            db.to_str().unwrap(),
            "--until",
            "finished",
        ],
        home.path(),
    );
    assert!(o.status.success());
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn issue7_bad_record_input_exits_2() {
    let home = tempfile::tempdir().unwrap();
    assert_eq!(
        erglink(&["record", "--device", "sim:pm9"], home.path())
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        erglink(&["record", "--until", "soonish"], home.path())
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn issue7_record_killed_mid_piece_loses_nothing_committed() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("crash.db");
    let log = home.path().join("commits.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args([
            "record",
            "--device",
            "sim:pm5?workout=2000m&pacing=realtime&start=0",
            "--db",
            db.to_str().unwrap(),
            "--commit-log",
            log.to_str().unwrap(),
        ])
        .env("HOME", home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait, by count, for a dozen commits that hold samples.
    let committed = loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let lines: Vec<(u64, u64)> = std::fs::File::open(&log)
            .map(|f| {
                std::io::BufReader::new(f)
                    .lines()
                    .map_while(Result::ok)
                    .filter_map(|l| {
                        let w: Vec<&str> = l.split_whitespace().collect();
                        Some((w.get(1)?.parse().ok()?, w.get(3)?.parse().ok()?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if lines.iter().filter(|(_, rows)| *rows > 0).count() >= 12 {
            break lines;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the recorder exited early"
        );
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let logged_rows = committed.iter().map(|(_, rows)| *rows).max().unwrap();

    // The database is sound and holds every committed row.
    let store = erglink_store::Store::open_existing(&db).unwrap();
    assert!(store.integrity_check().unwrap().is_empty());
    let reader = store.reader().unwrap();
    let sessions = reader.sessions().unwrap();
    assert_eq!(sessions.len(), 1);
    let c = sessions[0].counts;
    let rows = c.samples + c.strokes + c.force_curves + c.splits + c.gaps + c.exchanges;
    assert!(
        rows >= logged_rows,
        "{rows} rows stored, {logged_rows} logged as committed"
    );
    assert!(c.samples > 0);
    drop(reader);
    drop(store);
    // The next start marks the session interrupted, data kept.
    let list = json(&erglink(
        &["sessions", "--db", db.to_str().unwrap(), "--json"],
        home.path(),
    ));
    assert_eq!(list["sessions"][0]["state"]["name"], "interrupted");
    let store = erglink_store::Store::open_existing(&db).unwrap();
    let again = store.reader().unwrap().sessions().unwrap();
    assert_eq!(again[0].counts.samples, c.samples);
}

/// Issue 13 acceptance: a PM3 on a SkiErg, named with `--machine`, is
/// stored as a SkiErg with a complete force curve for every stroke.
/// Needs the recorder's `Options::machine` (the recorder helper's part).
#[test]
fn issue13_record_machine_skierg_on_a_pm3() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("lab.db");
    let dbs = db.to_str().unwrap();
    let o = erglink(
        &[
            "record",
            "-d",
            "sim:pm3?workout=2000m&machine=skierg",
            "--machine",
            "skierg",
            "--until",
            "finished",
            "--db",
            dbs,
            "--json",
        ],
        home.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = json(&o);
    let s = &r["sessions"][0];
    assert!(s["strokes"].as_u64().unwrap() > 100, "{r}");
    assert_eq!(s["complete_force_curves"], s["strokes"], "{r}");
    let shown = json(&erglink(
        &[
            "show",
            s["session"].as_str().unwrap(),
            "--json",
            "--db",
            dbs,
        ],
        home.path(),
    ));
    let session = &shown["session"];
    assert_eq!(
        session["machine"]["name"], "SkiErg",
        "{}",
        session["machine"]
    );
    // Told, not assumed.
    assert_eq!(session["machine_assumed"], false);
}

/// Issue 13: without `--machine`, a PM3's session is a RowErg marked as
/// assumed, and `show` says so. Needs the recorder's machine_assumed.
#[test]
fn issue13_record_pm3_without_machine_is_an_assumed_rowerg() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("lab.db");
    let dbs = db.to_str().unwrap();
    let o = erglink(
        &[
            "record",
            "-d",
            "sim:pm3?workout=500m&machine=skierg",
            "--until",
            "finished",
            "--db",
            dbs,
            "--json",
        ],
        home.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let id = json(&o)["sessions"][0]["session"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = json(&erglink(&["show", &id, "--json", "--db", dbs], home.path()));
    let session = &shown["session"];
    assert_eq!(
        session["machine"]["name"], "RowErg",
        "{}",
        session["machine"]
    );
    assert_eq!(session["machine_assumed"], true);
    let text = erglink(&["show", &id, "--db", dbs], home.path());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("RowErg (assumed: the PM3 cannot say; use --machine)"),
        "{text}"
    );
}

/// Issue 13's acceptance: a PM3 and a PM4 rowing 2000 m each store as many
/// complete force curves as strokes (before, 224 strokes and 0 curves).
#[test]
fn issue13_pm3_and_pm4_store_a_complete_force_curve_for_every_stroke() {
    for model in ["pm3", "pm4"] {
        let home = tempfile::tempdir().unwrap();
        let db = home.path().join("lab.db");
        let device = format!("sim:{model}?workout=2000m");
        let o = erglink(
            &[
                "record",
                "-d",
                &device,
                "--until",
                "finished",
                "--db",
                db.to_str().unwrap(),
                "--json",
            ],
            home.path(),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let r = json(&o);
        let s = &r["sessions"][0];
        assert!(s["strokes"].as_u64().unwrap() > 200, "{model}: {r}");
        assert_eq!(s["force_curves"], s["strokes"], "{model}: {r}");
        assert_eq!(s["complete_force_curves"], s["strokes"], "{model}: {r}");
    }
}

#[test]
fn issue13_bad_machine_exits_2_with_one_line() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("never.db");
    for bad in [
        &["--machine", "rowing"][..],
        &["--machine", "skierg", "--machine", "bikeerg"],
        &["--machine", "430228525=ski"],
        &["--machine", "=rower"],
    ] {
        let mut args = vec!["record", "-d", "sim:pm3", "--db", db.to_str().unwrap()];
        args.extend_from_slice(bad);
        let o = erglink(&args, home.path());
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{bad:?}: {err}");
        assert!(err.starts_with("erglink: bad --machine: "), "{err}");
    }
    assert!(!db.exists(), "nothing was recorded");
}
