//! # erglink-pm
//!
//! A blocking driver for Concept2 Performance Monitors over any
//! [`erglink_transport::Transport`]: one exchange in flight, the next frame
//! sent as soon as the reply arrives, replies matched to their requests.
//!
//! What happens when a reply does not come is the heart of it:
//! * after a timeout (1 s by default) the driver waits the spec's 50 ms, then
//!   reads and discards anything still on its way, so a late reply is never
//!   matched to the next request;
//! * only exchanges made of idempotent public getters are resent; a command that
//!   changes the PM, or a read that drains its buffer (force plot, heartbeat
//!   data), is never resent blindly, and a lost drain is reported; nor is a
//!   proprietary (`7E`/`7F`) getter, which a PM may never answer over USB;
//! * a reply cut short by its report moves the session to a larger report;
//!   report 2 is never assumed to exist, and a 500-byte report is never
//!   chosen on its own ([`policy`]).
//!
//! Results have two layers: `Err(DriverError)` when the exchange failed
//! (transport, codec, timeout), `Ok(Err(Refused))` when the PM answered but
//! refused (reject, bad frame, not ready).

#![forbid(unsafe_code)]

mod error;
mod identify;
mod monitor;
pub mod policy;
mod stats;

pub use error::{DriverError, RefusalReason, Refused};
pub use identify::Identity;
pub use monitor::{Exchange, Monitor, Settings, likely_cause};
pub use stats::{LatencyHistogram, Stats};
