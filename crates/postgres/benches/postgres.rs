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

    let sql = cluster.superuser();
    sql.batch("CREATE DATABASE lab_batch");
    let alone = ship(&cluster, &store, &sessions, "lab", 1);
    report("one session at a time", &alone, n);
    let batch = ship(&cluster, &store, &sessions, "lab_batch", 2);
    report(
        "two sessions at once (--concurrency 2, the default)",
        &batch,
        n,
    );
    let stored = sql.count("SELECT count(*) FROM erglink.samples", &[]);
    assert_eq!(stored as u64, alone.1);
    // The floor: the server's own COPY of one session's samples from a file
    // into a table like erglink.samples (its BRIN index too), no client at all.
    let file = cluster.dir().join("one-session.bin");
    sql.batch(&format!(
        "CREATE TABLE erglink.samples_floor (LIKE erglink.samples INCLUDING ALL);
         COPY (SELECT * FROM erglink.samples WHERE session_id = '{}') TO '{}' (FORMAT binary)",
        sessions[0].id,
        file.display()
    ));
    let mut floor = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        sql.batch(&format!(
            "COPY erglink.samples_floor FROM '{}' (FORMAT binary)",
            file.display()
        ));
        floor.push(t.elapsed().as_secs_f64());
        sql.batch("TRUNCATE erglink.samples_floor");
    }
    floor.sort_by(f64::total_cmp);
    println!(
        "the server's own COPY of one session's 180 000 samples from a file: {:.3} s \
         ({:.0} samples/s), the floor for any client",
        floor[1],
        180_000.0 / floor[1]
    );
    let size: String = sql.query(
        "SELECT pg_size_pretty(pg_total_relation_size('erglink.samples'))",
        &[],
    )[0]
    .get(0);
    println!("erglink.samples on disk: {size} for {stored} rows");
}

/// Ships `sessions` into database `db` with `concurrency`: the rates of
/// each session, the samples, and the whole run's time.
fn ship(
    cluster: &Cluster,
    store: &Store,
    sessions: &[erglink_model::Session],
    db: &str,
    concurrency: usize,
) -> (Vec<f64>, u64, std::time::Duration) {
    let url = cluster
        .url(SUPERUSER, None)
        .replace("/lab", &format!("/{db}"));
    let mut config = Config::new(PgUrl::parse(&url).unwrap(), "bench");
    config.password = Some(Password::new(PASSWORD).unwrap());
    config.concurrency = concurrency;
    let mut exporter = Exporter::new(config).unwrap();
    exporter.connect().unwrap();
    let t = Instant::now();
    let report = exporter.run(store, sessions, &|_| {}).unwrap();
    let elapsed = t.elapsed();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let mut rates = Vec::new();
    let mut samples = 0;
    for s in &report.shipped {
        let Written::Inserted { rows, .. } = s.written else {
            panic!("{} was there already", s.session);
        };
        samples += rows.samples;
        rates.push(rows.samples as f64 / s.elapsed.as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    (rates, samples, elapsed)
}

fn report(what: &str, (rates, samples, elapsed): &(Vec<f64>, u64, std::time::Duration), n: u32) {
    println!(
        "{what}: samples/s per one-hour session (180 000 samples, 1 680 strokes and curves): \
         median {:.0}, min {:.0}, max {:.0} (goal 500 000)",
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1]
    );
    println!(
        "{what}: {n} one-hour sessions in {:.2} s: {:.2} sessions/s, {:.0} samples/s overall",
        elapsed.as_secs_f64(),
        f64::from(n) / elapsed.as_secs_f64(),
        *samples as f64 / elapsed.as_secs_f64()
    );
}
