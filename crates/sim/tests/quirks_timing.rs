//! The timing quirks: `proc=` drawn per frame from its range, seeded, and
//! `slow_end=` while the PM logs a workout that just ended.

mod common;

use common::Host;
use erglink_csafe::command::*;
use erglink_sim::{LOGGING_NS, SimConfig, Simulator, bus_limit};

const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;

/// Write-to-reply times of `n` GETSTATUS exchanges in report 1, spaced out.
fn exchange_times(query: &str, n: usize) -> Vec<u64> {
    let mut host = Host::new("pm5", query);
    host.report_id = 1;
    (0..n)
        .map(|_| {
            host.idle_until(host.now + 5 * MS);
            let sent = host.now;
            host.exchange(&[GetStatus {}.into()]).expect("answered");
            host.now - sent
        })
        .collect()
}

#[test]
fn a_fixed_processing_time_costs_the_same_every_frame() {
    // Report 1: one packet each way, 4 ms out, 8 ms in.
    assert!(exchange_times("", 50).iter().all(|&t| t == 14 * MS));
    assert!(exchange_times("proc=5", 50).iter().all(|&t| t == 17 * MS));
}

#[test]
fn a_processing_range_is_drawn_per_frame_by_the_seed() {
    let times = exchange_times("proc=20-200&seed=3", 400);
    assert!(
        times.iter().all(|&t| (32 * MS..=212 * MS).contains(&t)),
        "4 + 20..=200 + 8 ms"
    );
    let mean = times.iter().sum::<u64>() as f64 / times.len() as f64 / MS as f64;
    assert!(
        (112.0 - 8.0..=112.0 + 8.0).contains(&mean),
        "uniform: {mean}"
    );
    let lo = times.iter().filter(|&&t| t < 77 * MS).count();
    let hi = times.iter().filter(|&&t| t > 167 * MS).count();
    assert!(lo > 60 && hi > 60, "both ends are drawn: {lo} {hi}");
    assert_eq!(times, exchange_times("proc=20-200&seed=3", 400), "seeded");
    assert_ne!(times, exchange_times("proc=20-200&seed=4", 400));

    // The bus limit is the fastest exchange, at the least processing time.
    let sim = Simulator::new(SimConfig::parse("pm5", "proc=20-200").unwrap());
    assert_eq!(sim.bus_limit(1).exchange_ns, 32 * MS);
    assert_eq!(sim.bus_limit(2).exchange_ns, 44 * MS);
    assert_eq!(sim.timing().processing_ns, 20 * MS);
    assert_eq!(bus_limit(&sim.timing(), 20).exchange_ns, 32 * MS);
    let default = Simulator::new(SimConfig::default());
    assert_eq!(default.bus_limit(1).exchange_ns, 14 * MS);
}

#[test]
fn the_processing_draw_leaves_the_athlete_alone() {
    let row = |query: &str| {
        let mut host = Host::new("pm5", query);
        while host.now < 120 * S {
            host.exchange(&[PmGetStrokeState {}.into()]);
        }
        host.sim.ground_truth().strokes.clone()
    };
    assert_eq!(
        row("workout=500m&seed=2"),
        row("workout=500m&seed=2&proc=20-200")
    );
}

#[test]
fn replies_are_slow_while_the_pm_logs_a_finished_workout() {
    let mut host = Host::new("pm5", "workout=500m&slow_end=800&pace=1:50");
    host.report_id = 1;
    let mut seen = Vec::new();
    while host.now < 160 * S {
        let sent = host.now;
        host.exchange(&[GetStatus {}.into()]).expect("answered");
        seen.push((sent, host.now - sent));
    }
    let truth = host.sim.ground_truth();
    let windows: Vec<(u64, u64)> = truth.logging_windows().collect();
    assert_eq!(windows.len(), 1, "{windows:?}");
    let (start, end) = windows[0];
    assert_eq!(end - start, LOGGING_NS);
    assert_eq!(Some(start), truth.workouts[0].ended_ns);
    let mut slow = 0;
    for &(sent, took) in &seen {
        // The PM holds the request 4 ms after it is written.
        let logging = (start..end).contains(&(sent + 4 * MS));
        let expected = if logging { 812 * MS } else { 14 * MS };
        assert_eq!(took, expected, "written at {sent}");
        slow += usize::from(logging);
    }
    assert!((2..=4).contains(&slow), "2 s of 812 ms exchanges: {slow}");
    let after = seen.iter().filter(|&&(sent, _)| sent > end).count();
    assert!(after > 100, "fast again after the window: {after}");
}

#[test]
fn a_terminated_workout_is_not_slow() {
    let mut host = Host::new("pm5", "slow_end=800&start=1");
    host.exchange(&erglink_csafe::workout::fixed_distance(2000, 500).unwrap())
        .unwrap();
    host.idle_until(host.now + 30 * S);
    host.exchange(&erglink_csafe::workout::terminate()).unwrap();
    host.report_id = 1;
    for _ in 0..200 {
        let sent = host.now;
        host.exchange(&[GetStatus {}.into()]).unwrap();
        assert_eq!(host.now - sent, 14 * MS);
    }
    assert_eq!(host.sim.ground_truth().logging_windows().count(), 0);
}
