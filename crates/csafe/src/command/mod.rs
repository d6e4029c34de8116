//! Commands as types.
//!
//! Every command of the dictionary is a struct holding its arguments and
//! implementing [`Command`], with a reply type implementing [`ReplyData`].
//! [`AnyCommand`] and [`AnyReply`] hold any of them, for frames that mix
//! commands and for tools that work from names.
//!
//! Ids are only unique per wrapper (`A0` is GETTWORK at the top level but
//! PM_GET_WORKTIME inside `1A`), so every lookup is keyed by (wrapper, id).

#[macro_use]
mod macros;
mod pm_cfg;
mod pm_data;
mod pm_set;
mod public;
mod registry;
mod user_cfg;

pub use pm_cfg::*;
pub use pm_data::*;
pub use pm_set::*;
pub use public::*;
pub(crate) use registry::registry_slot;
pub use registry::{AnyCommand, AnyReply, RawCommand, UnknownReply, all_specs, find, lookup};
pub use user_cfg::*;

use crate::error::{ArgError, FieldError};
use crate::value::{Describe, FieldSpec, Value};
use crate::wire::{ByteOrder, Reader, Writer};

/// Where a command lives: the top level or inside one of the PM wrappers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[repr(u8)]
pub enum Wrapper {
    /// Not wrapped: a public CSAFE command.
    Top = 0,
    /// `1A` SETUSERCFG1: the public PM-specific set, open over USB.
    UserCfg1 = 1,
    /// `76` SETPMCFG: proprietary set-configuration.
    SetPmCfg = 2,
    /// `77` SETPMDATA: proprietary set-data.
    SetPmData = 3,
    /// `7E` GETPMCFG: proprietary get-configuration.
    GetPmCfg = 4,
    /// `7F` GETPMDATA: proprietary get-data.
    GetPmData = 5,
}

impl Wrapper {
    /// All wrappers, top level first.
    pub const ALL: [Wrapper; 6] = [
        Wrapper::Top,
        Wrapper::UserCfg1,
        Wrapper::SetPmCfg,
        Wrapper::SetPmData,
        Wrapper::GetPmCfg,
        Wrapper::GetPmData,
    ];

    /// The wrapper's own command id, or `None` for the top level.
    pub const fn id(self) -> Option<u8> {
        match self {
            Wrapper::Top => None,
            Wrapper::UserCfg1 => Some(0x1A),
            Wrapper::SetPmCfg => Some(0x76),
            Wrapper::SetPmData => Some(0x77),
            Wrapper::GetPmCfg => Some(0x7E),
            Wrapper::GetPmData => Some(0x7F),
        }
    }

    /// The wrapper a top-level id opens, if it is one.
    pub const fn from_id(id: u8) -> Option<Wrapper> {
        match id {
            0x1A => Some(Wrapper::UserCfg1),
            0x76 => Some(Wrapper::SetPmCfg),
            0x77 => Some(Wrapper::SetPmData),
            0x7E => Some(Wrapper::GetPmCfg),
            0x7F => Some(Wrapper::GetPmData),
            _ => None,
        }
    }

    /// `"1A"`, `"7F"`…, or `"top"`.
    pub const fn label(self) -> &'static str {
        match self {
            Wrapper::Top => "top",
            Wrapper::UserCfg1 => "1A",
            Wrapper::SetPmCfg => "76",
            Wrapper::SetPmData => "77",
            Wrapper::GetPmCfg => "7E",
            Wrapper::GetPmData => "7F",
        }
    }

    /// Parses `1A`, `0x7F`, `top`….
    pub fn parse(text: &str) -> Option<Wrapper> {
        let t = text.trim_start_matches("0x").trim_start_matches("0X");
        Wrapper::ALL
            .into_iter()
            .find(|w| w.label().eq_ignore_ascii_case(t))
    }

    /// Order in which a name carried by several wrappers picks its default:
    /// `1A` first (open over USB without authentication), then `7E`/`7F`, then
    /// `76`/`77` (interface.md).
    pub const fn default_rank(self) -> u8 {
        match self {
            Wrapper::Top => 0,
            Wrapper::UserCfg1 => 1,
            Wrapper::GetPmCfg | Wrapper::GetPmData => 2,
            Wrapper::SetPmCfg | Wrapper::SetPmData => 3,
        }
    }
}

impl core::fmt::Display for Wrapper {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.label())
    }
}

/// What sending a command does to the PM, which decides whether a driver may
/// send it again after a timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// Reads without side effects: safe to resend.
    Get,
    /// Reads that consume the PM's buffer (force plot, heartbeat data): a lost
    /// reply loses data, and a resend returns the *next* chunk.
    Drain,
    /// Changes configuration or state: never resent blindly.
    Set,
}

/// Whether a command's data layout is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Fields decoded by type.
    Published,
    /// Unpublished: arguments are raw bytes and replies stay opaque.
    Opaque,
}

/// Static facts about one command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandSpec {
    /// Name as written on the command line (`GETSTATUS`, `PM_GET_WORKTIME`).
    pub name: &'static str,
    /// Wrapper that carries it.
    pub wrapper: Wrapper,
    /// Id inside that wrapper.
    pub id: u8,
    /// Get, drain or set.
    pub access: Access,
    /// Published or opaque layout.
    pub layout: Layout,
    /// Byte order of its multi-byte fields.
    pub order: ByteOrder,
    /// Argument fields.
    pub args: &'static [FieldSpec],
    /// Most argument bytes.
    pub args_max_len: usize,
    /// Reply fields (empty for commands answered by the status byte alone).
    pub reply: &'static [FieldSpec],
    /// Whether the reply carries data (`id n data`).
    pub reply_has_data: bool,
    /// Most reply data bytes.
    pub reply_max_len: usize,
    /// Fewest reply data bytes (equal to the most for fixed layouts).
    pub reply_min_len: usize,
    /// One-line description.
    pub summary: &'static str,
}

impl CommandSpec {
    /// Short commands (id `80` and up) are the id alone; long ones are `id n data`.
    pub const fn is_short(&self) -> bool {
        self.id >= 0x80
    }

    /// `NAME` for the default wrapper, `NAME@7F` otherwise.
    pub fn qualified_name(&self) -> String {
        match find(self.name, None) {
            Ok(default) if default.wrapper == self.wrapper => self.name.to_string(),
            _ => format!("{}@{}", self.name, self.wrapper.label()),
        }
    }

    /// `NAME:arg,arg` usage text.
    pub fn usage(&self) -> String {
        if self.args.is_empty() {
            return self.name.to_string();
        }
        let args: Vec<&str> = self.args.iter().map(|a| a.name).collect();
        format!("{}:{}", self.name, args.join(","))
    }
}

/// A command that can be encoded, and whose reply can be decoded.
pub trait Command: Sized + Clone + PartialEq + core::fmt::Debug {
    /// Static facts.
    const SPEC: CommandSpec;
    /// The typed reply.
    type Reply: ReplyData;

    /// Reads arguments from a request's data bytes.
    fn read_args(r: &mut Reader<'_>) -> Result<Self, FieldError>;
    /// Writes arguments as data bytes.
    fn write_args(&self, w: &mut Writer<'_>);
    /// Parses arguments written as text.
    fn parse_args(args: &[&str]) -> Result<Self, ArgError>;
    /// Lists the arguments.
    fn describe_args(&self, out: &mut dyn FnMut(&'static str, Value<'_>));
    /// Wraps the command.
    fn into_any(self) -> AnyCommand;
    /// Wraps a reply.
    fn wrap_reply(reply: Self::Reply) -> AnyReply;
    /// Unwraps a reply to this command, if it is one.
    fn unwrap_reply(reply: AnyReply) -> Option<Self::Reply>;
    /// Borrows a reply to this command, if it is one.
    fn reply_ref(reply: &AnyReply) -> Option<&Self::Reply>;
}

/// The data of a reply.
pub trait ReplyData: Sized + Clone + PartialEq + core::fmt::Debug + Describe {
    /// Its fields.
    const FIELDS: &'static [FieldSpec];
    /// Whether the PM sends `id n data` for it (false: status byte only).
    const HAS_DATA: bool;
    /// Most data bytes.
    const MAX_LEN: usize;
    /// Fewest data bytes.
    const MIN_LEN: usize;
    /// Reads the reply's data bytes.
    fn read(r: &mut Reader<'_>) -> Result<Self, FieldError>;
    /// Writes the reply's data bytes.
    fn write(&self, w: &mut Writer<'_>);
}

/// The reply to a command answered by the status byte alone (or, inside a
/// wrapper, by an echo of its id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Ack;

impl Describe for Ack {
    fn describe(&self, _out: &mut dyn FnMut(&'static str, Value<'_>)) {}
}

impl ReplyData for Ack {
    const FIELDS: &'static [FieldSpec] = &[];
    const HAS_DATA: bool = false;
    const MAX_LEN: usize = 0;
    const MIN_LEN: usize = 0;
    fn read(_r: &mut Reader<'_>) -> Result<Self, FieldError> {
        Ok(Ack)
    }
    fn write(&self, _w: &mut Writer<'_>) {}
}

/// Reply data of a command whose layout is unpublished: kept byte for byte.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Opaque(pub Vec<u8>);

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Opaque {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let len = u.int_in_range(0..=40)?;
        Ok(Opaque(u.bytes(len)?.to_vec()))
    }
}

impl Describe for Opaque {
    fn describe(&self, out: &mut dyn FnMut(&'static str, Value<'_>)) {
        out("data", Value::Bytes(&self.0));
    }
}

impl ReplyData for Opaque {
    const FIELDS: &'static [FieldSpec] = &[FieldSpec {
        name: "data",
        unit: crate::Unit::Raw,
        hint: "hex",
    }];
    const HAS_DATA: bool = true;
    const MAX_LEN: usize = 255;
    const MIN_LEN: usize = 0;
    fn read(r: &mut Reader<'_>) -> Result<Self, FieldError> {
        Ok(Opaque(r.take_up_to(255).to_vec()))
    }
    fn write(&self, w: &mut Writer<'_>) {
        w.bytes(&self.0);
    }
}
