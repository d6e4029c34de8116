//! What the recorder asks, exchange by exchange.
//!
//! Every poll carries every fast field (work time, distance, stroke state,
//! pace, power, stroke rate). The slow fields ride in the same frame, one
//! group per poll in rotation, instead of taking exchanges of their own: the
//! reply still fits report 2 with room to spare, and an exchange costs the
//! same bus time whatever its length within a report. At the end of each
//! drive the force curve is drained in exchanges of its own, the first also
//! carrying the stroke statistics.
//!
//! Everything is a fixed-size getter, so each frame's replies decode at
//! precomputed offsets (`RequestShape::decode_exact`).

use erglink_csafe::command::*;
use erglink_csafe::{AnyCommand, EncodeOptions, RequestShape, worst_case_reply_len};

/// Bytes asked per force-plot read: the PM's maximum, 16 samples.
pub const FORCE_BLOCK: u8 = 32;

/// A frame ready to send: its commands and the shape of its reply.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The commands, in frame order.
    pub commands: Vec<AnyCommand>,
    /// The reply's shape, built once.
    pub shape: RequestShape,
}

impl Frame {
    fn new(commands: Vec<AnyCommand>) -> Self {
        let shape = RequestShape::from_commands(&commands);
        Self { commands, shape }
    }

    /// The worst-case reply, stuffed: what decides the report.
    pub fn worst_case_reply(&self) -> usize {
        worst_case_reply_len(&self.commands, &EncodeOptions::default())
    }
}

/// The recorder's frames.
#[derive(Clone, Debug)]
pub struct PollPlan {
    /// Fast fields plus each slow group in turn.
    polls: Vec<Frame>,
    next: usize,
    /// Stroke statistics and the first force-plot block.
    pub drain_first: Frame,
    /// The following force-plot blocks.
    pub drain_more: Frame,
    /// Split figures (the `7F` set, which a real PM may keep behind
    /// authentication: asked separately so a refusal costs nothing else).
    pub splits: Frame,
}

fn fast_wrapped() -> Vec<AnyCommand> {
    vec![
        PmGetWorkTime {}.into(),
        PmGetWorkDistance {}.into(),
        PmGetStrokeState {}.into(),
    ]
}

fn fast_top() -> Vec<AnyCommand> {
    vec![GetPace {}.into(), GetPower {}.into(), GetCadence {}.into()]
}

/// Slow fields in rotation: (wrapped in `1A`, top level).
fn slow_groups() -> Vec<(Vec<AnyCommand>, Vec<AnyCommand>)> {
    vec![
        (
            vec![PmGetWorkoutState {}.into()],
            vec![GetHrCur {}.into(), GetCalories {}.into()],
        ),
        (
            vec![
                PmGetDragFactor {}.into(),
                PmGetWorkoutIntervalCount {}.into(),
            ],
            vec![GetHrCur {}.into()],
        ),
        (
            vec![PmGetWorkoutState {}.into(), PmGetIntervalType {}.into()],
            vec![GetCalories {}.into()],
        ),
        (
            vec![PmGetRestTime {}.into(), PmGetWorkoutType {}.into()],
            vec![GetHrCur {}.into()],
        ),
    ]
}

impl PollPlan {
    /// The plan every monitor gets.
    pub fn new() -> Self {
        let polls = slow_groups()
            .into_iter()
            .map(|(wrapped, top)| {
                // Wrapped commands first so that they share the fast fields' `1A` wrapper.
                let mut cmds = fast_wrapped();
                cmds.extend(wrapped);
                cmds.extend(fast_top());
                cmds.extend(top);
                Frame::new(cmds)
            })
            .collect();
        Self {
            polls,
            next: 0,
            drain_first: Frame::new(vec![
                PmGetStrokeStats { reserved: 0 }.into(),
                PmGetForcePlotData {
                    block_len: FORCE_BLOCK,
                }
                .into(),
            ]),
            drain_more: Frame::new(vec![
                PmGetForcePlotData {
                    block_len: FORCE_BLOCK,
                }
                .into(),
            ]),
            splits: Frame::new(vec![
                PmGetLastSplitTime {}.into(),
                PmGetLastSplitDistance {}.into(),
                PmGetSplitAvgPower {}.into(),
            ]),
        }
    }

    /// The next poll in the rotation.
    pub fn next_poll(&mut self) -> &Frame {
        let i = self.next;
        self.next = (self.next + 1) % self.polls.len();
        &self.polls[i]
    }

    /// Every poll frame (for report and size checks).
    pub fn polls(&self) -> &[Frame] {
        &self.polls
    }
}

impl Default for PollPlan {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_csafe::encode_request;

    #[test]
    fn every_frame_fits_report_2_and_decodes_at_fixed_offsets() {
        let plan = PollPlan::new();
        let all = plan
            .polls()
            .iter()
            .chain([&plan.drain_first, &plan.drain_more, &plan.splits]);
        for f in all {
            assert!(f.worst_case_reply() <= 120, "{:?}", f.commands);
            let mut wire = Vec::new();
            let done = encode_request(&f.commands, &EncodeOptions::default(), &mut wire).unwrap();
            assert!(done.wire_len <= 120);
            // Fixed-size getters only, so replies decode at fixed offsets.
            assert!(f.commands.iter().all(|c| {
                let s = c.spec().unwrap();
                s.reply_has_data && s.reply_min_len == s.reply_max_len
            }));
        }
        // The fast fields ride in one 1A wrapper with the slow wrapped ones.
        let mut wire = Vec::new();
        encode_request(
            &plan.polls()[1].commands,
            &EncodeOptions::default(),
            &mut wire,
        )
        .unwrap();
        assert_eq!(wire.iter().filter(|&&b| b == 0x1A).count(), 1);
    }
}
