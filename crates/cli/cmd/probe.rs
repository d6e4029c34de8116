//! `erglink probe`: for someone with a real monitor. A fixed, safe script of
//! getters that settles what the protocol reference marks unknown, saved as a
//! transcript and a summary to send back, ending with one line of readings
//! named as the simulator's options are (`pace_units=s_km …`), so that the
//! simulator can be set to play that monitor.
//!
//! Nothing it sends changes the monitor without `--allow-set`: getters, a
//! GETSTATUS with a bad checksum, and one command id no CSAFE table assigns
//! (to see which reply carries the Reject).

mod readings;
mod rowing;
mod values;
mod watch;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use erglink_csafe::command::{
    GetStatus, GetVersion, PmGetErgMachineType, PmGetHwAddress, PmGetLastSplitDistance,
    PmGetLastSplitTime, PmGetSplitAvgPower, PmGetStrokeStats, PmGetWorkDistanceData,
    PmGetWorkTimeData, PmGetWorkoutDuration,
};
use erglink_csafe::{AnyCommand, Outcome, PrevFrameStatus, workout};
use erglink_model::Machine;
use erglink_pm::{LatencyHistogram, Settings};
use serde_json::{Value as Json, json};

use self::readings::{EchoSeen, Getter, Heard, Reading, Readings};
use crate::cmd::raw::histogram_json;
use crate::cmd::record::parse_machine;
use crate::device::{AnyMonitor, DeviceArgs, driver_failure, open};
use crate::error::Failure;
use crate::output::{emit, emit_json};

#[derive(Debug, Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    device: DeviceArgs,
    /// Transcript file to write; the summary goes beside it as FILE.summary.json.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Also program a Just Row workout, to see how set commands are echoed.
    /// Without it the probe changes no workout state.
    #[arg(long)]
    allow_set: bool,
    /// Round trips timed per report.
    #[arg(long, default_value_t = 50)]
    samples: u32,
    /// How long to watch the monitor while you row, seconds. Start rowing
    /// from a standstill once it begins; row through a rest of an interval
    /// workout to settle the rest-time unit. It ends early once all is settled.
    #[arg(long, default_value_t = 30, value_name = "S")]
    watch: u64,
    /// The machine (rower, skierg or bikeerg), for a PM3 or PM4, which cannot
    /// say: GETPACE is read against GETPOWER by the machine's relation.
    #[arg(long, value_name = "MACHINE")]
    machine: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn exchange(m: &mut AnyMonitor, cmds: Vec<AnyCommand>) -> Result<erglink_pm::Exchange, String> {
    match m.exchange(&cmds) {
        Ok(Ok(ex)) => Ok(ex),
        Ok(Err(refused)) => Ok(*refused.exchange),
        Err(e) => Err(e.to_string()),
    }
}

fn report_sizes(m: &mut AnyMonitor) -> Json {
    let sizes = m.transport().report_sizes().clone();
    let mut answers = Vec::new();
    for &(id, size) in sizes.entries() {
        let frame = [0xF1, 0x80, 0x80, 0xF2];
        let r = m.send_frame(&frame, Some(id));
        answers.push(json!({
            "report_id": id,
            "size": size,
            "answers": r.is_ok(),
            "latency_s": r.as_ref().ok().map(|e| e.latency_ns() as f64 / 1e9),
        }));
    }
    json!({ "declared": sizes.entries(), "getstatus_per_report": answers })
}

fn bad_checksum(m: &mut AnyMonitor) -> Json {
    match m.send_frame(&[0xF1, 0x80, 0x81, 0xF2], None) {
        Ok(ex) => json!({
            "answered": true,
            "previous_frame": ex.status().prev_frame().name(),
            "reply": erglink_csafe::format_hex(&ex.reply),
        }),
        Err(e) => json!({ "answered": false, "detail": e.to_string() }),
    }
}

fn set_echo(m: &mut AnyMonitor, allowed: bool) -> (Json, EchoSeen) {
    if !allowed {
        let why = "run with --allow-set to program a Just Row workout and see the echo";
        return (json!({ "skipped": why }), EchoSeen::NotAllowed);
    }
    let ex = exchange(m, workout::just_row());
    // A Reject of the program shows in this reply, or with prev_status=last in the next.
    let next = m.exchange(&[GetStatus {}.into()]).ok().map(|r| {
        r.map_or_else(|e| e.exchange.status(), |x| x.status())
            .prev_frame()
    });
    match ex {
        Ok(ex) => {
            let echoed: Vec<String> = ex
                .response
                .replies
                .iter()
                .filter(|r| r.outcome == Outcome::Ack)
                .map(|r| r.name())
                .collect();
            let not: Vec<String> = ex.response.not_echoed().map(|r| r.name()).collect();
            let rejected =
                [Some(ex.status().prev_frame()), next].contains(&Some(PrevFrameStatus::Reject));
            let seen = if rejected {
                EchoSeen::Rejected
            } else if !echoed.is_empty() {
                EchoSeen::Ids(echoed.clone())
            } else if ex.response.contents.len() == 1 {
                EchoSeen::Bare
            } else {
                EchoSeen::Other(format!(
                    "the program came back as {}",
                    erglink_csafe::format_hex(&ex.reply)
                ))
            };
            let j = json!({
                "reply": erglink_csafe::format_hex(&ex.reply),
                "echoed": echoed,
                "not_echoed": not,
                "status_only": ex.response.replies.iter().all(|r| r.outcome == Outcome::StatusOnly),
                "rejected": rejected,
            });
            (j, seen)
        }
        Err(e) => (
            json!({ "error": e }),
            EchoSeen::Other(format!("the program got no answer: {e}")),
        ),
    }
}

fn latency(m: &mut AnyMonitor, samples: u32) -> Json {
    let mut per_report = serde_json::Map::new();
    for id in [1u8, 2] {
        if m.transport().report_sizes().get(id).is_none() {
            continue;
        }
        let mut h = LatencyHistogram::default();
        for _ in 0..samples {
            if let Ok(ex) = m.send_frame(&[0xF1, 0x80, 0x80, 0xF2], Some(id)) {
                h.record(ex.latency_ns());
            }
        }
        per_report.insert(format!("report_{id}"), histogram_json(&h));
    }
    Json::Object(per_report)
}

/// The proprietary getters the recorder may use, each tried alone.
fn proprietary_getters() -> Vec<AnyCommand> {
    vec![
        PmGetErgMachineType {}.into(),
        PmGetWorkoutDuration {}.into(),
        PmGetHwAddress {}.into(),
        PmGetWorkTimeData {}.into(),
        PmGetWorkDistanceData {}.into(),
        PmGetLastSplitTime {}.into(),
        PmGetLastSplitDistance {}.into(),
        PmGetSplitAvgPower {}.into(),
    ]
}

/// The machine a `7E ED` reply names.
fn machine_of(code: erglink_csafe::ErgMachineType) -> Machine {
    match code.to_u8() {
        128 | 143 | 225 => Machine::SkiErg,
        192..=194 | 207 | 226 => Machine::BikeErg,
        _ => Machine::RowErg,
    }
}

/// What the proprietary getters got.
struct Proprietary {
    getters: Vec<Getter>,
    /// The machine `7E ED` named, and what became of it.
    machine: Option<Machine>,
    ed: Heard,
    /// The statuses around each refusal, for `prev_status`.
    rejections: Vec<(Option<PrevFrameStatus>, Option<PrevFrameStatus>)>,
}

fn try_proprietary(m: &mut AnyMonitor) -> Proprietary {
    let mut p = Proprietary {
        getters: Vec::new(),
        machine: None,
        ed: Heard::Silent,
        rejections: Vec::new(),
    };
    for cmd in proprietary_getters() {
        let name = format!("{}@{}", cmd.name(), cmd.wrapper().label());
        let id = cmd.id();
        let t = watch::alone(m, cmd);
        if let Some(r) = t
            .response
            .as_ref()
            .and_then(|r| r.get::<PmGetErgMachineType>())
        {
            p.machine = Some(machine_of(r.machine_type));
        }
        if id == 0xED {
            p.ed = t.heard;
        }
        if t.heard == Heard::Refused {
            p.rejections.push((t.own, t.next));
        }
        p.getters.push(Getter {
            name,
            id,
            heard: t.heard,
        });
    }
    p
}

pub fn run(a: ProbeArgs) -> Result<()> {
    let given = a
        .machine
        .as_deref()
        .map(parse_machine)
        .transpose()
        .map_err(|why| Failure::bad_input("bad --machine", why))?;
    let mut m = open(&a.device, Some(&a.out), Settings::default())?;
    let identity = m
        .identify()
        .map_err(|e| driver_failure("the monitor does not answer GETVERSION", &e))?;
    // The raw model byte: identify() keeps only the models it knows.
    let model_byte = match m.call(GetVersion {}) {
        Ok(Ok(v)) => Some(v.model),
        _ => None,
    };
    // Once more at the start of the log: the state the probe found the PM in.
    let state = m
        .call(GetStatus {})
        .ok()
        .and_then(|r| r.err())
        .map(|r| r.status);
    let sizes = report_sizes(&mut m);

    // Before the watch, so that the first stroke from a standstill is seen.
    let stats_tried = watch::alone(&mut m, PmGetStrokeStats { reserved: 0 }.into());
    let mut rejections = vec![(stats_tried.own, stats_tried.next, "PM_GET_STROKESTATS")];
    let (own, next) = watch::rejected_pair(&mut m);
    let unassigned = format!("the unassigned command {:#04X}", watch::unassigned_id());
    rejections.push((own, next, &unassigned));
    let with_stats = stats_tried.heard == Heard::Answered;
    if std::io::stderr().is_terminal() {
        eprintln!(
            "erglink: probe: row now, steadily, from a standstill, for up to {} s",
            a.watch
        );
    }
    let log = watch::watch(&mut m, with_stats, a.watch.saturating_mul(1_000_000_000));

    let proprietary = try_proprietary(&mut m);
    rejections.extend(
        proprietary
            .rejections
            .iter()
            .map(|&(own, next)| (own, next, "a refused proprietary getter")),
    );
    let (reported, ed) = (proprietary.machine, proprietary.ed);
    let prev_status = rejections
        .iter()
        .find_map(|(own, next, what)| readings::prev_status(*own, *next, what))
        .unwrap_or_else(|| Reading::unknown("nothing the probe may send safely was rejected"));
    let bad = bad_checksum(&mut m);
    let (echo_json, echo_seen) = set_echo(&mut m, a.allow_set);
    let machine = reported.or(given);
    let product_model = identity.device.model();
    let entries: Vec<(u8, usize)> = m.transport().report_sizes().entries().to_vec();
    let all = Readings(vec![
        ("descriptor", readings::descriptor(&entries)),
        (
            "model",
            readings::model(
                identity.device.product.as_deref(),
                product_model,
                model_byte,
            ),
        ),
        ("model_byte", readings::model_byte(model_byte)),
        ("machine", readings::machine(ed, reported, given)),
        ("prev_status", prev_status),
        ("proprietary", readings::proprietary(&proprietary.getters)),
        ("stats", rowing::stats(&log.strokes, !with_stats)),
        ("pace_units", rowing::pace_units(&log.pace, machine)),
        ("cadence_units", values::cadence_units(&log.cadence_lengths)),
        ("hr_none", values::hr_none(&log.hr)),
        (
            "byteorder_7f",
            values::byteorder_7f(&log.worktimes, log.worktime_7f),
        ),
        ("resttime", values::resttime(&log.rest)),
        ("echo", readings::echo(&echo_seen)),
    ]);
    let summary = json!({
        "device": a.device.device,
        "product_id": format!("0x{:04X}", identity.device.product_id),
        "product": identity.device.product,
        "model": identity.model,
        "hardware_version": identity.hardware_version,
        "firmware_version": identity.firmware_version,
        "serial": identity.serial,
        "frame_limits": { "max_rx": identity.max_rx_frame, "max_tx": identity.max_tx_frame, "min_gap": identity.min_interframe_gap },
        "initial_status": state.map(|s| s.to_string()),
        "report_sizes": sizes,
        "watch": {
            "watched_s": log.watched_ns as f64 / 1e9,
            "polls": log.polls,
            "failed_polls": log.failed_polls,
            "strokes": log.drives,
        },
        "bad_checksum": bad,
        "set_command_echo": echo_json,
        "latency": latency(&mut m, a.samples),
        "driver": {
            "exchanges": m.stats().exchanges,
            "timeouts": m.stats().timeouts,
            "refusals": m.stats().refusals,
        },
        "readings": all.json(),
        "readings_line": all.line(),
    });
    drop(m);
    let mut summary_path = a.out.clone().into_os_string();
    summary_path.push(".summary.json");
    std::fs::write(
        &summary_path,
        serde_json::to_string_pretty(&summary)? + "\n",
    )
    .map_err(|e| Failure::failed("cannot write the summary", e))?;
    if a.json {
        emit_json(&summary);
    } else {
        emit(&format!(
            "probe of {} done: transcript {}, summary {}\n{}\nSend us this line (and the summary, if you can):\n{}",
            a.device.device,
            a.out.display(),
            PathBuf::from(&summary_path).display(),
            all.text(),
            all.line()
        ));
    }
    Ok(())
}
