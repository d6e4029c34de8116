//! What the recorder asks, exchange by exchange.
//!
//! Every poll carries every fast field (work time, distance, stroke state,
//! pace, power, stroke rate). The slow fields ride in the same frame, one
//! group per poll in rotation, instead of taking exchanges of their own: the
//! reply still fits report 2 with room to spare, and an exchange costs the
//! same bus time whatever its length within a report. A device whose largest
//! usable report cannot hold them together gets the fast fields alone, and a
//! slow group in an exchange of its own every [`SLOW_EVERY`] polls.
//!
//! Stroke statistics ride in the polls after each drive (never with the
//! force plot: a PM3 or PM4 refuses them, and a refused frame is refused
//! whole), and the force curve is drained in exchanges of its own.
//!
//! A command the PM refuses is dropped from the plan for the session
//! ([`PollPlan::drop_command`]), and every frame is built again without it.
//!
//! Everything is a fixed-size getter, so each frame's replies decode at
//! precomputed offsets (`RequestShape::decode_exact`).

use erglink_csafe::command::*;
use erglink_csafe::{AnyCommand, Wrapper};

use crate::pack::{Frame, pack};

/// Bytes asked per force-plot read: the PM's maximum, 16 samples.
pub const FORCE_BLOCK: u8 = 32;

/// When the slow fields cannot ride with the fast ones, one poll in this many
/// carries a slow group as well: the sample rate stays above 90 % of the bus
/// limit, and each slow field is still read several times a second.
pub const SLOW_EVERY: usize = 16;

/// A command by where it lives.
pub type CommandKey = (Wrapper, u8);

/// The key of a command.
pub fn key(cmd: &AnyCommand) -> CommandKey {
    (cmd.wrapper(), cmd.id())
}

/// One poll: the frames it takes, with and without the stroke statistics.
#[derive(Clone, Debug)]
struct Cycle {
    plain: Vec<Frame>,
    with_stats: Vec<Frame>,
}

/// The recorder's frames.
#[derive(Clone, Debug)]
pub struct PollPlan {
    report_bytes: usize,
    dropped: Vec<CommandKey>,
    cycles: Vec<Cycle>,
    order: Vec<usize>,
    next: usize,
    stats_readable: bool,
    /// The force-plot read.
    pub drain: Frame,
    /// Split figures (the `7F` set, which a real PM may keep behind
    /// authentication: asked separately so a refusal costs nothing else).
    pub splits: Option<Frame>,
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

fn stats_command() -> AnyCommand {
    PmGetStrokeStats { reserved: 0 }.into()
}

impl PollPlan {
    /// The plan for a device whose largest usable report holds
    /// `report_bytes` CSAFE bytes (120 for report 2).
    pub fn new(report_bytes: usize) -> Self {
        Self::build(report_bytes, Vec::new())
    }

    fn build(report_bytes: usize, dropped: Vec<CommandKey>) -> Self {
        let keep = |cmds: Vec<AnyCommand>| -> Vec<AnyCommand> {
            cmds.into_iter()
                .filter(|c| !dropped.contains(&key(c)))
                .collect()
        };
        let stats = keep(vec![stats_command()]);
        let stats_frame = pack(&stats, report_bytes).into_iter().next();
        let stats_readable = stats_frame.is_some();
        let with_stats = |mut frames: Vec<Frame>| -> Vec<Frame> {
            let Some(stats_frame) = &stats_frame else {
                return frames;
            };
            // Stats ride in the last frame when they fit, else in one of their own.
            let joined = frames.last().and_then(|last| {
                let mut cmds = last.commands.clone();
                cmds.extend(stats.iter().cloned());
                Frame::new(cmds).filter(|f| f.fits(report_bytes))
            });
            match joined {
                Some(f) => *frames.last_mut().expect("joined to it") = f,
                None => frames.push(stats_frame.clone()),
            }
            frames
        };
        let cycle = |frames: Vec<Frame>| Cycle {
            with_stats: with_stats(frames.clone()),
            plain: frames,
        };
        let fast = {
            let mut f = keep(fast_wrapped());
            f.extend(keep(fast_top()));
            f
        };
        let mut cycles = Vec::new();
        let mut order = Vec::new();
        let fast_frames = pack(&fast, report_bytes);
        let mut fast_alone: Option<usize> = None;
        for (wrapped, top) in slow_groups() {
            // Wrapped commands first so that they share the fast fields' `1A` wrapper.
            let mut together = keep(fast_wrapped());
            together.extend(keep(wrapped.clone()));
            together.extend(keep(fast_top()));
            together.extend(keep(top.clone()));
            let frames = pack(&together, report_bytes);
            if frames.len() <= fast_frames.len().max(1) {
                order.push(cycles.len());
                cycles.push(cycle(frames));
                continue;
            }
            let alone = *fast_alone.get_or_insert_with(|| {
                cycles.push(cycle(fast_frames.clone()));
                cycles.len() - 1
            });
            let mut slow = keep(wrapped);
            slow.extend(keep(top));
            let mut frames = fast_frames.clone();
            frames.extend(pack(&slow, report_bytes));
            order.push(cycles.len());
            cycles.push(cycle(frames));
            order.extend(std::iter::repeat_n(alone, SLOW_EVERY - 1));
        }
        let drain = Frame::new(vec![
            PmGetForcePlotData {
                block_len: FORCE_BLOCK,
            }
            .into(),
        ])
        .expect("a force-plot read encodes");
        let splits = pack(
            &keep(vec![
                PmGetLastSplitTime {}.into(),
                PmGetLastSplitDistance {}.into(),
                PmGetSplitAvgPower {}.into(),
            ]),
            report_bytes,
        )
        .into_iter()
        .next();
        Self {
            report_bytes,
            dropped,
            cycles,
            order,
            next: 0,
            stats_readable,
            drain,
            splits,
        }
    }

    /// The next poll in the rotation: its frames, with the stroke statistics
    /// when `with_stats` (and the PM gives them).
    pub fn next_cycle(&mut self, with_stats: bool) -> &[Frame] {
        if self.order.is_empty() {
            return &[];
        }
        let i = self.order[self.next];
        self.next = (self.next + 1) % self.order.len();
        let c = &self.cycles[i];
        if with_stats { &c.with_stats } else { &c.plain }
    }

    /// Every distinct poll frame, statistics included (for report and size checks).
    pub fn frames(&self) -> impl Iterator<Item = &Frame> {
        self.cycles
            .iter()
            .flat_map(|c| c.plain.iter().chain(&c.with_stats))
    }

    /// Polls in one turn of the rotation.
    pub fn rotation_len(&self) -> usize {
        self.order.len()
    }

    /// Whether stroke statistics are asked at all (not dropped, and they fit).
    pub fn reads_stats(&self) -> bool {
        self.stats_readable
    }

    /// Whether a command was dropped.
    pub fn is_dropped(&self, k: CommandKey) -> bool {
        self.dropped.contains(&k)
    }

    /// Drops a command for the rest of the session and builds every frame
    /// again without it. False if it was dropped already.
    pub fn drop_command(&mut self, k: CommandKey) -> bool {
        if self.dropped.contains(&k) {
            return false;
        }
        let mut dropped = std::mem::take(&mut self.dropped);
        dropped.push(k);
        let next = self.next;
        *self = Self::build(self.report_bytes, dropped);
        self.next = next % self.order.len().max(1);
        true
    }

    /// The splits frame was given up (refused or never answered).
    pub fn drop_splits(&mut self) {
        self.splits = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_csafe::{EncodeOptions, encode_request};

    fn all(plan: &PollPlan) -> Vec<&Frame> {
        plan.frames()
            .chain([&plan.drain])
            .chain(plan.splits.as_ref())
            .collect()
    }

    #[test]
    fn every_frame_fits_report_2_and_decodes_at_fixed_offsets() {
        let plan = PollPlan::new(120);
        assert_eq!(plan.rotation_len(), 4);
        for f in all(&plan) {
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
        let mut plan = plan;
        let polls = plan.next_cycle(false).to_vec();
        assert_eq!(polls.len(), 1);
        let mut wire = Vec::new();
        encode_request(&polls[0].commands, &EncodeOptions::default(), &mut wire).unwrap();
        assert_eq!(wire.iter().filter(|&&b| b == 0x1A).count(), 1);
        // The statistics ride in the same frame, never with the force plot.
        let with = plan.next_cycle(true);
        assert_eq!(with.len(), 1);
        assert!(with[0].commands.contains(&stats_command()));
        assert!(!plan.drain.commands.contains(&stats_command()));
    }

    #[test]
    fn a_62_byte_report_polls_the_fast_fields_alone() {
        let mut plan = PollPlan::new(62);
        assert_eq!(plan.rotation_len(), 4 * SLOW_EVERY);
        let lens: Vec<usize> = (0..plan.rotation_len())
            .map(|_| plan.next_cycle(false).len())
            .collect();
        assert_eq!(
            lens.iter().filter(|&&n| n == 1).count(),
            4 * (SLOW_EVERY - 1)
        );
        assert!(plan.frames().all(|f| f.fits(62)));
        assert!(plan.drain.fits_in_practice(62));
        assert!(plan.reads_stats());
        for _ in 0..plan.rotation_len() {
            let c = plan.next_cycle(true);
            assert!(c.iter().any(|f| f.commands.contains(&stats_command())));
            assert!(
                !c[0].commands.contains(&stats_command()),
                "never with the fast fields"
            );
        }
    }

    #[test]
    fn a_20_byte_report_splits_every_poll() {
        let mut plan = PollPlan::new(20);
        assert!(plan.frames().all(|f| f.fits(20)));
        assert!(!plan.reads_stats(), "the statistics do not fit 20 bytes");
        let cycle = plan.next_cycle(true);
        let asked: Vec<CommandKey> = cycle
            .iter()
            .flat_map(|f| f.commands.iter().map(key))
            .collect();
        for c in fast_wrapped().iter().chain(&fast_top()) {
            assert!(asked.contains(&key(c)), "{} in every poll", c.name());
        }
    }

    #[test]
    fn a_dropped_command_leaves_every_frame() {
        let mut plan = PollPlan::new(120);
        let stats = key(&stats_command());
        assert!(plan.drop_command(stats));
        assert!(!plan.drop_command(stats), "once");
        assert!(!plan.reads_stats());
        assert!(
            plan.frames()
                .all(|f| !f.commands.contains(&stats_command()))
        );
        let cadence = key(&GetCadence {}.into());
        plan.drop_command(cadence);
        assert!(
            plan.frames()
                .all(|f| f.commands.iter().all(|c| key(c) != cadence))
        );
        assert_eq!(plan.next_cycle(true).len(), 1);
    }
}
