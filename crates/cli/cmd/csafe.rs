//! `erglink csafe encode|decode|list`: the codec, with no monitor attached.

use anyhow::Result;
use clap::{Args, Subcommand};
use erglink_csafe::{
    Access, AnyCommand, DEFAULT_MAX_FRAME, EncodeOptions, FrameKind, Outcome, RequestShape,
    Response, command, decode_request, decode_stream, encode_request, format_hex, frame, parse_hex,
};
use serde_json::{Value as Json, json};

use crate::error::Failure;
use crate::output::{emit, emit_json, hex_id};
use crate::render::{command_json, command_text, response_json, response_text};

/// Frames on the command line are decoded whatever their size, so that an
/// over-long frame from a misbehaving unit is still shown.
const MAX_DECODE_FRAME: usize = 4096;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Encode commands (NAME, NAME:ARG,ARG, NAME@7F, NAME:hex=…) into one frame.
    Encode(EncodeArgs),
    /// Decode frames from hex: status, replies with named fields, dropped bytes.
    Decode(DecodeArgs),
    /// List every command of the dictionary with its arguments and reply fields.
    List(ListArgs),
    /// Decode the bundled recording of a real PM5 (a 100 m row over Bluetooth).
    Capture(crate::cmd::capture::CaptureArgs),
    /// Decode the CSAFE traffic in a USB capture (pcap or pcapng; Linux usbmon, Windows USBPcap).
    Pcap(crate::cmd::pcap::PcapArgs),
    /// Write a transcript as a pcapng (USBPcap framing) that Wireshark and tshark open.
    TranscriptToPcap(crate::cmd::pcap::TranscriptToPcapArgs),
}

#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// Commands, in frame order.
    #[arg(required = true, value_name = "CMD")]
    commands: Vec<String>,
    /// Extended frame addressed to the PM (F0 FD 00 …).
    #[arg(long)]
    extended: bool,
    /// One wrapper per wrapped command instead of grouping consecutive ones.
    #[arg(long)]
    no_group: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// Bytes as hex; several arguments are joined.
    #[arg(required = true, value_name = "HEX")]
    hex: Vec<String>,
    /// The request frame the bytes answer, to match replies to commands.
    #[arg(long, value_name = "HEX")]
    request: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only commands whose name contains this text, or carried by this wrapper (1A, 76, 77, 7E, 7F, top).
    filter: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::Encode(a) => encode(a),
        Cmd::Decode(a) => decode(a),
        Cmd::List(a) => list(a),
        Cmd::Capture(a) => crate::cmd::capture::run(a),
        Cmd::Pcap(a) => crate::cmd::pcap::pcap(a),
        Cmd::TranscriptToPcap(a) => crate::cmd::pcap::transcript_to_pcap(a),
    }
}

/// Parses command texts, failing with exit code 2 on the first bad one.
pub fn parse_commands(texts: &[String]) -> Result<Vec<AnyCommand>> {
    texts
        .iter()
        .map(|t| {
            AnyCommand::parse(t).map_err(|e| {
                Failure::bad_input(format!("bad command `{t}`"), e)
                    .hint("Write NAME, NAME:ARG,ARG or NAME:hex=BYTES; `erglink csafe list` shows every name")
                    .into()
            })
        })
        .collect()
}

/// Parses hex, failing with exit code 2.
pub fn hex_arg(what: &str, text: &str) -> Result<Vec<u8>> {
    parse_hex(text).map_err(|e| {
        Failure::bad_input(format!("bad {what}"), e)
            .hint("Write bytes as hex, e.g. \"F1 80 80 F2\"")
            .into()
    })
}

fn encode(a: EncodeArgs) -> Result<()> {
    let cmds = parse_commands(&a.commands)?;
    let opts = EncodeOptions {
        kind: if a.extended {
            FrameKind::HOST_TO_PM
        } else {
            FrameKind::Standard
        },
        group_wrappers: !a.no_group,
        max_frame: DEFAULT_MAX_FRAME,
    };
    let mut wire = Vec::new();
    let done = encode_request(&cmds, &opts, &mut wire).map_err(|e| {
        Failure::bad_input("cannot encode", e).hint("Send fewer commands per frame")
    })?;
    if a.json {
        emit_json(&json!({
            "frame": format_hex(&wire),
            "wire_len": done.wire_len,
            "worst_case_reply": done.worst_case_reply,
            "commands": cmds.iter().map(command_json).collect::<Vec<_>>(),
        }));
    } else {
        emit(&format!(
            "{}\n# {} bytes; worst-case reply {} bytes stuffed",
            format_hex(&wire),
            done.wire_len,
            done.worst_case_reply
        ));
    }
    Ok(())
}

/// What the set commands of a request got: how many were asked, echoed, and not echoed.
fn set_summary(r: &Response) -> Option<(usize, usize, Vec<String>)> {
    let sets: Vec<_> = r
        .replies
        .iter()
        .filter(|x| x.request_index.is_some())
        .filter(|x| command::lookup(x.wrapper, x.id).is_some_and(|s| s.access == Access::Set))
        .collect();
    if sets.is_empty() {
        return None;
    }
    let echoed = sets.iter().filter(|x| x.outcome == Outcome::Ack).count();
    let not: Vec<String> = sets
        .iter()
        .filter(|x| x.outcome == Outcome::NotEchoed)
        .map(|x| x.name())
        .collect();
    Some((sets.len(), echoed, not))
}

fn decode(a: DecodeArgs) -> Result<()> {
    let bytes = hex_arg("hex", &a.hex.join(" "))?;
    let request = match &a.request {
        Some(text) => {
            let req_bytes = hex_arg("request hex", text)?;
            let f = frame::decode_frame(&req_bytes).map_err(|e| {
                Failure::bad_input("bad request frame", e)
                    .hint("Give the whole request frame, flags included")
            })?;
            Some((f.clone(), decode_request(&f.contents)))
        }
        None => None,
    };
    let shape: Option<RequestShape> = request.as_ref().map(|(_, r)| r.shape());
    let (frames, errors, stats) = decode_stream(&bytes, MAX_DECODE_FRAME);
    let mut decoded = Vec::new();
    for f in &frames {
        let r = match &shape {
            Some(s) => Response::decode(f.as_ref(), s),
            None => Response::decode_unguided(f.as_ref()),
        };
        decoded.push(r);
    }
    if a.json {
        let mut doc = json!({
            "frames": frames.iter().zip(&decoded).map(|(f, r)| match r {
                Ok(r) => {
                    let mut j = response_json(f.as_ref(), r);
                    if let Some((asked, echoed, not)) = set_summary(r) {
                        j["set_commands"] = json!({"requested": asked, "echoed": echoed, "not_echoed": not});
                    }
                    j
                }
                Err(e) => json!({ "wire": format_hex(&f.wire), "error": e.to_string() }),
            }).collect::<Vec<_>>(),
            "errors": errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "dropped_bytes": stats.dropped_bytes,
        });
        if let Some((f, req)) = &request {
            doc["request"] = json!({
                "wire": format_hex(&f.wire),
                "commands": req.commands.iter().map(command_json).collect::<Vec<_>>(),
            });
        }
        emit_json(&doc);
    } else {
        let mut out = String::new();
        if let Some((f, req)) = &request {
            out.push_str(&format!("request {}\n", format_hex(&f.wire)));
            for c in &req.commands {
                out.push_str(&format!("  {}\n", command_text(c)));
            }
        }
        for (f, r) in frames.iter().zip(&decoded) {
            match r {
                Ok(r) => {
                    out.push_str(&format!("reply {}", response_text(f.as_ref(), r)));
                    if let Some((asked, echoed, not)) = set_summary(r) {
                        out.push_str(&format!(
                            "  set commands: {echoed} of {asked} echoed (accepted)"
                        ));
                        if !not.is_empty() {
                            out.push_str(&format!("; not echoed: {}", not.join(", ")));
                        }
                        out.push('\n');
                    }
                }
                Err(e) => out.push_str(&format!("reply {}: {e}\n", format_hex(&f.wire))),
            }
        }
        for e in &errors {
            out.push_str(&format!("error: {e}\n"));
        }
        out.push_str(&format!("dropped bytes: {}", stats.dropped_bytes));
        emit(&out);
    }
    if frames.is_empty() {
        let why = errors.first().map_or_else(
            || "no start flag (F0 or F1) in the input".to_string(),
            ToString::to_string,
        );
        return Err(Failure::failed("no valid frame found", why).into());
    }
    Ok(())
}

fn list(a: ListArgs) -> Result<()> {
    let filter = a.filter.as_deref();
    let wrapper = filter.and_then(erglink_csafe::Wrapper::parse);
    let specs: Vec<_> = command::all_specs()
        .iter()
        .filter(|s| match (wrapper, filter) {
            (Some(w), _) => s.wrapper == w,
            (None, Some(f)) => s
                .name
                .to_ascii_lowercase()
                .contains(&f.to_ascii_lowercase()),
            (None, None) => true,
        })
        .collect();
    if a.json {
        let cmds: Vec<Json> = specs
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "qualified_name": s.qualified_name(),
                    "wrapper": s.wrapper.id().map(hex_id),
                    "id": hex_id(s.id),
                    "access": format!("{:?}", s.access).to_lowercase(),
                    "layout": format!("{:?}", s.layout).to_lowercase(),
                    "byte_order": format!("{:?}", s.order).to_lowercase(),
                    "args": s.args.iter().map(|f| json!({"name": f.name, "type": f.hint, "unit": format!("{:?}", f.unit)})).collect::<Vec<_>>(),
                    "reply": s.reply.iter().map(|f| json!({"name": f.name, "type": f.hint, "unit": format!("{:?}", f.unit)})).collect::<Vec<_>>(),
                    "summary": s.summary.trim(),
                })
            })
            .collect();
        emit_json(&json!({ "commands": cmds }));
    } else {
        let mut out = String::new();
        for s in specs {
            let reply: Vec<&str> = s.reply.iter().map(|f| f.name).collect();
            out.push_str(&format!(
                "{:<40} {:>3}/{:02X} {:<5} -> {:<40} {}\n",
                s.usage(),
                s.wrapper.label(),
                s.id,
                format!("{:?}", s.access).to_lowercase(),
                if s.reply_has_data {
                    reply.join(",")
                } else {
                    "(status only)".into()
                },
                s.summary.trim()
            ));
        }
        emit(out.trim_end());
    }
    Ok(())
}
