//! One poll (the frames of one plan cycle) and one force-curve drain, as
//! exchanges through the link. Free functions, so that the frames stay
//! borrowed from the plan while the link is borrowed mutably.

use erglink_csafe::command::{PmGetForcePlotData, StrokeStats};
use erglink_pm::{DriverError, Exchange};
use erglink_transport::{Transport, TransportError};

use crate::curve::CurveDrain;
use crate::link::{Link, Sent};
use crate::pack::Frame;
use crate::reading::{Reading, stroke_stats};

/// A curve is at most 144 samples: ten blocks of 16 is plenty.
const MAX_BLOCKS: usize = 10;

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
                out.reading.take_response(&ex.response);
                if out.received_ns.is_none() {
                    out.report_id = ex.report_id;
                }
                out.received_ns = Some(ex.received_ns);
                if let Some(s) = stroke_stats(&ex.response) {
                    out.stats = Some(s);
                }
                if let Some(k) = keep.as_deref_mut() {
                    k.push(*ex);
                }
            }
            Sent::NoReply(e) => tracing::debug!("poll: {e}"),
            Sent::Transport(e) => {
                out.failed = Some(e);
                break;
            }
        }
    }
    out
}

/// Drains one stroke's force curve: blocks of the force plot until the PM
/// sends a short one. A lost reply leaves a hole; the drain goes on, since
/// the next read returns the next block.
pub fn drain<T: Transport>(
    link: &mut Link<T>,
    frame: &Frame,
    forced_report: Option<u8>,
    mut keep: Option<&mut Vec<Exchange>>,
) -> (CurveDrain, Option<TransportError>) {
    let mut curve = CurveDrain::default();
    let saved = link.monitor().settings().forced_report;
    if forced_report.is_some() {
        link.monitor_mut().settings_mut().forced_report = forced_report;
    }
    let mut failed = None;
    for _ in 0..MAX_BLOCKS {
        match link.exchange(&frame.commands, &frame.shape) {
            Sent::Reply(ex) => {
                let block = ex.response.get::<PmGetForcePlotData>().map(|p| p.samples);
                if let Some(k) = keep.as_deref_mut() {
                    k.push(*ex);
                }
                match block {
                    Some(b) => {
                        if curve.add_block(b.count, b.samples()) {
                            break;
                        }
                    }
                    None => {
                        curve.lose_block();
                        break;
                    }
                }
            }
            Sent::NoReply(DriverError::LostDrain { .. }) => curve.lose_block(),
            Sent::NoReply(_) => {
                curve.lose_block();
                break;
            }
            Sent::Transport(e) => {
                curve.lose_block();
                failed = Some(e);
                break;
            }
        }
    }
    link.monitor_mut().settings_mut().forced_report = saved;
    (curve, failed)
}
