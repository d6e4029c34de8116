//! How the binary fails: one line on stderr, `erglink: <what failed>: <why>.
//! <what to do>`, and an exit code from interface.md.

use std::fmt;

/// Exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// It ran but failed: a device timeout, a PM reject in `raw`, a failed export.
    Failed = 1,
    /// Bad input: usage, hex, unknown command, selector, a database from a newer erglink.
    BadInput = 2,
    /// A monitor was required and none was found.
    #[allow(dead_code)] // used once the device commands land
    NoMonitor = 3,
}

/// An error that knows its exit code and how to explain itself.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub what: String,
    pub why: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(exit: Exit, what: impl Into<String>, why: impl fmt::Display) -> Self {
        Self {
            exit,
            what: what.into(),
            why: why.to_string(),
            hint: None,
        }
    }

    pub fn bad_input(what: impl Into<String>, why: impl fmt::Display) -> Self {
        Self::new(Exit::BadInput, what, why)
    }

    pub fn failed(what: impl Into<String>, why: impl fmt::Display) -> Self {
        Self::new(Exit::Failed, what, why)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = self.why.trim_end_matches('.');
        write!(f, "{}: {why}.", self.what)?;
        if let Some(h) = &self.hint {
            write!(f, " {}", h.trim_end_matches('.'))?;
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

/// The exit code and the one line to print for any error.
pub fn report(err: &anyhow::Error) -> (i32, String) {
    if let Some(f) = err.downcast_ref::<Failure>() {
        return (f.exit as i32, format!("erglink: {f}"));
    }
    // Anything else is a failure of the run; its causes go on the same line.
    let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
    (
        Exit::Failed as i32,
        format!("erglink: {}.", chain.join(": ").trim_end_matches('.')),
    )
}
