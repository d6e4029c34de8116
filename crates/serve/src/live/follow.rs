//! `erglink serve` on its own: follows the store for sessions still
//! recording (SQLite's WAL lets it read beside the recorder's writer) and
//! makes live events of what they add, as the recorder would have.
//!
//! The session list is read every 200 ms and each followed session's new
//! rows every [`FOLLOW_EVERY`]; `erglink record`'s writer commits every
//! 100 ms. Sessions already recording when serve starts are followed
//! from where they are, not from their start.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use erglink_model::{
    LiveData, LiveEvent, LiveSession, Sample, Session, SessionId, SessionState, UtcNanos,
};
use erglink_store::{Reader, Store};
use erglink_webhook::Users;

use super::frames::Framer;
use super::hub::Hub;

/// How often followed sessions are read for new rows.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(50);
/// How often the list of sessions recording is read (one query): a new
/// session's first figures wait for it.
const LIST_EVERY: Duration = Duration::from_millis(200);
/// Samples kept to find the live values at a stroke's end.
const RECENT: usize = 256;

struct Followed {
    session: Arc<LiveSession>,
    samples: u64,
    strokes: u32,
    curves: u32,
    splits: HashSet<(u8, u32)>,
    recent: VecDeque<Sample>,
}

pub(crate) fn spawn(store: Store, hub: Arc<Hub>, users: Users) {
    let started = std::thread::Builder::new()
        .name("erglink-follow".into())
        .spawn(move || follow(&store, &hub, users));
    if let Err(e) = started {
        tracing::error!("cannot follow the store for live sessions: {e}");
    }
}

fn wall_now() -> UtcNanos {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    UtcNanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn live_session(s: &Session) -> LiveSession {
    LiveSession {
        id: s.id.clone(),
        serial: s
            .monitor
            .as_ref()
            .map(|m| m.serial.clone())
            .unwrap_or_default(),
        station: s.tags.station.clone(),
        athlete: s.tags.athlete.clone(),
        machine: s.machine,
        workout: s.workout.clone(),
        started_at: s.started_at,
        utc_offset_s: s.utc_offset_s,
    }
}

struct Out<'a> {
    hub: &'a Hub,
    framer: Framer,
}

impl Out<'_> {
    fn send(&mut self, session: &Arc<LiveSession>, elapsed_ns: u64, data: LiveData) {
        let e = LiveEvent {
            session: session.clone(),
            elapsed_ns,
            data,
            replied_at: None,
        };
        // Another process read the monitor: when, only the wall clock says.
        let behind_ns = wall_now().0.saturating_sub(e.at().0).max(0);
        let behind = Duration::from_nanos(u64::try_from(behind_ns).unwrap_or(0));
        let e = LiveEvent {
            replied_at: Instant::now().checked_sub(behind),
            ..e
        };
        for o in self.framer.frames(&e) {
            self.hub.publish(o);
        }
    }
}

fn follow(store: &Store, hub: &Hub, users: Users) {
    let closing = hub.closing();
    let reader = loop {
        match store.reader() {
            Ok(r) => break r,
            Err(e) => {
                tracing::warn!("cannot read the store for live sessions: {e}");
                std::thread::sleep(LIST_EVERY);
            }
        }
    };
    let mut out = Out {
        hub,
        framer: Framer::new(users),
    };
    let mut followed: HashMap<SessionId, Followed> = HashMap::new();
    let mut listed: Option<Instant> = None;
    let mut first = true;
    while !*closing.borrow() {
        if listed.is_none_or(|t| t.elapsed() >= LIST_EVERY) {
            listed = Some(Instant::now());
            if let Err(e) = list(&reader, &mut followed, &mut out, first) {
                tracing::warn!("following live sessions: {e}");
            }
            first = false;
        }
        for f in followed.values_mut() {
            if let Err(e) = read_new(&reader, f, &mut out) {
                tracing::warn!("following session {}: {e}", f.session.id);
            }
        }
        std::thread::sleep(FOLLOW_EVERY);
    }
}

/// Starts following new sessions, and ends those no longer recording.
fn list(
    reader: &Reader,
    followed: &mut HashMap<SessionId, Followed>,
    out: &mut Out<'_>,
    first: bool,
) -> erglink_store::Result<()> {
    let now = reader.sessions_recording()?;
    for s in &now {
        if followed.contains_key(&s.id) {
            continue;
        }
        let session = Arc::new(live_session(s));
        // Already under way when serve started: from where it is.
        let (samples, strokes) = if first {
            (
                s.counts.samples,
                u32::try_from(s.counts.strokes).unwrap_or(u32::MAX),
            )
        } else {
            (0, 0)
        };
        out.send(&session, 0, LiveData::SessionStart);
        followed.insert(
            s.id.clone(),
            Followed {
                session,
                samples,
                strokes,
                curves: strokes,
                splits: HashSet::new(),
                recent: VecDeque::new(),
            },
        );
    }
    let ended: Vec<SessionId> = followed
        .keys()
        .filter(|id| !now.iter().any(|s| &s.id == *id))
        .cloned()
        .collect();
    for id in ended {
        let Some(mut f) = followed.remove(&id) else {
            continue;
        };
        read_new(reader, &mut f, out)?;
        let (state, elapsed) = match reader.session(&id) {
            Ok(s) => (
                s.state,
                s.ended_at
                    .map(|e| u64::try_from(e.0 - s.started_at.0).unwrap_or(0))
                    .unwrap_or(0),
            ),
            Err(_) => (SessionState::Interrupted, 0),
        };
        let last = f.recent.back().map_or(0, |s| s.elapsed_ns);
        out.send(&f.session, elapsed.max(last), LiveData::SessionEnd(state));
    }
    Ok(())
}

/// Dispatches what a session gained since the last read.
fn read_new(reader: &Reader, f: &mut Followed, out: &mut Out<'_>) -> erglink_store::Result<()> {
    let id = f.session.id.clone();
    for s in reader.samples_from(&id, f.samples)? {
        let s = s?;
        f.samples += 1;
        if f.recent.len() == RECENT {
            f.recent.pop_front();
        }
        f.recent.push_back(s);
        out.send(&f.session, s.elapsed_ns, LiveData::Sample(s));
    }
    for stroke in reader.strokes_from(&id, f.strokes)? {
        let stroke = stroke?;
        f.strokes = stroke.index + 1;
        let at = f
            .recent
            .iter()
            .rev()
            .find(|s| s.elapsed_ns <= stroke.end_ns)
            .or(f.recent.back())
            .copied()
            .unwrap_or_default();
        let data = LiveData::Stroke {
            stroke,
            pace_cs_per_500m: at.pace_cs_per_500m,
            power_w: at.power_w,
            rate_spm: at.rate_spm,
            distance_dm: at.distance_dm,
        };
        out.send(&f.session, stroke.end_ns, data);
    }
    let last_ns = f.recent.back().map_or(0, |s| s.elapsed_ns);
    for c in reader.force_curves_from(&id, f.curves)? {
        let c = c?;
        f.curves = c.stroke_index + 1;
        out.send(&f.session, last_ns, LiveData::ForceCurve(c));
    }
    for s in reader.splits(&id)? {
        let s = s?;
        if f.splits.insert((s.kind.code(), s.index)) {
            out.send(&f.session, s.end_ns, LiveData::Split(s));
        }
    }
    Ok(())
}
