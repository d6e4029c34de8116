//! USB link-layer headers: Linux usbmon (48 or 64 bytes, in the capturing
//! machine's byte order) and Windows USBPcap (little endian).

use pcap_file::Endianness;

use crate::container::LinkType;

/// Kind of USB transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferType {
    /// Isochronous.
    Isochronous,
    /// Interrupt: the PM's reports.
    Interrupt,
    /// Control: descriptors, SET_REPORT.
    Control,
    /// Bulk.
    Bulk,
    /// A code neither format defines.
    Other(u8),
}

impl TransferType {
    fn from_code(code: u8) -> Self {
        match code {
            0 => TransferType::Isochronous,
            1 => TransferType::Interrupt,
            2 => TransferType::Control,
            3 => TransferType::Bulk,
            n => TransferType::Other(n),
        }
    }
}

/// Whether a packet is the host handing a transfer down or the transfer
/// coming back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// usbmon `S`; USBPcap FDO to PDO.
    Submit,
    /// usbmon `C` or `E`; USBPcap PDO to FDO.
    Complete,
}

/// USBPcap's control stage (absent for usbmon, which shows control
/// transfers whole).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlStage {
    /// The setup packet (and, from some writers, OUT data after it).
    Setup,
    /// The data stage on its own.
    Data,
    /// The status stage.
    Status,
    /// The completion, with IN data.
    Complete,
}

/// One USB packet's header fields and payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsbPacket<'a> {
    /// usbmon's URB tag or USBPcap's IRP id: pairs a submission with its completion.
    pub urb_id: u64,
    /// Bus number.
    pub bus: u16,
    /// Device address on the bus.
    pub device: u16,
    /// Endpoint address, bit 7 set for IN.
    pub endpoint: u8,
    /// Transfer type.
    pub transfer: TransferType,
    /// Submission or completion.
    pub event: Event,
    /// Whether the transfer succeeded (always true on submissions).
    pub ok: bool,
    /// The 8-byte setup packet, where this packet carries one.
    pub setup: Option<[u8; 8]>,
    /// USBPcap's control stage.
    pub stage: Option<ControlStage>,
    /// Transfer data carried by this packet.
    pub data: &'a [u8],
}

impl UsbPacket<'_> {
    /// Whether the endpoint is an IN endpoint.
    pub fn is_in(&self) -> bool {
        self.endpoint & 0x80 != 0
    }
}

/// Why a USB packet could not be read; the capture goes on without it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unreadable;

/// Reads the USB header of a packet of link type `link`; `Ok(None)` for
/// link types that are not USB.
pub fn parse(
    link: LinkType,
    data: &[u8],
    file_order: Endianness,
) -> Result<Option<UsbPacket<'_>>, Unreadable> {
    match link {
        LinkType::UsbLinux => parse_usbmon(data, 48, file_order).map(Some),
        LinkType::UsbLinuxMmapped => parse_usbmon(data, 64, file_order).map(Some),
        LinkType::UsbPcap => parse_usbpcap(data).map(Some),
        LinkType::Other(_) => Ok(None),
    }
}

#[derive(Clone, Copy)]
struct Fields<'a> {
    bytes: &'a [u8],
    little: bool,
}

impl Fields<'_> {
    fn u16(self, at: usize) -> u16 {
        let b = [self.bytes[at], self.bytes[at + 1]];
        if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    }
    fn u32(self, at: usize) -> u32 {
        let b: [u8; 4] = self.bytes[at..at + 4].try_into().expect("4 bytes");
        if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    }
    fn u64(self, at: usize) -> u64 {
        let b: [u8; 8] = self.bytes[at..at + 8].try_into().expect("8 bytes");
        if self.little {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        }
    }
}

/// usbmon's header, in the capturing machine's byte order, which is usually
/// the file's but not always (a capture converted or merged elsewhere).
fn parse_usbmon(
    data: &[u8],
    header_len: usize,
    file_order: Endianness,
) -> Result<UsbPacket<'_>, Unreadable> {
    if data.len() < header_len {
        return Err(Unreadable);
    }
    // A captured length under 64 KiB read in the wrong byte order comes out
    // at 64 KiB or more, so the order giving the smaller one is right; both
    // agree only on 0, and then the file's order stands.
    let preferred = file_order == Endianness::Little;
    let len_cap_in = |little: bool| {
        Fields {
            bytes: data,
            little,
        }
        .u32(36)
    };
    let little = if len_cap_in(!preferred) < len_cap_in(preferred) {
        !preferred
    } else {
        preferred
    };
    let f = Fields {
        bytes: data,
        little,
    };
    let available = data.len() - header_len;
    let len_cap = (f.u32(36) as usize).min(available);
    let event = match data[8] {
        b'S' => Event::Submit,
        b'C' | b'E' => Event::Complete,
        _ => return Err(Unreadable),
    };
    let status = f.u32(28) as i32;
    let setup = (data[14] == 0).then(|| data[40..48].try_into().expect("8 bytes"));
    Ok(UsbPacket {
        urb_id: f.u64(0),
        bus: f.u16(12),
        device: u16::from(data[11]),
        endpoint: data[10],
        transfer: TransferType::from_code(data[9]),
        event,
        ok: data[8] != b'E' && (event == Event::Submit || status == 0),
        setup,
        stage: None,
        data: &data[header_len..header_len + len_cap],
    })
}

/// USBPcap's packed little-endian header: length, IRP id, USBD status,
/// URB function, info (bit 0: PDO to FDO), bus, device, endpoint, transfer,
/// data length; a control transfer adds its stage.
fn parse_usbpcap(data: &[u8]) -> Result<UsbPacket<'_>, Unreadable> {
    const BASE: usize = 27;
    if data.len() < BASE {
        return Err(Unreadable);
    }
    let f = Fields {
        bytes: data,
        little: true,
    };
    let header_len = usize::from(f.u16(0));
    if header_len < BASE || header_len > data.len() {
        return Err(Unreadable);
    }
    let transfer = TransferType::from_code(data[22]);
    let stage = if transfer == TransferType::Control && header_len >= 28 {
        Some(match data[27] {
            0 => ControlStage::Setup,
            1 => ControlStage::Data,
            2 => ControlStage::Status,
            3 => ControlStage::Complete,
            _ => return Err(Unreadable),
        })
    } else {
        None
    };
    let body = &data[header_len..];
    let data_len = (f.u32(23) as usize).min(body.len());
    let body = &body[..data_len];
    let (setup, payload) = match stage {
        Some(ControlStage::Setup) if body.len() >= 8 => {
            (Some(body[..8].try_into().expect("8 bytes")), &body[8..])
        }
        _ => (None, body),
    };
    let event = if data[16] & 1 == 0 {
        Event::Submit
    } else {
        Event::Complete
    };
    Ok(UsbPacket {
        urb_id: f.u64(2),
        bus: f.u16(17),
        device: f.u16(19),
        endpoint: data[21],
        transfer,
        event,
        ok: event == Event::Submit || f.u32(10) == 0,
        setup,
        stage,
        data: payload,
    })
}

/// Builds a USBPcap header (the writer's half of [`parse_usbpcap`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn usbpcap_header(
    out: &mut Vec<u8>,
    irp: u64,
    function: u16,
    completion: bool,
    device: u16,
    endpoint: u8,
    transfer: u8,
    data_len: usize,
    stage: Option<u8>,
) {
    let header_len: u16 = if stage.is_some() { 28 } else { 27 };
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(&irp.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // USBD_STATUS_SUCCESS
    out.extend_from_slice(&function.to_le_bytes());
    out.push(u8::from(completion));
    out.extend_from_slice(&1u16.to_le_bytes()); // bus (root hub) 1
    out.extend_from_slice(&device.to_le_bytes());
    out.push(endpoint);
    out.push(transfer);
    out.extend_from_slice(&(data_len as u32).to_le_bytes());
    if let Some(s) = stage {
        out.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usbmon(little: bool, kind: u8, ep: u8, data: &[u8]) -> Vec<u8> {
        let w16 = |v: u16| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let w32 = |v: u32| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let mut p = Vec::new();
        p.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        p.extend_from_slice(&[kind, 1, ep, 7]);
        p.extend_from_slice(&w16(3));
        p.extend_from_slice(&[b'-', 0]);
        p.extend_from_slice(&[0; 12]);
        p.extend_from_slice(&w32(0));
        p.extend_from_slice(&w32(data.len() as u32));
        p.extend_from_slice(&w32(data.len() as u32));
        p.extend_from_slice(&[0; 8]);
        p.extend_from_slice(data);
        p
    }

    #[test]
    fn usbmon_in_either_byte_order() {
        for little in [true, false] {
            let p = usbmon(little, b'C', 0x81, &[2, 0xF1, 0x81, 0x81, 0xF2]);
            // Whatever the file's order says, the header's own lengths decide.
            for order in [Endianness::Little, Endianness::Big] {
                let u = parse(LinkType::UsbLinux, &p, order).unwrap().unwrap();
                assert_eq!((u.bus, u.device, u.endpoint), (3, 7, 0x81));
                assert_eq!(u.event, Event::Complete);
                assert_eq!(u.transfer, TransferType::Interrupt);
                assert_eq!(u.data, [2, 0xF1, 0x81, 0x81, 0xF2]);
            }
        }
    }

    #[test]
    fn short_headers_are_unreadable() {
        assert_eq!(
            parse(LinkType::UsbLinux, &[0; 47], Endianness::Little),
            Err(Unreadable)
        );
        assert_eq!(
            parse(LinkType::UsbPcap, &[27, 0, 1], Endianness::Little),
            Err(Unreadable)
        );
    }

    #[test]
    fn usbpcap_header_round_trips() {
        let mut p = Vec::new();
        usbpcap_header(&mut p, 9, 9, true, 5, 0x81, 1, 3, None);
        p.extend_from_slice(&[2, 0xF1, 0xF2]);
        let u = parse(LinkType::UsbPcap, &p, Endianness::Big)
            .unwrap()
            .unwrap();
        assert_eq!((u.urb_id, u.bus, u.device, u.endpoint), (9, 1, 5, 0x81));
        assert_eq!(u.event, Event::Complete);
        assert_eq!(u.data, [2, 0xF1, 0xF2]);
    }
}
