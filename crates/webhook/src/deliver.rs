//! One delivery: the body built once, then attempts until a 2xx, a final
//! refusal, or the retry limits. Each attempt is marked in the ledger
//! before the request leaves and its outcome recorded after, so a crash
//! at any point leaves the ledger saying what may have happened.

use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use erglink_export::{SessionSource, normalize_from};
use erglink_model::UtcNanos;
use erglink_store::{Attempt, Ledger};

use crate::http::{Answer, Headers};
use crate::report::{DeliveryReport, Outcome};
use crate::retry::unit_random;
use crate::{Delivery, EnvelopeWriter, Event, Exporter};

pub(crate) fn now() -> UtcNanos {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    UtcNanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn lock(ledger: &Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    // A worker that panicked mid-call left no half-done transaction behind
    // (SQLite rolled it back), so the ledger is still usable.
    ledger.lock().unwrap_or_else(|p| p.into_inner())
}

impl Exporter {
    /// Builds the body of `d` from `source`.
    pub fn body(&self, source: &dyn SessionSource, d: &Delivery) -> crate::Result<Vec<u8>> {
        let mut w = EnvelopeWriter::new(&d.user);
        for s in &d.sessions {
            let activity = normalize_from(source, &s.id, &self.config.normalize)?.to_activity();
            w.push(&activity);
        }
        Ok(w.finish())
    }

    /// Makes delivery `d`, recording every attempt in `ledger`.
    pub fn deliver(
        &self,
        ledger: &Mutex<Ledger>,
        source: &dyn SessionSource,
        d: &Delivery,
        on_event: &(dyn Fn(&Event<'_>) + Sync),
    ) -> DeliveryReport {
        let started = Instant::now();
        let ids = d.ids();
        let mut report = DeliveryReport {
            ordering_ms: 0,
            ..DeliveryReport::unsent(d, Outcome::NotSent)
        };
        let finish = |mut r: DeliveryReport| {
            r.elapsed = started.elapsed();
            on_event(&Event::Finished(&r));
            r
        };
        let body = match self.body(source, d) {
            Ok(b) => b,
            Err(e) => {
                report.error = Some(format!("cannot build the body: {e}"));
                return finish(report);
            }
        };
        report.bytes = body.len() as u64;
        // Emitted once per delivery and kept on every attempt, as Terra does.
        let ordering_ms = d.ordering_ms.unwrap_or(now().0 / 1_000_000);
        report.ordering_ms = ordering_ms;
        let dest = self.destination.as_str();
        let policy = self.config.retry;
        loop {
            let begun = lock(ledger).begin_attempt(&ids, dest, &d.trace_id, ordering_ms, now());
            if let Err(e) = begun {
                report.error = Some(format!("the ledger: {e}"));
                return finish(report);
            }
            report.attempts += 1;
            let headers = Headers {
                trace_id: &d.trace_id,
                ordering_ms,
                reference: self.config.reference.as_deref(),
            };
            let answer = self.client.post(&body, &self.config.secret, headers);
            report.status = answer.status();
            let (outcome, attempt, wait) = if answer.delivered() {
                (Outcome::Delivered, Attempt::Delivered, None)
            } else {
                let error = answer.describe();
                let retry_after = match &answer {
                    Answer::Status { retry_after, .. } => *retry_after,
                    Answer::Transport { .. } => None,
                };
                let wait = policy.wait(report.attempts, unit_random(), retry_after);
                if !answer.retryable() {
                    let give_up = Attempt::Failed {
                        error,
                        give_up: true,
                    };
                    (Outcome::Rejected, give_up, None)
                } else if policy.may_retry(report.attempts, started.elapsed(), wait) {
                    let again = Attempt::Failed {
                        error,
                        give_up: false,
                    };
                    (Outcome::Pending, again, Some(wait))
                } else {
                    let error = format!(
                        "{error} (stopped after {} attempt{} in {:.0?}; it stays pending for the next run)",
                        report.attempts,
                        if report.attempts == 1 { "" } else { "s" },
                        started.elapsed()
                    );
                    (
                        Outcome::Pending,
                        Attempt::Failed {
                            error,
                            give_up: false,
                        },
                        None,
                    )
                }
            };
            report.error = match &attempt {
                Attempt::Failed { error, .. } => Some(error.clone()),
                Attempt::Delivered => None,
            };
            let recorded = lock(ledger).record_attempts(&ids, dest, &attempt, report.status, now());
            if let Err(e) = recorded {
                let what = if outcome == Outcome::Delivered {
                    report.outcome = Outcome::Unrecorded;
                    "delivered, but the ledger could not record it; the next run sends it again under the same trace id"
                } else {
                    report.outcome = Outcome::NotSent;
                    "the ledger could not record the attempt"
                };
                report.error = Some(format!("{what}: {e}"));
                return finish(report);
            }
            match wait {
                Some(wait) => {
                    let error = report.error.as_deref().unwrap_or_default();
                    tracing::info!(
                        "{}: attempt {} failed ({error}); trying again in {wait:.1?}",
                        d.trace_id,
                        report.attempts
                    );
                    on_event(&Event::Retrying {
                        trace_id: &d.trace_id,
                        attempt: report.attempts,
                        error,
                        wait,
                    });
                    std::thread::sleep(wait);
                }
                None => {
                    report.outcome = outcome;
                    return finish(report);
                }
            }
        }
    }
}
