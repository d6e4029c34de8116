//! What a run did: one line per request, and the sessions left out.

use std::time::Duration;

use erglink_model::SessionId;

use crate::plan::{SkipReason, Skipped};

/// How a delivery ended in this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A 2xx, recorded in the ledger.
    Delivered,
    /// A 2xx that the ledger could not record: the next run sends it again
    /// under the same trace id.
    Unrecorded,
    /// Refused for good (a 4xx other than 408 and 429, a redirect elsewhere,
    /// TLS): recorded as failed, not retried.
    Rejected,
    /// Still failing when the attempt or time limit was reached: left
    /// pending for the next run.
    Pending,
    /// Never sent: reading or normalising a session, or the ledger, failed.
    NotSent,
    /// A dry run: what would be sent.
    Planned,
}

impl Outcome {
    /// Its name in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Unrecorded => "delivered-unrecorded",
            Self::Rejected => "failed",
            Self::Pending => "pending",
            Self::NotSent => "not-sent",
            Self::Planned => "planned",
        }
    }

    /// The sessions are at the destination and the ledger says so.
    pub const fn ok(self) -> bool {
        matches!(self, Self::Delivered | Self::Planned)
    }
}

/// One request, over all its attempts in this run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryReport {
    /// `X-Terra-Trace-Id`.
    pub trace_id: String,
    /// `X-Terra-Ordering-Timestamp` (unix ms); 0 if never sent.
    pub ordering_ms: i64,
    /// The sessions it carried.
    pub sessions: Vec<SessionId>,
    /// How it ended.
    pub outcome: Outcome,
    /// Attempts in this run.
    pub attempts: u32,
    /// The last response's status.
    pub status: Option<u16>,
    /// The last error, if it did not end delivered.
    pub error: Option<String>,
    /// The body's size.
    pub bytes: u64,
    /// Some session was in flight when an earlier run stopped.
    pub resumed: bool,
    /// From the first attempt to the end.
    pub elapsed: Duration,
}

/// A whole run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The destination, as named in the ledger.
    pub destination: String,
    /// Nothing was sent.
    pub dry_run: bool,
    /// Every request, in plan order.
    pub deliveries: Vec<DeliveryReport>,
    /// Sessions not sent, and why.
    pub skipped: Vec<Skipped>,
}

impl DeliveryReport {
    /// `d` before any attempt: nothing sent, nothing answered.
    pub fn unsent(d: &crate::Delivery, outcome: Outcome) -> Self {
        Self {
            trace_id: d.trace_id.clone(),
            ordering_ms: d.ordering_ms.unwrap_or(0),
            sessions: d.ids(),
            outcome,
            attempts: 0,
            status: None,
            error: None,
            bytes: 0,
            resumed: d.resumed,
            elapsed: Duration::ZERO,
        }
    }
}

impl Report {
    /// Sessions delivered (and recorded) in this run.
    pub fn delivered(&self) -> usize {
        self.count(|o| o == Outcome::Delivered)
    }

    fn count(&self, f: impl Fn(Outcome) -> bool) -> usize {
        self.deliveries
            .iter()
            .filter(|d| f(d.outcome))
            .map(|d| d.sessions.len())
            .sum()
    }

    /// Selected sessions that are not at the destination with a recorded
    /// 2xx: this run's failures, and sessions refused in an earlier run.
    /// Non-zero means exit code 1.
    pub fn failed(&self) -> usize {
        self.count(|o| !o.ok())
            + self
                .skipped
                .iter()
                .filter(|s| matches!(s.reason, SkipReason::FailedBefore { .. }))
                .count()
    }

    /// The first failure's explanation, for a one-line error.
    pub fn first_error(&self) -> Option<String> {
        self.deliveries
            .iter()
            .find(|d| !d.outcome.ok())
            .map(|d| {
                d.error
                    .clone()
                    .unwrap_or_else(|| d.outcome.name().to_string())
            })
            .or_else(|| {
                self.skipped.iter().find_map(|s| match &s.reason {
                    SkipReason::FailedBefore { error } => Some(format!(
                        "{} was refused before ({}); --resend tries again",
                        s.session,
                        error.as_deref().unwrap_or("no error recorded")
                    )),
                    _ => None,
                })
            })
    }
}
