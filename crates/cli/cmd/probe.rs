//! `erglink probe`: for someone with a real monitor. A fixed, safe script of
//! getters that settles what the protocol reference marks unknown, saved as a
//! transcript and a summary to send back.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use erglink_csafe::command::{
    GetPace, GetPower, GetSerial, GetStatus, PmGetHwAddress, PmGetStroke500mPace, PmGetWorkTime,
    PmGetWorkTimeData,
};
use erglink_csafe::{AnyCommand, Outcome, UnitsSpecifier, workout};
use erglink_pm::{LatencyHistogram, Settings};
use serde_json::{Value as Json, json};

use crate::cmd::raw::histogram_json;
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

fn pace_units(m: &mut AnyMonitor) -> Json {
    let ex = match exchange(
        m,
        vec![
            GetPace {}.into(),
            GetPower {}.into(),
            PmGetStroke500mPace {}.into(),
        ],
    ) {
        Ok(ex) => ex,
        Err(e) => return json!({ "error": e }),
    };
    let pace = ex.response.get::<GetPace>().cloned();
    let power = ex.response.get::<GetPower>().map(|p| p.power);
    let pace7f = ex.response.get::<PmGetStroke500mPace>().map(|p| p.pace);
    let mut verdict =
        "row during the probe (steady strokes) so that pace and power can be compared".to_string();
    if let (Some(p), Some(w)) = (&pace, power.filter(|&w| w > 0)) {
        // Concept2: W = 2.8 / (s/m)³, so the pace per 500 m the power implies.
        let expected = 500.0 * (2.8 / f64::from(w)).cbrt();
        let raw = f64::from(p.pace);
        let readings = [
            ("s/km", raw / 2.0),
            ("whole s/500 m", raw),
            ("0.01 s/500 m", raw / 100.0),
        ];
        let best = readings
            .iter()
            .min_by(|a, b| (a.1 - expected).abs().total_cmp(&(b.1 - expected).abs()))
            .expect("three readings");
        verdict = format!(
            "power implies {expected:.1} s/500 m; the raw value {raw} reads best as {} ({:.1})",
            best.0, best.1
        );
    }
    json!({
        "getpace_raw": pace.as_ref().map(|p| p.pace),
        "getpace_units": pace.as_ref().map(|p| json!({"code": p.units.to_u8(), "name": p.units.name()})),
        "units_byte_says_s_per_km": pace.as_ref().map(|p| p.units == UnitsSpecifier::SecPerKm),
        "power_w": power,
        "stroke_pace_7f_raw": pace7f,
        "verdict": verdict,
    })
}

fn byte_order_7f(m: &mut AnyMonitor) -> Json {
    let ex = match exchange(
        m,
        vec![
            PmGetWorkTime {}.into(),
            PmGetWorkTimeData {}.into(),
            GetSerial {}.into(),
            PmGetHwAddress {}.into(),
        ],
    ) {
        Ok(ex) => ex,
        Err(e) => return json!({ "error": e }),
    };
    let le_1a = ex.response.get::<PmGetWorkTime>().map(|t| t.time);
    let be_7f = ex.response.get::<PmGetWorkTimeData>().map(|t| t.time);
    let serial: Option<u32> = ex
        .response
        .get::<GetSerial>()
        .and_then(|s| s.serial.as_str()?.parse().ok());
    let hw = ex.response.get::<PmGetHwAddress>().map(|h| h.address);
    let verdict = match (serial, hw) {
        (Some(s), Some(h)) if s == h => "7E is big-endian: HW_ADDRESS read BE equals the serial",
        (Some(s), Some(h)) if s == h.swap_bytes() => {
            "7E is little-endian: HW_ADDRESS read BE is the serial byte-swapped"
        }
        (_, None) => "7E HW_ADDRESS did not answer (authentication needed?)",
        _ => "HW_ADDRESS and the serial differ either way; see the transcript",
    };
    json!({
        "worktime_1a_le": le_1a,
        "worktime_7f_read_be": be_7f,
        "worktime_7f_read_le": be_7f.map(u32::swap_bytes),
        "serial": serial,
        "hw_address_7e_read_be": hw,
        "verdict": verdict,
    })
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

fn set_echo(m: &mut AnyMonitor, allowed: bool) -> Json {
    if !allowed {
        return json!({ "skipped": "run with --allow-set to program a Just Row workout and see the echo" });
    }
    match exchange(m, workout::just_row()) {
        Ok(ex) => {
            let echoed: Vec<String> = ex
                .response
                .replies
                .iter()
                .filter(|r| r.outcome == Outcome::Ack)
                .map(|r| r.name())
                .collect();
            let not: Vec<String> = ex.response.not_echoed().map(|r| r.name()).collect();
            json!({
                "reply": erglink_csafe::format_hex(&ex.reply),
                "echoed": echoed,
                "not_echoed": not,
                "status_only": ex.response.replies.iter().all(|r| r.outcome == Outcome::StatusOnly),
            })
        }
        Err(e) => json!({ "error": e }),
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

pub fn run(a: ProbeArgs) -> Result<()> {
    let mut m = open(&a.device, Some(&a.out), Settings::default())?;
    let identity = m
        .identify()
        .map_err(|e| driver_failure("the monitor does not answer GETVERSION", &e))?;
    // Once more at the start of the log: the state the probe found the PM in.
    let state = m
        .call(GetStatus {})
        .ok()
        .and_then(|r| r.err())
        .map(|r| r.status);
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
        "report_sizes": report_sizes(&mut m),
        "getpace_units": pace_units(&mut m),
        "byte_order_7f": byte_order_7f(&mut m),
        "bad_checksum": bad_checksum(&mut m),
        "set_command_echo": set_echo(&mut m, a.allow_set),
        "latency": latency(&mut m, a.samples),
        "driver": {
            "exchanges": m.stats().exchanges,
            "timeouts": m.stats().timeouts,
            "refusals": m.stats().refusals,
        },
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
            "probe of {} done: transcript {}, summary {}\n{}",
            a.device.device,
            a.out.display(),
            PathBuf::from(&summary_path).display(),
            serde_json::to_string_pretty(&summary)?
        ));
    }
    Ok(())
}
