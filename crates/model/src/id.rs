//! Session ids: ULIDs (48-bit Unix milliseconds, then 80 random bits, in
//! Crockford base 32), so that ids sort by creation time as plain strings and
//! two recorders never pick the same one.

use core::fmt;

use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A session's id: a 26-character ULID in canonical upper case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SessionId(String);

/// Why a text is not a session id or a prefix of one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionIdError {
    /// Nothing was given.
    Empty,
    /// Longer than 26 characters, or (for a whole id) shorter.
    Length(usize),
    /// A character outside Crockford's base 32.
    Character(char),
    /// The first character is above `7`: the value would not fit 128 bits.
    Overflow,
}

impl fmt::Display for SessionIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("it is empty"),
            Self::Length(n) => write!(f, "it has {n} characters; an id has 26"),
            Self::Character(c) => write!(f, "`{c}` is not a base-32 (Crockford) digit"),
            Self::Overflow => f.write_str("an id starts with a digit from 0 to 7"),
        }
    }
}

impl std::error::Error for SessionIdError {}

impl SessionId {
    /// Characters in an id.
    pub const LEN: usize = 26;

    /// The id for a creation time (Unix milliseconds, low 48 bits kept) and
    /// 80 random bits (the low 80 bits of `random`).
    pub fn from_parts(unix_ms: u64, random: u128) -> Self {
        let value = (u128::from(unix_ms & 0xFFFF_FFFF_FFFF) << 80) | (random & ((1 << 80) - 1));
        let mut text = String::with_capacity(Self::LEN);
        for i in (0..Self::LEN).rev() {
            text.push(char::from(ALPHABET[((value >> (i * 5)) & 31) as usize]));
        }
        Self(text)
    }

    /// Parses a whole id, ignoring case (Crockford's `I`/`L` read as `1`, `O` as `0`).
    pub fn parse(text: &str) -> Result<Self, SessionIdError> {
        let canonical = Self::canonical_prefix(text)?;
        if canonical.len() != Self::LEN {
            return Err(SessionIdError::Length(canonical.len()));
        }
        Ok(Self(canonical))
    }

    /// Canonicalises a prefix of an id for matching (`show` accepts a unique prefix).
    pub fn canonical_prefix(text: &str) -> Result<String, SessionIdError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SessionIdError::Empty);
        }
        let n = text.chars().count();
        if n > Self::LEN {
            return Err(SessionIdError::Length(n));
        }
        let mut out = String::with_capacity(n);
        for c in text.chars() {
            let u = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                u => u,
            };
            if !u.is_ascii() || !ALPHABET.contains(&(u as u8)) {
                return Err(SessionIdError::Character(c));
            }
            out.push(u);
        }
        if out.as_bytes()[0] > b'7' {
            return Err(SessionIdError::Overflow);
        }
        Ok(out)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The creation time encoded in the id, in Unix milliseconds.
    pub fn unix_ms(&self) -> u64 {
        let mut value: u64 = 0;
        for &b in &self.0.as_bytes()[..10] {
            let digit = ALPHABET.iter().position(|&a| a == b).unwrap_or(0) as u64;
            value = (value << 5) | digit;
        }
        // 26 digits carry 130 bits for 128, so the first 10 digits are two
        // zero bits and then exactly the 48-bit timestamp.
        value
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SessionId {
    type Error = SessionIdError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<SessionId> for String {
    fn from(id: SessionId) -> String {
        id.0
    }
}

impl AsRef<str> for SessionId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_round_trip() {
        let a = SessionId::from_parts(1_700_000_000_000, u128::MAX);
        let b = SessionId::from_parts(1_700_000_000_001, 0);
        assert!(a < b);
        assert_eq!(a.as_str().len(), 26);
        assert_eq!(a.unix_ms(), 1_700_000_000_000);
        assert_eq!(SessionId::parse(&a.as_str().to_lowercase()), Ok(a));
    }

    #[test]
    fn known_ulid_layout() {
        // The ULID spec's example: time 1469918176385 → "01ARYZ6S41".
        let id = SessionId::from_parts(1_469_918_176_385, 0);
        assert_eq!(&id.as_str()[..10], "01ARYZ6S41");
        assert_eq!(&id.as_str()[10..], "0000000000000000");
    }

    #[test]
    fn prefixes_are_checked() {
        assert_eq!(SessionId::canonical_prefix("01ar"), Ok("01AR".into()));
        assert_eq!(SessionId::canonical_prefix("0o1l"), Ok("0011".into()));
        assert_eq!(
            SessionId::canonical_prefix("01U"),
            Err(SessionIdError::Character('U'))
        );
        assert_eq!(SessionId::canonical_prefix(" "), Err(SessionIdError::Empty));
        assert_eq!(
            SessionId::canonical_prefix("8"),
            Err(SessionIdError::Overflow)
        );
        assert!(matches!(
            SessionId::parse("01AR"),
            Err(SessionIdError::Length(4))
        ));
    }
}
