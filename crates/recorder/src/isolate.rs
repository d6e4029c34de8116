//! Finding which command a Reject was for: each suspect asked alone.
//!
//! Reference §4.2 leaves open whether a reply's previous-frame status
//! describes the frame it answers or the one before. A probe shows its
//! verdict either way when the frames just before and just after it are
//! known to be accepted: then a Reject in the probe's own reply, or in the
//! reply after it, is the probe's.
//!
//! * Between polls: while suspects are probed the polls carry only their
//!   plain fields (none of them a suspect), so each probe sits between two
//!   accepted frames and costs one exchange, and sampling goes on.
//! * When a suspect is one of the plain fields themselves, the polls cannot
//!   vouch for themselves: every suspect is then asked between GETSTATUS
//!   frames, all at once.

use erglink_csafe::command::GetStatus;
use erglink_csafe::{AnyCommand, PrevFrameStatus, RequestShape};
use erglink_pm::DriverError;
use erglink_transport::{Transport, TransportError};

use crate::link::{FRUITLESS_LIMIT, Link};

/// A probe whose verdict may still come in the next reply.
#[derive(Clone, Debug)]
struct Pending {
    cmd: AnyCommand,
    own: Option<PrevFrameStatus>,
    retried: bool,
}

/// Suspects being asked alone, one between each two polls.
#[derive(Clone, Debug, Default)]
pub(crate) struct Probing {
    /// Suspects still to ask, last first, with whether each is asked again.
    queue: Vec<(AnyCommand, bool)>,
    pending: Option<Pending>,
    found: bool,
}

const WHY: &str = "the PM refuses it (Reject), asked alone";

impl<T: Transport> Link<T> {
    /// Whether suspects wait to be asked alone: the polls meanwhile carry
    /// their plain fields only.
    pub fn probing(&self) -> bool {
        self.probe.is_some() || !self.suspects.is_empty()
    }

    /// One step of the isolation, between two polls: the next suspect asked
    /// alone. `in_polls` says whether a command rides in the plain polls.
    /// Fails only when the transport does.
    pub fn probe_step(
        &mut self,
        in_polls: impl Fn(&AnyCommand) -> bool,
    ) -> Result<(), TransportError> {
        if self.probe.is_none() {
            let suspects: Vec<AnyCommand> = std::mem::take(&mut self.suspects)
                .into_iter()
                .filter(|c| !self.is_given_up(c))
                .collect();
            if suspects.is_empty() {
                return Ok(());
            }
            if suspects.iter().any(&in_polls) {
                return self.isolate_all(suspects);
            }
            self.probe = Some(Probing {
                queue: suspects.into_iter().rev().map(|c| (c, false)).collect(),
                ..Probing::default()
            });
        }
        let probe = self.probe.as_mut().expect("set above");
        if probe.pending.is_some() {
            // No exchange since the last probe: wait for one.
            return Ok(());
        }
        let Some((cmd, retried)) = probe.queue.pop() else {
            let found = probe.found;
            self.probe = None;
            self.isolation_done(found);
            return Ok(());
        };
        let own = self.status_of(std::slice::from_ref(&cmd))?;
        if own == Some(PrevFrameStatus::Reject) {
            self.refused(&cmd);
            return Ok(());
        }
        if let Some(p) = self.probe.as_mut() {
            p.pending = Some(Pending { cmd, own, retried });
        }
        Ok(())
    }

    /// The status of the first exchange after a probe (`None`: no reply).
    /// Returns whether it settled a probe.
    pub(crate) fn follow_up(&mut self, status: Option<PrevFrameStatus>) -> bool {
        let Some(p) = self.probe.as_mut().and_then(|p| p.pending.take()) else {
            return false;
        };
        match status {
            Some(PrevFrameStatus::Reject) => self.refused(&p.cmd),
            Some(_) => {}
            // No reply: the second reading could not show. Once more.
            None if !p.retried && p.own != Some(PrevFrameStatus::Reject) => {
                if let Some(probe) = self.probe.as_mut() {
                    probe.queue.push((p.cmd, true));
                }
            }
            None => {}
        }
        true
    }

    fn refused(&mut self, cmd: &AnyCommand) {
        if let Some(p) = self.probe.as_mut() {
            p.found = true;
        }
        self.give_up(cmd, WHY.into());
    }

    fn isolation_done(&mut self, found: bool) {
        if !found {
            self.fruitless += 1;
            if self.fruitless == FRUITLESS_LIMIT {
                tracing::warn!(
                    "the PM keeps refusing frames, but no command alone: Rejects are only counted from now on"
                );
            }
        }
    }

    /// Asks every suspect alone, each between GETSTATUS frames (after a
    /// GETSTATUS that clears whatever the frame before left).
    fn isolate_all(&mut self, suspects: Vec<AnyCommand>) -> Result<(), TransportError> {
        let status: [AnyCommand; 1] = [GetStatus {}.into()];
        self.status_of(&status)?;
        let mut found = false;
        for c in suspects {
            let own = self.status_of(std::slice::from_ref(&c))?;
            let next = self.status_of(&status)?;
            if [own, next].contains(&Some(PrevFrameStatus::Reject)) {
                found = true;
                self.give_up(&c, WHY.into());
            }
        }
        self.isolation_done(found);
        Ok(())
    }

    /// The previous-frame status of one exchange's reply, if one came.
    fn status_of(
        &mut self,
        cmds: &[AnyCommand],
    ) -> Result<Option<PrevFrameStatus>, TransportError> {
        let shape = RequestShape::from_commands(cmds);
        let normal = self.shorten_for(cmds);
        let done = self.monitor.exchange_with_shape(cmds, &shape);
        self.monitor.settings_mut().timeout_ns = normal;
        match done {
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
