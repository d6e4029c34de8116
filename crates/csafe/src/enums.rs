//! The enumerations of reference §5.8, and the CSAFE units specifiers.
//!
//! Every enum keeps values it does not know in an `Unknown(u8)` variant, so a
//! newer firmware never makes a reply undecodable.

/// Defines a one-byte CSAFE enumeration with names, aliases and `Unknown(u8)`.
macro_rules! csafe_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[doc = $vdoc:literal])* $variant:ident = $value:literal => $text:literal $(| $alias:literal)* ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[doc = $vdoc])* #[doc = concat!("Code ", stringify!($value), ".")] $variant, )*
            /// A value this codec does not know.
            Unknown(u8),
        }

        impl $name {
            /// Every known variant, in code order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// Decodes a byte; unknown values are kept.
            #[inline]
            pub const fn from_u8(code: u8) -> Self {
                match code {
                    $( $value => $name::$variant, )*
                    other => $name::Unknown(other),
                }
            }

            /// The wire byte.
            #[inline]
            pub const fn to_u8(self) -> u8 {
                match self {
                    $( $name::$variant => $value, )*
                    $name::Unknown(code) => code,
                }
            }

            /// The display name, or `None` for an unknown value.
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $( $name::$variant => Some($text), )*
                    $name::Unknown(_) => None,
                }
            }

            /// Parses a name or alias (ignoring case), or a number (decimal or `0x` hex).
            pub fn parse(text: &str) -> Option<Self> {
                if let Some(code) = $crate::args::parse_uint(text) {
                    return u8::try_from(code).ok().map(Self::from_u8);
                }
                $(
                    if text.eq_ignore_ascii_case($text) $(|| text.eq_ignore_ascii_case($alias))* {
                        return Some($name::$variant);
                    }
                )*
                None
            }

            /// The names accepted by [`Self::parse`], for help texts.
            pub fn names() -> &'static [&'static str] {
                &[$($text),*]
            }
        }

        impl From<u8> for $name {
            fn from(code: u8) -> Self {
                Self::from_u8(code)
            }
        }

        impl From<$name> for u8 {
            fn from(value: $name) -> u8 {
                value.to_u8()
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "Unknown({})", self.to_u8()),
                }
            }
        }

        #[cfg(feature = "arbitrary")]
        impl<'a> arbitrary::Arbitrary<'a> for $name {
            // Through the byte, so that `Unknown(3)` is never generated for a
            // code that has a name: the round trip must be exact.
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                Ok(Self::from_u8(u.arbitrary()?))
            }
            fn size_hint(_depth: usize) -> (usize, Option<usize>) {
                (1, Some(1))
            }
        }

        impl $crate::wire::Wire for $name {
            const MAX_LEN: usize = 1;
            fn read(r: &mut $crate::wire::Reader<'_>, field: &'static str) -> Result<Self, $crate::FieldError> {
                r.u8(field).map(Self::from_u8)
            }
            fn write(&self, w: &mut $crate::wire::Writer<'_>) {
                w.u8(self.to_u8());
            }
            fn value(&self) -> $crate::value::Value<'_> {
                $crate::value::Value::Enum { code: u32::from(self.to_u8()), name: self.name() }
            }
            fn parse_arg(text: &str) -> Result<Self, String> {
                Self::parse(text).ok_or_else(|| {
                    format!("`{text}` is not a number or one of: {}", Self::names().join(", "))
                })
            }
            const HINT: &'static str = stringify!($name);
        }
    };
}

pub(crate) use csafe_enum;

csafe_enum! {
    /// Workout type (`PM_GET_WORKOUTTYPE`, `PM_SET_WORKOUTTYPE`).
    pub enum WorkoutType {
        JustRowNoSplits = 0 => "JustRowNoSplits" | "justrow",
        JustRowSplits = 1 => "JustRowSplits",
        FixedDistanceNoSplits = 2 => "FixedDistanceNoSplits",
        FixedDistanceSplits = 3 => "FixedDistanceSplits" | "distance",
        FixedTimeNoSplits = 4 => "FixedTimeNoSplits",
        FixedTimeSplits = 5 => "FixedTimeSplits" | "time",
        FixedTimeInterval = 6 => "FixedTimeInterval",
        FixedDistanceInterval = 7 => "FixedDistanceInterval",
        VariableInterval = 8 => "VariableInterval",
        VariableUndefinedRestInterval = 9 => "VariableUndefinedRestInterval",
        FixedCalorie = 10 => "FixedCalorie",
        FixedWattMinutes = 11 => "FixedWattMinutes",
        FixedCalorieInterval = 12 => "FixedCalorieInterval",
    }
}

csafe_enum! {
    /// Interval type.
    pub enum IntervalType {
        Time = 0 => "Time",
        Distance = 1 => "Distance",
        Rest = 2 => "Rest",
        TimeUndefinedRest = 3 => "TimeUndefinedRest",
        DistanceUndefinedRest = 4 => "DistanceUndefinedRest",
        UndefinedRest = 5 => "UndefinedRest",
        Calorie = 6 => "Calorie",
        CalorieUndefinedRest = 7 => "CalorieUndefinedRest",
        WattMinute = 8 => "WattMinute",
        WattMinuteUndefinedRest = 9 => "WattMinuteUndefinedRest",
        None = 255 => "None",
    }
}

csafe_enum! {
    /// Workout state.
    pub enum WorkoutState {
        WaitToBegin = 0 => "WaitToBegin",
        WorkoutRow = 1 => "WorkoutRow",
        CountdownPause = 2 => "CountdownPause",
        IntervalRest = 3 => "IntervalRest",
        IntervalWorkTime = 4 => "IntervalWorkTime",
        IntervalWorkDistance = 5 => "IntervalWorkDistance",
        IntervalRestEndToWorkTime = 6 => "IntervalRestEndToWorkTime",
        IntervalRestEndToWorkDistance = 7 => "IntervalRestEndToWorkDistance",
        IntervalWorkTimeToRest = 8 => "IntervalWorkTimeToRest",
        IntervalWorkDistanceToRest = 9 => "IntervalWorkDistanceToRest",
        WorkoutEnd = 10 => "WorkoutEnd",
        Terminate = 11 => "Terminate",
        WorkoutLogged = 12 => "WorkoutLogged",
        Rearm = 13 => "Rearm",
    }
}

csafe_enum! {
    /// Rowing state.
    pub enum RowingState {
        Inactive = 0 => "Inactive",
        Active = 1 => "Active",
    }
}

csafe_enum! {
    /// Stroke state. The end of a stroke is Driving → Dwelling (or → Recovery,
    /// since Dwelling is short enough for a poller to miss).
    pub enum StrokeState {
        WaitingForWheelToReachMinSpeed = 0 => "WaitingForWheelToReachMinSpeed" | "waitmin",
        WaitingForWheelToAccelerate = 1 => "WaitingForWheelToAccelerate" | "waitaccel",
        Driving = 2 => "Driving",
        DwellingAfterDrive = 3 => "DwellingAfterDrive" | "dwelling",
        Recovery = 4 => "Recovery",
    }
}

csafe_enum! {
    /// Duration type of a workout, split or interval. Watt-minutes is `C0` per
    /// the enum and rev 0.27 (rev 0.25 says `60`; conflict noted in §5.8).
    pub enum DurationType {
        Time = 0x00 => "Time",
        Calories = 0x40 => "Calories" | "cal",
        Distance = 0x80 => "Distance",
        WattMinutes = 0xC0 => "WattMinutes",
    }
}

csafe_enum! {
    /// Erg machine type.
    pub enum ErgMachineType {
        StaticD = 0 => "StaticD",
        StaticC = 1 => "StaticC",
        StaticA = 2 => "StaticA",
        StaticB = 3 => "StaticB",
        StaticE = 5 => "StaticE",
        StaticSimulator = 7 => "StaticSimulator",
        StaticDynamic = 8 => "StaticDynamic",
        SlidesA = 16 => "SlidesA",
        SlidesB = 17 => "SlidesB",
        SlidesC = 18 => "SlidesC",
        SlidesD = 19 => "SlidesD",
        SlidesE = 20 => "SlidesE",
        SlidesDynamic = 32 => "SlidesDynamic",
        StaticDyno = 64 => "StaticDyno",
        StaticSki = 128 => "StaticSki",
        SkiSimulator = 143 => "SkiSimulator",
        Bike = 192 => "Bike",
        BikeArms = 193 => "BikeArms",
        BikeNoArms = 194 => "BikeNoArms",
        BikeSimulator = 207 => "BikeSimulator",
        MultiErgRow = 224 => "MultiErgRow",
        MultiErgSki = 225 => "MultiErgSki",
        MultiErgBike = 226 => "MultiErgBike",
    }
}

csafe_enum! {
    /// Operational state.
    pub enum OperationalState {
        Reset = 0 => "Reset",
        Ready = 1 => "Ready",
        Workout = 2 => "Workout",
        WarmUp = 3 => "WarmUp",
        Race = 4 => "Race",
        PowerOff = 5 => "PowerOff",
        Pause = 6 => "Pause",
        InvokeBootLoader = 7 => "InvokeBootLoader",
        PowerOffShip = 8 => "PowerOffShip",
        IdleCharge = 9 => "IdleCharge",
        Idle = 10 => "Idle",
        MfgTest = 11 => "MfgTest",
        FwUpdate = 12 => "FwUpdate",
        DragFactor = 13 => "DragFactor",
        DfCalibration = 100 => "DfCalibration",
    }
}

csafe_enum! {
    /// Screen type (`PM_SET_SCREENSTATE`).
    pub enum ScreenType {
        None = 0 => "None",
        Workout = 1 => "Workout",
        Race = 2 => "Race",
        Csafe = 3 => "Csafe",
        Diagnostic = 4 => "Diagnostic",
        Manufacturing = 5 => "Manufacturing",
    }
}

csafe_enum! {
    /// Workout screen values (screen type Workout).
    pub enum WorkoutScreenValue {
        PrepareToRowWorkout = 1 => "PrepareToRowWorkout" | "prepare",
        TerminateWorkout = 2 => "TerminateWorkout" | "terminate",
        RearmWorkout = 3 => "RearmWorkout" | "rearm",
        RefreshLogCard = 4 => "RefreshLogCard",
        PrepareToRaceStart = 5 => "PrepareToRaceStart",
        GoToMainScreen = 6 => "GoToMainScreen",
        GoToUsbWaitReady = 37 => "GoToUsbWaitReady",
        Redraw = 255 => "Redraw",
    }
}

csafe_enum! {
    /// CSAFE units specifiers.
    pub enum UnitsSpecifier {
        Kilometre = 0x21 => "Kilometre" | "km" | "kilometer",
        Metre = 0x24 => "Metre" | "m" | "meter" | "metres" | "meters",
        Decimetre = 0x25 => "Decimetre" | "dm",
        Pound = 0x07 => "Pound" | "lb",
        Kilogram = 0x27 => "Kilogram" | "kg",
        KmPerHour = 0x30 => "KmPerHour" | "kmh",
        MetrePerMinute = 0x33 => "MetrePerMinute",
        MinPerKm = 0x38 => "MinPerKm",
        SecPerKm = 0x39 => "SecPerKm",
        SecPerMile = 0x3A => "SecPerMile",
        Strokes = 0x46 => "Strokes",
        Kcal = 0x48 => "Kcal",
        StrokesPerMinute = 0x54 => "StrokesPerMinute" | "spm",
        Bpm = 0x55 => "Bpm",
        CalPerMinute = 0x56 => "CalPerMinute",
        CalPerHour = 0x57 => "CalPerHour",
        Watt = 0x58 => "Watt" | "w" | "watts",
    }
}

csafe_enum! {
    /// Erg model.
    pub enum ErgModel {
        ModelDE = 0 => "ModelDE",
        ModelCB = 1 => "ModelCB",
        ModelA = 2 => "ModelA",
    }
}

csafe_enum! {
    /// Units type of `GETUNITS`.
    pub enum UnitsType {
        Metric = 0 => "Metric",
        Imperial = 1 => "Imperial",
    }
}

csafe_enum! {
    /// Gender in user information.
    pub enum Gender {
        Male = 0 => "Male",
        Female = 1 => "Female",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_are_kept() {
        assert_eq!(WorkoutType::from_u8(200), WorkoutType::Unknown(200));
        assert_eq!(WorkoutType::Unknown(200).to_u8(), 200);
        assert_eq!(StrokeState::from_u8(2), StrokeState::Driving);
    }

    #[test]
    fn parse_by_name_alias_or_number() {
        assert_eq!(UnitsSpecifier::parse("metre"), Some(UnitsSpecifier::Metre));
        assert_eq!(UnitsSpecifier::parse("METER"), Some(UnitsSpecifier::Metre));
        assert_eq!(UnitsSpecifier::parse("36"), Some(UnitsSpecifier::Metre));
        assert_eq!(UnitsSpecifier::parse("0x24"), Some(UnitsSpecifier::Metre));
        assert_eq!(UnitsSpecifier::parse("furlong"), None);
        assert_eq!(UnitsSpecifier::parse("300"), None);
    }
}
