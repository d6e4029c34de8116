//! Any bytes as a pcap or pcapng: an error or a capture, never a panic; and
//! whatever monitors it finds reassemble without one.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(capture) = erglink_capture::read_capture(data) {
        for device in &capture.devices {
            let _ = erglink_capture::decode_frames(device);
        }
    }
});
