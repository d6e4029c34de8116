//! What the caller chooses: sample resolution, the SkiErg's activity type,
//! and whether times are written in local time or UTC.

use core::fmt;
use core::str::FromStr;

use crate::Error;

/// How many points the sample arrays get.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// One point per stroke: the last sample at or before the stroke's end
    /// (the next catch), so each point carries the stroke's distance,
    /// power and rate. A session without strokes falls back to [`Resolution::Second`].
    #[default]
    Stroke,
    /// One point per second of elapsed time: the first sample of each second.
    Second,
    /// Every sample the recorder stored (50 Hz): large.
    Full,
}

impl Resolution {
    /// The name on the command line: `stroke`, `1s`, `full`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Stroke => "stroke",
            Self::Second => "1s",
            Self::Full => "full",
        }
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Resolution {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "stroke" => Ok(Self::Stroke),
            "1s" | "second" => Ok(Self::Second),
            "full" => Ok(Self::Full),
            _ => Err(Error::UnknownResolution(s.to_string())),
        }
    }
}

/// A Terra `ActivityType` code (reference §2). Only codes Terra's schema
/// lists can be made, since Terra's validator rejects the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActivityType(u16);

impl ActivityType {
    /// 18 STATIONARY_BIKING: the BikeErg.
    pub const STATIONARY_BIKING: Self = Self(18);
    /// 54 ROWING_MACHINE: the RowErg.
    pub const ROWING_MACHINE: Self = Self(54);
    /// 67 CROSS_COUNTRY_SKIING: the other choice for the SkiErg.
    pub const CROSS_COUNTRY_SKIING: Self = Self(67);
    /// 103 ERGOMETER: the SkiErg by default. Terra has no SkiErg code, and
    /// an indoor machine is closer to "ergometer" than to skiing outdoors.
    pub const ERGOMETER: Self = Self(103);

    /// The code, if Terra's schema lists it (0..=154 without 2, 6, 72,
    /// 107, 109..=112 and 121).
    pub fn new(code: u16) -> Result<Self, Error> {
        let known = code <= 154 && !matches!(code, 2 | 6 | 72 | 107 | 109..=112 | 121);
        if known {
            Ok(Self(code))
        } else {
            Err(Error::UnknownActivityType(code))
        }
    }

    /// The code Terra puts in `metadata.type`.
    pub const fn code(self) -> u16 {
        self.0
    }
}

/// Which clock the timestamps are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TimeBase {
    /// The session's own UTC offset, `timestamp_localization` 1.
    #[default]
    Local,
    /// UTC, written `+00:00`, `timestamp_localization` 0.
    Utc,
}

/// Everything the normaliser can be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Options {
    /// Points in the sample arrays.
    pub resolution: Resolution,
    /// `metadata.type` for SkiErg sessions ([`ActivityType::ERGOMETER`] by default).
    pub skierg_type: ActivityType,
    /// Local time (default) or UTC.
    pub time_base: TimeBase,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            resolution: Resolution::Stroke,
            skierg_type: ActivityType::ERGOMETER,
            time_base: TimeBase::Local,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions_parse() {
        for r in [Resolution::Stroke, Resolution::Second, Resolution::Full] {
            assert_eq!(r.name().parse::<Resolution>().unwrap(), r);
        }
        assert!(matches!(
            "2s".parse::<Resolution>(),
            Err(Error::UnknownResolution(_))
        ));
    }

    #[test]
    fn activity_types_follow_terras_list() {
        assert_eq!(ActivityType::new(103).unwrap(), ActivityType::ERGOMETER);
        assert_eq!(ActivityType::new(67).unwrap().code(), 67);
        for bad in [2, 6, 72, 107, 109, 112, 121, 155, 999] {
            assert!(ActivityType::new(bad).is_err(), "{bad}");
        }
    }
}
