//! Reply contents walked against an arbitrary request: never panics, and every
//! reply's raw range lies inside the contents.
#![no_main]

use erglink_csafe::{FrameKind, FrameRef, Response, decode_request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u8>, Vec<u8>)| {
    let (request, contents) = input;
    let shape = decode_request(&request).shape();
    let frame = FrameRef {
        kind: FrameKind::Standard,
        contents: &contents,
        wire: &[],
    };
    if let Ok(r) = Response::decode(frame, &shape) {
        for rep in &r.replies {
            assert!(usize::from(rep.raw.end) <= contents.len());
        }
        assert!(
            r.replies
                .iter()
                .filter(|x| x.request_index.is_some())
                .count()
                == shape.items().len()
        );
    }
    let _ = shape.decode_exact(&contents, |_, _| {});
});
