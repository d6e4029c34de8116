//! # erglink-serve
//!
//! `erglink serve`: Terra's REST API over the local store, mounted at
//! `/v2`, so that apps written against Terra's SDKs read erglink with
//! only their base URL changed (`base_url="http://HOST:PORT/v2"`).
//! The only crate of erglink that runs an HTTP server.
//!
//! - `GET /v2/activity?user_id&start_date&end_date&to_webhook&with_samples&resolution`
//! - `GET /v2/userInfo?user_id=|reference_id=`
//! - `GET /v2/subscriptions[?page&per_page]`
//!
//! And pages for a browser, rendered by `erglink-report` ([`pages`]): `/`,
//! `/sessions/{id}`, `/compare?a=ID&b=ID`, `/assets/uplot.{js,css}`. With
//! an API key they take HTTP Basic, user = dev id, password = key
//! ([`auth::basic`]); `/v2` keeps Terra's headers.
//!
//! Sessions are read through the store's reader (its own connection, WAL:
//! a recorder writing the same database is never blocked) and normalised
//! one at a time straight into the response, so a big range is streamed.
//! `with_samples=false` reads each finished session's activity from the
//! store's summary cache (schema v5), filled at start for older sessions
//! and on first use for new ones, so it reads no sample.
//! `to_webhook=true` queues the sessions as new deliveries through
//! `erglink-webhook`'s ledger, on one delivery thread.
//!
//! ```no_run
//! # async fn run() -> Result<(), erglink_serve::Error> {
//! let store = erglink_store::Store::open("erglink.db")?;
//! let config = erglink_serve::Config::new(store, "127.0.0.1:0".parse().unwrap());
//! let server = erglink_serve::Server::bind(config).await?;
//! eprintln!("listening on http://{}", server.local_addr());
//! server.run(erglink_serve::shutdown_signal()).await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod activity;
pub mod auth;
mod error;
mod limits;
pub mod live;
pub mod pages;
mod prefill;
pub mod problem;
pub mod query;
mod routes;
mod server;
pub mod users;
mod webhook_queue;

pub use activity::summary_key;
pub use auth::Credentials;
pub use error::{Error, Result};
pub use limits::Limits;
pub use prefill::fill_summaries;
pub use server::{Config, Server, shutdown_signal};
