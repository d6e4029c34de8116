//! One mutated frame and the liveness check after it (GETSTATUS), read into
//! an anomaly or none. The fuzzer, its minimiser and `--reproduce` all judge
//! through here, so a saved anomaly recurs by the same rule that found it.

use erglink_csafe::{State, format_hex, frame};
use erglink_pm::{DriverError, Monitor};
use erglink_transport::{Transport, TransportError};

/// GETSTATUS.
pub const GETSTATUS: [u8; 4] = [0xF1, 0x80, 0x80, 0xF2];
/// Liveness checks before the monitor is reopened.
pub const LIVENESS_TRIES: usize = 3;

/// What was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnomalyKind {
    /// A valid frame, or a liveness check, went unanswered (it answered again by itself).
    NoReply,
    /// The liveness check's reply carried replies to commands it did not send.
    WrongFrame,
    /// The liveness check's reply did not flip the toggle.
    ToggleStuck,
    /// The state machine moved, though only getters (or garbage) were sent.
    StateChange,
    /// The monitor answered nothing until it was opened again.
    NeedsReopen,
}

impl AnomalyKind {
    /// `no-reply`, `wrong-frame`, `toggle-stuck`, `state-change`, `needs-reopen`.
    pub fn name(self) -> &'static str {
        match self {
            AnomalyKind::NoReply => "no-reply",
            AnomalyKind::WrongFrame => "wrong-frame",
            AnomalyKind::ToggleStuck => "toggle-stuck",
            AnomalyKind::StateChange => "state-change",
            AnomalyKind::NeedsReopen => "needs-reopen",
        }
    }

    /// The kind a name gives.
    pub fn parse(name: &str) -> Option<AnomalyKind> {
        [
            AnomalyKind::NoReply,
            AnomalyKind::WrongFrame,
            AnomalyKind::ToggleStuck,
            AnomalyKind::StateChange,
            AnomalyKind::NeedsReopen,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

/// What one frame and its liveness check came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing wrong; the state the monitor is in after it.
    Fine {
        /// Whether the frame itself got a reply.
        answered: bool,
        /// The state after.
        state: State,
    },
    /// The driver would not send it (no report takes it).
    Refused(String),
    /// Something was wrong.
    Anomaly {
        /// What.
        kind: AnomalyKind,
        /// For people.
        detail: String,
        /// The state after, when the monitor answered again.
        state: Option<State>,
    },
    /// The monitor answers nothing even after reopening: the run cannot go on.
    Dead(String),
}

/// Opens the monitor again (a new handle), as a host would after an unplug.
pub type Reopen<'a> = dyn FnMut() -> Result<Box<dyn Transport>, TransportError> + 'a;

/// Sends `frame` (in `report`, or the policy's), then checks the monitor is
/// alive, and unchanged since it was in `before` (`None`: a frame that may
/// change the state, sent with `--allow-set`, whose change is no anomaly).
pub fn probe(
    monitor: &mut Monitor<Box<dyn Transport>>,
    reopen: &mut Reopen<'_>,
    frame_bytes: &[u8],
    report: Option<u8>,
    before: Option<State>,
) -> Outcome {
    let answered = match monitor.send_frame(frame_bytes, report) {
        Ok(_) => true,
        Err(DriverError::Timeout { .. } | DriverError::Truncated { .. }) => false,
        Err(DriverError::Transport(e)) => {
            return reopen_and_check(
                monitor,
                reopen,
                &format!("sending it failed ({})", e.message),
            );
        }
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let valid = frame::decode_frame(frame_bytes).is_ok();
    for attempt in 0..LIVENESS_TRIES {
        match monitor.send_frame(&GETSTATUS, None) {
            Ok(ex) => {
                let state = ex.status().state();
                let kind = if attempt > 0 {
                    Some((
                        AnomalyKind::NoReply,
                        format!(
                            "GETSTATUS after it went unanswered {attempt} time(s), then answered"
                        ),
                    ))
                } else if ex
                    .response
                    .replies
                    .iter()
                    .any(|r| r.request_index.is_none())
                {
                    Some((
                        AnomalyKind::WrongFrame,
                        format!(
                            "GETSTATUS after it was answered with {}",
                            format_hex(&ex.reply)
                        ),
                    ))
                } else if ex.toggle_flipped == Some(false) {
                    Some((
                        AnomalyKind::ToggleStuck,
                        "GETSTATUS after it did not flip the toggle".into(),
                    ))
                } else if let Some(before) = before
                    && state != before
                {
                    Some((
                        AnomalyKind::StateChange,
                        format!("the state went from {before} to {state}"),
                    ))
                } else if !answered && valid {
                    Some((AnomalyKind::NoReply, "a valid frame got no reply".into()))
                } else {
                    None
                };
                return match kind {
                    Some((kind, detail)) => Outcome::Anomaly {
                        kind,
                        detail,
                        state: Some(state),
                    },
                    None => Outcome::Fine { answered, state },
                };
            }
            Err(DriverError::Transport(e)) => {
                return reopen_and_check(
                    monitor,
                    reopen,
                    &format!("GETSTATUS failed ({})", e.message),
                );
            }
            Err(_) => {}
        }
    }
    reopen_and_check(
        monitor,
        reopen,
        &format!("{LIVENESS_TRIES} GETSTATUS after it went unanswered"),
    )
}

/// The monitor went silent: reopen it and ask again.
fn reopen_and_check(
    monitor: &mut Monitor<Box<dyn Transport>>,
    reopen: &mut Reopen<'_>,
    what: &str,
) -> Outcome {
    match reopen() {
        Ok(t) => monitor.replace_transport(t),
        Err(e) => return Outcome::Dead(format!("{what}, and reopening failed: {}", e.message)),
    }
    match monitor.send_frame(&GETSTATUS, None) {
        Ok(ex) => Outcome::Anomaly {
            kind: AnomalyKind::NeedsReopen,
            detail: format!("{what}; it answered again only after reopening"),
            state: Some(ex.status().state()),
        },
        Err(e) => Outcome::Dead(format!(
            "{what}, and it does not answer after reopening either ({e})"
        )),
    }
}

/// The state now, by one GETSTATUS (reopening once if it is silent).
pub fn current_state(
    monitor: &mut Monitor<Box<dyn Transport>>,
    reopen: &mut Reopen<'_>,
) -> Result<State, String> {
    if let Ok(ex) = monitor.send_frame(&GETSTATUS, None) {
        return Ok(ex.status().state());
    }
    monitor.replace_transport(reopen().map_err(|e| e.message)?);
    monitor
        .send_frame(&GETSTATUS, None)
        .map(|ex| ex.status().state())
        .map_err(|e| format!("the monitor does not answer GETSTATUS: {e}"))
}
