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
//!   then asked alone (`crate::isolate`).
//! * A proprietary getter is given up after a refusal, or after
//!   [`QUIET_LIMIT`] timeouts in a row; the driver never resends one.

use erglink_csafe::{Access, AnyCommand, Command, Outcome, RequestShape};
use erglink_pm::policy::is_proprietary;
use erglink_pm::{DriverError, Exchange, Monitor, RefusalReason};
use erglink_transport::{Transport, TransportError};

use crate::isolate::Probing;
use crate::plan::{CommandKey, key};
use crate::timeout::MIN_TIMEOUT_NS;

/// Timeouts in a row after which a proprietary getter is given up.
pub const QUIET_LIMIT: u32 = 3;
/// Isolations that found nothing after which Rejects are only counted: a PM
/// that refuses something no single command explains is not asked forever.
pub(crate) const FRUITLESS_LIMIT: u32 = 3;

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
    pub(crate) suspects: Vec<AnyCommand>,
    pub(crate) probe: Option<Probing>,
    quiet: Vec<(CommandKey, u32)>,
    given_up: Vec<CommandKey>,
    news: Vec<GivenUp>,
    pub(crate) fruitless: u32,
    /// While a finished workout is logged the PM may answer slowly, and what
    /// is read then (the last split) is read once: no frame is hurried.
    patient: bool,
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

pub(crate) fn probe_safe(cmd: &AnyCommand) -> bool {
    cmd.spec().is_some_and(|s| s.access == Access::Get)
}

impl<T: Transport> Link<T> {
    /// A link over `monitor`.
    pub fn new(monitor: Monitor<T>) -> Self {
        Self {
            monitor,
            last_unanswered: Unanswered::default(),
            suspects: Vec::new(),
            probe: None,
            quiet: Vec::new(),
            given_up: Vec::new(),
            news: Vec::new(),
            fruitless: 0,
            patient: false,
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

    pub(crate) fn is_given_up(&self, cmd: &AnyCommand) -> bool {
        self.given_up.contains(&key(cmd))
    }

    pub(crate) fn give_up(&mut self, cmd: &AnyCommand, why: String) {
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
        let normal = self.shorten_for(cmds);
        let sent = self.exchange_plain(cmds, shape);
        self.monitor.settings_mut().timeout_ns = normal;
        sent
    }

    /// A frame with proprietary getters waits twice the slowest reply so far
    /// (never under the floor), not the full timeout: a PM that keeps them
    /// behind authentication never answers, and the polls behind must not
    /// wait. Returns the timeout to restore.
    /// Whether proprietary frames wait the whole timeout (see `patient`).
    pub(crate) fn set_patient(&mut self, patient: bool) {
        self.patient = patient;
    }

    pub(crate) fn shorten_for(&mut self, cmds: &[AnyCommand]) -> u64 {
        let normal = self.monitor.settings().timeout_ns;
        if self.patient || !cmds.iter().any(is_proprietary) {
            return normal;
        }
        let stats = self.monitor.stats();
        if let Some((_, _, max)) = stats.latency.summary()
            && stats.exchanges >= 4
        {
            self.monitor.settings_mut().timeout_ns = max
                .saturating_mul(2)
                .clamp(MIN_TIMEOUT_NS, normal.max(MIN_TIMEOUT_NS));
        }
        normal
    }

    fn exchange_plain(&mut self, cmds: &[AnyCommand], shape: &RequestShape) -> Sent {
        let done = self.monitor.exchange_with_shape(cmds, shape);
        // The first exchange after a probe carries its verdict under the
        // second reading of the status byte.
        let probed = match &done {
            Ok(Ok(ex)) => self.follow_up(Some(ex.status().prev_frame())),
            Ok(Err(r)) => self.follow_up(Some(r.status.prev_frame())),
            Err(_) => self.follow_up(None),
        };
        match done {
            Ok(Ok(ex)) => {
                self.answered(cmds);
                self.last_unanswered = unanswered(cmds, &ex);
                Sent::Reply(Box::new(ex))
            }
            Ok(Err(refused)) => {
                let ex = *refused.exchange;
                self.answered(cmds);
                let now = unanswered(cmds, &ex);
                if refused.reason == RefusalReason::Reject
                    && !probed
                    && self.fruitless < FRUITLESS_LIMIT
                {
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

    pub(crate) fn unanswered_proprietary(&mut self, cmds: &[AnyCommand]) {
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
}
