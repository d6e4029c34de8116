//! `to_webhook=true`: the request's sessions queued as new deliveries
//! through `erglink-webhook`'s ledger, on one thread so that requests
//! never contend for the destination's lock. Each request's deliveries
//! carry its reference as the `terra-reference` header.

use std::sync::Mutex;
use std::sync::mpsc::{Sender, channel};

use erglink_export::SessionSource;
use erglink_model::Session;
use erglink_store::Store;
use erglink_webhook::{Config, Exporter};

/// One request's worth of deliveries.
#[derive(Debug)]
struct Job {
    reference: String,
    sessions: Vec<Session>,
}

/// The delivery thread's inbox.
#[derive(Debug)]
pub(crate) struct WebhookQueue {
    jobs: Mutex<Sender<Job>>,
}

impl WebhookQueue {
    /// Checks the configuration and starts the delivery thread.
    pub fn start(store: Store, config: Config) -> crate::Result<Self> {
        // Fails now, not on the first request, if the settings are wrong.
        Exporter::new(config.clone())?;
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("erglink-serve-webhook".into())
            .spawn(move || {
                for job in rx {
                    deliver(&store, &config, job);
                }
            })?;
        Ok(Self {
            jobs: Mutex::new(tx),
        })
    }

    /// Queues `sessions` under `reference`; false when the thread is gone.
    pub fn push(&self, reference: String, sessions: Vec<Session>) -> bool {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        jobs.send(Job {
            reference,
            sessions,
        })
        .is_ok()
    }
}

fn deliver(store: &Store, config: &Config, job: Job) {
    let mut config = config.clone();
    // The request asks for these sessions, so they go again even if delivered before.
    config.resend = true;
    config.reference = Some(job.reference.clone());
    let exporter = match Exporter::new(config) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!("to_webhook {}: {e}", job.reference);
            return;
        }
    };
    let sources =
        || -> erglink_export::Result<Box<dyn SessionSource>> { Ok(Box::new(store.reader()?)) };
    match exporter.run(store, &job.sessions, &sources, &|_| {}) {
        Ok(report) => tracing::info!(
            "to_webhook {}: {} delivered, {} not delivered",
            job.reference,
            report.delivered(),
            report.failed()
        ),
        Err(e) => tracing::error!("to_webhook {}: {e}", job.reference),
    }
}
