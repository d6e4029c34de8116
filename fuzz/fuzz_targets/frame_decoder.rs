//! Arbitrary bytes, cut into arbitrary chunks, through the streaming decoder in
//! both modes, and every frame it finds through the unguided reply walk.
#![no_main]

use erglink_csafe::{DecodeEvent, FrameDecoder, Response, decode_request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, bytes)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(cut).max(1);
    for report in [false, true] {
        let mut dec = FrameDecoder::new(120);
        let mut resp = Response::default();
        for c in bytes.chunks(chunk) {
            let on = |ev: DecodeEvent<'_>| {
                if let DecodeEvent::Frame(f) = ev {
                    assert!(f.wire.len() <= 120);
                    let _ = resp.decode_into(f, None);
                    let _ = decode_request(f.contents);
                }
            };
            if report {
                dec.feed_report(c, on)
            } else {
                dec.feed(c, on)
            }
        }
        let s = dec.stats();
        if !report {
            assert!(s.dropped_bytes <= bytes.len() as u64);
        }
    }
});
