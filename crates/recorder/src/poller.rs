//! One monitor's recording loop. Blocking: it runs on its own thread (a
//! tokio blocking task), one exchange in flight, the next poll sent as soon as
//! the reply is in.

use std::sync::atomic::{AtomicBool, Ordering};

use erglink_csafe::command::{
    GetStatus, PmGetErgMachineType, PmGetForcePlotData, PmGetLastSplitDistance, PmGetLastSplitTime,
    PmGetStrokeStats, PmGetWorkoutDuration, PmGetWorkoutType, StrokeStats,
};
use erglink_csafe::{ErgMachineType, WorkoutState};
use erglink_model::{
    Direction, Exchange as RawExchange, Machine, MonitorInfo, NewSession, PmModel, ReportSize,
    SessionEnd, SessionState, Source, Tags, Telemetry, UtcNanos, Workout, WorkoutDuration,
};
use erglink_pm::{DriverError, Exchange, Identity, Monitor};
use erglink_store::{Batch, Writer};
use erglink_transport::{Backend, ErrorKind, Transport, TransportError};

use crate::curve::CurveDrain;
use crate::error::RecorderError;
use crate::live::{Live, LiveLine};
use crate::plan::{Frame, PollPlan};
use crate::reading::Reading;
use crate::session::Recording;
use crate::strokes::{Edge, EdgeDetector};
use crate::telemetry::TelemetryBase;

const MIN_TIMEOUT_NS: u64 = 100_000_000;
const MAX_TIMEOUT_NS: u64 = 1_000_000_000;

/// When recording stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// After the first workout that finishes (or goes idle).
    Finished,
    /// After this long on the transport's clock.
    Duration(u64),
    /// Until stopped.
    Stopped,
}

/// How a monitor is recorded.
#[derive(Clone, Debug)]
pub struct Options {
    /// When to stop.
    pub until: Until,
    /// A session with no stroke for this long ends (rests and pauses aside).
    pub idle_timeout_ns: u64,
    /// Tags for every session.
    pub tags: Tags,
    /// Keep every report in the session's exchange log.
    pub raw_log: bool,
    /// How often to read the split figures.
    pub split_poll_ns: u64,
    /// How often to look for a monitor that went away.
    pub reconnect_every_ns: u64,
    /// The machine of every monitor that cannot say which it sits on (PM3,
    /// PM4): `record --machine rower|skierg|bikeerg`.
    pub machine: Option<Machine>,
    /// The machine of one monitor, by serial: `record --machine SERIAL=MACHINE`.
    /// Takes precedence over `machine`.
    pub machine_by_serial: Vec<(String, Machine)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            until: Until::Stopped,
            idle_timeout_ns: 60_000_000_000,
            tags: Tags::default(),
            raw_log: false,
            split_poll_ns: 1_000_000_000,
            reconnect_every_ns: 1_000_000_000,
            machine: None,
            machine_by_serial: Vec::new(),
        }
    }
}

/// What one recorded session came to.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSummary {
    /// Its id.
    pub id: erglink_model::SessionId,
    /// Samples stored.
    pub samples: u64,
    /// Strokes stored.
    pub strokes: u64,
    /// Force curves stored, and of those whole.
    pub curves: (u64, u64),
    /// Transport time it lasted.
    pub duration_ns: u64,
    /// Samples per second achieved.
    pub achieved_hz: f64,
    /// The report its polls went in.
    pub report_id: u8,
    /// Whether the workout finished (rather than idle, --until or Ctrl-C).
    pub workout_finished: bool,
    /// Force-curve drains that lost a block (their curves are marked incomplete).
    pub drains_lost: u64,
}

/// Reopens a monitor that went away (real hardware: its handle is dead).
pub type Reopen<T> = Box<dyn FnMut() -> Result<T, TransportError> + Send>;

/// Records one monitor.
pub struct MonitorRecorder<T> {
    monitor: Monitor<T>,
    plan: PollPlan,
    options: Options,
    live: Live,
    reopen: Option<Reopen<T>>,
    identity: Option<Identity>,
    machine: Machine,
    edges: EdgeDetector,
    split_figures: bool,
    last_report: u8,
    last_session_start: Option<u64>,
}

fn machine_of(code: ErgMachineType) -> Machine {
    match code.to_u8() {
        128 | 143 | 225 => Machine::SkiErg,
        192..=194 | 207 | 226 => Machine::BikeErg,
        _ => Machine::RowErg,
    }
}

fn wall_clock() -> UtcNanos {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    UtcNanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn local_offset_s() -> i32 {
    chrono::Local::now().offset().local_minus_utc()
}

fn workout_over(state: u8) -> bool {
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

impl<T: Transport> MonitorRecorder<T> {
    /// A recorder for `monitor`; `live` gets its status line.
    pub fn new(monitor: Monitor<T>, options: Options, live: Live) -> Self {
        Self {
            monitor,
            plan: PollPlan::new(),
            options,
            live,
            reopen: None,
            identity: None,
            machine: Machine::RowErg,
            edges: EdgeDetector::default(),
            split_figures: true,
            last_report: 2,
            last_session_start: None,
        }
    }

    /// How to reopen the device after an unplug, for backends whose handle dies with it.
    pub fn with_reopen(mut self, reopen: Reopen<T>) -> Self {
        self.reopen = Some(reopen);
        self
    }

    /// The driver (its transport, its counters).
    pub fn monitor(&self) -> &Monitor<T> {
        &self.monitor
    }

    /// Transport time at which the last session began (tests align the
    /// recording with the simulator's ground truth with it).
    pub fn session_start_ns(&self) -> Option<u64> {
        self.last_session_start
    }

    /// The monitor's name for status lines: its serial, or its path.
    fn name(&self) -> String {
        name(&self.monitor)
    }

    fn source(&self) -> Source {
        match self.monitor.transport().info().backend {
            Backend::Hid | Backend::Usb => Source::Usb,
            Backend::Sim => Source::Sim,
            Backend::Replay => Source::Replay,
        }
    }

    fn monitor_info(&self, id: &Identity) -> MonitorInfo {
        MonitorInfo {
            serial: id.serial.clone().unwrap_or_default(),
            model: id
                .model
                .and_then(PmModel::from_code)
                .unwrap_or(PmModel::Pm5),
            firmware: id
                .firmware_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
            hardware: id
                .hardware_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
            report_sizes: id
                .report_sizes
                .entries()
                .iter()
                .map(|&(id, n)| ReportSize {
                    id,
                    bytes: (n + 1) as u16,
                })
                .collect(),
        }
    }

    fn update_live(&self, f: impl FnOnce(&mut LiveLine)) {
        let name = self.name();
        let mut map = self.live.lock().unwrap_or_else(|p| p.into_inner());
        let line = map.entry(name.clone()).or_insert_with(|| LiveLine {
            name,
            ..LiveLine::default()
        });
        f(line);
    }

    /// Records until the options or `stop` say so. Returns the sessions recorded.
    pub fn run(
        &mut self,
        writer: &Writer,
        stop: &AtomicBool,
    ) -> Result<Vec<SessionSummary>, RecorderError> {
        let started = self.monitor.now_ns();
        self.identify(stop)?;
        let mut done = Vec::new();
        let mut rec: Option<(Recording, TelemetryBase)> = None;
        let mut last_split_poll = 0;
        while !stop.load(Ordering::Relaxed) {
            if let Until::Duration(d) = self.options.until
                && self.monitor.now_ns().saturating_sub(started) >= d
            {
                break;
            }
            self.tune_timeout();
            let ex = match exchange(&mut self.monitor, self.plan.next_poll()) {
                Ok(Some(ex)) => ex,
                Ok(None) => continue,
                Err(Gone) => {
                    if let Some((r, _)) = rec.as_mut() {
                        r.gap_start();
                    }
                    if !self.wait_for_replug(stop) {
                        break;
                    }
                    continue;
                }
            };
            let t = ex.received_ns;
            let mut r = Reading::default();
            for reply in &ex.response.replies {
                if let Some(d) = reply.data() {
                    r.take(d);
                }
            }
            self.last_report = ex.report_id;
            self.show(&r, rec.as_ref().map(|x| &x.0));
            let edge = r.stroke_state.and_then(|s| self.edges.observe(s));
            if rec.is_none() {
                let rowing = r.workout_state.is_some_and(|s| !not_rowing_yet(s))
                    || edge == Some(Edge::DriveStart);
                if !rowing {
                    continue;
                }
                let base = TelemetryBase::new(self.monitor.stats());
                rec = Some((self.begin(writer, t, &r)?, base));
            }
            let (session, _) = rec.as_mut().expect("just begun");
            if self.options.raw_log {
                session.log_exchange(raw(&ex, session.start_ns));
            }
            session.sample(t, &r);
            if let Some(ws) = r.workout_state {
                session.workout_state(t, ws, &r);
            }
            match edge {
                Some(Edge::DriveStart) => session.drive_start(t),
                Some(Edge::DriveEnd) => {
                    let (stats, curves) = self.drain(session);
                    session.drive_end(t, stats, curves);
                }
                None => {}
            }
            if self.split_figures && t.saturating_sub(last_split_poll) >= self.options.split_poll_ns
            {
                last_split_poll = t;
                self.read_splits(session);
            }
            if let Some(b) = session.due_batch(t) {
                writer.send(&session.id, b)?;
            }
            let finished = r.workout_state.is_some_and(workout_over);
            let idle = !session.resting()
                && t.saturating_sub(session.last_catch_ns) >= self.options.idle_timeout_ns;
            if finished || idle {
                if finished && self.split_figures {
                    // The last split ends with the workout: read it before closing.
                    self.read_splits(session);
                }
                let (s, base) = rec.take().expect("recording");
                done.push(self.finish(writer, s, base, t, finished)?);
                if self.options.until == Until::Finished {
                    break;
                }
            }
        }
        if let Some((s, base)) = rec.take() {
            let t = self.monitor.now_ns();
            done.push(self.finish(writer, s, base, t, false)?);
        }
        Ok(done)
    }

    /// Shortens the reply timeout to what this monitor needs: a few times its
    /// slowest reply so far, between 100 ms and the driver's 1 s. A lost
    /// report then costs a fraction of a stroke, not a whole one.
    fn tune_timeout(&mut self) {
        let stats = self.monitor.stats();
        if stats.exchanges < 8 || !stats.exchanges.is_multiple_of(64) {
            return;
        }
        if let Some((_, _, max)) = stats.latency.summary() {
            let timeout = (3 * max).clamp(MIN_TIMEOUT_NS, MAX_TIMEOUT_NS);
            self.monitor.settings_mut().timeout_ns = timeout;
        }
    }

    /// Identifies the monitor, waiting for it if it is away.
    fn identify(&mut self, stop: &AtomicBool) -> Result<(), RecorderError> {
        loop {
            match self.monitor.identify() {
                Ok(id) => {
                    if let Ok(Ok(m)) = self.monitor.call(PmGetErgMachineType {}) {
                        self.machine = machine_of(m.machine_type);
                    }
                    self.identity = Some(id);
                    return Ok(());
                }
                Err(DriverError::Transport(e)) if e.kind == ErrorKind::Disconnected => {
                    if !self.wait_for_replug(stop) {
                        return Err(RecorderError::Stopped);
                    }
                }
                Err(e) => return Err(RecorderError::Driver(self.name(), e)),
            }
        }
    }

    /// Drains the force curve and reads the stroke's statistics.
    fn drain(&mut self, session: &mut Recording) -> (Option<StrokeStats>, Vec<(Vec<u16>, bool)>) {
        let mut drain = CurveDrain::default();
        let mut stats = None;
        // A curve is at most 144 samples: ten blocks of 16 is plenty.
        for i in 0..10 {
            let frame = if i == 0 {
                &self.plan.drain_first
            } else {
                &self.plan.drain_more
            };
            match self
                .monitor
                .exchange_with_shape(&frame.commands, &frame.shape)
            {
                Ok(Ok(ex)) => {
                    if self.options.raw_log {
                        session.log_exchange(raw(&ex, session.start_ns));
                    }
                    if let Some(s) = ex.response.get::<PmGetStrokeStats>() {
                        stats = Some(s.clone());
                    }
                    match ex.response.get::<PmGetForcePlotData>() {
                        Some(p) => {
                            if drain.add_block(p.samples.count, p.samples.samples()) {
                                break;
                            }
                        }
                        None => break,
                    }
                }
                Err(DriverError::LostDrain { .. }) => drain.lose_block(),
                Ok(Err(_)) | Err(_) => {
                    drain.lose_block();
                    break;
                }
            }
        }
        if drain.was_lost() {
            session.drains_lost += 1;
        }
        (stats, drain.finish())
    }

    /// Reads the last split's figures; a PM that refuses them is not asked again.
    fn read_splits(&mut self, session: &mut Recording) {
        let frame = &self.plan.splits;
        match self
            .monitor
            .exchange_with_shape(&frame.commands, &frame.shape)
        {
            Ok(Ok(ex)) => {
                let time = ex.response.get::<PmGetLastSplitTime>().map(|t| t.time);
                let dist = ex
                    .response
                    .get::<PmGetLastSplitDistance>()
                    .map(|d| d.distance);
                match (time, dist) {
                    (Some(t), Some(d)) => session.split_figures(ex.received_ns, t, d),
                    _ => self.split_figures = false,
                }
            }
            Ok(Err(_)) => {
                tracing::info!(
                    "{}: the PM refuses the 7F split figures; splits are not recorded",
                    self.name()
                );
                self.split_figures = false;
            }
            Err(_) => {}
        }
    }

    fn begin(&mut self, writer: &Writer, t: u64, r: &Reading) -> Result<Recording, RecorderError> {
        let mut workout = Workout {
            workout_type: r.workout_type,
            ..Workout::default()
        };
        if workout.workout_type.is_none()
            && let Ok(Ok(w)) = self.monitor.call(PmGetWorkoutType {})
        {
            workout.workout_type = Some(w.workout_type.to_u8());
        }
        if let Ok(Ok(d)) = self.monitor.call(PmGetWorkoutDuration {})
            && d.duration > 0
        {
            workout.params.target = Some(WorkoutDuration {
                duration_type: d.duration_type.to_u8(),
                value: d.duration,
            });
        }
        let started_at = wall_clock();
        let id = writer.begin_session(NewSession {
            source: self.source(),
            monitor: self.identity.as_ref().map(|i| self.monitor_info(i)),
            machine: self.machine,
            machine_assumed: false,
            started_at,
            utc_offset_s: local_offset_s(),
            workout,
            tags: self.options.tags.clone(),
        })?;
        tracing::info!("{}: session {id} started", self.name());
        self.update_live(|l| l.session = Some(id.to_string()));
        self.last_session_start = Some(t);
        Ok(Recording::new(id, t, started_at))
    }

    fn finish(
        &mut self,
        writer: &Writer,
        mut s: Recording,
        base: TelemetryBase,
        t: u64,
        workout_finished: bool,
    ) -> Result<SessionSummary, RecorderError> {
        let batch: Batch = s.finish(t, workout_finished);
        if batch.rows() > 0 {
            writer.send(&s.id, batch)?;
        }
        let duration_ns = t.saturating_sub(s.start_ns);
        let achieved_hz = if duration_ns > 0 {
            s.samples as f64 / (duration_ns as f64 / 1e9)
        } else {
            0.0
        };
        let telemetry: Telemetry = base.telemetry(self.monitor.stats(), achieved_hz);
        writer.finish_session(
            &s.id,
            SessionEnd {
                ended_at: s.started_at.plus_ns(duration_ns),
                state: SessionState::Complete,
                telemetry,
            },
        )?;
        tracing::info!(
            "{}: session {} ended ({} samples, {} strokes)",
            self.name(),
            s.id,
            s.samples,
            s.strokes
        );
        self.update_live(|l| l.session = None);
        Ok(SessionSummary {
            id: s.id.clone(),
            samples: s.samples,
            strokes: s.strokes,
            curves: s.curves,
            duration_ns,
            achieved_hz,
            report_id: self.last_report,
            workout_finished,
            drains_lost: s.drains_lost,
        })
    }

    /// Waits for a monitor that went away to answer again. False if stopped first.
    fn wait_for_replug(&mut self, stop: &AtomicBool) -> bool {
        self.update_live(|l| l.state = "unplugged");
        while !stop.load(Ordering::Relaxed) {
            self.monitor
                .transport_mut()
                .sleep_ns(self.options.reconnect_every_ns);
            match self.monitor.call(GetStatus {}) {
                Ok(_) => {
                    self.update_live(|l| l.state = "recording");
                    return true;
                }
                Err(DriverError::Transport(e)) if e.kind == ErrorKind::Disconnected => {
                    if let Some(reopen) = self.reopen.as_mut()
                        && let Ok(t) = reopen()
                    {
                        *self.monitor.transport_mut() = t;
                    }
                }
                Err(_) => {}
            }
        }
        false
    }

    fn show(&self, r: &Reading, rec: Option<&Recording>) {
        let hz = rec.map_or(0.0, |s| {
            let secs = self.monitor.now_ns().saturating_sub(s.start_ns) as f64 / 1e9;
            if secs > 0.0 {
                s.samples as f64 / secs
            } else {
                0.0
            }
        });
        self.update_live(|l| {
            l.state = if rec.is_some() {
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

/// The device went away.
/// One exchange. `Ok(None)` when it failed but the monitor is still there.
/// A free function, so that the frame can stay borrowed from the plan.
fn exchange<T: Transport>(
    monitor: &mut Monitor<T>,
    frame: &Frame,
) -> Result<Option<Exchange>, Gone> {
    match monitor.exchange_with_shape(&frame.commands, &frame.shape) {
        Ok(Ok(ex)) => Ok(Some(ex)),
        Ok(Err(refused)) => {
            tracing::debug!("{}: poll refused: {}", name(monitor), refused.status);
            Ok(None)
        }
        Err(DriverError::Transport(e)) if e.kind == ErrorKind::Disconnected => Err(Gone),
        Err(e) => {
            tracing::debug!("{}: {e}", name(monitor));
            Ok(None)
        }
    }
}

/// The monitor's name in logs: its serial, else its device path.
fn name<T: Transport>(monitor: &Monitor<T>) -> String {
    let info = monitor.transport().info();
    info.serial.clone().unwrap_or_else(|| info.path.clone())
}

struct Gone;

fn raw(ex: &Exchange, start_ns: u64) -> [RawExchange; 2] {
    [
        RawExchange {
            elapsed_ns: ex.sent_ns.saturating_sub(start_ns),
            direction: Direction::Tx,
            report_id: ex.report_id,
            bytes: ex.request.clone(),
        },
        RawExchange {
            elapsed_ns: ex.received_ns.saturating_sub(start_ns),
            direction: Direction::Rx,
            report_id: ex.report_id,
            bytes: ex.reply.clone(),
        },
    ]
}
