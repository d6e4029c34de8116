//! Which requests to make: the selected sessions, against the ledger,
//! become deliveries (one request each) or are skipped.
//!
//! - Delivered sessions are skipped: a recorded 2xx is final (only a
//!   deliberate resend, which requeues them first, sends them again).
//! - Failed sessions (the receiver refused them for good) are skipped
//!   and reported, so a receiver that rejects a session is not sent it on
//!   every run; `--resend` tries again.
//! - Sessions still being recorded wait: their data is not final.
//! - A pending delivery that already went out (it has a trace id) is
//!   formed again exactly as it was, same sessions, trace id and ordering
//!   timestamp, when all its sessions are still pending and selected: if
//!   the receiver got it before erglink stopped, it drops the repeat by
//!   the trace id. Otherwise its sessions are grouped afresh.
//! - Fresh deliveries carry up to `batch` sessions of one user (a body has
//!   one `user`), in the order given. A single session goes out under its
//!   dedup id as the trace id.

use std::collections::HashMap;

use erglink_model::{ExportState, Session, SessionId, SessionState, UtcNanos};
use erglink_store::LedgerEntry;

use crate::{User, Users};

/// One request's worth of sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// `X-Terra-Trace-Id`: the same on every attempt, and after a restart.
    pub trace_id: String,
    /// `X-Terra-Ordering-Timestamp` if the delivery went out before (else
    /// it is set at its first attempt).
    pub ordering_ms: Option<i64>,
    /// The sessions, in order.
    pub sessions: Vec<Session>,
    /// The user they belong to.
    pub user: User,
    /// Some session was in flight when erglink stopped: the receiver may
    /// have it already, under this trace id.
    pub resumed: bool,
}

impl Delivery {
    /// The sessions' ids.
    pub fn ids(&self) -> Vec<SessionId> {
        self.sessions.iter().map(|s| s.id.clone()).collect()
    }
}

/// Why a selected session is not sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Delivered before: a recorded 2xx is final.
    AlreadyDelivered {
        /// When the receiver accepted it.
        at: Option<UtcNanos>,
    },
    /// Refused for good by the receiver before; `--resend` tries again.
    FailedBefore {
        /// The ledger's last error.
        error: Option<String>,
    },
    /// Still being recorded.
    StillRecording,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AlreadyDelivered { .. } => f.write_str("delivered before"),
            Self::FailedBefore { error } => write!(
                f,
                "refused before ({}); --resend tries again",
                error.as_deref().unwrap_or("no error recorded")
            ),
            Self::StillRecording => f.write_str("still being recorded"),
        }
    }
}

/// A selected session that is not sent, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The session.
    pub session: SessionId,
    /// Why.
    pub reason: SkipReason,
}

/// Deliveries to make, and sessions left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// In the order of their first session.
    pub deliveries: Vec<Delivery>,
    /// In the order given.
    pub skipped: Vec<Skipped>,
}

/// Plans `sessions`, each with its ledger entry (`None`: not in the ledger
/// yet, only in a dry run). `pending_per_trace` counts the destination's
/// pending entries per trace id, selected or not; `new_trace` makes a
/// trace id for a fresh delivery of several sessions.
pub fn plan(
    sessions: &[(Session, Option<LedgerEntry>)],
    pending_per_trace: &HashMap<String, usize>,
    users: &Users,
    batch: usize,
    new_trace: &mut dyn FnMut() -> String,
) -> Plan {
    let mut out = Plan::default();
    // (position of the first session, delivery)
    let mut formed: Vec<(usize, Delivery)> = Vec::new();
    let mut by_trace: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut fresh: Vec<usize> = Vec::new();
    for (i, (session, entry)) in sessions.iter().enumerate() {
        let skip = |reason| Skipped {
            session: session.id.clone(),
            reason,
        };
        if session.state == SessionState::Recording {
            out.skipped.push(skip(SkipReason::StillRecording));
            continue;
        }
        match entry {
            Some(e) if e.state == ExportState::Delivered => {
                out.skipped
                    .push(skip(SkipReason::AlreadyDelivered { at: e.delivered_at }));
            }
            Some(e) if e.state == ExportState::Failed => {
                out.skipped.push(skip(SkipReason::FailedBefore {
                    error: e.last_error.clone(),
                }));
            }
            Some(LedgerEntry {
                trace_id: Some(t), ..
            }) => by_trace.entry(t.as_str()).or_default().push(i),
            _ => fresh.push(i),
        }
    }
    let resumed = |idx: &[usize]| {
        idx.iter().any(|&i| {
            sessions[i]
                .1
                .as_ref()
                .is_some_and(|e| e.sending_since.is_some())
        })
    };
    let mut traces: Vec<(&str, Vec<usize>)> = by_trace.into_iter().collect();
    traces.sort_by_key(|(_, idx)| idx[0]);
    for (trace, idx) in traces {
        let user = users.user(&sessions[idx[0]].0);
        let orderings: Vec<Option<i64>> = idx
            .iter()
            .map(|&i| sessions[i].1.as_ref().and_then(|e| e.ordering_ms))
            .collect();
        let whole = pending_per_trace.get(trace) == Some(&idx.len())
            && idx.iter().all(|&i| users.user(&sessions[i].0) == user)
            && orderings.iter().all(|o| o.is_some() && *o == orderings[0]);
        if !whole {
            fresh.extend(idx);
            continue;
        }
        formed.push((
            idx[0],
            Delivery {
                trace_id: trace.to_string(),
                ordering_ms: orderings[0],
                sessions: idx.iter().map(|&i| sessions[i].0.clone()).collect(),
                user,
                resumed: resumed(&idx),
            },
        ));
    }
    fresh.sort_unstable();
    let mut per_user: Vec<(User, Vec<usize>)> = Vec::new();
    for i in fresh {
        let user = users.user(&sessions[i].0);
        match per_user.iter_mut().find(|(u, _)| *u == user) {
            Some((_, v)) => v.push(i),
            None => per_user.push((user, vec![i])),
        }
    }
    for (user, idx) in per_user {
        for chunk in idx.chunks(batch.max(1)) {
            let trace_id = match (chunk, &sessions[chunk[0]].1) {
                ([_], Some(e)) => e.dedup_id.clone(),
                _ => new_trace(),
            };
            formed.push((
                chunk[0],
                Delivery {
                    trace_id,
                    ordering_ms: None,
                    sessions: chunk.iter().map(|&i| sessions[i].0.clone()).collect(),
                    user: user.clone(),
                    resumed: resumed(chunk),
                },
            ));
        }
    }
    formed.sort_by_key(|(first, _)| *first);
    out.deliveries = formed.into_iter().map(|(_, d)| d).collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_normalize::fixtures::{Spec, synthesize};

    fn session(seed: u32, athlete: &str) -> Session {
        let mut s = synthesize(&Spec {
            seed,
            plan: erglink_normalize::fixtures::Plan::JustRow { seconds: 10 },
            ..Spec::row_2k()
        })
        .session;
        s.tags.athlete = Some(athlete.into());
        s
    }

    fn entry(s: &Session, state: ExportState, trace: Option<&str>) -> LedgerEntry {
        LedgerEntry {
            session: s.id.clone(),
            destination: "d".into(),
            dedup_id: format!("dedup-{}", s.id),
            state,
            attempts: 0,
            last_error: None,
            created_at: UtcNanos(0),
            updated_at: UtcNanos(0),
            delivered_at: None,
            trace_id: trace.map(str::to_string),
            ordering_ms: trace.map(|_| 42),
            sending_since: trace.map(|_| UtcNanos(1)),
            last_status: None,
        }
    }

    fn counter() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("new-{n}")
        }
    }

    #[test]
    fn batches_per_user_in_order_and_skips() {
        let s: Vec<Session> = (0..6)
            .map(|i| session(i, if i % 2 == 0 { "Ada" } else { "Bo" }))
            .collect();
        let mut rows: Vec<(Session, Option<LedgerEntry>)> = s
            .iter()
            .map(|x| (x.clone(), Some(entry(x, ExportState::Pending, None))))
            .collect();
        rows[3].1.as_mut().unwrap().state = ExportState::Delivered;
        rows[5].1.as_mut().unwrap().state = ExportState::Failed;
        let mut live = s[1].clone();
        live.state = SessionState::Recording;
        rows.push((live, None));
        let p = plan(&rows, &HashMap::new(), &Users::default(), 2, &mut counter());
        let groups: Vec<Vec<&str>> = p
            .deliveries
            .iter()
            .map(|d| {
                d.sessions
                    .iter()
                    .map(|x| x.tags.athlete.as_deref().unwrap())
                    .collect()
            })
            .collect();
        assert_eq!(groups, [vec!["Ada", "Ada"], vec!["Bo"], vec!["Ada"]]);
        let traces: Vec<_> = p.deliveries.iter().map(|d| d.trace_id.clone()).collect();
        let dedup = |i: usize| format!("dedup-{}", s[i].id);
        assert_eq!(
            traces,
            ["new-1".to_string(), dedup(1), dedup(4)],
            "a single session goes under its dedup id"
        );
        let reasons: Vec<_> = p.skipped.iter().map(|k| &k.reason).collect();
        assert!(matches!(reasons[0], SkipReason::AlreadyDelivered { .. }));
        assert!(matches!(reasons[1], SkipReason::FailedBefore { .. }));
        assert_eq!(reasons[2], &SkipReason::StillRecording);
        // One user id for all: the user object still names each athlete
        // (reference_id), so a body still holds one athlete's sessions.
        let one = Users {
            user_id: Some(uuid::Uuid::nil()),
            ..Users::default()
        };
        let p = plan(&rows[..4], &HashMap::new(), &one, 4, &mut counter());
        assert_eq!(p.deliveries.len(), 2);
        assert!(
            p.deliveries
                .iter()
                .all(|d| d.user.user_id == uuid::Uuid::nil().to_string())
        );
    }

    #[test]
    fn a_delivery_that_went_out_is_formed_again_only_whole() {
        let s: Vec<Session> = (0..3).map(|i| session(i, "Ada")).collect();
        let rows: Vec<(Session, Option<LedgerEntry>)> = s
            .iter()
            .map(|x| {
                (
                    x.clone(),
                    Some(entry(x, ExportState::Pending, Some("t-old"))),
                )
            })
            .collect();
        let all = HashMap::from([("t-old".to_string(), 3)]);
        let p = plan(&rows, &all, &Users::default(), 1, &mut counter());
        assert_eq!(
            p.deliveries.len(),
            1,
            "as it went out, whatever --batch says now"
        );
        let d = &p.deliveries[0];
        assert_eq!(
            (d.trace_id.as_str(), d.ordering_ms, d.resumed),
            ("t-old", Some(42), true)
        );
        // Only part of it selected: its sessions are grouped afresh.
        let p = plan(&rows[..2], &all, &Users::default(), 1, &mut counter());
        let traces: Vec<_> = p.deliveries.iter().map(|d| d.trace_id.clone()).collect();
        assert_eq!(
            traces,
            [format!("dedup-{}", s[0].id), format!("dedup-{}", s[1].id)]
        );
        assert!(
            p.deliveries
                .iter()
                .all(|d| d.ordering_ms.is_none() && d.resumed)
        );
    }
}
