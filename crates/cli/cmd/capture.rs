//! `erglink csafe capture`: decodes the bundled recording of a real PM5 and
//! prints what it found (the demo of the codec alone).

use anyhow::Result;
use clap::Args;
use erglink_csafe::command::{GetVersion, PmGetForcePlotData};
use erglink_csafe::{DecodeEvent, Frame, FrameDecoder, Response, decode_request, parse_hex};
use serde_json::json;

use crate::output::{emit, emit_json};

/// A real PM5 rowing 100 m over Bluetooth (ErgometerJS `row100meter`, 2016);
/// provenance in captures/README.md.
const RECORDING: &str = include_str!("../../../captures/pm5-ble-row100m.jsonl");
const HOST_TO_PM: &str = "ce060021";
const PM_TO_HOST: &str = "ce060022";

#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

struct Found {
    chunks: usize,
    requests: Vec<Frame>,
    replies: Vec<Frame>,
    errors: usize,
    dropped: u64,
}

fn reassemble() -> Result<Found> {
    let mut req_dec = FrameDecoder::default();
    let mut rep_dec = FrameDecoder::default();
    let mut found = Found {
        chunks: 0,
        requests: Vec::new(),
        replies: Vec::new(),
        errors: 0,
        dropped: 0,
    };
    for line in RECORDING.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let Some(hex) = v["hex"].as_str() else {
            continue;
        };
        let (dec, out) = match (v["char"].as_str(), v["event"].as_str()) {
            (Some(HOST_TO_PM), Some("writeCharacteristic")) => (&mut req_dec, &mut found.requests),
            (Some(PM_TO_HOST), Some("notificationReceived")) => {
                found.chunks += 1;
                (&mut rep_dec, &mut found.replies)
            }
            _ => continue,
        };
        let mut errors = 0;
        dec.feed(&parse_hex(hex)?, |ev| match ev {
            DecodeEvent::Frame(f) => out.push(f.to_owned()),
            DecodeEvent::Error(_) => errors += 1,
        });
        found.errors += errors;
    }
    found.dropped = req_dec.stats().dropped_bytes + rep_dec.stats().dropped_bytes;
    Ok(found)
}

pub fn run(a: CaptureArgs) -> Result<()> {
    let f = reassemble()?;
    let mut version = None;
    let mut curves: Vec<Vec<u16>> = Vec::new();
    let mut current: Vec<u16> = Vec::new();
    for (req, rep) in f.requests.iter().zip(&f.replies) {
        let shape = decode_request(&req.contents).shape();
        let r = Response::decode(rep.as_ref(), &shape)?;
        if let Some(v) = r.get::<GetVersion>() {
            version = Some(v.clone());
        }
        if let Some(p) = r.get::<PmGetForcePlotData>() {
            // The host drains 20 bytes at a time; a shorter read ends the curve.
            current.extend_from_slice(p.samples.samples());
            if p.samples.count < 20 && !current.is_empty() {
                curves.push(std::mem::take(&mut current));
            }
        }
    }
    let samples: usize = curves.iter().map(Vec::len).sum();
    let peak = curves.iter().flatten().copied().max().unwrap_or(0);
    if a.json {
        emit_json(&json!({
            "source": "real PM5 over Bluetooth LE, 100 m row (ErgometerJS row100meter, 2016-03-06)",
            "chunks": f.chunks,
            "requests": f.requests.len(),
            "replies": f.replies.len(),
            "decoder_errors": f.errors,
            "dropped_bytes": f.dropped,
            "model": version.as_ref().map(|v| v.model),
            "hardware_version": version.as_ref().map(|v| v.hardware_version),
            "software_version": version.as_ref().map(|v| v.software_version),
            "force_curves": curves.len(),
            "force_samples": samples,
            "peak_force_lbf": peak,
        }));
        return Ok(());
    }
    let mut out = String::from(
        "erglink csafe capture: decoding a real PM5 recording (100 m row over Bluetooth LE, ErgometerJS row100meter, 2016-03-06)\n",
    );
    out.push_str(&format!(
        "  reassembled {} replies from {} Bluetooth chunks of at most 20 bytes; {} requests\n",
        f.replies.len(),
        f.chunks,
        f.requests.len()
    ));
    out.push_str(&format!(
        "  checksum or framing errors: {}; dropped bytes: {}\n",
        f.errors, f.dropped
    ));
    if let Some(v) = &version {
        out.push_str(&format!(
            "  monitor: model PM{} (manufacturer {}, class {}), hardware {}, software {}\n",
            v.model, v.manufacturer_id, v.class_id, v.hardware_version, v.software_version
        ));
    }
    out.push_str(&format!(
        "  force curves: {} strokes, {} samples at 64 Hz, peak {} lbf (unit as the spec's sample suggests)\n",
        curves.len(),
        samples,
        peak
    ));
    for (i, c) in curves.iter().enumerate() {
        let bar: String = c.iter().map(|&s| spark(s, peak)).collect();
        out.push_str(&format!(
            "    stroke {:>2}: {:>2} samples {bar}\n",
            i + 1,
            c.len()
        ));
    }
    emit(out.trim_end());
    Ok(())
}

fn spark(v: u16, peak: u16) -> char {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if peak == 0 {
        return BARS[0];
    }
    BARS[(usize::from(v) * 7 / usize::from(peak)).min(7)]
}
