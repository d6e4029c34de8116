//! Field-level wire types: how one argument or reply field is laid out in a
//! command's data bytes, in the byte order of its (wrapper, id).

use crate::error::FieldError;
use crate::value::Value;

/// Byte order of multi-byte fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Least significant byte first (public commands, the `1A` wrapper).
    Little,
    /// Most significant byte first (`76`/`77`/`7E`/`7F` per the spec).
    Big,
}

/// Reads fields from a command's data bytes.
#[derive(Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
    order: ByteOrder,
}

impl<'a> Reader<'a> {
    /// A reader over `data` in `order`.
    #[inline]
    pub fn new(data: &'a [u8], order: ByteOrder) -> Self {
        Self { input: data, order }
    }

    /// Bytes not yet read.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.input.len()
    }

    /// The unread bytes.
    pub fn rest(&self) -> &'a [u8] {
        self.input
    }

    /// The next `N` bytes. Fixed-width integers are read straight from the
    /// slice: this is the innermost loop of every decode.
    #[inline]
    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], FieldError> {
        match self.input.split_first_chunk::<N>() {
            Some((head, rest)) => {
                self.input = rest;
                Ok(*head)
            }
            None => Err(FieldError::Short {
                field,
                needed: N - self.input.len(),
            }),
        }
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self, field: &'static str) -> Result<u8, FieldError> {
        self.array::<1>(field).map(|[b]| b)
    }

    /// A 16-bit integer.
    #[inline]
    pub fn u16(&mut self, field: &'static str) -> Result<u16, FieldError> {
        let b = self.array::<2>(field)?;
        Ok(match self.order {
            ByteOrder::Little => u16::from_le_bytes(b),
            ByteOrder::Big => u16::from_be_bytes(b),
        })
    }

    /// A 24-bit integer.
    #[inline]
    pub fn u24(&mut self, field: &'static str) -> Result<u32, FieldError> {
        let [a, b, c] = self.array::<3>(field)?;
        Ok(match self.order {
            ByteOrder::Little => u32::from_le_bytes([a, b, c, 0]),
            ByteOrder::Big => u32::from_be_bytes([0, a, b, c]),
        })
    }

    /// A 32-bit integer.
    #[inline]
    pub fn u32(&mut self, field: &'static str) -> Result<u32, FieldError> {
        let b = self.array::<4>(field)?;
        Ok(match self.order {
            ByteOrder::Little => u32::from_le_bytes(b),
            ByteOrder::Big => u32::from_be_bytes(b),
        })
    }

    /// Exactly `n` bytes.
    pub fn take(&mut self, field: &'static str, n: usize) -> Result<&'a [u8], FieldError> {
        match self.input.split_at_checked(n) {
            Some((head, rest)) => {
                self.input = rest;
                Ok(head)
            }
            None => Err(FieldError::Short {
                field,
                needed: n - self.input.len(),
            }),
        }
    }

    /// Up to `n` bytes: whatever is left, capped at `n`.
    pub fn take_up_to(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.input.split_at(n.min(self.input.len()));
        self.input = rest;
        head
    }
}

/// Writes fields into a command's data bytes.
#[derive(Debug)]
pub struct Writer<'a> {
    out: &'a mut Vec<u8>,
    order: ByteOrder,
}

impl<'a> Writer<'a> {
    /// A writer appending to `out` in `order`.
    pub fn new(out: &'a mut Vec<u8>, order: ByteOrder) -> Self {
        Self { out, order }
    }

    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.out.push(v);
    }

    /// A 16-bit integer.
    pub fn u16(&mut self, v: u16) {
        match self.order {
            ByteOrder::Little => self.out.extend_from_slice(&v.to_le_bytes()),
            ByteOrder::Big => self.out.extend_from_slice(&v.to_be_bytes()),
        }
    }

    /// A 24-bit integer (the top byte of `v` is dropped).
    pub fn u24(&mut self, v: u32) {
        match self.order {
            ByteOrder::Little => self.out.extend_from_slice(&v.to_le_bytes()[..3]),
            ByteOrder::Big => self.out.extend_from_slice(&v.to_be_bytes()[1..]),
        }
    }

    /// A 32-bit integer.
    pub fn u32(&mut self, v: u32) {
        match self.order {
            ByteOrder::Little => self.out.extend_from_slice(&v.to_le_bytes()),
            ByteOrder::Big => self.out.extend_from_slice(&v.to_be_bytes()),
        }
    }

    /// Raw bytes.
    pub fn bytes(&mut self, v: &[u8]) {
        self.out.extend_from_slice(v);
    }
}

/// A type that can be one field of a command's arguments or reply.
pub trait Wire: Sized {
    /// Most bytes the field takes.
    const MAX_LEN: usize;
    /// Fewest bytes the field takes (less than `MAX_LEN` for variable-length text and tails).
    const MIN_LEN: usize = Self::MAX_LEN;
    /// Reads the field.
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, FieldError>;
    /// Writes the field.
    fn write(&self, w: &mut Writer<'_>);
    /// The value for printing (unit [`crate::Unit::Raw`]; the field's declared
    /// unit is applied by the caller).
    fn value(&self) -> Value<'_>;
    /// Parses the field from command-line text.
    fn parse_arg(text: &str) -> Result<Self, String>;
    /// Short type name for help texts.
    const HINT: &'static str;
}

fn parse_int<T: TryFrom<u64>>(text: &str, what: &str) -> Result<T, String> {
    let v = crate::args::parse_uint(text)
        .ok_or_else(|| format!("`{text}` is not a number (decimal, or hex with 0x)"))?;
    T::try_from(v).map_err(|_| format!("{v} does not fit in {what}"))
}

macro_rules! wire_int {
    ($t:ty, $len:expr, $read:ident, $write:ident, $hint:literal) => {
        impl Wire for $t {
            const MAX_LEN: usize = $len;
            fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, FieldError> {
                r.$read(field)
            }
            fn write(&self, w: &mut Writer<'_>) {
                w.$write(*self);
            }
            fn value(&self) -> Value<'_> {
                Value::Uint {
                    raw: u64::from(*self),
                    unit: crate::Unit::Raw,
                }
            }
            fn parse_arg(text: &str) -> Result<Self, String> {
                parse_int(text, $hint)
            }
            const HINT: &'static str = $hint;
        }
    };
}

wire_int!(u8, 1, u8, u8, "u8");
wire_int!(u16, 2, u16, u16, "u16");
wire_int!(u32, 4, u32, u32, "u32");

/// A 24-bit unsigned integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct U24(u32);

impl U24 {
    /// Largest value.
    pub const MAX: u32 = 0x00FF_FFFF;
    /// The value, truncated to 24 bits.
    pub const fn new(v: u32) -> Self {
        U24(v & Self::MAX)
    }
    /// The value.
    pub const fn get(self) -> u32 {
        self.0
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for U24 {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(U24::new(u.arbitrary()?))
    }
}

impl Wire for U24 {
    const MAX_LEN: usize = 3;
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, FieldError> {
        r.u24(field).map(U24)
    }
    fn write(&self, w: &mut Writer<'_>) {
        w.u24(self.0);
    }
    fn value(&self) -> Value<'_> {
        Value::Uint {
            raw: u64::from(self.0),
            unit: crate::Unit::Raw,
        }
    }
    fn parse_arg(text: &str) -> Result<Self, String> {
        let v: u32 = parse_int(text, "u24")?;
        if v > Self::MAX {
            return Err(format!("{v} does not fit in u24"));
        }
        Ok(U24(v))
    }
    const HINT: &'static str = "u24";
}

/// A 32-bit float, kept as its bit pattern so that every value round-trips
/// (NaNs included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct F32(pub u32);

impl F32 {
    /// The float.
    pub fn get(self) -> f32 {
        f32::from_bits(self.0)
    }
}

impl Wire for F32 {
    const MAX_LEN: usize = 4;
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, FieldError> {
        r.u32(field).map(F32)
    }
    fn write(&self, w: &mut Writer<'_>) {
        w.u32(self.0);
    }
    fn value(&self) -> Value<'_> {
        Value::Float(self.get())
    }
    fn parse_arg(text: &str) -> Result<Self, String> {
        text.parse::<f32>()
            .map(|f| F32(f.to_bits()))
            .map_err(|_| format!("`{text}` is not a number"))
    }
    const HINT: &'static str = "f32";
}

/// ASCII text of up to `N` bytes that runs to the end of the data (serials,
/// user ids). Bytes that are not ASCII are kept as they are.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ascii<const N: usize> {
    len: u8,
    buf: [u8; N],
}

impl<const N: usize> Ascii<N> {
    /// Text from bytes; `None` if longer than `N`.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        if bytes.len() > N {
            return None;
        }
        let mut buf = [0; N];
        buf[..bytes.len()].copy_from_slice(bytes);
        Some(Self {
            len: bytes.len() as u8,
            buf,
        })
    }
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
    /// The text, if it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }
}

impl<const N: usize> core::fmt::Debug for Ascii<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

#[cfg(feature = "arbitrary")]
impl<'a, const N: usize> arbitrary::Arbitrary<'a> for Ascii<N> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let len = u.int_in_range(0..=N)?;
        let bytes = u.bytes(len)?;
        Ok(Self::new(bytes).expect("length checked"))
    }
}

impl<const N: usize> Wire for Ascii<N> {
    const MAX_LEN: usize = N;
    const MIN_LEN: usize = 0;
    fn read(r: &mut Reader<'_>, _field: &'static str) -> Result<Self, FieldError> {
        Ok(Self::new(r.take_up_to(N)).expect("capped at N"))
    }
    fn write(&self, w: &mut Writer<'_>) {
        w.bytes(self.as_bytes());
    }
    fn value(&self) -> Value<'_> {
        Value::Text(self.as_bytes())
    }
    fn parse_arg(text: &str) -> Result<Self, String> {
        Self::new(text.as_bytes()).ok_or_else(|| format!("longer than {N} characters"))
    }
    const HINT: &'static str = "text";
}

/// Exactly `N` bytes with no structure this codec knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Bytes<const N: usize>(pub [u8; N]);

impl<const N: usize> Wire for Bytes<N> {
    const MAX_LEN: usize = N;
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, FieldError> {
        let mut b = [0; N];
        b.copy_from_slice(r.take(field, N)?);
        Ok(Bytes(b))
    }
    fn write(&self, w: &mut Writer<'_>) {
        w.bytes(&self.0);
    }
    fn value(&self) -> Value<'_> {
        Value::Bytes(&self.0)
    }
    fn parse_arg(text: &str) -> Result<Self, String> {
        let hex = text.strip_prefix("hex=").unwrap_or(text);
        let v = crate::args::parse_hex(hex).map_err(|e| e.to_string())?;
        <[u8; N]>::try_from(v.as_slice())
            .map(Bytes)
            .map_err(|_| format!("needs exactly {N} bytes of hex, got {}", v.len()))
    }
    const HINT: &'static str = "hex";
}

/// Exactly `N` bytes kept on the heap: large blocks (memory reads, diagnostic
/// records) would otherwise make every [`crate::AnyReply`] as large as they are.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct LongBytes<const N: usize>(pub Box<[u8; N]>);

impl<const N: usize> Wire for LongBytes<N> {
    const MAX_LEN: usize = N;
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, FieldError> {
        let mut b = Box::new([0; N]);
        b.copy_from_slice(r.take(field, N)?);
        Ok(LongBytes(b))
    }
    fn write(&self, w: &mut Writer<'_>) {
        w.bytes(&self.0[..]);
    }
    fn value(&self) -> Value<'_> {
        Value::Bytes(&self.0[..])
    }
    fn parse_arg(text: &str) -> Result<Self, String> {
        Bytes::<N>::parse_arg(text).map(|b| LongBytes(Box::new(b.0)))
    }
    const HINT: &'static str = "hex";
}

/// All remaining bytes (at most 255): opaque payloads of unpublished layouts.
/// A boxed slice rather than a `Vec`, to keep replies small.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Tail(pub Box<[u8]>);

impl From<Vec<u8>> for Tail {
    fn from(v: Vec<u8>) -> Self {
        Tail(v.into_boxed_slice())
    }
}

impl Tail {
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Tail {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let len = u.int_in_range(0..=40)?;
        Ok(Tail::from(u.bytes(len)?.to_vec()))
    }
}

impl Wire for Tail {
    const MAX_LEN: usize = 255;
    const MIN_LEN: usize = 0;
    fn read(r: &mut Reader<'_>, _field: &'static str) -> Result<Self, FieldError> {
        Ok(Tail::from(r.take_up_to(255).to_vec()))
    }
    fn write(&self, w: &mut Writer<'_>) {
        w.bytes(&self.0);
    }
    fn value(&self) -> Value<'_> {
        Value::Bytes(&self.0)
    }
    fn parse_arg(text: &str) -> Result<Self, String> {
        let hex = text.strip_prefix("hex=").unwrap_or(text);
        crate::args::parse_hex(hex)
            .map(Tail::from)
            .map_err(|e| e.to_string())
    }
    const HINT: &'static str = "hex";
}

/// A block of the PM's sample buffer (force plot, heartbeat data): a count of
/// valid *bytes*, then 16 sample slots of which the first `count / 2` hold data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SampleBlock {
    /// Valid bytes reported by the PM (0 when the buffer is drained).
    pub count: u8,
    /// All 16 slots as sent; slots past the count hold stale values.
    pub slots: [u16; 16],
}

impl SampleBlock {
    /// The valid samples (`count / 2`, at most 16).
    pub fn samples(&self) -> &[u16] {
        &self.slots[..(usize::from(self.count) / 2).min(16)]
    }

    /// A block holding `samples` (at most 16), as the PM would send it.
    pub fn from_samples(samples: &[u16]) -> Self {
        let n = samples.len().min(16);
        let mut slots = [0; 16];
        slots[..n].copy_from_slice(&samples[..n]);
        Self {
            count: (n * 2) as u8,
            slots,
        }
    }
}

impl Wire for SampleBlock {
    const MAX_LEN: usize = 33;
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, FieldError> {
        let count = r.u8(field)?;
        let mut slots = [0; 16];
        for slot in &mut slots {
            *slot = r.u16(field)?;
        }
        Ok(Self { count, slots })
    }
    fn write(&self, w: &mut Writer<'_>) {
        w.u8(self.count);
        for &s in &self.slots {
            w.u16(s);
        }
    }
    fn value(&self) -> Value<'_> {
        Value::Samples {
            raw: self.samples(),
            unit: crate::Unit::Raw,
        }
    }
    fn parse_arg(_text: &str) -> Result<Self, String> {
        Err("sample blocks are replies only".into())
    }
    const HINT: &'static str = "samples";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_orders() {
        let data = [0x01, 0x02, 0x03, 0x04];
        assert_eq!(
            Reader::new(&data, ByteOrder::Little).u32("x"),
            Ok(0x0403_0201)
        );
        assert_eq!(Reader::new(&data, ByteOrder::Big).u32("x"), Ok(0x0102_0304));
        assert_eq!(Reader::new(&data, ByteOrder::Big).u24("x"), Ok(0x01_0203));
        let mut out = Vec::new();
        Writer::new(&mut out, ByteOrder::Big).u24(0x01_0203);
        assert_eq!(out, [1, 2, 3]);
    }

    #[test]
    fn short_read_says_how_much_is_missing() {
        let mut r = Reader::new(&[1], ByteOrder::Little);
        assert_eq!(
            r.u32("distance"),
            Err(FieldError::Short {
                field: "distance",
                needed: 3
            })
        );
    }

    #[test]
    fn sample_block_counts_bytes() {
        let b = SampleBlock::from_samples(&[65, 65, 121]);
        assert_eq!(b.count, 6);
        assert_eq!(b.samples(), &[65, 65, 121]);
        let odd = SampleBlock { count: 7, ..b };
        assert_eq!(odd.samples().len(), 3);
        let big = SampleBlock { count: 200, ..b };
        assert_eq!(big.samples().len(), 16);
    }
}
