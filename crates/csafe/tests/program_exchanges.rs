//! Workout programming against a real PM5 (captures/pm5-program-exchanges.tsv)
//! and the spec's examples (V11, V12, V13, V21).

use erglink_csafe::command::*;
use erglink_csafe::workout::{self, Goal, Interval};
use erglink_csafe::*;

const EXCHANGES: &str = include_str!("../../../captures/pm5-program-exchanges.tsv");
const VECTORS: &str = include_str!("../../../captures/csafe-vectors.tsv");

struct Exchange {
    seq: u32,
    meaning: &'static str,
    request: Vec<u8>,
    reply: Option<Vec<u8>>,
}

fn exchanges() -> Vec<Exchange> {
    let all: Vec<Exchange> = EXCHANGES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Exchange {
                seq: cols[0].parse().unwrap(),
                meaning: cols[1],
                request: parse_hex(cols[2]).unwrap(),
                reply: cols
                    .get(3)
                    .filter(|c| !c.trim().is_empty())
                    .map(|c| parse_hex(c).unwrap()),
            }
        })
        .collect();
    assert_eq!(all.len(), 34);
    all
}

fn vector(id: &str) -> Vec<u8> {
    let line = VECTORS
        .lines()
        .find(|l| l.starts_with(&format!("{id}\t")))
        .unwrap();
    parse_hex(line.split('\t').nth(2).unwrap()).unwrap()
}

fn frame_of(cmds: &[AnyCommand]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_request(cmds, &EncodeOptions::default(), &mut out).unwrap();
    out
}

fn decode(ex: &Exchange) -> (DecodedRequest, Option<Response>) {
    let req = decode_request(&frame::decode_frame(&ex.request).unwrap().contents);
    let reply = ex.reply.as_ref().map(|r| {
        let f = frame::decode_frame(r).unwrap();
        assert_eq!(f.wire, *r, "#{}: the reply is exactly one frame", ex.seq);
        Response::decode(f.as_ref(), &req.shape()).unwrap()
    });
    (req, reply)
}

#[test]
fn every_request_reencodes_from_typed_commands() {
    for ex in exchanges() {
        let (req, _) = decode(&ex);
        assert!(
            req.commands
                .iter()
                .all(|c| !matches!(c, AnyCommand::Raw(_))),
            "#{}: {:?}",
            ex.seq,
            req.commands
        );
        assert_eq!(
            frame_of(&req.commands),
            ex.request,
            "#{} {}",
            ex.seq,
            ex.meaning
        );
    }
}

#[test]
fn helpers_build_the_frames_a_pm5_accepted() {
    for ex in exchanges() {
        let built = match ex.meaning {
            m if m.starts_with("time workout 60 s") => workout::fixed_time(6000, 6000).unwrap(),
            m if m.starts_with("time workout 180 s") => workout::fixed_time(18000, 18000).unwrap(),
            m if m.starts_with("1000 m public workout") => workout::public_distance(1000).unwrap(),
            m if m.starts_with("terminate workout") => workout::terminate(),
            m if m.starts_with("250 m workout") => workout::fixed_distance(250, 250).unwrap(),
            m if m.starts_with("3x250 m intervals") => {
                workout::fixed_intervals(Goal::Distance(250), 30, 3).unwrap()
            }
            "GOFINISHED" => vec![GoFinished {}.into()],
            "GOIDLE" => vec![GoIdle {}.into()],
            other => panic!("#{}: no helper for `{other}`", ex.seq),
        };
        assert_eq!(frame_of(&built), ex.request, "#{} {}", ex.seq, ex.meaning);
    }
}

#[test]
fn helpers_build_the_spec_examples() {
    assert_eq!(frame_of(&workout::just_row()), vector("V11"));
    assert_eq!(
        frame_of(&workout::fixed_distance(2000, 400).unwrap()),
        vector("V12")
    );
    assert_eq!(frame_of(&workout::terminate()), vector("V21"));
    let minutes = |m: u32| Goal::Time(m * 60 * 100);
    let v13 = workout::variable_intervals(&[
        Interval {
            work: minutes(5),
            rest_s: 300,
        },
        Interval {
            work: minutes(4),
            rest_s: 240,
        },
        Interval {
            work: minutes(3),
            rest_s: 180,
        },
        Interval {
            work: minutes(2),
            rest_s: 120,
        },
        Interval {
            work: minutes(1),
            rest_s: 0,
        },
    ])
    .unwrap();
    let wire = frame_of(&v13);
    assert_eq!(wire, vector("V13"));
    // The wrapper count is of unstuffed bytes: 0x60 = 96, on a 102-byte wire.
    assert_eq!((wire[2], wire.len()), (0x60, 102));
}

#[test]
fn long_programs_split_over_frames() {
    let ten: Vec<Interval> = (1..=10)
        .map(|m| Interval {
            work: Goal::Time(m * 6000),
            rest_s: 60,
        })
        .collect();
    let cmds = workout::variable_intervals(&ten).unwrap();
    let opts = EncodeOptions::default();
    let mut out = Vec::new();
    assert!(matches!(
        encode_request(&cmds, &opts, &mut out),
        Err(EncodeError::Frame(FrameError::TooLarge { .. }))
    ));
    let frames = split_into_frames(&cmds, &opts).unwrap();
    assert!(frames.len() >= 2);
    assert_eq!(frames.concat(), cmds);
    for f in &frames {
        out.clear();
        assert!(encode_request(f, &opts, &mut out).unwrap().wire_len <= 120);
    }
}

/// The behaviour the capture's README describes, reply by reply.
#[test]
fn every_reply_decodes_against_its_request() {
    let mut rejects = 0;
    for ex in exchanges() {
        let (req, reply) = decode(&ex);
        let Some(r) = reply else {
            // Several GOIDLE requests after a reject got no reply at all.
            assert_eq!(ex.meaning, "GOIDLE", "#{}", ex.seq);
            continue;
        };
        assert_eq!(r.replies.len(), req.commands.len(), "#{}", ex.seq);
        assert!(r.issues.is_empty(), "#{}: {:?}", ex.seq, r.issues);
        let state = r.status.state();
        match ex.meaning {
            "GOFINISHED" => {
                // Rejected outside InUse: previous-frame status bits 10.
                assert_eq!(
                    r.status.prev_frame(),
                    PrevFrameStatus::Reject,
                    "#{}",
                    ex.seq
                );
                assert!(
                    matches!(
                        state,
                        State::Ready | State::Idle | State::Manual | State::Offline
                    ),
                    "#{}: {state}",
                    ex.seq
                );
                assert_eq!(r.replies[0].outcome, Outcome::StatusOnly);
                rejects += 1;
            }
            m if m.contains("public workout") || m == "GOIDLE" => {
                // Public commands get a bare status frame.
                assert_eq!(r.contents.len(), 1, "#{}", ex.seq);
                assert!(r.replies.iter().all(|x| x.outcome == Outcome::StatusOnly));
                assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
            }
            _ => {
                // 76 programs: every set command echoed, in order, as bare ids.
                assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok, "#{}", ex.seq);
                assert!(
                    r.replies.iter().all(|x| x.outcome == Outcome::Ack),
                    "#{}: {:?}",
                    ex.seq,
                    r.replies
                );
                assert_eq!(r.not_echoed().count(), 0);
                let echoed: Vec<u8> = r.replies.iter().map(|x| x.id).collect();
                let asked: Vec<u8> = req.commands.iter().map(AnyCommand::id).collect();
                assert_eq!(echoed, asked);
                assert_eq!(r.contents[1..3], [0x76, asked.len() as u8]);
            }
        }
        // Programs are accepted in Ready, Idle, Manual and even InUse.
        if ex.meaning.contains("via 76") {
            assert!(
                matches!(
                    state,
                    State::Ready | State::Idle | State::Manual | State::InUse
                ),
                "#{}",
                ex.seq
            );
        }
    }
    assert_eq!(rejects, 7);
}

#[test]
fn states_as_recorded() {
    let want = [
        (1, State::Ready),
        (2, State::InUse),
        (3, State::InUse),
        (4, State::Finished),
        (6, State::Ready),
        (13, State::Idle),
        (14, State::Manual),
        (16, State::Manual),
        (30, State::Manual),
    ];
    let all = exchanges();
    for (seq, state) in want {
        let ex = all.iter().find(|e| e.seq == seq).unwrap();
        assert_eq!(decode(ex).1.unwrap().status.state(), state, "#{seq}");
    }
}

#[test]
fn typed_arguments_of_a_program() {
    // V12 read back: BE durations under 76.
    let req = decode_request(&frame::decode_frame(&vector("V12")).unwrap().contents);
    assert_eq!(
        req.commands[1],
        AnyCommand::PmSetWorkoutDuration(PmSetWorkoutDuration {
            duration_type: DurationType::Distance,
            duration: 2000
        })
    );
    assert_eq!(
        req.commands[2],
        AnyCommand::PmSetSplitDurationCfg(PmSetSplitDurationCfg {
            duration_type: DurationType::Distance,
            duration: 400
        })
    );
}

#[test]
fn byte_order_table_names_its_sources() {
    use erglink_csafe::byte_order::{Confidence, order_rule};
    let r = order_rule(Wrapper::GetPmData, 0xA0);
    assert_eq!(r.confidence, Confidence::Unverified);
    assert!(r.source.contains("7F"));
    // The same quantity is LE via 1A and BE via 7F.
    let mut le = Vec::new();
    let mut be = Vec::new();
    AnyReply::PmGetWorkTime(WorkTime {
        time: 0x0102_0304,
        fraction: 0,
    })
    .write_data(&mut le);
    AnyReply::PmGetWorkTimeData(WorkTimeData { time: 0x0102_0304 }).write_data(&mut be);
    assert_eq!(le, [4, 3, 2, 1, 0]);
    assert_eq!(be, [1, 2, 3, 4]);
    // The spec's 7F exceptions stay LE.
    let mut hb = Vec::new();
    AnyReply::PmGetRestTimeData(RestTime { rest_time: 0x0102 }).write_data(&mut hb);
    assert_eq!(hb, [2, 1]);
}

#[test]
fn opaque_layouts_keep_their_bytes() {
    let cmd = AnyCommand::parse("PM_SET_HRM:hex=01020304").unwrap();
    assert_eq!(
        cmd,
        AnyCommand::PmSetHrm(PmSetHrm {
            data: wire::Tail::from(vec![1, 2, 3, 4])
        })
    );
    let mut out = Vec::new();
    encode_request(&[cmd], &EncodeOptions::default(), &mut out).unwrap();
    assert_eq!(&out[1..8], [0x76, 0x06, 0x2B, 0x04, 1, 2, 3]);
    // An unpublished reply decodes to its bytes, never an error.
    let (reply, extra) = AnyReply::decode(Wrapper::GetPmCfg, 0x9D, &[9, 8, 7]).unwrap();
    assert_eq!(
        (reply, extra),
        (AnyReply::PmGetCpuTickRate(Opaque(vec![9, 8, 7])), 0)
    );
}
