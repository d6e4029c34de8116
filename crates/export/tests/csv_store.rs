//! CSV round trip against the store: a session is recorded into a real
//! database, exported through the file sink, parsed back, and compared
//! with what the store returns, row by row, value by value.

use std::path::Path;

use erglink_export::{FileOptions, FileSink, Format, Sink};
use erglink_model::{ForceCurve, Sample, SessionId, Split, SplitKind, Stroke};
use erglink_normalize::fixtures::{Spec, Synthetic, synthesize};
use erglink_store::Store;

/// Records `syn` into `store` as a recorder would, in one-second batches.
fn record(store: &Store, syn: &Synthetic) -> SessionId {
    erglink_export::record_synthetic(store, syn, 50).unwrap()
}

/// "123.45" at 2 places → 12345, exactly.
fn fixed(text: &str, places: u32) -> u64 {
    let (int, frac) = text.split_once('.').unwrap();
    assert_eq!(frac.len(), places as usize, "{text}");
    int.parse::<u64>().unwrap() * 10u64.pow(places) + frac.parse::<u64>().unwrap()
}

fn opt<T: std::str::FromStr>(s: &str) -> Option<T>
where
    T::Err: std::fmt::Debug,
{
    (!s.is_empty()).then(|| s.parse().unwrap())
}

fn read_samples(path: &Path) -> Vec<Sample> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(erglink_export::csv::SAMPLES_HEADER));
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            assert_eq!(c.len(), 14, "{l}");
            Sample {
                elapsed_ns: fixed(c[0], 9),
                pm_elapsed_cs: fixed(c[2], 2) as u32,
                distance_dm: fixed(c[3], 1) as u32,
                pace_cs_per_500m: fixed(c[4], 2) as u32,
                power_w: c[5].parse().unwrap(),
                rate_spm: c[6].parse().unwrap(),
                hr_bpm: opt(c[7]),
                energy_kcal: opt(c[8]),
                stroke_state: c[9].parse().unwrap(),
                drag_factor: opt(c[10]),
                workout_state: opt(c[11]),
                interval_type: opt(c[12]),
                interval_count: opt(c[13]),
            }
        })
        .collect()
}

fn read_strokes(path: &Path) -> Vec<(Stroke, Option<ForceCurve>)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(erglink_export::csv::STROKES_HEADER));
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            assert_eq!(c.len(), 12, "{l}");
            let index = c[0].parse().unwrap();
            let stroke = Stroke {
                index,
                start_ns: fixed(c[1], 9),
                end_ns: fixed(c[2], 9),
                drive_time_cs: fixed(c[3], 2) as u16,
                recovery_time_cs: fixed(c[4], 2) as u16,
                drive_length_cm: fixed(c[5], 2) as u16,
                peak_force_dlbf: fixed(c[6], 1) as u16,
                average_force_dlbf: fixed(c[7], 1) as u16,
                distance_cm: fixed(c[8], 2) as u16,
                work_dj: fixed(c[9], 1) as u16,
            };
            let curve = (!c[10].is_empty()).then(|| ForceCurve {
                stroke_index: index,
                complete: c[10].parse().unwrap(),
                samples_lbf: c[11]
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().unwrap())
                    .collect(),
            });
            (stroke, curve)
        })
        .collect()
}

fn round_trip(syn: &Synthetic) {
    let dir = tempfile::tempdir().unwrap();
    let id = record(&Store::open(dir.path().join("lab.db")).unwrap(), syn);
    // Opened again, as the next command would: an interrupted session is
    // recovered, its laps made final.
    let store = Store::open(dir.path().join("lab.db")).unwrap();
    let reader = store.reader().unwrap();
    let session = reader.session(&id).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let mut sink = FileSink::new(&out, Format::Csv, FileOptions::default()).unwrap();
    let done = sink.export(&reader, &session).unwrap();
    assert_eq!(done.outputs.len(), 3);

    let stored: Vec<Sample> = reader.samples(&id).unwrap().map(Result::unwrap).collect();
    let got = read_samples(&out.join(format!("{id}.samples.csv")));
    assert_eq!(got.len(), stored.len());
    assert_eq!(got, stored);

    let strokes: Vec<Stroke> = reader.strokes(&id).unwrap().map(Result::unwrap).collect();
    let curves: Vec<ForceCurve> = reader
        .force_curves(&id)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let got = read_strokes(&out.join(format!("{id}.strokes.csv")));
    assert_eq!(got.iter().map(|(s, _)| *s).collect::<Vec<_>>(), strokes);
    let got_curves: Vec<ForceCurve> = got.into_iter().filter_map(|(_, c)| c).collect();
    assert_eq!(got_curves, curves);

    // The laps file holds the store's rows, final, figure for figure.
    let stored: Vec<Split> = reader.splits(&id).unwrap().map(Result::unwrap).collect();
    let got = read_splits(&out.join(format!("{id}.splits.csv")));
    assert!(!got.is_empty());
    assert_eq!(got, stored);
    assert!(got.iter().all(|s| s.energy_kcal.is_some()), "{got:#?}");
}

fn read_splits(path: &Path) -> Vec<Split> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(erglink_export::csv::SPLITS_HEADER));
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            assert_eq!(c.len(), 16, "{l}");
            Split {
                kind: match c[0] {
                    "split" => SplitKind::Split,
                    "interval" => SplitKind::Interval,
                    other => panic!("kind {other}"),
                },
                index: c[1].parse().unwrap(),
                start_ns: fixed(c[2], 9),
                end_ns: fixed(c[3], 9),
                time_cs: fixed(c[4], 2) as u32,
                distance_dm: fixed(c[5], 1) as u32,
                energy_kcal: opt(c[6]),
                average_power_w: opt(c[7]),
                average_rate_spm: opt(c[8]),
                average_hr_bpm: opt(c[9]),
                interval_type: opt(c[13]),
                rest_time_cs: (!c[14].is_empty()).then(|| fixed(c[14], 2) as u32),
                rest_distance_dm: (!c[15].is_empty()).then(|| fixed(c[15], 1) as u32),
            }
        })
        .collect()
}

#[test]
fn rowerg_csv_round_trips_against_the_store() {
    round_trip(&synthesize(&Spec::row_2k()));
}

#[test]
fn interrupted_session_without_heart_rate_round_trips() {
    round_trip(&synthesize(&Spec {
        interrupted: true,
        heart_rate: false,
        ..Spec::row_2k()
    }));
}
