//! Golden files: a fixed simulated session (a 100 m row with 50 m splits,
//! source `sim`, fixed id and start) exported in every format through the
//! file sink and compared byte for byte with `tests/golden/`.
//!
//! After an intended change, regenerate them and review the diff:
//!
//! ```sh
//! ERGLINK_BLESS=1 cargo test -p erglink-export --test golden
//! git diff --stat crates/export/tests/golden
//! ```

use std::path::{Path, PathBuf};

use erglink_export::{FileOptions, FileSink, Format, MemorySource, Sink};
use erglink_normalize::fixtures::{Plan, Spec, synthesize};
use erglink_normalize::schema_check::TerraSchema;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

#[test]
fn every_format_matches_its_golden_file() {
    let syn = synthesize(&Spec {
        plan: Plan::Distance {
            metres: 100,
            split_m: 50,
        },
        ..Spec::row_2k()
    });
    let source = MemorySource::new(vec![syn.clone()]);
    let out = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    for format in Format::ALL {
        let mut sink = FileSink::new(out.path(), format, FileOptions::default()).unwrap();
        let done = sink.export(&source, &syn.session).unwrap();
        written.extend(done.outputs.into_iter().map(|o| PathBuf::from(o.target)));
    }
    assert_eq!(written.len(), 6);
    let bless = std::env::var_os("ERGLINK_BLESS").is_some();
    let mut stale = Vec::new();
    for path in &written {
        let name = path.file_name().unwrap();
        let golden = golden_dir().join(name);
        let got = std::fs::read(path).unwrap();
        if bless {
            std::fs::write(&golden, &got).unwrap();
            continue;
        }
        let want = std::fs::read(&golden).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run ERGLINK_BLESS=1 cargo test -p erglink-export --test golden",
                golden.display()
            )
        });
        if got != want {
            stale.push(name.to_string_lossy().into_owned());
        }
    }
    assert!(
        stale.is_empty(),
        "differ from their golden files: {stale:?} (ERGLINK_BLESS=1 regenerates)"
    );
    // The golden Terra file itself is a valid, strict Terra Activity.
    let json = golden_dir().join(format!("{}.json", syn.session.id));
    let doc = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    let problems = TerraSchema::strict("Activity").unwrap().problems(&doc);
    assert!(problems.is_empty(), "{problems:#?}");
}
