//! `erglink record`: every stroke and force curve of every monitor, into the
//! session database.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use erglink_model::{Machine, Tags};
use erglink_recorder::{Live, LivePublisher, Options, SessionSummary, Target, Until, record_on};
use erglink_store::{Store, WriterOptions};
use erglink_transport::DeviceSelector;
use serde_json::json;

use crate::db::{DbArgs, failure};
use crate::error::Failure;
use crate::output::{emit, emit_json};

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Monitors to record (repeatable). Without it, every monitor attached,
    /// including those plugged in later.
    #[arg(long, short = 'd', value_name = "SEL")]
    device: Vec<String>,
    #[command(flatten)]
    db: DbArgs,
    /// Keep every USB report in the session's exchange log.
    #[arg(long)]
    raw_log: bool,
    /// Stop after a duration (90s, 10m, 1h, 1:30:00), or once a workout has finished.
    #[arg(long, value_name = "DURATION|finished", value_parser = parse_until)]
    until: Option<Until>,
    /// A session ends after this many seconds without a stroke (rests excepted).
    #[arg(long, default_value_t = 60, value_name = "S")]
    idle_timeout: u64,
    /// Who rows.
    #[arg(long)]
    athlete: Option<String>,
    /// Which station or machine.
    #[arg(long)]
    station: Option<String>,
    /// A note for the session.
    #[arg(long)]
    note: Option<String>,
    /// The machine (rower, skierg or bikeerg) of monitors that cannot say
    /// which one they sit on: PM3 and PM4 refuse the question, so without
    /// this their sessions are stored as RowErg, marked as assumed. A bare
    /// MACHINE names it for every such monitor (once); SERIAL=MACHINE for
    /// the monitor with that serial (repeatable). A PM5 reports its machine.
    #[arg(long, value_name = "[SERIAL=]MACHINE")]
    machine: Vec<String>,
    /// Append a line for every commit the store completes (for crash audits).
    #[arg(long, value_name = "FILE", hide = true)]
    commit_log: Option<PathBuf>,
    /// Print a JSON summary at the end.
    #[arg(long)]
    json: bool,
    /// Serve while recording, as `erglink serve --listen ADDR` does, with
    /// live events straight from the recorder: Terra's streaming protocol
    /// at /connect and the page /live. Port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    serve: Option<String>,
    #[command(flatten)]
    access: super::serve::AccessArgs,
}

/// Live events the recorder may publish before the server reads them; a
/// full channel drops (the recording never waits).
const LIVE_CHANNEL: usize = 8192;

/// `90s`, `10m`, `1h`, `1:30:00`, `45`, or `finished`.
pub fn parse_until(text: &str) -> Result<Until, String> {
    if text.eq_ignore_ascii_case("finished") {
        return Ok(Until::Finished);
    }
    parse_duration(text)
        .map(|s| Until::Duration((s * 1e9) as u64))
        .ok_or_else(|| format!("`{text}` is not a duration (90s, 10m, 1h, 1:30:00) or `finished`"))
}

fn parse_duration(text: &str) -> Option<f64> {
    if text.contains(':') {
        return text.split(':').try_fold(0.0, |acc, part| {
            part.parse::<f64>().ok().map(|v| acc * 60.0 + v)
        });
    }
    let (num, unit) = text.split_at(
        text.find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(text.len()),
    );
    let v: f64 = num.parse().ok()?;
    let scale = match unit {
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "ms" => 0.001,
        _ => return None,
    };
    Some(v * scale)
}

/// `rower`, `skierg` or `bikeerg`, in any case.
pub fn parse_machine(text: &str) -> Result<Machine, String> {
    match text.to_ascii_lowercase().as_str() {
        "rower" => Ok(Machine::RowErg),
        "skierg" => Ok(Machine::SkiErg),
        "bikeerg" => Ok(Machine::BikeErg),
        _ => Err(format!(
            "`{text}` is not a machine: use rower, skierg or bikeerg"
        )),
    }
}

/// The machines `--machine` names: one for every monitor that cannot say
/// (at most one), and one per serial.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MachineChoice {
    /// A bare `--machine MACHINE`.
    pub default: Option<Machine>,
    /// `--machine SERIAL=MACHINE`, in the order given, each serial once.
    pub by_serial: Vec<(String, Machine)>,
}

/// Parses every `--machine` value; the error is one line, for exit 2.
pub fn parse_machines(values: &[String]) -> Result<MachineChoice, String> {
    let mut choice = MachineChoice::default();
    for v in values {
        match v.split_once('=') {
            None => {
                let m = parse_machine(v)?;
                match choice.default {
                    Some(first) if first != m => {
                        return Err(format!(
                            "two machines for every monitor ({} and {}): give one, and \
                             SERIAL=MACHINE for the others",
                            machine_word(first),
                            machine_word(m)
                        ));
                    }
                    _ => choice.default = Some(m),
                }
            }
            Some((serial, m)) => {
                let serial = serial.trim();
                if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!(
                        "`{v}`: a monitor's serial is its digits (9 on a PM, as `erglink \
                         devices` lists them), then =MACHINE"
                    ));
                }
                let m = parse_machine(m)?;
                match choice.by_serial.iter().find(|(s, _)| s == serial) {
                    Some((_, first)) if *first != m => {
                        return Err(format!(
                            "two machines for monitor {serial} ({} and {})",
                            machine_word(*first),
                            machine_word(m)
                        ));
                    }
                    Some(_) => {}
                    None => choice.by_serial.push((serial.to_string(), m)),
                }
            }
        }
    }
    Ok(choice)
}

/// The word `--machine` takes for a machine.
pub fn machine_word(m: Machine) -> &'static str {
    match m {
        Machine::RowErg => "rower",
        Machine::SkiErg => "skierg",
        Machine::BikeErg => "bikeerg",
    }
}

/// How long data waits for its commit: a standalone `erglink serve` streams
/// what is committed, so short (the writer's own default is its cap, 250 ms).
const COMMIT_EVERY: Duration = Duration::from_millis(100);

pub fn writer_options(commit_log: Option<PathBuf>) -> Result<WriterOptions> {
    let mut options = WriterOptions {
        commit_interval: COMMIT_EVERY,
        ..WriterOptions::default()
    };
    if let Some(path) = commit_log {
        use std::io::Write;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Failure::failed(format!("cannot open {}", path.display()), e))?;
        let file = std::sync::Mutex::new(file);
        options.on_commit = Some(Arc::new(move |c: &erglink_store::Commit| {
            // One write per line, flushed, so a killed process leaves whole lines.
            let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(f, "commit {} rows {}", c.seq, c.rows);
            let _ = f.flush();
        }));
    }
    Ok(options)
}

fn summary_json(s: &SessionSummary) -> serde_json::Value {
    json!({
        "session": s.id.to_string(),
        "samples": s.samples,
        "strokes": s.strokes,
        "force_curves": s.curves.0,
        "complete_force_curves": s.curves.1,
        "duration_s": s.duration_ns as f64 / 1e9,
        "achieved_hz": s.achieved_hz,
        "report_id": s.report_id,
        "workout_finished": s.workout_finished,
    })
}

pub fn run(a: RecordArgs) -> Result<()> {
    let machines = parse_machines(&a.machine).map_err(|why| {
        Failure::bad_input("bad --machine", why)
            .hint("Give --machine rower|skierg|bikeerg, or --machine SERIAL=MACHINE")
    })?;
    let target = if a.device.is_empty() {
        Target::AllAttached
    } else {
        let list = a
            .device
            .iter()
            .map(|d| {
                DeviceSelector::parse(d).map_err(|e| Failure::bad_input("bad --device", &e.why))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Target::Devices(list)
    };
    let serve = match &a.serve {
        Some(addr) => {
            let credentials = a.access.credentials()?;
            Some((super::serve::listen_addr(addr, &credentials)?, credentials))
        }
        None if a.access.any() => {
            return Err(Failure::bad_input(
                "--dev-id, --api-key-* and --heartbeat-interval are serving's",
                "record serves only with --serve ADDR",
            )
            .into());
        }
        None => None,
    };
    let bus = crate::device::bus()?;
    let path = a.db.path()?;
    let store = Store::open(&path).map_err(|e| failure(&path, e))?;
    let writer = Arc::new(
        store
            .writer(writer_options(a.commit_log.clone())?)
            .map_err(|e| failure(&path, e))?,
    );
    let options = Options {
        until: a.until.unwrap_or(Until::Stopped),
        idle_timeout_ns: a.idle_timeout * 1_000_000_000,
        tags: Tags {
            athlete: a.athlete,
            station: a.station,
            note: a.note,
        },
        raw_log: a.raw_log,
        machine: machines.default,
        machine_by_serial: machines.by_serial,
        ..Options::default()
    };
    let (publisher, live_rx) = LivePublisher::channel(LIVE_CHANNEL);
    let mut options = options;
    let server_config = serve.map(|(listen, credentials)| {
        options.live_events = Some(publisher.clone());
        let mut c = erglink_serve::Config::new(store.clone(), listen);
        c.credentials = credentials;
        c.live = a.access.live(erglink_serve::live::LiveSource::Recorder);
        // The recorder's process does nothing for the REST API beforehand.
        c.prefill_summaries = false;
        c
    });
    let live = Live::default();
    let stop = Arc::new(AtomicBool::new(false));
    let tty = std::io::stdout().is_terminal();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (sessions, errors) = rt.block_on(async {
        let server = match server_config {
            Some(c) => {
                let server = erglink_serve::Server::bind(c)
                    .await
                    .map_err(|e| Failure::failed("cannot serve", e))?;
                eprintln!("listening on http://{}", server.local_addr());
                server.live_events(live_rx);
                let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
                let task = tokio::spawn(server.run(async {
                    let _ = done_rx.await;
                }));
                Some((done_tx, task))
            }
            None => {
                drop(live_rx);
                None
            }
        };
        let ctrl_c_stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\nerglink: stopping; ending sessions cleanly (Ctrl-C again to force)");
                ctrl_c_stop.store(true, Ordering::Relaxed);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
        if tty {
            let live = live.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut shown = 0;
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    let lines: Vec<String> = live
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .values()
                        .map(|l| l.render())
                        .collect();
                    let mut out = String::new();
                    if shown > 0 {
                        out.push_str(&format!("\x1b[{shown}A"));
                    }
                    for l in &lines {
                        out.push_str(&format!("\r\x1b[2K{l}\n"));
                    }
                    shown = lines.len();
                    print!("{out}");
                    use std::io::Write;
                    let _ = std::io::stdout().flush();
                }
            });
        }
        let recorded = record_on(
            bus,
            target,
            writer.clone(),
            options,
            live.clone(),
            stop.clone(),
        )
        .await;
        if let Some((done, task)) = server {
            if publisher.dropped() > 0 {
                tracing::warn!(
                    "{} of {} live events were dropped: the server fell behind the recorder",
                    publisher.dropped(),
                    publisher.published() + publisher.dropped()
                );
            }
            drop(publisher);
            let _ = done.send(());
            match tokio::time::timeout(Duration::from_secs(10), task).await {
                Ok(Ok(Err(e))) => tracing::warn!("serving stopped: {e}"),
                Ok(_) => {}
                Err(_) => tracing::warn!("the server did not stop within 10 s"),
            }
        }
        Ok::<_, Failure>(recorded)
    })?;
    stop.store(true, Ordering::Relaxed);
    Arc::try_unwrap(writer)
        .map_err(|_| {
            Failure::failed(
                "cannot close the database",
                "a monitor task still holds the writer",
            )
        })?
        .close()
        .map_err(|e| failure(&path, e))?;
    if a.json {
        emit_json(&json!({
            "database": path.display().to_string(),
            "sessions": sessions.iter().map(summary_json).collect::<Vec<_>>(),
            "errors": errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
    } else if tty {
        for s in &sessions {
            emit(&format!(
                "session {}: {} strokes, {} samples ({:.1}/s), {} of {} force curves whole",
                s.id, s.strokes, s.samples, s.achieved_hz, s.curves.1, s.curves.0
            ));
        }
    }
    if let Some(e) = errors.first() {
        return Err(Failure::failed("recording failed", e).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_until("finished"), Ok(Until::Finished));
        assert_eq!(parse_until("90s"), Ok(Until::Duration(90_000_000_000)));
        assert_eq!(parse_until("10m"), Ok(Until::Duration(600_000_000_000)));
        assert_eq!(
            parse_until("1:30:00"),
            Ok(Until::Duration(5_400_000_000_000))
        );
        assert_eq!(parse_until("45"), Ok(Until::Duration(45_000_000_000)));
        assert!(parse_until("soon").is_err());
    }

    fn machines(values: &[&str]) -> Result<MachineChoice, String> {
        parse_machines(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn machine_names() {
        assert_eq!(parse_machine("rower"), Ok(Machine::RowErg));
        assert_eq!(parse_machine("SkiErg"), Ok(Machine::SkiErg));
        assert_eq!(parse_machine("BIKEERG"), Ok(Machine::BikeErg));
        for bad in ["", "row", "rowerg ", "ski", "treadmill"] {
            let e = parse_machine(bad).unwrap_err();
            assert!(e.contains("rower, skierg or bikeerg"), "{bad}: {e}");
        }
    }

    #[test]
    fn machine_default_and_by_serial() {
        assert_eq!(machines(&[]), Ok(MachineChoice::default()));
        assert_eq!(
            machines(&["skierg", "430228525=bikeerg", "300740897=rower"]),
            Ok(MachineChoice {
                default: Some(Machine::SkiErg),
                by_serial: vec![
                    ("430228525".into(), Machine::BikeErg),
                    ("300740897".into(), Machine::RowErg),
                ],
            })
        );
        // Said twice the same way is no conflict.
        assert_eq!(
            machines(&["skierg", "SKIERG", "1=rower", "1=rower"]),
            Ok(MachineChoice {
                default: Some(Machine::SkiErg),
                by_serial: vec![("1".into(), Machine::RowErg)],
            })
        );
    }

    #[test]
    fn machine_words_round_trip() {
        for m in [Machine::RowErg, Machine::SkiErg, Machine::BikeErg] {
            assert_eq!(parse_machine(machine_word(m)), Ok(m));
        }
        // A choice written back as arguments parses to itself.
        let choice = MachineChoice {
            default: Some(Machine::BikeErg),
            by_serial: vec![
                ("430228525".into(), Machine::SkiErg),
                ("1".into(), Machine::RowErg),
            ],
        };
        let mut args = vec![machine_word(Machine::BikeErg).to_string()];
        for (serial, m) in &choice.by_serial {
            args.push(format!("{serial}={}", machine_word(*m)));
        }
        assert_eq!(parse_machines(&args), Ok(choice));
    }

    #[test]
    fn random_machine_values_never_panic() {
        let alphabet = b"rowebikskiERG=0123456789 -";
        let mut x: u64 = 99;
        for _ in 0..20_000 {
            let mut next = || {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (x >> 33) as usize
            };
            let values: Vec<String> = (0..next() % 3)
                .map(|_| {
                    let len = next() % 12;
                    (0..len)
                        .map(|_| char::from(alphabet[next() % alphabet.len()]))
                        .collect()
                })
                .collect();
            if let Err(e) = parse_machines(&values) {
                assert!(!e.contains('\n'), "{values:?}: {e}");
            }
        }
    }

    #[test]
    fn bad_machine_values_are_one_line_errors() {
        for bad in [
            &["rowing"][..],
            &["skierg", "bikeerg"],
            &["=skierg"],
            &["PM-12=rower"],
            &["430228525="],
            &["430228525=ski"],
            &["430228525=rower", "430228525=skierg"],
        ] {
            let e = machines(bad).unwrap_err();
            assert!(!e.is_empty() && !e.contains('\n'), "{bad:?}: {e}");
        }
        assert!(
            machines(&["skierg", "bikeerg"])
                .unwrap_err()
                .contains("two machines for every monitor (skierg and bikeerg)")
        );
    }
}
