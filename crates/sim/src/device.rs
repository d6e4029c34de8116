//! The simulated USB HID device: reports in, reports out, on the virtual
//! clock (csafe.md §1.2, §1.3, §6). Everything on the wire goes through the
//! codec: `FrameDecoder` takes requests apart, `ReplyBuilder` builds replies.

use std::collections::VecDeque;

use erglink_csafe::frame::{ADDR_PM, encode_frame};
use erglink_csafe::{DecodeEvent, FrameDecoder, FrameKind, PrevFrameStatus};

use crate::answer::answer_frame;
use crate::config::{BadFrame, Pacing, SimConfig};
use crate::descriptor::report_descriptor;
use crate::error::SimError;
use crate::faults::{Injector, carries_any};
use crate::identity::Identity;
use crate::pm::Pm;
use crate::rng::{Rng, stream};
use crate::timing::{BusLimit, Timing, bus_limit};
use crate::truth::{GroundTruth, Sample};

/// Broadcast address of extended frames.
const ADDR_BROADCAST: u8 = 0xFF;

#[derive(Clone, Debug)]
struct Pending {
    sent_ns: u64,
    arrives_ns: u64,
    report: Vec<u8>,
}

/// A simulated PM3/PM4/PM5 on a virtual clock (ns from power-on).
///
/// ```
/// use erglink_sim::{SimConfig, Simulator};
///
/// let mut sim = Simulator::new(SimConfig::parse("pm5", "workout=2000m").unwrap());
/// let mut report = vec![0u8; 121];
/// report[0] = 2;
/// report[1..5].copy_from_slice(&[0xF1, 0x80, 0x80, 0xF2]); // GETSTATUS
/// sim.write_report(0, &report).unwrap();
/// let (at, reply) = sim.read_report(1_000_000_000).unwrap();
/// assert_eq!(at, sim.bus_limit(2).exchange_ns);
/// assert_eq!(&reply[..5], &[0x02, 0xF1, 0x81, 0x81, 0xF2]); // toggle 1, Ready
/// ```
pub struct Simulator {
    cfg: SimConfig,
    pm: Pm,
    faults: Injector,
    /// Draws the processing time of each frame (`proc=MIN-MAX`).
    processing: Rng,
    decoder: FrameDecoder,
    queue: VecDeque<Pending>,
    last_arrival: u64,
    /// The last report sent per id: what stale bytes come from.
    sent: Vec<(u8, Vec<u8>)>,
    scratch: Vec<u8>,
    /// A `hang_on:HEX` frame arrived: nothing is answered until the host
    /// opens the device again ([`Simulator::reopened`]).
    hung: bool,
}

impl Simulator {
    /// A monitor at power-on.
    pub fn new(mut cfg: SimConfig) -> Simulator {
        if cfg.quirks.proc_varies() {
            // The bus limit is the fastest exchange: at the least processing.
            cfg.timing.processing_ns = cfg.quirks.proc_min_ns;
        }
        let identity = Identity::new(&cfg);
        let pm = Pm::new(&cfg, identity);
        Simulator {
            faults: Injector::new(cfg.faults.clone(), cfg.seed),
            processing: Rng::stream(cfg.seed, stream::PROCESSING),
            decoder: FrameDecoder::new(usize::MAX / 2),
            pm,
            cfg,
            queue: VecDeque::new(),
            last_arrival: 0,
            sent: Vec::new(),
            scratch: Vec::with_capacity(128),
            hung: false,
        }
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// The host opened the device anew (a new handle): a `hang_on:` hang ends,
    /// as a real monitor's firmware would restart its USB side.
    pub fn reopened(&mut self) {
        self.hung = false;
    }

    /// Whether a `hang_on:` frame has silenced the monitor until it is reopened.
    pub fn hung(&self) -> bool {
        self.hung
    }

    /// USB identity, versions, serial and report sizes.
    pub fn identity(&self) -> &Identity {
        &self.pm.identity
    }

    /// How the transport should keep virtual time.
    pub fn pacing(&self) -> Pacing {
        self.cfg.pacing
    }

    /// Whether the device is attached at `now_ns` (false during an unplug).
    pub fn attached(&self, now_ns: u64) -> bool {
        !self.faults.unplugged(now_ns)
    }

    /// The bus limit of a request/reply pair in `report_id` (an id the
    /// monitor does not have is costed as report 2), at the least processing
    /// time `proc=` allows: the fastest any exchange can go, the figure to
    /// compare an achieved rate with. `slow_end=` windows are not counted.
    pub fn bus_limit(&self, report_id: u8) -> BusLimit {
        let len = self.pm.identity.report_size(report_id).unwrap_or(120);
        bus_limit(&self.cfg.timing, len)
    }

    /// Intervals, packet size and the least processing time (`proc=MIN`):
    /// [`bus_limit`] of any report length with it is the fastest exchange.
    pub fn timing(&self) -> Timing {
        self.cfg.timing
    }

    /// The HID report descriptor the device offers (`descriptor=`).
    pub fn report_descriptor(&self) -> Vec<u8> {
        report_descriptor(self.cfg.model, self.cfg.quirks.descriptor)
    }

    /// Everything the simulated PM holds.
    pub fn ground_truth(&self) -> &GroundTruth {
        &self.pm.truth
    }

    /// What the PM shows at `now_ns` (moves the model on to `now_ns`).
    pub fn display(&mut self, now_ns: u64) -> Sample {
        self.pm.advance(now_ns);
        self.pm.display(now_ns.max(self.pm.now()))
    }

    /// Moves the rower and the PM on to `now_ns` without any exchange.
    pub fn advance(&mut self, now_ns: u64) {
        self.pm.advance(now_ns);
    }

    /// The host writes one output report (report id first, padded to the
    /// report's size) at `now_ns`.
    pub fn write_report(&mut self, now_ns: u64, report: &[u8]) -> Result<(), SimError> {
        if !self.attached(now_ns) {
            return Err(SimError::Unplugged);
        }
        let (&id, _) = report.split_first().ok_or(SimError::EmptyReport)?;
        let size = self
            .pm
            .identity
            .report_size(id)
            .ok_or_else(|| SimError::UnknownReport {
                id,
                known: self
                    .pm
                    .identity
                    .report_sizes
                    .iter()
                    .map(|(id, len)| format!("{id} ({len} B)"))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if report.len() != size + 1 {
            return Err(SimError::ReportLength {
                id,
                expected: size + 1,
                got: report.len(),
            });
        }
        if self.faults.drop_out() {
            return Ok(());
        }
        let mut request = report.to_vec();
        let used = request.iter().rposition(|&b| b != 0).unwrap_or(0);
        self.faults.corrupt_out(&mut request[1..=used.max(1)]);

        let timing = self.cfg.timing;
        let processing_ns = self.processing_ns(now_ns + timing.out_ns(size));
        // A host clock that steps back never makes the PM's go back.
        let t = (now_ns + timing.out_ns(size) + processing_ns).max(self.pm.now());
        self.pm.advance(t);
        let Some((kind, contents)) = self.reply_contents(t, &request) else {
            return Ok(());
        };
        self.scratch.clear();
        self.scratch.extend_from_slice(&contents);
        if self.faults.toggle_glitch() {
            self.scratch[0] ^= 0x80;
        }
        let mut frame = Vec::with_capacity(self.scratch.len() + 8);
        encode_frame(kind, &self.scratch, usize::MAX, &mut frame).expect("no size limit");

        let mut out = match self.sent.iter().find(|(rid, _)| *rid == id) {
            Some((_, prev)) if self.faults.stale() => prev.clone(),
            _ => vec![0; size + 1],
        };
        out[0] = id;
        // A reply that does not fit is cut at the report's end: no stop flag.
        let n = frame.len().min(size);
        out[1..=n].copy_from_slice(&frame[..n]);
        match self.sent.iter_mut().find(|(rid, _)| *rid == id) {
            Some((_, prev)) => prev.clone_from(&out),
            None => self.sent.push((id, out.clone())),
        }
        self.faults.corrupt_in(&mut out[1..=n]);
        if self.faults.drop_in() {
            return Ok(());
        }
        let exchange_ns = timing.out_ns(size) + processing_ns + timing.in_ns(size);
        let arrives = (now_ns + exchange_ns + self.faults.delay_ns())
            .max(self.last_arrival + timing.in_ns(size));
        self.last_arrival = arrives;
        self.queue.push_back(Pending {
            sent_ns: now_ns,
            arrives_ns: arrives,
            report: out,
        });
        Ok(())
    }

    /// How long the PM takes over a frame it holds from `held_ns`: drawn
    /// from `proc=MIN-MAX` (seeded, its own stream), else fixed; `slow_end=`
    /// instead while the PM logs a workout that just ended.
    fn processing_ns(&mut self, held_ns: u64) -> u64 {
        let q = &self.cfg.quirks;
        let mut ns = if q.proc_varies() {
            q.proc_min_ns + self.processing.below(q.proc_max_ns - q.proc_min_ns + 1)
        } else {
            self.cfg.timing.processing_ns
        };
        if q.slow_end_ns > 0 {
            self.pm.advance(held_ns);
            if self.pm.truth.logging_at(held_ns.max(self.pm.now())) {
                ns = q.slow_end_ns;
            }
        }
        ns
    }

    /// The reply's frame kind and unstuffed contents, or `None` for silence.
    fn reply_contents(&mut self, t: u64, request: &[u8]) -> Option<(FrameKind, Vec<u8>)> {
        // Each report stands alone: a frame cut short in one is never
        // completed by the next.
        self.decoder.reset();
        let mut got: Option<Result<(FrameKind, Vec<u8>), ()>> = None;
        self.decoder.feed_report(request, |ev| {
            if got.is_none() {
                got = Some(match ev {
                    DecodeEvent::Frame(f) => Ok((f.kind, f.contents.to_vec())),
                    DecodeEvent::Error(_) => Err(()),
                });
            }
        });
        if got.is_none() && self.decoder.in_frame() {
            got = Some(Err(()));
        }
        if self.hung {
            return None;
        }
        match got? {
            Ok((kind, contents)) => {
                if carries_any(&contents, &self.cfg.faults.hang_on) {
                    // The frame that hangs it gets no answer either.
                    self.hung = true;
                    return None;
                }
                if let FrameKind::Extended { dest, .. } = kind
                    && dest != ADDR_PM
                    && dest != ADDR_BROADCAST
                {
                    return None;
                }
                let b = answer_frame(&mut self.pm, t, &contents)?;
                let mut b = b;
                Some((kind.reply_kind(), b.contents().to_vec()))
            }
            Err(()) => match self.cfg.badframe {
                BadFrame::Silent => None,
                BadFrame::Answer => {
                    let status = self.pm.csafe.status(PrevFrameStatus::Bad, false);
                    Some((FrameKind::Standard, vec![status.0]))
                }
            },
        }
    }

    /// The next input report, if it arrives at or before `deadline_ns`:
    /// (virtual arrival time, report bytes with the id first and the full
    /// report length).
    pub fn read_report(&mut self, deadline_ns: u64) -> Option<(u64, Vec<u8>)> {
        while let Some(front) = self.queue.front() {
            if front.arrives_ns > deadline_ns {
                return None;
            }
            let p = self.queue.pop_front().expect("front exists");
            if self.faults.lost(p.sent_ns, p.arrives_ns) {
                continue;
            }
            return Some((p.arrives_ns, p.report));
        }
        None
    }
}
