//! The exporter's speed into a local PostgreSQL (a throwaway cluster with
//! fsync on, as `test_cluster` starts it for the benchmark), from a real
//! store: one-hour sessions of 180 000 samples and about 1 680 strokes and
//! force curves each, at 50 Hz.
//!
//! Prints samples per second for each session (goal: at least 500 000, a
//! one-hour session in under 0.4 s) and sessions per second for the batch.
//! `ERGLINK_BENCH_PG_SESSIONS` sets the batch (default 8).

use std::time::Instant;

use erglink_normalize::fixtures::{Plan, Spec};
use erglink_postgres::test_cluster::{self, Cluster, ClusterOptions, PASSWORD, SUPERUSER};
use erglink_postgres::{Config, Exporter, Password, PgUrl, Written};
use erglink_store::Store;

fn main() {
    // `cargo test --benches` runs this with --bench absent: stay quick then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: u32 = std::env::var("ERGLINK_BENCH_PG_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let Some(cluster) = Cluster::start_with(
        "postgres bench",
        &ClusterOptions {
            tls: None,
            durable: true,
        },
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("erglink.db")).unwrap();
    let t = Instant::now();
    for seed in 0..n {
        let spec = Spec {
            seed,
            plan: Plan::JustRow { seconds: 3600 },
            ..Spec::row_2k()
        };
        test_cluster::record(&store, &spec, "Ada");
    }
    eprintln!(
        "recorded {n} one-hour sessions into SQLite in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut sessions = store.reader().unwrap().sessions().unwrap();
    sessions.reverse();

    let url = PgUrl::parse(&cluster.url(SUPERUSER, None)).unwrap();
    let mut config = Config::new(url, "bench");
    config.password = Some(Password::new(PASSWORD).unwrap());
    let mut exporter = Exporter::new(config).unwrap();
    exporter.connect().unwrap();

    let t = Instant::now();
    let report = exporter.run(&store, &sessions, &|_| {}).unwrap();
    let batch = t.elapsed();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let mut rates = Vec::new();
    let mut samples = 0;
    for s in &report.shipped {
        let Written::Inserted { rows, .. } = s.written else {
            panic!("{} was there already", s.session);
        };
        samples += rows.samples;
        let rate = rows.samples as f64 / s.elapsed.as_secs_f64();
        println!(
            "{}: {} samples, {} strokes, {} curves in {:.3} s: {:.0} samples/s",
            s.session,
            rows.samples,
            rows.strokes,
            rows.force_curves,
            s.elapsed.as_secs_f64(),
            rate
        );
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "samples/s per one-hour session: median {:.0}, min {:.0}, max {:.0} (goal 500000)",
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1]
    );
    println!(
        "batch: {n} one-hour sessions ({samples} samples) in {:.2} s: {:.2} sessions/s, {:.0} samples/s overall",
        batch.as_secs_f64(),
        f64::from(n) / batch.as_secs_f64(),
        samples as f64 / batch.as_secs_f64()
    );
    let sql = cluster.superuser();
    let stored = sql.count("SELECT count(*) FROM erglink.samples", &[]);
    assert_eq!(stored as u64, samples);
    let size: String = sql.query(
        "SELECT pg_size_pretty(pg_total_relation_size('erglink.samples'))",
        &[],
    )[0]
    .get(0);
    println!("erglink.samples on disk: {size} for {samples} rows");
}
