//! The normaliser's one error type.

/// What normalising can fail with: the caller gave data out of order, or
/// asked for something Terra cannot take.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A sample came with an earlier time than the one before it.
    #[error("sample at {got_ns} ns came after one at {previous_ns} ns; samples must be in order")]
    SampleOutOfOrder {
        /// The previous sample's `elapsed_ns`.
        previous_ns: u64,
        /// This one's.
        got_ns: u64,
    },
    /// A stroke, split or gap came after the samples had begun, or strokes
    /// or gaps out of order.
    #[error("{0} must be given in order, before the first sample")]
    LateOrUnordered(&'static str),
    /// Not a code in Terra's `ActivityType` list.
    #[error("{0} is not an activity type Terra defines (see the reference, section 2)")]
    UnknownActivityType(u16),
    /// Not `stroke`, `1s` or `full`.
    #[error("`{0}` is not a resolution; use stroke, 1s or full")]
    UnknownResolution(String),
}
