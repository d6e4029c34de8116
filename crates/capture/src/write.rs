//! Reports to a pcapng with USBPcap framing, which Wireshark and tshark open.
//!
//! The file starts with GET_DESCRIPTOR exchanges for the device descriptor
//! and its strings, so Wireshark names the device (vendor `17a4` is
//! "Concept2" in its tables) and a reader of the file finds it by vendor.
//! A HID report descriptor follows, when the caller gives one, so that a
//! reader learns the size of every report, used or not. There is no
//! configuration descriptor, so Wireshark does not know the interface is HID
//! and shows each report as `usb.capdata`. Those
//! descriptors are erglink's own, built from the transcript's identity: the
//! monitor's real ones were not recorded.

use std::io::Write;
use std::time::Duration;

use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::SectionHeaderBlock;

use crate::error::CaptureError;
use crate::extract::{CONCEPT2_VENDOR_ID, Direction, HidReport};
use crate::usb::usbpcap_header;

/// The device a written capture describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceDescription {
    /// idVendor.
    pub vendor_id: u16,
    /// idProduct.
    pub product_id: u16,
    /// The manufacturer string.
    pub manufacturer: Option<String>,
    /// The product string.
    pub product: Option<String>,
    /// The serial number string.
    pub serial: Option<String>,
    /// Bytes after the report id of each report: reports are padded to it.
    pub report_sizes: Vec<(u8, usize)>,
    /// A HID report descriptor to write after the device's descriptors, so
    /// that a reader learns every report's size.
    pub report_descriptor: Option<Vec<u8>>,
}

impl Default for DeviceDescription {
    fn default() -> Self {
        Self {
            vendor_id: CONCEPT2_VENDOR_ID,
            product_id: 0,
            manufacturer: None,
            product: None,
            serial: None,
            report_sizes: Vec::new(),
            report_descriptor: None,
        }
    }
}

/// The device address written; Windows numbers devices from 1 on each root hub.
pub const WRITTEN_DEVICE_ADDRESS: u16 = 5;
/// The interrupt IN endpoint written (a PM5's, reference §1.1).
pub const WRITTEN_IN_ENDPOINT: u8 = 0x81;
/// The interrupt OUT endpoint written.
pub const WRITTEN_OUT_ENDPOINT: u8 = 0x02;

const URB_FUNCTION_BULK_OR_INTERRUPT_TRANSFER: u16 = 0x0009;
const URB_FUNCTION_GET_DESCRIPTOR_FROM_DEVICE: u16 = 0x000B;
const TRANSFER_INTERRUPT: u8 = 1;
const TRANSFER_CONTROL: u8 = 2;
const STAGE_SETUP: u8 = 0;
const STAGE_COMPLETE: u8 = 3;
const LANGID_EN_US: u16 = 0x0409;

struct Packets<W: Write> {
    writer: PcapNgWriter<W>,
    irp: u64,
    buf: Vec<u8>,
}

impl<W: Write> Packets<W> {
    fn emit(&mut self, t_ns: u64) -> Result<(), CaptureError> {
        let block = EnhancedPacketBlock {
            interface_id: 0,
            timestamp: Duration::from_nanos(t_ns),
            original_len: self.buf.len() as u32,
            data: std::borrow::Cow::Borrowed(&self.buf),
            options: Vec::new(),
        };
        self.writer.write_pcapng_block(block).map_err(pcap_err)?;
        Ok(())
    }

    /// A standard GET_DESCRIPTOR to the device, or (`to_interface`) the HID
    /// class's to interface 0.
    fn get_descriptor(
        &mut self,
        to_interface: bool,
        kind: u8,
        index: u8,
        data: &[u8],
    ) -> Result<(), CaptureError> {
        self.irp += 1;
        let w_index = if kind == 3 && index != 0 {
            LANGID_EN_US
        } else {
            0
        };
        let len = (data.len() as u16).to_le_bytes();
        let setup = [
            if to_interface { 0x81 } else { 0x80 },
            0x06,
            index,
            kind,
            w_index as u8,
            (w_index >> 8) as u8,
            len[0],
            len[1],
        ];
        self.buf.clear();
        usbpcap_header(
            &mut self.buf,
            self.irp,
            URB_FUNCTION_GET_DESCRIPTOR_FROM_DEVICE,
            false,
            WRITTEN_DEVICE_ADDRESS,
            0x80,
            TRANSFER_CONTROL,
            setup.len(),
            Some(STAGE_SETUP),
        );
        self.buf.extend_from_slice(&setup);
        self.emit(0)?;
        self.buf.clear();
        usbpcap_header(
            &mut self.buf,
            self.irp,
            URB_FUNCTION_GET_DESCRIPTOR_FROM_DEVICE,
            true,
            WRITTEN_DEVICE_ADDRESS,
            0x80,
            TRANSFER_CONTROL,
            data.len(),
            Some(STAGE_COMPLETE),
        );
        self.buf.extend_from_slice(data);
        self.emit(0)
    }

    /// One interrupt transfer: the submission, then its completion; the data
    /// travels with the submission going OUT and with the completion coming IN.
    fn interrupt(&mut self, t_ns: u64, endpoint: u8, report: &[u8]) -> Result<(), CaptureError> {
        self.irp += 1;
        let is_in = endpoint & 0x80 != 0;
        for completion in [false, true] {
            let data: &[u8] = if completion == is_in { report } else { &[] };
            self.buf.clear();
            usbpcap_header(
                &mut self.buf,
                self.irp,
                URB_FUNCTION_BULK_OR_INTERRUPT_TRANSFER,
                completion,
                WRITTEN_DEVICE_ADDRESS,
                endpoint,
                TRANSFER_INTERRUPT,
                data.len(),
                None,
            );
            self.buf.extend_from_slice(data);
            self.emit(t_ns)?;
        }
        Ok(())
    }
}

fn pcap_err(e: pcap_file::PcapError) -> CaptureError {
    match e {
        pcap_file::PcapError::IoError(io) => CaptureError::Write(io),
        other => CaptureError::Write(std::io::Error::other(other.to_string())),
    }
}

fn string_descriptor(text: &str) -> Vec<u8> {
    // bLength is one byte: a longer string is cut to what fits.
    let units: Vec<u16> = text.encode_utf16().take(126).collect();
    let mut d = vec![(2 + 2 * units.len()) as u8, 3];
    for u in units {
        d.extend_from_slice(&u.to_le_bytes());
    }
    d
}

/// Writes `reports` (times in ns from the start of the file) as a USBPcap
/// pcapng, and returns the writer.
pub fn write_usbpcap_pcapng<W: Write>(
    out: W,
    device: &DeviceDescription,
    reports: &[HidReport],
) -> Result<W, CaptureError> {
    let section = SectionHeaderBlock {
        endianness: pcap_file::Endianness::Little,
        ..SectionHeaderBlock::default()
    };
    let mut writer = PcapNgWriter::with_section_header(out, section).map_err(pcap_err)?;
    writer
        .write_pcapng_block(InterfaceDescriptionBlock {
            linktype: DataLink::USBPCAP,
            snaplen: 0xFFFF,
            // Nanoseconds, so that a transcript's times survive the trip.
            options: vec![InterfaceDescriptionOption::IfTsResol(9)],
        })
        .map_err(pcap_err)?;
    let mut p = Packets {
        writer,
        irp: 0,
        buf: Vec::with_capacity(600),
    };
    let strings = [
        device.manufacturer.as_deref(),
        device.product.as_deref(),
        device.serial.as_deref(),
    ];
    let index = |i: usize| if strings[i].is_some() { i as u8 + 1 } else { 0 };
    let [vid, pid] = [
        device.vendor_id.to_le_bytes(),
        device.product_id.to_le_bytes(),
    ];
    let device_descriptor = [
        18,
        1,
        0x00,
        0x02,
        0,
        0,
        0,
        64,
        vid[0],
        vid[1],
        pid[0],
        pid[1],
        0x00,
        0x01,
        index(0),
        index(1),
        index(2),
        1,
    ];
    p.get_descriptor(false, 1, 0, &device_descriptor)?;
    if strings.iter().any(Option::is_some) {
        let lang = LANGID_EN_US.to_le_bytes();
        p.get_descriptor(false, 3, 0, &[4, 3, lang[0], lang[1]])?;
        for (i, s) in strings.iter().enumerate() {
            if let Some(s) = s {
                p.get_descriptor(false, 3, i as u8 + 1, &string_descriptor(s))?;
            }
        }
    }
    if let Some(d) = &device.report_descriptor {
        p.get_descriptor(true, 0x22, 0, d)?;
    }
    let mut report = Vec::with_capacity(600);
    for r in reports {
        report.clear();
        report.push(r.report_id);
        report.extend_from_slice(&r.bytes);
        if let Some(&(_, size)) = device
            .report_sizes
            .iter()
            .find(|(id, _)| *id == r.report_id)
            && report.len() < size + 1
        {
            report.resize(size + 1, 0);
        }
        let endpoint = match r.direction {
            Direction::Tx => WRITTEN_OUT_ENDPOINT,
            Direction::Rx => WRITTEN_IN_ENDPOINT,
        };
        p.interrupt(r.t_ns, endpoint, &report)?;
    }
    Ok(p.writer.into_inner())
}
