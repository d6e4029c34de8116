//! Taking request frames apart: the commands a host sent, as a transcript
//! reader or `erglink csafe decode --request` needs them.

use crate::command::{AnyCommand, CommandSpec, Wrapper, lookup, registry_slot};

/// One command the PM is expected to answer, in request order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    /// Wrapper that carried it.
    pub wrapper: Wrapper,
    /// Its id.
    pub id: u8,
    /// Its dictionary entry, if known.
    pub spec: Option<&'static CommandSpec>,
    /// Its position in the dictionary, looked up once here rather than per reply.
    pub(crate) slot: u16,
}

impl Expected {
    /// The command `id` under `wrapper`.
    pub fn new(wrapper: Wrapper, id: u8) -> Self {
        Self {
            wrapper,
            id,
            spec: lookup(wrapper, id),
            slot: registry_slot(wrapper, id),
        }
    }

    /// Whether its reply carries data (`id n data`). Unknown ids are assumed
    /// to, which is how every documented getter answers.
    pub fn expects_data(&self) -> bool {
        self.spec.is_none_or(|s| s.reply_has_data)
    }
}

/// What a request asks for: the ordered list of expected replies. Build it
/// once for a frame that is sent again and again (a recorder's poll).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestShape {
    items: Vec<Expected>,
    template: Option<ReplyTemplate>,
}

/// Where each byte of the reply sits when every command is a getter with a
/// fixed-size reply and the PM groups wrapped replies as they were asked: then
/// a reply can be checked and decoded at fixed offsets, without walking it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ReplyTemplate {
    /// Length of the contents, status included.
    pub(crate) len: usize,
    /// (offset, byte) of every wrapper id, reply id and count.
    fixed: Vec<(u16, u8)>,
    /// The same as a byte image and a mask, compared eight bytes at a time.
    image: Vec<u8>,
    mask: Vec<u8>,
    /// (offset, length) of each reply's data, in request order.
    pub(crate) data: Vec<(u16, u8)>,
}

impl ReplyTemplate {
    fn build(items: &[Expected]) -> Option<Self> {
        let mut t = ReplyTemplate::default();
        let mut pos = 1;
        let mut open: Option<(Wrapper, usize)> = None;
        let close =
            |t: &mut ReplyTemplate, open: Option<(Wrapper, usize)>, pos: usize| -> Option<()> {
                if let Some((_, at)) = open {
                    let n = u8::try_from(pos - at - 1).ok()?;
                    t.fixed.push((u16::try_from(at).ok()?, n));
                }
                Some(())
            };
        for e in items {
            let spec = e.spec?;
            if !spec.reply_has_data || spec.reply_min_len != spec.reply_max_len {
                return None;
            }
            if open.map(|(w, _)| w) != Some(e.wrapper) {
                close(&mut t, open.take(), pos)?;
                if let Some(wid) = e.wrapper.id() {
                    t.fixed.push((u16::try_from(pos).ok()?, wid));
                    open = Some((e.wrapper, pos + 1));
                    pos += 2;
                }
            }
            let n = u8::try_from(spec.reply_max_len).ok()?;
            t.fixed.push((u16::try_from(pos).ok()?, e.id));
            t.fixed.push((u16::try_from(pos + 1).ok()?, n));
            t.data.push((u16::try_from(pos + 2).ok()?, n));
            pos += 2 + usize::from(n);
        }
        close(&mut t, open, pos)?;
        t.len = pos;
        t.image = vec![0; pos];
        t.mask = vec![0; pos];
        for &(at, b) in &t.fixed {
            t.image[usize::from(at)] = b;
            t.mask[usize::from(at)] = 0xFF;
        }
        Some(t)
    }

    /// Whether `contents` has exactly the expected layout.
    #[inline]
    pub(crate) fn matches(&self, contents: &[u8]) -> bool {
        if contents.len() != self.len {
            return false;
        }
        let mut diff = words(contents)
            .zip(words(&self.image))
            .zip(words(&self.mask))
            .fold(0, |acc, ((c, i), m)| acc | ((c ^ i) & m));
        let tail = self.len - self.len % 8;
        for ((c, i), m) in contents[tail..]
            .iter()
            .zip(&self.image[tail..])
            .zip(&self.mask[tail..])
        {
            diff |= u64::from((c ^ i) & m);
        }
        diff == 0
    }
}

fn words(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
}

impl ReplyTemplate {}

impl RequestShape {
    /// The shape of a command list.
    pub fn from_commands(cmds: &[AnyCommand]) -> Self {
        Self::from_expected(
            cmds.iter()
                .map(|c| Expected::new(c.wrapper(), c.id()))
                .collect(),
        )
    }

    /// A shape from its expected replies, in request order.
    pub fn from_expected(items: Vec<Expected>) -> Self {
        let template = ReplyTemplate::build(&items);
        Self { items, template }
    }

    /// Expected replies, in request order.
    pub fn items(&self) -> &[Expected] {
        &self.items
    }

    pub(crate) fn template(&self) -> Option<&ReplyTemplate> {
        self.template.as_ref()
    }
}

/// A request frame's contents, taken apart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodedRequest {
    /// The commands, typed where the dictionary knows them.
    pub commands: Vec<AnyCommand>,
    /// Bytes at the end that did not form a whole command (a count running
    /// past the end of the frame or of its wrapper).
    pub truncated: Option<core::ops::Range<usize>>,
}

impl DecodedRequest {
    /// The shape of the replies this request expects.
    pub fn shape(&self) -> RequestShape {
        RequestShape::from_commands(&self.commands)
    }
}

/// Splits unstuffed request contents into commands.
pub fn decode_request(contents: &[u8]) -> DecodedRequest {
    let mut out = DecodedRequest::default();
    let mut pos = 0;
    while pos < contents.len() {
        let id = contents[pos];
        if let Some(w) = Wrapper::from_id(id) {
            let Some(&n) = contents.get(pos + 1) else {
                out.truncated = Some(pos..contents.len());
                return out;
            };
            let end = pos + 2 + usize::from(n);
            if end > contents.len() {
                out.truncated = Some(pos..contents.len());
                return out;
            }
            if let Err(at) = decode_items(w, &contents[pos + 2..end], &mut out.commands) {
                out.truncated = Some(pos + 2 + at..end);
            }
            pos = end;
        } else {
            match decode_item(Wrapper::Top, &contents[pos..]) {
                Some((cmd, used)) => {
                    out.commands.push(cmd);
                    pos += used;
                }
                None => {
                    out.truncated = Some(pos..contents.len());
                    return out;
                }
            }
        }
    }
    out
}

/// Decodes the commands inside a wrapper; on a truncated item returns its offset.
fn decode_items(wrapper: Wrapper, region: &[u8], out: &mut Vec<AnyCommand>) -> Result<(), usize> {
    let mut pos = 0;
    while pos < region.len() {
        let (cmd, used) = decode_item(wrapper, &region[pos..]).ok_or(pos)?;
        out.push(cmd);
        pos += used;
    }
    Ok(())
}

/// A command's id and, for a long command, its data bytes.
pub type Item<'a> = (u8, Option<&'a [u8]>);

/// One command: a short id alone, or a long `id n data[n]`.
pub fn parse_item(input: &[u8]) -> nom::IResult<&[u8], Item<'_>, ()> {
    use nom::Parser;
    use nom::multi::length_data;
    use nom::number::complete::u8 as byte;
    let (rest, id) = byte(input)?;
    if id >= 0x80 {
        return Ok((rest, (id, None)));
    }
    let (rest, data) = length_data(byte).parse(rest)?;
    Ok((rest, (id, Some(data))))
}

/// One `id` or `id n data`, and the bytes it used.
fn decode_item(wrapper: Wrapper, bytes: &[u8]) -> Option<(AnyCommand, usize)> {
    let (rest, (id, data)) = parse_item(bytes).ok()?;
    Some((
        AnyCommand::decode(wrapper, id, data),
        bytes.len() - rest.len(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::*;

    #[test]
    fn v10_separate_wrappers() {
        // B4, 1A{C1}, 1A{BF}, 1A{6B 01 20}
        let req = decode_request(&[
            0xB4, 0x1A, 0x01, 0xC1, 0x1A, 0x01, 0xBF, 0x1A, 0x03, 0x6B, 0x01, 0x20,
        ]);
        assert_eq!(
            req.commands,
            vec![
                AnyCommand::GetPower(GetPower {}),
                AnyCommand::PmGetDragFactor(PmGetDragFactor {}),
                AnyCommand::PmGetStrokeState(PmGetStrokeState {}),
                AnyCommand::PmGetForcePlotData(PmGetForcePlotData { block_len: 32 }),
            ]
        );
        assert_eq!(req.truncated, None);
    }

    #[test]
    fn truncated_count_is_reported() {
        let req = decode_request(&[0x80, 0x21, 0x05, 0xD0]);
        assert_eq!(req.commands.len(), 1);
        assert_eq!(req.truncated, Some(1..4));
    }
}
