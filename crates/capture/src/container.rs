//! The file formats: pcap and pcapng, read from memory through pcap-file's
//! slice parsers, with one callback per packet.
//!
//! pcap-file's checked pcap packet refuses an original length above the snap
//! length, which is exactly what a capture truncated by its snap length has,
//! so pcap records are read raw and checked here. Its pcapng blocks give
//! timestamps in raw ticks, so each interface's `if_tsresol` is applied here.

use pcap_file::pcap::PcapParser;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgParser};
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};

use crate::error::CaptureError;

/// pcap or pcapng.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Classic libpcap.
    Pcap,
    /// pcapng.
    PcapNg,
}

impl Format {
    /// `pcap` or `pcapng`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pcap => "pcap",
            Format::PcapNg => "pcapng",
        }
    }
}

/// The link types erglink reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkType {
    /// LINKTYPE_USB_LINUX (189): usbmon's 48-byte header.
    UsbLinux,
    /// LINKTYPE_USB_LINUX_MMAPPED (220): usbmon's 64-byte header.
    UsbLinuxMmapped,
    /// LINKTYPE_USBPCAP (249): Windows USBPcap.
    UsbPcap,
    /// Anything else, by number.
    Other(u32),
}

impl LinkType {
    fn from_datalink(link: DataLink) -> Self {
        match u32::from(link) {
            189 => LinkType::UsbLinux,
            220 => LinkType::UsbLinuxMmapped,
            249 => LinkType::UsbPcap,
            n => LinkType::Other(n),
        }
    }

    /// The LINKTYPE_ number.
    pub fn number(self) -> u32 {
        match self {
            LinkType::UsbLinux => 189,
            LinkType::UsbLinuxMmapped => 220,
            LinkType::UsbPcap => 249,
            LinkType::Other(n) => n,
        }
    }
}

/// One captured packet, as the file has it.
#[derive(Clone, Copy, Debug)]
pub struct RawPacket<'a> {
    /// pcapng interface id (0 in a pcap).
    pub interface: u32,
    /// Its interface's link type.
    pub link: LinkType,
    /// Nanoseconds since 1970 (saturating).
    pub t_ns: u64,
    /// The file's byte order, which is usually that of the capturing machine.
    pub file_order: Endianness,
    /// Link-layer bytes.
    pub data: &'a [u8],
}

/// What the file itself says.
#[derive(Clone, Debug)]
pub struct Container {
    /// pcap or pcapng.
    pub format: Format,
    /// Link type of each interface, by id.
    pub interfaces: Vec<LinkType>,
    /// Packets read.
    pub packets: u64,
}

const PCAPNG_MAGIC: [u8; 4] = [0x0A, 0x0D, 0x0D, 0x0A];

/// Calls `on_packet` for every packet of a pcap or pcapng held in `bytes`.
pub fn read_packets(
    bytes: &[u8],
    on_packet: impl FnMut(RawPacket<'_>),
) -> Result<Container, CaptureError> {
    let Some(magic) = bytes.get(..4) else {
        return Err(CaptureError::Truncated {
            what: "file header",
            offset: 0,
        });
    };
    if magic == PCAPNG_MAGIC {
        read_pcapng(bytes, on_packet)
    } else if matches!(
        magic,
        [0xA1, 0xB2, 0xC3, 0xD4]
            | [0xD4, 0xC3, 0xB2, 0xA1]
            | [0xA1, 0xB2, 0x3C, 0x4D]
            | [0x4D, 0x3C, 0xB2, 0xA1]
    ) {
        read_pcap(bytes, on_packet)
    } else {
        Err(CaptureError::NotACapture(
            magic
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(" "),
        ))
    }
}

fn map_err(err: PcapError, what: &'static str, offset: usize) -> CaptureError {
    match err {
        PcapError::IncompleteBuffer => CaptureError::Truncated { what, offset },
        other => CaptureError::Damaged {
            offset,
            why: other.to_string(),
        },
    }
}

fn read_pcap(
    bytes: &[u8],
    mut on_packet: impl FnMut(RawPacket<'_>),
) -> Result<Container, CaptureError> {
    let (mut rest, parser) = PcapParser::new(bytes).map_err(|e| map_err(e, "file header", 0))?;
    let header = parser.header();
    let link = LinkType::from_datalink(header.datalink);
    let nanos = header.ts_resolution == TsResolution::NanoSecond;
    let mut packets = 0;
    while !rest.is_empty() {
        let offset = bytes.len() - rest.len();
        let (next, raw) = parser
            .next_raw_packet(rest)
            .map_err(|e| map_err(e, "packet record", offset))?;
        let frac = u64::from(raw.ts_frac);
        let frac_ns = if nanos {
            frac
        } else {
            frac.saturating_mul(1000)
        };
        let t_ns = u64::from(raw.ts_sec)
            .saturating_mul(1_000_000_000)
            .saturating_add(frac_ns);
        on_packet(RawPacket {
            interface: 0,
            link,
            t_ns,
            file_order: header.endianness,
            data: &raw.data,
        });
        packets += 1;
        rest = next;
    }
    Ok(Container {
        format: Format::Pcap,
        interfaces: vec![link],
        packets,
    })
}

/// An interface's timestamp unit.
#[derive(Clone, Copy)]
enum TickUnit {
    /// 10^-n seconds.
    Decimal(u32),
    /// 2^-n seconds.
    Binary(u32),
}

impl TickUnit {
    fn from_tsresol(v: u8) -> Self {
        if v & 0x80 == 0 {
            TickUnit::Decimal(u32::from(v))
        } else {
            TickUnit::Binary(u32::from(v & 0x7F))
        }
    }

    fn to_ns(self, ticks: u128) -> u64 {
        let ns = match self {
            TickUnit::Decimal(n) if n <= 9 => ticks.saturating_mul(10u128.pow(9 - n)),
            TickUnit::Decimal(n) => ticks / 10u128.saturating_pow(n - 9),
            TickUnit::Binary(n) if n < 64 => ticks.saturating_mul(1_000_000_000) >> n,
            TickUnit::Binary(_) => 0,
        };
        u64::try_from(ns).unwrap_or(u64::MAX)
    }
}

fn read_pcapng(
    bytes: &[u8],
    mut on_packet: impl FnMut(RawPacket<'_>),
) -> Result<Container, CaptureError> {
    let (mut rest, mut parser) =
        PcapNgParser::new(bytes).map_err(|e| map_err(e, "section header block", 0))?;
    // Interfaces of the current section, and of every section for the summary.
    let mut section: Vec<(LinkType, TickUnit)> = Vec::new();
    let mut all = Vec::new();
    let mut packets = 0;
    let mut last_ns = 0;
    while !rest.is_empty() {
        let offset = bytes.len() - rest.len();
        let (next, block) = parser
            .next_block(rest)
            .map_err(|e| map_err(e, "block", offset))?;
        let order = parser.section().endianness;
        match block {
            Block::SectionHeader(_) => section.clear(),
            Block::InterfaceDescription(idb) => {
                let unit = idb
                    .options
                    .iter()
                    .find_map(|o| match o {
                        InterfaceDescriptionOption::IfTsResol(v) => {
                            Some(TickUnit::from_tsresol(*v))
                        }
                        _ => None,
                    })
                    .unwrap_or(TickUnit::Decimal(6));
                let link = LinkType::from_datalink(idb.linktype);
                section.push((link, unit));
                all.push(link);
            }
            Block::EnhancedPacket(epb) => {
                let Some(&(link, unit)) = section.get(epb.interface_id as usize) else {
                    return Err(CaptureError::Damaged {
                        offset,
                        why: format!(
                            "a packet names interface {} but the section describes {}",
                            epb.interface_id,
                            section.len()
                        ),
                    });
                };
                last_ns = unit.to_ns(epb.timestamp.as_nanos());
                on_packet(RawPacket {
                    interface: epb.interface_id,
                    link,
                    t_ns: last_ns,
                    file_order: order,
                    data: &epb.data,
                });
                packets += 1;
            }
            Block::SimplePacket(spb) => {
                // A simple packet has no timestamp: it is given the last one seen.
                let Some(&(link, _)) = section.first() else {
                    return Err(CaptureError::Damaged {
                        offset,
                        why: "a simple packet block before any interface description".into(),
                    });
                };
                on_packet(RawPacket {
                    interface: 0,
                    link,
                    t_ns: last_ns,
                    file_order: order,
                    data: &spb.data[..spb.data.len().min(spb.original_len as usize)],
                });
                packets += 1;
            }
            _ => {}
        }
        rest = next;
    }
    Ok(Container {
        format: Format::PcapNg,
        interfaces: all,
        packets,
    })
}
