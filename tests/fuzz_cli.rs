//! `erglink fuzz` through the binary (issue 19, part 2): it finds the
//! simulator's planted hang, minimises it, and saves a transcript that
//! `--reproduce` sends again and `replay:` plays.

use std::process::{Command, Output};

fn erglink(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("ERGLINK_SIM_BUS")
        .output()
        .expect("run erglink")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

const HANG: &str = "sim:pm5?faults=hang_on:A7";

#[test]
fn issue19_fuzz_finds_the_planted_hang_and_saves_a_transcript_that_reproduces_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("anomalies");
    let o = erglink(&[
        "fuzz",
        "--device",
        HANG,
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "anomalies fail the run: {}",
        text(&o)
    );
    let doc = json(&o);
    let found = doc["anomalies"].as_array().unwrap();
    assert_eq!(
        found.len(),
        1,
        "one hang, found again and again, saved once: {doc:#}"
    );
    let a = &found[0];
    assert_eq!(a["kind"], "needs-reopen");
    // GETCADENCE (A7) is in no seed: a mutation reached it, and the
    // minimiser cut the frame down to that one command.
    assert_eq!(a["frame"], "F1 A7 A7 F2", "{a:#}");
    assert_ne!(a["original"], a["frame"], "{a:#}");
    assert!(doc["duplicates"].as_u64().unwrap() >= 1, "{doc:#}");
    let file = a["file"].as_str().unwrap().to_string();
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        saved.starts_with("# summary: needs-reopen: F1 A7 A7 F2: "),
        "{saved}"
    );
    let summary = std::fs::read_to_string(out.join("summary.txt")).unwrap();
    assert_eq!(summary.lines().count(), 1, "{summary}");
    assert!(
        summary.starts_with("001-needs-reopen.txt: needs-reopen: F1 A7 A7 F2"),
        "{summary}"
    );

    // It recurs on the faulty monitor, not on a healthy one.
    let o = erglink(&["fuzz", "--reproduce", &file, "--device", HANG]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).starts_with("recurs: needs-reopen"), "{}", text(&o));
    let o = erglink(&["fuzz", "--reproduce", &file, "--device", "sim:pm5"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).starts_with("does not recur: expected needs-reopen, got nothing wrong"),
        "{}",
        text(&o)
    );

    // `replay:` plays it: the same requests get the recorded answers, and
    // silence where the monitor hung.
    let replay = format!("replay:{file}");
    let o = erglink(&["fuzz", "--reproduce", &file, "--device", &replay, "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&o)["recurs"], true);
    let o = erglink(&["raw", "--device", &replay, "F1 80 80 F2"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("reply F1 81 81 F2"), "{}", text(&o));
}

#[test]
fn issue19_fuzz_is_deterministic_safe_by_default_and_quiet_on_a_healthy_monitor() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "fuzz",
            "-d",
            "sim:pm5",
            "--count",
            "400",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(extra);
        let o = erglink(&args);
        assert!(o.status.success(), "{}", text(&o));
        json(&o)
    };
    let first = run(&["--seed", "5"]);
    assert_eq!(first, run(&["--seed", "5"]), "the same seed, the same run");
    assert_ne!(first["stats"], run(&["--seed", "6"])["stats"]);
    assert!(
        first["anomalies"].as_array().unwrap().is_empty(),
        "{first:#}"
    );
    let total = |doc: &serde_json::Value, key: &str| -> u64 {
        doc["stats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s[key].as_u64().unwrap())
            .sum()
    };
    assert!(
        total(&first, "held") > 0,
        "set, state and unknown-id frames are held back: {first:#}"
    );
    assert_eq!(total(&first, "sent") + total(&first, "held"), 400);
    let unknown = first["stats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["mutation"] == "unknown-id")
        .unwrap();
    assert_eq!(unknown["sent"], 0, "{unknown}");
    let all = run(&["--seed", "5", "--allow-set"]);
    assert_eq!(total(&all, "held"), 0);
    assert!(all["anomalies"].as_array().unwrap().is_empty(), "{all:#}");

    let garbage = dir.path().join("garbage.txt");
    std::fs::write(&garbage, "not a transcript\n").unwrap();
    let o = erglink(&[
        "fuzz",
        "--reproduce",
        garbage.to_str().unwrap(),
        "-d",
        "sim:pm5",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.starts_with("erglink: cannot reproduce "), "{stderr}");
}

#[test]
fn issue19_fuzz_shows_a_progress_bar_on_a_terminal() {
    use expectrl::{Expect, Session};
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_erglink"));
    cmd.args(["fuzz", "--device", HANG, "--out"])
        .arg(dir.path())
        .env_remove("RUST_LOG");
    let mut p = Session::spawn(cmd).expect("spawn under a pty");
    // A guard against a hung child, not a measurement.
    p.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
    p.expect("/1000 frames").unwrap();
    p.expect("anomaly: ").unwrap();
    p.expect("needs-reopen: F1 A7 A7 F2").unwrap();
    p.expect("1 anomaly saved in").unwrap();
    p.expect(expectrl::Eof).unwrap();
}
