//! Every test vector of the reference's section 7 (captures/csafe-vectors.tsv).

use erglink_csafe::command::*;
use erglink_csafe::*;

const VECTORS: &str = include_str!("../../../captures/csafe-vectors.tsv");

struct Vector {
    id: &'static str,
    request: bool,
    bytes: Vec<u8>,
}

fn vectors() -> Vec<Vector> {
    VECTORS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Vector {
                id: cols[0],
                request: cols[1] == "request",
                bytes: parse_hex(cols[2]).unwrap(),
            }
        })
        .collect()
}

fn vector(id: &str) -> Vec<u8> {
    vectors().into_iter().find(|v| v.id == id).unwrap().bytes
}

fn encode(cmds: &[AnyCommand], opts: EncodeOptions) -> Vec<u8> {
    let mut out = Vec::new();
    encode_request(cmds, &opts, &mut out).unwrap();
    out
}

fn reply(id: &str) -> Response {
    Response::decode_unguided(frame::decode_frame(&vector(id)).unwrap().as_ref()).unwrap()
}

fn data(r: &Response, i: usize) -> &AnyReply {
    r.replies[i]
        .data()
        .unwrap_or_else(|| panic!("reply {i}: {:?}", r.replies[i]))
}

#[test]
fn all_23_vectors_are_well_formed_frames() {
    let all = vectors();
    assert_eq!(all.len(), 23);
    for v in &all {
        let f = frame::decode_frame(&v.bytes).unwrap_or_else(|e| panic!("{}: {e}", v.id));
        assert_eq!(f.wire, v.bytes, "{}: the whole vector is one frame", v.id);
        // Re-framing the contents reproduces the wire bytes, stuffing included.
        let mut again = Vec::new();
        frame::encode_frame(f.kind, &f.contents, 256, &mut again).unwrap();
        assert_eq!(again, v.bytes, "{}", v.id);
        if v.request {
            // Requests decode to commands that re-encode byte for byte, in
            // the wrapper style they were sent with.
            let req = decode_request(&f.contents);
            assert_eq!(req.truncated, None, "{}", v.id);
            let grouped = encode(
                &req.commands,
                EncodeOptions {
                    kind: f.kind,
                    max_frame: 256,
                    ..Default::default()
                },
            );
            let separate = encode(
                &req.commands,
                EncodeOptions {
                    kind: f.kind,
                    max_frame: 256,
                    group_wrappers: false,
                },
            );
            assert!(grouped == v.bytes || separate == v.bytes, "{}", v.id);
        } else {
            let r = Response::decode_unguided(f.as_ref()).unwrap();
            assert!(r.issues.is_empty(), "{}: {:?}", v.id, r.issues);
        }
    }
}

#[test]
fn v1_v14_getstatus_standard_and_extended() {
    let cmds = [GetStatus {}.into()];
    assert_eq!(encode(&cmds, EncodeOptions::default()), vector("V1"));
    let ext = EncodeOptions {
        kind: FrameKind::HOST_TO_PM,
        ..Default::default()
    };
    assert_eq!(encode(&cmds, ext), vector("V14"));
}

#[test]
fn v2_status_only() {
    let r = reply("V2");
    assert!(r.status.toggle());
    assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
    assert_eq!(r.status.state(), State::Ready);
    assert!(r.replies.is_empty());
}

#[test]
fn v3_v15_getid() {
    for id in ["V3", "V15"] {
        let r = reply(id);
        assert_eq!(r.status.state(), State::Ready);
        assert_eq!(r.get::<GetId>().unwrap().id.as_str(), Some("00000"));
    }
    assert_eq!(reply("V15").kind, FrameKind::PM_TO_HOST);
}

#[test]
fn v4_serial_v5_odometer() {
    assert_eq!(
        reply("V4").get::<GetSerial>().unwrap().serial.as_str(),
        Some("430228525")
    );
    let odo = reply("V5");
    let o = odo.get::<GetOdometer>().unwrap();
    assert_eq!((o.distance, o.units), (2_172_148, UnitsSpecifier::Metre));
}

#[test]
fn v6_wrapper_then_top_level() {
    let r = reply("V6");
    assert!(!r.status.toggle());
    assert_eq!(r.replies.len(), 4);
    assert_eq!(
        data(&r, 0),
        &AnyReply::PmGetWorkTime(WorkTime {
            time: 0,
            fraction: 0
        })
    );
    assert_eq!(
        data(&r, 1),
        &AnyReply::PmGetWorkDistance(WorkDistance {
            distance: 0,
            fraction: 0
        })
    );
    assert_eq!(
        r.get::<PmGetWorkoutType>().unwrap().workout_type,
        WorkoutType::VariableInterval
    );
    assert_eq!(
        r.get::<GetSerial>().unwrap().serial.as_str(),
        Some("430228525")
    );
    // Guided by the request it answers, every reply maps to its command.
    let req: Vec<AnyCommand> = vec![
        PmGetWorkTime {}.into(),
        PmGetWorkDistance {}.into(),
        PmGetWorkoutType {}.into(),
        GetSerial {}.into(),
    ];
    let guided = Response::decode(
        frame::decode_frame(&vector("V6")).unwrap().as_ref(),
        &RequestShape::from_commands(&req),
    )
    .unwrap();
    let idx: Vec<_> = guided.replies.iter().map(|r| r.request_index).collect();
    assert_eq!(idx, [Some(0), Some(1), Some(2), Some(3)]);
}

#[test]
fn v7_v8_v18_1a_requests() {
    assert_eq!(
        encode(&[PmGetStrokeState {}.into()], EncodeOptions::default()),
        vector("V7")
    );
    assert_eq!(
        encode(
            &[PmGetForcePlotData { block_len: 20 }.into()],
            EncodeOptions::default()
        ),
        vector("V8")
    );
    let split = PmSetSplitDuration {
        duration_type: DurationType::Time,
        duration: 6000,
    };
    assert_eq!(
        encode(&[split.into()], EncodeOptions::default()),
        vector("V18")
    );
}

#[test]
fn v9_force_plot_counts_bytes() {
    let r = reply("V9");
    assert_eq!(r.status.state(), State::InUse);
    let plot = r.get::<PmGetForcePlotData>().unwrap();
    assert_eq!(plot.samples.count, 20);
    assert_eq!(
        plot.samples.samples(),
        [65, 65, 121, 174, 184, 185, 186, 185, 185, 182]
    );
}

#[test]
fn v10_one_wrapper_per_command() {
    let cmds: Vec<AnyCommand> = vec![
        GetPower {}.into(),
        PmGetDragFactor {}.into(),
        PmGetStrokeState {}.into(),
        PmGetForcePlotData { block_len: 32 }.into(),
    ];
    let opts = EncodeOptions {
        group_wrappers: false,
        ..Default::default()
    };
    assert_eq!(encode(&cmds, opts), vector("V10"));
    // The decoder reads both styles back to the same commands.
    let f = frame::decode_frame(&vector("V10")).unwrap();
    assert_eq!(decode_request(&f.contents).commands, cmds);
}

#[test]
fn v16_real_stroke_stats_are_le() {
    let r = reply("V16");
    assert_eq!(r.kind, FrameKind::PM_TO_HOST);
    let s = r.get::<PmGetStrokeStats>().unwrap();
    assert_eq!(s.stroke_distance, 185); // 1.85 m
    assert_eq!(s.drive_time, 0);
    assert_eq!(s.recovery_time, 42); // 0.42 s
    assert_eq!(s.stroke_length, 56); // 0.56 m
    assert_eq!(s.drive_count, 2);
    assert_eq!(s.work_per_stroke, 8); // 0.8 J
    let p = r.get::<GetPower>().unwrap();
    assert_eq!((p.power, p.units), (6, UnitsSpecifier::Watt));
}

#[test]
fn v17_stuffed_distance_and_checksum() {
    let r = reply("V17");
    let h = r.get::<GetHorizontal>().unwrap();
    assert_eq!((h.distance, h.units), (242, UnitsSpecifier::Metre));
}

#[test]
fn v19_public_workout_v20_caps() {
    let cmds: Vec<AnyCommand> = vec![
        SetHorizontal {
            distance: 2000,
            units: UnitsSpecifier::Metre,
        }
        .into(),
        SetProgram {
            program: 0,
            reserved: 0,
        }
        .into(),
        GoInUse {}.into(),
    ];
    assert_eq!(encode(&cmds, EncodeOptions::default()), vector("V19"));
    assert_eq!(
        encode(&[GetCaps { code: 0 }.into()], EncodeOptions::default()),
        vector("V20")
    );
}

#[test]
fn v22_v23_extended_wrapped_replies() {
    let r = reply("V22");
    assert_eq!(r.status.state(), State::InUse);
    assert_eq!(
        r.get::<PmGetStrokeState>().unwrap().stroke_state,
        StrokeState::Driving
    );
    let r = reply("V23");
    assert_eq!(r.status.state(), State::Ready);
    assert_eq!(
        r.get::<PmGetWorkoutState>().unwrap().workout_state,
        WorkoutState::WorkoutRow
    );
}

#[test]
fn hid_report_wrapping_of_v1() {
    // The reference's HID example: report id 2, the frame, 116 zero bytes.
    let mut report = vec![0x02];
    report.extend(vector("V1"));
    report.resize(121, 0);
    let mut dec = FrameDecoder::default();
    let mut frames = 0;
    dec.feed_report(&report, |ev| {
        assert!(matches!(ev, DecodeEvent::Frame(f) if f.contents == [0x80]));
        frames += 1;
    });
    assert_eq!(frames, 1);
    assert_eq!(dec.stats().padding_bytes, 116);
    assert_eq!(dec.stats().dropped_bytes, 0);
}
