//! A seeded random-bytes loop over every decode entry point: a million cases
//! per `cargo test`, none of which may panic. (The coverage-guided version of
//! this lives in fuzz/.)

use erglink_csafe::*;

/// SplitMix64: small, seeded, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Bytes biased toward the ones that steer the parsers: flags, the escape,
    /// wrapper ids and small counts.
    fn bytes(&mut self, max_len: u64, out: &mut Vec<u8>) {
        const INTERESTING: [u8; 12] = [
            0xF0, 0xF1, 0xF2, 0xF3, 0x1A, 0x76, 0x77, 0x7E, 0x7F, 0x00, 0x01, 0x21,
        ];
        out.clear();
        let len = self.below(max_len + 1);
        for _ in 0..len {
            let r = self.next();
            out.push(if r.is_multiple_of(3) {
                INTERESTING[(r >> 8) as usize % INTERESTING.len()]
            } else {
                (r >> 16) as u8
            });
        }
    }
}

const CASES: u64 = 1_000_000;

#[test]
fn a_million_random_inputs_never_panic() {
    let mut rng = Rng(0x00E9_611A);
    let mut input = Vec::with_capacity(256);
    let mut other = Vec::with_capacity(256);
    let mut dec = FrameDecoder::new(64);
    let mut response = Response::default();
    let mut frames = 0u64;
    for case in 0..CASES {
        rng.bytes(72, &mut input);
        match case % 4 {
            // Stream and report decoding, cut into random chunks.
            0 | 1 => {
                let report = case % 4 == 1;
                let mut rest = &input[..];
                while !rest.is_empty() {
                    let n = 1 + rng.below(rest.len() as u64) as usize;
                    let (chunk, tail) = rest.split_at(n);
                    rest = tail;
                    let mut on_event = |ev: DecodeEvent<'_>| {
                        if let DecodeEvent::Frame(f) = ev {
                            frames += 1;
                            let _ = response.decode_into(f, None);
                            let _ = decode_request(f.contents);
                        }
                    };
                    if report {
                        dec.feed_report(chunk, &mut on_event);
                    } else {
                        dec.feed(chunk, &mut on_event);
                    }
                }
            }
            // Reply contents decoded against a random request.
            2 => {
                rng.bytes(40, &mut other);
                let shape = decode_request(&other).shape();
                let f = FrameRef {
                    kind: FrameKind::Standard,
                    contents: &input,
                    wire: &[],
                };
                let _ = response.decode_into(f, Some(&shape));
                let _ = response.decode_into(f, None);
            }
            // One-shot frame parse and text input.
            _ => {
                let _ = frame::decode_frame(&input);
                let text = String::from_utf8_lossy(&input);
                let _ = parse_hex(&text);
                let _ = AnyCommand::parse(&text);
            }
        }
    }
    let s = dec.stats();
    assert!(
        frames > 1000,
        "random input should still hit valid frames: {frames}"
    );
    assert!(s.bad_checksums > 1000 && s.stray_flags > 1000 && s.bad_escapes > 100);
}

#[test]
fn commands_by_name_with_random_arguments_never_panic() {
    let mut rng = Rng(7);
    let words = [
        "0", "1", "255", "256", "65535", "0x10000", "-1", "metre", "hex=", "hex=0", "hex=F1F2",
        "x", "",
    ];
    for spec in command::all_specs() {
        for _ in 0..50 {
            let n = rng.below(4) as usize;
            let args: Vec<&str> = (0..n)
                .map(|_| words[rng.below(words.len() as u64) as usize])
                .collect();
            let text = format!("{}@{}:{}", spec.name, spec.wrapper.label(), args.join(","));
            if let Ok(cmd) = AnyCommand::parse(&text) {
                let mut out = Vec::new();
                let _ = encode_request(&[cmd], &EncodeOptions::default(), &mut out);
            }
        }
    }
}
