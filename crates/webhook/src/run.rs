//! The exporter: settings, planning against the ledger, and a run that
//! spreads the deliveries over a few threads (blocking HTTP needs no
//! async runtime; each thread has its own store reader, and the ledger
//! is shared behind a mutex, its transactions being short).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use erglink_export::SessionSource;
use erglink_model::Session;
use erglink_normalize::Options;
use erglink_store::{Ledger, Store};
use uuid::Uuid;

use crate::http::Client;
use crate::plan::plan;
use crate::report::{DeliveryReport, Outcome, Report};
use crate::{Endpoint, Error, Plan, Result, RetryPolicy, Secret, Timeouts, Users};

/// Everything a webhook export needs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to post.
    pub endpoint: Endpoint,
    /// The signing secret.
    pub secret: Secret,
    /// `user.user_id` and `user.provider`.
    pub users: Users,
    /// Sessions per request, at most (default 1).
    pub batch: usize,
    /// Requests in flight at once (default 4).
    pub concurrency: usize,
    /// How activities are normalised.
    pub normalize: Options,
    /// Retries.
    pub retry: RetryPolicy,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// Send the selected sessions again, whatever the ledger says, as new deliveries.
    pub resend: bool,
    /// The `terra-reference` header on every request: the id of the REST
    /// request (`GET /activity?to_webhook=true`) these deliveries answer.
    pub reference: Option<String>,
}

impl Config {
    /// Defaults around the three things that have none.
    pub fn new(endpoint: Endpoint, secret: Secret) -> Self {
        Self {
            endpoint,
            secret,
            users: Users::default(),
            batch: 1,
            concurrency: 4,
            normalize: Options::default(),
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            resend: false,
            reference: None,
        }
    }
}

/// What a run reports as it goes (for a progress bar).
#[derive(Clone, Debug)]
pub enum Event<'a> {
    /// An attempt failed and another follows after `wait`.
    Retrying {
        /// The delivery.
        trace_id: &'a str,
        /// The attempt that failed (1-based).
        attempt: u32,
        /// Why.
        error: &'a str,
        /// The wait before the next.
        wait: Duration,
    },
    /// A delivery ended.
    Finished(&'a DeliveryReport),
}

/// Opens a [`SessionSource`] for one worker thread (the store's reader).
pub type SourceFactory<'a> = dyn Fn() -> erglink_export::Result<Box<dyn SessionSource>> + Sync + 'a;

/// Posts sessions to one webhook.
#[derive(Debug)]
pub struct Exporter {
    pub(crate) config: Config,
    pub(crate) client: Client,
    pub(crate) destination: String,
}

pub(crate) fn new_uuid() -> String {
    Uuid::new_v4().hyphenated().to_string()
}

impl Exporter {
    /// Checks the settings and builds the HTTP client.
    pub fn new(config: Config) -> Result<Self> {
        if config.batch == 0 {
            return Err(Error::Config("--batch must be at least 1".into()));
        }
        if config.concurrency == 0 {
            return Err(Error::Config("--concurrency must be at least 1".into()));
        }
        if config.retry.max_attempts == 0 {
            return Err(Error::Config("--max-attempts must be at least 1".into()));
        }
        let client = Client::new(config.endpoint.clone(), config.timeouts, config.concurrency);
        let destination = config.endpoint.as_str();
        Ok(Self {
            config,
            client,
            destination,
        })
    }

    /// The destination's name in the ledger.
    pub fn destination(&self) -> &str {
        &self.destination
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn pending_per_trace(&self, ledger: &Ledger) -> Result<HashMap<String, usize>> {
        let mut counts = HashMap::new();
        for e in ledger.pending(&self.destination)? {
            if let Some(t) = e.trace_id {
                *counts.entry(t).or_insert(0) += 1;
            }
        }
        Ok(counts)
    }

    /// Puts `sessions` in the ledger (requeued first with `resend`) and
    /// plans their deliveries.
    pub fn plan(&self, ledger: &mut Ledger, sessions: &[Session]) -> Result<Plan> {
        let at = crate::deliver::now();
        let ids: Vec<_> = sessions.iter().map(|s| s.id.clone()).collect();
        let entries = if self.config.resend {
            let mut out = Vec::with_capacity(ids.len());
            for id in &ids {
                out.push(ledger.requeue(id, &self.destination, &new_uuid(), at)?);
            }
            out
        } else {
            ledger.enqueue_many(&ids, &self.destination, &mut new_uuid, at)?
        };
        let rows: Vec<_> = sessions
            .iter()
            .cloned()
            .zip(entries.into_iter().map(Some))
            .collect();
        let counts = self.pending_per_trace(ledger)?;
        Ok(plan(
            &rows,
            &counts,
            &self.config.users,
            self.config.batch,
            &mut new_uuid,
        ))
    }

    /// The plan a run would make, changing nothing (sessions not in the
    /// ledger yet get made-up trace ids).
    pub fn dry_run(&self, ledger: &Ledger, sessions: &[Session]) -> Result<Report> {
        let mut rows = Vec::with_capacity(sessions.len());
        for s in sessions {
            // A resend makes every selected session a fresh delivery.
            let entry = if self.config.resend {
                None
            } else {
                ledger.entry(&s.id, &self.destination)?
            };
            rows.push((s.clone(), entry));
        }
        let counts = self.pending_per_trace(ledger)?;
        // Trace ids of deliveries not formed yet are made by the real run.
        let mut later = || "(new)".to_string();
        let p = plan(
            &rows,
            &counts,
            &self.config.users,
            self.config.batch,
            &mut later,
        );
        let deliveries = p
            .deliveries
            .iter()
            .map(|d| DeliveryReport::unsent(d, Outcome::Planned))
            .collect();
        Ok(Report {
            destination: self.destination.clone(),
            dry_run: true,
            deliveries,
            skipped: p.skipped,
        })
    }

    /// Delivers `sessions` from `store`: takes the destination's lock,
    /// plans, and runs up to `concurrency` deliveries at once, each worker
    /// reading through its own source from `sources`.
    pub fn run(
        &self,
        store: &Store,
        sessions: &[Session],
        sources: &SourceFactory<'_>,
        on_event: &(dyn Fn(&Event<'_>) + Sync),
    ) -> Result<Report> {
        let mut ledger = store.ledger()?;
        let _lock = ledger.lock_destination(&self.destination)?;
        let plan = self.plan(&mut ledger, sessions)?;
        let ledger = Mutex::new(ledger);
        let n = plan.deliveries.len();
        let next = AtomicUsize::new(0);
        let done: Mutex<Vec<Option<DeliveryReport>>> = Mutex::new(vec![None; n]);
        let source_error: Mutex<Option<String>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..self.config.concurrency.min(n) {
                scope.spawn(|| {
                    let source = match sources() {
                        Ok(s) => s,
                        Err(e) => {
                            *source_error.lock().unwrap_or_else(|p| p.into_inner()) =
                                Some(e.to_string());
                            return;
                        }
                    };
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(d) = plan.deliveries.get(i) else {
                            break;
                        };
                        let r = self.deliver(&ledger, source.as_ref(), d, on_event);
                        done.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
                    }
                });
            }
        });
        let why = source_error
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .unwrap_or_else(|| "no worker took it".into());
        let deliveries = done
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .zip(&plan.deliveries)
            .map(|(r, d)| {
                r.unwrap_or_else(|| DeliveryReport {
                    error: Some(format!("cannot read the sessions: {why}")),
                    ..DeliveryReport::unsent(d, Outcome::NotSent)
                })
            })
            .collect();
        Ok(Report {
            destination: self.destination.clone(),
            dry_run: false,
            deliveries,
            skipped: plan.skipped,
        })
    }
}
