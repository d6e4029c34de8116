//! Encoding: request frames from command lists, reply frames for simulators,
//! and the worst-case size of a reply so that a driver can pick a report.

use crate::command::{AnyCommand, AnyReply, Wrapper};
use crate::error::EncodeError;
use crate::frame::{DEFAULT_MAX_FRAME, FrameKind, encode_frame};
use crate::status::Status;

/// How to encode a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Standard (`F1`) or extended (`F0 dest src`) frame.
    pub kind: FrameKind,
    /// Group consecutive commands of one wrapper under a single wrapper (the
    /// default). Off, each wrapped command gets its own wrapper, as reference
    /// vector V10 does.
    pub group_wrappers: bool,
    /// Largest frame allowed on the wire.
    pub max_frame: usize,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        Self {
            kind: FrameKind::Standard,
            group_wrappers: true,
            max_frame: DEFAULT_MAX_FRAME,
        }
    }
}

/// What [`encode_request`] produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodedRequest {
    /// Bytes appended to the output: the whole wire frame.
    pub wire_len: usize,
    /// The longest reply the PM could send, stuffed, flags included.
    pub worst_case_reply: usize,
}

/// Appends one command (`id` or `id n data`) to unstuffed contents.
fn write_item(cmd: &AnyCommand, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let id = cmd.id();
    out.push(id);
    if cmd.is_short() {
        if let AnyCommand::Raw(r) = cmd
            && r.data.is_some()
        {
            return Err(EncodeError::ShortWithData {
                name: cmd.name(),
                id,
            });
        }
        return Ok(());
    }
    let count_at = out.len();
    out.push(0);
    cmd.write_args(out);
    patch_count(out, count_at, || cmd.name())
}

fn patch_count(
    out: &mut [u8],
    count_at: usize,
    what: impl FnOnce() -> String,
) -> Result<(), EncodeError> {
    let len = out.len() - count_at - 1;
    out[count_at] =
        u8::try_from(len).map_err(|_| EncodeError::CountOverflow { what: what(), len })?;
    Ok(())
}

/// How many wrapper headers `cmds` are framed with.
fn wrapper_groups(cmds: &[AnyCommand], group: bool) -> usize {
    let mut open: Option<Wrapper> = None;
    let mut groups = 0;
    for cmd in cmds {
        let w = cmd.wrapper();
        if w == Wrapper::Top {
            open = None;
        } else if !(group && open == Some(w)) {
            groups += 1;
            open = Some(w);
        }
    }
    groups
}

/// Appends the unstuffed contents of a request frame to `out`.
pub fn encode_contents(
    cmds: &[AnyCommand],
    group: bool,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if cmds.is_empty() {
        return Err(EncodeError::Empty);
    }
    // Position of the open wrapper's count byte, patched when it closes.
    let mut open: Option<(Wrapper, usize)> = None;
    let close = |out: &mut Vec<u8>, open: Option<(Wrapper, usize)>| match open {
        Some((w, at)) => patch_count(out, at, || format!("wrapper {}", w.label())),
        None => Ok(()),
    };
    for cmd in cmds {
        let w = cmd.wrapper();
        let same_group = group && open.is_some_and(|(ow, _)| ow == w);
        if !same_group {
            close(out, open.take())?;
            if let Some(wid) = w.id() {
                out.push(wid);
                open = Some((w, out.len()));
                out.push(0);
            }
        }
        write_item(cmd, out)?;
    }
    close(out, open)
}

/// Encodes `cmds` as one request frame appended to `out`.
pub fn encode_request(
    cmds: &[AnyCommand],
    opts: &EncodeOptions,
    out: &mut Vec<u8>,
) -> Result<EncodedRequest, EncodeError> {
    let mut contents = Vec::with_capacity(64);
    encode_contents(cmds, opts.group_wrappers, &mut contents)?;
    let wire_len = encode_frame(opts.kind, &contents, opts.max_frame, out)?;
    Ok(EncodedRequest {
        wire_len,
        worst_case_reply: worst_case_reply_len(cmds, opts),
    })
}

/// Spreads a command list over as many frames as it needs, cutting only between
/// commands, so that each frame fits `opts.max_frame` (long workout programs).
pub fn split_into_frames(
    cmds: &[AnyCommand],
    opts: &EncodeOptions,
) -> Result<Vec<Vec<AnyCommand>>, EncodeError> {
    let fits = |cmds: &[AnyCommand]| -> Result<bool, EncodeError> {
        let mut contents = Vec::new();
        encode_contents(cmds, opts.group_wrappers, &mut contents)?;
        Ok(crate::frame::frame_len(opts.kind, &contents) <= opts.max_frame)
    };
    let mut frames: Vec<Vec<AnyCommand>> = Vec::new();
    let mut current: Vec<AnyCommand> = Vec::new();
    for cmd in cmds {
        current.push(cmd.clone());
        if !fits(&current)? {
            let cmd = current.pop().expect("just pushed");
            if current.is_empty() {
                // Not even alone: report why.
                let mut out = Vec::new();
                encode_request(std::slice::from_ref(&cmd), opts, &mut out)?;
            }
            frames.push(std::mem::take(&mut current));
            current.push(cmd);
        }
    }
    if !current.is_empty() {
        frames.push(current);
    }
    Ok(frames)
}

/// Data bytes assumed for a reply to an id the dictionary does not know.
const UNKNOWN_REPLY_DATA: usize = 32;

/// The longest reply frame `cmds` can get, stuffed, flags included, capped at
/// the maximum frame size.
///
/// Status, ids and counts never need stuffing (the status byte's bit 6 is
/// always clear, ids stop below `F0`, and counts stay far below 240 in a
/// 120-byte frame); data bytes and the checksum may each double.
pub fn worst_case_reply_len(cmds: &[AnyCommand], opts: &EncodeOptions) -> usize {
    // Status, wrapper headers (id, count), and per command its id and count,
    // or the `id 00` form of an acknowledgement.
    let fixed = 1 + 2 * wrapper_groups(cmds, opts.group_wrappers) + 2 * cmds.len();
    let data: usize = cmds
        .iter()
        .map(|cmd| match cmd.spec() {
            Some(s) if s.reply_has_data => s.reply_max_len,
            Some(_) => 0,
            None => UNKNOWN_REPLY_DATA,
        })
        .sum();
    let addresses = match opts.kind {
        FrameKind::Standard => 0,
        FrameKind::Extended { .. } => 4,
    };
    let len = 1 + addresses + fixed + 2 * data + 2 + 1;
    len.min(opts.max_frame)
}

/// Builds reply frames as a PM would: the status byte, then each reply,
/// consecutive replies of one wrapper grouped under one wrapper header.
#[derive(Debug, Clone)]
pub struct ReplyBuilder {
    contents: Vec<u8>,
    open: Option<(Wrapper, usize)>,
}

impl ReplyBuilder {
    /// Starts a reply with its status byte.
    pub fn new(status: Status) -> Self {
        let mut contents = Vec::with_capacity(64);
        contents.push(status.0);
        Self {
            contents,
            open: None,
        }
    }

    fn enter(&mut self, wrapper: Wrapper) {
        if self.open.is_some_and(|(w, _)| w == wrapper) {
            return;
        }
        self.close();
        if let Some(wid) = wrapper.id() {
            self.contents.push(wid);
            self.open = Some((wrapper, self.contents.len()));
            self.contents.push(0);
        }
    }

    fn close(&mut self) {
        if let Some((_, at)) = self.open.take() {
            // Saturates rather than fails: a PM that overflows would send garbage too.
            let len = self.contents.len() - at - 1;
            self.contents[at] = len.min(255) as u8;
        }
    }

    /// Adds `id n data` for a reply.
    pub fn reply(&mut self, reply: &AnyReply) -> &mut Self {
        let (wrapper, id) = reply.key();
        self.enter(wrapper);
        self.contents.push(id);
        let at = self.contents.len();
        self.contents.push(0);
        reply.write_data(&mut self.contents);
        let len = self.contents.len() - at - 1;
        self.contents[at] = len.min(255) as u8;
        self
    }

    /// Adds the bare id of an accepted set command, as a PM5 echoes them in `76`.
    pub fn echo(&mut self, wrapper: Wrapper, id: u8) -> &mut Self {
        self.enter(wrapper);
        self.contents.push(id);
        self
    }

    /// The unstuffed contents so far (status first).
    pub fn contents(&mut self) -> &[u8] {
        self.close();
        &self.contents
    }

    /// Frames the reply and appends it to `out`. A PM never refuses to answer,
    /// so the frame is not size-checked here; truncation to the report size is
    /// the transport's business.
    pub fn finish(mut self, kind: FrameKind, out: &mut Vec<u8>) -> usize {
        self.close();
        encode_frame(kind, &self.contents, usize::MAX, out).expect("no size limit")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::*;
    use crate::enums::UnitsSpecifier;

    fn enc(cmds: &[AnyCommand], group: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let opts = EncodeOptions {
            group_wrappers: group,
            ..EncodeOptions::default()
        };
        encode_request(cmds, &opts, &mut out).unwrap();
        out
    }

    #[test]
    fn groups_consecutive_wrapped_commands() {
        let cmds: Vec<AnyCommand> = vec![
            GetPower {}.into(),
            PmGetDragFactor {}.into(),
            PmGetStrokeState {}.into(),
            PmGetForcePlotData { block_len: 32 }.into(),
        ];
        // V10 keeps one wrapper per command.
        assert_eq!(
            enc(&cmds, false),
            [
                0xF1, 0xB4, 0x1A, 0x01, 0xC1, 0x1A, 0x01, 0xBF, 0x1A, 0x03, 0x6B, 0x01, 0x20, 0x99,
                0xF2
            ]
        );
        let grouped = enc(&cmds, true);
        assert_eq!(
            &grouped[..9],
            [0xF1, 0xB4, 0x1A, 0x05, 0xC1, 0xBF, 0x6B, 0x01, 0x20]
        );
    }

    #[test]
    fn worst_case_reply() {
        let cmds: Vec<AnyCommand> = vec![GetStatus {}.into()];
        // F1 status [80 00] checksum×2 F2.
        assert_eq!(worst_case_reply_len(&cmds, &EncodeOptions::default()), 7);
        let poll: Vec<AnyCommand> = vec![
            PmGetWorkTime {}.into(),
            PmGetWorkDistance {}.into(),
            PmGetStrokeState {}.into(),
            GetPower {}.into(),
        ];
        // status, 1A n, 3×(id n), B4 n = 11 fixed; 5+5+1+3 = 14 data bytes.
        assert_eq!(
            worst_case_reply_len(&poll, &EncodeOptions::default()),
            1 + 11 + 28 + 2 + 1
        );
    }

    #[test]
    fn reply_builder_groups() {
        let mut b = ReplyBuilder::new(Status(0x85));
        b.reply(&AnyReply::PmGetStrokeState(StrokeStateReply {
            stroke_state: crate::StrokeState::Driving,
        }))
        .reply(&AnyReply::GetPower(Power {
            power: 200,
            units: UnitsSpecifier::Watt,
        }));
        assert_eq!(
            b.contents(),
            [
                0x85, 0x1A, 0x03, 0xBF, 0x01, 0x02, 0xB4, 0x03, 0xC8, 0x00, 0x58
            ]
        );
    }
}
