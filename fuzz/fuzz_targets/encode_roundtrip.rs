//! Arbitrary typed command lists encode, frame, and decode back to themselves.
#![no_main]

use erglink_csafe::{AnyCommand, EncodeOptions, decode_request, encode_request, frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|cmds: Vec<AnyCommand>| {
    // Raw commands may decode typed, and must keep their short/long form.
    if cmds.is_empty() || cmds.iter().any(|c| matches!(c, AnyCommand::Raw(_))) {
        return;
    }
    let mut wire = Vec::new();
    let opts = EncodeOptions {
        max_frame: 4096,
        ..EncodeOptions::default()
    };
    if encode_request(&cmds, &opts, &mut wire).is_ok() {
        let f = frame::decode_frame(&wire).expect("own frames decode");
        assert_eq!(decode_request(&f.contents).commands, cmds);
    }
});
