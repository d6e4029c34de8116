//! Issue 14, laps that add up: five sessions recorded through the simulator
//! (the recorder, the store's writer and its final laps), exported in every
//! format and read back (CSV and TCX as text, Terra's JSON, FIT with
//! fitparser). The store and the four formats agree, to the precision each
//! holds, on the totals (distance, time, calories, strokes) and on each
//! lap's distance, time and calories; a completed piece's laps add up to it.
//! Simulated at `pacing=max`: the five take about a second.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use erglink_export::{FileOptions, FileSink, Format, Sink};
use erglink_model::{Sample, Session, SessionId, Split, SplitKind};
use erglink_pm::Monitor;
use erglink_recorder::{Live, MonitorRecorder, Options, Until};
use erglink_sim::{GroundTruth, SimConfig, Simulator};
use erglink_store::{Reader, Store, WriterOptions};
use erglink_transport::SimBus;
use fitparser::profile::MesgNum;
use fitparser::{FitDataRecord, Value};
use serde_json::Value as Json;

/// One lap as a format has it: time (s), distance (m), calories, strokes.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Lap {
    time_s: f64,
    distance_m: f64,
    kcal: f64,
    strokes: Option<f64>,
}

/// What a format says about a session.
#[derive(Debug)]
struct Figures {
    /// Work laps: splits, or intervals.
    laps: Vec<Lap>,
    /// Every lap it has (FIT and TCX add rests and a tail).
    all: Vec<Lap>,
    distance_m: f64,
    kcal: f64,
    strokes: Option<f64>,
}

struct Recorded {
    _dir: tempfile::TempDir,
    store: Store,
    id: SessionId,
    truth: GroundTruth,
    out: std::path::PathBuf,
}

/// Records one simulated PM5 until its workout ends (or its athlete has
/// been idle the recorder's minute), as `erglink record` does, and exports
/// it in every format.
fn record(sim: &str) -> Recorded {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("e.db")).unwrap();
    let cfg = SimConfig::parse("pm5", sim).unwrap();
    let bus = SimBus::single(Simulator::new(cfg), format!("sim:pm5?{sim}"));
    let info = bus.monitors().remove(0);
    let t = bus.reopen_sim(&info).unwrap();
    let writer = store.writer(WriterOptions::default()).unwrap();
    let options = Options {
        until: Until::Finished,
        ..Options::default()
    };
    // An unplugged handle dies; the recorder reopens it through the bus.
    let mut r = MonitorRecorder::new(Monitor::new(t), options, Live::default())
        .with_reopen(Box::new(move || bus.reopen_sim(&info)));
    let sessions = r.run(&writer, &AtomicBool::new(false)).unwrap();
    writer.close().unwrap();
    assert_eq!(sessions.len(), 1, "{sim}");
    let truth = r.monitor().transport().simulator().ground_truth().clone();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let reader = store.reader().unwrap();
    let session = reader.session(&sessions[0].id).unwrap();
    for format in Format::ALL {
        let mut sink = FileSink::new(&out, format, FileOptions::default()).unwrap();
        sink.export(&reader, &session).unwrap();
    }
    Recorded {
        id: sessions[0].id.clone(),
        _dir: dir,
        store,
        truth,
        out,
    }
}

/// A counter the PM resets per interval, added up.
fn monotone(values: impl Iterator<Item = u64>) -> u64 {
    let (mut base, mut last) = (0, 0);
    for v in values {
        if v < last {
            base += last;
        }
        last = v;
    }
    base + last
}

fn lap_rows(reader: &Reader, id: &SessionId) -> Vec<Split> {
    let rows: Vec<Split> = reader.splits(id).unwrap().map(Result::unwrap).collect();
    let kind = if rows.iter().any(|r| r.kind == SplitKind::Interval) {
        SplitKind::Interval
    } else {
        SplitKind::Split
    };
    rows.into_iter().filter(|r| r.kind == kind).collect()
}

fn store_figures(reader: &Reader, id: &SessionId) -> (Figures, Session, Vec<Sample>) {
    let session = reader.session(id).unwrap();
    let samples: Vec<Sample> = reader.samples(id).unwrap().map(Result::unwrap).collect();
    let starts: Vec<u64> = reader
        .strokes(id)
        .unwrap()
        .map(|s| s.unwrap().start_ns)
        .collect();
    let laps: Vec<Lap> = lap_rows(reader, id)
        .iter()
        .map(|r| Lap {
            time_s: f64::from(r.time_cs) / 100.0,
            distance_m: f64::from(r.distance_dm) / 10.0,
            kcal: f64::from(r.energy_kcal.expect("a final lap has its calories")),
            strokes: Some(
                starts
                    .iter()
                    .filter(|&&t| t >= r.start_ns && t < r.end_ns)
                    .count() as f64,
            ),
        })
        .collect();
    let f = Figures {
        all: laps.clone(),
        laps,
        distance_m: monotone(samples.iter().map(|s| u64::from(s.distance_dm))) as f64 / 10.0,
        kcal: monotone(samples.iter().filter_map(|s| s.energy_kcal.map(u64::from))) as f64,
        strokes: Some(session.counts.strokes as f64),
    };
    (f, session, samples)
}

fn csv_figures(out: &Path, id: &SessionId) -> (Figures, usize) {
    let read = |name: &str| std::fs::read_to_string(out.join(format!("{id}.{name}.csv"))).unwrap();
    let samples = read("samples");
    let rows: Vec<Vec<&str>> = samples
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let col = |i: usize| {
        rows.iter()
            .filter(move |r| !r[i].is_empty())
            .map(move |r| r[i])
    };
    let strokes = read("strokes").lines().skip(1).count();
    let laps: Vec<Lap> = read("splits")
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            Lap {
                time_s: c[4].parse().unwrap(),
                distance_m: c[5].parse().unwrap(),
                kcal: c[6].parse().unwrap(),
                strokes: Some(c[11].parse().unwrap()),
            }
        })
        .collect();
    let tenths = |v: &str| (v.parse::<f64>().unwrap() * 10.0).round() as u64;
    let f = Figures {
        all: laps.clone(),
        laps,
        distance_m: monotone(col(3).map(tenths)) as f64 / 10.0,
        kcal: monotone(col(8).map(|v| v.parse().unwrap())) as f64,
        strokes: Some(strokes as f64),
    };
    (f, rows.len())
}

fn terra_figures(out: &Path, id: &SessionId) -> (Figures, Json) {
    let doc: Json =
        serde_json::from_slice(&std::fs::read(out.join(format!("{id}.json"))).unwrap()).unwrap();
    let laps: Vec<Lap> = doc["lap_data"]["laps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| Lap {
            time_s: l["active_duration_seconds"].as_f64().unwrap(),
            distance_m: l["distance_meters"].as_f64().unwrap(),
            kcal: l["calories"].as_f64().unwrap(),
            strokes: Some(l["total_strokes"].as_f64().unwrap()),
        })
        .collect();
    let f = Figures {
        all: laps.clone(),
        laps,
        distance_m: doc["distance_data"]["summary"]["distance_meters"]
            .as_f64()
            .unwrap(),
        kcal: doc["calories_data"]["total_burned_calories"]
            .as_f64()
            .unwrap(),
        strokes: None,
    };
    (f, doc)
}

fn field<'a>(r: &'a FitDataRecord, name: &str) -> Option<&'a Value> {
    r.fields()
        .iter()
        .find(|f| f.name() == name)
        .map(|f| f.value())
}

fn num(r: &FitDataRecord, name: &str) -> f64 {
    match field(r, name) {
        Some(Value::UInt8(x)) => f64::from(*x),
        Some(Value::UInt16(x)) => f64::from(*x),
        Some(Value::UInt32(x)) => f64::from(*x),
        Some(Value::Float64(x)) => *x,
        other => panic!("{name}: {other:?}"),
    }
}

/// FIT's cycles: "total_strokes" to fitparser for rowing and cycling.
fn cycles(r: &FitDataRecord) -> f64 {
    if field(r, "total_strokes").is_some() {
        num(r, "total_strokes")
    } else {
        num(r, "total_cycles")
    }
}

fn text(r: &FitDataRecord, name: &str) -> String {
    field(r, name).map_or_else(String::new, ToString::to_string)
}

fn fit_figures(out: &Path, id: &SessionId) -> (Figures, Vec<FitDataRecord>) {
    let bytes = std::fs::read(out.join(format!("{id}.fit"))).unwrap();
    let recs = fitparser::from_bytes(&bytes).expect("fitparser reads it, CRCs and all");
    let lap = |r: &FitDataRecord| Lap {
        time_s: num(r, "total_timer_time"),
        distance_m: num(r, "total_distance"),
        kcal: num(r, "total_calories"),
        strokes: Some(cycles(r)),
    };
    let laps: Vec<&FitDataRecord> = recs.iter().filter(|r| r.kind() == MesgNum::Lap).collect();
    let work = laps
        .iter()
        .filter(|r| text(r, "intensity") == "active" && text(r, "lap_trigger") != "session_end")
        .map(|r| lap(r))
        .collect();
    let s = recs.iter().find(|r| r.kind() == MesgNum::Session).unwrap();
    let f = Figures {
        laps: work,
        all: laps.iter().map(|r| lap(r)).collect(),
        distance_m: num(s, "total_distance"),
        kcal: num(s, "total_calories"),
        strokes: Some(cycles(s)),
    };
    (f, recs)
}

/// TCX as erglink writes it: one element a line, a lap's own figures
/// indented eight spaces (its trackpoints' deeper).
fn tcx_figures(out: &Path, id: &SessionId, work_laps: usize) -> Figures {
    let text = std::fs::read_to_string(out.join(format!("{id}.tcx"))).unwrap();
    let value = |line: &str, tag: &str| -> Option<f64> {
        let rest = line.strip_prefix(&format!("        <{tag}>"))?;
        rest.strip_suffix(&format!("</{tag}>"))?.parse().ok()
    };
    let mut all: Vec<(Lap, bool)> = Vec::new();
    for line in text.lines() {
        if line.starts_with("      <Lap ") {
            all.push((
                Lap {
                    time_s: 0.0,
                    distance_m: 0.0,
                    kcal: 0.0,
                    strokes: None,
                },
                true,
            ));
        }
        let Some((lap, active)) = all.last_mut() else {
            continue;
        };
        if let Some(v) = value(line, "TotalTimeSeconds") {
            lap.time_s = v;
        } else if let Some(v) = value(line, "DistanceMeters") {
            lap.distance_m = v;
        } else if let Some(v) = value(line, "Calories") {
            lap.kcal = v;
        } else if line == "        <Intensity>Resting</Intensity>" {
            *active = false;
        }
    }
    let laps = all
        .iter()
        .filter(|(_, active)| *active)
        .map(|(l, _)| *l)
        .take(work_laps)
        .collect();
    let all: Vec<Lap> = all.into_iter().map(|(l, _)| l).collect();
    Figures {
        distance_m: all.iter().map(|l| l.distance_m).sum(),
        kcal: all.iter().map(|l| l.kcal).sum(),
        strokes: None,
        laps,
        all,
    }
}

fn close(a: f64, b: f64, within: f64) -> bool {
    (a - b).abs() <= within + 1e-9
}

/// The store's figures against one format's: `whole_s` when the format
/// keeps a lap's time in whole seconds (Terra), `whole_m` its distance in
/// whole metres; `adds_up` when its laps are the whole session.
fn agree(what: &str, store: &Figures, got: &Figures, whole: (bool, bool), adds_up: bool) {
    let (whole_s, whole_m) = whole;
    assert_eq!(
        store.laps.len(),
        got.laps.len(),
        "{what}: laps {:?}",
        got.laps
    );
    for (i, (a, b)) in store.laps.iter().zip(&got.laps).enumerate() {
        let time = if whole_s { a.time_s.round() } else { a.time_s };
        assert!(
            close(time, b.time_s, 0.0),
            "{what} lap {i}: time {a:?} vs {b:?}"
        );
        assert!(
            close(a.distance_m, b.distance_m, 0.0),
            "{what} lap {i}: distance {a:?} vs {b:?}"
        );
        assert_eq!(a.kcal, b.kcal, "{what} lap {i}: calories");
        if let (Some(x), Some(y)) = (a.strokes, b.strokes) {
            assert_eq!(x, y, "{what} lap {i}: strokes");
        }
    }
    let distance = if whole_m {
        store.distance_m.round()
    } else {
        store.distance_m
    };
    assert!(
        close(distance, got.distance_m, 0.0),
        "{what}: distance {} vs {}",
        store.distance_m,
        got.distance_m
    );
    assert_eq!(store.kcal, got.kcal, "{what}: calories");
    if let (Some(x), Some(y)) = (store.strokes, got.strokes) {
        assert_eq!(x, y, "{what}: strokes");
    }
    // Every lap a format writes adds up to the session.
    if adds_up {
        let d: f64 = got.all.iter().map(|l| l.distance_m).sum();
        let k: f64 = got.all.iter().map(|l| l.kcal).sum();
        assert!(
            close(d, got.distance_m, 0.05),
            "{what}: laps {d} m of {}",
            got.distance_m
        );
        assert_eq!(k, got.kcal, "{what}: laps' calories");
    }
}

/// Checks one recorded session; `covers` when its laps are the whole of
/// it (a piece or intervals, not just row's part-split at the end).
fn check(sim: &str, covers: bool) -> (Recorded, Figures) {
    let r = record(sim);
    let reader = r.store.reader().unwrap();
    let (store, session, samples) = store_figures(&reader, &r.id);
    assert!(!store.laps.is_empty(), "{sim}: no laps");
    assert!(store.kcal > 0.0 && store.distance_m > 0.0);

    let (csv, csv_samples) = csv_figures(&r.out, &r.id);
    assert_eq!(csv_samples, samples.len());
    agree("csv", &store, &csv, (false, false), covers);
    let (terra, doc) = terra_figures(&r.out, &r.id);
    agree("terra", &store, &terra, (true, true), false);
    let (fit, recs) = fit_figures(&r.out, &r.id);
    // FIT and TCX have a lap for every part of the session: rests, a tail.
    agree("fit", &store, &fit, (false, false), true);
    let tcx = tcx_figures(&r.out, &r.id, store.laps.len());
    agree("tcx", &store, &tcx, (false, false), true);

    if covers {
        // The work laps are the session, to the metre and the calorie.
        let d: f64 = store.laps.iter().map(|l| l.distance_m).sum();
        let k: f64 = store.laps.iter().map(|l| l.kcal).sum();
        assert!(
            close(d, store.distance_m, 0.0),
            "{sim}: laps {d} m of {}",
            store.distance_m
        );
        assert_eq!(k, store.kcal, "{sim}: laps' calories");
    }
    // Every stroke is in one FIT lap: a work lap, a rest or the tail.
    let strokes: f64 = fit.all.iter().filter_map(|l| l.strokes).sum();
    assert_eq!(Some(strokes), store.strokes, "{sim}: strokes in FIT's laps");
    // Time: the session's work and rest, and its span, in Terra and FIT.
    let s = recs.iter().find(|x| x.kind() == MesgNum::Session).unwrap();
    let active = &doc["active_durations_data"];
    let timer =
        active["activity_seconds"].as_f64().unwrap() + active["rest_seconds"].as_f64().unwrap();
    assert!(
        close(num(s, "total_timer_time"), timer, 0.0015),
        "timer {timer}"
    );
    let span_s = (session.ended_at.unwrap().0 - session.started_at.0) as f64 / 1e9;
    assert!(
        close(num(s, "total_elapsed_time"), span_s, 0.001),
        "elapsed {span_s}"
    );
    assert!(num(s, "total_timer_time") <= num(s, "total_elapsed_time"));
    let last = samples.last().unwrap().elapsed_ns as f64 / 1e9;
    assert!(
        close(span_s, last, 0.001),
        "the session ends at its last sample"
    );
    // Each lap's trigger is the workout's.
    let triggers: Vec<&str> = doc["lap_data"]["laps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["trigger_method"].as_str().unwrap())
        .collect();
    println!("{sim}: {} laps {triggers:?}, {store:?}", store.laps.len());
    (r, store)
}

#[test]
fn rowerg_2000m() {
    let (r, store) = check("workout=2000m&spm=28&pace=1:45&seed=11", true);
    assert_eq!(store.laps.len(), 4);
    assert!(store.laps.iter().all(|l| l.distance_m == 500.0));
    assert_eq!(store.distance_m, 2000.0);
    // The splits' times are the PM's time for the piece.
    let reader = r.store.reader().unwrap();
    let samples: Vec<Sample> = reader.samples(&r.id).unwrap().map(Result::unwrap).collect();
    let pm = f64::from(samples.last().unwrap().pm_elapsed_cs) / 100.0;
    let time: f64 = store.laps.iter().map(|l| l.time_s).sum();
    assert!(close(time, pm, 0.0), "{time} s of {pm}");
    // The calories are the PM's: each split's within a calorie of the
    // simulator's own count.
    let truth: Vec<f64> = r.truth.splits.iter().map(|s| s.kcal).collect();
    assert_eq!(truth.len(), 4);
    for (lap, kcal) in store.laps.iter().zip(&truth) {
        assert!((lap.kcal - kcal).abs() <= 1.5, "{} vs {kcal}", lap.kcal);
    }
}

#[test]
fn skierg_30_minutes() {
    let (_, store) = check("machine=skierg&workout=30:00&seed=12", true);
    // Five 6:00 splits, to the hundredth: 30:00 exactly.
    assert_eq!(store.laps.len(), 5);
    assert!(
        store.laps.iter().all(|l| l.time_s == 360.0),
        "{:?}",
        store.laps
    );
}

#[test]
fn bikeerg_10km() {
    let (_, store) = check("machine=bikeerg&workout=10000m&seed=13", true);
    assert_eq!(store.laps.len(), 5);
    assert_eq!(store.distance_m, 10_000.0);
}

#[test]
fn intervals_4x500m() {
    let (r, store) = check("workout=4x500m/1:00r&spm=28&pace=1:50&seed=14", true);
    assert_eq!(store.laps.len(), 4);
    assert!(store.laps.iter().all(|l| l.distance_m == 500.0));
    let reader = r.store.reader().unwrap();
    let rows = lap_rows(&reader, &r.id);
    assert!(
        rows.iter().all(|r| r.interval_type == Some(1)),
        "distance intervals: {rows:?}"
    );
}

#[test]
fn just_row_with_an_unplug() {
    let (r, store) = check(
        "workout=justrow&quit=300&seed=15&faults=unplug:100+8",
        false,
    );
    let reader = r.store.reader().unwrap();
    let gaps: Vec<_> = reader.gaps(&r.id).unwrap().map(Result::unwrap).collect();
    assert_eq!(gaps.len(), 1, "the unplug is a gap");
    // Two whole 500 m splits, and what was rowed after them its own lap in
    // FIT and TCX (checked to add up above).
    assert_eq!(store.laps.len(), 2);
    assert!(store.distance_m > 1000.0);
}
