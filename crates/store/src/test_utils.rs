//! Helpers for tests here and in sibling crates (not `cfg(test)`, so the
//! recorder's and exporters' tests can build stores too): deterministic
//! synthetic sessions, databases built from old SQL, and a schema comparison.
//!
//! The synthetic stream is a steady 2000 m row at 50 Hz: sample `i` is a
//! pure function of `i`, so a test can check any stored row without keeping
//! what it wrote.

use std::path::Path;

use erglink_model::{
    ForceCurve, Machine, MonitorInfo, NewSession, PmModel, ReportSize, RttBucket, Sample,
    SessionEnd, SessionId, SessionState, Source, Split, SplitKind, Stroke, Tags, Telemetry,
    UtcNanos, Workout, WorkoutDuration, WorkoutParams,
};
use rusqlite::Connection;

use crate::schema::APPLICATION_ID;
use crate::{Batch, Result, Store, WriterOptions};

/// Sample period of the synthetic stream: 50 Hz, 20 ms.
pub const SAMPLE_PERIOD_NS: u64 = 20_000_000;
/// Samples per stroke (26 spm at 50 Hz).
pub const SAMPLES_PER_STROKE: u64 = 115;
/// Split length, 0.1 m (500 m).
pub const SPLIT_DM: u32 = 5000;
/// Every this many samples the slow-rotation values are read.
pub const SLOW_EVERY: u64 = 50;

/// 2026-01-01T00:00:00Z.
const BASE: i64 = 1_767_225_600_000_000_000;

/// A simulated PM5 on a RowErg, programmed for 2000 m with 500 m splits,
/// starting `seed` hours after 2026-01-01T00:00Z, at UTC+02:00.
pub fn new_session(seed: u64) -> NewSession {
    NewSession {
        source: Source::Sim,
        monitor: Some(MonitorInfo {
            serial: format!("SIM{:06}", seed % 1_000_000),
            model: PmModel::Pm5,
            firmware: "171".into(),
            hardware: "634".into(),
            report_sizes: vec![
                ReportSize { id: 1, bytes: 21 },
                ReportSize { id: 2, bytes: 121 },
                ReportSize { id: 4, bytes: 501 },
            ],
        }),
        machine: Machine::RowErg,
        machine_assumed: false,
        started_at: UtcNanos(BASE + (seed as i64 % 100_000) * 3_600_000_000_000),
        utc_offset_s: 7200,
        workout: Workout {
            workout_type: Some(3),
            params: WorkoutParams {
                target: Some(WorkoutDuration {
                    duration_type: 0x80,
                    value: 2000,
                }),
                split: Some(WorkoutDuration {
                    duration_type: 0x80,
                    value: 500,
                }),
                intervals: Vec::new(),
            },
        },
        tags: Tags {
            athlete: Some(format!("Athlete {seed}")),
            station: Some(format!("erg-{seed}")),
            note: None,
        },
    }
}

/// Distance after sample `i`: 4.5 m/s, so 0.9 dm a sample.
fn distance_dm(i: u64) -> u32 {
    (i * 9 / 10) as u32
}

/// Sample `i` of the synthetic stream.
pub fn sample(i: u64) -> Sample {
    let slow = i.is_multiple_of(SLOW_EVERY);
    let phase = i % SAMPLES_PER_STROKE;
    Sample {
        // A little jitter, as a real transport has.
        elapsed_ns: i * SAMPLE_PERIOD_NS + (i * 7919 % 1000) * 1000,
        pm_elapsed_cs: (i * 2) as u32,
        distance_dm: distance_dm(i),
        pace_cs_per_500m: 11_111 + (i % 37) as u32,
        power_w: 240 + (i % 60) as u16,
        rate_spm: 26,
        hr_bpm: slow.then_some(140 + (i / 3000 % 30) as u8),
        energy_kcal: slow.then_some((i / 400) as u16),
        stroke_state: if phase < SAMPLES_PER_STROKE / 3 { 2 } else { 4 },
        drag_factor: i.is_multiple_of(SLOW_EVERY * 5).then_some(130),
        workout_state: slow.then_some(1),
        interval_type: slow.then_some(255),
        interval_count: slow.then_some(0),
    }
}

/// Stroke `k`, which spans samples `k * 115 .. (k + 1) * 115`.
pub fn stroke(k: u32) -> Stroke {
    let first = u64::from(k) * SAMPLES_PER_STROKE;
    Stroke {
        index: k,
        start_ns: sample(first).elapsed_ns,
        end_ns: sample(first + SAMPLES_PER_STROKE).elapsed_ns,
        drive_time_cs: 76 + (k % 5) as u16,
        recovery_time_cs: 154 - (k % 5) as u16,
        drive_length_cm: 142 + (k % 7) as u16,
        peak_force_dlbf: 2000 + (k % 50) as u16 * 10,
        average_force_dlbf: 1150 + (k % 30) as u16 * 5,
        distance_cm: 1035,
        work_dj: 7200 + (k % 40) as u16 * 10,
    }
}

/// Stroke `k`'s force curve: about 40 samples, a hump; every tenth is cut off.
pub fn force_curve(k: u32) -> ForceCurve {
    let n = 38 + (k % 5) as usize;
    let peak = 200 + (k % 50) as u64;
    let samples_lbf = (0..n as u64)
        .map(|j| (peak * 4 * j * (n as u64 - j) / (n as u64 * n as u64)) as u16)
        .collect();
    ForceCurve {
        stroke_index: k,
        samples_lbf,
        complete: k % 10 != 9,
    }
}

/// Split `k`: 500 m each.
pub fn split(k: u32) -> Split {
    let end = split_end_sample(k);
    let start = if k == 0 { 0 } else { split_end_sample(k - 1) };
    Split {
        kind: SplitKind::Split,
        index: k,
        start_ns: sample(start).elapsed_ns,
        end_ns: sample(end).elapsed_ns,
        time_cs: ((end - start) * 2) as u32,
        distance_dm: SPLIT_DM,
        energy_kcal: Some(28),
        average_power_w: Some(269),
        average_rate_spm: Some(26),
        average_hr_bpm: Some(150),
        interval_type: None,
        rest_time_cs: None,
        rest_distance_dm: None,
    }
}

/// The first sample at or past the end of split `k`.
fn split_end_sample(k: u32) -> u64 {
    (u64::from(SPLIT_DM) * u64::from(k + 1) * 10).div_ceil(9)
}

/// Samples `first .. first + n`, with every stroke, curve and split that
/// ends among them: what a recorder would send for that stretch.
pub fn batch(first: u64, n: usize) -> Batch {
    let end = first + n as u64;
    let mut b = Batch {
        samples: (first..end).map(sample).collect(),
        ..Batch::default()
    };
    // Stroke k is complete once its last sample, (k + 1) * 115 - 1, is in.
    let strokes = |i: u64| (i / SAMPLES_PER_STROKE) as u32;
    for k in strokes(first)..strokes(end) {
        b.strokes.push(stroke(k));
        b.force_curves.push(force_curve(k));
    }
    // Splits done once `samples` samples are in.
    let splits = |samples: u64| match samples {
        0 => 0,
        n => (u64::from(distance_dm(n - 1)) / u64::from(SPLIT_DM)) as u32,
    };
    b.splits = (splits(first)..splits(end)).map(split).collect();
    b
}

/// A normal end of [`new_session`]`(seed)` after `samples` samples.
pub fn session_end(seed: u64, samples: u64) -> SessionEnd {
    SessionEnd {
        ended_at: new_session(seed)
            .started_at
            .plus_ns(samples * SAMPLE_PERIOD_NS),
        state: SessionState::Complete,
        telemetry: telemetry(),
    }
}

/// Plausible telemetry of a good recording.
pub fn telemetry() -> Telemetry {
    Telemetry {
        achieved_millihz: Some(49_870),
        rtt_histogram: [(1000, 5), (2000, 900), (4000, 80), (8000, 3), (u32::MAX, 1)]
            .into_iter()
            .map(|(upper_us, count)| RttBucket { upper_us, count })
            .collect(),
        timeouts: 1,
        retries: 1,
        dropped_bytes: 0,
        adaptations: Vec::new(),
    }
}

/// Records a complete synthetic session of `samples` samples, in batches
/// of `batch_size`, through a writer of its own.
pub fn record_session(
    store: &Store,
    seed: u64,
    samples: u64,
    batch_size: usize,
) -> Result<SessionId> {
    let writer = store.writer(WriterOptions::default())?;
    let id = writer.begin_session(new_session(seed))?;
    let mut i = 0;
    while i < samples {
        let n = batch_size.min((samples - i) as usize);
        writer.send(&id, batch(i, n))?;
        i += n as u64;
    }
    writer.finish_session(&id, session_end(seed, samples))?;
    writer.close()?;
    Ok(id)
}

/// Builds a database from SQL (an old schema and its data), as an older
/// erglink would have left it.
pub fn create_from_sql(path: &Path, sql: &str, user_version: i64) -> Result<()> {
    let conn = Connection::open(path)?;
    conn.execute_batch(sql)?;
    conn.pragma_update(None, "user_version", user_version)?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    Ok(())
}

/// Sets `PRAGMA user_version`, as a newer (or older) erglink would have
/// left it, and leaves the file out of WAL mode so it is one self-contained file.
pub fn set_user_version(path: &Path, version: i64) -> Result<()> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "user_version", version)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(())
}

/// The schema as comparable lines: every table's columns (with types,
/// constraints and defaults), keys, foreign keys and `WITHOUT ROWID`, and
/// every index's columns. Column order counts; SQL text and comments do not,
/// so a table grown by `ALTER TABLE` matches one created whole.
pub fn schema_of(path: &Path) -> Result<Vec<String>> {
    let conn = Connection::open(path)?;
    let mut out = Vec::new();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let app: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    out.push(format!("user_version {version}, application_id {app:#x}"));
    let objects: Vec<(String, String, String)> = conn
        .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let lines = |sql: String| -> Result<Vec<String>> {
        let mut stmt = conn.prepare(&sql)?;
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|v| v.join(" "))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    };
    for (kind, name, table) in objects {
        out.push(format!("{kind} {name} on {table}"));
        let pragmas: &[&str] = match kind.as_str() {
            "table" => &[
                "table_xinfo",
                "foreign_key_list",
                "index_list",
                "table_list",
            ],
            "index" => &["index_xinfo"],
            _ => &[],
        };
        for p in pragmas {
            for line in lines(format!("SELECT * FROM pragma_{p}('{name}')"))? {
                out.push(format!("{kind} {name} {p}: {line}"));
            }
        }
    }
    Ok(out)
}

/// Panics, with a line-by-line difference, unless the database at `path`
/// has the schema a new database gets.
pub fn assert_schema_matches_new_database(path: &Path) {
    let dir = std::env::temp_dir().join(format!(
        "erglink-fresh-schema-{}-{}",
        std::process::id(),
        random_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let fresh = dir.join("fresh.db");
    Store::open(&fresh).expect("create a fresh database");
    let want = schema_of(&fresh).expect("fresh schema");
    let got = schema_of(path).expect("schema under test");
    let _ = std::fs::remove_dir_all(&dir);
    if want != got {
        let missing: Vec<_> = want.iter().filter(|l| !got.contains(l)).collect();
        let extra: Vec<_> = got.iter().filter(|l| !want.contains(l)).collect();
        panic!(
            "the schema differs from a new database's\n  only in the new one: {missing:#?}\n  only in {}: {extra:#?}",
            path.display()
        );
    }
}

fn random_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}
