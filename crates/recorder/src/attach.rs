//! Finding the monitor and keeping it: identifying it (retried while it is
//! asleep or away), what its identity says (model, machine), and what a
//! transport error comes to (reopen, or wait for a replug).

use std::sync::atomic::{AtomicBool, Ordering};

use erglink_csafe::command::PmGetErgMachineType;
use erglink_pm::{DriverError, Identity};
use erglink_transport::{ErrorKind, Transport, TransportError};

use crate::adapt::what;
use crate::error::RecorderError;
use crate::lifecycle::Active;
use crate::machine::{machine_of, resolve};
use crate::poller::MonitorRecorder;
use crate::reconnect::AfterError;

/// Longest wait between attempts to identify a monitor that does not answer.
const IDENTIFY_RETRY_NS: u64 = 1_000_000_000;

impl<T: Transport> MonitorRecorder<T> {
    /// After a transport error: reopen at once; a monitor that is not there
    /// is disconnected, and is waited for (the session's gap).
    pub(crate) fn transport_failed(
        &mut self,
        e: &TransportError,
        active: Option<&mut Active>,
        stop: &AtomicBool,
    ) {
        let every = self.options.reconnect_every_ns;
        match self
            .reconnect
            .after_error(self.link.monitor_mut(), e, every)
        {
            AfterError::Back => {}
            AfterError::Gone => {
                tracing::info!("{}: unplugged ({e})", self.name());
                if let Some(a) = active {
                    a.rec.gap_start();
                    a.unplugged();
                }
                self.update_live(|l| l.state = "unplugged");
                if self
                    .reconnect
                    .wait_for_return(self.link.monitor_mut(), stop, every)
                {
                    tracing::info!("{}: back", self.name());
                    self.update_live(|l| l.state = "recording");
                }
            }
        }
    }

    /// Identifies the monitor, waiting for it while it is away or asleep.
    /// False when the time given ran out first.
    pub(crate) fn identify(
        &mut self,
        stop: &AtomicBool,
        started: u64,
    ) -> Result<bool, RecorderError> {
        let mut said_waiting = false;
        let mut wait = IDENTIFY_RETRY_NS / 8;
        loop {
            if stop.load(Ordering::Relaxed) {
                return Err(RecorderError::Stopped);
            }
            if self.out_of_time(started) {
                return Ok(false);
            }
            match self.link.monitor_mut().identify() {
                Ok(id) => {
                    self.identified(id);
                    return Ok(true);
                }
                Err(DriverError::Transport(e)) if e.kind != ErrorKind::Diverged => {
                    self.transport_failed(&e, None, stop);
                }
                Err(e @ (DriverError::Timeout { .. } | DriverError::Truncated { .. })) => {
                    if !said_waiting {
                        tracing::info!("{}: waiting for the monitor to answer ({e})", self.name());
                        said_waiting = true;
                    }
                    self.link.monitor_mut().transport_mut().sleep_ns(wait);
                    wait = (wait * 2).min(IDENTIFY_RETRY_NS);
                }
                Err(e) => return Err(RecorderError::Driver(self.name(), e)),
            }
        }
    }

    /// What the identity says: the model, and the machine.
    fn identified(&mut self, id: Identity) {
        let name = self.name();
        if let (Some(m), Some(v)) = (id.model, id.version_model)
            && m != v
        {
            self.adaptations.add(
                &name,
                what::MODEL,
                format!("PM{m}"),
                format!("the USB product string says PM{m}; GETVERSION's model byte says {v}"),
            );
        }
        self.identity = Some(id);
        self.ask_machine();
    }

    /// Whether the monitor may say which machine it sits on: a PM5 answers
    /// `7E ED`; a PM3 or PM4 refuses it, and is not asked.
    pub(crate) fn reports_machine(&self) -> bool {
        let model = self.identity.as_ref().and_then(|i| i.model);
        model.is_none_or(|m| m >= 5) && !self.link.is_given_up(&PmGetErgMachineType {}.into())
    }

    /// Asks the monitor its machine, if it may say, and settles the machine:
    /// reported, else the user's word, else RowErg, assumed. A transport
    /// error surfaces on the next poll, which handles it.
    pub(crate) fn ask_machine(&mut self) {
        let reported = if self.reports_machine() {
            self.link
                .ask(PmGetErgMachineType {})
                .ok()
                .flatten()
                .map(|m| machine_of(m.machine_type))
        } else {
            None
        };
        let serial = self.identity.as_ref().and_then(|i| i.serial.clone());
        let (machine, source) = resolve(reported, serial.as_deref(), &self.options);
        self.machine = machine;
        self.machine_source = source;
    }
}
