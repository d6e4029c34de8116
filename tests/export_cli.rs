//! End-to-end tests of `erglink export` (issue 8, the exports): sessions
//! are recorded into a database with the store's writer, then the binary
//! exports them and the files are checked.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use erglink_model::{Machine, SessionId};
use erglink_normalize::fixtures::{Plan, Spec, Synthetic, synthesize};
use erglink_normalize::schema_check::TerraSchema;
use erglink_store::{Store, test_utils};

fn erglink(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("ERGLINK_DB")
        .env_remove("XDG_DATA_HOME")
        .output()
        .expect("run erglink")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok_json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn one_line_error(o: &Output, code: i32) -> String {
    assert_eq!(o.status.code(), Some(code), "{}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("erglink: "), "{err}");
    err
}

fn record(store: &Store, syn: &Synthetic) -> SessionId {
    erglink_export::record_synthetic(store, syn, 500).unwrap()
}

/// A row (2026-03-01), a SkiErg interval session (a day later) and an
/// interrupted BikeErg piece (two days later).
fn lab(db: &Path) -> Vec<SessionId> {
    let store = Store::open(db).unwrap();
    vec![
        record(&store, &synthesize(&Spec::row_2k())),
        record(
            &store,
            &synthesize(&Spec {
                machine: Machine::SkiErg,
                plan: Plan::Intervals {
                    count: 2,
                    metres: 250,
                    rest_s: 30,
                },
                seed: 24,
                ..Spec::row_2k()
            }),
        ),
        record(
            &store,
            &synthesize(&Spec {
                machine: Machine::BikeErg,
                interrupted: true,
                seed: 48,
                ..Spec::row_2k()
            }),
        ),
    ]
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn issue8_export_all_formats_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    let ids = lab(&db);
    let out = dir.path().join("out");
    let dest = format!("file:{}", out.display());
    let schema = TerraSchema::strict("Activity").unwrap();

    let j = ok_json(&erglink(&[
        "export",
        "--all",
        "--to",
        &dest,
        "--format",
        "terra",
        "--json",
        "--db",
        s(&db),
    ]));
    let exported = j["exported"].as_array().unwrap();
    assert_eq!(exported.len(), 3);
    for id in &ids {
        let path = out.join(format!("{id}.json"));
        let doc = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert!(schema.problems(&doc).is_empty(), "{}", path.display());
    }
    // CSV, FIT and TCX by prefix; the FIT file decodes.
    let prefix = &ids[0].as_str()[..20];
    for format in ["csv", "fit", "tcx"] {
        let o = erglink(&[
            "export",
            prefix,
            "--to",
            &dest,
            "--format",
            format,
            "--db",
            s(&db),
        ]);
        assert!(o.status.success(), "{format}: {}", stderr(&o));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("Exported 1 session to file:"), "{text}");
    }
    let fit = std::fs::read(out.join(format!("{}.fit", ids[0]))).unwrap();
    let records = fitparser::from_bytes(&fit).unwrap();
    assert!(records.len() > 200);
    assert!(out.join(format!("{}.samples.csv", ids[0])).exists());
    assert!(out.join(format!("{}.strokes.csv", ids[0])).exists());
    assert!(out.join(format!("{}.splits.csv", ids[0])).exists());
    assert!(out.join(format!("{}.tcx", ids[0])).exists());
    // Every file as the user's umask says (0644 under 022), not 0600.
    #[cfg(target_os = "linux")]
    for e in std::fs::read_dir(&out).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let e = e.unwrap();
        let mode = e.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask(), "{:?}: {mode:o}", e.file_name());
    }
}

/// This process's umask, which the binary inherits (read from /proc:
/// umask(2) would set it).
#[cfg(target_os = "linux")]
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
    u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
}

/// Issue 14's acceptance: the demo's 2000 m, its Terra JSON and its TCX.
#[test]
fn issue14_the_demos_laps_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let j = ok_json(&erglink(&["demo", "--json", "--db", s(&db)]));
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(j["terra_json"].as_str().unwrap()).unwrap()).unwrap();
    let laps = doc["lap_data"]["laps"].as_array().unwrap();
    assert_eq!(laps.len(), 4);
    let sum = |key: &str| laps.iter().map(|l| l[key].as_f64().unwrap()).sum::<f64>();
    assert_eq!(sum("distance_meters"), 2000.0);
    let kcal = doc["calories_data"]["total_burned_calories"]
        .as_f64()
        .unwrap();
    assert!(kcal > 100.0);
    assert_eq!(sum("calories"), kcal);
    assert!(
        laps.iter().all(|l| l["trigger_method"] == "DISTANCE"),
        "{laps:?}"
    );
    let (start, end) = (
        doc["metadata"]["start_time"].as_str().unwrap(),
        doc["metadata"]["end_time"].as_str().unwrap(),
    );
    for l in laps {
        let (a, b) = (
            l["start_time"].as_str().unwrap(),
            l["end_time"].as_str().unwrap(),
        );
        assert!(
            start <= a && a <= b && b <= end,
            "{a}..{b} outside {start}..{end}"
        );
    }
    let out = dir.path().join("out");
    let session = j["session"].as_str().unwrap();
    let dest = format!("file:{}", out.display());
    let o = erglink(&[
        "export",
        session,
        "--to",
        &dest,
        "--format",
        "tcx",
        "--db",
        s(&db),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tcx = std::fs::read_to_string(out.join(format!("{session}.tcx"))).unwrap();
    let calories: Vec<u32> = tcx
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("<Calories>")?
                .strip_suffix("</Calories>")
        })
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(calories.len(), 4);
    assert!(calories.iter().all(|&c| c > 0), "{calories:?}");
    assert_eq!(f64::from(calories.iter().sum::<u32>()), kcal);
}

#[test]
fn issue8_never_overwrites_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    let ids = lab(&db);
    let out = dir.path().join("out");
    let dest = format!("file:{}", out.display());
    let id = ids[1].as_str();
    assert!(
        erglink(&[
            "export",
            id,
            "--to",
            &dest,
            "--format",
            "terra",
            "--db",
            s(&db)
        ])
        .status
        .success()
    );
    let path: PathBuf = out.join(format!("{id}.json"));
    std::fs::write(&path, "mine").unwrap();
    let o = erglink(&[
        "export",
        id,
        "--to",
        &dest,
        "--format",
        "terra",
        "--db",
        s(&db),
    ]);
    let err = one_line_error(&o, 1);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    let o = erglink(&[
        "export",
        id,
        "--to",
        &dest,
        "--format",
        "terra",
        "--force",
        "--db",
        s(&db),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(std::fs::read_to_string(&path).unwrap(), "mine");
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [format!("{id}.json")]);
}

#[test]
fn issue8_selection_dry_run_and_ndjson() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    let ids = lab(&db);
    let out = dir.path().join("out");
    let dest = format!("file:{}", out.display());
    // --since a day: the sessions of 2 and 3 March, local time.
    let j = ok_json(&erglink(&[
        "export",
        "--since",
        "2026-03-02",
        "--to",
        &dest,
        "--format",
        "fit",
        "--dry-run",
        "--json",
        "--db",
        s(&db),
    ]));
    let listed: Vec<&str> = j["exported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["session"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[1].as_str(), ids[2].as_str()]);
    assert_eq!(j["dry_run"], true);
    let planned = j["exported"][0]["outputs"][0]["path"].as_str().unwrap();
    assert!(planned.ends_with(&format!("{}.fit", ids[1])), "{planned}");
    assert!(!out.exists(), "a dry run creates nothing");
    // NDJSON: one line per session, newest last.
    let o = erglink(&[
        "export",
        "--all",
        "--to",
        &dest,
        "--format",
        "terra",
        "--ndjson",
        "--resolution",
        "1s",
        "--db",
        s(&db),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(out.join("activities.ndjson")).unwrap();
    assert_eq!(text.lines().count(), 3);
    let o = erglink(&[
        "export",
        "--all",
        "--to",
        &dest,
        "--format",
        "terra",
        "--ndjson",
        "--db",
        s(&db),
    ]);
    one_line_error(&o, 1);
}

#[test]
fn issue8_bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    let store = Store::open(&db).unwrap();
    let id = test_utils::record_session(&store, 1, 600, 50).unwrap();
    let id = id.as_str();
    let dest = format!("file:{}", dir.path().join("out").display());
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "export",
            id,
            "--to",
            "webhook:https://example.invalid/hook",
            "--format",
            "terra",
        ],
        vec!["export", id, "--to", "ftp://x", "--format", "terra"],
        vec!["export", id, "--to", "out", "--format", "terra"],
        vec!["export", id, "--to", &dest, "--format", "gpx"],
        vec![
            "export",
            id,
            "--to",
            &dest,
            "--format",
            "terra",
            "--resolution",
            "2s",
        ],
        vec!["export", id, "--to", &dest, "--format", "fit", "--ndjson"],
        vec![
            "export",
            id,
            "--to",
            &dest,
            "--format",
            "terra",
            "--skierg-type",
            "72",
        ],
        vec!["export", "--to", &dest, "--format", "terra"],
        vec!["export", "ZZZ", "--to", &dest, "--format", "terra"],
        vec![
            "export",
            "--since",
            "last week",
            "--to",
            &dest,
            "--format",
            "terra",
        ],
    ];
    for mut args in cases {
        args.extend(["--db", s(&db)]);
        let o = erglink(&args);
        one_line_error(&o, 2);
    }
    // Clap's usage errors are exit 2 as well.
    let o = erglink(&[
        "export",
        id,
        "--all",
        "--to",
        &dest,
        "--format",
        "terra",
        "--db",
        s(&db),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("out").exists());
}
