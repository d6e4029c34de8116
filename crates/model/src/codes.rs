//! Enumerations that erglink defines itself. Their codes are persisted, so a
//! code is never reused for another meaning; new variants get new codes.

use serde::{Deserialize, Serialize};

macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[doc = $vdoc:literal])* $variant:ident = $code:literal => $text:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[doc = $vdoc])* #[doc = concat!("Code ", stringify!($code), ", `", $text, "`.")] $variant, )*
        }

        impl $name {
            /// Every variant, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable code the store persists.
            pub const fn code(self) -> u8 {
                match self {
                    $( $name::$variant => $code, )*
                }
            }

            /// The variant with this code, if any.
            pub const fn from_code(code: u8) -> Option<Self> {
                match code {
                    $( $code => Some($name::$variant), )*
                    _ => None,
                }
            }

            /// The name shown to people and in JSON.
            pub const fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )*
                }
            }

            /// Parses a name, ignoring case.
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.name().eq_ignore_ascii_case(text))
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

code_enum! {
    /// Where a session's data came from (interface.md: `usb`, `sim`, `replay`).
    pub enum Source {
        /// A real monitor over USB (hidapi or libusb).
        Usb = 0 => "usb",
        /// The built-in simulator. Exports name the device "Simulated PM5" etc.
        Sim = 1 => "sim",
        /// A transcript played back as a device.
        Replay = 2 => "replay",
    }
}

code_enum! {
    /// The kind of ergometer the monitor sits on.
    pub enum Machine {
        /// Concept2 RowErg (Model C, D, E, Dynamic).
        RowErg = 0 => "RowErg",
        /// Concept2 SkiErg.
        SkiErg = 1 => "SkiErg",
        /// Concept2 BikeErg.
        BikeErg = 2 => "BikeErg",
    }
}

code_enum! {
    /// The Performance Monitor generation. Codes match the model number.
    pub enum PmModel {
        /// PM3.
        Pm3 = 3 => "PM3",
        /// PM4.
        Pm4 = 4 => "PM4",
        /// PM5.
        Pm5 = 5 => "PM5",
    }
}

code_enum! {
    /// Where a session is in its life.
    pub enum SessionState {
        /// The recorder is writing it, or was when it crashed (see `Interrupted`).
        Recording = 0 => "recording",
        /// The recorder ended it normally.
        Complete = 1 => "complete",
        /// Found `recording` with no live writer: the recorder died. Its data is kept.
        Interrupted = 2 => "interrupted",
    }
}

code_enum! {
    /// Why data is missing for a stretch of a session.
    pub enum GapKind {
        /// The monitor went away from the bus.
        Unplugged = 0 => "unplugged",
        /// The monitor stayed attached but stopped answering.
        TimedOut = 1 => "timed_out",
    }
}

code_enum! {
    /// A row of a workout's per-segment summary.
    pub enum SplitKind {
        /// A split of a continuous piece (e.g. each 500 m of a 2000 m).
        Split = 0 => "split",
        /// A work interval of an interval workout, with its rest.
        Interval = 1 => "interval",
    }
}

code_enum! {
    /// Direction of a raw USB report.
    pub enum Direction {
        /// Host to monitor (an output report).
        Tx = 0 => "tx",
        /// Monitor to host (an input report).
        Rx = 1 => "rx",
    }
}

code_enum! {
    /// Where a session's export to one destination stands (the export ledger).
    pub enum ExportState {
        /// Not delivered yet; more attempts will be made.
        Pending = 0 => "pending",
        /// The destination accepted it.
        Delivered = 1 => "delivered",
        /// Attempts stopped without delivery.
        Failed = 2 => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_names_parse() {
        for &s in SessionState::ALL {
            assert_eq!(SessionState::from_code(s.code()), Some(s));
            assert_eq!(SessionState::parse(&s.name().to_uppercase()), Some(s));
        }
        assert_eq!(PmModel::from_code(5), Some(PmModel::Pm5));
        assert_eq!(PmModel::from_code(6), None);
        assert_eq!(Source::Sim.to_string(), "sim");
    }
}
