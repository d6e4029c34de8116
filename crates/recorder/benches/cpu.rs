//! Recorder CPU for eight simulated monitors at `pacing=realtime` (issue
//! [6/8]; goal < 5 % of one core). Each iteration records the eight for a
//! fixed stretch of wall time and reports the process CPU time it used, so
//! criterion's figure is CPU time per window; the percentage is printed too.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use erglink_recorder::{Live, Options, Target, Until, record};
use erglink_store::{Store, WriterOptions};
use erglink_transport::DeviceSelector;

const WINDOW: Duration = Duration::from_secs(3);

/// Process CPU time (user + system) from /proc, in seconds. USER_HZ is 100 on Linux.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Records eight realtime simulators for `WINDOW`; returns (CPU s, wall s).
fn eight_monitors(dir: &std::path::Path, run: u32) -> (f64, f64) {
    let store = Store::open(dir.join(format!("cpu-{run}.db"))).unwrap();
    let writer = Arc::new(store.writer(WriterOptions::default()).unwrap());
    let selectors = (1..=8)
        .map(|i| {
            DeviceSelector::parse(&format!(
                "sim:pm5?workout=justrow&pacing=realtime&start=0&seed={i}"
            ))
            .unwrap()
        })
        .collect();
    let options = Options {
        until: Until::Duration(WINDOW.as_nanos() as u64),
        ..Options::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let cpu0 = cpu_seconds();
    let wall = Instant::now();
    let (sessions, errors) = rt.block_on(record(
        Target::Devices(selectors),
        writer.clone(),
        options,
        Live::default(),
        Arc::new(AtomicBool::new(false)),
    ));
    Arc::try_unwrap(writer).unwrap().close().unwrap();
    let used = (cpu_seconds() - cpu0, wall.elapsed().as_secs_f64());
    assert!(errors.is_empty() && sessions.len() == 8, "{errors:?}");
    used
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (cpu, wall) = eight_monitors(dir.path(), 0);
    println!(
        "8 monitors at pacing=realtime: {cpu:.2} s CPU over {wall:.2} s wall = {:.1} % of one core",
        100.0 * cpu / wall
    );
    let mut group = c.benchmark_group("recorder_cpu");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(35));
    let mut run = 1;
    group.bench_function("eight_realtime_monitors_cpu_per_3s", |b| {
        b.iter_custom(|iters| {
            let mut total = 0.0;
            for _ in 0..iters {
                total += eight_monitors(dir.path(), run).0;
                run += 1;
            }
            Duration::from_secs_f64(total)
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
