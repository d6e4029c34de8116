//! One poll: the frames of one plan cycle (or one drain read) sent in turn,
//! every reply folded into one reading. A free function, so that the frames
//! stay borrowed from the plan while the link is borrowed mutably.

use erglink_csafe::command::{
    PmGetForcePlotData, PmGetLastSplitDistance, PmGetLastSplitTime, StrokeStats,
};
use erglink_csafe::wire::SampleBlock;
use erglink_pm::{DriverError, Exchange};
use erglink_transport::{Transport, TransportError};

use crate::lifecycle::Active;
use crate::link::{Link, Sent};
use crate::pack::Frame;
use crate::plan::{Extras, PollPlan};
use crate::reading::{Reading, stroke_stats};

/// Polls in which the statistics are asked, when each ask is an exchange of its own.
const STATS_EVERY: u32 = 4;
/// How often split figures are read when they take an exchange of their own.
const SPLITS_ALONE_EVERY_NS: u64 = 5_000_000_000;

/// What the next poll of a session should carry besides its fields.
pub(crate) fn extras_due(plan: &PollPlan, a: &mut Active, now: u64, split_poll_ns: u64) -> Extras {
    let mut stats = plan.reads_stats() && a.rec.wants_stats();
    if stats && !plan.stats_ride() {
        a.stats_wanted += 1;
        stats = a.stats_wanted % STATS_EVERY == 1;
    }
    // Splits that cost an exchange of their own are read less often.
    let every = if plan.splits_ride() {
        split_poll_ns
    } else {
        split_poll_ns.max(SPLITS_ALONE_EVERY_NS)
    };
    let splits = plan.reads_splits() && now.saturating_sub(a.last_split_poll) >= every;
    if splits {
        a.last_split_poll = now;
        if stats && !plan.both_ride() {
            // The splits take this poll; the statistics the next.
            stats = false;
        }
    }
    Extras { stats, splits }
}

/// What one poll read.
#[derive(Debug, Default)]
pub struct Polled {
    /// Every value its replies carried, refused exchanges included.
    pub reading: Reading,
    /// When its last reply arrived; `None` if no reply came at all.
    pub received_ns: Option<u64>,
    /// The report its first frame went in.
    pub report_id: u8,
    /// Stroke statistics, if asked and answered.
    pub stats: Option<StrokeStats>,
    /// Last-split time (0.1 s) and distance (m) as decoded, if asked and answered.
    pub split: Option<(u32, u32)>,
    /// A force-plot block, if one was read.
    pub force: Option<SampleBlock>,
    /// A force-plot read whose reply was lost: that block is gone.
    pub force_lost: bool,
    /// Exchanges made.
    pub exchanges: u32,
    /// A transport failure that ended it early.
    pub failed: Option<TransportError>,
}

/// Sends each of `frames` in turn and folds every reply into one reading.
/// With `keep`, every exchange is kept there too (the raw log).
pub fn poll<T: Transport>(
    link: &mut Link<T>,
    frames: &[Frame],
    mut keep: Option<&mut Vec<Exchange>>,
) -> Polled {
    let mut out = Polled::default();
    for f in frames {
        out.exchanges += 1;
        match link.exchange(&f.commands, &f.shape) {
            Sent::Reply(ex) => {
                let r = &ex.response;
                out.reading.take_response(r);
                if out.received_ns.is_none() {
                    out.report_id = ex.report_id;
                }
                out.received_ns = Some(ex.received_ns);
                if let Some(s) = stroke_stats(r) {
                    out.stats = Some(s);
                }
                if let (Some(t), Some(d)) = (
                    r.get::<PmGetLastSplitTime>(),
                    r.get::<PmGetLastSplitDistance>(),
                ) {
                    out.split = Some((t.time, d.distance));
                }
                if f.drains() {
                    match r.get::<PmGetForcePlotData>() {
                        Some(p) => out.force = Some(p.samples),
                        None => out.force_lost = true,
                    }
                }
                if let Some(k) = keep.as_deref_mut() {
                    k.push(*ex);
                }
            }
            Sent::NoReply(e) => {
                if f.drains() || matches!(e, DriverError::LostDrain { .. }) {
                    out.force_lost = true;
                }
                tracing::debug!("poll: {e}");
            }
            Sent::Transport(e) => {
                if f.drains() {
                    out.force_lost = true;
                }
                out.failed = Some(e);
                break;
            }
        }
    }
    out
}
