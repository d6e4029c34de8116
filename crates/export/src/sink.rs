//! Where exports go. Each destination implements [`Sink`]: the files here,
//! and a webhook (next issue) that posts the same Terra Activity.

use erglink_model::{Session, SessionId};

use crate::{Result, SessionSource};

/// One thing a sink wrote (or, in a dry run, would write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// A file path, or a URL.
    pub target: String,
    /// Bytes written; 0 in a dry run.
    pub bytes: u64,
}

/// What exporting one session produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// The session.
    pub session: SessionId,
    /// What was written for it (an NDJSON line shows up at [`Sink::finish`]).
    pub outputs: Vec<Output>,
}

/// A destination for exported sessions.
pub trait Sink {
    /// The destination, for messages: `file:out/ (terra)`.
    fn describe(&self) -> String;

    /// Exports one session read from `source`. A failure concerns this
    /// session only; the caller may go on with the next.
    fn export(&mut self, source: &dyn SessionSource, session: &Session) -> Result<Exported>;

    /// Completes what spans sessions (the NDJSON file); the default has nothing to do.
    fn finish(&mut self) -> Result<Vec<Output>> {
        Ok(Vec::new())
    }
}
