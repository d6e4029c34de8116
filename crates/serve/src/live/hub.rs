//! The hub: numbers every dispatch (`seq`, monotonic across the server),
//! keeps the recent ones for REPLAY, and hands each to every consumer's own
//! bounded queue with `try_send`. A consumer whose queue is full loses that
//! dispatch (it sees a jump in `seq` and can REPLAY it); nobody waits for it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use super::frames::Outgoing;

/// One numbered dispatch, serialised once for every consumer.
#[derive(Debug)]
pub struct Dispatch {
    /// Its `seq`.
    pub seq: u64,
    /// The whole DISPATCH frame, as sent.
    pub text: Arc<str>,
    /// When the monitor's reply behind it arrived (in-process only).
    pub replied_at: Option<Instant>,
    /// When it was numbered (the ring keeps it for [`HubConfig::retain`]).
    numbered_at: Instant,
}

/// How much the hub keeps and allows.
#[derive(Clone, Copy, Debug)]
pub struct HubConfig {
    /// Dispatches are kept for REPLAY at least this long...
    pub retain: Duration,
    /// ...unless they take more than this many bytes (memory stays bounded).
    pub retain_bytes: usize,
    /// Dispatches waiting for one consumer before the next are dropped for it.
    pub queue: usize,
    /// Consumers at once; one more is closed with 4002.
    pub max_consumers: usize,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            retain: Duration::from_secs(15 * 60),
            retain_bytes: 64 << 20,
            queue: 256,
            max_consumers: 64,
        }
    }
}

struct Consumer {
    tx: mpsc::Sender<Arc<Dispatch>>,
    dropped: u64,
}

/// How many latencies are kept for the percentiles.
const LATENCIES: usize = 1 << 18;

#[derive(Default)]
struct Inner {
    next_seq: u64,
    ring: VecDeque<Arc<Dispatch>>,
    ring_bytes: usize,
    consumers: HashMap<u64, Consumer>,
    next_consumer: u64,
    /// Sessions recording now: their SESSION_START payload and user id.
    now: BTreeMap<String, Value>,
    dispatched: u64,
    dropped: u64,
    sent: u64,
    latencies_us: Vec<u32>,
    latency_next: usize,
}

/// What the hub can say about itself (`GET /live/stats`).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct HubStats {
    /// Dispatches numbered so far (the last `seq`).
    pub dispatched: u64,
    /// Dispatches written to sockets.
    pub sent: u64,
    /// Dispatches dropped for consumers whose queue was full.
    pub dropped: u64,
    /// Consumers connected and identified.
    pub consumers: usize,
    /// The longest consumer queue now.
    pub deepest_queue: usize,
    /// Each consumer queue's capacity.
    pub queue_capacity: usize,
    /// Dispatches kept for REPLAY, and their bytes.
    pub retained: usize,
    /// Bytes of the retained dispatches.
    pub retained_bytes: usize,
    /// From the monitor's reply to the DISPATCH written to the socket, in
    /// this process: median and 99th percentile, ms (of the last 262 144).
    pub latency_p50_ms: Option<f64>,
    /// See `latency_p50_ms`.
    pub latency_p99_ms: Option<f64>,
    /// Latencies measured.
    pub latency_count: usize,
    /// Resident memory of the process, KiB (Linux; else none).
    pub rss_kib: Option<u64>,
}

/// The hub, shared by the feed, the sockets and the page.
pub struct Hub {
    inner: Mutex<Inner>,
    config: HubConfig,
    closing: watch::Sender<bool>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("config", &self.config).finish()
    }
}

/// A consumer's registration; it leaves the hub when dropped.
pub struct Subscription {
    hub: Arc<Hub>,
    id: u64,
    /// Its queue.
    pub rx: mpsc::Receiver<Arc<Dispatch>>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.lock().consumers.remove(&self.id);
    }
}

fn percentile(sorted: &[u32], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    Some(f64::from(sorted[i]) / 1000.0)
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Hub {
    /// An empty hub.
    pub fn new(config: HubConfig) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                next_seq: 1,
                ..Inner::default()
            }),
            config,
            closing: watch::channel(false).0,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Its limits.
    pub fn config(&self) -> HubConfig {
        self.config
    }

    /// Numbers `o`, keeps it, and offers it to every consumer.
    pub fn publish(&self, o: Outgoing) {
        let now = Instant::now();
        let mut g = self.lock();
        let seq = g.next_seq;
        g.next_seq += 1;
        match o.t {
            "SESSION_START" => {
                let mut d = o.d.clone();
                d["uid"] = json!(o.uid);
                g.now.insert(o.session_id.to_string(), d);
            }
            "SESSION_END" => {
                g.now.remove(o.session_id.as_str());
            }
            _ => {}
        }
        let text: Arc<str> = json!({"op": 5, "uid": o.uid, "seq": seq, "t": o.t, "d": o.d})
            .to_string()
            .into();
        let d = Arc::new(Dispatch {
            seq,
            text,
            replied_at: o.replied_at,
            numbered_at: now,
        });
        g.dispatched += 1;
        g.ring_bytes += d.text.len();
        g.ring.push_back(d.clone());
        while let Some(old) = g.ring.front() {
            let too_old = now.duration_since(old.numbered_at) > self.config.retain;
            if !(too_old || g.ring_bytes > self.config.retain_bytes) {
                break;
            }
            g.ring_bytes -= old.text.len();
            g.ring.pop_front();
        }
        let mut dropped = 0;
        for c in g.consumers.values_mut() {
            if c.tx.try_send(d.clone()).is_err() {
                c.dropped += 1;
                dropped += 1;
            }
        }
        g.dropped += dropped;
    }

    /// A new consumer, unless there are already [`HubConfig::max_consumers`].
    pub fn subscribe(self: &Arc<Self>) -> Option<Subscription> {
        let mut g = self.lock();
        if g.consumers.len() >= self.config.max_consumers {
            return None;
        }
        let id = g.next_consumer;
        g.next_consumer += 1;
        let (tx, rx) = mpsc::channel(self.config.queue.max(1));
        g.consumers.insert(id, Consumer { tx, dropped: 0 });
        Some(Subscription {
            hub: self.clone(),
            id,
            rx,
        })
    }

    /// The kept dispatches with `after < seq < before`, oldest first.
    pub fn replay(&self, after: u64, before: u64) -> Vec<Arc<Dispatch>> {
        let g = self.lock();
        let start = g.ring.partition_point(|d| d.seq <= after);
        g.ring
            .iter()
            .skip(start)
            .take_while(|d| d.seq < before)
            .cloned()
            .collect()
    }

    /// A dispatch went out on a socket.
    pub fn sent(&self, d: &Dispatch) {
        let latency = d.replied_at.map(|r| r.elapsed());
        let mut g = self.lock();
        g.sent += 1;
        if let Some(l) = latency {
            let us = u32::try_from(l.as_micros()).unwrap_or(u32::MAX);
            if g.latencies_us.len() < LATENCIES {
                g.latencies_us.push(us);
            } else {
                let i = g.latency_next;
                g.latencies_us[i] = us;
                g.latency_next = (i + 1) % LATENCIES;
            }
        }
    }

    /// Sessions recording now, by id: their SESSION_START payload with `uid`;
    /// and the last `seq` numbered.
    pub fn now(&self) -> (Vec<Value>, u64) {
        let g = self.lock();
        (g.now.values().cloned().collect(), g.next_seq - 1)
    }

    /// The counters, the queues and the latency percentiles.
    pub fn stats(&self) -> HubStats {
        let (mut lat, mut s) = {
            let g = self.lock();
            let s = HubStats {
                dispatched: g.dispatched,
                sent: g.sent,
                dropped: g.dropped,
                consumers: g.consumers.len(),
                deepest_queue: g
                    .consumers
                    .values()
                    .map(|c| c.tx.max_capacity() - c.tx.capacity())
                    .max()
                    .unwrap_or(0),
                queue_capacity: self.config.queue,
                retained: g.ring.len(),
                retained_bytes: g.ring_bytes,
                ..HubStats::default()
            };
            (g.latencies_us.clone(), s)
        };
        lat.sort_unstable();
        s.latency_p50_ms = percentile(&lat, 0.5);
        s.latency_p99_ms = percentile(&lat, 0.99);
        s.latency_count = lat.len();
        s.rss_kib = rss_kib();
        s
    }

    /// Clears the latencies measured so far (a benchmark's warm-up).
    pub fn reset_latencies(&self) {
        let mut g = self.lock();
        g.latencies_us.clear();
        g.latency_next = 0;
    }

    /// Tells every socket to close: the server is stopping.
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }

    /// Completes once [`Hub::close_all`] was called.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_model::SessionId;

    fn out(t: &'static str) -> Outgoing {
        Outgoing {
            uid: "u".into(),
            t,
            d: json!({"val": 1}),
            session_id: SessionId::from_parts(1, 1),
            replied_at: Some(Instant::now()),
        }
    }

    #[test]
    fn seq_is_monotonic_and_replay_is_exclusive() {
        let hub = Hub::new(HubConfig::default());
        for _ in 0..10 {
            hub.publish(out("POWER"));
        }
        let seqs: Vec<u64> = hub.replay(3, 7).iter().map(|d| d.seq).collect();
        assert_eq!(seqs, [4, 5, 6]);
        assert_eq!(hub.replay(0, 1).len(), 0);
        assert_eq!(hub.replay(0, u64::MAX).len(), 10);
        assert!(hub.replay(0, 0).is_empty(), "before 0 matches nothing");
        let first: Value = serde_json::from_str(&hub.replay(0, 2)[0].text).unwrap();
        assert_eq!(
            first,
            json!({"op": 5, "uid": "u", "seq": 1, "t": "POWER", "d": {"val": 1}})
        );
    }

    #[test]
    fn a_full_queue_drops_for_that_consumer_only() {
        let hub = Hub::new(HubConfig {
            queue: 4,
            ..HubConfig::default()
        });
        let stuck = hub.subscribe().unwrap();
        let mut reading = hub.subscribe().unwrap();
        for _ in 0..10 {
            hub.publish(out("POWER"));
            assert!(reading.rx.try_recv().is_ok());
        }
        let s = hub.stats();
        assert_eq!((s.dispatched, s.dropped, s.deepest_queue), (10, 6, 4));
        drop(stuck);
        assert_eq!(hub.stats().consumers, 1);
    }

    #[test]
    fn the_ring_is_bounded_by_bytes() {
        let hub = Hub::new(HubConfig {
            retain_bytes: 1000,
            ..HubConfig::default()
        });
        for _ in 0..1000 {
            hub.publish(out("POWER"));
        }
        let s = hub.stats();
        assert!(s.retained_bytes <= 1000 && s.retained > 0, "{s:?}");
        assert_eq!(hub.replay(0, u64::MAX).last().unwrap().seq, 1000);
    }

    #[test]
    fn consumers_are_limited_and_sessions_followed() {
        let hub = Hub::new(HubConfig {
            max_consumers: 1,
            ..HubConfig::default()
        });
        let first = hub.subscribe();
        assert!(first.is_some() && hub.subscribe().is_none());
        hub.publish(out("SESSION_START"));
        assert_eq!(hub.now().0.len(), 1);
        assert_eq!(hub.now().0[0]["uid"], json!("u"));
        hub.publish(out("SESSION_END"));
        assert_eq!(hub.now(), (vec![], 2));
    }
}
