//! usbmon and USBPcap records built byte by byte from their documentation
//! (linux Documentation/usb/usbmon.rst; USBPcap's capture format), for
//! text2pcap to wrap in pcap and pcapng: the independent writer of
//! tests/pcap_cli.rs. tshark reading the same records checks the layouts.

pub const GET_DEVICE_DESCRIPTOR: [u8; 8] = [0x80, 6, 0, 1, 0, 0, 18, 0];
pub const SET_REPORT_2: [u8; 8] = [0x21, 9, 2, 2, 0, 0, 121, 0];
pub const STATUS_REQUEST: [u8; 4] = [0xF1, 0x80, 0x80, 0xF2];
pub const STATUS_REPLY: [u8; 4] = [0xF1, 0x81, 0x81, 0xF2];
pub const SERIAL_REQUEST: [u8; 4] = [0xF1, 0x94, 0x94, 0xF2];
/// GETSERIAL "430000001", status Ready with toggle 0.
#[rustfmt::skip]
pub const SERIAL_REPLY: [u8; 15] = [
    0xF1, 0x01, 0x94, 0x09, 0x34, 0x33, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x31, 0xAA, 0xF2,
];

pub fn device_descriptor(vid: u16, pid: u16) -> Vec<u8> {
    let (v, p) = (vid.to_le_bytes(), pid.to_le_bytes());
    vec![
        18, 1, 0x10, 0x01, 0, 0, 0, 8, v[0], v[1], p[0], p[1], 0, 1, 0, 0, 0, 1,
    ]
}

pub fn report(id: u8, frame: &[u8], size: usize) -> Vec<u8> {
    let mut r = vec![id];
    r.extend_from_slice(frame);
    r.resize(size + 1, 0);
    r
}

/// A usbmon record, laid out as linux/Documentation/usb/usbmon.rst gives it.
pub struct Usbmon {
    pub big_endian: bool,
    pub mmapped: bool,
    pub bus: u16,
    pub device: u8,
}

impl Usbmon {
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &self,
        urb: u64,
        kind: u8,
        transfer: u8,
        ep: u8,
        setup: Option<[u8; 8]>,
        data: &[u8],
        urb_len: usize,
    ) -> Vec<u8> {
        let be = self.big_endian;
        let mut r = Vec::new();
        let mut put = |b: &[u8]| r.extend_from_slice(b);
        put(&if be {
            urb.to_be_bytes()
        } else {
            urb.to_le_bytes()
        });
        put(&[kind, transfer, ep, self.device]);
        put(&if be {
            self.bus.to_be_bytes()
        } else {
            self.bus.to_le_bytes()
        });
        put(&[
            if setup.is_some() { 0 } else { b'-' },
            if data.is_empty() { b'<' } else { 0 },
        ]);
        put(&[0; 8]); // ts_sec: the pcap record's time is the one readers use
        put(&[0; 4]); // ts_usec
        put(&[0; 4]); // status
        let w32 = |v: usize| {
            if be {
                (v as u32).to_be_bytes()
            } else {
                (v as u32).to_le_bytes()
            }
        };
        put(&w32(urb_len));
        put(&w32(data.len()));
        put(&setup.unwrap_or([0; 8]));
        if self.mmapped {
            put(&[0; 16]); // interval, start_frame, xfer_flags, ndesc
        }
        put(data);
        r
    }

    /// A monitor's exchange: descriptor (optional), then request/reply pairs.
    pub fn session(
        &self,
        with_descriptor: bool,
        vid: u16,
        set_report: bool,
    ) -> Vec<(u64, Vec<u8>)> {
        let mut out = Vec::new();
        if with_descriptor {
            out.push((
                0,
                self.record(1, b'S', 2, 0x80, Some(GET_DEVICE_DESCRIPTOR), &[], 18),
            ));
            out.push((
                400,
                self.record(1, b'C', 2, 0x80, None, &device_descriptor(vid, 3), 18),
            ));
        }
        let pairs = [
            (&STATUS_REQUEST[..], &STATUS_REPLY[..]),
            (&SERIAL_REQUEST[..], &SERIAL_REPLY[..]),
        ];
        for (i, (req, rep)) in pairs.iter().enumerate() {
            let t = 10_000 + i as u64 * 30_000;
            let urb = 10 + i as u64 * 3;
            let req = report(2, req, 120);
            if set_report {
                out.push((
                    t,
                    self.record(urb, b'S', 2, 0x00, Some(SET_REPORT_2), &req, req.len()),
                ));
                out.push((
                    t + 900,
                    self.record(urb, b'C', 2, 0x00, None, &[], req.len()),
                ));
            } else {
                out.push((t, self.record(urb, b'S', 1, 0x04, None, &req, req.len())));
                out.push((
                    t + 900,
                    self.record(urb, b'C', 1, 0x04, None, &[], req.len()),
                ));
            }
            out.push((
                t + 1_000,
                self.record(urb + 1, b'S', 1, 0x83, None, &[], 121),
            ));
            let rep = report(2, rep, 120);
            out.push((
                t + 25_000,
                self.record(urb + 1, b'C', 1, 0x83, None, &rep, rep.len()),
            ));
        }
        out
    }
}

/// USBPcap records, laid out as USBPcap's documentation gives them.
pub fn usbpcap(
    irp: u64,
    completion: bool,
    device: u16,
    ep: u8,
    transfer: u8,
    stage: Option<u8>,
    data: &[u8],
) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend_from_slice(&(if stage.is_some() { 28u16 } else { 27u16 }).to_le_bytes());
    r.extend_from_slice(&irp.to_le_bytes());
    r.extend_from_slice(&0u32.to_le_bytes());
    r.extend_from_slice(&(if transfer == 2 { 0x0Bu16 } else { 0x09 }).to_le_bytes());
    r.push(u8::from(completion));
    r.extend_from_slice(&2u16.to_le_bytes());
    r.extend_from_slice(&device.to_le_bytes());
    r.push(ep);
    r.push(transfer);
    r.extend_from_slice(&(data.len() as u32).to_le_bytes());
    if let Some(s) = stage {
        r.push(s);
    }
    r.extend_from_slice(data);
    r
}

pub fn usbpcap_session(device: u16) -> Vec<(u64, Vec<u8>)> {
    let mut out = vec![
        (
            0,
            usbpcap(1, false, device, 0x80, 2, Some(0), &GET_DEVICE_DESCRIPTOR),
        ),
        (
            300,
            usbpcap(
                1,
                true,
                device,
                0x80,
                2,
                Some(3),
                &device_descriptor(0x17A4, 3),
            ),
        ),
    ];
    let pairs = [
        (&STATUS_REQUEST[..], &STATUS_REPLY[..]),
        (&SERIAL_REQUEST[..], &SERIAL_REPLY[..]),
    ];
    for (i, (req, rep)) in pairs.iter().enumerate() {
        let t = 10_000 + i as u64 * 30_000;
        let irp = 10 + i as u64 * 2;
        out.push((
            t,
            usbpcap(irp, false, device, 0x02, 1, None, &report(2, req, 120)),
        ));
        out.push((t + 900, usbpcap(irp, true, device, 0x02, 1, None, &[])));
        out.push((
            t + 1_000,
            usbpcap(irp + 1, false, device, 0x81, 1, None, &[]),
        ));
        out.push((
            t + 25_000,
            usbpcap(irp + 1, true, device, 0x81, 1, None, &report(2, rep, 120)),
        ));
    }
    out
}
