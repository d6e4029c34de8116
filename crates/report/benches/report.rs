//! Issue [4/7]'s figure: the report of a two-hour session (360 000 samples
//! at 50 Hz, 3 360 strokes, a force curve each) in under 1 s, in a file
//! under 5 MB. Printed: the file's size; criterion: the time.
//!
//! - `report_2h/just_row`: 2 h of just row (no splits).
//! - `report_2h/splits`: 30 km in 2 km splits (15 small multiples), about 2 h.
//!
//! The session comes from memory: reading it from the store is the store's
//! own benchmark (`cargo bench -p erglink-store`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use erglink_model::Machine;
use erglink_normalize::fixtures::{Plan, Spec, synthesize};
use erglink_report::{Assets, SessionData, report};

fn data(plan: Plan) -> SessionData {
    let syn = synthesize(&Spec {
        machine: Machine::RowErg,
        plan,
        ..Spec::row_2k()
    });
    SessionData {
        session: syn.session,
        samples: syn.samples,
        strokes: syn.strokes,
        force_curves: syn.force_curves,
        splits: syn.splits,
        gaps: syn.gaps,
    }
}

fn two_hours(c: &mut Criterion) {
    let mut g = c.benchmark_group("report_2h");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for (name, plan) in [
        ("just_row", Plan::JustRow { seconds: 7200 }),
        (
            "splits",
            Plan::Distance {
                metres: 30_000,
                split_m: 2000,
            },
        ),
    ] {
        let d = data(plan);
        let start = Instant::now();
        let html = report(&d, &Assets::Inline).expect("renders");
        let once = start.elapsed();
        println!(
            "report_2h/{name}: {} samples, {} strokes, {} curves, {} splits -> {:.2} MB ({} bytes) in {:.0} ms (goal < 5 MB, < 1 s)",
            d.samples.len(),
            d.strokes.len(),
            d.force_curves.len(),
            d.splits.len(),
            html.len() as f64 / 1e6,
            html.len(),
            once.as_secs_f64() * 1000.0,
        );
        g.bench_function(name, |b| {
            b.iter(|| black_box(report(black_box(&d), &Assets::Inline)));
        });
    }
    g.finish();
}

criterion_group!(benches, two_hours);
criterion_main!(benches);
