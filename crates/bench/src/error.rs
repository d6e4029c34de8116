//! What can go wrong before a plan runs: reading it, or an input it names.

use thiserror::Error;

/// A plan that cannot be read, or frame input that cannot be encoded.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum BenchError {
    /// A line of a plan is not a step.
    #[error("{file}:{line}: {why}")]
    Plan {
        /// The plan file (as given, or as an include names it).
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        why: String,
    },
    /// An included file cannot be read.
    #[error("{file}:{line}: cannot include `{path}`: {why}")]
    Include {
        /// The including file.
        file: String,
        /// The `include` line.
        line: usize,
        /// The file it names.
        path: String,
        /// Why it failed.
        why: String,
    },
    /// A command of a `send` (or of `raw`'s input) does not parse.
    #[error("bad command `{text}`: {why}")]
    BadCommand {
        /// The command as written.
        text: String,
        /// The codec's reason.
        why: String,
    },
    /// The commands do not fit one frame.
    #[error("cannot encode: {0}")]
    Encode(String),
}
