//! # erglink-webhook
//!
//! Recorded sessions delivered to webhook receivers written for Terra,
//! exactly as Terra would deliver them (reference §4):
//!
//! - **Body**: `{"type":"activity","user":{...},"data":[Activity…],"version":"2022-03-16"}`,
//!   one activity per request unless batched (one user per request), serialised
//!   once; those exact bytes are signed and sent ([`EnvelopeWriter`], [`Users`]).
//! - **Headers**: `terra-signature` and `X-Terra-Signature`, both
//!   `t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, signed afresh on each
//!   attempt ([`sign`]); `X-Terra-Trace-Id`, the dedup id, the same on every
//!   attempt and after a restart; `X-Terra-Ordering-Timestamp`, unix ms, fixed
//!   when the delivery first goes out; `Content-Type: application/json`.
//! - **Transport** ([`Endpoint`], [`Timeouts`]): https, except to loopback or
//!   with `--insecure-http`; connect and read timeouts; only same-host 307/308
//!   redirects are followed.
//! - **Retries** ([`RetryPolicy`]): 5xx, 408, 429, timeouts and connection
//!   errors, with exponential backoff, jitter and `Retry-After`; other answers
//!   are final.
//! - **Ledger**: every attempt is marked in the store before the request
//!   leaves and its outcome recorded after ([`Exporter::deliver`]); see
//!   `erglink_store::Ledger` for how a crash between a 2xx and its record
//!   is resolved (the resend carries the same trace id).
//!
//! ```no_run
//! use erglink_webhook::{Config, Endpoint, Exporter, Secret};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = erglink_store::Store::open_existing("erglink.db")?;
//! let sessions = store.reader()?.sessions()?;
//! let endpoint = Endpoint::parse("https://hooks.example.com/terra", false)?;
//! let exporter = Exporter::new(Config::new(endpoint, Secret::from_env("TERRA_SECRET")?))?;
//! let sources = || -> erglink_export::Result<Box<dyn erglink_export::SessionSource>> {
//!     Ok(Box::new(store.reader()?))
//! };
//! let report = exporter.run(&store, &sessions, &sources, &|_| {})?;
//! println!("{} delivered, {} failed", report.delivered(), report.failed());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod deliver;
mod endpoint;
mod envelope;
mod error;
mod http;
mod plan;
mod report;
mod retry;
mod run;
mod secret;
pub mod sign;
mod sink;
pub mod test_receiver;

pub use endpoint::Endpoint;
pub use envelope::{DEFAULT_PROVIDER, EnvelopeWriter, User, Users, VERSION, athlete_user_id};
pub use error::{Error, Result};
pub use http::{Answer, Timeouts};
pub use plan::{Delivery, Plan, SkipReason, Skipped};
pub use report::{DeliveryReport, Outcome, Report};
pub use retry::{RetryPolicy, parse_retry_after, retryable_status};
pub use run::{Config, Event, Exporter, SourceFactory};
pub use secret::Secret;
pub use sink::WebhookSink;
/// UUIDs, for `--user-id`.
pub use uuid::Uuid;
