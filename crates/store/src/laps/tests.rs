//! The finaliser on made-up sessions.

use super::*;
use erglink_model::{WorkoutDuration, WorkoutParams};

const S: u64 = 1_000_000_000;

fn two_km() -> Workout {
    Workout {
        workout_type: Some(3),
        params: WorkoutParams {
            target: Some(WorkoutDuration {
                duration_type: DURATION_DISTANCE,
                value: 2000,
            }),
            ..WorkoutParams::default()
        },
    }
}

fn split(index: u32, start_s: u64, end_s: u64, time_cs: u32, distance_dm: u32) -> Split {
    Split {
        kind: SplitKind::Split,
        index,
        start_ns: start_s * S,
        end_ns: end_s * S,
        time_cs,
        distance_dm,
        energy_kcal: None,
        average_power_w: Some(1),
        average_rate_spm: Some(1),
        average_hr_bpm: Some(1),
        interval_type: None,
        rest_time_cs: None,
        rest_distance_dm: None,
    }
}

/// A steady 2000 m at 5 m/s: a sample every 0.1 s for 400 s, a
/// kcal every 2.5 s, heart rate 150, ending in WorkoutEnd.
fn row_2000(f: &mut Finaliser) {
    for i in 0..=4000u64 {
        f.sample(&Sample {
            elapsed_ns: i * S / 10,
            pm_elapsed_cs: (i * 10) as u32,
            distance_dm: (i * 5) as u32,
            power_w: 350,
            hr_bpm: i.is_multiple_of(10).then_some(150),
            energy_kcal: i.is_multiple_of(10).then_some((i / 25) as u16),
            workout_state: Some(if i == 4000 { 10 } else { 1 }),
            ..Sample::default()
        });
    }
}

#[test]
fn a_completed_2000m_adds_up_to_the_metre_and_the_calorie() {
    // As the recorder stores them: the last split 499 m by the PM's
    // truncated figure, and ended after the last sample.
    let rows = vec![
        split(0, 0, 100, 10_000, 5000),
        split(1, 100, 200, 10_000, 5000),
        split(2, 200, 300, 10_000, 5000),
        split(3, 300, 401, 9_990, 4990),
    ];
    let starts = (0..400).map(|k| k * S).collect();
    let mut f = Finaliser::new(Machine::RowErg, &two_km(), rows, starts, Vec::new());
    row_2000(&mut f);
    let out = f.finish();
    assert_eq!(out.iter().map(|s| s.distance_dm).sum::<u32>(), 20_000);
    assert_eq!(out.iter().map(|s| s.time_cs).sum::<u32>(), 40_000);
    assert_eq!(out[3].end_ns, 400 * S, "clamped to the last sample");
    // 160 kcal in all, 40 a split.
    let kcal: Vec<_> = out.iter().map(|s| s.energy_kcal.unwrap()).collect();
    assert_eq!(kcal, [40, 40, 40, 40]);
    for s in &out {
        // 100 strokes in 100 s; 5 m/s is 350 W; the belt said 150.
        assert_eq!(s.average_rate_spm, Some(60));
        assert_eq!(s.average_power_w, Some(350));
        assert_eq!(s.average_hr_bpm, Some(150));
    }
}

#[test]
fn an_unfinished_piece_or_a_missing_split_is_left_as_it_was() {
    let rows = || {
        vec![
            split(0, 0, 100, 10_000, 5000),
            split(1, 100, 300, 10_000, 5000),
            split(2, 300, 400, 9_990, 4990),
        ]
    };
    // A split missing: 500 m short, nothing is made up.
    let mut f = Finaliser::new(Machine::RowErg, &two_km(), rows(), Vec::new(), Vec::new());
    row_2000(&mut f);
    assert_eq!(f.finish()[2].distance_dm, 4990);
    // Not completed (terminated, 11).
    let mut f = Finaliser::new(Machine::RowErg, &two_km(), rows(), Vec::new(), Vec::new());
    row_2000(&mut f);
    f.sample(&Sample {
        elapsed_ns: 401 * S,
        workout_state: Some(11),
        ..Sample::default()
    });
    assert_eq!(f.finish()[2].distance_dm, 4990);
}

#[test]
fn rates_round_and_heart_rate_is_weighted_by_time() {
    // 49 strokes in 104.9 s is 28.03/min, not 27.
    assert_eq!(rate_spm(49, 10_490), Some(28));
    assert_eq!(rate_spm(49, 0), None);
    // 100 bpm for 1 s, then 200 for 3 s: 175, where the mean of the
    // two readings would say 150.
    let rows = vec![split(0, 0, 4, 400, 200)];
    let mut f = Finaliser::new(Machine::RowErg, &Workout::default(), rows, vec![], vec![]);
    for (t, hr) in [
        (0, Some(100)),
        (1, Some(200)),
        (2, None),
        (3, None),
        (4, None),
    ] {
        f.sample(&Sample {
            elapsed_ns: t * S,
            hr_bpm: hr,
            ..Sample::default()
        });
    }
    assert_eq!(f.finish()[0].average_hr_bpm, Some(175));
    // 1:45.0/500 m is 302 W (rower-model §1).
    assert_eq!(watts_for_pace(10_500, 5000), Some(302));
}

#[test]
fn bikeerg_watts_are_its_readings_weighted_by_time_and_gaps_count_for_nothing() {
    let rows = vec![split(0, 0, 10, 1000, 500)];
    let mut f = Finaliser::new(
        Machine::BikeErg,
        &Workout::default(),
        rows,
        vec![],
        vec![3 * S],
    );
    // 100 W for 3 s, a gap to 8 s (the last reading before it, 900 W,
    // does not count), then 200 W for 2 s.
    for (t, w) in [
        (0, 100),
        (1, 100),
        (2, 100),
        (3, 900),
        (8, 200),
        (9, 200),
        (10, 0),
    ] {
        f.sample(&Sample {
            elapsed_ns: t * S,
            power_w: w,
            ..Sample::default()
        });
    }
    assert_eq!(f.finish()[0].average_power_w, Some(140));
}

#[test]
fn interval_calories_across_counter_resets_and_the_interval_type() {
    let workout = Workout {
        workout_type: Some(7),
        params: WorkoutParams::default(),
    };
    let interval = |index, start_s, end_s, interval_type| Split {
        kind: SplitKind::Interval,
        interval_type,
        rest_time_cs: Some(1000),
        ..split(index, start_s, end_s, 1000, 500)
    };
    let rows = vec![
        interval(0, 0, 10, Some(INTERVAL_REST)),
        interval(1, 20, 30, None),
    ];
    let mut f = Finaliser::new(Machine::RowErg, &workout, rows, vec![], vec![]);
    // The counter counts 0..10 in the first interval and rest, then
    // starts again from 0 (a PM that counts per interval).
    for t in 0..=30u64 {
        let kcal = if t < 20 { t.min(10) } else { t - 20 };
        f.sample(&Sample {
            elapsed_ns: t * S,
            energy_kcal: Some(kcal as u16),
            ..Sample::default()
        });
    }
    let out = f.finish();
    assert_eq!(out[0].energy_kcal, Some(10));
    assert_eq!(out[1].energy_kcal, Some(10));
    assert!(out.iter().all(|s| s.interval_type == Some(1)), "{out:?}");
}

#[test]
fn the_pms_calories_are_kept_and_finishing_twice_changes_nothing() {
    // A small generator (no proptest here): odd rows, odd samples, no panics.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n.max(1)
    };
    for _ in 0..200 {
        let rows: Vec<Split> = (0..next(6))
            .map(|i| {
                let a = next(50);
                Split {
                    energy_kcal: (next(3) == 0).then(|| next(99) as u16),
                    kind: if next(2) == 0 {
                        SplitKind::Split
                    } else {
                        SplitKind::Interval
                    },
                    ..split(
                        i as u32,
                        a,
                        a + next(50),
                        next(6000) as u32,
                        next(9000) as u32,
                    )
                }
            })
            .collect();
        let samples: Vec<Sample> = (0..next(300))
            .map(|i| Sample {
                elapsed_ns: i * S / 4,
                pm_elapsed_cs: (i * 25) as u32,
                distance_dm: (i * 12) as u32,
                power_w: next(500) as u16,
                hr_bpm: (next(4) == 0).then(|| next(200) as u8),
                energy_kcal: (next(4) == 0).then(|| next(80) as u16),
                workout_state: (next(20) == 0).then(|| next(14) as u8),
                ..Sample::default()
            })
            .collect();
        let strokes: Vec<u64> = (0..next(40)).map(|k| k * S).collect();
        let gaps: Vec<u64> = (0..next(3)).map(|_| next(60) * S).collect();
        let machine = [Machine::RowErg, Machine::SkiErg, Machine::BikeErg][next(3) as usize];
        let run = |rows: Vec<Split>| {
            let mut f = Finaliser::new(machine, &two_km(), rows, strokes.clone(), gaps.clone());
            for s in &samples {
                f.sample(s);
            }
            let mut out = f.finish();
            out.sort_by_key(|s| (kind_slot(s.kind), s.index, s.start_ns));
            out
        };
        let once = run(rows.clone());
        for r in &rows {
            if let Some(kcal) = r.energy_kcal {
                assert!(once.iter().any(|s| s.energy_kcal == Some(kcal)));
            }
        }
        assert_eq!(run(once.clone()), once);
    }
}
