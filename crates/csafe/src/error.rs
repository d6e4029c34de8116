//! The codec's error types. All are `Clone + PartialEq` so tests and callers can
//! match on them.

use thiserror::Error;

/// A frame could not be built or taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// The frame would exceed the maximum frame size.
    #[error("frame is {len} bytes on the wire, more than the maximum of {max}")]
    TooLarge {
        /// Wire length, flags and stuffing included.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// No start flag (`F0`/`F1`) in the input.
    #[error("no start flag (F0 or F1) found")]
    NoStart,
    /// The input ended before a stop flag.
    #[error("frame has no stop flag (F2): truncated, perhaps by a report too small for it")]
    Truncated,
    /// A start or stop flag where none belonged.
    #[error("unexpected flag {byte:#04X} inside a frame")]
    StrayFlag {
        /// The flag found.
        byte: u8,
    },
    /// `F3` followed by something other than `00..=03`.
    #[error("bad escape: F3 followed by {byte:#04X}")]
    BadEscape {
        /// The byte after `F3`.
        byte: u8,
    },
    /// The checksum did not match.
    #[error("bad checksum: computed {expected:#04X}, frame carries {found:#04X}")]
    BadChecksum {
        /// XOR of the contents.
        expected: u8,
        /// The frame's checksum byte.
        found: u8,
    },
    /// Nothing between the flags (a reply needs at least its status byte).
    #[error("frame has no contents")]
    Empty,
}

/// A command list could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// Framing failed (the frame is too large).
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A long command's data, or a wrapper's contents, exceeds 255 bytes.
    #[error("{what} carries {len} bytes; a CSAFE byte count stops at 255")]
    CountOverflow {
        /// The command or wrapper.
        what: String,
        /// Its unstuffed length.
        len: usize,
    },
    /// A short command (id 0x80 and up) cannot carry data.
    #[error("{name} is a short command (id {id:#04X}) and takes no data")]
    ShortWithData {
        /// Command name.
        name: String,
        /// Its id.
        id: u8,
    },
    /// The command list is empty.
    #[error("no commands to encode")]
    Empty,
}

/// A field could not be read from a command's or reply's data bytes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FieldError {
    /// The data ended early.
    #[error("{needed} more byte(s) needed for field `{field}`")]
    Short {
        /// Field being read.
        field: &'static str,
        /// Bytes missing.
        needed: usize,
    },
    /// Bytes left after the last field.
    #[error("{extra} unexpected byte(s) after the last field")]
    Trailing {
        /// How many.
        extra: usize,
    },
}

/// A command written as text (`NAME:ARG,ARG`) could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArgError {
    /// No command has this name.
    #[error("unknown command `{0}`")]
    UnknownCommand(String),
    /// The `@` suffix names a wrapper that does not carry the command.
    #[error("`{name}` is not carried by wrapper {wrapper}; it is carried by {available}")]
    WrongWrapper {
        /// Command name.
        name: String,
        /// Wrapper asked for.
        wrapper: String,
        /// Wrappers that carry it.
        available: String,
    },
    /// Wrong number of arguments.
    #[error("{name} takes {expected} argument(s) ({usage}), got {got}")]
    Count {
        /// Command name.
        name: String,
        /// Expected count.
        expected: usize,
        /// Given count.
        got: usize,
        /// Argument names.
        usage: String,
    },
    /// One argument is malformed.
    #[error("{name}: argument `{field}`: {why}")]
    Value {
        /// Command name.
        name: String,
        /// Field name.
        field: &'static str,
        /// What was wrong.
        why: String,
    },
    /// Bad hex.
    #[error("{0}")]
    Hex(String),
}
