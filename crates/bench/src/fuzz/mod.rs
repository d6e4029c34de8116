//! `erglink fuzz`: mutated frames, a liveness check after each, and every
//! anomaly kept as a minimal transcript.

mod engine;
mod mutate;
mod probe;
mod rng;
mod safety;

pub use engine::{Found, FuzzOptions, FuzzReport, KindStats, Reproduction, fuzz, reproduce};
pub use mutate::{Mutation, MutationKind, SEEDS, framed};
pub use probe::{AnomalyKind, GETSTATUS, LIVENESS_TRIES, Outcome, Reopen, probe};
pub use safety::unsafe_reason;
