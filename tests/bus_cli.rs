//! The binary on a simulated bus (`ERGLINK_SIM_BUS`): `devices` lists each
//! monitor once with a selector `--device` accepts, and `record` waits for
//! monitors that are late, refused or asleep (issue [1/7]).

use std::path::Path;
use std::process::{Command, Output};

fn erglink(args: &[&str], bus: &str, home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args(args)
        .env("HOME", home)
        .env_remove("ERGLINK_DB")
        .env_remove("XDG_DATA_HOME")
        .env_remove("RUST_LOG")
        .env("ERGLINK_SIM_BUS", bus)
        .output()
        .expect("run erglink")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn devices_lists_the_bus_each_once_with_selectors_device_accepts() {
    let home = tempfile::tempdir().unwrap();
    let bus = "sim:pm5?seed=1 sim:pm3?seed=2&deny=3000 sim:pm4?seed=3@5";
    let o = erglink(&["devices", "--json"], bus, home.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let devices = j["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2, "the PM4 plugs in at 5 s: {devices:?}");
    for d in devices {
        let selector = d["selector"].as_str().unwrap();
        // What `devices` prints, `--device` takes (a deny= monitor refuses
        // `raw` for its first 3 s: that is the point of it).
        let o = erglink(&["raw", "--device", selector, "GETSERIAL"], "", home.path());
        if selector.contains("deny=") {
            assert_eq!(o.status.code(), Some(1), "{selector}: {}", stderr(&o));
            assert!(stderr(&o).contains("Permission denied"), "{}", stderr(&o));
        } else {
            assert!(o.status.success(), "{selector}: {}", stderr(&o));
        }
    }
    let o = erglink(&["devices"], "sim:pm5 sim:pm5", home.path());
    assert_eq!(
        o.status.code(),
        Some(2),
        "two monitors, one serial: bad input"
    );
    assert!(stderr(&o).contains("seed="), "{}", stderr(&o));
}

#[test]
fn record_all_on_the_bus_waits_for_a_refused_sleeping_monitor_and_ends() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("bus.db");
    let bus = "sim:pm5?workout=500m&seed=1 \
               sim:pm3?workout=500m&seed=2&deny=3000&asleep=5000&start=12@2";
    let o = erglink(
        &[
            "record",
            "--until",
            "finished",
            "--json",
            "--db",
            db.to_str().unwrap(),
        ],
        bus,
        home.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sessions = j["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{j}");
    assert!(
        sessions.iter().all(|s| s["workout_finished"] == true),
        "{j}"
    );
    // Said once, not at every retry.
    let err = stderr(&o);
    assert_eq!(err.matches("waiting for monitor").count(), 1, "{err}");
}

#[test]
fn record_of_a_named_monitor_waits_until_it_is_plugged_in() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("named.db");
    let o = erglink(
        &[
            "record",
            "--device",
            "hid:serial=400000007",
            "--until",
            "finished",
            "--json",
            "--db",
            db.to_str().unwrap(),
        ],
        "sim:pm4?workout=500m&serial=400000007@9",
        home.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(
        err.matches("waiting for monitor hid:serial=400000007")
            .count(),
        1,
        "{err}"
    );
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["sessions"].as_array().unwrap().len(), 1, "{j}");
}
