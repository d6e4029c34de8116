//! Final laps (issue 14): a session's splits once it ends, through the
//! writer, and once recovery finds it interrupted: calories from the
//! samples, ends within them, and a completed piece's splits adding up.

use erglink_model::{Sample, Split};
use erglink_store::test_utils::{new_session, sample, session_end, split};
use erglink_store::{Batch, Store, WriterOptions};

/// The synthetic stream (0.9 dm and 2 cs a sample) up to 2000 m, where
/// the PM shows WorkoutEnd.
fn samples_to_2000m() -> Vec<Sample> {
    let n = 22_224;
    (0..n)
        .map(|i| {
            let mut s = sample(i);
            if i == n - 1 {
                s.workout_state = Some(10);
            }
            s
        })
        .collect()
}

/// The splits as the recorder stores them: no calories, the last one 499 m
/// by the PM's truncated figure and read after the last sample.
fn recorded_splits(last: &Sample) -> Vec<Split> {
    let mut rows: Vec<Split> = (0..4)
        .map(|k| Split {
            energy_kcal: None,
            ..split(k)
        })
        .collect();
    rows[3].distance_dm = 4990;
    rows[3].end_ns = last.elapsed_ns + 26_000_000;
    rows
}

fn record(store: &Store, finish: bool) -> erglink_model::SessionId {
    let samples = samples_to_2000m();
    let last = *samples.last().unwrap();
    let w = store.writer(WriterOptions::default()).unwrap();
    let id = w.begin_session(new_session(1)).unwrap();
    for chunk in samples.chunks(500) {
        w.send(
            &id,
            Batch {
                samples: chunk.to_vec(),
                ..Batch::default()
            },
        )
        .unwrap();
    }
    w.send(
        &id,
        Batch {
            splits: recorded_splits(&last),
            ..Batch::default()
        },
    )
    .unwrap();
    if finish {
        w.finish_session(&id, session_end(1, samples.len() as u64))
            .unwrap();
    }
    w.close().unwrap();
    id
}

#[test]
fn a_finished_2000m_adds_up_to_the_metre_and_the_calorie() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("e.db")).unwrap();
    let id = record(&store, true);
    let r = store.reader().unwrap();
    let rows: Vec<Split> = r.splits(&id).unwrap().map(Result::unwrap).collect();
    let last = *samples_to_2000m().last().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.iter().map(|s| s.distance_dm).sum::<u32>(), 20_000);
    assert_eq!(rows[3].distance_dm, 5000);
    // The PM's time at the end: 22 223 samples of 2 cs.
    assert_eq!(
        rows.iter().map(|s| s.time_cs).sum::<u32>(),
        last.pm_elapsed_cs
    );
    assert_eq!(rows[3].end_ns, last.elapsed_ns, "within the session");
    // The last reading was 55 kcal (22 200 / 400), the first 0.
    let kcal: Vec<u16> = rows.iter().map(|s| s.energy_kcal.unwrap()).collect();
    assert_eq!(kcal.iter().sum::<u16>(), 55, "{kcal:?}");
    assert!(kcal.iter().all(|&k| (13..=15).contains(&k)), "{kcal:?}");
}

#[test]
fn an_interrupted_session_gets_its_laps_when_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.db");
    let id = record(&Store::open(&path).unwrap(), false);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.recovered(), 1);
    let r = store.reader().unwrap();
    let rows: Vec<Split> = r.splits(&id).unwrap().map(Result::unwrap).collect();
    let last = *samples_to_2000m().last().unwrap();
    assert_eq!(rows[3].end_ns, last.elapsed_ns);
    assert!(rows.iter().all(|s| s.energy_kcal.is_some()));
    // The PM showed WorkoutEnd before the recorder stopped: the piece was
    // completed, and its splits add up.
    assert_eq!(rows[3].distance_dm, 5000);
}
