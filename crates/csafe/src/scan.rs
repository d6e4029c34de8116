//! Word-at-a-time scanning for the decoder's hot path.
//!
//! Frames are short and nearly every byte is ordinary data, so the decoder
//! looks at eight bytes at once for the rare byte in `F0..=FF`, among which
//! are the flags and the escape.

const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Marks (bit 7 of each byte) the bytes of `w` whose high nibble is `F`.
/// Shifts stay within a byte for the bit examined, so nothing leaks between bytes.
#[inline]
fn high_nibble_f(w: u64) -> u64 {
    w & (w << 1) & (w << 2) & (w << 3) & HIGH_BITS
}

#[inline]
fn word(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Position of the first byte `>= F0` at or after `from`.
#[inline]
pub(crate) fn next_high(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 8 <= bytes.len() {
        let m = high_nibble_f(word(bytes, i));
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i.min(bytes.len())..]
        .iter()
        .position(|&b| b >= 0xF0)
        .map(|p| i + p)
}

/// Position of the first byte at or after `from` for which `pick` holds, among
/// the bytes `>= F0`.
#[inline]
pub(crate) fn next_high_where(
    bytes: &[u8],
    mut from: usize,
    pick: impl Fn(u8) -> bool,
) -> Option<usize> {
    loop {
        let i = next_high(bytes, from)?;
        if pick(bytes[i]) {
            return Some(i);
        }
        from = i + 1;
    }
}

/// XOR of all bytes.
#[inline]
pub(crate) fn xor_all(bytes: &[u8]) -> u8 {
    let mut chunks = bytes.chunks_exact(8);
    let mut acc = 0u64;
    for c in &mut chunks {
        acc ^= u64::from_le_bytes(c.try_into().expect("8 bytes"));
    }
    acc ^= acc >> 32;
    acc ^= acc >> 16;
    acc ^= acc >> 8;
    chunks.remainder().iter().fold(acc as u8, |a, b| a ^ b)
}

/// Zero bytes at the end of `bytes`: reports are mostly padding.
#[inline]
pub(crate) fn trailing_zeros(bytes: &[u8]) -> usize {
    let mut n = 0;
    let mut chunks = bytes.rchunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        if w != 0 {
            // The chunk's last byte is the word's most significant.
            return n + (w.leading_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + chunks
        .remainder()
        .iter()
        .rev()
        .take_while(|&&b| b == 0)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_byte_loop() {
        let mut seed = 0x1234_5678u64;
        for len in 0..40 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                        let r = (seed >> 33) as u8;
                        if r.is_multiple_of(5) {
                            0xF0 | (r & 0x0F)
                        } else if r.is_multiple_of(3) {
                            0
                        } else {
                            r & 0xEF
                        }
                    })
                    .collect();
                for from in 0..=len {
                    let want = bytes[from..]
                        .iter()
                        .position(|&b| b >= 0xF0)
                        .map(|p| p + from);
                    assert_eq!(next_high(&bytes, from), want);
                }
                assert_eq!(xor_all(&bytes), bytes.iter().fold(0, |a, b| a ^ b));
                assert_eq!(
                    trailing_zeros(&bytes),
                    bytes.iter().rev().take_while(|&&b| b == 0).count()
                );
            }
        }
    }
}
