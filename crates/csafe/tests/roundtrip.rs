//! Property tests: encode then decode gives back what went in, for command
//! lists, replies, and every command of the dictionary.

use arbitrary::{Arbitrary, Unstructured};
use erglink_csafe::command::*;
use erglink_csafe::*;
use proptest::prelude::*;

/// A raw command with no dictionary entry: `02` is a public id the PM does
/// not implement, so nothing decodes it into a typed command.
fn checksum_fixup(contents_xor: u8, target: u8) -> AnyCommand {
    // Raw long command `02 01 x`: contributes 02 ^ 01 ^ x to the checksum.
    let x = contents_xor ^ 0x02 ^ 0x01 ^ target;
    AnyCommand::Raw(RawCommand {
        wrapper: Wrapper::Top,
        id: 0x02,
        data: Some(vec![x]),
    })
}

/// Typed commands decode back to themselves; raw ones may come back typed if
/// their bytes happen to fit a layout, so compare those by their bytes.
fn same_commands(a: &[AnyCommand], b: &[AnyCommand]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match x {
            AnyCommand::Raw(_) => {
                let (mut bx, mut by) = (Vec::new(), Vec::new());
                x.write_args(&mut bx);
                y.write_args(&mut by);
                x.wrapper() == y.wrapper() && x.id() == y.id() && bx == by
            }
            _ => x == y,
        })
}

fn sane_raw(c: &AnyCommand) -> bool {
    match c {
        // A raw command's short/long form must match its id, and it must not
        // pose as a wrapper at the top level.
        AnyCommand::Raw(r) => {
            (r.id >= 0x80) == r.data.is_none()
                && !(r.wrapper == Wrapper::Top && Wrapper::from_id(r.id).is_some())
        }
        _ => true,
    }
}

fn arbitrary_commands(bytes: &[u8]) -> Option<Vec<AnyCommand>> {
    let cmds: Vec<AnyCommand> = Unstructured::new(bytes).arbitrary().ok()?;
    (!cmds.is_empty() && cmds.iter().all(sane_raw)).then_some(cmds)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn command_lists_round_trip(
        bytes in proptest::collection::vec(any::<u8>(), 1..400),
        group in any::<bool>(),
        extended in any::<bool>(),
        stuffed_checksum in proptest::option::of(0xF0u8..=0xF3),
    ) {
        let Some(mut cmds) = arbitrary_commands(&bytes) else { return Ok(()) };
        let opts = EncodeOptions {
            kind: if extended { FrameKind::HOST_TO_PM } else { FrameKind::Standard },
            group_wrappers: group,
            max_frame: 1024,
        };
        if let Some(target) = stuffed_checksum {
            let mut contents = Vec::new();
            prop_assume!(encode_contents(&cmds, group, &mut contents).is_ok());
            cmds.push(checksum_fixup(frame::checksum(&contents), target));
        }
        let mut wire = Vec::new();
        match encode_request(&cmds, &opts, &mut wire) {
            Ok(done) => {
                prop_assert_eq!(done.wire_len, wire.len());
                let f = frame::decode_frame(&wire).unwrap();
                if let Some(target) = stuffed_checksum {
                    // The checksum is stuffed: F3 n just before the stop flag.
                    prop_assert_eq!(&wire[wire.len() - 3..], &[0xF3, target & 3, 0xF2]);
                }
                let back = decode_request(&f.contents);
                prop_assert_eq!(back.truncated, None);
                prop_assert!(same_commands(&cmds, &back.commands), "{:?} != {:?}", cmds, back.commands);
            }
            Err(EncodeError::CountOverflow { len, .. }) => prop_assert!(len > 255),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn contents_round_trip_through_frames(
        contents in proptest::collection::vec(any::<u8>(), 0..100),
        target in 0xF0u8..=0xF3,
        extended in any::<bool>(),
        dest in any::<u8>(),
        src in any::<u8>(),
    ) {
        // Force the checksum into F0..F3 by appending the byte that makes it so.
        let mut contents = contents;
        contents.push(frame::checksum(&contents) ^ target);
        let kind = if extended { FrameKind::Extended { dest, src } } else { FrameKind::Standard };
        let mut wire = Vec::new();
        frame::encode_frame(kind, &contents, 1024, &mut wire).unwrap();
        prop_assert_eq!(wire.iter().skip(1).take(wire.len() - 2).filter(|&&b| (0xF0..=0xF2).contains(&b)).count(), 0);
        let mut dec = FrameDecoder::new(1024);
        let mut got = None;
        for chunk in wire.chunks(7) {
            dec.feed(chunk, |ev| {
                if let DecodeEvent::Frame(f) = ev { got = Some(f.to_owned()); }
            });
        }
        let got = got.unwrap();
        prop_assert_eq!(got.kind, kind);
        prop_assert_eq!(got.contents, contents);
    }

    #[test]
    fn replies_round_trip_against_their_request(
        bytes in proptest::collection::vec(any::<u8>(), 1..400),
        status in any::<u8>(),
    ) {
        let mut u = Unstructured::new(&bytes);
        let Ok(replies) = Vec::<AnyReply>::arbitrary(&mut u) else { return Ok(()) };
        // Replies to ids outside the dictionary must not collide with known
        // ids or pose as wrappers.
        let replies: Vec<AnyReply> = replies.into_iter().filter(|r| match r {
            AnyReply::Unknown(x) => lookup(x.wrapper, x.id).is_none()
                && !(x.wrapper == Wrapper::Top && Wrapper::from_id(x.id).is_some()),
            _ => true,
        }).collect();
        if replies.is_empty() {
            return Ok(());
        }
        let status = Status(status & 0xBF);
        let mut b = ReplyBuilder::new(status);
        let mut expected = Vec::new();
        for r in &replies {
            let (w, id) = r.key();
            let spec = r.spec();
            if spec.is_some_and(|s| !s.reply_has_data) { b.echo(w, id); } else { b.reply(r); }
            expected.push(request::Expected::new(w, id));
        }
        let shape = RequestShape::from_expected(expected);
        prop_assume!(b.contents().len() < 250);
        let mut wire = Vec::new();
        b.finish(FrameKind::Standard, &mut wire);
        let f = frame::decode_frame(&wire).unwrap();
        let resp = Response::decode(f.as_ref(), &shape).unwrap();
        prop_assert_eq!(resp.status, status);
        prop_assert!(resp.issues.is_empty(), "{:?}", resp.issues);
        prop_assert_eq!(resp.replies.len(), replies.len());
        for (i, (got, want)) in resp.replies.iter().zip(&replies).enumerate() {
            prop_assert_eq!(got.request_index, Some(i as u16));
            match &got.outcome {
                Outcome::Data(d) => prop_assert_eq!(d, want),
                Outcome::Ack => prop_assert!(!want.spec().unwrap().reply_has_data),
                other => prop_assert!(false, "{:?} for {:?}", other, want),
            }
        }
    }

    /// Every command of the dictionary, arguments and reply, from random bytes.
    #[test]
    fn every_command_round_trips(bytes in proptest::collection::vec(any::<u8>(), 300)) {
        for spec in all_specs() {
            // Variable-length tails are capped so that the count stays within a byte.
            let args = if spec.is_short() { None } else { Some(&bytes[..spec.args_max_len.min(200)]) };
            let cmd = AnyCommand::decode(spec.wrapper, spec.id, args);
            prop_assert!(!matches!(cmd, AnyCommand::Raw(_)), "{} did not decode from {} bytes", spec.name, spec.args_max_len);
            let mut wire = Vec::new();
            encode_request(std::slice::from_ref(&cmd), &EncodeOptions { max_frame: 1024, ..Default::default() }, &mut wire).unwrap();
            let back = decode_request(&frame::decode_frame(&wire).unwrap().contents);
            prop_assert_eq!(&back.commands, &vec![cmd.clone()]);
            // Typed args parse back from the text a user would write.
            let mut text = Vec::new();
            cmd.describe_args(&mut |_, v| text.push(arg_text(v)));
            if let Some(text) = text.into_iter().collect::<Option<Vec<_>>>() {
                let line = if text.is_empty() {
                    format!("{}@{}", spec.name, spec.wrapper.label())
                } else {
                    format!("{}@{}:{}", spec.name, spec.wrapper.label(), text.join(","))
                };
                prop_assert_eq!(AnyCommand::parse(&line).unwrap(), cmd.clone(), "{}", line);
            }
            if spec.reply_has_data {
                let data = &bytes[..spec.reply_max_len.min(bytes.len())];
                let (reply, extra) = AnyReply::decode(spec.wrapper, spec.id, data).unwrap();
                prop_assert_eq!(extra, 0);
                let mut again = Vec::new();
                reply.write_data(&mut again);
                prop_assert_eq!(&again[..], data, "{}", spec.name);
            }
        }
    }
}

/// How a user writes a decoded argument back on the command line.
fn arg_text(v: Value<'_>) -> Option<String> {
    match v {
        Value::Uint { raw, .. } => Some(raw.to_string()),
        Value::Enum { code, .. } => Some(code.to_string()),
        Value::Bytes(b) => Some(format_hex(b).replace(' ', "")),
        Value::Text(t) if !t.is_empty() && t.iter().all(|c| c.is_ascii_alphanumeric()) => {
            Some(String::from_utf8(t.to_vec()).unwrap())
        }
        Value::Float(f) if f.is_finite() => Some(format!("{f:e}")),
        _ => None,
    }
}
