//! The FIT binary layer: definition and data messages, the 14-byte header
//! and the CRC-16/ARC (FIT's CRC, from the `crc` crate). Little-endian
//! throughout. A local message type is (re)defined whenever a message's
//! layout differs from the last one sent on it, which is how one record
//! type carries force curves of varying length.

use crc::{CRC_16_ARC, Crc};

/// 1989-12-31T00:00:00Z, FIT's epoch, in Unix seconds.
pub(crate) const FIT_EPOCH_UNIX_S: i64 = 631_065_600;
/// FIT protocol 2.0: developer fields need it.
const PROTOCOL_VERSION: u8 = 0x20;
/// The profile the messages follow (FIT SDK 21.40).
const PROFILE_VERSION: u16 = 2140;
/// A field holds at most 255 bytes (its size is one byte).
pub(crate) const MAX_FIELD_BYTES: usize = 255;

/// FIT base types used here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Base {
    Enum,
    U8,
    U16,
    U32,
    U32z,
    Str,
    Byte,
}

impl Base {
    /// The base type's id (with the endian-ability bit where FIT sets it).
    pub(crate) const fn id(self) -> u8 {
        match self {
            Self::Enum => 0x00,
            Self::U8 => 0x02,
            Self::U16 => 0x84,
            Self::U32 => 0x86,
            Self::U32z => 0x8C,
            Self::Str => 0x07,
            Self::Byte => 0x0D,
        }
    }
}

/// One message's fields, built before it is written.
#[derive(Clone, Debug)]
pub(crate) struct Msg {
    global: u16,
    fields: Vec<(u8, Base, Vec<u8>)>,
    dev: Vec<(u8, Vec<u8>)>,
}

impl Msg {
    pub(crate) fn new(global: u16) -> Self {
        Self {
            global,
            fields: Vec::new(),
            dev: Vec::new(),
        }
    }

    fn field(mut self, num: u8, base: Base, bytes: Vec<u8>) -> Self {
        debug_assert!(bytes.len() <= MAX_FIELD_BYTES && !bytes.is_empty());
        self.fields.push((num, base, bytes));
        self
    }

    pub(crate) fn enum_(self, num: u8, v: u8) -> Self {
        self.field(num, Base::Enum, vec![v])
    }
    pub(crate) fn u8(self, num: u8, v: u8) -> Self {
        self.field(num, Base::U8, vec![v])
    }
    pub(crate) fn u16(self, num: u8, v: u16) -> Self {
        self.field(num, Base::U16, v.to_le_bytes().to_vec())
    }
    pub(crate) fn u32(self, num: u8, v: u32) -> Self {
        self.field(num, Base::U32, v.to_le_bytes().to_vec())
    }
    pub(crate) fn u32z(self, num: u8, v: u32) -> Self {
        self.field(num, Base::U32z, v.to_le_bytes().to_vec())
    }
    pub(crate) fn bytes(self, num: u8, v: &[u8]) -> Self {
        self.field(num, Base::Byte, v.to_vec())
    }
    /// A NUL-terminated string, cut to fit one field.
    pub(crate) fn str(self, num: u8, s: &str) -> Self {
        let mut b: Vec<u8> = s.as_bytes().to_vec();
        let mut cut = b.len().min(MAX_FIELD_BYTES - 1);
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        b.truncate(cut);
        b.push(0);
        self.field(num, Base::Str, b)
    }
    /// Leaves the field out when `None` (FIT's "invalid" by omission).
    pub(crate) fn opt<T>(self, v: Option<T>, set: impl FnOnce(Self, T) -> Self) -> Self {
        match v {
            Some(v) => set(self, v),
            None => self,
        }
    }

    /// A developer field (developer data index 0).
    pub(crate) fn dev(mut self, num: u8, bytes: Vec<u8>) -> Self {
        debug_assert!(bytes.len() <= MAX_FIELD_BYTES && !bytes.is_empty());
        self.dev.push((num, bytes));
        self
    }

    fn definition(&self, local: u8) -> Vec<u8> {
        let has_dev = !self.dev.is_empty();
        let mut d = vec![0x40 | if has_dev { 0x20 } else { 0 } | local, 0, 0];
        d.extend_from_slice(&self.global.to_le_bytes());
        d.push(self.fields.len() as u8);
        for (num, base, bytes) in &self.fields {
            d.extend_from_slice(&[*num, bytes.len() as u8, base.id()]);
        }
        if has_dev {
            d.push(self.dev.len() as u8);
            for (num, bytes) in &self.dev {
                d.extend_from_slice(&[*num, bytes.len() as u8, 0]);
            }
        }
        d
    }
}

/// Collects messages; [`FitWriter::finish`] frames them as a file.
#[derive(Debug, Default)]
pub(crate) struct FitWriter {
    data: Vec<u8>,
    defined: [Option<Vec<u8>>; 16],
}

impl FitWriter {
    /// Writes `msg` on local message type `local` (0..=15), defining it first if needed.
    pub(crate) fn write(&mut self, local: u8, msg: &Msg) {
        let def = msg.definition(local);
        let slot = &mut self.defined[usize::from(local & 0x0F)];
        if slot.as_deref() != Some(&def[..]) {
            self.data.extend_from_slice(&def);
            *slot = Some(def);
        }
        self.data.push(local & 0x0F);
        for (_, _, bytes) in &msg.fields {
            self.data.extend_from_slice(bytes);
        }
        for (_, bytes) in &msg.dev {
            self.data.extend_from_slice(bytes);
        }
    }

    /// Header, messages, CRC.
    pub(crate) fn finish(self) -> Vec<u8> {
        let crc = Crc::<u16>::new(&CRC_16_ARC);
        let mut out = Vec::with_capacity(self.data.len() + 16);
        out.push(14);
        out.push(PROTOCOL_VERSION);
        out.extend_from_slice(&PROFILE_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.data.len() as u32).to_le_bytes());
        out.extend_from_slice(b".FIT");
        let header_crc = crc.checksum(&out);
        out.extend_from_slice(&header_crc.to_le_bytes());
        out.extend_from_slice(&self.data);
        let file_crc = crc.checksum(&out);
        out.extend_from_slice(&file_crc.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_is_fits() {
        // FIT's CRC (the SDK's nibble table) is CRC-16/ARC: check value 0xBB3D.
        assert_eq!(Crc::<u16>::new(&CRC_16_ARC).checksum(b"123456789"), 0xBB3D);
        // A whole file checks to zero when its CRC is included.
        let mut w = FitWriter::default();
        w.write(0, &Msg::new(0).enum_(0, 4).u16(1, 40));
        let file = w.finish();
        assert_eq!(Crc::<u16>::new(&CRC_16_ARC).checksum(&file), 0);
        assert_eq!(&file[8..12], b".FIT");
    }

    #[test]
    fn redefines_only_when_the_layout_changes() {
        let mut w = FitWriter::default();
        let a = Msg::new(20).u32(253, 1).dev(1, vec![1, 0, 2, 0]);
        w.write(5, &a);
        w.write(5, &a);
        let b = Msg::new(20).u32(253, 2).dev(1, vec![1, 0]);
        w.write(5, &b);
        let defs = w.data.iter().filter(|&&h| h == 0x65).count();
        assert_eq!(defs, 2);
    }
}
