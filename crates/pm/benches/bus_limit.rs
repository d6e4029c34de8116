//! Exchanges per simulated second through the driver, against the
//! simulator's published bus limit (issue [4/8]; goal ≥ 90 %), for a request
//! that fits report 1 (20 bytes) and one that needs report 2 (120 bytes).
//! Also the wall time per exchange, which is what lets `pacing=max` runs go fast.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use erglink_csafe::AnyCommand;
use erglink_csafe::command::*;
use erglink_pm::Monitor;
use erglink_sim::{SimConfig, Simulator};
use erglink_transport::SimTransport;

fn monitor() -> Monitor<SimTransport> {
    let cfg = SimConfig::parse("pm5", "seed=1&workout=2000m").unwrap();
    Monitor::new(SimTransport::new(Simulator::new(cfg), "sim:pm5".into()))
}

/// A small poll (report 1) and the recorder's fast poll (report 2).
fn frames() -> [(&'static str, Vec<AnyCommand>); 2] {
    [
        (
            "20-byte report 1",
            vec![PmGetStrokeState {}.into(), GetPower {}.into()],
        ),
        (
            "120-byte report 2",
            vec![
                PmGetWorkTime {}.into(),
                PmGetWorkDistance {}.into(),
                PmGetStrokeState {}.into(),
                GetPace {}.into(),
                GetPower {}.into(),
                GetCadence {}.into(),
                GetHrCur {}.into(),
            ],
        ),
    ]
}

fn report_achieved_rate() {
    for (name, cmds) in frames() {
        let mut m = monitor();
        let n = 2_000;
        let start = m.now_ns();
        let mut report = 0;
        for _ in 0..n {
            report = m.exchange(&cmds).unwrap().unwrap().report_id;
        }
        let secs = (m.now_ns() - start) as f64 / 1e9;
        let achieved = f64::from(n) / secs;
        let limit = m.transport().simulator().bus_limit(report).exchanges_per_s;
        println!(
            "{name}: {achieved:.1} exchanges per simulated second, bus limit {limit:.1} (report {report}): {:.1} %",
            100.0 * achieved / limit
        );
    }
}

fn bench(c: &mut Criterion) {
    report_achieved_rate();
    let mut group = c.benchmark_group("driver_exchange_wall_time");
    for (name, cmds) in frames() {
        let mut m = monitor();
        group.bench_function(name, |b| {
            b.iter(|| black_box(m.exchange(&cmds).unwrap().is_ok()));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
