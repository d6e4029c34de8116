//! What a report is made of.

use erglink_model::{ForceCurve, Gap, Sample, Session, Split, Stroke};

/// One session and everything recorded in it, as the store returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionData {
    /// The session's metadata.
    pub session: Session,
    /// Samples in arrival order.
    pub samples: Vec<Sample>,
    /// Strokes by index.
    pub strokes: Vec<Stroke>,
    /// Force curves by stroke index.
    pub force_curves: Vec<ForceCurve>,
    /// Splits or intervals.
    pub splits: Vec<Split>,
    /// Gaps.
    pub gaps: Vec<Gap>,
}

/// Where the page gets uPlot and its stylesheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assets {
    /// Inlined: the file opens offline on its own (`erglink report`).
    Inline,
    /// Linked from `{prefix}/uplot.js` and `{prefix}/uplot.css` (serve's
    /// `/assets`), so a browser fetches them once.
    Linked(String),
}
