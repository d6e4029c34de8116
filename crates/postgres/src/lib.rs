//! # erglink-postgres
//!
//! Every recorder host ships its sessions into one PostgreSQL database, the
//! place a lab queries years of sessions from. The only crate of erglink
//! that talks to PostgreSQL (tokio-postgres on rustls: no system TLS
//! library). It reads sessions through the store's read API and the
//! normaliser, and records what it shipped in the store's export ledger.
//!
//! ```no_run
//! use erglink_postgres::{Config, Exporter, PasswordSource, PgUrl};
//!
//! let url = PgUrl::parse("postgres://lab@db.example.org/ergs?sslmode=verify-full")?;
//! let mut config = Config::new(url.clone(), "rowing-pc-1");
//! config.password = PasswordSource::Default.resolve(&url)?;
//! let mut exporter = Exporter::new(config)?;
//! let store = erglink_store::Store::open_existing("erglink.db")?;
//! let mut sessions = store.reader()?.sessions()?;
//! sessions.reverse();
//! let report = exporter.run(&store, &sessions, &|_| {})?;
//! println!("{} shipped", report.shipped.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - **Schema** `erglink`, migrated under `pg_advisory_xact_lock` with its
//!   version in `erglink.schema_version`; a newer one is refused
//!   ([`Error::NewerSchema`]). Tables and views: [`schema`].
//! - **One transaction per session**: its row, then strokes, force curves,
//!   splits, gaps and samples by binary COPY (encoded here, [`copy`'s
//!   format](https://www.postgresql.org/docs/current/sql-copy.html)), then
//!   its Terra activity (`jsonb`, stroke resolution). Wholly there or absent.
//! - **Idempotent** through the ledger (destination key
//!   `postgres://HOST:PORT/DBNAME`): a rerun ships nothing new; `resend`
//!   replaces a session's rows in one transaction; a crash between commit
//!   and ledger is settled by the session row being there.
//! - **Security**: the password comes from [`PasswordSource`], never the URL
//!   ([`PgUrl::parse`] refuses one); TLS per [`SslMode`] (see [`tls`] for
//!   how `require` compares with libpq's).

#![forbid(unsafe_code)]

mod connect;
mod copy;
mod error;
mod exporter;
mod feed;
mod password;
pub mod queries;
pub mod schema;
pub mod test_cluster;
pub mod tls;
mod url;
mod watch;
mod write;

pub use error::{Error, Result};
pub use exporter::{Config, Event, Exporter, Report, Shipped, SkipReason};
pub use password::{Password, PasswordSource, pgpass_match};
pub use tokio_postgres::error::SqlState;
pub use url::{PgUrl, SslMode};
pub use watch::WatchOptions;
pub use write::{RowCounts, Written};
