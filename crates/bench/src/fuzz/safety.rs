//! What a mutated frame could make a monitor do. A frame is read the way a
//! PM might read it, checksum right or wrong: one that could be a set or
//! state command (`RESET`, a `76` wrapper) or that carries an id the
//! dictionary does not know is sent only with `--allow-set`.

use erglink_csafe::{Access, decode_request, frame};

/// Why a frame is held back, if it is.
pub fn unsafe_reason(bytes: &[u8]) -> Option<String> {
    let mut readings = Vec::new();
    if let Ok(f) = frame::decode_frame(bytes) {
        readings.push(f.contents.to_vec());
    }
    // The contents as a PM that ignored the checksum (or the framing) would see them.
    readings.extend(lenient_contents(bytes));
    for contents in readings {
        let req = decode_request(&contents);
        if let Some(range) = req.truncated.clone() {
            // Bytes that form no whole command: a PM parsing them its own way
            // could take any of them for an id.
            for &b in &contents[range] {
                match erglink_csafe::command::lookup(erglink_csafe::Wrapper::Top, b) {
                    Some(s) if s.access == Access::Get => {}
                    Some(s) => {
                        return Some(format!("its unparsed bytes hold {} (0x{b:02X})", s.name));
                    }
                    None if erglink_csafe::Wrapper::from_id(b).is_some() || b < 0x80 => {}
                    None => {
                        return Some(format!(
                            "its unparsed bytes hold 0x{b:02X}, an id the dictionary does not know"
                        ));
                    }
                }
            }
        }
        for c in &req.commands {
            match c.spec() {
                None => {
                    return Some(format!(
                        "it carries id 0x{:02X}{}, which the dictionary does not know",
                        c.id(),
                        c.wrapper()
                            .id()
                            .map(|w| format!(" in wrapper 0x{w:02X}"))
                            .unwrap_or_default()
                    ));
                }
                Some(s) if s.access != Access::Get => {
                    return Some(format!(
                        "it could read as {}, which changes the monitor",
                        s.name
                    ));
                }
                Some(_) => {}
            }
        }
    }
    None
}

/// For each start flag followed by a stop flag: the unstuffed bytes
/// between them less the last (the checksum), as a PM that never checked the
/// checksum would read them. A frame without a stop flag is never processed.
fn lenient_contents(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (start, _) in bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == 0xF1 || **b == 0xF0)
    {
        let mut body = Vec::new();
        let mut it = bytes[start + 1..].iter().copied();
        let mut stopped = false;
        while let Some(b) = it.next() {
            match b {
                0xF2 => {
                    stopped = true;
                    break;
                }
                0xF0 | 0xF1 => break,
                0xF3 => match it.next() {
                    Some(e @ 0..=3) => body.push(0xF0 + e),
                    Some(other) => body.push(other),
                    None => break,
                },
                b => body.push(b),
            }
        }
        if stopped && body.pop().is_some() {
            out.push(body);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getters_pass_and_anything_that_could_change_the_monitor_is_held() {
        assert_eq!(unsafe_reason(&[0xF1, 0x80, 0x80, 0xF2]), None);
        assert_eq!(unsafe_reason(&[0xF1, 0x91, 0x94, 0x05, 0xF2]), None);
        // A bit flip made GETSTATUS (80) into RESET (81), checksum wrong or right.
        assert!(
            unsafe_reason(&[0xF1, 0x81, 0x80, 0xF2])
                .unwrap()
                .contains("RESET")
        );
        assert!(
            unsafe_reason(&[0xF1, 0x81, 0x81, 0xF2])
                .unwrap()
                .contains("RESET")
        );
        // 7E into 76: a set wrapper.
        assert!(unsafe_reason(&[0xF1, 0x76, 0x01, 0x89, 0xFE, 0xF2]).is_some());
        // An id the dictionary lacks.
        assert!(
            unsafe_reason(&[0xF1, 0xEE, 0xEE, 0xF2])
                .unwrap()
                .contains("0xEE")
        );
        // A truncated getter is still a getter.
        assert_eq!(unsafe_reason(&[0xF1, 0x80]), None);
    }
}
