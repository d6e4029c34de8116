//! Live events out of the recorder, for `record --serve`: on a bounded
//! channel, with `try_send`. A full channel drops the event and counts it;
//! the recorder never waits for a reader, and the store's path never sees
//! the channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use erglink_model::{LiveData, LiveEvent, LiveSession};
use tokio::sync::mpsc;

/// The sending end the recorder publishes on. Cheap to clone: one per
/// monitor's loop, all on the same channel.
#[derive(Clone)]
pub struct LivePublisher {
    tx: mpsc::Sender<LiveEvent>,
    published: Arc<AtomicU64>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for LivePublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LivePublisher")
            .field("published", &self.published())
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl LivePublisher {
    /// A channel holding up to `capacity` events, and its receiving end.
    pub fn channel(capacity: usize) -> (Self, mpsc::Receiver<LiveEvent>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let p = Self {
            tx,
            published: Arc::default(),
            dropped: Arc::default(),
        };
        (p, rx)
    }

    /// Publishes `event` if there is room; never waits.
    pub fn publish(&self, event: LiveEvent) {
        match self.tx.try_send(event) {
            Ok(()) => {
                self.published.fetch_add(1, Ordering::Relaxed);
            }
            // Full, or nobody reads any more: either way the recording goes on.
            Err(_) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Events the channel took.
    pub fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }

    /// Events dropped because the channel was full or closed.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// A session's publishing: its shared identity and the optional channel.
pub(crate) struct SessionFeed {
    pub session: Arc<LiveSession>,
    publisher: Option<LivePublisher>,
}

impl SessionFeed {
    pub fn new(session: LiveSession, publisher: Option<LivePublisher>) -> Self {
        Self {
            session: Arc::new(session),
            publisher,
        }
    }

    /// Whether anything listens: without a channel nothing is built.
    pub fn on(&self) -> bool {
        self.publisher.is_some()
    }

    pub fn send(&self, elapsed_ns: u64, data: LiveData, replied_at: Option<Instant>) {
        if let Some(p) = &self.publisher {
            p.publish(LiveEvent {
                session: self.session.clone(),
                elapsed_ns,
                data,
                replied_at,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_model::{Machine, SessionId, UtcNanos, Workout};

    fn event() -> LiveEvent {
        LiveEvent {
            session: Arc::new(LiveSession {
                id: SessionId::from_parts(1, 1),
                serial: "1".into(),
                station: None,
                athlete: None,
                machine: Machine::RowErg,
                workout: Workout::default(),
                started_at: UtcNanos(0),
                utc_offset_s: 0,
            }),
            elapsed_ns: 0,
            data: LiveData::SessionStart,
            replied_at: None,
        }
    }

    #[test]
    fn a_full_channel_drops_and_counts() {
        let (p, mut rx) = LivePublisher::channel(2);
        for _ in 0..5 {
            p.publish(event());
        }
        assert_eq!((p.published(), p.dropped()), (2, 3));
        assert!(rx.try_recv().is_ok());
        p.publish(event());
        assert_eq!(p.published(), 3);
        drop(rx);
        p.publish(event());
        assert_eq!(p.dropped(), 4, "nobody reading is no error either");
    }
}
