//! Issue [7/8]'s figure: normalise and serialise a two-hour session
//! (360 000 samples at 50 Hz, about 3 400 strokes) to Terra JSON.
//!
//! - `normalize_2h/stroke`: the default resolution, one point per stroke.
//!   The goal is under 50 ms.
//! - `normalize_2h/1s` and `normalize_2h/full` (every sample): reported.
//!
//! The session comes from memory, so the store's read speed (its own
//! benchmark, `cargo bench -p erglink-store`) is not part of the figure.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use erglink_model::Machine;
use erglink_normalize::fixtures::{Plan, Spec, synthesize};
use erglink_normalize::{Options, Resolution, normalize};

fn two_hours(c: &mut Criterion) {
    let syn = synthesize(&Spec {
        machine: Machine::RowErg,
        plan: Plan::JustRow { seconds: 7200 },
        ..Spec::row_2k()
    });
    println!(
        "normalize_2h: {} samples, {} strokes",
        syn.samples.len(),
        syn.strokes.len()
    );
    let mut g = c.benchmark_group("normalize_2h");
    g.throughput(Throughput::Elements(syn.samples.len() as u64));
    for res in [Resolution::Stroke, Resolution::Second, Resolution::Full] {
        if res == Resolution::Full {
            g.sample_size(10).measurement_time(Duration::from_secs(20));
        }
        let options = Options {
            resolution: res,
            ..Options::default()
        };
        let mut bytes = 0;
        g.bench_function(res.name(), |b| {
            b.iter(|| {
                let n = normalize(
                    &syn.session,
                    &syn.strokes,
                    &syn.splits,
                    &syn.gaps,
                    &syn.samples,
                    &options,
                )
                .unwrap();
                let json = serde_json::to_vec(&n.to_activity()).unwrap();
                bytes = json.len();
                black_box(json)
            });
        });
        println!("normalize_2h/{res}: {bytes} bytes of JSON");
    }
    g.finish();
}

criterion_group!(benches, two_hours);
criterion_main!(benches);
