//! Issue 17's figures, a bench binary (`cargo bench -p erglink-serve --bench live`):
//! 8 simulated monitors at `pacing=realtime` and 20 streaming consumers.
//!
//! - `record --serve`: live events from the recorder in this process;
//!   latency from the monitor's reply arriving to the DISPATCH written to
//!   each consumer's socket, p50 and p99 (goal: p99 < 50 ms);
//! - `serve following the store`: the same recording, the server reading
//!   it back from the store; latency from the reply's wall-clock time
//!   (session start + transport time) to the write (goal: p99 < 500 ms);
//! - CPU: the process's user + system time over the recording, with 20
//!   consumers against none (the recorder alone), as a share of one core.
//!
//! Each phase records `ERGLINK_BENCH_LIVE_METRES` (default 150) on every
//! monitor: about 40 s of real time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use erglink_recorder::{Live, LivePublisher, Options, Target, Until, record};
use erglink_serve::live::{HubStats, LiveSource};
use erglink_serve::{Config, Server};
use erglink_store::{Store, WriterOptions};
use erglink_transport::DeviceSelector;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const MONITORS: u32 = 8;
const CLIENTS: usize = 20;

/// User + system CPU seconds of this process so far (Linux, 100 Hz ticks).
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis: utime is the 12th, stime the 13th.
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// A consumer as a browser would be one: the upgrade, IDENTIFY, then it
/// reads every frame (server frames are unmasked, RFC 6455 5.2).
async fn consumer(addr: SocketAddr, received: Arc<AtomicU64>) {
    let mut s = BufReader::new(TcpStream::connect(addr).await.expect("connect"));
    s.get_mut()
        .write_all(
            b"GET /connect HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .await
        .expect("upgrade");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(s.read_u8().await.expect("upgrade answer"));
    }
    let identify = br#"{"op":3,"d":{"type":1,"token":"bench"}}"#;
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0x81, 0x80 | identify.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(identify.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    s.get_mut().write_all(&frame).await.expect("identify");
    loop {
        let Ok(b0) = s.read_u8().await else { return };
        let Ok(b1) = s.read_u8().await else { return };
        let len = match b1 & 0x7f {
            126 => u64::from(s.read_u16().await.unwrap_or(0)),
            127 => s.read_u64().await.unwrap_or(0),
            n => u64::from(n),
        };
        let mut payload = vec![0; len as usize];
        if s.read_exact(&mut payload).await.is_err() || b0 & 0x0f == 8 {
            return;
        }
        if payload.windows(7).any(|w| w == br#""op":5,"#) {
            received.fetch_add(1, Ordering::Relaxed);
        }
    }
}

struct Phase {
    stats: HubStats,
    cpu_share: f64,
    received: u64,
    wall_s: f64,
}

async fn phase(clients: usize, source: LiveSource, metres: u32) -> Phase {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("erglink.db")).expect("store");
    // As `erglink record` has its writer.
    let writer_options = WriterOptions {
        commit_interval: Duration::from_millis(100),
        ..WriterOptions::default()
    };
    let writer = Arc::new(store.writer(writer_options).expect("writer"));
    let (publisher, rx) = LivePublisher::channel(8192);
    let mut config = Config::new(store.clone(), "127.0.0.1:0".parse().expect("addr"));
    config.prefill_summaries = false;
    config.live.source = source;
    let server = Server::bind(config).await.expect("bind");
    if source == LiveSource::Recorder {
        server.live_events(rx);
    }
    let hub = server.hub();
    let addr = server.local_addr();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async {
        let _ = done_rx.await;
    }));
    let received = Arc::new(AtomicU64::new(0));
    for _ in 0..clients {
        tokio::spawn(consumer(addr, received.clone()));
    }
    while hub.stats().consumers < clients {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let devices = (1..=MONITORS)
        .map(|i| {
            DeviceSelector::parse(&format!(
                "sim:pm5?workout={metres}m&pace=1:5{i}&spm={}&seed={i}&pacing=realtime&start=1",
                24 + i
            ))
            .expect("selector")
        })
        .collect();
    let options = Options {
        until: Until::Finished,
        live_events: (source == LiveSource::Recorder).then_some(publisher),
        ..Options::default()
    };
    hub.reset_latencies();
    let (cpu0, t0) = (cpu_s(), Instant::now());
    let (sessions, errors) = record(
        Target::Devices(devices),
        writer.clone(),
        options,
        Live::default(),
        Arc::new(AtomicBool::new(false)),
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(sessions.len(), MONITORS as usize);
    if source == LiveSource::FollowStore {
        // The follower reads the last commits and sees the sessions end.
        let before = hub.stats().dispatched;
        while hub.stats().dispatched == before {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    let (cpu1, wall_s) = (cpu_s(), t0.elapsed().as_secs_f64());
    let stats = hub.stats();
    let _ = done_tx.send(());
    let _ = serving.await;
    drop(writer);
    Phase {
        stats,
        cpu_share: (cpu1 - cpu0) / wall_s,
        received: received.load(Ordering::Relaxed),
        wall_s,
    }
}

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.2} ms"))
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("live: bench");
        return;
    }
    let metres: u32 = std::env::var("ERGLINK_BENCH_LIVE_METRES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let only = std::env::var("ERGLINK_BENCH_LIVE_ONLY").unwrap_or_default();
    rt.block_on(async {
        if only == "follow" {
            let follow = phase(CLIENTS, LiveSource::FollowStore, metres).await;
            let s = &follow.stats;
            println!(
                "live/serve_follow: latency p50 {} p99 {}, CPU {:.1}% of a core",
                ms(s.latency_p50_ms),
                ms(s.latency_p99_ms),
                follow.cpu_share * 100.0
            );
            return;
        }
        let alone = phase(0, LiveSource::Recorder, metres).await;
        println!(
            "live/recorder_alone: {MONITORS} monitors, {:.1} s, CPU {:.1}% of a core",
            alone.wall_s,
            alone.cpu_share * 100.0
        );
        let inproc = phase(CLIENTS, LiveSource::Recorder, metres).await;
        let s = &inproc.stats;
        println!(
            "live/record_serve: {MONITORS} monitors, {CLIENTS} clients, {} dispatches, {} writes ({} received), latency p50 {} p99 {} (goal p99 < 50 ms), CPU {:.1}% of a core ({:+.1} points for serving), dropped {}",
            s.dispatched,
            s.sent,
            inproc.received,
            ms(s.latency_p50_ms),
            ms(s.latency_p99_ms),
            inproc.cpu_share * 100.0,
            (inproc.cpu_share - alone.cpu_share) * 100.0,
            s.dropped
        );
        let follow = phase(CLIENTS, LiveSource::FollowStore, metres).await;
        let s = &follow.stats;
        println!(
            "live/serve_follow: {MONITORS} monitors, {CLIENTS} clients, {} dispatches, {} writes, latency p50 {} p99 {} (goal p99 < 500 ms), CPU {:.1}% of a core (recorder and server in one process here), dropped {}",
            s.dispatched,
            s.sent,
            ms(s.latency_p50_ms),
            ms(s.latency_p99_ms),
            follow.cpu_share * 100.0,
            s.dropped
        );
    });
}
