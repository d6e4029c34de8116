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
//! whole), and so do the split figures. The force curve is drained after
//! each drive in polls that carry a force-plot block with the fields that
//! change within a stroke, so that draining never stops the sampling nor
//! hides a stroke; a report too small for that drains in plain reads.
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
/// limit, and each slow field is still read about once a second (a 62-byte
/// report goes at 71 polls a second).
pub const SLOW_EVERY: usize = 32;

/// A command by where it lives.
pub type CommandKey = (Wrapper, u8);

/// The key of a command.
pub fn key(cmd: &AnyCommand) -> CommandKey {
    (cmd.wrapper(), cmd.id())
}

/// What a poll may carry besides its fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extras {
    /// The stroke statistics.
    pub stats: bool,
    /// The split figures.
    pub splits: bool,
}

impl Extras {
    fn index(self) -> usize {
        usize::from(self.stats) | usize::from(self.splits) << 1
    }
}

/// One poll: the frames it takes with each combination of extras.
#[derive(Clone, Debug)]
struct Cycle {
    variants: [Vec<Frame>; 4],
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
    /// Whether the statistics ride in the polls' own frames.
    stats_ride: bool,
    /// Whether the split figures ride in the polls' own frames.
    splits_ride: bool,
    /// Whether both ride together.
    both_ride: bool,
    /// The force-plot read.
    pub drain: Frame,
    /// The force-plot read with the fields a sample needs but the stroke
    /// rate (which changes only when a drive ends, so the last one stands):
    /// a drain that polls, when it fits the report.
    pub drain_poll: Option<Frame>,
    /// The split figures in a frame of their own (the `7F` set, which a real
    /// PM may keep behind authentication), for the read at a workout's end.
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

fn split_commands() -> Vec<AnyCommand> {
    vec![
        PmGetLastSplitTime {}.into(),
        PmGetLastSplitDistance {}.into(),
    ]
}

/// `frames` with `extra` in the last frame when it fits there, else in
/// frames of their own. Whether it rode in the last frame.
fn with_extra(
    mut frames: Vec<Frame>,
    extra: &[AnyCommand],
    report_bytes: usize,
) -> (Vec<Frame>, bool) {
    if extra.is_empty() {
        return (frames, true);
    }
    let joined = frames.last().and_then(|last| {
        let mut cmds = last.commands.clone();
        cmds.extend(extra.iter().cloned());
        Frame::new(cmds).filter(|f| f.fits(report_bytes))
    });
    match joined {
        Some(f) => {
            *frames.last_mut().expect("joined to it") = f;
            (frames, true)
        }
        None => {
            frames.extend(pack(extra, report_bytes));
            (frames, false)
        }
    }
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
        let stats_readable = pack(&stats, report_bytes).len() == 1;
        let stats = if stats_readable { stats } else { Vec::new() };
        let mut splits = keep(split_commands());
        if splits.len() < 2 {
            // Either figure alone says nothing.
            splits.clear();
        }
        let splits_frame = pack(&splits, report_bytes).into_iter().next();
        if splits_frame.as_ref().is_none_or(|f| f.commands.len() < 2) {
            splits.clear();
        }
        let mut stats_ride = true;
        let mut splits_ride = true;
        let mut both_ride = true;
        let mut cycle = |frames: Vec<Frame>| {
            let (with_stats, rode) = with_extra(frames.clone(), &stats, report_bytes);
            stats_ride &= rode;
            let (with_splits, rode) = with_extra(frames.clone(), &splits, report_bytes);
            splits_ride &= rode;
            let (both, _) = with_extra(with_stats.clone(), &splits, report_bytes);
            both_ride &= both.len() == frames.len();
            Cycle {
                variants: [frames, with_stats, with_splits, both],
            }
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
            let alone = match fast_alone {
                Some(i) => i,
                None => {
                    cycles.push(cycle(fast_frames.clone()));
                    fast_alone = Some(cycles.len() - 1);
                    cycles.len() - 1
                }
            };
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
        let drain_poll = {
            let mut cmds = keep(fast_wrapped());
            cmds.extend(drain.commands.iter().cloned());
            cmds.extend(keep(vec![GetPace {}.into(), GetPower {}.into()]));
            Frame::new(cmds).filter(|f| f.fits(report_bytes))
        };
        Self {
            report_bytes,
            dropped,
            cycles,
            order,
            next: 0,
            stats_readable,
            stats_ride,
            splits_ride,
            both_ride,
            drain,
            drain_poll,
            splits: splits_frame.filter(|_| !splits.is_empty()),
        }
    }

    /// The next poll in the rotation: its frames, with the extras asked for
    /// (those the PM gives).
    pub fn next_cycle(&mut self, extras: Extras) -> &[Frame] {
        if self.order.is_empty() {
            return &[];
        }
        let i = self.order[self.next];
        self.next = (self.next + 1) % self.order.len();
        &self.cycles[i].variants[extras.index()]
    }

    /// Every distinct poll frame, extras included (for report and size checks).
    pub fn frames(&self) -> impl Iterator<Item = &Frame> {
        self.cycles.iter().flat_map(|c| c.variants.iter().flatten())
    }

    /// Polls in one turn of the rotation.
    pub fn rotation_len(&self) -> usize {
        self.order.len()
    }

    /// Whether stroke statistics are asked at all (not dropped, and they fit).
    pub fn reads_stats(&self) -> bool {
        self.stats_readable
    }

    /// Whether the statistics ride in the polls' frames, at no cost; else
    /// each read takes an exchange of its own.
    pub fn stats_ride(&self) -> bool {
        self.stats_ride
    }

    /// Whether split figures are asked at all.
    pub fn reads_splits(&self) -> bool {
        self.splits.is_some()
    }

    /// Whether the split figures ride in the polls' frames.
    pub fn splits_ride(&self) -> bool {
        self.splits_ride
    }

    /// Whether statistics and split figures ride together in the polls' frames.
    pub fn both_ride(&self) -> bool {
        self.both_ride
    }

    /// Whether `cmd` rides in the plain polls (or the drain that polls).
    pub fn in_plain_polls(&self, cmd: &AnyCommand) -> bool {
        let k = key(cmd);
        self.cycles
            .iter()
            .flat_map(|c| &c.variants[0])
            .chain(&self.drain_poll)
            .any(|f| f.commands.iter().any(|c| key(c) == k))
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
        let polls = plan.next_cycle(Extras::default()).to_vec();
        assert_eq!(polls.len(), 1);
        let mut wire = Vec::new();
        encode_request(&polls[0].commands, &EncodeOptions::default(), &mut wire).unwrap();
        assert_eq!(wire.iter().filter(|&&b| b == 0x1A).count(), 1);
        // The statistics ride in the poll's frame, never with the force plot;
        // so do the splits, but not both at once.
        let with = plan.next_cycle(Extras {
            stats: true,
            splits: false,
        });
        assert_eq!(with.len(), 1);
        assert!(with[0].commands.contains(&stats_command()));
        let with = plan.next_cycle(Extras {
            stats: false,
            splits: true,
        });
        assert_eq!(with.len(), 1);
        assert!(with[0].commands.contains(&split_commands()[0]));
        assert!(plan.stats_ride() && plan.splits_ride() && !plan.both_ride());
        assert!(!plan.drain.commands.contains(&stats_command()));
        let drain_poll = plan
            .drain_poll
            .as_ref()
            .expect("a drain that polls fits report 2");
        assert!(drain_poll.fits(120) && drain_poll.drains());
        assert!(!drain_poll.commands.contains(&stats_command()));
    }

    #[test]
    fn a_62_byte_report_polls_the_fast_fields_alone() {
        let mut plan = PollPlan::new(62);
        assert_eq!(plan.rotation_len(), 4 * SLOW_EVERY);
        let lens: Vec<usize> = (0..plan.rotation_len())
            .map(|_| plan.next_cycle(Extras::default()).len())
            .collect();
        assert_eq!(
            lens.iter().filter(|&&n| n == 1).count(),
            4 * (SLOW_EVERY - 1)
        );
        assert!(plan.frames().all(|f| f.fits(62)));
        assert!(plan.drain.fits_in_practice(62));
        assert!(plan.drain_poll.is_none());
        assert!(plan.reads_stats());
        assert!(!plan.stats_ride());
        for _ in 0..plan.rotation_len() {
            let c = plan.next_cycle(Extras {
                stats: true,
                splits: false,
            });
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
        let cycle = plan.next_cycle(Extras {
            stats: true,
            splits: true,
        });
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
        assert_eq!(
            plan.next_cycle(Extras {
                stats: true,
                splits: false
            })
            .len(),
            1
        );
        plan.drop_command(key(&split_commands()[1]));
        assert!(!plan.reads_splits(), "a split time alone says nothing");
    }
}
