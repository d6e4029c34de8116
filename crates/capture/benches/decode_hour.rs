//! `erglink csafe pcap` on a one-hour capture (issue 19): about 250 k HID
//! transfers (a poll every 28.8 ms, request and reply), each a submission and
//! a completion in a USBPcap pcapng, read, reassembled, and every reply
//! decoded against its request. The goal is under 2 s; the figure is printed
//! first, then Criterion's own.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use erglink_capture::{
    DeviceDescription, Direction, HidReport, Via, decode_frames, read_capture, write_usbpcap_pcapng,
};
use erglink_csafe::{RequestShape, Response, decode_request, parse_hex};

const REQUEST: &str = "F1 1A 03 A0 A3 BF B4 11 F2";
const REPLY: &str =
    "F1 85 1A 11 A0 05 10 27 00 00 00 A3 05 88 13 00 00 00 BF 01 02 B4 03 C8 00 58 BA F2";
const POLL_NS: u64 = 28_800_000;
const POLLS: u64 = 3600 * 1_000_000_000 / POLL_NS;

fn one_hour() -> Vec<u8> {
    let (req, rep) = (parse_hex(REQUEST).unwrap(), parse_hex(REPLY).unwrap());
    let mut reports = Vec::with_capacity(2 * POLLS as usize);
    for i in 0..POLLS {
        let t = i * POLL_NS;
        for (dt, direction, bytes) in [(0, Direction::Tx, &req), (4_000_000, Direction::Rx, &rep)] {
            reports.push(HidReport {
                t_ns: t + dt,
                direction,
                report_id: 2,
                bytes: bytes.clone(),
                via: Via::Interrupt,
            });
        }
    }
    let device = DeviceDescription {
        product_id: 3,
        serial: Some("430000001".into()),
        report_sizes: vec![(1, 20), (2, 120), (4, 500)],
        ..DeviceDescription::default()
    };
    write_usbpcap_pcapng(Vec::new(), &device, &reports).unwrap()
}

/// What `csafe pcap` computes before printing: (frames, replies decoded).
fn decode(file: &[u8]) -> (usize, usize) {
    let cap = read_capture(file).unwrap();
    let dev = &cap.devices[0];
    let frames = decode_frames(dev);
    let mut shape = RequestShape::from_commands(&[]);
    let mut replies = 0;
    for f in &frames.frames {
        match f.direction {
            Direction::Tx => shape = decode_request(&f.frame.contents).shape(),
            Direction::Rx => {
                let r = Response::decode(f.frame.as_ref(), &shape).unwrap();
                replies += r.replies.len();
            }
        }
    }
    (frames.frames.len(), replies)
}

fn bench(c: &mut Criterion) {
    let file = one_hour();
    let started = Instant::now();
    let (frames, replies) = decode(&file);
    let took = started.elapsed();
    assert_eq!(frames as u64, 2 * POLLS);
    assert_eq!(replies as u64, 4 * POLLS);
    println!(
        "csafe pcap, one hour: {} transfers ({} packets, {:.1} MB pcapng) read and decoded in {:.0} ms (goal: under 2000 ms)",
        2 * POLLS,
        4 * POLLS,
        file.len() as f64 / 1e6,
        took.as_secs_f64() * 1e3
    );
    let mut g = c.benchmark_group("capture");
    g.sample_size(10);
    g.bench_function("one_hour_pcapng", |b| b.iter(|| decode(black_box(&file))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
