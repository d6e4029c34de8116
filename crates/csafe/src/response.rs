//! Decoding reply frames: `<status> <reply> <reply> …`.
//!
//! The decoder walks the replies with the request that was sent: replies come
//! in request order, getters answer `id n data`, and a set command's reply may
//! be absent, a bare id, or `id 00`. Whatever does not fit is reported, never
//! fatal, and every reply keeps the range of raw bytes it came from.
//! Without the request, a best-effort walk decodes by id alone.

use core::ops::Range;

use crate::command::{AnyReply, Command, Wrapper, lookup};
use crate::error::FieldError;
use crate::frame::{FrameKind, FrameRef};
use crate::request::{Expected, RequestShape};
use crate::status::Status;

/// What became of one command's reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Typed reply data.
    Data(AnyReply),
    /// The command's id came back: a bare id or `id 00` (set commands in a wrapper).
    Ack,
    /// No reply entry, as expected for public set commands and GETSTATUS: the
    /// status byte is the whole answer.
    StatusOnly,
    /// A set command the PM did not echo although it echoed others of its
    /// wrapper: most likely not accepted.
    NotEchoed,
    /// A getter that got no reply.
    Missing,
    /// Bytes were there but did not fit the layout; they are kept in `raw`.
    Malformed(FieldError),
}

/// One reply, matched to its command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// Wrapper it came in (or was expected in).
    pub wrapper: Wrapper,
    /// Its id.
    pub id: u8,
    /// Position of its command in the request; `None` for replies nobody asked
    /// for, and for every reply of a best-effort decode.
    pub request_index: Option<u16>,
    /// What came back.
    pub outcome: Outcome,
    /// Its bytes in [`Response::contents`] (`id n data`); empty when absent.
    pub raw: Range<u16>,
}

impl Reply {
    /// The typed data, if any.
    pub fn data(&self) -> Option<&AnyReply> {
        match &self.outcome {
            Outcome::Data(r) => Some(r),
            _ => None,
        }
    }

    /// Name of the command it answers.
    pub fn name(&self) -> String {
        match lookup(self.wrapper, self.id) {
            Some(s) => s.name.to_string(),
            None => format!("{}/{:#04X}", self.wrapper.label(), self.id),
        }
    }
}

/// Something in a reply frame that did not fit. None of these is fatal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issue {
    /// Bytes that could not be read as replies.
    UnknownBytes {
        /// Their range in the contents.
        range: Range<usize>,
    },
    /// A reply carried more data than its layout; the layout's fields were decoded.
    ExtraData {
        /// Index in [`Response::replies`].
        reply: usize,
        /// Bytes beyond the layout.
        extra: usize,
    },
    /// A wrapper's count runs past the end of the frame.
    WrapperOverrun {
        /// The wrapper.
        wrapper: Wrapper,
        /// Its declared byte count.
        declared: usize,
        /// Bytes actually left.
        available: usize,
    },
}

/// Errors that make a frame unusable as a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The frame has no status byte.
    #[error("reply frame has no status byte")]
    NoStatus,
}

/// A decoded reply frame. Reuse one across frames to avoid allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Standard or extended.
    pub kind: FrameKind,
    /// The status byte.
    pub status: Status,
    /// Replies in frame order; with a request, one per command, in request
    /// order, plus any reply nobody asked for where it appeared.
    pub replies: Vec<Reply>,
    /// What did not fit.
    pub issues: Vec<Issue>,
    /// The frame's unstuffed contents (status first); reply ranges index it.
    pub contents: Vec<u8>,
}

impl Default for Response {
    fn default() -> Self {
        Self {
            kind: FrameKind::Standard,
            status: Status(0),
            replies: Vec::with_capacity(16),
            issues: Vec::new(),
            contents: Vec::with_capacity(128),
        }
    }
}

impl Response {
    /// Decodes `frame` against the request that was sent.
    pub fn decode(frame: FrameRef<'_>, request: &RequestShape) -> Result<Self, ResponseError> {
        let mut r = Self::default();
        r.decode_into(frame, Some(request))?;
        Ok(r)
    }

    /// Decodes `frame` by id alone.
    pub fn decode_unguided(frame: FrameRef<'_>) -> Result<Self, ResponseError> {
        let mut r = Self::default();
        r.decode_into(frame, None)?;
        Ok(r)
    }

    /// Decodes into `self`, reusing its buffers.
    pub fn decode_into(
        &mut self,
        frame: FrameRef<'_>,
        request: Option<&RequestShape>,
    ) -> Result<(), ResponseError> {
        self.replies.clear();
        self.issues.clear();
        self.contents.clear();
        self.kind = frame.kind;
        let (&status, _) = frame
            .contents
            .split_first()
            .ok_or(ResponseError::NoStatus)?;
        self.status = Status(status);
        self.contents.extend_from_slice(frame.contents);
        if let Some(shape) = request
            && self.decode_by_template(shape)
        {
            return Ok(());
        }
        let mut walk = Walk {
            contents: &self.contents,
            items: request.map_or(&[], |r| r.items()),
            guided: request.is_some(),
            next: 0,
            region_seen: [false; 6],
            replies: &mut self.replies,
            issues: &mut self.issues,
        };
        walk.run();
        Ok(())
    }

    /// The fast path: a reply laid out exactly as asked, decoded at its
    /// precomputed offsets. False, with nothing decoded, when it is not.
    fn decode_by_template(&mut self, shape: &RequestShape) -> bool {
        let Some(t) = shape.template() else {
            return false;
        };
        let replies = &mut self.replies;
        let exact = shape.decode_exact(&self.contents, |k, reply| {
            let e = &shape.items()[k];
            let (at, n) = t.data[k];
            replies.push(Reply {
                wrapper: e.wrapper,
                id: e.id,
                request_index: Some(k as u16),
                outcome: Outcome::Data(reply.clone()),
                raw: at - 2..at + u16::from(n),
            });
        });
        exact.is_some()
    }

    /// The raw bytes of a reply.
    pub fn raw(&self, reply: &Reply) -> &[u8] {
        &self.contents[usize::from(reply.raw.start)..usize::from(reply.raw.end)]
    }

    /// The typed reply to the first command of type `C`, if it came back.
    pub fn get<C: Command>(&self) -> Option<&C::Reply> {
        self.replies
            .iter()
            .find_map(|r| r.data().and_then(C::reply_ref))
    }

    /// Requested commands that got no reply data or echo while their wrapper
    /// answered: the set commands a PM did not accept.
    pub fn not_echoed(&self) -> impl Iterator<Item = &Reply> {
        self.replies
            .iter()
            .filter(|r| r.outcome == Outcome::NotEchoed)
    }
}

impl RequestShape {
    /// Decodes reply contents (status first) without allocating, when the
    /// reply is laid out exactly as this request asks: every command a getter
    /// with a fixed-size reply, wrapped replies grouped as they were sent.
    /// That is nearly every poll a recorder makes. Calls `each` with each
    /// command's position and typed reply, in request order, and returns the
    /// status. Returns `None`, having called nothing, for any other frame:
    /// decode that one with [`Response`].
    #[inline]
    pub fn decode_exact(
        &self,
        contents: &[u8],
        mut each: impl FnMut(usize, &AnyReply),
    ) -> Option<Status> {
        let t = self.template()?;
        if !t.matches(contents) {
            return None;
        }
        for (k, (e, &(at, n))) in self.items().iter().zip(&t.data).enumerate() {
            let start = usize::from(at);
            let data = &contents[start..start + usize::from(n)];
            // Fixed-size fields over exactly their length cannot fail.
            match AnyReply::decode_slot(e.slot, e.wrapper, e.id, data) {
                Ok((reply, _)) => each(k, &reply),
                Err(_) => unreachable!("fixed layout checked by the template"),
            }
        }
        Some(Status(contents[0]))
    }
}

struct Walk<'a> {
    contents: &'a [u8],
    items: &'a [Expected],
    guided: bool,
    next: usize,
    region_seen: [bool; 6],
    replies: &'a mut Vec<Reply>,
    issues: &'a mut Vec<Issue>,
}

impl Walk<'_> {
    fn run(&mut self) {
        let len = self.contents.len();
        let mut pos = 1;
        while pos < len {
            let b = self.contents[pos];
            pos = match Wrapper::from_id(b) {
                Some(w) => self.region(w, pos),
                None => self.item(Wrapper::Top, pos, len),
            };
        }
        while self.next < self.items.len() {
            self.unanswered(self.next);
            self.next += 1;
        }
    }

    /// A wrapper's replies: `w n <replies>`. Returns the position after it.
    fn region(&mut self, w: Wrapper, pos: usize) -> usize {
        let len = self.contents.len();
        let Some(&n) = self.contents.get(pos + 1) else {
            self.issues.push(Issue::UnknownBytes { range: pos..len });
            return len;
        };
        let start = pos + 2;
        let mut end = start + usize::from(n);
        if end > len {
            self.issues.push(Issue::WrapperOverrun {
                wrapper: w,
                declared: usize::from(n),
                available: len - start,
            });
            end = len;
        }
        self.region_seen[w as usize] = true;
        let mut p = start;
        while p < end {
            p = self.item(w, p, end);
        }
        end
    }

    /// One reply at `pos`, within a region ending at `end`.
    fn item(&mut self, w: Wrapper, pos: usize, end: usize) -> usize {
        let id = self.contents[pos];
        let found = self.items[self.next..]
            .iter()
            .position(|e| e.wrapper == w && e.id == id)
            .map(|i| self.next + i);
        let Some(k) = found else {
            return self.unexpected(w, pos, end);
        };
        for skipped in self.next..k {
            self.unanswered(skipped);
        }
        self.next = k + 1;
        if self.items[k].expects_data() {
            self.data_reply(w, pos, end, Some(k))
        } else {
            self.ack(w, pos, end, Some(k))
        }
    }

    /// `id n data`.
    fn data_reply(&mut self, w: Wrapper, pos: usize, end: usize, index: Option<usize>) -> usize {
        let id = self.contents[pos];
        let (outcome, stop, extra) = match self.contents.get(pos + 1).filter(|_| pos + 1 < end) {
            None => (
                Outcome::Malformed(FieldError::Short {
                    field: "count",
                    needed: 1,
                }),
                end,
                0,
            ),
            Some(&n) => {
                let stop = pos + 2 + usize::from(n);
                if stop > end {
                    (
                        Outcome::Malformed(FieldError::Short {
                            field: "data",
                            needed: stop - end,
                        }),
                        end,
                        0,
                    )
                } else {
                    let slot = match index {
                        Some(k) => self.items[k].slot,
                        None => crate::command::registry_slot(w, id),
                    };
                    match AnyReply::decode_slot(slot, w, id, &self.contents[pos + 2..stop]) {
                        Ok((reply, extra)) => (Outcome::Data(reply), stop, extra),
                        Err(e) => (Outcome::Malformed(e), stop, 0),
                    }
                }
            }
        };
        if extra > 0 {
            self.issues.push(Issue::ExtraData {
                reply: self.replies.len(),
                extra,
            });
        }
        self.push(w, id, index, outcome, pos..stop);
        stop
    }

    /// A bare id, or `id 00`.
    fn ack(&mut self, w: Wrapper, pos: usize, end: usize, index: Option<usize>) -> usize {
        let id = self.contents[pos];
        let next_is_zero_id = self
            .items
            .get(self.next)
            .is_some_and(|e| e.wrapper == w && e.id == 0);
        let stop = if pos + 1 < end && self.contents[pos + 1] == 0 && !next_is_zero_id {
            pos + 2
        } else {
            pos + 1
        };
        self.push(w, id, index, Outcome::Ack, pos..stop);
        stop
    }

    /// A reply nobody asked for (or any reply when decoding without a request).
    fn unexpected(&mut self, w: Wrapper, pos: usize, end: usize) -> usize {
        let id = self.contents[pos];
        let ack_like = lookup(w, id).is_some_and(|s| !s.reply_has_data);
        if ack_like {
            return self.ack(w, pos, end, None);
        }
        let n = self
            .contents
            .get(pos + 1)
            .filter(|_| pos + 1 < end)
            .copied();
        match n {
            Some(n) if pos + 2 + usize::from(n) <= end => self.data_reply(w, pos, end, None),
            _ => {
                self.issues.push(Issue::UnknownBytes { range: pos..end });
                end
            }
        }
    }

    fn unanswered(&mut self, index: usize) {
        let e = self.items[index];
        let outcome = if e.expects_data() {
            Outcome::Missing
        } else if e.wrapper != Wrapper::Top && self.region_seen[e.wrapper as usize] {
            Outcome::NotEchoed
        } else {
            Outcome::StatusOnly
        };
        self.push(e.wrapper, e.id, Some(index), outcome, 0..0);
    }

    fn push(
        &mut self,
        wrapper: Wrapper,
        id: u8,
        request_index: Option<usize>,
        outcome: Outcome,
        raw: Range<usize>,
    ) {
        debug_assert!(self.guided || request_index.is_none());
        // Frames are far shorter than 64 KiB, so positions fit in u16.
        self.replies.push(Reply {
            wrapper,
            id,
            request_index: request_index.map(|i| i as u16),
            outcome,
            raw: raw.start as u16..raw.end as u16,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::*;
    use crate::frame::decode_frame;
    use crate::request::decode_request;

    fn decode(reply: &[u8], request: &[u8]) -> Response {
        let req = decode_frame(request).unwrap();
        let shape = decode_request(&req.contents).shape();
        Response::decode(decode_frame(reply).unwrap().as_ref(), &shape).unwrap()
    }

    #[test]
    fn status_only_reply_to_set_commands() {
        // pm5-program-exchanges.tsv #2: GOREADY SETHORIZONTAL SETPROGRAM GOINUSE → bare status.
        let r = decode(
            &[0xF1, 0x05, 0x05, 0xF2],
            &[
                0xF1, 0x87, 0x21, 0x03, 0xE8, 0x03, 0x24, 0x24, 0x02, 0x00, 0x00, 0x85, 0xC9, 0xF2,
            ],
        );
        assert_eq!(r.status.state(), crate::State::InUse);
        assert_eq!(r.replies.len(), 4);
        assert!(r.replies.iter().all(|x| x.outcome == Outcome::StatusOnly));
        assert!(r.issues.is_empty());
    }

    #[test]
    fn wrapper_echo_and_not_echoed() {
        // 1A{PM_SET_SPLITDURATION time 60 s, PM_SET_SCREENERRORMODE 1}; only the first is echoed.
        let req = [
            0xF1, 0x1A, 0x0A, 0x05, 0x05, 0x00, 0x70, 0x17, 0x00, 0x00, 0x27, 0x01, 0x01, 0x50,
            0xF2,
        ];
        let contents = [0x81, 0x1A, 0x01, 0x05];
        let mut wire = Vec::new();
        crate::frame::encode_frame(FrameKind::Standard, &contents, 120, &mut wire).unwrap();
        let r = decode(&wire, &req);
        let outcomes: Vec<_> = r.replies.iter().map(|x| x.outcome.clone()).collect();
        assert_eq!(outcomes, [Outcome::Ack, Outcome::NotEchoed]);
        assert_eq!(r.not_echoed().count(), 1);
        assert!(r.issues.is_empty());
    }

    #[test]
    fn unexpected_and_trailing_bytes_are_reported() {
        // Asked GETSERIAL; got GETPOWER then garbage.
        let contents = [0x81, 0xB4, 0x03, 0xC8, 0x00, 0x58, 0x45, 0x09];
        let mut wire = Vec::new();
        crate::frame::encode_frame(FrameKind::Standard, &contents, 120, &mut wire).unwrap();
        let r = decode(&wire, &[0xF1, 0x94, 0x94, 0xF2]);
        assert_eq!(r.replies.len(), 2);
        assert_eq!(r.replies[0].request_index, None);
        assert!(matches!(
            r.replies[0].outcome,
            Outcome::Data(AnyReply::GetPower(_))
        ));
        assert_eq!(r.replies[1].outcome, Outcome::Missing);
        assert_eq!(r.issues, [Issue::UnknownBytes { range: 6..8 }]);
    }

    #[test]
    fn replies_stay_small() {
        // Every decoded reply is moved several times per frame on the hot path.
        assert!(size_of::<AnyReply>() <= 40, "{}", size_of::<AnyReply>());
    }

    #[test]
    fn typed_access() {
        let r = Response::decode_unguided(
            decode_frame(&[
                0xF1, 0x81, 0x94, 0x09, 0x34, 0x33, 0x30, 0x32, 0x32, 0x38, 0x35, 0x32, 0x35, 0x21,
                0xF2,
            ])
            .unwrap()
            .as_ref(),
        )
        .unwrap();
        assert_eq!(
            r.get::<GetSerial>().unwrap().serial.as_str(),
            Some("430228525")
        );
        assert_eq!(r.raw(&r.replies[0])[..2], [0x94, 0x09]);
    }
}
