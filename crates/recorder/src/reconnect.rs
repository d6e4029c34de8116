//! A monitor that went away. After any transport error the device is looked
//! up again by serial (the reopen closure): found, its new handle replaces
//! the old one, which an unplug leaves dead; not found, it is disconnected,
//! and it is looked for again until it comes back. Repeated errors back off,
//! on the transport's clock, up to the reconnect interval.

use std::sync::atomic::{AtomicBool, Ordering};

use erglink_csafe::command::GetStatus;
use erglink_pm::{DriverError, Monitor};
use erglink_transport::{ErrorKind, Transport, TransportError};

use crate::options::Reopen;

/// The first wait after a second error in a row; it doubles from there.
const FIRST_BACKOFF_NS: u64 = 50_000_000;

/// What a transport error came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterError {
    /// The monitor is there (reopened, or the error was passing): go on.
    Back,
    /// The monitor is not there.
    Gone,
}

/// Reopens a monitor after transport errors.
pub struct Reconnect<T> {
    reopen: Option<Reopen<T>>,
    errors_in_row: u32,
}

impl<T: Transport> Reconnect<T> {
    /// With `reopen`, the way to find the monitor again, if the backend's
    /// handle dies with an unplug.
    pub fn new(reopen: Option<Reopen<T>>) -> Self {
        Self {
            reopen,
            errors_in_row: 0,
        }
    }

    /// An exchange worked: errors are no longer in a row.
    pub fn succeeded(&mut self) {
        self.errors_in_row = 0;
    }

    fn backoff_ns(&self, cap_ns: u64) -> u64 {
        let doublings = self.errors_in_row.saturating_sub(2).min(20);
        (FIRST_BACKOFF_NS << doublings).min(cap_ns)
    }

    /// Reopens the device, replacing the transport; `Err` when it is not
    /// there or cannot be opened now.
    fn try_reopen(&mut self, monitor: &mut Monitor<T>) -> Option<Result<(), TransportError>> {
        let reopen = self.reopen.as_mut()?;
        Some(reopen().map(|t| monitor.replace_transport(t)))
    }

    /// After transport error `e`: backs off if errors come in a row, then
    /// looks for the monitor again.
    pub fn after_error(
        &mut self,
        monitor: &mut Monitor<T>,
        e: &TransportError,
        cap_ns: u64,
    ) -> AfterError {
        self.errors_in_row += 1;
        if self.errors_in_row > 1 {
            let wait = self.backoff_ns(cap_ns);
            monitor.transport_mut().sleep_ns(wait);
        }
        match self.try_reopen(monitor) {
            Some(Ok(())) => AfterError::Back,
            Some(Err(again)) => {
                if again.kind != ErrorKind::NotFound {
                    tracing::debug!("cannot reopen the monitor yet: {again}");
                }
                AfterError::Gone
            }
            // Without a way to reopen, the handle is all there is: only an
            // error that says so means the monitor went away.
            None if e.kind == ErrorKind::Disconnected => AfterError::Gone,
            None => AfterError::Back,
        }
    }

    /// Waits, `every_ns` at a time on the transport's clock, for a monitor
    /// that went away. False if `stop` came first.
    pub fn wait_for_return(
        &mut self,
        monitor: &mut Monitor<T>,
        stop: &AtomicBool,
        every_ns: u64,
    ) -> bool {
        while !stop.load(Ordering::Relaxed) {
            monitor.transport_mut().sleep_ns(every_ns);
            match self.try_reopen(monitor) {
                Some(Ok(())) => {
                    self.errors_in_row = 0;
                    return true;
                }
                Some(Err(_)) => continue,
                None => {}
            }
            match monitor.call(GetStatus {}) {
                Ok(_) => {
                    self.errors_in_row = 0;
                    return true;
                }
                Err(DriverError::Transport(e)) if e.kind == ErrorKind::Disconnected => {}
                Err(_) => {}
            }
        }
        false
    }
}
