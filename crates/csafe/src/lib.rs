//! # erglink-csafe
//!
//! A sans-IO codec for CSAFE, the protocol of Concept2 Performance Monitors
//! (PM3, PM4, PM5): frames, byte stuffing and checksums, a streaming decoder
//! for HID reports and Bluetooth chunks, and the command dictionary as types.
//!
//! No I/O, no clock, no async runtime: bytes in, typed values out. The
//! transport, the simulator and the recorder build on it.
//!
//! ```
//! use erglink_csafe::{AnyCommand, EncodeOptions, encode_request};
//!
//! let cmd = AnyCommand::parse("PM_GET_FORCEPLOTDATA:20").unwrap();
//! let mut wire = Vec::new();
//! encode_request(&[cmd], &EncodeOptions::default(), &mut wire).unwrap();
//! assert_eq!(wire, [0xF1, 0x1A, 0x03, 0x6B, 0x01, 0x14, 0x67, 0xF2]);
//! ```
//!
//! ## Layers
//! 1. [`frame`]: flags, stuffing (checksum included), XOR checksum.
//! 2. [`FrameDecoder`]: reassembly from arbitrary chunks with resync and loss counts.
//! 3. [`command`]: every command as a type; [`AnyCommand`] / [`AnyReply`] hold any.
//! 4. [`encode_request`] and [`Response`]: request frames out, replies decoded
//!    against the request that was sent.
//!
//! Codes the dictionary does not know are kept (`Unknown(u8)` enum variants,
//! [`RawCommand`], [`UnknownReply`]), so newer firmware never breaks decoding.

#![forbid(unsafe_code)]

pub mod args;
pub mod byte_order;
pub mod command;
mod decoder;
mod encode;
pub mod enums;
mod error;
pub mod frame;
pub mod request;
pub mod response;
mod scan;
pub mod status;
pub mod value;
pub mod wire;
pub mod workout;

pub use args::{format_hex, parse_hex};
pub use command::{
    Access, AnyCommand, AnyReply, Command, CommandSpec, Layout, RawCommand, ReplyData,
    UnknownReply, Wrapper,
};
pub use decoder::{DecodeEvent, DecoderStats, FrameDecoder, decode_stream};
pub use encode::{
    EncodeOptions, EncodedRequest, ReplyBuilder, encode_contents, encode_request,
    split_into_frames, worst_case_reply_len,
};
pub use enums::*;
pub use error::{ArgError, EncodeError, FieldError, FrameError};
pub use frame::{DEFAULT_MAX_FRAME, Frame, FrameKind, FrameRef};
pub use request::{DecodedRequest, RequestShape, decode_request};
pub use response::{Issue, Outcome, Reply, Response, ResponseError};
pub use status::{PrevFrameStatus, State, Status};
pub use value::{Describe, FieldSpec, Unit, Value};
pub use workout::WorkoutError;
