//! The CSAFE state machine as a real PM5 runs it
//! (captures/pm5-program-exchanges.tsv, csafe.md §4.2).
//!
//! Read from the 34 recorded exchanges, with nothing else assumed:
//! - The status byte carries the state after the frame, and the
//!   previous-frame status of the frame it answers (GOFINISHED's own reply
//!   says Reject).
//! - The toggle bit flips on every frame the PM accepts; a rejected frame's
//!   reply repeats the last toggle, and a frame left unanswered changes nothing.
//! - A workout programmed through `76` while the PM is not in a workout shows
//!   the host's base state (Ready, or Idle after GOIDLE) at once, then settles
//!   a moment later into Offline (base Ready) or Manual (base Idle): the PM
//!   is on its own workout screen, used without the host. Reprogramming a
//!   settled workout leaves it settled.
//! - Terminating outside a workout shows Offline/Manual at once; terminating a
//!   `76` workout in InUse gives Finished, a public one returns to the base.
//! - GOIDLE is only answered from Ready (and, per the CSAFE rules, HaveID and
//!   Finished); anywhere else the PM sends nothing at all.
//! - GOFINISHED outside InUse/Paused is rejected, and the state stays.

use erglink_csafe::{PrevFrameStatus, State, Status};

use crate::quirks::PrevStatus;
use crate::truth::Origin;

/// How long a `76` workout takes to settle into Offline/Manual (guess: the
/// capture has no timestamps; exchanges 12 and 20 came before it, 8 and 16 after).
pub const SETTLE_NS: u64 = 1_000_000_000;
/// InUse without strokes pauses after this (csafe.md §4.2).
pub const PAUSE_AFTER_NS: u64 = 6_000_000_000;
/// Paused and Finished time out after this.
pub const LONG_TIMEOUT_NS: u64 = 220_000_000_000;
/// HaveID falls back to Idle after SETTIMEOUT seconds, 10 by default.
pub const DEFAULT_TIMEOUT_S: u8 = 10;

/// What a public state command does to the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Ok,
    Reject,
    /// The PM sends no reply to the whole frame.
    Silent,
}

#[derive(Clone, Debug)]
pub(crate) struct Csafe {
    pub state: State,
    /// Ready, or Idle after GOIDLE: what the host last asked for.
    pub base: State,
    /// A workout sits on the PM's screen, armed by `76` programming.
    armed: bool,
    settle_at: Option<u64>,
    toggle: bool,
    since: u64,
    pub timeout_s: u8,
    /// Which frame the previous-frame bits describe (`prev_status=`).
    prev_status: PrevStatus,
    /// With `prev_status=last`: the status of the last frame answered.
    last_frame: PrevFrameStatus,
}

impl Csafe {
    pub fn new(prev_status: PrevStatus) -> Csafe {
        Csafe {
            prev_status,
            last_frame: PrevFrameStatus::Ok,
            state: State::Ready,
            base: State::Ready,
            armed: false,
            settle_at: None,
            toggle: false,
            since: 0,
            timeout_s: DEFAULT_TIMEOUT_S,
        }
    }

    fn set(&mut self, t: u64, s: State) {
        if s != self.state {
            self.state = s;
            self.since = t;
        }
    }

    fn on_own(&self) -> State {
        if self.base == State::Idle {
            State::Manual
        } else {
            State::Offline
        }
    }

    pub fn in_workout(&self) -> bool {
        matches!(self.state, State::InUse | State::Paused)
    }

    pub fn reset(&mut self, t: u64) {
        self.base = State::Ready;
        self.armed = false;
        self.settle_at = None;
        self.set(t, State::Ready);
    }

    pub fn go_idle(&mut self, t: u64) -> Verdict {
        match self.state {
            State::Ready | State::HaveId | State::Finished => {
                self.base = State::Idle;
                self.set(t, State::Idle);
                Verdict::Ok
            }
            _ => Verdict::Silent,
        }
    }

    pub fn go_have_id(&mut self, t: u64) -> Verdict {
        if self.state == State::Idle {
            self.set(t, State::HaveId);
            Verdict::Ok
        } else {
            Verdict::Reject
        }
    }

    pub fn bad_id(&mut self, t: u64) -> Verdict {
        if self.state == State::HaveId {
            self.set(t, State::Idle);
            Verdict::Ok
        } else {
            Verdict::Reject
        }
    }

    /// GOINUSE: returns whether a workout starts (false: already in one).
    pub fn go_in_use(&mut self, t: u64) -> Result<bool, Verdict> {
        match self.state {
            State::InUse => Ok(false),
            State::Ready | State::Idle | State::HaveId | State::Paused => {
                let starts = self.state != State::Paused;
                self.armed = false;
                self.settle_at = None;
                self.set(t, State::InUse);
                Ok(starts)
            }
            _ => Err(Verdict::Reject),
        }
    }

    pub fn go_finished(&mut self, t: u64) -> Verdict {
        if self.in_workout() {
            self.set(t, State::Finished);
            Verdict::Ok
        } else {
            Verdict::Reject
        }
    }

    pub fn go_ready(&mut self, t: u64) {
        self.base = State::Ready;
        self.armed = false;
        self.settle_at = None;
        self.set(t, State::Ready);
    }

    /// A workout was programmed through `76` and put on the screen.
    pub fn program_armed(&mut self, t: u64) {
        let settled = self.armed && matches!(self.state, State::Manual | State::Offline);
        if !self.in_workout() && !settled {
            let base = self.base;
            self.set(t, base);
            self.settle_at = Some(t + SETTLE_NS);
        }
        self.armed = true;
    }

    /// The screen-state terminate, for a workout of `origin`.
    pub fn terminate(&mut self, t: u64, origin: Origin) {
        let next = if self.in_workout() {
            if origin == Origin::Public {
                self.base
            } else {
                State::Finished
            }
        } else {
            self.on_own()
        };
        self.armed = false;
        self.settle_at = None;
        self.set(t, next);
    }

    /// The workout reached its last goal.
    pub fn workout_ended(&mut self, t: u64) {
        if self.in_workout() {
            self.set(t, State::Finished);
        }
    }

    /// A stroke: a paused workout resumes.
    pub fn stroke(&mut self, t: u64) {
        if self.state == State::Paused {
            self.set(t, State::InUse);
        }
    }

    pub fn pause(&mut self, t: u64) {
        if self.state == State::InUse {
            self.set(t, State::Paused);
        }
    }

    pub fn next_event(&self) -> Option<u64> {
        let timer = match self.state {
            State::HaveId => Some(self.since + u64::from(self.timeout_s) * 1_000_000_000),
            State::Paused | State::Finished => Some(self.since + LONG_TIMEOUT_NS),
            _ => None,
        };
        match (timer, self.settle_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Timers due at `t`. Returns true when a paused workout timed out.
    pub fn on_event(&mut self, t: u64) -> bool {
        if self.settle_at.is_some_and(|s| s <= t) {
            self.settle_at = None;
            if self.state == self.base {
                let own = self.on_own();
                self.set(t, own);
            }
        }
        match self.state {
            State::HaveId if t >= self.since + u64::from(self.timeout_s) * 1_000_000_000 => {
                self.set(t, State::Idle);
            }
            State::Paused if t >= self.since + LONG_TIMEOUT_NS => {
                self.set(t, State::Finished);
                return true;
            }
            State::Finished if t >= self.since + LONG_TIMEOUT_NS => {
                self.base = State::Ready;
                self.set(t, State::Ready);
            }
            _ => {}
        }
        false
    }

    /// The status byte of the reply to a frame whose own status is `prev`;
    /// `accepted` frames flip the toggle first. With `prev_status=last` the
    /// previous-frame bits carry the status of the frame answered before
    /// this one (Ok before the first), and this frame's shows in the next
    /// reply; the toggle still follows the frame being answered.
    pub fn status(&mut self, prev: PrevFrameStatus, accepted: bool) -> Status {
        if accepted {
            self.toggle = !self.toggle;
        }
        let shown = match self.prev_status {
            PrevStatus::This => prev,
            PrevStatus::Last => std::mem::replace(&mut self.last_frame, prev),
        };
        Status::new(self.toggle, shown, self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previous_frame_bits_of_this_frame_or_the_last() {
        use PrevFrameStatus::{Bad, Ok, Reject};
        let frames = [
            (Ok, true),
            (Reject, false),
            (Ok, true),
            (Bad, false),
            (Ok, true),
        ];
        let mut this = Csafe::new(PrevStatus::This);
        let mut last = Csafe::new(PrevStatus::Last);
        let a: Vec<Status> = frames.iter().map(|&(p, ok)| this.status(p, ok)).collect();
        let b: Vec<Status> = frames.iter().map(|&(p, ok)| last.status(p, ok)).collect();
        let prev = |v: &[Status]| v.iter().map(|s| s.prev_frame()).collect::<Vec<_>>();
        assert_eq!(prev(&a), [Ok, Reject, Ok, Bad, Ok]);
        assert_eq!(prev(&b), [Ok, Ok, Reject, Ok, Bad]);
        let toggles = |v: &[Status]| v.iter().map(|s| s.toggle()).collect::<Vec<_>>();
        assert_eq!(toggles(&a), toggles(&b));
        assert_eq!(toggles(&a), [true, true, false, false, true]);
    }
}
