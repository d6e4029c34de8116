//! Frames that fit a report: a command list cut into as few frames as
//! needed, each with its request and its worst-case reply inside the report.

use erglink_csafe::{
    Access, AnyCommand, EncodeOptions, RequestShape, encode_request, worst_case_reply_len,
};

/// Stuffed bytes allowed for on top of the unstuffed reply when a drain's
/// worst case cannot fit any report: a force-plot reply has 34 data bytes
/// whose high bytes are 0 or 1 and whose low bytes are stuffed with
/// probability 4/256, so eight of them is beyond any real reply.
pub const DRAIN_STUFFING_MARGIN: usize = 8;

/// A frame ready to send: its commands and the shape of its reply.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The commands, in frame order.
    pub commands: Vec<AnyCommand>,
    /// The reply's shape, built once.
    pub shape: RequestShape,
    /// The request's wire length.
    pub request_len: usize,
    /// The longest reply the PM could send, stuffed, flags included.
    pub worst_reply: usize,
    /// The reply without any stuffing.
    pub plain_reply: usize,
}

fn unbounded() -> EncodeOptions {
    EncodeOptions {
        max_frame: usize::MAX,
        ..EncodeOptions::default()
    }
}

impl Frame {
    /// A frame of `commands`; `None` if they cannot be encoded at all.
    pub fn new(commands: Vec<AnyCommand>) -> Option<Self> {
        let opts = unbounded();
        let mut wire = Vec::with_capacity(64);
        let done = encode_request(&commands, &opts, &mut wire).ok()?;
        let worst_reply = worst_case_reply_len(&commands, &opts);
        // Every data byte of the worst case doubles: half of it is the data.
        let data: usize = commands
            .iter()
            .map(|c| c.spec().map_or(0, |s| s.reply_max_len))
            .sum();
        let plain_reply = worst_reply - data - 1;
        let shape = RequestShape::from_commands(&commands);
        Some(Self {
            commands,
            shape,
            request_len: done.wire_len,
            worst_reply,
            plain_reply,
        })
    }

    /// The worst-case reply, stuffed: what decides the report.
    pub fn worst_case_reply(&self) -> usize {
        self.worst_reply
    }

    /// Whether it reads a buffer that each read drains (force plot).
    pub fn drains(&self) -> bool {
        self.commands
            .iter()
            .any(|c| c.spec().is_some_and(|s| s.access == Access::Drain))
    }

    /// Whether request and worst-case reply both fit `report_bytes`.
    pub fn fits(&self, report_bytes: usize) -> bool {
        self.request_len <= report_bytes && self.worst_reply <= report_bytes
    }

    /// Whether any real reply fits `report_bytes`: the worst case, or for a
    /// drain the plain reply with [`DRAIN_STUFFING_MARGIN`] to spare.
    pub fn fits_in_practice(&self, report_bytes: usize) -> bool {
        self.fits(report_bytes)
            || (self.drains()
                && self.request_len <= report_bytes
                && self.plain_reply + DRAIN_STUFFING_MARGIN <= report_bytes)
    }
}

/// Cuts `cmds` into frames that each fit `report_bytes`, in order, cutting
/// only between commands. A command that fits no frame on its own is left
/// out (and named in the log): the device cannot carry it.
pub fn pack(cmds: &[AnyCommand], report_bytes: usize) -> Vec<Frame> {
    let mut frames = Vec::new();
    let mut current: Vec<AnyCommand> = Vec::new();
    let mut current_frame: Option<Frame> = None;
    for cmd in cmds {
        current.push(cmd.clone());
        match Frame::new(current.clone()).filter(|f| f.fits(report_bytes)) {
            Some(f) => current_frame = Some(f),
            None => {
                current.pop();
                frames.extend(current_frame.take());
                current.clear();
                match Frame::new(vec![cmd.clone()]).filter(|f| f.fits(report_bytes)) {
                    Some(f) => {
                        current.push(cmd.clone());
                        current_frame = Some(f);
                    }
                    None => tracing::warn!(
                        "{} does not fit a {report_bytes}-byte report: it is not asked",
                        cmd.name()
                    ),
                }
            }
        }
    }
    frames.extend(current_frame);
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_csafe::command::*;

    fn fast() -> Vec<AnyCommand> {
        vec![
            PmGetWorkTime {}.into(),
            PmGetWorkDistance {}.into(),
            PmGetStrokeState {}.into(),
            GetPace {}.into(),
            GetPower {}.into(),
            GetCadence {}.into(),
        ]
    }

    #[test]
    fn frames_fit_and_keep_the_order() {
        for size in [20, 62, 120] {
            let frames = pack(&fast(), size);
            assert!(frames.iter().all(|f| f.fits(size)), "{size}");
            let flat: Vec<AnyCommand> = frames.iter().flat_map(|f| f.commands.clone()).collect();
            assert_eq!(flat, fast(), "{size}: nothing lost, order kept");
        }
        assert_eq!(pack(&fast(), 120).len(), 1);
        assert_eq!(pack(&fast(), 62).len(), 1, "the fast fields fit 62 bytes");
        assert!(pack(&fast(), 20).len() > 2);
    }

    #[test]
    fn a_force_plot_read_fits_62_bytes_in_practice_only() {
        let f = Frame::new(vec![PmGetForcePlotData { block_len: 32 }.into()]).unwrap();
        assert!(!f.fits(62) && f.fits(120));
        assert!(f.fits_in_practice(62));
        assert!(!f.fits_in_practice(20));
        let stats = Frame::new(vec![PmGetStrokeStats { reserved: 0 }.into()]).unwrap();
        assert!(!stats.fits_in_practice(20), "only drains get the margin");
    }

    #[test]
    fn a_command_too_large_for_the_report_is_left_out() {
        let cmds: Vec<AnyCommand> =
            vec![GetPower {}.into(), PmGetStrokeStats { reserved: 0 }.into()];
        let frames = pack(&cmds, 20);
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].commands, vec![AnyCommand::from(GetPower {})]);
    }
}
