//! The file sink: names, no overwriting without force, dry runs, NDJSON,
//! atomic writes (no stray temporary files), and every Terra document it
//! writes valid against Terra's strict schemas.

use std::path::Path;

use erglink_export::{Error, FileOptions, FileSink, Format, MemorySource, NDJSON_NAME, Sink};
use erglink_model::Machine;
use erglink_normalize::fixtures::{Plan, Spec, Synthetic, synthesize};
use erglink_normalize::schema_check::TerraSchema;
use erglink_normalize::{Options, Resolution};

fn sessions() -> Vec<Synthetic> {
    vec![
        synthesize(&Spec {
            seed: 1,
            ..Spec::row_2k()
        }),
        synthesize(&Spec {
            seed: 2,
            machine: Machine::SkiErg,
            plan: Plan::Intervals {
                count: 2,
                metres: 250,
                rest_s: 30,
            },
            heart_rate: false,
            interrupted: false,
        }),
        synthesize(&Spec {
            seed: 3,
            machine: Machine::BikeErg,
            interrupted: true,
            ..Spec::row_2k()
        }),
    ]
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn terra_files_are_named_by_session_valid_and_never_overwritten() {
    let all = sessions();
    let source = MemorySource::new(all.clone());
    let dir = tempfile::tempdir().unwrap();
    let schema = TerraSchema::strict("Activity").unwrap();
    for resolution in [Resolution::Stroke, Resolution::Second, Resolution::Full] {
        let options = FileOptions {
            normalize: Options {
                resolution,
                ..Options::default()
            },
            force: true,
            ..FileOptions::default()
        };
        let mut sink = FileSink::new(dir.path(), Format::Terra, options).unwrap();
        for s in &all {
            let done = sink.export(&source, &s.session).unwrap();
            let path = dir.path().join(format!("{}.json", s.session.id));
            assert_eq!(done.outputs[0].target, path.display().to_string());
            let doc = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let problems = schema.problems(&doc);
            assert!(problems.is_empty(), "{resolution}: {problems:#?}");
        }
    }
    // Without --force an existing file stays as it was.
    let first = &all[0].session;
    let path = dir.path().join(format!("{}.json", first.id));
    std::fs::write(&path, b"keep me").unwrap();
    let mut sink = FileSink::new(dir.path(), Format::Terra, FileOptions::default()).unwrap();
    let err = sink.export(&source, first).unwrap_err();
    assert!(matches!(err, Error::Exists(ref p) if p == &path), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
    assert!(
        names(dir.path()).iter().all(|n| !n.starts_with('.')),
        "{:?}",
        names(dir.path())
    );
}

#[test]
fn dry_run_writes_nothing() {
    let all = sessions();
    let source = MemorySource::new(all.clone());
    let dir = tempfile::tempdir().unwrap();
    for format in Format::ALL {
        let options = FileOptions {
            dry_run: true,
            ..FileOptions::default()
        };
        let mut sink = FileSink::new(dir.path(), format, options).unwrap();
        let done = sink.export(&source, &all[0].session).unwrap();
        assert!(!done.outputs.is_empty());
        assert!(done.outputs.iter().all(|o| o.bytes == 0));
    }
    assert!(names(dir.path()).is_empty());
}

#[test]
fn ndjson_is_one_valid_activity_per_line() {
    let all = sessions();
    let source = MemorySource::new(all.clone());
    let dir = tempfile::tempdir().unwrap();
    let options = FileOptions {
        ndjson: true,
        ..FileOptions::default()
    };
    let mut sink = FileSink::new(dir.path(), Format::Terra, options).unwrap();
    for s in &all {
        assert!(sink.export(&source, &s.session).unwrap().outputs.is_empty());
    }
    let done = sink.finish().unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(names(dir.path()), [NDJSON_NAME]);
    let text = std::fs::read_to_string(dir.path().join(NDJSON_NAME)).unwrap();
    let schema = TerraSchema::strict("Activity").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    for (line, s) in lines.iter().zip(&all) {
        let doc: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            doc["metadata"]["summary_id"],
            format!("erglink-{}", s.session.id)
        );
        assert!(schema.problems(&doc).is_empty());
    }
    // A second run refuses to replace it, up front.
    let again = FileSink::new(dir.path(), Format::Terra, options).unwrap_err();
    assert!(matches!(again, Error::Exists(_)), "{again}");
    assert!(matches!(
        FileSink::new(dir.path(), Format::Fit, options).unwrap_err(),
        Error::Unsupported(_)
    ));
}

#[test]
fn every_format_writes_its_files() {
    let all = sessions();
    let source = MemorySource::new(all.clone());
    let dir = tempfile::tempdir().unwrap();
    for format in Format::ALL {
        let mut sink = FileSink::new(dir.path(), format, FileOptions::default()).unwrap();
        for s in &all {
            let done = sink.export(&source, &s.session).unwrap();
            assert!(done.outputs.iter().all(|o| o.bytes > 0));
        }
    }
    // 3 sessions × (json, 3 csv, fit, tcx).
    assert_eq!(names(dir.path()).len(), 18);
}

/// The process's umask, from /proc (umask(2) would set it to read it).
#[cfg(target_os = "linux")]
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
    u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn every_file_gets_the_users_umask() {
    use std::os::unix::fs::PermissionsExt;
    let all = sessions();
    let source = MemorySource::new(all.clone());
    let dir = tempfile::tempdir().unwrap();
    for format in Format::ALL {
        let mut sink = FileSink::new(dir.path(), format, FileOptions::default()).unwrap();
        sink.export(&source, &all[0].session).unwrap();
    }
    let options = FileOptions {
        ndjson: true,
        ..FileOptions::default()
    };
    let mut sink = FileSink::new(dir.path(), Format::Terra, options).unwrap();
    sink.export(&source, &all[1].session).unwrap();
    sink.finish().unwrap();
    let want = 0o666 & !umask();
    let files = names(dir.path());
    assert!(files.len() >= 6, "{files:?}");
    for name in files {
        let mode = std::fs::metadata(dir.path().join(&name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, want, "{name}: {mode:o}, want {want:o}");
    }
}
