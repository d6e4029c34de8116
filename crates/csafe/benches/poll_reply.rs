//! Encode and decode of a typical poll exchange (issue [1/8]).
//!
//! The reply is the 28-byte frame of the issue in a 121-byte report 2:
//! `F1 85 1A 11 A0 05 10 27 00 00 00 A3 05 88 13 00 00 00 BF 01 02 B4 03 C8 00 58 BA F2`
//! (work time 100.00 s, distance 500.0 m, stroke state Driving, 200 W).
//! PyRow decodes it at 115 k frames/s on the reference machine; the goal is
//! 100 times that, 12 M frames/s, through to typed values. Criterion's
//! `thrpt` line is frames per second.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use erglink_csafe::command::*;
use erglink_csafe::*;

const REPLY: &str =
    "F1 85 1A 11 A0 05 10 27 00 00 00 A3 05 88 13 00 00 00 BF 01 02 B4 03 C8 00 58 BA F2";

fn poll() -> Vec<AnyCommand> {
    vec![
        PmGetWorkTime {}.into(),
        PmGetWorkDistance {}.into(),
        PmGetStrokeState {}.into(),
        GetPower {}.into(),
    ]
}

/// The typed values a recorder keeps from one poll.
#[derive(Default)]
struct Sample {
    time_cs: u32,
    distance_dm: u32,
    stroke_state: u8,
    power_w: u16,
}

impl Sample {
    fn take(&mut self, reply: &AnyReply) {
        match reply {
            AnyReply::PmGetWorkTime(t) => self.time_cs = t.time,
            AnyReply::PmGetWorkDistance(d) => self.distance_dm = d.distance,
            AnyReply::PmGetStrokeState(st) => self.stroke_state = st.stroke_state.to_u8(),
            AnyReply::GetPower(p) => self.power_w = p.power,
            _ => {}
        }
    }
}

fn bench(c: &mut Criterion) {
    let cmds = poll();
    let shape = RequestShape::from_commands(&cmds);
    let mut report = vec![0x02];
    report.extend(parse_hex(REPLY).unwrap());
    report.resize(121, 0);

    // Check once that the benchmark measures what it claims.
    let mut dec = FrameDecoder::default();
    let mut check = Sample::default();
    dec.feed_report(&report, |ev| {
        if let DecodeEvent::Frame(f) = ev {
            shape
                .decode_exact(f.contents, |_, r| check.take(r))
                .unwrap();
        }
    });
    assert_eq!(
        (
            check.time_cs,
            check.distance_dm,
            check.stroke_state,
            check.power_w
        ),
        (10_000, 5_000, 2, 200)
    );

    let mut group = c.benchmark_group("poll_reply");
    group.throughput(Throughput::Elements(1));
    // The recorder's path: the report through the streaming decoder, then the
    // replies at their expected offsets, into typed values.
    group.bench_function("decode_report_to_typed_values", |b| {
        b.iter(|| {
            let mut out = Sample::default();
            dec.feed_report(black_box(&report), |ev| {
                if let DecodeEvent::Frame(f) = ev {
                    shape.decode_exact(f.contents, |_, r| out.take(r));
                }
            });
            black_box(out.power_w)
        });
    });
    // The general path for irregular frames: a walk that matches replies to
    // commands and keeps every reply with its raw bytes.
    let mut resp = Response::default();
    group.bench_function("decode_report_to_response", |b| {
        b.iter(|| {
            dec.feed_report(black_box(&report), |ev| {
                if let DecodeEvent::Frame(f) = ev {
                    resp.decode_into(f, Some(&shape)).unwrap();
                }
            });
            black_box(resp.replies.len())
        });
    });
    let mut wire = Vec::with_capacity(128);
    let opts = EncodeOptions::default();
    group.bench_function("encode_poll_request", |b| {
        b.iter(|| {
            wire.clear();
            encode_request(black_box(&cmds), &opts, &mut wire).unwrap();
            black_box(wire.len())
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
