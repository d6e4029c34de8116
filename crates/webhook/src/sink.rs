//! The webhook as a [`Sink`], beside the file sink: one session per call,
//! delivered (with retries) before `export` returns. The command line uses
//! [`crate::Exporter::run`] instead, for batches and concurrency.

use std::sync::Mutex;

use erglink_export::{Exported, Output, SessionSource, Sink};
use erglink_model::Session;
use erglink_store::{DestinationLock, Ledger, Store};

use crate::report::Outcome;
use crate::{Exporter, Result};

/// Posts each session to a webhook, recording it in the store's ledger.
#[derive(Debug)]
pub struct WebhookSink {
    exporter: Exporter,
    ledger: Mutex<Ledger>,
    _lock: DestinationLock,
}

impl WebhookSink {
    /// A sink for `exporter`'s destination; holds the destination's lock
    /// until dropped.
    pub fn new(exporter: Exporter, store: &Store) -> Result<Self> {
        let ledger = store.ledger()?;
        let lock = ledger.lock_destination(exporter.destination())?;
        Ok(Self {
            exporter,
            ledger: Mutex::new(ledger),
            _lock: lock,
        })
    }
}

fn failed(e: impl std::fmt::Display) -> erglink_export::Error {
    erglink_export::Error::Delivery(e.to_string())
}

impl Sink for WebhookSink {
    fn describe(&self) -> String {
        format!("webhook:{}", self.exporter.destination())
    }

    /// Delivers `session`. A session delivered before is not sent again
    /// (no outputs); one that is not delivered is an error.
    fn export(
        &mut self,
        source: &dyn SessionSource,
        session: &Session,
    ) -> erglink_export::Result<Exported> {
        let plan = {
            let mut ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
            self.exporter
                .plan(&mut ledger, std::slice::from_ref(session))
                .map_err(failed)?
        };
        if let Some(skip) = plan.skipped.first() {
            return match &skip.reason {
                crate::SkipReason::AlreadyDelivered { .. } => Ok(Exported {
                    session: session.id.clone(),
                    outputs: Vec::new(),
                }),
                reason => Err(failed(format!("{}: {reason}", session.id))),
            };
        }
        let mut outputs = Vec::new();
        for d in &plan.deliveries {
            let r = self.exporter.deliver(&self.ledger, source, d, &|_| {});
            if r.outcome != Outcome::Delivered {
                return Err(failed(
                    r.error.unwrap_or_else(|| r.outcome.name().to_string()),
                ));
            }
            outputs.push(Output {
                target: self.exporter.destination().to_string(),
                bytes: r.bytes,
            });
        }
        Ok(Exported {
            session: session.id.clone(),
            outputs,
        })
    }
}
