//! From USB packets to the HID reports of each Concept2 monitor in a capture.
//!
//! A device is a Concept2 monitor when the capture has its device descriptor
//! with vendor `17a4`; a device whose descriptor the capture missed (the
//! capture started after it was plugged in) is one when its HID transfers
//! carry CSAFE frames.

use std::collections::HashMap;

use erglink_csafe::FrameDecoder;

use crate::container::{Container, Format, LinkType, read_packets};
use crate::error::CaptureError;
use crate::usb::{self, ControlStage, Event, TransferType, UsbPacket};

/// Concept2's USB vendor id.
pub const CONCEPT2_VENDOR_ID: u16 = 0x17A4;

/// Frames above this size are still decoded: a PM5's 500-byte report 4 can
/// carry frames longer than the 120 bytes of the specification.
pub const MAX_CAPTURED_FRAME: usize = 4096;

/// Direction of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Host to PM.
    Tx,
    /// PM to host.
    Rx,
}

impl Direction {
    /// `tx` or `rx`, as transcripts write it.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Tx => "tx",
            Direction::Rx => "rx",
        }
    }
}

/// How a report crossed the bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// An interrupt transfer (IN or OUT endpoint).
    Interrupt,
    /// A control SET_REPORT (host to PM).
    SetReport,
    /// A control GET_REPORT (PM to host).
    GetReport,
}

/// One HID report of a monitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HidReport {
    /// Nanoseconds since the capture's first packet.
    pub t_ns: u64,
    /// Host to PM or PM to host.
    pub direction: Direction,
    /// The report id (the transfer's first byte).
    pub report_id: u8,
    /// The bytes after the report id, trailing zero padding left out.
    pub bytes: Vec<u8>,
    /// The kind of transfer.
    pub via: Via,
}

/// What the device's descriptors said, where the capture has them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// idVendor.
    pub vendor_id: Option<u16>,
    /// idProduct.
    pub product_id: Option<u16>,
    /// The manufacturer string.
    pub manufacturer: Option<String>,
    /// The product string.
    pub product: Option<String>,
    /// The serial number string.
    pub serial: Option<String>,
}

/// How a device was recognised as a Concept2 monitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoundBy {
    /// Its device descriptor, vendor `17a4`.
    Descriptor,
    /// CSAFE frames in its HID transfers (the capture has no descriptor).
    CsafeFrames,
}

/// A Concept2 monitor in the capture, with its reports in capture order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// pcapng interface id (0 in a pcap).
    pub interface: u32,
    /// USB bus number.
    pub bus: u16,
    /// Device address on the bus.
    pub address: u16,
    /// What its descriptors said.
    pub identity: Identity,
    /// How it was recognised.
    pub found_by: FoundBy,
    /// Its HID reports.
    pub reports: Vec<HidReport>,
    /// The largest transfer seen for each report id, less the id byte: a
    /// real monitor pads every report to its full size.
    pub report_sizes: Vec<(u8, usize)>,
    /// The HID report descriptor, where the capture has it.
    pub report_descriptor: Option<Vec<u8>>,
}

/// What a capture holds.
#[derive(Clone, Debug)]
pub struct Capture {
    /// pcap or pcapng.
    pub format: Format,
    /// Link type of each interface.
    pub interfaces: Vec<LinkType>,
    /// Packets in the file.
    pub packets: u64,
    /// USB packets among them.
    pub usb_packets: u64,
    /// USB packets whose header could not be read (skipped).
    pub unreadable: u64,
    /// The first packet's time, ns since 1970: reports are timed from it.
    pub start_ns: u64,
    /// The Concept2 monitors found, the busiest first.
    pub devices: Vec<Device>,
}

#[derive(Default)]
struct DeviceState {
    device_descriptor: Option<[u8; 18]>,
    report_descriptor: Option<Vec<u8>>,
    strings: HashMap<u8, String>,
    /// Setup packets waiting for their completion (or, in USBPcap, their data stage).
    setups: HashMap<u64, [u8; 8]>,
    reports: Vec<HidReport>,
    sizes: HashMap<u8, usize>,
}

/// Bounds the setups of transfers that never complete (a damaged capture).
const MAX_PENDING_SETUPS: usize = 256;

const GET_DESCRIPTOR: (u8, u8) = (0x80, 0x06);
/// The HID class's GET_DESCRIPTOR, to an interface.
const GET_INTERFACE_DESCRIPTOR: (u8, u8) = (0x81, 0x06);
const HID_REPORT_DESCRIPTOR: u8 = 0x22;
const SET_REPORT: (u8, u8) = (0x21, 0x09);
const GET_REPORT: (u8, u8) = (0xA1, 0x01);

impl DeviceState {
    fn report(&mut self, t_ns: u64, direction: Direction, via: Via, data: &[u8]) {
        let Some((&report_id, rest)) = data.split_first() else {
            return;
        };
        let size = self.sizes.entry(report_id).or_insert(0);
        *size = (*size).max(rest.len());
        let end = rest.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        self.reports.push(HidReport {
            t_ns,
            direction,
            report_id,
            bytes: rest[..end].to_vec(),
            via,
        });
    }

    fn remember(&mut self, urb: u64, setup: [u8; 8]) {
        if self.setups.len() >= MAX_PENDING_SETUPS {
            self.setups.clear();
        }
        self.setups.insert(urb, setup);
    }

    fn control(&mut self, t_ns: u64, p: &UsbPacket<'_>) {
        let kind = |s: &[u8; 8]| (s[0], s[1]);
        match (p.event, p.setup) {
            (Event::Submit, Some(setup)) if kind(&setup) == SET_REPORT => {
                if p.data.is_empty() {
                    // USBPcap sends the data stage as a packet of its own.
                    self.remember(p.urb_id, setup);
                } else {
                    self.report(t_ns, Direction::Tx, Via::SetReport, p.data);
                }
            }
            (Event::Submit, Some(setup)) => self.remember(p.urb_id, setup),
            (Event::Submit, None) if p.stage == Some(ControlStage::Data) => {
                if let Some(setup) = self.setups.remove(&p.urb_id)
                    && kind(&setup) == SET_REPORT
                {
                    self.report(t_ns, Direction::Tx, Via::SetReport, p.data);
                }
            }
            (Event::Complete, _) => {
                let setup = self.setups.remove(&p.urb_id);
                if !p.ok || p.data.is_empty() {
                    return;
                }
                match setup {
                    Some(s) if kind(&s) == GET_DESCRIPTOR => self.descriptor(s, p.data),
                    Some(s)
                        if kind(&s) == GET_INTERFACE_DESCRIPTOR
                            && s[3] == HID_REPORT_DESCRIPTOR =>
                    {
                        self.report_descriptor = Some(p.data.to_vec());
                    }
                    Some(s) if kind(&s) == GET_REPORT => {
                        self.report(t_ns, Direction::Rx, Via::GetReport, p.data);
                    }
                    Some(_) => {}
                    // The setup was before the capture began, or in a packet
                    // the capture lost: a device descriptor still shows itself.
                    None if p.data.len() == 18 && p.data[..2] == [18, 1] => {
                        self.device_descriptor = p.data.try_into().ok();
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }

    fn descriptor(&mut self, setup: [u8; 8], data: &[u8]) {
        let (index, kind) = (setup[2], setup[3]);
        match kind {
            1 if data.len() >= 18 && data[1] == 1 => {
                self.device_descriptor = data[..18].try_into().ok();
            }
            3 if index != 0 && data.len() >= 2 && data[1] == 3 => {
                let len = usize::from(data[0]).clamp(2, data.len());
                let units: Vec<u16> = data[2..len]
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                self.strings.insert(index, String::from_utf16_lossy(&units));
            }
            _ => {}
        }
    }

    fn identity(&self) -> Identity {
        let Some(d) = self.device_descriptor else {
            return Identity::default();
        };
        let string = |i: u8| (i != 0).then(|| self.strings.get(&i).cloned()).flatten();
        Identity {
            vendor_id: Some(u16::from_le_bytes([d[8], d[9]])),
            product_id: Some(u16::from_le_bytes([d[10], d[11]])),
            manufacturer: string(d[14]),
            product: string(d[15]),
            serial: string(d[16]),
        }
    }

    /// Whether the HID transfers carry CSAFE: at least one good frame, and
    /// one for every ten reports.
    fn carries_csafe(&self) -> bool {
        let mut frames = 0usize;
        let mut decoders = [
            FrameDecoder::new(MAX_CAPTURED_FRAME),
            FrameDecoder::new(MAX_CAPTURED_FRAME),
        ];
        let mut buf = Vec::new();
        for r in &self.reports {
            buf.clear();
            buf.push(r.report_id);
            buf.extend_from_slice(&r.bytes);
            let dec = &mut decoders[usize::from(r.direction == Direction::Rx)];
            dec.feed_report(&buf, |ev| {
                if matches!(ev, erglink_csafe::DecodeEvent::Frame(_)) {
                    frames += 1;
                }
            });
        }
        frames > 0 && frames * 10 >= self.reports.len()
    }
}

/// Reads a pcap or pcapng held in memory and finds its Concept2 monitors.
pub fn read_capture(bytes: &[u8]) -> Result<Capture, CaptureError> {
    let mut devices: HashMap<(u32, u16, u16), DeviceState> = HashMap::new();
    let mut start_ns = None;
    let mut usb_packets = 0;
    let mut unreadable = 0;
    let container: Container = read_packets(bytes, |raw| {
        let start = *start_ns.get_or_insert(raw.t_ns);
        let p = match usb::parse(raw.link, raw.data, raw.file_order) {
            Ok(Some(p)) => p,
            Ok(None) => return,
            Err(usb::Unreadable) => {
                unreadable += 1;
                return;
            }
        };
        usb_packets += 1;
        let t_ns = raw.t_ns.saturating_sub(start);
        let dev = devices.entry((raw.interface, p.bus, p.device)).or_default();
        match p.transfer {
            TransferType::Control => dev.control(t_ns, &p),
            TransferType::Interrupt if p.data.is_empty() => {}
            TransferType::Interrupt if p.is_in() && p.event == Event::Complete && p.ok => {
                dev.report(t_ns, Direction::Rx, Via::Interrupt, p.data);
            }
            TransferType::Interrupt if !p.is_in() && p.event == Event::Submit => {
                dev.report(t_ns, Direction::Tx, Via::Interrupt, p.data);
            }
            _ => {}
        }
    })?;
    if !container.interfaces.is_empty()
        && !container
            .interfaces
            .iter()
            .any(|l| !matches!(l, LinkType::Other(_)))
    {
        let links: Vec<String> = container
            .interfaces
            .iter()
            .map(|l| l.number().to_string())
            .collect();
        return Err(CaptureError::NotUsb(links.join(", ")));
    }
    let mut found: Vec<Device> = devices
        .into_iter()
        .filter_map(|((interface, bus, address), state)| {
            let identity = state.identity();
            let found_by = match identity.vendor_id {
                Some(CONCEPT2_VENDOR_ID) => FoundBy::Descriptor,
                Some(_) => return None,
                None if !state.reports.is_empty() && state.carries_csafe() => FoundBy::CsafeFrames,
                None => return None,
            };
            let mut report_sizes: Vec<(u8, usize)> = state.sizes.into_iter().collect();
            report_sizes.sort_unstable();
            Some(Device {
                interface,
                bus,
                address,
                identity,
                found_by,
                reports: state.reports,
                report_sizes,
                report_descriptor: state.report_descriptor,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        b.reports
            .len()
            .cmp(&a.reports.len())
            .then((a.interface, a.bus, a.address).cmp(&(b.interface, b.bus, b.address)))
    });
    Ok(Capture {
        format: container.format,
        interfaces: container.interfaces,
        packets: container.packets,
        usb_packets,
        unreadable,
        start_ns: start_ns.unwrap_or(0),
        devices: found,
    })
}
