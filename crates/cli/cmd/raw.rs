//! `erglink raw`: send exactly the bytes given (or commands by name) and show
//! exactly what came back, with status bits and latency.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use erglink_csafe::{PrevFrameStatus, format_hex};
use erglink_pm::{Exchange, LatencyHistogram, Settings};
use serde_json::{Value as Json, json};

use crate::device::{AnyMonitor, DeviceArgs, driver_failure, open};
use crate::error::Failure;
use crate::output::{emit, emit_json};
use crate::render::{response_json, response_text};

#[derive(Debug, Args)]
pub struct RawArgs {
    #[command(flatten)]
    device: DeviceArgs,
    /// A frame as hex (sent exactly as given, malformed or not), or commands by name.
    #[arg(required = true, value_name = "HEX|CMD")]
    input: Vec<String>,
    /// Send in this report id instead of the one the policy picks.
    #[arg(long, value_name = "N", value_parser = parse_report_id)]
    report_id: Option<u8>,
    /// Send the frame N times.
    #[arg(long, default_value_t = 1, value_name = "N")]
    repeat: u32,
    /// Milliseconds between repeats.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    interval: u64,
    /// Reply timeout in milliseconds.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    timeout: u64,
    /// Record every report to this transcript file.
    #[arg(long, value_name = "FILE")]
    transcript: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn parse_report_id(text: &str) -> Result<u8, String> {
    erglink_csafe::args::parse_uint(text)
        .and_then(|v| u8::try_from(v).ok())
        .ok_or_else(|| format!("`{text}` is not a report id (1, 2 or 4)"))
}

/// The frame to send: hex as given, or commands encoded (the rule `script`'s
/// `send` shares).
pub fn frame_from_input(input: &[String]) -> Result<Vec<u8>> {
    use erglink_bench::BenchError;
    match erglink_bench::frame_input(input) {
        Ok(i) => Ok(i.frame().to_vec()),
        Err(BenchError::BadCommand { text, why }) => Err(Failure::bad_input(
            format!("bad command `{text}`"),
            why,
        )
        .hint("Write NAME, NAME:ARG,ARG or NAME:hex=BYTES; `erglink csafe list` shows every name")
        .into()),
        Err(BenchError::Encode(why)) => Err(Failure::bad_input("cannot encode", why)
            .hint("Send fewer commands per frame")
            .into()),
        Err(e) => Err(Failure::bad_input("bad input", e).into()),
    }
}

/// Sends one frame and renders the result; an error message for a failure.
pub fn exchange_text(
    monitor: &mut AnyMonitor,
    frame: &[u8],
    report: Option<u8>,
) -> Result<(Exchange, String), Failure> {
    let ex = monitor
        .send_frame(frame, report)
        .map_err(|e| driver_failure("no reply", &e))?;
    let f = erglink_csafe::frame::decode_frame(&ex.reply).expect("validated by the driver");
    let text = format!(
        "sent  {} (report {:02X})\nreply {}\n  latency {:.1} ms{}",
        format_hex(&ex.request),
        ex.report_id,
        response_text(f.as_ref(), &ex.response).trim_end(),
        ex.latency_ns() as f64 / 1e6,
        match ex.toggle_flipped {
            Some(false) => "  (toggle did not flip)",
            _ => "",
        }
    );
    Ok((ex, text))
}

pub fn exchange_json(ex: &Exchange) -> Json {
    let f = erglink_csafe::frame::decode_frame(&ex.reply).expect("validated by the driver");
    json!({
        "sent": format_hex(&ex.request),
        "report_id": format!("0x{:02X}", ex.report_id),
        "latency_s": ex.latency_ns() as f64 / 1e9,
        "toggle_flipped": ex.toggle_flipped,
        "reply": response_json(f.as_ref(), &ex.response),
    })
}

pub fn histogram_json(h: &LatencyHistogram) -> Json {
    let (mean, min, max) = h.summary().unwrap_or_default();
    let buckets: Vec<Json> = h
        .counts()
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(i, c)| json!({ "below_s": LatencyHistogram::bucket_upper_ms(i) as f64 / 1000.0, "count": c }))
        .collect();
    json!({ "count": h.count(), "mean_s": mean as f64 / 1e9, "min_s": min as f64 / 1e9, "max_s": max as f64 / 1e9, "buckets": buckets })
}

pub fn histogram_text(h: &LatencyHistogram) -> String {
    let Some((mean, min, max)) = h.summary() else {
        return "latency: no replies".into();
    };
    let mut out = format!(
        "latency over {} replies: mean {:.1} ms, min {:.1} ms, max {:.1} ms\n",
        h.count(),
        mean as f64 / 1e6,
        min as f64 / 1e6,
        max as f64 / 1e6
    );
    let top = h.counts().iter().copied().max().unwrap_or(1).max(1);
    for (i, &c) in h.counts().iter().enumerate().filter(|(_, c)| **c > 0) {
        let lower = if i == 0 {
            0
        } else {
            LatencyHistogram::bucket_upper_ms(i - 1)
        };
        let bar = "#".repeat(((c * 40).div_ceil(top)) as usize);
        out.push_str(&format!(
            "  {:>5}-{:<5} ms {:>6} {bar}\n",
            lower,
            LatencyHistogram::bucket_upper_ms(i),
            c
        ));
    }
    out.trim_end().to_string()
}

pub fn run(a: RawArgs) -> Result<()> {
    let frame = frame_from_input(&a.input)?;
    let settings = Settings {
        timeout_ns: a.timeout * 1_000_000,
        ..Settings::default()
    };
    let mut monitor = open(&a.device, a.transcript.as_deref(), settings)?;
    let mut exchanges = Vec::new();
    let mut failures = Vec::new();
    let mut refused = 0;
    for i in 0..a.repeat.max(1) {
        if i > 0 && a.interval > 0 {
            monitor.transport_mut().sleep_ns(a.interval * 1_000_000);
        }
        match exchange_text(&mut monitor, &frame, a.report_id) {
            Ok((ex, text)) => {
                if ex.status().prev_frame() != PrevFrameStatus::Ok {
                    refused += 1;
                }
                if !a.json {
                    emit(&text);
                }
                exchanges.push(ex);
            }
            Err(f) => {
                if a.repeat <= 1 {
                    return Err(f.into());
                }
                if !a.json {
                    emit(&format!("sent  {}: {}", format_hex(&frame), f.why));
                }
                failures.push(f.why);
            }
        }
    }
    let stats = monitor.stats().clone();
    if a.json {
        let mut doc = json!({
            "device": a.device.device,
            "exchanges": exchanges.iter().map(exchange_json).collect::<Vec<_>>(),
            "failures": failures,
        });
        if a.repeat > 1 {
            doc["latency"] = histogram_json(&stats.latency);
        }
        emit_json(&doc);
    } else if a.repeat > 1 {
        emit(&format!(
            "{}\n{} sent, {} answered, {} refused, {} timed out",
            histogram_text(&stats.latency),
            a.repeat,
            exchanges.len(),
            refused,
            failures.len()
        ));
    }
    if refused > 0 || !failures.is_empty() {
        return Err(Failure::failed(
            "the PM did not accept every frame",
            format!(
                "{refused} refused (previous-frame status not OK), {} without a reply",
                failures.len()
            ),
        )
        .into());
    }
    Ok(())
}
