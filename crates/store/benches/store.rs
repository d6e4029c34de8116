//! The store's three figures (issue [5/8]):
//!
//! - `ingest/*`: samples per second through the writer thread, from
//!   `send` to a durable commit (WAL, synchronous=FULL). The goal is
//!   500 k/s, about 1000 times what one monitor produces. Each sample
//!   comes with the strokes, force curves and splits of the synthetic
//!   stream, as a recorder would send them.
//! - bytes on disk per sample, printed before the timings: a 2 h session
//!   (360 000 samples at 50 Hz), checkpointed, measured with `dbstat`.
//! - `read_2h/*`: streaming that session back through the reader.
//!
//! Criterion's `thrpt` line is samples per second.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use erglink_model::SessionId;
use erglink_store::test_utils::{self, new_session};
use erglink_store::{Batch, Store, WriterOptions};

/// Two hours at 50 Hz.
const TWO_HOURS: u64 = 360_000;
/// Samples per timed ingest run.
const INGEST: u64 = 100_000;

fn two_hour_session() -> (tempfile::TempDir, Store, SessionId) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bench.db")).unwrap();
    let id = test_utils::record_session(&store, 1, TWO_HOURS, 50).unwrap();
    (dir, store, id)
}

fn bytes_on_disk(_c: &mut Criterion) {
    let (_dir, store, id) = two_hour_session();
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .unwrap();
    let table = |name: &str| -> u64 {
        conn.query_row(
            "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?1",
            [name],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as u64
    };
    let samples = table("samples");
    let strokes = table("strokes") + table("force_curves");
    let file = std::fs::metadata(store.path()).unwrap().len();
    let s = store.reader().unwrap().session(&id).unwrap();
    let n = TWO_HOURS as f64;
    println!(
        "store/bytes_on_disk: 2 h session, {} samples, {} strokes with force curves, {} splits",
        s.counts.samples, s.counts.strokes, s.counts.splits
    );
    println!(
        "store/bytes_on_disk: samples table {samples} B = {:.1} B/sample; strokes and curves {strokes} B; whole file {file} B = {:.1} B/sample",
        samples as f64 / n,
        file as f64 / n
    );
}

/// Batches of `per_batch` samples covering `first .. first + INGEST`.
fn batches(first: u64, per_batch: usize) -> Vec<Batch> {
    (first..first + INGEST)
        .step_by(per_batch)
        .map(|i| test_utils::batch(i, per_batch))
        .collect()
}

fn ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(INGEST));
    // One sample per batch is a recorder that sends each poll at once;
    // fifty is one second of one monitor.
    for per_batch in [1usize, 10, 50] {
        group.bench_function(format!("samples_in_batches_of_{per_batch}"), |b| {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path().join("ingest.db")).unwrap();
            let writer = store.writer(WriterOptions::default()).unwrap();
            let id = writer.begin_session(new_session(1)).unwrap();
            let mut next = 0;
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let work = batches(next, per_batch);
                    next += INGEST;
                    let t = Instant::now();
                    for batch in work {
                        writer.send(&id, batch).unwrap();
                    }
                    writer.flush().unwrap();
                    total += t.elapsed();
                }
                total
            });
            writer.close().unwrap();
        });
    }
    group.finish();
}

fn read_back(c: &mut Criterion) {
    let (_dir, store, id) = two_hour_session();
    let reader = store.reader().unwrap();
    let mut group = c.benchmark_group("read_2h");
    group.sample_size(10);
    group.throughput(Throughput::Elements(TWO_HOURS));
    group.bench_function("samples", |b| {
        b.iter(|| {
            let mut n = 0u64;
            for s in reader.samples(&id).unwrap() {
                n += u64::from(black_box(s.unwrap()).power_w > 0);
            }
            assert_eq!(n, TWO_HOURS);
        });
    });
    group.bench_function("whole_session", |b| {
        b.iter(|| {
            let r = &reader;
            let n = r.samples(&id).unwrap().count()
                + r.strokes(&id).unwrap().count()
                + r.force_curves(&id).unwrap().count()
                + r.splits(&id).unwrap().count()
                + r.gaps(&id).unwrap().count();
            black_box(n)
        });
    });
    group.finish();
}

criterion_group!(benches, bytes_on_disk, ingest, read_back);
criterion_main!(benches);
