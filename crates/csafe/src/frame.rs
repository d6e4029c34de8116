//! CSAFE framing: flags, byte stuffing and the XOR checksum (reference §2).
//!
//! A standard frame is `F1 <contents> <checksum> F2`; an extended frame is
//! `F0 <dest> <src> <contents> <checksum> F2`. The checksum is the XOR of the
//! unstuffed contents only, never of the addresses. After the checksum is
//! computed, every byte between the flags that falls in `F0..=F3` is replaced by
//! `F3, byte & 3` — the checksum included, which is the byte PyRow forgets.

use crate::error::FrameError;

/// Start of an extended (addressed) frame.
pub const EXTENDED_START: u8 = 0xF0;
/// Start of a standard frame.
pub const STANDARD_START: u8 = 0xF1;
/// End of every frame.
pub const STOP: u8 = 0xF2;
/// Escape byte: `F3 n` stands for `F0 + n`.
pub const STUFF: u8 = 0xF3;

/// Largest frame on the wire, flags, checksum and stuffing included (spec rev 0.27).
/// Older headers and PyRow use 96; `GETCAPS(0)` reports a unit's own limit.
pub const DEFAULT_MAX_FRAME: usize = 120;

/// Host address (primary) in extended frames.
pub const ADDR_HOST: u8 = 0x00;
/// The PM's default secondary address in extended frames.
pub const ADDR_PM: u8 = 0xFD;

/// Whether a byte must be escaped between the flags.
#[inline]
pub const fn needs_stuffing(byte: u8) -> bool {
    byte >= EXTENDED_START && byte <= STUFF
}

/// Whether a raw wire byte is one of the three framing flags (`F0`, `F1`, `F2`).
#[inline]
pub(crate) const fn is_flag(byte: u8) -> bool {
    byte >= EXTENDED_START && byte <= STOP
}

/// XOR of the unstuffed contents.
#[inline]
pub fn checksum(contents: &[u8]) -> u8 {
    crate::scan::xor_all(contents)
}

/// Standard or extended frame, with the extended frame's addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum FrameKind {
    /// `F1 … F2`.
    Standard,
    /// `F0 dest src … F2`.
    Extended {
        /// Destination address (`FD` for the PM, `00` for the host).
        dest: u8,
        /// Source address.
        src: u8,
    },
}

impl FrameKind {
    /// The extended kind a host uses to address the PM: `F0 FD 00 …`.
    pub const HOST_TO_PM: FrameKind = FrameKind::Extended {
        dest: ADDR_PM,
        src: ADDR_HOST,
    };
    /// The extended kind the PM answers with: `F0 00 FD …`.
    pub const PM_TO_HOST: FrameKind = FrameKind::Extended {
        dest: ADDR_HOST,
        src: ADDR_PM,
    };

    /// The kind the other side answers with: addresses swapped.
    pub fn reply_kind(self) -> FrameKind {
        match self {
            FrameKind::Standard => FrameKind::Standard,
            FrameKind::Extended { dest, src } => FrameKind::Extended {
                dest: src,
                src: dest,
            },
        }
    }

    const fn start_flag(self) -> u8 {
        match self {
            FrameKind::Standard => STANDARD_START,
            FrameKind::Extended { .. } => EXTENDED_START,
        }
    }
}

/// Bytes `data` takes on the wire once stuffed.
#[inline]
pub fn stuffed_len(data: &[u8]) -> usize {
    data.len() + data.iter().filter(|&&b| needs_stuffing(b)).count()
}

fn push_stuffed(out: &mut Vec<u8>, byte: u8) {
    if needs_stuffing(byte) {
        out.push(STUFF);
        out.push(byte & 0x03);
    } else {
        out.push(byte);
    }
}

/// Wire length of a frame carrying `contents`.
pub fn frame_len(kind: FrameKind, contents: &[u8]) -> usize {
    let cs = checksum(contents);
    let addresses = match kind {
        FrameKind::Standard => 0,
        FrameKind::Extended { dest, src } => stuffed_len(&[dest, src]),
    };
    2 + addresses + stuffed_len(contents) + stuffed_len(&[cs])
}

/// Appends a complete wire frame for `contents` to `out`, and returns its length.
///
/// Refuses a frame longer than `max_frame` bytes on the wire; `out` is then left
/// as it was.
pub fn encode_frame(
    kind: FrameKind,
    contents: &[u8],
    max_frame: usize,
    out: &mut Vec<u8>,
) -> Result<usize, FrameError> {
    let len = frame_len(kind, contents);
    if len > max_frame {
        return Err(FrameError::TooLarge {
            len,
            max: max_frame,
        });
    }
    out.reserve(len);
    out.push(kind.start_flag());
    if let FrameKind::Extended { dest, src } = kind {
        push_stuffed(out, dest);
        push_stuffed(out, src);
    }
    for &b in contents {
        push_stuffed(out, b);
    }
    push_stuffed(out, checksum(contents));
    out.push(STOP);
    Ok(len)
}

/// A frame borrowed from a decoder: validated, unstuffed, checksum removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameRef<'a> {
    /// Standard or extended, with addresses.
    pub kind: FrameKind,
    /// Unstuffed contents, without addresses and checksum.
    pub contents: &'a [u8],
    /// The frame exactly as it was on the wire, flags included.
    pub wire: &'a [u8],
}

impl FrameRef<'_> {
    /// An owned copy.
    pub fn to_owned(&self) -> Frame {
        Frame {
            kind: self.kind,
            contents: self.contents.to_vec(),
            wire: self.wire.to_vec(),
        }
    }
}

/// An owned, validated frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Standard or extended, with addresses.
    pub kind: FrameKind,
    /// Unstuffed contents, without addresses and checksum.
    pub contents: Vec<u8>,
    /// The frame exactly as it was on the wire, flags included.
    pub wire: Vec<u8>,
}

impl Frame {
    /// Borrowed view.
    pub fn as_ref(&self) -> FrameRef<'_> {
        FrameRef {
            kind: self.kind,
            contents: &self.contents,
            wire: &self.wire,
        }
    }
}

/// Unstuffs and validates one complete wire frame, `start … F2`.
///
/// `wire` must start with a start flag and end with the stop flag, and hold no
/// other raw flag. Returns the kind and the contents (addresses and checksum
/// removed). Most frames carry no escape, and their contents are borrowed
/// straight from `wire`; the others are unstuffed into `scratch`.
#[inline]
pub(crate) fn unstuff_frame<'a>(
    wire: &'a [u8],
    escaped: bool,
    scratch: &'a mut Vec<u8>,
) -> Result<(FrameKind, &'a [u8]), FrameError> {
    debug_assert!(wire.len() >= 2);
    let body = &wire[1..wire.len() - 1];
    debug_assert_eq!(escaped, body.contains(&STUFF));
    let unstuffed: &'a [u8] = if escaped {
        scratch.clear();
        scratch.reserve(body.len());
        let mut bytes = body.iter();
        while let Some(&b) = bytes.next() {
            if b == STUFF {
                match bytes.next() {
                    Some(&n) if n <= 0x03 => scratch.push(EXTENDED_START + n),
                    Some(&n) => return Err(FrameError::BadEscape { byte: n }),
                    None => return Err(FrameError::BadEscape { byte: STOP }),
                }
            } else {
                scratch.push(b);
            }
        }
        scratch
    } else {
        body
    };
    let (kind, skip) = if wire[0] == EXTENDED_START {
        if unstuffed.len() < 3 {
            return Err(FrameError::Empty);
        }
        (
            FrameKind::Extended {
                dest: unstuffed[0],
                src: unstuffed[1],
            },
            2,
        )
    } else {
        if unstuffed.is_empty() {
            return Err(FrameError::Empty);
        }
        (FrameKind::Standard, 0)
    };
    let (&found, rest) = unstuffed.split_last().expect("length checked");
    let contents = &rest[skip..];
    let expected = checksum(contents);
    if expected != found {
        return Err(FrameError::BadChecksum { expected, found });
    }
    Ok((kind, contents))
}

/// Decodes exactly one frame from `bytes` (leading garbage skipped, bytes after
/// the stop flag ignored). Convenience for tests and tools; streams use
/// [`crate::FrameDecoder`].
pub fn decode_frame(bytes: &[u8]) -> Result<Frame, FrameError> {
    let start = bytes
        .iter()
        .position(|&b| b == STANDARD_START || b == EXTENDED_START)
        .ok_or(FrameError::NoStart)?;
    let rest = &bytes[start..];
    let stop = rest[1..]
        .iter()
        .position(|&b| is_flag(b))
        .map(|i| i + 1)
        .ok_or(FrameError::Truncated)?;
    if rest[stop] != STOP {
        return Err(FrameError::StrayFlag { byte: rest[stop] });
    }
    let wire = &rest[..=stop];
    let mut scratch = Vec::new();
    let (kind, contents) = unstuff_frame(wire, wire.contains(&STUFF), &mut scratch)?;
    Ok(Frame {
        kind,
        contents: contents.to_vec(),
        wire: wire.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_stuffed() {
        // SETHORIZONTAL 244 m: contents 21 03 F4 00 24, checksum F2 → F3 02.
        let mut out = Vec::new();
        encode_frame(
            FrameKind::Standard,
            &[0x21, 0x03, 0xF4, 0x00, 0x24],
            DEFAULT_MAX_FRAME,
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [0xF1, 0x21, 0x03, 0xF4, 0x00, 0x24, 0xF3, 0x02, 0xF2]);
    }

    #[test]
    fn extended_checksum_excludes_addresses() {
        let mut out = Vec::new();
        encode_frame(FrameKind::HOST_TO_PM, &[0x80], DEFAULT_MAX_FRAME, &mut out).unwrap();
        assert_eq!(out, [0xF0, 0xFD, 0x00, 0x80, 0x80, 0xF2]);
    }

    #[test]
    fn refuses_oversize() {
        let mut out = vec![1, 2];
        let err = encode_frame(FrameKind::Standard, &[0xF0; 60], 120, &mut out).unwrap_err();
        assert_eq!(err, FrameError::TooLarge { len: 123, max: 120 });
        assert_eq!(out, [1, 2]);
    }

    #[test]
    fn decode_one_frame() {
        let f = decode_frame(&[
            0x00, 0xF1, 0x85, 0xA1, 0x03, 0xF3, 0x02, 0x00, 0x24, 0xF3, 0x01, 0xF2,
        ])
        .unwrap();
        assert_eq!(f.kind, FrameKind::Standard);
        assert_eq!(f.contents, [0x85, 0xA1, 0x03, 0xF2, 0x00, 0x24]);
    }

    #[test]
    fn bad_escape_is_reported() {
        let err = decode_frame(&[0xF1, 0x81, 0xF3, 0x07, 0xF2]).unwrap_err();
        assert_eq!(err, FrameError::BadEscape { byte: 0x07 });
    }
}
