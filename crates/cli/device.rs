//! Opening the monitor a `--device` selector names, with the exit codes of
//! interface.md: 2 for a bad selector, 3 when no monitor is there; and the
//! bus that `devices` and `record` look at.

use std::path::Path;
use std::sync::Arc;

use clap::Args;
use erglink_pm::{DriverError, Monitor, Settings};
use erglink_transport::{
    Bus, DeviceSelector, ErrorKind, HardwareBus, SimBus, Transcribing, TranscriptWriter, Transport,
};

use crate::error::{Exit, Failure};

/// `--device`, shared by the commands that talk to a monitor.
#[derive(Debug, Args, Clone)]
pub struct DeviceArgs {
    /// The monitor: hid, hid:VID:PID, hid:serial=S, hid:path=P, usb…, sim:pm5?…, replay:PATH.
    #[arg(long, short = 'd', default_value = "hid", value_name = "SEL")]
    pub device: String,
}

pub type AnyMonitor = Monitor<Box<dyn Transport>>;

/// Maps a transport failure to the one line and exit code users see.
pub fn transport_failure(what: &str, e: &erglink_transport::TransportError) -> Failure {
    let exit = match e.kind {
        ErrorKind::NotFound => Exit::NoMonitor,
        ErrorKind::Unsupported => Exit::BadInput,
        _ => Exit::Failed,
    };
    Failure::new(exit, what, &e.message)
}

/// A driver error as a failure (exit 1, or 3 when the device went away).
pub fn driver_failure(what: &str, e: &DriverError) -> Failure {
    match e {
        DriverError::Transport(t) => transport_failure(what, t),
        DriverError::Report(p) => Failure::bad_input(what, p),
        other => Failure::failed(what, other),
    }
}

/// A testing aid: simulated monitors on a simulated bus in place of the
/// machine's, `sim:` selectors separated by spaces, each optionally
/// `@SECONDS`, its plug-in time (`sim:pm5?deny=3000&asleep=5000@2`).
pub const SIM_BUS_VAR: &str = "ERGLINK_SIM_BUS";

/// The bus `devices` lists and `record` records: the machine's USB bus, or
/// the simulated one `ERGLINK_SIM_BUS` describes (empty counts as unset).
pub fn bus() -> anyhow::Result<Arc<dyn Bus>> {
    match std::env::var(SIM_BUS_VAR) {
        Ok(text) if !text.trim().is_empty() => {
            let bus = SimBus::parse(&text)
                .map_err(|e| Failure::bad_input(format!("bad {SIM_BUS_VAR}"), &e.message))?;
            Ok(Arc::new(bus))
        }
        _ => Ok(Arc::new(HardwareBus::new())),
    }
}

/// Opens the selected monitor, recording a transcript if asked.
pub fn open(
    args: &DeviceArgs,
    transcript: Option<&Path>,
    settings: Settings,
) -> anyhow::Result<AnyMonitor> {
    let selector = DeviceSelector::parse(&args.device).map_err(|e| {
        Failure::bad_input("bad --device", &e.why).hint(format!(
            "`{}` is not a selector; see `erglink --help` or the README",
            e.selector
        ))
    })?;
    let transport = erglink_transport::open(&selector).map_err(|e| match e.kind {
        ErrorKind::BadReport if matches!(selector, DeviceSelector::Sim { .. }) => {
            Failure::bad_input("bad --device", &e.message)
        }
        _ => transport_failure(&format!("cannot open {selector}"), &e),
    })?;
    let transport: Box<dyn Transport> = match transcript {
        Some(path) => {
            let writer = TranscriptWriter::create(path, transport.info(), transport.report_sizes())
                .map_err(|e| Failure::failed("cannot write the transcript", &e.message))?;
            Box::new(Transcribing::new(transport, writer))
        }
        None => transport,
    };
    Ok(Monitor::with_settings(transport, settings))
}
