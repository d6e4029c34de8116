//! # erglink-capture
//!
//! USB captures of Concept2 monitors, both ways:
//! - [`read_capture`] reads a pcap or pcapng of Linux usbmon (link types 189
//!   and 220, headers in the capturing machine's byte order) or Windows
//!   USBPcap (249) traffic, finds the monitors (by vendor `17a4` where the
//!   capture has their descriptors, otherwise by the CSAFE frames in their HID
//!   transfers) and gives each one's HID reports; [`decode_frames`]
//!   reassembles their CSAFE frames with time, direction and report id.
//! - [`write_usbpcap_pcapng`] writes reports as a USBPcap pcapng that
//!   Wireshark and tshark open.
//!
//! Pure: bytes in, values out. No USB, no clock, no async runtime; the
//! caller reads and writes the files.

#![forbid(unsafe_code)]

mod container;
mod error;
mod extract;
mod frames;
mod usb;
mod write;

pub use container::{Format, LinkType};
pub use error::CaptureError;
pub use extract::{
    CONCEPT2_VENDOR_ID, Capture, Device, Direction, FoundBy, HidReport, Identity,
    MAX_CAPTURED_FRAME, Via, read_capture,
};
pub use frames::{CsafeFrame, DecodedFrames, DroppedFrame, decode_frames};
pub use write::{
    DeviceDescription, WRITTEN_DEVICE_ADDRESS, WRITTEN_IN_ENDPOINT, WRITTEN_OUT_ENDPOINT,
    write_usbpcap_pcapng,
};
