//! Field values as a consumer sees them: raw device integers plus the unit they
//! are counted in, so a printer can show SI quantities without the codec
//! depending on any serialisation crate.

/// The unit a raw field value is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    /// A count, code or value without a unit.
    Raw,
    /// 0.01 s.
    Centiseconds,
    /// 1 s.
    Seconds,
    /// 1 ms.
    Milliseconds,
    /// 0.1 s.
    Deciseconds,
    /// 0.1 m.
    Decimetres,
    /// 0.01 m.
    Centimetres,
    /// 1 m.
    Metres,
    /// Watts.
    Watts,
    /// Kilocalories.
    Kcal,
    /// Kilocalories per hour.
    KcalPerHour,
    /// Beats per minute.
    Bpm,
    /// Strokes per minute.
    Spm,
    /// Revolutions per minute.
    Rpm,
    /// 0.01 s per 500 m.
    CentisecondsPer500m,
    /// 0.1 lbf, as in the stroke statistics.
    TenthLbf,
    /// Whole lbf. The CSAFE force-plot unit is undocumented; the spec's sample
    /// values fit whole lbf. Left unconverted so nothing is invented.
    Lbf,
    /// 0.1 J.
    TenthJoules,
    /// 0.001 m/s.
    MillimetresPerSecond,
    /// Percent.
    Percent,
}

const LBF_IN_N: f64 = 4.448_221_615_260_5;

impl Unit {
    /// Suffix for a JSON key holding the SI value (`distance` → `distance_m`).
    pub const fn key_suffix(self) -> &'static str {
        match self {
            Unit::Raw => "",
            Unit::Centiseconds | Unit::Seconds | Unit::Milliseconds | Unit::Deciseconds => "_s",
            Unit::Decimetres | Unit::Centimetres | Unit::Metres => "_m",
            Unit::Watts => "_w",
            Unit::Kcal => "_kcal",
            Unit::KcalPerHour => "_kcal_per_h",
            Unit::Bpm => "_bpm",
            Unit::Spm => "_spm",
            Unit::Rpm => "_rpm",
            Unit::CentisecondsPer500m => "_s_per_500m",
            Unit::TenthLbf => "_n",
            Unit::Lbf => "_lbf",
            Unit::TenthJoules => "_j",
            Unit::MillimetresPerSecond => "_m_per_s",
            Unit::Percent => "_pct",
        }
    }

    /// Symbol for human-readable output.
    pub const fn symbol(self) -> &'static str {
        match self {
            Unit::Raw => "",
            Unit::Centiseconds | Unit::Seconds | Unit::Milliseconds | Unit::Deciseconds => "s",
            Unit::Decimetres | Unit::Centimetres | Unit::Metres => "m",
            Unit::Watts => "W",
            Unit::Kcal => "kcal",
            Unit::KcalPerHour => "kcal/h",
            Unit::Bpm => "bpm",
            Unit::Spm => "spm",
            Unit::Rpm => "rpm",
            Unit::CentisecondsPer500m => "s/500m",
            Unit::TenthLbf => "N",
            Unit::Lbf => "lbf",
            Unit::TenthJoules => "J",
            Unit::MillimetresPerSecond => "m/s",
            Unit::Percent => "%",
        }
    }

    /// Multiplier from the raw value to the SI value named by the suffix.
    pub const fn scale(self) -> f64 {
        match self {
            Unit::Centiseconds | Unit::Centimetres | Unit::CentisecondsPer500m => 0.01,
            Unit::Milliseconds | Unit::MillimetresPerSecond => 0.001,
            Unit::Decimetres | Unit::Deciseconds | Unit::TenthJoules => 0.1,
            Unit::TenthLbf => LBF_IN_N / 10.0,
            _ => 1.0,
        }
    }

    /// Whether the SI value is the raw integer unchanged.
    pub const fn is_identity(self) -> bool {
        matches!(
            self,
            Unit::Raw
                | Unit::Seconds
                | Unit::Metres
                | Unit::Watts
                | Unit::Kcal
                | Unit::KcalPerHour
                | Unit::Bpm
                | Unit::Spm
                | Unit::Rpm
                | Unit::Lbf
                | Unit::Percent
        )
    }
}

/// One decoded field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// An unsigned integer in `unit`.
    Uint {
        /// Raw device value.
        raw: u64,
        /// Its unit.
        unit: Unit,
    },
    /// A 32-bit float as sent (`TICK_TIMEBASE`, `SYNC_DATA`).
    Float(f32),
    /// An enumeration value.
    Enum {
        /// Wire code.
        code: u32,
        /// Name, if known.
        name: Option<&'static str>,
    },
    /// ASCII text (serials, ids), kept as bytes in case it is not ASCII.
    Text(&'a [u8]),
    /// Bytes with no known structure.
    Bytes(&'a [u8]),
    /// 16-bit samples (force plot, heartbeat data) in `unit`.
    Samples {
        /// Raw samples.
        raw: &'a [u16],
        /// Their unit.
        unit: Unit,
    },
}

impl Value<'_> {
    /// The same value counted in `unit` (integers and samples only).
    pub fn with_unit(self, unit: Unit) -> Self {
        match self {
            Value::Uint { raw, .. } => Value::Uint { raw, unit },
            Value::Samples { raw, .. } => Value::Samples { raw, unit },
            other => other,
        }
    }
}

/// Static description of one field, for help texts and completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// Field name (snake case, without unit suffix).
    pub name: &'static str,
    /// Unit of the raw value.
    pub unit: Unit,
    /// Type hint (`u16`, `UnitsSpecifier`, `ascii≤9`, …).
    pub hint: &'static str,
}

/// Anything that can list its fields.
pub trait Describe {
    /// Calls `out` with each field's name and value, in wire order.
    fn describe(&self, out: &mut dyn FnMut(&'static str, Value<'_>));
}
