//! End-to-end tests of the commands that talk to a monitor, against the
//! simulator (issue 5, [4/8]).

use std::process::{Command, Output};
use std::time::Duration;

fn erglink(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run erglink")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn issue5_raw_status_and_serial() {
    let o = erglink(&["raw", "--device", "sim:pm5", "GETSTATUS", "GETSERIAL"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = text(&o);
    assert!(out.contains("status 0x"), "{out}");
    let serial = out
        .lines()
        .find(|l| l.contains("GETSERIAL"))
        .and_then(|l| l.split('"').nth(1))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(serial.len(), 9);
    assert!(serial.chars().all(|c| c.is_ascii_digit()), "{serial}");
    assert!(out.contains("latency"), "{out}");
}

#[test]
fn issue5_raw_bad_checksum_gets_previous_frame_bad() {
    let o = erglink(&["raw", "--device", "sim:pm5", "F1 80 81 F2"]);
    let out = text(&o);
    assert!(out.contains("previous frame Bad"), "{out}{}", stderr(&o));
    // A refusal in `raw` is a run that failed.
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn issue5_raw_silent_bad_frame_times_out_naming_the_cause() {
    let o = erglink(&["raw", "--device", "sim:pm5?badframe=silent", "F1 80 81 F2"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no reply within 1000 ms"), "{err}");
    assert!(err.contains("checksum"), "{err}");
}

#[test]
fn issue5_raw_json_and_repeat_histogram() {
    let o = erglink(&[
        "raw",
        "--device",
        "sim:pm5",
        "--repeat",
        "20",
        "--json",
        "GETSTATUS",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["exchanges"].as_array().unwrap().len(), 20);
    assert_eq!(j["latency"]["count"], 20);
    assert!(j["exchanges"][0]["latency_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn issue5_devices_exits_0_without_monitors() {
    let o = erglink(&["devices"]);
    assert!(o.status.success());
    let o = erglink(&["devices", "--json"]);
    assert!(o.status.success());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["devices"].is_array());
}

#[test]
fn issue5_no_monitor_exits_3() {
    let o = erglink(&["raw", "GETSTATUS"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let o = erglink(&["raw", "--device", "nonsense", "GETSTATUS"]);
    assert_eq!(o.status.code(), Some(2));
    let o = erglink(&["raw", "--device", "sim:pm5?machine=canoe", "GETSTATUS"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn issue5_transcript_replays() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.txt");
    let o = erglink(&[
        "raw",
        "--device",
        "sim:pm5",
        "--transcript",
        t.to_str().unwrap(),
        "GETVERSION",
        "GETSERIAL",
    ]);
    assert!(o.status.success());
    let first = text(&o);
    let replay = format!("replay:{}", t.display());
    let o = erglink(&["raw", "--device", &replay, "GETVERSION", "GETSERIAL"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Same decoded reply, line for line (latency comes from the transcript).
    assert_eq!(text(&o), first);
    let o = erglink(&["raw", "--device", &replay, "GETSTATUS"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("differs from the recording"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn issue5_probe_runs_against_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("probe.txt");
    let o = erglink(&[
        "probe",
        "--device",
        "sim:pm5",
        "--out",
        out.to_str().unwrap(),
        "--samples",
        "10",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["model"], 5);
    assert!(j["bad_checksum"]["answered"].is_boolean());
    assert!(
        j["set_command_echo"]["skipped"].is_string(),
        "no set without --allow-set"
    );
    let summary = std::fs::read_to_string(dir.path().join("probe.txt.summary.json")).unwrap();
    assert!(summary.contains("latency"));
    let transcript = std::fs::read_to_string(&out).unwrap();
    assert!(transcript.starts_with("# erglink transcript v1"));
    assert!(transcript.lines().filter(|l| l.contains(" tx ")).count() > 20);
    // With --allow-set the echo of a Just Row program is recorded.
    let o = erglink(&[
        "probe",
        "--device",
        "sim:pm5",
        "--out",
        out.to_str().unwrap(),
        "--samples",
        "2",
        "--allow-set",
        "--json",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        j["set_command_echo"]["echoed"].as_array().unwrap().len(),
        2,
        "{j}"
    );
}

#[test]
fn issue5_console_through_a_pseudo_terminal() {
    use expectrl::{Expect, Regex, Session};
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_erglink"));
    cmd.args(["console", "--device", "sim:pm5"])
        .env("HOME", home.path())
        .env_remove("XDG_DATA_HOME");
    let mut p = Session::spawn(cmd).expect("spawn under a pty");
    p.set_expect_timeout(Some(Duration::from_secs(30)));
    p.expect("erglink> ").unwrap();
    p.send_line("GETSERIAL").unwrap();
    p.expect(Regex("serial \"[0-9]{9}\"")).unwrap();
    p.expect("erglink> ").unwrap();
    // Tab completes a command name.
    p.send("GETVERS\t").unwrap();
    p.expect("GETVERSION").unwrap();
    p.send_line("").unwrap();
    p.expect(Regex("manufacturer_id 22")).unwrap();
    p.send_line("help SETHORIZONTAL").unwrap();
    p.expect("usage: SETHORIZONTAL:distance,units").unwrap();
    p.send_line("F1 80 81 F2").unwrap();
    p.expect("previous frame Bad").unwrap();
    p.send_line("quit").unwrap();
    p.expect(expectrl::Eof).unwrap();
    // History survives the session.
    let hist =
        std::fs::read_to_string(home.path().join(".local/share/erglink/console_history")).unwrap();
    assert!(hist.contains("GETSERIAL"));
}
