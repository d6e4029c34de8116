//! `erglink csafe pcap FILE` and `erglink csafe transcript-to-pcap IN OUT`:
//! USB captures (Wireshark's pcap and pcapng) to CSAFE frames and transcripts,
//! and transcripts back to a pcapng that Wireshark opens.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use erglink_capture::{
    Capture, CsafeFrame, DecodedFrames, Device, DeviceDescription, Direction, FoundBy, HidReport,
    LinkType, Via, decode_frames, read_capture, write_usbpcap_pcapng,
};
use erglink_csafe::{RequestShape, Response, decode_request, format_hex};
use erglink_transport::transcript::Direction as TranscriptDirection;
use erglink_transport::{
    Backend, DeviceInfo, ReportSizes, Transcript, TranscriptWriter, build_report_descriptor,
    parse_report_descriptor,
};
use serde_json::{Value as Json, json};

use crate::error::Failure;
use crate::output::{Stream, hex_id};
use crate::render::{command_json, command_text, response_json, response_text};

#[derive(Debug, Args)]
pub struct PcapArgs {
    /// A pcap or pcapng of USB traffic (Linux usbmon, Windows USBPcap).
    file: PathBuf,
    /// Only the monitor at this bus and address (as lsusb and Wireshark show them, e.g. 1.5).
    #[arg(long, value_name = "BUS.ADDR")]
    address: Option<String>,
    /// Also write the monitor's reports as an erglink transcript, which `replay:OUT` plays.
    #[arg(long, value_name = "OUT")]
    transcript: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct TranscriptToPcapArgs {
    /// An erglink transcript (`record --transcript`, `raw --transcript`, a fuzz anomaly).
    input: PathBuf,
    /// The pcapng to write (replaced if it exists).
    output: PathBuf,
}

fn link_name(l: LinkType) -> String {
    match l {
        LinkType::UsbLinux => "usbmon 189".into(),
        LinkType::UsbLinuxMmapped => "usbmon mmapped 220".into(),
        LinkType::UsbPcap => "USBPcap 249".into(),
        LinkType::Other(n) => format!("link type {n}"),
    }
}

fn load(path: &Path) -> Result<Capture> {
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::bad_input(format!("cannot read {}", path.display()), e)
            .hint("Give the path of a pcap or pcapng file")
    })?;
    read_capture(&bytes).map_err(|e| {
        Failure::bad_input(format!("cannot read capture {}", path.display()), e)
            .hint("Give a whole pcap or pcapng of USB traffic, as Wireshark, tcpdump -i usbmonN or USBPcap save it")
            .into()
    })
}

fn parse_address(text: &str) -> Result<(u16, u16)> {
    let bad = || {
        Failure::bad_input(format!("bad --address `{text}`"), "expected BUS.ADDR")
            .hint("Write the bus and device numbers, e.g. --address 1.5")
    };
    let (bus, addr) = text.split_once(['.', ':']).ok_or_else(bad)?;
    Ok((
        bus.parse().map_err(|_| bad())?,
        addr.parse().map_err(|_| bad())?,
    ))
}

fn monitors<'a>(
    cap: &'a Capture,
    address: Option<(u16, u16)>,
    path: &Path,
) -> Result<Vec<&'a Device>> {
    let picked: Vec<&Device> = cap
        .devices
        .iter()
        .filter(|d| address.is_none_or(|a| (d.bus, d.address) == a))
        .collect();
    if picked.is_empty() {
        let (why, hint) = match address {
            Some((b, a)) => (
                format!("none of its Concept2 monitors is at bus {b} address {a}"),
                "Leave out --address to see every monitor it holds",
            ),
            None => (
                format!(
                    "{} USB packets, but no device with vendor 17a4 in its descriptors or with CSAFE frames in its HID transfers",
                    cap.usb_packets
                ),
                "Capture the bus the monitor is plugged into, from before it is opened",
            ),
        };
        return Err(
            Failure::failed(format!("no Concept2 monitor in {}", path.display()), why)
                .hint(hint)
                .into(),
        );
    }
    Ok(picked)
}

fn device_label(d: &Device) -> String {
    let id = &d.identity;
    let mut s = format!("bus {} address {}", d.bus, d.address);
    if let (Some(v), Some(p)) = (id.vendor_id, id.product_id) {
        s.push_str(&format!(", {v:04x}:{p:04x}"));
    }
    let serial = id.serial.as_ref().map(|s| format!("serial {s}"));
    for part in [&id.product, &serial].into_iter().flatten() {
        s.push_str(&format!(", {part}"));
    }
    s.push_str(match d.found_by {
        FoundBy::Descriptor => " (found by its device descriptor)",
        FoundBy::CsafeFrames => " (no descriptor in the capture: found by its CSAFE frames)",
    });
    s
}

/// The last request decoded, so that each reply is read against it.
struct Conversation {
    shape: RequestShape,
}

impl Conversation {
    fn frame_json(&mut self, f: &CsafeFrame) -> Json {
        let mut j = match f.direction {
            Direction::Tx => {
                let req = decode_request(&f.frame.contents);
                self.shape = req.shape();
                json!({
                    "wire": format_hex(&f.frame.wire),
                    "commands": req.commands.iter().map(command_json).collect::<Vec<_>>(),
                })
            }
            Direction::Rx => match Response::decode(f.frame.as_ref(), &self.shape) {
                Ok(r) => response_json(f.frame.as_ref(), &r),
                Err(e) => json!({"wire": format_hex(&f.frame.wire), "error": e.to_string()}),
            },
        };
        j["elapsed_s"] = json!(f.t_ns as f64 / 1e9);
        j["direction"] = json!(f.direction.name());
        j["report_id"] = json!(hex_id(f.report_id));
        j
    }

    fn frame_text(&mut self, f: &CsafeFrame) -> String {
        let head = format!(
            "{:>12.6} {} {:02X} ",
            f.t_ns as f64 / 1e9,
            f.direction.name(),
            f.report_id
        );
        match f.direction {
            Direction::Tx => {
                let req = decode_request(&f.frame.contents);
                self.shape = req.shape();
                let cmds: Vec<String> = req.commands.iter().map(command_text).collect();
                format!("{head}{}  {}\n", format_hex(&f.frame.wire), cmds.join(", "))
            }
            Direction::Rx => match Response::decode(f.frame.as_ref(), &self.shape) {
                Ok(r) => {
                    let text = response_text(f.frame.as_ref(), &r);
                    let mut lines = text.lines();
                    let mut out = format!("{head}{}\n", lines.next().unwrap_or_default());
                    for l in lines {
                        out.push_str(&format!("{:19}{l}\n", ""));
                    }
                    out
                }
                Err(e) => format!(
                    "{head}{}  (cannot decode: {e})\n",
                    format_hex(&f.frame.wire)
                ),
            },
        }
    }
}

/// A JSON object written without its closing brace, so that long arrays
/// can follow it one element at a time.
fn open_object(out: &mut Stream, fields: &Json) {
    let text = fields.to_string();
    out.write(text.strip_suffix('}').unwrap_or(&text));
    if fields.as_object().is_some_and(|m| !m.is_empty()) {
        out.write(",");
    }
}

/// One monitor, its frames streamed: an hour's capture is 250 k frames,
/// which as one JSON value would take gigabytes.
fn write_monitor_json(out: &mut Stream, d: &Device, decoded: &DecodedFrames) {
    let mut conv = Conversation {
        shape: RequestShape::from_commands(&[]),
    };
    open_object(
        out,
        &json!({
            "interface": d.interface,
            "bus": d.bus,
            "address": d.address,
            "vendor_id": d.identity.vendor_id.map(|v| format!("0x{v:04X}")),
            "product_id": d.identity.product_id.map(|v| format!("0x{v:04X}")),
            "manufacturer": d.identity.manufacturer,
            "product": d.identity.product,
            "serial": d.identity.serial,
            "found_by": match d.found_by { FoundBy::Descriptor => "descriptor", FoundBy::CsafeFrames => "csafe_frames" },
            "reports": d.reports.len(),
            "set_reports": d.reports.iter().filter(|r| r.via == Via::SetReport).count(),
            "report_sizes": report_sizes(d).entries().iter().map(|(id, n)| (id.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "report_descriptor": d.report_descriptor.as_deref().map(format_hex),
            "dropped": decoded.dropped.iter().map(|x| json!({
                "elapsed_s": x.t_ns as f64 / 1e9,
                "direction": x.direction.name(),
                "error": x.error.to_string(),
            })).collect::<Vec<_>>(),
            "dropped_bytes": decoded.tx_stats.dropped_bytes + decoded.rx_stats.dropped_bytes,
        }),
    );
    out.write("\"frames\":[");
    for (i, f) in decoded.frames.iter().enumerate() {
        out.write(if i == 0 { "\n" } else { ",\n" });
        out.write(&conv.frame_json(f).to_string());
    }
    out.write("\n]}");
}

pub fn pcap(a: PcapArgs) -> Result<()> {
    let address = a.address.as_deref().map(parse_address).transpose()?;
    let cap = load(&a.file)?;
    let picked = monitors(&cap, address, &a.file)?;
    if let Some(out) = &a.transcript {
        if picked.len() > 1 {
            return Err(Failure::bad_input(
                "cannot write one transcript",
                format!("the capture holds {} Concept2 monitors", picked.len()),
            )
            .hint(format!(
                "Pick one with --address, e.g. --address {}.{}",
                picked[0].bus, picked[0].address
            ))
            .into());
        }
        write_transcript(out, &a.file, picked[0])?;
    }
    let decoded: Vec<DecodedFrames> = picked.iter().map(|d| decode_frames(d)).collect();
    let mut out = Stream::new();
    if a.json {
        open_object(
            &mut out,
            &json!({
                "capture": {
                    "format": cap.format.name(),
                    "link_types": cap.interfaces.iter().map(|l| l.number()).collect::<Vec<_>>(),
                    "packets": cap.packets,
                    "usb_packets": cap.usb_packets,
                    "unreadable_usb_packets": cap.unreadable,
                },
            }),
        );
        out.write("\n\"monitors\":[");
        for (i, (d, f)) in picked.iter().zip(&decoded).enumerate() {
            out.write(if i == 0 { "\n" } else { ",\n" });
            write_monitor_json(&mut out, d, f);
        }
        out.line("\n]}");
        out.finish();
        return Ok(());
    }
    let links: Vec<String> = cap.interfaces.iter().map(|l| link_name(*l)).collect();
    out.line(&format!(
        "capture: {}, {} ({} packets, {} USB{})",
        cap.format.name(),
        links.join(", "),
        cap.packets,
        cap.usb_packets,
        if cap.unreadable > 0 {
            format!(", {} unreadable", cap.unreadable)
        } else {
            String::new()
        }
    ));
    for (d, f) in picked.iter().zip(&decoded) {
        out.line(&format!("monitor: {}", device_label(d)));
        let mut conv = Conversation {
            shape: RequestShape::from_commands(&[]),
        };
        for frame in &f.frames {
            out.write(&conv.frame_text(frame));
        }
        for x in &f.dropped {
            out.line(&format!(
                "{:>12.6} {} dropped: {}",
                x.t_ns as f64 / 1e9,
                x.direction.name(),
                x.error
            ));
        }
        let tx = f
            .frames
            .iter()
            .filter(|x| x.direction == Direction::Tx)
            .count();
        out.line(&format!(
            "frames: {} ({tx} tx, {} rx) in {} reports; dropped bytes: {}",
            f.frames.len(),
            f.frames.len() - tx,
            d.reports.len(),
            f.tx_stats.dropped_bytes + f.rx_stats.dropped_bytes
        ));
    }
    if let Some(t) = &a.transcript {
        out.line(&format!("transcript: {}", t.display()));
    }
    out.finish();
    Ok(())
}

/// Writes `path` whole or not at all: a temporary file beside it, renamed.
fn write_atomic(
    path: &Path,
    fill: impl FnOnce(std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let fail = |e: std::io::Error| {
        Failure::failed(format!("cannot write {}", path.display()), e)
            .hint("Check that the folder exists and is writable")
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut b = tempfile::Builder::new();
    b.prefix(".erglink-").suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // 0o666 less the umask, as for any new file (tempfile's own is 0600).
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = b.tempfile_in(dir).map_err(fail)?;
    fill(tmp.as_file().try_clone().map_err(fail)?).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// The sizes the report descriptor gives, where the capture has it, then
/// those of the largest transfer of each report id it does not name.
fn report_sizes(d: &Device) -> ReportSizes {
    let mut entries = d
        .report_descriptor
        .as_deref()
        .map(|desc| parse_report_descriptor(desc).output.entries().to_vec())
        .unwrap_or_default();
    for &(id, n) in &d.report_sizes {
        if !entries.iter().any(|e| e.0 == id) {
            entries.push((id, n));
        }
    }
    ReportSizes::new(entries)
}

fn write_transcript(out: &Path, capture: &Path, d: &Device) -> Result<()> {
    let mut info = DeviceInfo::new(Backend::Usb, capture.display().to_string());
    info.vendor_id = d
        .identity
        .vendor_id
        .unwrap_or(erglink_capture::CONCEPT2_VENDOR_ID);
    info.product_id = d.identity.product_id.unwrap_or(0);
    info.serial = d.identity.serial.clone();
    info.manufacturer = d.identity.manufacturer.clone();
    info.product = d.identity.product.clone();
    let sizes = report_sizes(d);
    write_atomic(out, |file| {
        let mut w = TranscriptWriter::new(Box::new(std::io::BufWriter::new(file)), &info, &sizes)?;
        w.note(
            0,
            &format!(
                "converted by erglink csafe pcap from {}, {}",
                capture.display(),
                device_label(d)
            ),
        )?;
        let mut report = Vec::with_capacity(128);
        for r in &d.reports {
            report.clear();
            report.push(r.report_id);
            report.extend_from_slice(&r.bytes);
            let dir = match r.direction {
                Direction::Tx => TranscriptDirection::Tx,
                Direction::Rx => TranscriptDirection::Rx,
            };
            w.report(r.t_ns, dir, &report)?;
        }
        w.flush()
    })
}

fn known(s: &Option<String>) -> Option<String> {
    s.clone().filter(|s| !s.is_empty() && s != "-")
}

pub fn transcript_to_pcap(a: TranscriptToPcapArgs) -> Result<()> {
    let t = Transcript::load(&a.input).map_err(|e| {
        Failure::bad_input(
            format!("cannot read transcript {}", a.input.display()),
            e.message,
        )
        .hint("Give a transcript that erglink wrote (`--transcript`)")
    })?;
    let info = t.device.clone();
    let model = info.as_ref().and_then(DeviceInfo::model);
    let sizes = if t.report_sizes.is_empty() {
        ReportSizes::spec_default(model)
    } else {
        t.report_sizes.clone()
    };
    let device = DeviceDescription {
        vendor_id: info
            .as_ref()
            .map(|i| i.vendor_id)
            .filter(|&v| v != 0)
            .unwrap_or(erglink_capture::CONCEPT2_VENDOR_ID),
        product_id: info.as_ref().map_or(0, |i| i.product_id),
        manufacturer: info
            .as_ref()
            .and_then(|i| known(&i.manufacturer))
            .or(Some("Concept2".into())),
        product: info.as_ref().and_then(|i| known(&i.product)),
        serial: info.as_ref().and_then(|i| known(&i.serial)),
        report_sizes: sizes.entries().to_vec(),
        // So that every report size survives, used or not.
        report_descriptor: Some(build_report_descriptor(sizes.entries())),
    };
    let reports: Vec<HidReport> = t
        .lines
        .iter()
        .map(|l| HidReport {
            t_ns: l.t_ns,
            direction: match l.direction {
                TranscriptDirection::Tx => Direction::Tx,
                TranscriptDirection::Rx => Direction::Rx,
            },
            report_id: l.report_id,
            bytes: l.bytes.clone(),
            via: Via::Interrupt,
        })
        .collect();
    write_atomic(&a.output, |file| {
        let mut w = write_usbpcap_pcapng(std::io::BufWriter::new(file), &device, &reports)
            .map_err(std::io::Error::other)?;
        w.flush()
    })?;
    eprintln!(
        "erglink: wrote {} ({} reports as USBPcap interrupt transfers)",
        a.output.display(),
        reports.len()
    );
    Ok(())
}
