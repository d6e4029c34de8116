//! One monitor's recording loop. Blocking: it runs on its own thread (a
//! tokio blocking task), one exchange in flight, the next poll sent as soon as
//! the reply is in; before a session, about two polls a second.

use std::sync::atomic::{AtomicBool, Ordering};

use erglink_csafe::WorkoutState;
use erglink_model::Machine;
use erglink_pm::policy::largest_usable_report;
use erglink_pm::{Exchange, Identity, Monitor};
use erglink_store::Writer;
use erglink_transport::Transport;

use crate::adapt::Adaptations;
use crate::curve::Draining;
use crate::cycle::{Polled, extras_due, poll};
use crate::error::RecorderError;
use crate::lifecycle::{Active, end_drain, lost_block};
use crate::link::Link;
use crate::live::{Live, LiveLine};
use crate::machine::MachineSource;
use crate::pace::PaceScaler;
use crate::plan::{Extras, PollPlan};
use crate::reading::Reading;
use crate::reconnect::Reconnect;
use crate::splits::SplitChecker;
use crate::strokes::{Edge, EdgeDetector};
use crate::timeout::{MAX_TIMEOUT_NS, TimeoutTuner};

pub use crate::options::{Options, Reopen, SessionSummary, Until};

/// Time between polls while no session is being recorded: about two a second.
pub const IDLE_POLL_NS: u64 = 500_000_000;
/// Idle polls between two questions about the workout the PM holds.
const IDLE_ASK_EVERY: u32 = 2;
/// How long a session outlives its workout for a drive still in progress
/// (the finish line came mid-drive): its curve is the PM's last.
const LAST_DRIVE_GRACE_NS: u64 = 2_000_000_000;
/// How long after its drive the last stroke's statistics are waited for: a
/// PM that publishes them a stroke late does so once the recovery is over.
const LAST_STATS_GRACE_NS: u64 = 3_000_000_000;

/// Records one monitor.
pub struct MonitorRecorder<T> {
    pub(crate) link: Link<T>,
    pub(crate) reconnect: Reconnect<T>,
    pub(crate) plan: PollPlan,
    pub(crate) options: Options,
    live: Live,
    pub(crate) identity: Option<Identity>,
    pub(crate) machine: Machine,
    pub(crate) machine_source: MachineSource,
    edges: EdgeDetector,
    pub(crate) pace: PaceScaler,
    pub(crate) splits: SplitChecker,
    pub(crate) timeout: TimeoutTuner,
    pub(crate) adaptations: Adaptations,
    pub(crate) last_report: u8,
    pub(crate) last_session_start: Option<u64>,
    drain_report: Option<u8>,
    pub(crate) kept: Vec<Exchange>,
    last_rate: Option<u8>,
    /// The workout the PM holds (type, target), asked between sessions.
    pub(crate) workout_info: (Option<u8>, Option<erglink_model::WorkoutDuration>),
    /// When the last reply arrived, for the live events it brings.
    pub(crate) replied_at: Option<std::time::Instant>,
}

pub(crate) fn workout_over(state: u8) -> bool {
    [
        WorkoutState::WorkoutEnd,
        WorkoutState::Terminate,
        WorkoutState::WorkoutLogged,
    ]
    .iter()
    .any(|s| s.to_u8() == state)
}

fn not_rowing_yet(state: u8) -> bool {
    state == WorkoutState::WaitToBegin.to_u8()
        || workout_over(state)
        || state == WorkoutState::Rearm.to_u8()
}

/// The report a drain must be forced into, when the one the driver would
/// pick for it cannot hold a force-plot reply (a PM5 without report 2).
fn drain_report<T: Transport>(monitor: &Monitor<T>, plan: &PollPlan) -> Option<u8> {
    let sizes = monitor.transport().report_sizes();
    let auto = largest_usable_report(sizes)?;
    if plan.drain.fits_in_practice(auto.1) {
        return None;
    }
    sizes
        .entries()
        .iter()
        .filter(|e| plan.drain.fits_in_practice(e.1))
        .min_by_key(|e| e.1)
        .map(|e| e.0)
}

impl<T: Transport> MonitorRecorder<T> {
    /// A recorder for `monitor`; `live` gets its status line.
    pub fn new(monitor: Monitor<T>, options: Options, live: Live) -> Self {
        let sizes = monitor.transport().report_sizes();
        let report_bytes = largest_usable_report(sizes).map_or(120, |r| r.1);
        let plan = PollPlan::new(report_bytes);
        let drain_report = drain_report(&monitor, &plan);
        Self {
            link: Link::new(monitor),
            reconnect: Reconnect::new(None),
            plan,
            options,
            live,
            identity: None,
            machine: Machine::RowErg,
            machine_source: MachineSource::Assumed,
            edges: EdgeDetector::default(),
            pace: PaceScaler::default(),
            splits: SplitChecker::default(),
            timeout: TimeoutTuner::default(),
            adaptations: Adaptations::default(),
            last_report: 2,
            last_session_start: None,
            drain_report,
            kept: Vec::new(),
            last_rate: None,
            workout_info: (None, None),
            replied_at: None,
        }
    }

    /// How to reopen the device after a transport error (re-enumerating by
    /// serial): needed for backends whose handle dies with an unplug.
    pub fn with_reopen(mut self, reopen: Reopen<T>) -> Self {
        self.reconnect = Reconnect::new(Some(reopen));
        self
    }

    /// The driver (its transport, its counters).
    pub fn monitor(&self) -> &Monitor<T> {
        self.link.monitor()
    }

    /// Transport time at which the last session began (tests align the
    /// recording with the simulator's ground truth with it).
    pub fn session_start_ns(&self) -> Option<u64> {
        self.last_session_start
    }

    /// What the recorder adapted to this monitor so far.
    pub fn adaptations(&self) -> &[erglink_model::Adaptation] {
        self.adaptations.all()
    }

    /// The monitor's name for status lines: its serial, or its path.
    pub(crate) fn name(&self) -> String {
        let info = self.link.monitor().transport().info();
        info.serial.clone().unwrap_or_else(|| info.path.clone())
    }

    pub(crate) fn now_ns(&self) -> u64 {
        self.link.monitor().now_ns()
    }

    pub(crate) fn update_live(&self, f: impl FnOnce(&mut LiveLine)) {
        let name = self.name();
        let mut map = self.live.lock().unwrap_or_else(|p| p.into_inner());
        let line = map.entry(name.clone()).or_insert_with(|| LiveLine {
            name,
            ..LiveLine::default()
        });
        f(line);
    }

    pub(crate) fn out_of_time(&self, started: u64) -> bool {
        matches!(self.options.until, Until::Duration(d) if self.now_ns().saturating_sub(started) >= d)
    }

    /// Records until the options or `stop` say so. Returns the sessions recorded.
    pub fn run(
        &mut self,
        writer: &Writer,
        stop: &AtomicBool,
    ) -> Result<Vec<SessionSummary>, RecorderError> {
        let started = self.now_ns();
        if !self.identify(stop, started)? {
            return Ok(Vec::new());
        }
        let mut done = Vec::new();
        let mut active: Option<Active> = None;
        let mut last_poll_ns: Option<u64> = None;
        let mut idle_polls: u32 = 0;
        while !stop.load(Ordering::Relaxed) && !self.out_of_time(started) {
            let finishing = active.as_ref().is_some_and(|a| a.finished_at.is_some());
            self.tune_timeout(finishing);
            self.apply_given_up(active.as_mut());
            if self.link.probing() {
                let plan = &self.plan;
                if let Err(e) = self.link.probe_step(|c| plan.in_plain_polls(c)) {
                    self.transport_failed(&e, active.as_mut(), stop);
                    continue;
                }
                self.apply_given_up(active.as_mut());
            }
            if active.is_none() {
                // Nothing to record: poll about twice a second, on the transport's clock.
                if let Some(last) = last_poll_ns {
                    let wake = last + IDLE_POLL_NS;
                    let now = self.now_ns();
                    if wake > now {
                        self.link.monitor_mut().transport_mut().sleep_ns(wake - now);
                    }
                }
                last_poll_ns = Some(self.now_ns());
            }
            let polled = self.poll_once(active.as_mut());
            if polled.received_ns.is_some() && self.options.live_events.is_some() {
                self.replied_at = Some(std::time::Instant::now());
            }
            if let Some(e) = &polled.failed {
                let e = e.clone();
                self.transport_failed(&e, active.as_mut(), stop);
            } else {
                self.reconnect.succeeded();
            }
            let Some(t) = polled.received_ns else {
                if polled.force_lost
                    && let Some(a) = active.as_mut()
                {
                    lost_block(a);
                }
                continue;
            };
            if let Some(finished) = self.take_poll(writer, &mut active, polled, t, stop)? {
                done.push(finished);
                if self.options.until == Until::Finished {
                    break;
                }
                last_poll_ns = Some(self.now_ns());
            }
            if active.is_none() && !self.link.probing() {
                // Between sessions, in the idle wait after a poll: a question
                // about the workout now and then, never delaying the poll
                // that sees the first stroke by more than one exchange.
                if idle_polls.is_multiple_of(IDLE_ASK_EVERY) {
                    self.refresh_workout_info(idle_polls / IDLE_ASK_EVERY);
                }
                idle_polls = idle_polls.wrapping_add(1);
            }
        }
        if let Some(a) = active.take() {
            let t = self.now_ns();
            done.push(self.finish(writer, a, t, false)?);
        }
        Ok(done)
    }

    /// One poll: a read of the curve being drained, or the plan's next cycle
    /// with the extras due.
    fn poll_once(&mut self, active: Option<&mut Active>) -> Polled {
        let keep = self.options.raw_log.then_some(&mut self.kept);
        if active.as_ref().is_some_and(|a| a.draining.is_some()) {
            let (frame, forced) = match &self.plan.drain_poll {
                Some(f) => (f, None),
                None => (&self.plan.drain, self.drain_report),
            };
            let saved = self.link.monitor().settings().clone();
            let settings = self.link.monitor_mut().settings_mut();
            if forced.is_some() {
                settings.forced_report = forced;
            }
            // A drain is never resent, and its block is gone if its reply
            // comes late: it is worth the longest wait.
            settings.timeout_ns = MAX_TIMEOUT_NS;
            let polled = poll(&mut self.link, std::slice::from_ref(frame), keep);
            *self.link.monitor_mut().settings_mut() = saved;
            return polled;
        }
        let now = self.link.monitor().now_ns();
        let extras = match active {
            // While suspects are asked alone, the polls must be frames the PM accepts.
            Some(_) if self.link.probing() => Extras::default(),
            Some(a) => extras_due(&self.plan, a, now, self.options.split_poll_ns),
            None => Extras::default(),
        };
        poll(&mut self.link, self.plan.next_cycle(extras), keep)
    }

    /// Folds one poll into the session (beginning one if rowing started).
    /// Returns the session it finished, if any.
    fn take_poll(
        &mut self,
        writer: &Writer,
        active: &mut Option<Active>,
        polled: Polled,
        t: u64,
        stop: &AtomicBool,
    ) -> Result<Option<SessionSummary>, RecorderError> {
        let mut r = polled.reading;
        // A poll is a sample when it read the stroke state; a plain
        // force-plot read is not.
        let is_sample = r.stroke_state.is_some();
        if is_sample {
            // A drain that polls does not read the stroke rate: it changes only
            // when a drive ends, and the poll that saw the drive end read it.
            match r.rate_spm {
                Some(rate) => self.last_rate = Some(rate),
                None => r.rate_spm = self.last_rate,
            }
            self.settle_pace(&mut r);
            self.last_report = polled.report_id;
            self.show(&r, active.as_ref());
        }
        let edge = r.stroke_state.and_then(|s| self.edges.observe(s));
        let catch = matches!(edge, Some(Edge::DriveStart | Edge::WholeDrive));
        let finish = matches!(edge, Some(Edge::DriveEnd | Edge::WholeDrive));
        if active.is_none() {
            let rowing = r.workout_state.is_some_and(|s| !not_rowing_yet(s)) || catch;
            if !rowing || !is_sample {
                self.kept.clear();
                return Ok(None);
            }
            *active = Some(self.begin(writer, t, &r)?);
        }
        let a = active.as_mut().expect("just begun");
        for ex in self.kept.drain(..) {
            a.rec
                .log_exchange(crate::lifecycle::raw(&ex, a.rec.start_ns));
        }
        if is_sample {
            a.sampled(t, polled.exchanges);
            a.rec.sample(t, &r);
            if let Some(ws) = r.workout_state {
                a.rec.workout_state(t, ws, &r);
            }
        }
        if catch {
            a.rec.drive_start(t);
        }
        if finish {
            if let Some(cut) = a.draining.take() {
                // The next drive ended before this curve was read out: the
                // PM's buffer holds the new one now.
                end_drain(a, cut, true);
            }
            a.draining = a.rec.drive_end(t).map(Draining::new);
            a.last_drive_end_ns = Some(t);
        }
        if let Some(d) = a.draining.as_mut()
            && (polled.force.is_some() || polled.force_lost)
        {
            let block = polled.force.as_ref().map(|b| (b.count, b.samples()));
            if d.read(block) {
                let d = a.draining.take().expect("draining");
                end_drain(a, d, false);
            }
        }
        if let Some(s) = &polled.stats {
            a.rec.stroke_stats(s);
        }
        if let Some((time, dist)) = polled.split {
            self.take_split(a, t, time, dist);
        }
        self.publish_live(a);
        if let Some(b) = a.rec.due_batch(t) {
            writer.send(&a.rec.id, b)?;
        }
        if r.workout_state.is_some_and(workout_over) && a.finished_at.is_none() {
            a.finished_at = Some(t);
            // A PM may be slow while it logs the workout: the last curve and
            // the last split are worth the longest wait.
            self.link.monitor_mut().settings_mut().timeout_ns = MAX_TIMEOUT_NS;
            self.link.set_patient(true);
        }
        let finished = a.finished_at.is_some();
        let idle = !a.rec.resting()
            && t.saturating_sub(a.rec.last_catch_ns) >= self.options.idle_timeout_ns;
        // The finish line may come mid-drive: that drive's curve is the PM's
        // last. A drain under way ends by itself, within ten reads. The last
        // stroke's statistics may come as late as the end of its recovery.
        let last_drive_open = a
            .finished_at
            .is_some_and(|f| self.edges.driving() && t.saturating_sub(f) < LAST_DRIVE_GRACE_NS);
        let last_stats_due = self.plan.reads_stats()
            && a.rec.wants_stats()
            && a.last_drive_end_ns
                .is_some_and(|e| t.saturating_sub(e) < LAST_STATS_GRACE_NS);
        if !(finished || idle) || last_drive_open || last_stats_due || a.draining.is_some() {
            return Ok(None);
        }
        if finished && self.plan.reads_splits() {
            // The last split ends with the workout: read it before closing.
            self.read_splits(a, stop);
        }
        let a = active.take().expect("recording");
        Ok(Some(self.finish(writer, a, t, finished)?))
    }

    fn show(&self, r: &Reading, active: Option<&Active>) {
        let hz = active.map_or(0.0, |a| {
            let secs = self.now_ns().saturating_sub(a.rec.start_ns) as f64 / 1e9;
            if secs > 0.0 {
                a.rec.samples as f64 / secs
            } else {
                0.0
            }
        });
        self.update_live(|l| {
            l.state = if active.is_some() {
                "recording"
            } else {
                "waiting"
            };
            l.pace_cs = r.pace();
            l.spm = r.rate_spm.unwrap_or(0);
            l.watts = r.power_w.unwrap_or(0);
            if let Some(h) = r.hr_bpm {
                l.hr = Some(h);
            }
            l.distance_dm = r.distance_dm.unwrap_or(0);
            l.hz = hz;
        });
    }
}
