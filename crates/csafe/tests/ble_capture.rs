//! The real PM5 Bluetooth recording (captures/pm5-ble-row100m.jsonl): replies
//! arrive in chunks of at most 20 bytes and must reassemble exactly.

use erglink_csafe::command::*;
use erglink_csafe::*;

const CAPTURE: &str = include_str!("../../../captures/pm5-ble-row100m.jsonl");
const HOST_TO_PM: &str = "ce060021";
const PM_TO_HOST: &str = "ce060022";

fn chunks(char_id: &str, event: &str) -> Vec<Vec<u8>> {
    CAPTURE
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["char"] == char_id && v["event"] == event)
        .map(|v| parse_hex(v["hex"].as_str().unwrap()).unwrap())
        .collect()
}

fn frames(chunks: &[Vec<u8>]) -> (Vec<Frame>, DecoderStats) {
    let mut dec = FrameDecoder::default();
    let mut out = Vec::new();
    for c in chunks {
        dec.feed(c, |ev| match ev {
            DecodeEvent::Frame(f) => out.push(f.to_owned()),
            DecodeEvent::Error(e) => panic!("decoder error {e}"),
        });
    }
    assert!(!dec.in_frame());
    (out, dec.stats())
}

#[test]
fn every_reply_reassembles_and_decodes_against_its_request() {
    let reply_chunks = chunks(PM_TO_HOST, "notificationReceived");
    assert_eq!(reply_chunks.len(), 136);
    assert!(reply_chunks.iter().all(|c| c.len() <= 20));
    let (replies, stats) = frames(&reply_chunks);
    let (requests, _) = frames(&chunks(HOST_TO_PM, "writeCharacteristic"));
    assert_eq!(replies.len(), 46);
    assert_eq!(requests.len(), 46);
    assert_eq!(stats.frames, 46);
    assert_eq!(stats.dropped_bytes, 0);
    assert_eq!(stats.bad_checksums, 0);

    let mut plots = 0;
    for (req, rep) in requests.iter().zip(&replies) {
        let shape = decode_request(&req.contents).shape();
        let r = Response::decode(rep.as_ref(), &shape).unwrap();
        assert!(r.issues.is_empty(), "{:?}", r.issues);
        assert_eq!(
            r.replies
                .iter()
                .filter(|x| x.request_index.is_none())
                .count(),
            0
        );
        for reply in &r.replies {
            assert!(
                matches!(reply.outcome, Outcome::Data(_) | Outcome::StatusOnly),
                "{reply:?}"
            );
        }
        if let Some(plot) = r.get::<PmGetForcePlotData>() {
            plots += 1;
            // Independently of the decoder: `6B 21 count s0lo s0hi …`.
            let raw = r.raw(&r.replies[0]);
            assert_eq!(&raw[..2], [0x6B, 0x21]);
            let count = raw[2];
            assert_eq!(plot.samples.count, count);
            let want: Vec<u16> = raw[3..3 + usize::from(count)]
                .chunks(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            assert_eq!(plot.samples.samples(), want);
            assert!(count <= 32 && count.is_multiple_of(2));
        }
    }
    assert_eq!(plots, 45);
}

#[test]
fn first_exchange_identifies_a_pm5() {
    // Request: 1A{stroke state}, GETVERSION, SETPROGRAM 01 00.
    let (requests, _) = frames(&chunks(HOST_TO_PM, "writeCharacteristic"));
    let (replies, _) = frames(&chunks(PM_TO_HOST, "notificationReceived"));
    let req = decode_request(&requests[0].contents);
    assert_eq!(req.commands.len(), 3);
    let r = Response::decode(replies[0].as_ref(), &req.shape()).unwrap();
    assert_eq!(r.status.state(), State::Ready);
    let v = r.get::<GetVersion>().unwrap();
    assert_eq!((v.manufacturer_id, v.class_id, v.model), (22, 2, 5));
    assert_eq!(v.hardware_version, 340);
    assert_eq!(r.replies[2].outcome, Outcome::StatusOnly);
    assert_eq!(
        r.get::<PmGetStrokeState>().unwrap().stroke_state,
        StrokeState::WaitingForWheelToReachMinSpeed
    );
}

#[test]
fn force_curves_drain_to_zero() {
    // The host reads 20 bytes at a time until the PM has nothing left: every
    // burst of reads ends with a count below 20.
    let (replies, _) = frames(&chunks(PM_TO_HOST, "notificationReceived"));
    let counts: Vec<u8> = replies
        .iter()
        .filter_map(|f| Response::decode_unguided(f.as_ref()).ok())
        .filter_map(|r| r.get::<PmGetForcePlotData>().map(|p| p.samples.count))
        .collect();
    assert_eq!(counts.len(), 45);
    assert!(counts.iter().all(|&c| c <= 20));
    assert!(counts.contains(&0));
    let full: u32 = counts.iter().map(|&c| u32::from(c) / 2).sum();
    assert!(
        full > 100,
        "about ten strokes of curve data: {full} samples"
    );
}
