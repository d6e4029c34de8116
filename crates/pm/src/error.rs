//! The driver's two layers of failure: [`DriverError`] when the exchange
//! itself failed (transport, codec, timeout), and [`Refused`] when the PM
//! answered but said no (reject, bad frame, not ready).

use erglink_csafe::{EncodeError, PrevFrameStatus, Status};
use erglink_transport::TransportError;
use thiserror::Error;

use crate::monitor::Exchange;
use crate::policy::PolicyError;

/// An exchange that did not complete.
#[derive(Debug, Clone, Error)]
pub enum DriverError {
    /// The transport failed (unplugged, permissions, replay divergence…).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The commands could not be encoded.
    #[error("cannot encode the request: {0}")]
    Encode(#[from] EncodeError),
    /// No report can carry the request.
    #[error(transparent)]
    Report(#[from] PolicyError),
    /// No reply in time, even after the resends allowed.
    #[error("no reply within {timeout_ms} ms{}: {cause}", resent_text(*.resends))]
    Timeout {
        /// The timeout of each attempt.
        timeout_ms: u64,
        /// Resends made.
        resends: u32,
        /// The likeliest reason, for people.
        cause: String,
    },
    /// A read that drains the PM's buffer got no reply: that chunk is lost,
    /// since asking again returns the next one.
    #[error(
        "the reply to {command} was lost, and with it a chunk of the PM's buffer; it is not asked again because the PM has moved on"
    )]
    LostDrain {
        /// The draining command.
        command: String,
    },
    /// A command that changes the PM got no reply: whether it took effect is unknown.
    #[error(
        "{command} got no reply; it changes the PM, so it is not resent blindly: check the PM's state before retrying"
    )]
    UnconfirmedSet {
        /// The command.
        command: String,
    },
    /// The reply did not fit the report even after moving to a larger one.
    #[error(
        "the reply was cut short in report {report:#04x} and no larger report may be used; force one with --report-id"
    )]
    Truncated {
        /// The report it was cut short in.
        report: u8,
    },
}

fn resent_text(resends: u32) -> String {
    match resends {
        0 => String::new(),
        1 => " (resent once)".into(),
        n => format!(" (resent {n} times)"),
    }
}

/// Why the PM did not give what was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalReason {
    /// Previous-frame status Reject: a bad parameter or the wrong state.
    Reject,
    /// Previous-frame status Bad: the PM saw a frame error.
    Bad,
    /// Previous-frame status Not ready.
    NotReady,
    /// The reply carried no data for a command that should have some.
    NoData,
}

impl From<PrevFrameStatus> for RefusalReason {
    fn from(p: PrevFrameStatus) -> Self {
        match p {
            PrevFrameStatus::Reject => RefusalReason::Reject,
            PrevFrameStatus::NotReady => RefusalReason::NotReady,
            _ => RefusalReason::Bad,
        }
    }
}

/// The PM answered but refused: its status byte says the previous frame was
/// not OK, or the reply lacks the data asked for. The exchange is kept whole.
#[derive(Debug, Clone, Error)]
#[error("the PM refused ({reason:?}): {status}")]
pub struct Refused {
    /// The status byte.
    pub status: Status,
    /// Why.
    pub reason: RefusalReason,
    /// The whole exchange, replies included.
    pub exchange: Box<Exchange>,
}

impl Refused {
    /// A refusal of `exchange`.
    pub fn new(reason: RefusalReason, exchange: Exchange) -> Self {
        Self {
            status: exchange.status(),
            reason,
            exchange: Box::new(exchange),
        }
    }
}
