//! Issue 13 (probe): `erglink probe` names the reading of each unknown a
//! monitor shows, in the simulator's own option names, and ends with one
//! line to paste back. Each test runs the probe against the simulator and
//! checks its readings against the options the simulator was given.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value as Json;

fn erglink(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run erglink")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Probes `device` (with `extra` arguments) and returns the JSON summary.
fn probe(dir: &Path, device: &str, extra: &[&str]) -> Json {
    let out = dir.join("probe.txt");
    let mut args = vec![
        "probe",
        "--device",
        device,
        "--out",
        out.to_str().unwrap(),
        "--samples",
        "2",
        "--json",
    ];
    args.extend_from_slice(extra);
    let o = erglink(&args);
    assert!(o.status.success(), "{device}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{device}: {e}"))
}

fn reading<'a>(j: &'a Json, key: &str) -> &'a str {
    j["readings"][key]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("no reading {key}: {}", j["readings"]))
}

fn why(j: &Json, key: &str) -> String {
    j["readings"][key]["why"].as_str().unwrap_or("").to_string()
}

#[test]
fn issue13_probe_a_pm5_as_the_simulator_plays_it_today() {
    let dir = tempfile::tempdir().unwrap();
    let j = probe(dir.path(), "sim:pm5?hr=off", &[]);
    for (key, value) in [
        ("model", "PM5"),
        ("model_byte", "5"),
        ("machine", "rower"),
        ("prev_status", "this"),
        ("proprietary", "answer"),
        ("stats", "drive"),
        ("pace_units", "s_km"),
        ("cadence_units", "yes"),
        ("hr_none", "0"),
        ("byteorder_7f", "be"),
    ] {
        assert_eq!(reading(&j, key), value, "{key}: {}", why(&j, key));
    }
    assert!(
        reading(&j, "descriptor").starts_with("1:20,"),
        "{}",
        j["readings"]
    );
    // No rest in a just-row piece, no set command without --allow-set.
    assert_eq!(reading(&j, "resttime"), "unknown");
    assert!(why(&j, "resttime").contains("no rest"));
    assert_eq!(reading(&j, "echo"), "unknown");
    assert!(why(&j, "echo").contains("--allow-set"));
    assert!(
        j["watch"]["strokes"].as_u64().unwrap() > 5,
        "{}",
        j["watch"]
    );
    // The line has every reading, in order, and nothing else.
    let line = j["readings_line"].as_str().unwrap();
    assert!(
        line.starts_with("readings: descriptor=1:20,") && line.contains(" pace_units=s_km "),
        "{line}"
    );
    assert_eq!(line.split(' ').count(), 1 + 13, "{line}");
    // The summary beside the transcript carries them too.
    let summary = std::fs::read_to_string(dir.path().join("probe.txt.summary.json")).unwrap();
    let summary: Json = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["readings"], j["readings"]);
}

#[test]
fn issue13_probe_text_ends_with_the_line_to_paste() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.txt");
    let o = erglink(&[
        "probe",
        "-d",
        "sim:pm5?hr=off",
        "--out",
        out.to_str().unwrap(),
        "--samples",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("readings: descriptor="), "{text}");
    assert!(last.contains(" stats=drive "), "{last}");
    assert!(text.contains("  stats          drive ("), "{text}");
}

#[test]
fn issue13_probe_a_pm3_which_cannot_say_its_machine() {
    let dir = tempfile::tempdir().unwrap();
    let j = probe(dir.path(), "sim:pm3?hr=off&machine=skierg", &[]);
    assert_eq!(reading(&j, "model"), "PM3");
    assert_eq!(reading(&j, "machine"), "unknown");
    assert!(why(&j, "machine").contains("pass --machine"));
    // PM3 and PM4 refuse the PM5 generation's getters.
    assert_eq!(reading(&j, "proprietary"), "refuse:E8,ED");
    assert_eq!(reading(&j, "stats"), "unknown");
    assert!(why(&j, "stats").contains("1A 6E"), "{}", why(&j, "stats"));
    // The PM3's refusal of 6E is itself the rejected frame.
    assert_eq!(reading(&j, "prev_status"), "this");
    // Told the machine, the probe reads the pace against a SkiErg's power.
    let j = probe(
        dir.path(),
        "sim:pm3?hr=off&machine=skierg",
        &["--machine", "skierg"],
    );
    assert_eq!(reading(&j, "machine"), "skierg");
    assert!(why(&j, "machine").contains("--machine"));
    assert_eq!(
        reading(&j, "pace_units"),
        "s_km",
        "{}",
        why(&j, "pace_units")
    );
}

#[test]
fn issue13_probe_an_unknown_bikeerg_pace_needs_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let j = probe(dir.path(), "sim:pm4?hr=off&machine=bikeerg", &[]);
    assert_eq!(reading(&j, "pace_units"), "unknown");
    assert!(why(&j, "pace_units").contains("pass --machine"));
    let j = probe(
        dir.path(),
        "sim:pm4?hr=off&machine=bikeerg",
        &["--machine", "bikeerg"],
    );
    assert_eq!(
        reading(&j, "pace_units"),
        "s_km",
        "{}",
        why(&j, "pace_units")
    );
}

#[test]
fn issue13_probe_hr_with_a_belt_and_echo_with_allow_set() {
    let dir = tempfile::tempdir().unwrap();
    let j = probe(dir.path(), "sim:pm5?hr=on", &["--allow-set"]);
    assert_eq!(reading(&j, "hr_none"), "unknown");
    assert!(
        why(&j, "hr_none").contains("belt"),
        "{}",
        why(&j, "hr_none")
    );
    assert_eq!(reading(&j, "echo"), "ids", "{}", why(&j, "echo"));
}

#[test]
fn issue13_probe_rejects_a_bad_machine() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.txt");
    let o = erglink(&[
        "probe",
        "-d",
        "sim:pm3",
        "--out",
        out.to_str().unwrap(),
        "--machine",
        "canoe",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("erglink: bad --machine: "), "{err}");
    assert!(!out.exists(), "nothing was probed");
}

/// Every quirk value of issue 13 that the probe reads, each on its own:
/// the reading must name the value the simulator was given. Needs the
/// simulator to play the quirks (the simulator helper's part).
#[test]
fn issue13_probe_reads_every_quirk_value() {
    let dir = tempfile::tempdir().unwrap();
    let rest = "workout=2x100m/0:20r";
    let cases: &[(&str, &str, &str, &str)] = &[
        // (model, options, reading, value)
        ("pm5", "pace_units=s_km", "pace_units", "s_km"),
        ("pm5", "pace_units=s_500m", "pace_units", "s_500m"),
        ("pm5", "pace_units=cs_500m", "pace_units", "cs_500m"),
        ("pm3", "pace_units=cs_500m", "pace_units", "cs_500m"),
        ("pm5", "cadence_units=yes", "cadence_units", "yes"),
        ("pm5", "cadence_units=no", "cadence_units", "no"),
        ("pm3", "cadence_units=no", "cadence_units", "no"),
        ("pm5", "hr_none=0", "hr_none", "0"),
        ("pm5", "hr_none=255", "hr_none", "255"),
        ("pm5", "byteorder_7f=be", "byteorder_7f", "be"),
        ("pm5", "byteorder_7f=le", "byteorder_7f", "le"),
        ("pm5", &format!("{rest}&resttime=s"), "resttime", "s"),
        ("pm5", &format!("{rest}&resttime=cs"), "resttime", "cs"),
        ("pm4", "model_byte=5", "model_byte", "5"),
        ("pm4", "model_byte=5", "model", "product:PM4,getversion:5"),
        ("pm5", "stats=drive", "stats", "drive"),
        ("pm5", "stats=recovery", "stats", "recovery"),
        ("pm5", "stats=late", "stats", "late"),
        ("pm5", "proprietary=answer", "proprietary", "answer"),
        ("pm5", "proprietary=refuse", "proprietary", "refuse"),
        ("pm5", "proprietary=silent", "proprietary", "silent"),
        (
            "pm5",
            "proprietary=refuse:A0,ED",
            "proprietary",
            "refuse:A0,ED",
        ),
        ("pm5", "proprietary=silent:ED", "proprietary", "silent:ED"),
        ("pm5", "prev_status=this", "prev_status", "this"),
        ("pm5", "prev_status=last", "prev_status", "last"),
        ("pm3", "prev_status=last", "prev_status", "last"),
        ("pm5", "descriptor=500", "descriptor", "1:20,2:120,4:500"),
    ];
    for (model, options, key, want) in cases {
        let device = format!("sim:{model}?hr=off&{options}");
        // The first rest starts about 27 s in: watch through it.
        let j = probe(dir.path(), &device, &["--watch", "60"]);
        assert_eq!(reading(&j, key), *want, "{device}: {}", why(&j, key));
    }
    for (echo, want) in [("ids", "ids"), ("bare", "bare")] {
        let device = format!("sim:pm5?hr=off&echo={echo}");
        let j = probe(dir.path(), &device, &["--allow-set"]);
        assert_eq!(reading(&j, "echo"), want, "{device}: {}", why(&j, "echo"));
    }
    // The first combined worst case of the issue's matrix.
    let device = "sim:pm5?hr=off&stats=late&proprietary=silent&pace_units=s_500m&proc=20-200\
                  &descriptor=partial&prev_status=last&start=10";
    // A silent 7E ED leaves the machine unknown, and a rower's s_500m is a
    // bike's s_km: told the machine, the probe settles it.
    let j = probe(dir.path(), device, &[]);
    assert_eq!(reading(&j, "pace_units"), "unknown");
    assert!(why(&j, "pace_units").contains("pass --machine"));
    let j = probe(dir.path(), device, &["--machine", "rower"]);
    for (key, want) in [
        ("stats", "late"),
        ("proprietary", "silent"),
        ("pace_units", "s_500m"),
        ("prev_status", "last"),
    ] {
        assert_eq!(reading(&j, key), want, "{key}: {}", why(&j, key));
    }
    // Last: the transport must take the simulated descriptor's sizes.
    let j = probe(dir.path(), "sim:pm5?hr=off&descriptor=no2", &[]);
    assert!(
        !reading(&j, "descriptor").contains("2:"),
        "{}",
        j["readings"]
    );
}
