//! The macro that turns one line of the dictionary into a command type.
//!
//! ```text
//! define_command! {
//!     /// Summary line.
//!     SetHorizontal = "SETHORIZONTAL", Top 0x21, Set;
//!     args { distance: u16, units: UnitsSpecifier }
//!     reply Ack
//! }
//! ```
//!
//! `reply Name { field: Type [Unit], … }` defines a new reply struct;
//! `reply Name` alone reuses an existing [`ReplyData`](super::ReplyData) type.
//! A `[Unit]` after a field's type names the unit of its raw value
//! ([`crate::Unit`]); fields without one are plain numbers or codes.

macro_rules! unit_or_raw {
    () => {
        $crate::value::Unit::Raw
    };
    ($unit:ident) => {
        $crate::value::Unit::$unit
    };
}

macro_rules! define_reply {
    ($name:literal, $reply:ident { $($field:ident : $fty:ty $([$funit:ident])?),* $(,)? }) => {
        #[doc = concat!("Reply to `", $name, "`.")]
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub struct $reply {
            $(
                #[doc = concat!("`", stringify!($field), "` (", stringify!($fty), $(", unit ", stringify!($funit),)? ").")]
                pub $field: $fty,
            )*
        }

        impl $crate::value::Describe for $reply {
            fn describe(&self, out: &mut dyn FnMut(&'static str, $crate::value::Value<'_>)) {
                $(
                    out(
                        stringify!($field),
                        $crate::wire::Wire::value(&self.$field).with_unit(unit_or_raw!($($funit)?)),
                    );
                )*
            }
        }

        impl $crate::command::ReplyData for $reply {
            const FIELDS: &'static [$crate::value::FieldSpec] = &[
                $($crate::value::FieldSpec {
                    name: stringify!($field),
                    unit: unit_or_raw!($($funit)?),
                    hint: <$fty as $crate::wire::Wire>::HINT,
                },)*
            ];
            const HAS_DATA: bool = true;
            const MAX_LEN: usize = 0 $(+ <$fty as $crate::wire::Wire>::MAX_LEN)*;
            const MIN_LEN: usize = 0 $(+ <$fty as $crate::wire::Wire>::MIN_LEN)*;
            fn read(r: &mut $crate::wire::Reader<'_>) -> Result<Self, $crate::FieldError> {
                Ok(Self {
                    $($field: <$fty as $crate::wire::Wire>::read(r, stringify!($field))?,)*
                })
            }
            fn write(&self, w: &mut $crate::wire::Writer<'_>) {
                $($crate::wire::Wire::write(&self.$field, w);)*
            }
        }
    };
}

macro_rules! define_command {
    (
        $(#[doc = $doc:literal])*
        $ty:ident = $name:literal, $wrapper:ident $id:literal, $access:ident $(, $layout:ident)?;
        args { $($arg:ident : $aty:ty $([$aunit:ident])?),* $(,)? }
        reply $reply:ident $({ $($field:ident : $fty:ty $([$funit:ident])?),* $(,)? })?
    ) => {
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = concat!("`", $name, "`: wrapper ", stringify!($wrapper), ", id `", stringify!($id), "`.")]
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub struct $ty {
            $(
                #[doc = concat!("`", stringify!($arg), "` (", stringify!($aty), $(", unit ", stringify!($aunit),)? ").")]
                pub $arg: $aty,
            )*
        }

        $( define_reply!($name, $reply { $($field : $fty $([$funit])?),* }); )?

        impl $crate::command::Command for $ty {
            const SPEC: $crate::command::CommandSpec = $crate::command::CommandSpec {
                name: $name,
                wrapper: $crate::command::Wrapper::$wrapper,
                id: $id,
                access: $crate::command::Access::$access,
                layout: define_command!(@layout $($layout)?),
                order: $crate::byte_order::byte_order($crate::command::Wrapper::$wrapper, $id),
                args: &[
                    $($crate::value::FieldSpec {
                        name: stringify!($arg),
                        unit: unit_or_raw!($($aunit)?),
                        hint: <$aty as $crate::wire::Wire>::HINT,
                    },)*
                ],
                args_max_len: 0 $(+ <$aty as $crate::wire::Wire>::MAX_LEN)*,
                reply: <$reply as $crate::command::ReplyData>::FIELDS,
                reply_has_data: <$reply as $crate::command::ReplyData>::HAS_DATA,
                reply_max_len: <$reply as $crate::command::ReplyData>::MAX_LEN,
                reply_min_len: <$reply as $crate::command::ReplyData>::MIN_LEN,
                summary: concat!($($doc),*),
            };
            type Reply = $reply;

            #[allow(unused_variables)]
            fn read_args(r: &mut $crate::wire::Reader<'_>) -> Result<Self, $crate::FieldError> {
                Ok(Self {
                    $($arg: <$aty as $crate::wire::Wire>::read(r, stringify!($arg))?,)*
                })
            }

            #[allow(unused_variables)]
            fn write_args(&self, w: &mut $crate::wire::Writer<'_>) {
                $($crate::wire::Wire::write(&self.$arg, w);)*
            }

            #[allow(unused_variables, unused_mut)]
            fn parse_args(args: &[&str]) -> Result<Self, $crate::ArgError> {
                const NAMES: &[&str] = &[$(stringify!($arg)),*];
                if args.len() != NAMES.len() {
                    return Err($crate::ArgError::Count {
                        name: $name.into(),
                        expected: NAMES.len(),
                        got: args.len(),
                        usage: <Self as $crate::command::Command>::SPEC.usage(),
                    });
                }
                let mut it = args.iter();
                Ok(Self {
                    $($arg: <$aty as $crate::wire::Wire>::parse_arg(it.next().expect("count checked"))
                        .map_err(|why| $crate::ArgError::Value {
                            name: $name.into(),
                            field: stringify!($arg),
                            why,
                        })?,)*
                })
            }

            #[allow(unused_variables)]
            fn describe_args(&self, out: &mut dyn FnMut(&'static str, $crate::value::Value<'_>)) {
                $(
                    out(
                        stringify!($arg),
                        $crate::wire::Wire::value(&self.$arg).with_unit(unit_or_raw!($($aunit)?)),
                    );
                )*
            }

            fn into_any(self) -> $crate::command::AnyCommand {
                $crate::command::AnyCommand::$ty(self)
            }

            fn wrap_reply(reply: $reply) -> $crate::command::AnyReply {
                $crate::command::AnyReply::$ty(reply)
            }

            fn unwrap_reply(reply: $crate::command::AnyReply) -> Option<$reply> {
                match reply {
                    $crate::command::AnyReply::$ty(r) => Some(r),
                    _ => None,
                }
            }

            fn reply_ref(reply: &$crate::command::AnyReply) -> Option<&$reply> {
                match reply {
                    $crate::command::AnyReply::$ty(r) => Some(r),
                    _ => None,
                }
            }
        }

        impl From<$ty> for $crate::command::AnyCommand {
            fn from(c: $ty) -> Self {
                $crate::command::AnyCommand::$ty(c)
            }
        }
    };
    (@layout) => { $crate::command::Layout::Published };
    (@layout $layout:ident) => { $crate::command::Layout::$layout };
}

/// A getter without arguments: `get! { Type = "NAME", Wrapper 0xID => Reply { … } }`.
macro_rules! get {
    (
        $(#[doc = $doc:literal])*
        $ty:ident = $name:literal, $wrapper:ident $id:literal $(, $layout:ident)? => $reply:ident $({ $($body:tt)* })?
    ) => {
        define_command! {
            $(#[doc = $doc])*
            $ty = $name, $wrapper $id, Get $(, $layout)?;
            args {}
            reply $reply $({ $($body)* })?
        }
    };
}
