//! A session's beginning and end: what the store is told about it.

use erglink_csafe::command::{PmGetWorkoutDuration, PmGetWorkoutType};
use erglink_model::{
    Direction, Exchange as RawExchange, LiveData, LiveSession, MonitorInfo, NewSession, PmModel,
    ReportSize, SessionEnd, SessionState, Source, Telemetry, UtcNanos, Workout, WorkoutDuration,
};
use erglink_pm::{Exchange, Identity};
use erglink_store::{Batch, Writer};
use erglink_transport::{Backend, Transport};

use crate::adapt::what;
use crate::curve::Draining;
use crate::error::RecorderError;
use crate::machine::MachineSource;
use crate::options::SessionSummary;
use crate::poller::MonitorRecorder;
use crate::publish::SessionFeed;
use crate::reading::Reading;
use crate::session::Recording;
use crate::telemetry::TelemetryBase;

/// A session being recorded, with what the loop measures about it.
pub(crate) struct Active {
    pub rec: Recording,
    pub base: TelemetryBase,
    pub last_split_poll: u64,
    /// When the PM first showed the workout over.
    pub finished_at: Option<u64>,
    /// The force curve being drained.
    pub draining: Option<Draining>,
    /// When the last drive ended.
    pub last_drive_end_ns: Option<u64>,
    /// Polls that wanted the statistics, when those take an exchange of their own.
    pub stats_wanted: u32,
    /// Where its live events go.
    pub feed: SessionFeed,
    last_sample_ns: Option<u64>,
    longest_gap_ns: u64,
    exchanges: u64,
}

impl Active {
    /// A sample at `t` that took `exchanges` exchanges.
    pub fn sampled(&mut self, t: u64, exchanges: u32) {
        if let Some(last) = self.last_sample_ns {
            self.longest_gap_ns = self.longest_gap_ns.max(t.saturating_sub(last));
        }
        self.last_sample_ns = Some(t);
        self.exchanges += u64::from(exchanges);
    }

    /// The monitor went away: the time until it is back is an unplug, not a
    /// polling gap.
    pub fn unplugged(&mut self) {
        self.last_sample_ns = None;
    }
}

/// A force-plot read got no reply: its block is gone.
pub(crate) fn lost_block(a: &mut Active) {
    if let Some(d) = a.draining.as_mut()
        && d.read(None)
    {
        let d = a.draining.take().expect("draining");
        end_drain(a, d, false);
    }
}

/// A drain is over (`cut`: cut short by the next drive): its curve is stored.
pub(crate) fn end_drain(a: &mut Active, d: Draining, cut: bool) {
    let mut curve = d.curve;
    if cut {
        curve.lose_block();
    }
    if curve.was_lost() {
        a.rec.drains_lost += 1;
    }
    a.rec.force_curve(d.index, curve.finish());
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

/// One exchange as the session's raw log keeps it.
pub(crate) fn raw(ex: &Exchange, start_ns: u64) -> [RawExchange; 2] {
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

fn monitor_info(id: &Identity) -> MonitorInfo {
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

impl<T: Transport> MonitorRecorder<T> {
    /// Asks the PM one thing about the workout it holds (`step` says which),
    /// between sessions: asked at the first stroke, a slow (or silent)
    /// getter would stall the polls that must see the first drives. Also
    /// asks again for the machine, when the question went unanswered.
    /// Transport errors surface on the next poll, which handles them.
    pub(crate) fn refresh_workout_info(&mut self, step: u32) {
        match step % 3 {
            0 => {
                if let Ok(Some(w)) = self.link.ask(PmGetWorkoutType {}) {
                    self.workout_info.0 = Some(w.workout_type.to_u8());
                }
            }
            1 => {
                if let Ok(d) = self.link.ask(PmGetWorkoutDuration {}) {
                    self.workout_info.1 = d.filter(|d| d.duration > 0).map(|d| WorkoutDuration {
                        duration_type: d.duration_type.to_u8(),
                        value: d.duration,
                    });
                }
            }
            _ => {
                if self.machine_source != MachineSource::Reported && self.reports_machine() {
                    self.ask_machine();
                }
            }
        }
    }

    fn source(&self) -> Source {
        match self.link.monitor().transport().info().backend {
            Backend::Hid | Backend::Usb => Source::Usb,
            Backend::Sim => Source::Sim,
            Backend::Replay => Source::Replay,
        }
    }

    /// Tells the store a session began at `t`, with what the PM says of its workout.
    pub(crate) fn begin(
        &mut self,
        writer: &Writer,
        t: u64,
        r: &Reading,
    ) -> Result<Active, RecorderError> {
        let mut workout = Workout {
            workout_type: r.workout_type.or(self.workout_info.0),
            ..Workout::default()
        };
        workout.params.target = self.workout_info.1;
        if self.machine_source == MachineSource::Assumed {
            let name = self.name();
            self.adaptations.add(
                &name,
                what::MACHINE_ASSUMED,
                "rower",
                "the monitor cannot say which machine it is on, and --machine did not say",
            );
        }
        let started_at = wall_clock();
        let utc_offset_s = local_offset_s();
        let id = writer.begin_session(NewSession {
            source: self.source(),
            monitor: self.identity.as_ref().map(monitor_info),
            machine: self.machine,
            machine_assumed: self.machine_source == MachineSource::Assumed,
            started_at,
            utc_offset_s,
            workout: workout.clone(),
            tags: self.options.tags.clone(),
        })?;
        let feed = SessionFeed::new(
            LiveSession {
                id: id.clone(),
                serial: self.name(),
                station: self.options.tags.station.clone(),
                athlete: self.options.tags.athlete.clone(),
                machine: self.machine,
                workout,
                started_at,
                utc_offset_s,
            },
            self.options.live_events.clone(),
        );
        feed.send(0, LiveData::SessionStart, self.replied_at);
        tracing::info!("{}: session {id} started", self.name());
        self.update_live(|l| l.session = Some(id.to_string()));
        self.last_session_start = Some(t);
        Ok(Active {
            rec: Recording::new(id, t, started_at, self.plan.reads_stats()),
            base: TelemetryBase::new(self.link.monitor().stats()),
            last_split_poll: t,
            finished_at: None,
            draining: None,
            last_drive_end_ns: None,
            stats_wanted: 0,
            feed,
            last_sample_ns: None,
            longest_gap_ns: 0,
            exchanges: 0,
        })
    }

    /// Publishes what the session gained since the last time, if anything listens.
    pub(crate) fn publish_live(&self, a: &mut Active) {
        if !a.feed.on() {
            return;
        }
        for (elapsed_ns, data) in a.rec.new_live() {
            a.feed.send(elapsed_ns, data, self.replied_at);
        }
    }

    /// Closes a session at `t`.
    pub(crate) fn finish(
        &mut self,
        writer: &Writer,
        mut a: Active,
        t: u64,
        workout_finished: bool,
    ) -> Result<SessionSummary, RecorderError> {
        self.link.set_patient(false);
        if let Some(d) = a.draining.take() {
            // Cut short: what was read is kept, marked incomplete.
            let mut curve = d.curve;
            curve.lose_block();
            a.rec.drains_lost += 1;
            a.rec.force_curve(d.index, curve.finish());
        }
        a.rec.close(t, workout_finished);
        self.publish_live(&mut a);
        let s = &mut a.rec;
        let batch: Batch = s.take_batch();
        if batch.rows() > 0 {
            writer.send(&s.id, batch)?;
        }
        let duration_ns = t.saturating_sub(s.start_ns);
        let achieved_hz = if duration_ns > 0 {
            s.samples as f64 / (duration_ns as f64 / 1e9)
        } else {
            0.0
        };
        let mut telemetry: Telemetry = a.base.telemetry(self.link.monitor().stats(), achieved_hz);
        telemetry.adaptations = self.adaptations.all().to_vec();
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
        a.feed.send(
            duration_ns,
            LiveData::SessionEnd(SessionState::Complete),
            self.replied_at,
        );
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
            longest_gap_ns: a.longest_gap_ns,
            exchanges_per_sample: if s.samples > 0 {
                a.exchanges as f64 / s.samples as f64
            } else {
                0.0
            },
            machine: self.machine,
            machine_assumed: self.machine_source == MachineSource::Assumed,
            adaptations: self.adaptations.all().to_vec(),
        })
    }
}
