//! # erglink-bench
//!
//! A firmware test bench over any [`erglink_transport::Transport`]:
//! * plans: a line-oriented language of `send`s and `expect`s, grouped into
//!   `case`s ([`parse`], [`resolve`], [`run()`]), with JUnit XML results
//!   ([`junit_xml`]); the language is documented in `docs/script.md`;
//! * the input rule `erglink raw` uses: hex is a frame, anything else is
//!   commands by name ([`frame_input`]);
//! * reply fields under the names `csafe decode --json` prints ([`fields`]).

#![forbid(unsafe_code)]

mod error;
pub mod fields;
pub mod files;
pub mod fuzz;
mod input;
pub mod junit;
mod parse;
mod plan;
mod run;

pub use error::BenchError;
pub use input::{FrameInput, frame_input};
pub use junit::junit_xml;
pub use parse::{Loader, parse, resolve};
pub use plan::{Expect, Expected, Located, Op, Plan, Send, Step, pattern_text};
pub use run::{CaseResult, DEFAULT_TIMEOUT_MS, RunReport, Shown, StepResult, Verdict, run};
