//! Issue 15's figures, a bench binary (`cargo bench -p erglink-serve`):
//!
//! - `day/without_samples`: one day holding 8 one-hour sessions (50 Hz,
//!   180 000 samples each), `with_samples=false`, latency p50 and p99 with
//!   1 and with 16 concurrent clients (goal: p99 < 50 ms at 16);
//! - `day/with_samples`: the same day at stroke resolution, 1 client
//!   (goal: p99 < 1 s);
//! - `month/with_samples`: 30 days of 8 one-hour sessions (240), time to
//!   the last byte and the process's peak RSS (goals: < 15 s, < 150 MB).
//!   Its store is about 1.7 GB, so it runs only with `ERGLINK_BENCH_MONTH=1`;
//!   `ERGLINK_BENCH_DAYS=N` shortens it to N days where disk is short.
//!
//! The server runs in this process on loopback, its clients on threads,
//! each request over a fresh connection, as Terra's SDK makes them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use erglink_normalize::fixtures::{Plan, Spec, synthesize};
use erglink_serve::{Config, Server, fill_summaries};
use erglink_store::Store;

const ATHLETE: &str = "Ada";

fn record_hours(store: &Store, seeds: impl Iterator<Item = u32>) -> usize {
    let mut n = 0;
    for seed in seeds {
        let mut syn = synthesize(&Spec {
            seed,
            plan: Plan::JustRow { seconds: 3600 },
            ..Spec::row_2k()
        });
        syn.session.tags.athlete = Some(ATHLETE.into());
        erglink_export::record_synthetic(store, &syn, 10_000).expect("recording");
        n += 1;
    }
    n
}

/// One GET; the body's length and the time to its last byte.
fn get(addr: SocketAddr, target: &str) -> (usize, Duration) {
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0;
    let mut head = Vec::new();
    loop {
        let n = s.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        if head.len() < 16 {
            head.extend_from_slice(&buf[..n.min(16)]);
        }
        total += n;
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    (total, t.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn latencies(
    addr: SocketAddr,
    target: &str,
    clients: usize,
    per_client: usize,
) -> (Duration, Duration, usize) {
    let mut all: Vec<Duration> = Vec::new();
    let mut bytes = 0;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                scope.spawn(|| {
                    (0..per_client)
                        .map(|_| get(addr, target))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (b, d) in h.join().expect("client") {
                bytes = b;
                all.push(d);
            }
        }
    });
    all.sort();
    (percentile(&all, 0.5), percentile(&all, 0.99), bytes)
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn serve(store: &Store) -> (tokio::runtime::Runtime, SocketAddr) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut config = Config::new(store.clone(), "127.0.0.1:0".parse().expect("addr"));
    // Filled below, before timing, as a running server would have by then.
    config.prefill_summaries = false;
    let server = rt.block_on(Server::bind(config)).expect("bind");
    let addr = server.local_addr();
    rt.spawn(server.run(std::future::pending()));
    (rt, addr)
}

fn main() {
    // `cargo test --benches` runs bench binaries with no `--bench`: build only.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let user = erglink_webhook::athlete_user_id(Some(ATHLETE));

    let store = Store::open(dir.path().join("day.db")).expect("store");
    let t = Instant::now();
    let n = record_hours(&store, 0..8);
    let summarised = fill_summaries(&store).expect("summaries");
    eprintln!(
        "day: {n} one-hour sessions recorded and {summarised} summarised in {:.1?}",
        t.elapsed()
    );
    let (_rt, addr) = serve(&store);
    let day = format!(
        "/v2/activity?user_id={user}&start_date=2026-03-01&end_date=2026-03-01&to_webhook=false"
    );
    for clients in [1, 16] {
        let per_client = if clients == 1 { 200 } else { 40 };
        let (p50, p99, bytes) = latencies(
            addr,
            &format!("{day}&with_samples=false"),
            clients,
            per_client,
        );
        println!(
            "day/without_samples clients={clients:<2} p50 {p50:>9.2?}  p99 {p99:>9.2?}  ({bytes} bytes)"
        );
    }
    let (p50, p99, bytes) = latencies(addr, &format!("{day}&with_samples=true"), 1, 10);
    println!("day/with_samples    clients=1  p50 {p50:>9.2?}  p99 {p99:>9.2?}  ({bytes} bytes)");
    println!(
        "peak RSS so far: {:.0} MB",
        peak_rss_mb().unwrap_or(f64::NAN)
    );

    if std::env::var("ERGLINK_BENCH_MONTH").is_ok_and(|v| v == "1") {
        let store = Store::open(dir.path().join("month.db")).expect("store");
        let t = Instant::now();
        let n = record_hours(
            &store,
            (0..30).flat_map(|d| (0..8).map(move |h| d * 24 + h)),
        );
        eprintln!(
            "month: {n} one-hour sessions recorded in {:.1?}",
            t.elapsed()
        );
        let (_rt, addr) = serve(&store);
        let month = format!(
            "/v2/activity?user_id={user}&start_date=2026-03-01&end_date=2026-03-30&to_webhook=false&with_samples=true"
        );
        let before = peak_rss_mb().unwrap_or(f64::NAN);
        // Linux: "5" resets VmHWM, so the peak below is the pull's alone.
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let (bytes, elapsed) = get(addr, &month);
        println!(
            "month/with_samples  {n} sessions: last byte after {elapsed:.2?} ({:.0} MB); peak RSS {} {:.0} MB (after recording {before:.0} MB)",
            bytes as f64 / 1e6,
            if reset {
                "during the pull"
            } else {
                "of the process"
            },
            peak_rss_mb().unwrap_or(f64::NAN)
        );
    } else {
        println!("month/with_samples  skipped (ERGLINK_BENCH_MONTH=1 runs it: a 1.7 GB store)");
    }
}
