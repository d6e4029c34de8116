//! # erglink-report
//!
//! Session reports: session data in, one self-contained HTML page out.
//! Pure: no I/O, no store, no clock. `erglink report` and serve's pages
//! (`/`, `/sessions/{id}`, `/compare`) render through this crate; the CLI
//! and serve read the store into a [`SessionData`].
//!
//! Charts are drawn in the browser by the vendored uPlot ([`assets`]) from
//! data embedded in the page: **one point per stroke** (a 2 h row is 3 360
//! points, not 360 000 samples), gaps as null points so lines break, splits
//! and intervals as bands. The elements carry what a test can check:
//! `data-points` (points drawn per chart), `data-curves` (complete force
//! curves drawn), `data-incomplete` (dashed ones); `body[data-ready]` is set
//! once every chart is drawn.
//!
//! ```
//! # let syn = erglink_normalize::fixtures::synthesize(&erglink_normalize::fixtures::Spec::row_2k());
//! let data = erglink_report::SessionData {
//!     session: syn.session, samples: syn.samples, strokes: syn.strokes,
//!     force_curves: syn.force_curves, splits: syn.splits, gaps: syn.gaps,
//! };
//! let html = erglink_report::report(&data, &erglink_report::Assets::Inline).unwrap();
//! assert!(html.starts_with("<!doctype html>"));
//! ```

#![forbid(unsafe_code)]

pub mod assets;
mod compare;
mod data;
mod force;
mod html;
mod index;
mod page;
mod series;
mod text;

pub use compare::compare;
pub use data::{Assets, SessionData};
pub use index::{IndexFilter, index};
pub use page::report;

/// What can go wrong rendering.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The chart data could not be serialised (never expected).
    #[error("serialising the chart data: {0}")]
    Json(#[from] serde_json::Error),
}

/// The crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
