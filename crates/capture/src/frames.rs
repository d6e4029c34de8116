//! CSAFE frames reassembled from a monitor's reports, one decoder per
//! direction, timed by the report that completed each frame.

use erglink_csafe::{DecodeEvent, DecoderStats, Frame, FrameDecoder, FrameError};

use crate::extract::{Device, Direction, MAX_CAPTURED_FRAME};

/// One CSAFE frame of the capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsafeFrame {
    /// Nanoseconds since the capture's first packet, of the report that ended the frame.
    pub t_ns: u64,
    /// Host to PM or PM to host.
    pub direction: Direction,
    /// The id of the report that ended the frame.
    pub report_id: u8,
    /// The frame.
    pub frame: Frame,
}

/// A frame the decoder dropped, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedFrame {
    /// Time of the report where the decoder noticed.
    pub t_ns: u64,
    /// Direction.
    pub direction: Direction,
    /// What was wrong.
    pub error: FrameError,
}

/// Every frame of one monitor, in capture order.
#[derive(Clone, Debug, Default)]
pub struct DecodedFrames {
    /// The frames.
    pub frames: Vec<CsafeFrame>,
    /// What the decoders dropped.
    pub dropped: Vec<DroppedFrame>,
    /// Host-to-PM decoder counts.
    pub tx_stats: DecoderStats,
    /// PM-to-host decoder counts.
    pub rx_stats: DecoderStats,
}

/// Reassembles and checks the CSAFE frames of `device`'s reports.
pub fn decode_frames(device: &Device) -> DecodedFrames {
    let mut tx = FrameDecoder::new(MAX_CAPTURED_FRAME);
    let mut rx = FrameDecoder::new(MAX_CAPTURED_FRAME);
    let mut out = DecodedFrames::default();
    let mut report = Vec::with_capacity(128);
    for r in &device.reports {
        report.clear();
        report.push(r.report_id);
        report.extend_from_slice(&r.bytes);
        let dec = match r.direction {
            Direction::Tx => &mut tx,
            Direction::Rx => &mut rx,
        };
        dec.feed_report(&report, |ev| match ev {
            DecodeEvent::Frame(f) => out.frames.push(CsafeFrame {
                t_ns: r.t_ns,
                direction: r.direction,
                report_id: r.report_id,
                frame: f.to_owned(),
            }),
            DecodeEvent::Error(error) => out.dropped.push(DroppedFrame {
                t_ns: r.t_ns,
                direction: r.direction,
                error,
            }),
        });
    }
    out.tx_stats = tx.stats();
    out.rx_stats = rx.stats();
    out
}
