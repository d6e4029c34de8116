//! Streaming frame decoder for arbitrary chunks: whole HID input reports, 20-byte
//! Bluetooth notifications, or single bytes.
//!
//! Memory is bounded by the maximum frame size: a frame that has not ended within
//! that many wire bytes is dropped. Every byte that does not end up in a valid
//! frame is counted, so a recorder can report how much the link lost.

use crate::error::FrameError;
use crate::frame::{
    DEFAULT_MAX_FRAME, EXTENDED_START, FrameRef, STANDARD_START, STOP, STUFF, unstuff_frame,
};
use crate::scan::{next_high, next_high_where, trailing_zeros};

/// Something the decoder found in its input.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeEvent<'a> {
    /// A complete frame with a good checksum.
    Frame(FrameRef<'a>),
    /// A frame was dropped; the decoder has resynchronised.
    Error(FrameError),
}

/// Running counts kept by a [`FrameDecoder`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecoderStats {
    /// Valid frames delivered.
    pub frames: u64,
    /// Bytes that were not part of a valid frame: garbage before a start flag,
    /// stale bytes after a stop flag, and whole frames that failed validation.
    /// Report ids and the zero padding of HID reports are not counted here.
    pub dropped_bytes: u64,
    /// Zero bytes padding HID reports after their frame, or filling a report
    /// that carried no frame.
    pub padding_bytes: u64,
    /// HID reports fed through [`FrameDecoder::feed_report`].
    pub reports: u64,
    /// Frames whose checksum did not match.
    pub bad_checksums: u64,
    /// Start or stop flags where none belonged; the partial frame was dropped.
    pub stray_flags: u64,
    /// `F3` followed by a byte above 3.
    pub bad_escapes: u64,
    /// Frames longer than the maximum frame size.
    pub oversize: u64,
}

/// Reassembles CSAFE frames from a byte stream.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    max_frame: usize,
    /// Wire bytes of a frame that started in an earlier chunk; empty when hunting.
    pending: Vec<u8>,
    /// Unstuffed bytes of the frame being validated.
    scratch: Vec<u8>,
    stats: DecoderStats,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_FRAME)
    }
}

enum Found {
    /// A complete frame occupies `start..=stop` of the chunk; `escaped` if
    /// it holds an `F3`.
    Complete {
        start: usize,
        stop: usize,
        escaped: bool,
    },
    /// A frame starts at `start` and runs past the end of the chunk.
    Open { start: usize },
    /// Nothing but garbage.
    Nothing,
}

impl FrameDecoder {
    /// A decoder that drops frames longer than `max_frame` wire bytes.
    pub fn new(max_frame: usize) -> Self {
        let max_frame = max_frame.max(4);
        Self {
            max_frame,
            pending: Vec::with_capacity(max_frame.min(512)),
            scratch: Vec::with_capacity(max_frame.min(512)),
            stats: DecoderStats::default(),
        }
    }

    /// The counts so far.
    pub fn stats(&self) -> DecoderStats {
        self.stats
    }

    /// Whether part of a frame is buffered, waiting for more bytes.
    pub fn in_frame(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Drops any partial frame (counting its bytes), as after a timeout.
    pub fn reset(&mut self) {
        self.stats.dropped_bytes += self.pending.len() as u64;
        self.pending.clear();
    }

    /// Feeds a chunk of a continuous byte stream (Bluetooth notifications,
    /// serial bytes). Every non-frame byte counts as dropped.
    pub fn feed(&mut self, chunk: &[u8], mut on_event: impl FnMut(DecodeEvent<'_>)) {
        self.feed_inner(chunk, false, &mut on_event);
    }

    /// Feeds one HID input report, report id first. The PM leaves stale buffer
    /// contents after its frame, so everything after the first frame's stop flag
    /// is ignored: zeros count as padding, other bytes as dropped.
    pub fn feed_report(&mut self, report: &[u8], mut on_event: impl FnMut(DecodeEvent<'_>)) {
        self.stats.reports += 1;
        if report.len() <= 1 {
            return;
        }
        let payload = &report[1..];
        let used = self.feed_inner(payload, true, &mut on_event);
        let stale = &payload[used..];
        let padding = trailing_zeros(stale);
        self.stats.padding_bytes += padding as u64;
        self.stats.dropped_bytes += (stale.len() - padding) as u64;
    }

    /// Processes `chunk`; with `stop_after_frame`, returns as soon as one frame
    /// has ended (well-formed or not). Returns how many bytes were consumed.
    fn feed_inner(
        &mut self,
        chunk: &[u8],
        stop_after_frame: bool,
        on_event: &mut impl FnMut(DecodeEvent<'_>),
    ) -> usize {
        let mut pos = 0;
        if !self.pending.is_empty() {
            match self.continue_pending(chunk, on_event) {
                Some(used) => {
                    pos = used;
                    if stop_after_frame && !self.ended_in_stray_start(chunk, used) {
                        return pos;
                    }
                }
                None => return chunk.len(),
            }
        }
        while pos < chunk.len() {
            let rest = &chunk[pos..];
            match find_frame(rest) {
                Found::Nothing => {
                    self.count_garbage(rest, stop_after_frame);
                    return chunk.len();
                }
                Found::Open { start } => {
                    self.count_garbage(&rest[..start], stop_after_frame);
                    self.open(&rest[start..], on_event);
                    return chunk.len();
                }
                Found::Complete {
                    start,
                    stop,
                    escaped,
                } => {
                    self.count_garbage(&rest[..start], stop_after_frame);
                    let wire = &rest[start..=stop];
                    pos += stop + 1;
                    self.finish(wire, escaped, on_event);
                    if stop_after_frame {
                        return pos;
                    }
                }
            }
        }
        pos
    }

    /// Whether the buffered frame was cut short by a new start flag at `used`,
    /// in which case the report's own frame has not ended yet.
    fn ended_in_stray_start(&self, chunk: &[u8], used: usize) -> bool {
        used < chunk.len() && (chunk[used] == STANDARD_START || chunk[used] == EXTENDED_START)
    }

    /// Bytes outside any frame. In report mode zeros are padding, not loss.
    fn count_garbage(&mut self, bytes: &[u8], zeros_are_padding: bool) {
        if bytes.is_empty() {
            return;
        }
        if zeros_are_padding {
            let zeros = bytes.iter().filter(|&&b| b == 0).count();
            self.stats.padding_bytes += zeros as u64;
            self.stats.dropped_bytes += (bytes.len() - zeros) as u64;
        } else {
            self.stats.dropped_bytes += bytes.len() as u64;
        }
    }

    /// Buffers the start of a frame that continues in a later chunk.
    fn open(&mut self, wire: &[u8], on_event: &mut impl FnMut(DecodeEvent<'_>)) {
        if wire.len() > self.max_frame {
            self.drop_oversize(wire.len(), on_event);
            return;
        }
        self.pending.extend_from_slice(wire);
    }

    /// Continues a buffered frame. Returns how much of `chunk` was used, or
    /// `None` when the whole chunk was absorbed and the frame is still open.
    fn continue_pending(
        &mut self,
        chunk: &[u8],
        on_event: &mut impl FnMut(DecodeEvent<'_>),
    ) -> Option<usize> {
        match next_high_where(chunk, 0, |b| b <= STOP) {
            None => {
                if self.pending.len() + chunk.len() > self.max_frame {
                    let len = self.pending.len() + chunk.len();
                    self.pending.clear();
                    self.drop_oversize(len, on_event);
                } else {
                    self.pending.extend_from_slice(chunk);
                }
                None
            }
            Some(i) if chunk[i] == STOP => {
                if self.pending.len() + i + 1 > self.max_frame {
                    let len = self.pending.len() + i + 1;
                    self.pending.clear();
                    self.drop_oversize(len, on_event);
                    return Some(i + 1);
                }
                self.pending.extend_from_slice(&chunk[..=i]);
                let wire = core::mem::take(&mut self.pending);
                let escaped = memchr::memchr(STUFF, &wire).is_some();
                self.finish(&wire, escaped, on_event);
                self.pending = wire;
                self.pending.clear();
                Some(i + 1)
            }
            Some(i) => {
                // A new start flag inside a frame: the frame was cut short
                // (for example a reply truncated to its report size).
                let len = self.pending.len() + i;
                self.pending.clear();
                self.stats.stray_flags += 1;
                self.stats.dropped_bytes += len as u64;
                on_event(DecodeEvent::Error(FrameError::StrayFlag { byte: chunk[i] }));
                Some(i)
            }
        }
    }

    fn drop_oversize(&mut self, len: usize, on_event: &mut impl FnMut(DecodeEvent<'_>)) {
        self.stats.oversize += 1;
        self.stats.dropped_bytes += len as u64;
        on_event(DecodeEvent::Error(FrameError::TooLarge {
            len,
            max: self.max_frame,
        }));
    }

    /// Validates a complete wire frame and reports it.
    fn finish(&mut self, wire: &[u8], escaped: bool, on_event: &mut impl FnMut(DecodeEvent<'_>)) {
        if wire.len() > self.max_frame {
            self.drop_oversize(wire.len(), on_event);
            return;
        }
        match unstuff_frame(wire, escaped, &mut self.scratch) {
            Ok((kind, contents)) => {
                self.stats.frames += 1;
                on_event(DecodeEvent::Frame(FrameRef {
                    kind,
                    contents,
                    wire,
                }));
            }
            Err(err) => {
                match err {
                    FrameError::BadChecksum { .. } => self.stats.bad_checksums += 1,
                    FrameError::BadEscape { .. } => self.stats.bad_escapes += 1,
                    _ => {}
                }
                self.stats.dropped_bytes += wire.len() as u64;
                on_event(DecodeEvent::Error(err));
            }
        }
    }
}

/// Locates the next frame in a chunk. A stop flag with no start before it, or a
/// start flag that a second start interrupts, is garbage; the scan resumes at
/// the later flag.
#[inline]
fn find_frame(chunk: &[u8]) -> Found {
    let mut from = 0;
    loop {
        let Some(start) = next_high_where(chunk, from, is_start) else {
            return Found::Nothing;
        };
        let mut escaped = false;
        let mut at = start + 1;
        loop {
            let Some(i) = next_high(chunk, at) else {
                return Found::Open { start };
            };
            match chunk[i] {
                STOP => {
                    return Found::Complete {
                        start,
                        stop: i,
                        escaped,
                    };
                }
                // Another start flag: the first frame never ended. The caller
                // counts everything before the new start as garbage.
                EXTENDED_START | STANDARD_START => {
                    from = i;
                    break;
                }
                STUFF => {
                    escaped = true;
                    at = i + 1;
                }
                // F4..FF are ordinary data.
                _ => at = i + 1,
            }
        }
    }
}

fn is_start(b: u8) -> bool {
    b == STANDARD_START || b == EXTENDED_START
}

/// Decodes every frame in a byte stream at once: owned frames, errors, stats.
pub fn decode_stream(
    bytes: &[u8],
    max_frame: usize,
) -> (Vec<crate::frame::Frame>, Vec<FrameError>, DecoderStats) {
    let mut dec = FrameDecoder::new(max_frame);
    let mut frames = Vec::new();
    let mut errors = Vec::new();
    dec.feed(bytes, |ev| match ev {
        DecodeEvent::Frame(f) => frames.push(f.to_owned()),
        DecodeEvent::Error(e) => errors.push(e),
    });
    if dec.in_frame() {
        errors.push(FrameError::Truncated);
    }
    dec.reset();
    (frames, errors, dec.stats())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Frame;

    fn collect(
        dec: &mut FrameDecoder,
        chunks: &[&[u8]],
        report: bool,
    ) -> Vec<Result<Frame, FrameError>> {
        let mut out = Vec::new();
        for c in chunks {
            let mut push = |ev: DecodeEvent<'_>| match ev {
                DecodeEvent::Frame(f) => out.push(Ok(f.to_owned())),
                DecodeEvent::Error(e) => out.push(Err(e)),
            };
            if report {
                dec.feed_report(c, &mut push);
            } else {
                dec.feed(c, &mut push);
            }
        }
        out
    }

    const V15_REPORT_HEAD: [u8; 47] = [
        0x02, // report id
        0xF0, 0x00, 0xFD, 0x01, 0x92, 0x05, 0x30, 0x30, 0x30, 0x30, 0x30, 0xA6, 0xF2, // frame
        0x00, 0xB3, 0xF2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0xB4, 0x03,
        0x07, // stale
        0x00, 0x58, 0xE6, 0xF2, 0xF2, 0x00, 0x35, 0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x30, 0x00, 0x81, 0xF2,
    ];

    #[test]
    fn hid_report_stale_bytes_ignored() {
        let mut report = V15_REPORT_HEAD.to_vec();
        report.resize(121, 0);
        let mut dec = FrameDecoder::default();
        let got = collect(&mut dec, &[&report], true);
        assert_eq!(got.len(), 1);
        let f = got[0].as_ref().unwrap();
        assert_eq!(f.contents, [0x01, 0x92, 0x05, 0x30, 0x30, 0x30, 0x30, 0x30]);
        let s = dec.stats();
        assert_eq!(s.frames, 1);
        assert_eq!(s.reports, 1);
        // 33 stale bytes up to the last non-zero byte, the rest is padding.
        assert_eq!(s.dropped_bytes, 33);
        assert_eq!(s.padding_bytes, 120 - 13 - 33);
    }

    #[test]
    fn single_bytes_reassemble() {
        let wire = [
            0x00, 0xF1, 0x81, 0x92, 0x05, 0x30, 0x30, 0x30, 0x30, 0x30, 0x26, 0xF2, 0x07,
        ];
        let mut dec = FrameDecoder::default();
        let chunks: Vec<&[u8]> = wire.chunks(1).collect();
        let got = collect(&mut dec, &chunks, false);
        assert_eq!(got.len(), 1);
        assert!(got[0].is_ok());
        assert_eq!(dec.stats().dropped_bytes, 2);
    }

    #[test]
    fn resync_after_bad_checksum_and_stray_flag() {
        let bytes = [
            0xF1, 0x81, 0x00, 0xF2, // bad checksum
            0xF1, 0x81, 0x92, // cut short by a new start
            0xF1, 0x81, 0x81, 0xF2, // good
        ];
        let mut dec = FrameDecoder::default();
        let got = collect(&mut dec, &[&bytes[..5], &bytes[5..]], false);
        assert_eq!(
            got,
            vec![
                Err(FrameError::BadChecksum {
                    expected: 0x81,
                    found: 0x00
                }),
                Err(FrameError::StrayFlag { byte: 0xF1 }),
                Ok(Frame {
                    kind: crate::FrameKind::Standard,
                    contents: vec![0x81],
                    wire: vec![0xF1, 0x81, 0x81, 0xF2]
                }),
            ]
        );
        assert_eq!(dec.stats().dropped_bytes, 4 + 3);
    }

    #[test]
    fn oversize_frame_dropped_with_bounded_memory() {
        let mut dec = FrameDecoder::new(16);
        let mut bytes = vec![0xF1];
        bytes.extend(std::iter::repeat_n(0x11, 40));
        bytes.push(0xF2);
        let got = collect(
            &mut dec,
            &[&bytes[..10], &bytes[10..30], &bytes[30..]],
            false,
        );
        assert!(matches!(got[0], Err(FrameError::TooLarge { .. })));
        assert!(dec.pending.capacity() <= 16);
        assert_eq!(dec.stats().dropped_bytes, bytes.len() as u64);
    }
}
