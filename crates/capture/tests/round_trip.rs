//! Reports through a pcapng and back; usbmon captures built byte by byte;
//! damaged and random files.

use erglink_capture::{
    CaptureError, DeviceDescription, Direction, FoundBy, HidReport, LinkType, Via, decode_frames,
    read_capture, write_usbpcap_pcapng,
};
use proptest::prelude::*;

fn report(t_ns: u64, direction: Direction, report_id: u8, bytes: &[u8]) -> HidReport {
    HidReport {
        t_ns,
        direction,
        report_id,
        bytes: bytes.to_vec(),
        via: Via::Interrupt,
    }
}

fn pm5() -> DeviceDescription {
    DeviceDescription {
        vendor_id: 0x17A4,
        product_id: 3,
        manufacturer: Some("Concept2".into()),
        product: Some("Concept2 Performance Monitor 5 (PM5)".into()),
        serial: Some("430000001".into()),
        report_sizes: vec![(1, 20), (2, 120), (4, 500)],
        report_descriptor: None,
    }
}

#[test]
fn pcapng_round_trip_keeps_reports_identity_and_sizes() {
    let reports = vec![
        report(1_000_000, Direction::Tx, 2, &[0xF1, 0x80, 0x80, 0xF2]),
        report(27_000_123, Direction::Rx, 2, &[0xF1, 0x81, 0x81, 0xF2]),
    ];
    let file = write_usbpcap_pcapng(Vec::new(), &pm5(), &reports).unwrap();
    let cap = read_capture(&file).unwrap();
    assert_eq!(cap.interfaces, [LinkType::UsbPcap]);
    assert_eq!(cap.devices.len(), 1);
    let dev = &cap.devices[0];
    assert_eq!(dev.found_by, FoundBy::Descriptor);
    assert_eq!(dev.identity.vendor_id, Some(0x17A4));
    assert_eq!(dev.identity.product_id, Some(3));
    assert_eq!(dev.identity.serial.as_deref(), Some("430000001"));
    assert_eq!(dev.identity.manufacturer.as_deref(), Some("Concept2"));
    assert_eq!(dev.reports, reports);
    assert_eq!(dev.report_sizes, [(2, 120)]);
    let frames = decode_frames(dev);
    assert_eq!(frames.frames.len(), 2);
    assert_eq!(frames.frames[1].frame.wire, [0xF1, 0x81, 0x81, 0xF2]);
    assert_eq!(frames.frames[1].t_ns, 27_000_123);
    assert_eq!(frames.frames[1].direction, Direction::Rx);
}

/// A usbmon record: 48 or 64 bytes of header in the given byte order, then data.
#[allow(clippy::too_many_arguments)]
fn usbmon_record(
    little: bool,
    mmapped: bool,
    urb: u64,
    kind: u8,
    transfer: u8,
    ep: u8,
    setup: Option<[u8; 8]>,
    data: &[u8],
) -> Vec<u8> {
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
    let w64 = |v: u64| {
        if little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let mut p = Vec::new();
    p.extend_from_slice(&w64(urb));
    p.extend_from_slice(&[kind, transfer, ep, 4]);
    p.extend_from_slice(&w16(2));
    p.push(if setup.is_some() { 0 } else { b'-' });
    p.push(if data.is_empty() { b'<' } else { 0 });
    p.extend_from_slice(&[0; 12]); // ts_sec, ts_usec
    p.extend_from_slice(&w32(0)); // status
    p.extend_from_slice(&w32(data.len() as u32));
    p.extend_from_slice(&w32(data.len() as u32));
    p.extend_from_slice(&setup.unwrap_or([0; 8]));
    if mmapped {
        p.extend_from_slice(&[0; 16]);
    }
    p.extend_from_slice(data);
    p
}

/// A classic pcap in the given byte order, microsecond timestamps.
fn pcap(little: bool, link: u32, packets: &[(u64, Vec<u8>)]) -> Vec<u8> {
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
    let mut f = Vec::new();
    f.extend_from_slice(&w32(0xA1B2_C3D4));
    f.extend_from_slice(&w16(2));
    f.extend_from_slice(&w16(4));
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&w32(0x40000));
    f.extend_from_slice(&w32(link));
    for (t_us, data) in packets {
        f.extend_from_slice(&w32((t_us / 1_000_000) as u32));
        f.extend_from_slice(&w32((t_us % 1_000_000) as u32));
        f.extend_from_slice(&w32(data.len() as u32));
        f.extend_from_slice(&w32(data.len() as u32));
        f.extend_from_slice(data);
    }
    f
}

fn padded(id: u8, frame: &[u8], size: usize) -> Vec<u8> {
    let mut r = vec![id];
    r.extend_from_slice(frame);
    r.resize(size + 1, 0);
    r
}

#[test]
fn usbmon_in_both_byte_orders_and_both_header_sizes() {
    for little in [true, false] {
        for mmapped in [false, true] {
            let dd = [18, 1, 0, 2, 0, 0, 0, 64, 0xA4, 0x17, 3, 0, 0, 1, 0, 0, 0, 1];
            let get_dd = [0x80, 6, 0, 1, 0, 0, 18, 0];
            let rec = |urb, kind, transfer, ep, setup, data: &[u8]| {
                usbmon_record(little, mmapped, urb, kind, transfer, ep, setup, data)
            };
            let packets = vec![
                (10, rec(1, b'S', 2, 0x80, Some(get_dd), &[])),
                (20, rec(1, b'C', 2, 0x80, None, &dd)),
                (
                    1_000,
                    rec(
                        2,
                        b'S',
                        1,
                        0x04,
                        None,
                        &padded(2, &[0xF1, 0x80, 0x80, 0xF2], 120),
                    ),
                ),
                (1_500, rec(3, b'S', 1, 0x83, None, &[])),
                (
                    9_000,
                    rec(
                        3,
                        b'C',
                        1,
                        0x83,
                        None,
                        &padded(2, &[0xF1, 0x81, 0x81, 0xF2], 120),
                    ),
                ),
            ];
            let link = if mmapped { 220 } else { 189 };
            let file = pcap(little, link, &packets);
            let cap = read_capture(&file).unwrap();
            assert_eq!(cap.devices.len(), 1, "little={little} mmapped={mmapped}");
            let dev = &cap.devices[0];
            assert_eq!((dev.bus, dev.address), (2, 4));
            assert_eq!(dev.found_by, FoundBy::Descriptor);
            let f = decode_frames(dev);
            let wires: Vec<(u64, Direction, &[u8])> = f
                .frames
                .iter()
                .map(|c| (c.t_ns, c.direction, &c.frame.wire[..]))
                .collect();
            assert_eq!(
                wires,
                [
                    (990_000, Direction::Tx, &[0xF1, 0x80, 0x80, 0xF2][..]),
                    (8_990_000, Direction::Rx, &[0xF1, 0x81, 0x81, 0xF2][..]),
                ]
            );
        }
    }
}

#[test]
fn without_descriptors_csafe_frames_pick_the_monitor() {
    let mut mouse = usbmon_record(true, false, 9, b'C', 1, 0x81, None, &[0, 3, 0xFD, 0]);
    mouse[11] = 7;
    let mut packets = vec![(0, mouse)];
    let set_report = [0x21, 0x09, 0x02, 0x02, 0, 0, 121, 0];
    for i in 0..5u64 {
        let req = padded(2, &[0xF1, 0x80, 0x80, 0xF2], 120);
        packets.push((
            100 + i * 100,
            usbmon_record(true, false, 10 + i, b'S', 2, 0x00, Some(set_report), &req),
        ));
        let rep = padded(2, &[0xF1, 0x81, 0x81, 0xF2], 120);
        packets.push((
            150 + i * 100,
            usbmon_record(true, false, 20 + i, b'C', 1, 0x83, None, &rep),
        ));
    }
    let mut other = packets.clone();
    // Another device whose reports are not CSAFE.
    for (t, p) in &mut other {
        *t += 1;
        p[11] = 9;
        if p.len() > 49 {
            p[49] = 0x11;
        }
    }
    packets.extend(other);
    packets.sort_by_key(|p| p.0);
    let cap = read_capture(&pcap(true, 189, &packets)).unwrap();
    assert_eq!(cap.devices.len(), 1);
    let dev = &cap.devices[0];
    assert_eq!((dev.address, dev.found_by), (4, FoundBy::CsafeFrames));
    assert_eq!(dev.reports.len(), 10);
    assert_eq!(dev.reports[0].via, Via::SetReport);
    assert_eq!(decode_frames(dev).frames.len(), 10);
}

#[test]
fn a_capture_of_something_else_is_refused() {
    let file = pcap(true, 1, &[(0, vec![0; 60])]);
    assert!(matches!(read_capture(&file), Err(CaptureError::NotUsb(l)) if l == "1"));
    assert!(matches!(
        read_capture(b"hello world"),
        Err(CaptureError::NotACapture(_))
    ));
    assert!(matches!(
        read_capture(b""),
        Err(CaptureError::Truncated { .. })
    ));
}

#[test]
fn every_truncation_of_a_good_capture_is_an_error() {
    let reports = vec![report(5, Direction::Tx, 2, &[0xF1, 0x80, 0x80, 0xF2])];
    let file = write_usbpcap_pcapng(Vec::new(), &pm5(), &reports).unwrap();
    // Where each pcapng block ends: a file cut there is a shorter good file.
    let mut boundaries = vec![];
    let mut at = 0;
    while at < file.len() {
        at += u32::from_le_bytes(file[at + 4..at + 8].try_into().unwrap()) as usize;
        boundaries.push(at);
    }
    for cut in 0..file.len() {
        if boundaries.contains(&cut) {
            assert!(read_capture(&file[..cut]).is_ok());
            continue;
        }
        let err = read_capture(&file[..cut]).unwrap_err();
        let line = err.to_string();
        assert!(!line.contains('\n'), "{line}");
        assert!(
            matches!(
                err,
                CaptureError::Truncated { .. } | CaptureError::Damaged { .. }
            ),
            "cut at {cut}: {line}"
        );
    }
}

fn arb_report() -> impl Strategy<Value = HidReport> {
    (
        any::<bool>(),
        prop_oneof![Just(1u8), Just(2u8), Just(4u8)],
        proptest::collection::vec(any::<u8>(), 0..40),
        0u64..2_000_000_000,
    )
        .prop_map(|(tx, id, mut bytes, dt)| {
            while bytes.last() == Some(&0) {
                bytes.pop();
            }
            report(
                dt,
                if tx { Direction::Tx } else { Direction::Rx },
                id,
                &bytes,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn reports_survive_pcapng(mut reports in proptest::collection::vec(arb_report(), 0..30),
                              serial in proptest::option::of("[0-9]{1,12}")) {
        // Times only grow in a transcript.
        let mut t = 0;
        for r in &mut reports {
            t += r.t_ns;
            r.t_ns = t;
        }
        let dev = DeviceDescription { serial: serial.clone(), ..pm5() };
        let file = write_usbpcap_pcapng(Vec::new(), &dev, &reports).unwrap();
        let cap = read_capture(&file).unwrap();
        prop_assert_eq!(cap.devices.len(), 1);
        prop_assert_eq!(&cap.devices[0].reports, &reports);
        prop_assert_eq!(&cap.devices[0].identity.serial, &serial);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_capture(&bytes);
    }

    #[test]
    fn random_records_after_a_good_header_never_panic(
        link in prop_oneof![Just(189u32), Just(220u32), Just(249u32)],
        little in any::<bool>(),
        body in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut file = pcap(little, link, &[]);
        file.extend_from_slice(&body);
        let _ = read_capture(&file);
        // The same records with plausible record headers in front of each chunk.
        let packets: Vec<(u64, Vec<u8>)> = body.chunks(70).map(|c| (0, c.to_vec())).collect();
        if let Ok(cap) = read_capture(&pcap(little, link, &packets)) {
            for d in &cap.devices {
                let _ = decode_frames(d);
            }
        }
    }

    #[test]
    fn damaged_captures_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
                                    cut in any::<usize>()) {
        let reports = vec![
            report(5, Direction::Tx, 2, &[0xF1, 0x80, 0x80, 0xF2]),
            report(9, Direction::Rx, 2, &[0xF1, 0x81, 0x81, 0xF2]),
        ];
        let mut file = write_usbpcap_pcapng(Vec::new(), &pm5(), &reports).unwrap();
        for (at, x) in flips {
            let n = file.len();
            file[at % n] ^= x;
        }
        let n = file.len();
        file.truncate(cut % (n + 1));
        if let Ok(cap) = read_capture(&file) {
            for d in &cap.devices {
                let _ = decode_frames(d);
            }
        }
    }
}
