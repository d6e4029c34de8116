//! The recorder's side of the driver: every exchange goes through here, so
//! that what the PM refuses is found and given up once, whatever frame it
//! rode in.
//!
//! * A refused exchange keeps its replies: a PM that rejects one command of
//!   a frame may still answer the others, and a force-plot block read in a
//!   refused frame is gone from the PM's buffer either way.
//! * A Reject does not say which command caused it, nor (reference §4.2)
//!   whether it describes the frame it answers or the one before. The
//!   suspects are the commands of both frames that got no reply; each is
//!   asked alone later ([`Link::isolate`]), between GETSTATUS frames, so that
//!   either reading of the status byte shows its verdict.
//! * A proprietary getter is given up after a refusal, or after
//!   [`QUIET_LIMIT`] timeouts in a row; the driver never resends one.

use erglink_csafe::command::GetStatus;
use erglink_csafe::{Access, AnyCommand, Command, Outcome, PrevFrameStatus, RequestShape};
use erglink_pm::policy::is_proprietary;
use erglink_pm::{DriverError, Exchange, Monitor, RefusalReason};
use erglink_transport::{Transport, TransportError};

use crate::plan::{CommandKey, key};

/// Timeouts in a row after which a proprietary getter is given up.
pub const QUIET_LIMIT: u32 = 3;
/// Isolations that found nothing after which Rejects are only counted: a PM
/// that refuses something no single command explains is not asked forever.
const FRUITLESS_LIMIT: u32 = 3;

/// What one exchange came to.
#[derive(Debug)]
pub enum Sent {
    /// A reply, refused or not: its data is good either way.
    Reply(Box<Exchange>),
    /// No usable reply (timeout, lost drain, truncation): the monitor is
    /// still there.
    NoReply(DriverError),
    /// The transport failed: reopen before going on.
    Transport(TransportError),
}

/// A command given up, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GivenUp {
    /// The command.
    pub command: AnyCommand,
    /// One sentence.
    pub why: String,
}

/// The commands of the last frame that got no reply data.
#[derive(Clone, Debug, Default)]
struct Unanswered {
    commands: Vec<AnyCommand>,
}

/// The driver, with what the recorder learnt about the PM's refusals.
pub struct Link<T> {
    pub(crate) monitor: Monitor<T>,
    last_unanswered: Unanswered,
    suspects: Vec<AnyCommand>,
    quiet: Vec<(CommandKey, u32)>,
    given_up: Vec<CommandKey>,
    news: Vec<GivenUp>,
    fruitless: u32,
}

fn unanswered(cmds: &[AnyCommand], ex: &Exchange) -> Unanswered {
    let commands = ex
        .response
        .replies
        .iter()
        .filter(|r| r.outcome == Outcome::Missing)
        .filter_map(|r| r.request_index)
        .filter_map(|i| cmds.get(usize::from(i)).cloned())
        .collect();
    Unanswered { commands }
}

fn probe_safe(cmd: &AnyCommand) -> bool {
    cmd.spec().is_some_and(|s| s.access == Access::Get)
}

impl<T: Transport> Link<T> {
    /// A link over `monitor`.
    pub fn new(monitor: Monitor<T>) -> Self {
        Self {
            monitor,
            last_unanswered: Unanswered::default(),
            suspects: Vec::new(),
            quiet: Vec::new(),
            given_up: Vec::new(),
            news: Vec::new(),
            fruitless: 0,
        }
    }

    /// The driver.
    pub fn monitor(&self) -> &Monitor<T> {
        &self.monitor
    }

    /// The driver, mutably.
    pub fn monitor_mut(&mut self) -> &mut Monitor<T> {
        &mut self.monitor
    }

    /// Whether any of `cmds` was given up.
    pub fn allows(&self, cmds: &[AnyCommand]) -> bool {
        cmds.iter().all(|c| !self.given_up.contains(&key(c)))
    }

    /// Commands given up since the last call, for the plan and the session.
    pub fn take_given_up(&mut self) -> Vec<GivenUp> {
        std::mem::take(&mut self.news)
    }

    /// Whether a Reject is waiting to be traced to its command.
    pub fn has_suspects(&self) -> bool {
        !self.suspects.is_empty()
    }

    fn give_up(&mut self, cmd: &AnyCommand, why: String) {
        let k = key(cmd);
        if !self.given_up.contains(&k) {
            self.given_up.push(k);
            self.news.push(GivenUp {
                command: cmd.clone(),
                why,
            });
        }
    }

    /// One exchange of `cmds` (`shape` built from them).
    pub fn exchange(&mut self, cmds: &[AnyCommand], shape: &RequestShape) -> Sent {
        match self.monitor.exchange_with_shape(cmds, shape) {
            Ok(Ok(ex)) => {
                self.answered(cmds);
                self.last_unanswered = unanswered(cmds, &ex);
                Sent::Reply(Box::new(ex))
            }
            Ok(Err(refused)) => {
                let ex = *refused.exchange;
                self.answered(cmds);
                let now = unanswered(cmds, &ex);
                if refused.reason == RefusalReason::Reject && self.fruitless < FRUITLESS_LIMIT {
                    // This frame's or the previous one's (§4.2): whichever got no reply.
                    let prev = std::mem::take(&mut self.last_unanswered);
                    for c in now.commands.iter().chain(&prev.commands) {
                        if probe_safe(c) && !self.suspects.contains(c) {
                            self.suspects.push(c.clone());
                        }
                    }
                    tracing::debug!(
                        "refused: {} ({} suspects)",
                        refused.status,
                        self.suspects.len()
                    );
                }
                self.last_unanswered = now;
                Sent::Reply(Box::new(ex))
            }
            Err(DriverError::Transport(e)) => {
                self.last_unanswered = Unanswered::default();
                Sent::Transport(e)
            }
            Err(e) => {
                if matches!(e, DriverError::Timeout { .. }) {
                    self.unanswered_proprietary(cmds);
                }
                self.last_unanswered = Unanswered::default();
                Sent::NoReply(e)
            }
        }
    }

    /// A reply came: proprietary getters in `cmds` are not silent.
    fn answered(&mut self, cmds: &[AnyCommand]) {
        if !self.quiet.is_empty() {
            self.quiet
                .retain(|(k, _)| !cmds.iter().any(|c| key(c) == *k));
        }
    }

    fn unanswered_proprietary(&mut self, cmds: &[AnyCommand]) {
        for c in cmds.iter().filter(|c| is_proprietary(c)) {
            let k = key(c);
            let n = match self.quiet.iter_mut().find(|(q, _)| *q == k) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    self.quiet.push((k, 1));
                    1
                }
            };
            if n >= QUIET_LIMIT {
                self.give_up(
                    c,
                    format!("no reply {QUIET_LIMIT} times in a row (kept behind authentication?)"),
                );
            }
        }
    }

    /// Asks one command alone for its typed reply: `None` when it was given
    /// up, refused or not answered.
    pub fn ask<C: Command>(&mut self, cmd: C) -> Result<Option<C::Reply>, TransportError>
    where
        C::Reply: Clone,
    {
        let cmds = [cmd.into_any()];
        if !self.allows(&cmds) {
            return Ok(None);
        }
        let shape = RequestShape::from_commands(&cmds);
        match self.exchange(&cmds, &shape) {
            Sent::Reply(ex) => Ok(ex.response.get::<C>().cloned()),
            Sent::NoReply(_) => Ok(None),
            Sent::Transport(e) => Err(e),
        }
    }

    /// Asks each suspect of a Reject alone, each followed by GETSTATUS after
    /// a GETSTATUS: under either reading of the status byte, a refusal shows
    /// in the probe's own reply or in the GETSTATUS after it. Confirmed ones
    /// are given up. Fails only when the transport does.
    pub fn isolate(&mut self) -> Result<(), TransportError> {
        let suspects = std::mem::take(&mut self.suspects);
        let suspects: Vec<AnyCommand> = suspects
            .into_iter()
            .filter(|c| !self.given_up.contains(&key(c)))
            .collect();
        if suspects.is_empty() {
            return Ok(());
        }
        let status: Vec<AnyCommand> = vec![GetStatus {}.into()];
        let status_shape = RequestShape::from_commands(&status);
        // Clears whatever the previous frame left in the status byte.
        self.status_of(&status, &status_shape)?;
        let mut found = false;
        for c in suspects {
            let alone = std::slice::from_ref(&c);
            let shape = RequestShape::from_commands(alone);
            let own = self.status_of(alone, &shape)?;
            let next = self.status_of(&status, &status_shape)?;
            if [own, next].contains(&Some(PrevFrameStatus::Reject)) {
                found = true;
                self.give_up(&c, "the PM refuses it (Reject), asked alone".into());
            }
        }
        if !found {
            self.fruitless += 1;
            if self.fruitless == FRUITLESS_LIMIT {
                tracing::warn!(
                    "the PM keeps refusing frames, but no command alone: Rejects are only counted from now on"
                );
            }
        }
        self.last_unanswered = Unanswered::default();
        Ok(())
    }

    /// The previous-frame status of one exchange's reply, if one came.
    fn status_of(
        &mut self,
        cmds: &[AnyCommand],
        shape: &RequestShape,
    ) -> Result<Option<PrevFrameStatus>, TransportError> {
        match self.monitor.exchange_with_shape(cmds, shape) {
            Ok(Ok(ex)) => Ok(Some(ex.status().prev_frame())),
            Ok(Err(r)) => Ok(Some(r.status.prev_frame())),
            Err(DriverError::Transport(e)) => Err(e),
            Err(DriverError::Timeout { .. }) => {
                self.unanswered_proprietary(cmds);
                Ok(None)
            }
            Err(_) => Ok(None),
        }
    }
}
