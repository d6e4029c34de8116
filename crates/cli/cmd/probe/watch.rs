//! The probe's exchanges: a getter tried alone, and a watch of the monitor
//! while someone rows, collecting what `readings.rs` and `rowing.rs` judge.
//! Only getters are sent.

use erglink_csafe::command::{
    GetCadence, GetHrCur, GetPace, GetPower, GetStatus, PmGetRestTime, PmGetStrokeState,
    PmGetStrokeStats, PmGetWorkTime, PmGetWorkTimeData, Wrapper, lookup,
};
use erglink_csafe::{AnyCommand, Outcome, PrevFrameStatus, RequestShape, Response};

use super::readings::{self, Heard};
use super::rowing::{self, PaceSample, StrokePoll};
use super::values::{self, WorkTimes};
use crate::device::AnyMonitor;

/// A command tried alone, then GETSTATUS.
#[derive(Clone, Debug)]
pub struct Tried {
    /// What became of it.
    pub heard: Heard,
    /// Its reply's previous-frame status (`None`: no reply).
    pub own: Option<PrevFrameStatus>,
    /// The GETSTATUS reply's.
    pub next: Option<PrevFrameStatus>,
    /// Its reply.
    pub response: Option<Response>,
}

fn status_of(m: &mut AnyMonitor) -> Option<PrevFrameStatus> {
    match m.exchange(&[GetStatus {}.into()]) {
        Ok(Ok(ex)) => Some(ex.status().prev_frame()),
        Ok(Err(refused)) => Some(refused.exchange.status().prev_frame()),
        Err(_) => None,
    }
}

/// Sends `cmd` alone, once (a silent PM costs one timeout, not four), then
/// GETSTATUS, whose reply carries the Reject if the PM reports on the frame
/// before the one it answers.
pub fn alone(m: &mut AnyMonitor, cmd: AnyCommand) -> Tried {
    let resends = std::mem::replace(&mut m.settings_mut().max_resends, 0);
    let ex = match m.exchange(&[cmd]) {
        Ok(Ok(ex)) => Some(ex),
        Ok(Err(refused)) => Some(*refused.exchange),
        Err(_) => None,
    };
    m.settings_mut().max_resends = resends;
    let next = status_of(m);
    let own = ex.as_ref().map(|e| e.status().prev_frame());
    let has_data = ex.as_ref().is_some_and(|e| {
        e.response
            .replies
            .first()
            .is_some_and(|r| matches!(r.outcome, Outcome::Data(_)))
    });
    Tried {
        heard: readings::heard(own.map(|s| (s, has_data)), next),
        own,
        next,
        response: ex.map(|e| e.response),
    }
}

/// The first top-level short command id that no CSAFE table assigns: a PM
/// has nothing to do for it, so it is the safest frame to be rejected.
pub fn unassigned_id() -> u8 {
    (0xC3..=0xEF)
        .find(|&id| lookup(Wrapper::Top, id).is_none())
        .unwrap_or(0xEF)
}

/// Sends [`unassigned_id`] as a frame of its own, after a GETSTATUS so that
/// the frame before it was accepted, then GETSTATUS: `(its status, the next)`.
pub fn rejected_pair(m: &mut AnyMonitor) -> (Option<PrevFrameStatus>, Option<PrevFrameStatus>) {
    status_of(m);
    let id = unassigned_id();
    let own = m
        .send_frame(&[0xF1, id, id, 0xF2], None)
        .ok()
        .map(|ex| ex.status().prev_frame());
    (own, status_of(m))
}

/// What the watch saw.
#[derive(Clone, Debug, Default)]
pub struct WatchLog {
    pub strokes: Vec<StrokePoll>,
    pub pace: Vec<PaceSample>,
    pub cadence_lengths: Vec<u8>,
    pub hr: Vec<u8>,
    pub rest: Vec<(u64, u16)>,
    pub worktimes: Vec<WorkTimes>,
    /// How PM_GET_WORKTIME@7F was answered, once tried.
    pub worktime_7f: Option<Heard>,
    pub polls: u64,
    pub failed_polls: u64,
    pub watched_ns: u64,
    /// Drive ends seen.
    pub drives: usize,
}

/// PM_GET_STROKESTATE's Driving.
const DRIVING: u8 = 2;

impl WatchLog {
    /// Whether everything a watch can settle is settled, so it may end early.
    fn settled(&self, stats: bool) -> bool {
        let pace = rowing::pace_units(&self.pace, None).value.is_some();
        let stats = !stats || rowing::stats(&self.strokes, false).value.is_some();
        let order = self.worktime_7f.is_some_and(|h| h != Heard::Answered)
            || values::byteorder_7f(&self.worktimes, self.worktime_7f)
                .value
                .is_some();
        let rest = values::resttime(&self.rest).value.is_some();
        pace && stats && order && rest
    }

    fn note(&mut self, t: u64, r: &Response, with_stats: bool) {
        let state = r.get::<PmGetStrokeState>().map(|s| s.stroke_state.to_u8());
        let count = r.get::<PmGetStrokeStats>().map(|s| s.drive_count);
        if let Some(state) = state {
            if self.strokes.last().is_some_and(|p| p.state == DRIVING) && state != DRIVING {
                self.drives += 1;
            }
            self.strokes.push(StrokePoll {
                state,
                drive_count: if with_stats { count } else { None },
            });
        }
        if let (Some(p), Some(w)) = (r.get::<GetPace>(), r.get::<GetPower>()) {
            self.pace.push(PaceSample {
                pace_raw: p.pace,
                power_w: w.power,
            });
        }
        if let Some(h) = r.get::<GetHrCur>() {
            self.hr.push(h.hr);
        }
        if let Some(rest) = r.get::<PmGetRestTime>() {
            self.rest.push((t, rest.rest_time));
        }
        // Its data length as sent: 3 with the units byte, 2 without.
        if let Some(c) = r
            .replies
            .iter()
            .find(|x| x.wrapper == Wrapper::Top && x.id == 0xA7 && !x.raw.is_empty())
        {
            let raw = r.raw(c);
            if let Some(&n) = raw.get(1) {
                self.cadence_lengths.push(n);
            }
        }
    }
}

/// Reads the 7F work time once a second, between two polls' 1A work times.
const WORKTIME_EVERY_NS: u64 = 1_000_000_000;
/// Strokes let by before the first 7F read: a PM that never answers costs a
/// timeout, which must not hide the first stroke from the stroke statistics.
const WORKTIME_AFTER_DRIVES: usize = 3;
/// How often the watch checks whether it is done.
const CHECK_EVERY: u64 = 40;

/// The watch's poll: the fast fields, and the stroke statistics when
/// `with_stats` (a PM that refuses them would refuse the whole frame).
pub fn poll_frame(with_stats: bool) -> Vec<AnyCommand> {
    let mut cmds: Vec<AnyCommand> = vec![
        PmGetStrokeState {}.into(),
        PmGetWorkTime {}.into(),
        PmGetRestTime {}.into(),
    ];
    if with_stats {
        cmds.push(PmGetStrokeStats { reserved: 0 }.into());
    }
    // GETCADENCE last: a reply without its units byte then shifts nothing after it.
    cmds.extend::<[AnyCommand; 4]>([
        GetPace {}.into(),
        GetPower {}.into(),
        GetHrCur {}.into(),
        GetCadence {}.into(),
    ]);
    cmds
}

/// Polls the monitor for `for_ns` of its transport's clock, or until
/// everything is settled, with [`poll_frame`] back to back as the recorder
/// does, and once a second the 7F work time between two polls.
pub fn watch(m: &mut AnyMonitor, with_stats: bool, for_ns: u64) -> WatchLog {
    let cmds = poll_frame(with_stats);
    let shape = RequestShape::from_commands(&cmds);
    let mut log = WatchLog::default();
    let start = m.now_ns();
    let mut last_7f = start;
    let mut pending_7f: Option<(u32, u32)> = None;
    loop {
        let now = m.now_ns();
        log.watched_ns = now - start;
        if log.watched_ns >= for_ns
            || (log.polls % CHECK_EVERY == CHECK_EVERY - 1 && log.settled(with_stats))
        {
            break;
        }
        log.polls += 1;
        let ex = match m.exchange_with_shape(&cmds, &shape) {
            Ok(Ok(ex)) => ex,
            Ok(Err(refused)) => *refused.exchange,
            Err(_) => {
                log.failed_polls += 1;
                continue;
            }
        };
        log.note(ex.received_ns, &ex.response, with_stats);
        let Some(worktime) = ex.response.get::<PmGetWorkTime>().map(|w| w.time) else {
            continue;
        };
        if let Some((before_cs, read_7f)) = pending_7f.take() {
            log.worktimes.push(WorkTimes {
                before_cs,
                read_7f,
                after_cs: worktime,
            });
        }
        let answering = log.worktime_7f.is_none_or(|h| h == Heard::Answered);
        if answering
            && worktime > 0
            && log.drives >= WORKTIME_AFTER_DRIVES
            && now - last_7f >= WORKTIME_EVERY_NS
        {
            last_7f = now;
            let t = alone(m, PmGetWorkTimeData {}.into());
            log.worktime_7f = Some(t.heard);
            if let Some(v) = t
                .response
                .as_ref()
                .and_then(|r| r.get::<PmGetWorkTimeData>())
            {
                pending_7f = Some((worktime, v.time));
            }
        }
    }
    log
}

#[cfg(test)]
mod tests {
    use erglink_csafe::command::{self as cmd, AnyReply as R, HeartRate, Pace, Power, StrokeStats};
    use erglink_csafe::{
        FrameKind, PrevFrameStatus, ReplyBuilder, State, Status, StrokeState, UnitsSpecifier, frame,
    };

    use super::*;

    /// A reply to [`poll_frame`]`(true)`, as a PM would send it; `cadence`
    /// is GETCADENCE's `id n data`, written as given.
    fn reply(state: StrokeState, drive_count: u16, hr: u8, cadence: &[u8]) -> Response {
        let mut b = ReplyBuilder::new(Status::new(true, PrevFrameStatus::Ok, State::InUse));
        b.reply(&R::PmGetStrokeState(cmd::StrokeStateReply {
            stroke_state: state,
        }))
        .reply(&R::PmGetWorkTime(cmd::WorkTime {
            time: 1234,
            fraction: 0,
        }))
        .reply(&R::PmGetRestTime(cmd::RestTime { rest_time: 0 }))
        .reply(&R::PmGetStrokeStats(StrokeStats {
            drive_count,
            ..StrokeStats::default()
        }))
        .reply(&R::GetPace(Pace {
            pace: 240,
            units: UnitsSpecifier::SecPerKm,
        }))
        .reply(&R::GetPower(Power {
            power: 203,
            units: UnitsSpecifier::Watt,
        }))
        .reply(&R::GetHrCur(HeartRate { hr }));
        let mut contents = b.contents().to_vec();
        contents.extend_from_slice(cadence);
        let mut wire = Vec::new();
        frame::encode_frame(FrameKind::Standard, &contents, usize::MAX, &mut wire).unwrap();
        let f = frame::decode_frame(&wire).unwrap();
        Response::decode(f.as_ref(), &RequestShape::from_commands(&poll_frame(true))).unwrap()
    }

    #[test]
    fn a_poll_is_read_with_or_without_the_cadence_units_byte() {
        let mut log = WatchLog::default();
        let with = [0xA7, 3, 28, 0, 0x54]; // 0x54: strokes a minute
        log.note(10, &reply(StrokeState::Driving, 4, 0, &with), true);
        log.note(
            20,
            &reply(StrokeState::Recovery, 5, 255, &[0xA7, 2, 28, 0]),
            true,
        );
        assert_eq!(log.cadence_lengths, [3, 2]);
        assert_eq!(log.hr, [0, 255]);
        assert_eq!(
            log.strokes,
            [
                StrokePoll {
                    state: 2,
                    drive_count: Some(4)
                },
                StrokePoll {
                    state: 4,
                    drive_count: Some(5)
                },
            ]
        );
        assert_eq!(log.drives, 1);
        assert_eq!(
            log.pace,
            [PaceSample {
                pace_raw: 240,
                power_w: 203
            }; 2]
        );
        assert_eq!(log.rest, [(10, 0), (20, 0)]);
        // The reading agrees with the bytes.
        assert_eq!(
            values::cadence_units(&log.cadence_lengths[1..]).token(),
            "no"
        );
    }

    #[test]
    fn the_unassigned_id_is_unassigned_and_no_frame_byte() {
        let id = unassigned_id();
        assert!(lookup(Wrapper::Top, id).is_none());
        assert!(id >= 0x80 && !(0xF0..=0xF3).contains(&id), "{id:#04X}");
    }
}
