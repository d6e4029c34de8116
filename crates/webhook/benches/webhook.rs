//! Issue [8/8]'s figure: a batch export of 1 000 one-hour sessions at
//! stroke resolution to a receiver on loopback. The goal is at least
//! 200 sessions/s, with memory that does not grow with the batch.
//!
//! - `webhook_1h/deliver_1000`: the whole delivery path for 1 000 sessions
//!   (normalise at stroke resolution, build the envelope, sign, POST over
//!   HTTP/1.1 keep-alive, record each attempt in the SQLite ledger) at the
//!   default concurrency of 4. The receiver runs in this process and checks
//!   every signature, so it competes for the same cores. Each session's rows
//!   come from memory (one synthetic hour, 180 000 samples at 50 Hz and
//!   about 1 700 strokes, under 1 000 ids): a thousand real one-hour
//!   sessions would be a 7 GB database to build before the first sample.
//!   Peak resident memory is printed for 250 and for 1 000 sessions.
//! - `webhook_1h/from_store_16`: the same for 16 one-hour sessions that are
//!   really in the store, so that reading every sample back from SQLite is
//!   counted too (the store's own benchmark measures that read alone).
//!
//! Criterion's `thrpt` line is in sessions/s.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use erglink_export::{MemorySource, Rows, SessionSource, record_synthetic};
use erglink_model::{ForceCurve, Gap, Sample, Session, SessionId, Split, Stroke};
use erglink_normalize::fixtures::{Plan, Spec, Synthetic, synthesize};
use erglink_store::Store;
use erglink_webhook::test_receiver::Receiver;
use erglink_webhook::{Config, Endpoint, Exporter, Secret};

const SECRET: &[u8] = b"whsec_erglink_bench";

fn one_hour(seed: u32) -> Synthetic {
    synthesize(&Spec {
        plan: Plan::JustRow { seconds: 3600 },
        seed,
        ..Spec::row_2k()
    })
}

/// One recorded hour, served under any session id. The workers share one
/// copy: four private copies of its 8.6 MB of samples would not fit the
/// cache together, which a store's paged reads never need.
#[derive(Clone)]
struct TemplateSource {
    hour: Arc<MemorySource>,
    template: SessionId,
}

impl TemplateSource {
    fn new(hour: Synthetic) -> Self {
        let template = hour.session.id.clone();
        Self {
            hour: Arc::new(MemorySource::new(vec![hour])),
            template,
        }
    }
}

impl SessionSource for TemplateSource {
    fn session(&self, id: &SessionId) -> erglink_export::Result<Session> {
        let mut s = self.hour.session(&self.template)?;
        s.id = id.clone();
        Ok(s)
    }
    fn samples(&self, _: &SessionId) -> erglink_export::Result<Rows<'_, Sample>> {
        self.hour.samples(&self.template)
    }
    fn strokes(&self, _: &SessionId) -> erglink_export::Result<Rows<'_, Stroke>> {
        self.hour.strokes(&self.template)
    }
    fn force_curves(&self, _: &SessionId) -> erglink_export::Result<Rows<'_, ForceCurve>> {
        self.hour.force_curves(&self.template)
    }
    fn splits(&self, _: &SessionId) -> erglink_export::Result<Rows<'_, Split>> {
        self.hour.splits(&self.template)
    }
    fn gaps(&self, _: &SessionId) -> erglink_export::Result<Rows<'_, Gap>> {
        self.hour.gaps(&self.template)
    }
}

/// `n` finished sessions in the store; with `rows`, their samples and strokes too.
fn lab(store: &Store, hour: &Synthetic, n: usize, rows: bool) -> Vec<Session> {
    // Without rows, only the session: its rows come from a TemplateSource.
    let bare = Synthetic {
        samples: Vec::new(),
        strokes: Vec::new(),
        force_curves: Vec::new(),
        splits: Vec::new(),
        gaps: Vec::new(),
        session: hour.session.clone(),
    };
    for _ in 0..n {
        record_synthetic(store, if rows { hour } else { &bare }, 5_000).unwrap();
    }
    store.reader().unwrap().sessions().unwrap()
}

/// Resident set size now, in bytes (Linux; 0 elsewhere).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Samples the resident set every 5 ms while `f` runs; returns the peak.
fn peak_rss_during(f: impl FnOnce()) -> u64 {
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(rss()));
    let watcher = {
        let (done, peak) = (Arc::clone(&done), Arc::clone(&peak));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    f();
    done.store(true, Ordering::Relaxed);
    watcher.join().unwrap();
    peak.load(Ordering::Relaxed)
}

fn exporter(rx: &Receiver) -> Exporter {
    let endpoint = Endpoint::parse(&rx.url("/terra"), false).unwrap();
    let mut config = Config::new(endpoint, Secret::new(SECRET).unwrap());
    // Every iteration delivers every session again, as new deliveries.
    config.resend = true;
    Exporter::new(config).unwrap()
}

fn deliver(
    exporter: &Exporter,
    store: &Store,
    sessions: &[Session],
    open: &(dyn Fn() -> Box<dyn SessionSource> + Sync),
) -> u64 {
    let sources = || -> erglink_export::Result<Box<dyn SessionSource>> { Ok(open()) };
    let report = exporter.run(store, sessions, &sources, &|_| {}).unwrap();
    assert_eq!(
        report.delivered(),
        sessions.len(),
        "{:?}",
        report.first_error()
    );
    report.deliveries.iter().map(|d| d.bytes).sum()
}

fn one_hour_sessions(c: &mut Criterion) {
    let hour = one_hour(0);
    println!(
        "webhook_1h: one hour is {} samples, {} strokes",
        hour.samples.len(),
        hour.strokes.len()
    );
    let rx = Receiver::start("127.0.0.1", Some(SECRET), false).unwrap();
    let exporter = exporter(&rx);
    let mut g = c.benchmark_group("webhook_1h");
    g.sample_size(10).measurement_time(Duration::from_secs(30));

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bench.db")).unwrap();
    let sessions = lab(&store, &hour, 1000, false);
    let template = TemplateSource::new(hour.clone());
    let open = || -> Box<dyn SessionSource> { Box::new(template.clone()) };

    // Memory first, on a fresh run of each size.
    let base = rss();
    let mut bytes = 0;
    let peak_250 = peak_rss_during(|| {
        deliver(&exporter, &store, &sessions[..250], &open);
    });
    let start = Instant::now();
    let peak_1000 = peak_rss_during(|| bytes = deliver(&exporter, &store, &sessions, &open));
    let once = start.elapsed();
    println!(
        "webhook_1h/deliver_1000: {:.0} sessions/s on a first run ({:.1} MB of JSON, {:.0} KB per session); \
         peak RSS {} MB for 250 sessions, {} MB for 1000 (from {} MB before)",
        1000.0 / once.as_secs_f64(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e3 / 1000.0,
        peak_250 >> 20,
        peak_1000 >> 20,
        base >> 20,
    );
    g.throughput(Throughput::Elements(sessions.len() as u64));
    g.bench_function("deliver_1000", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                deliver(&exporter, &store, &sessions, &open);
            }
            start.elapsed()
        });
    });

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bench.db")).unwrap();
    let stored = lab(&store, &hour, 16, true);
    let reader = || -> Box<dyn SessionSource> { Box::new(store.reader().unwrap()) };
    g.throughput(Throughput::Elements(stored.len() as u64));
    g.bench_function("from_store_16", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                deliver(&exporter, &store, &stored, &reader);
            }
            start.elapsed()
        });
    });
    g.finish();
}

criterion_group!(benches, one_hour_sessions);
criterion_main!(benches);
