//! The readings of the protocol's unknowns (csafe.md "unknown"), each one a
//! simulator option, so that the recorder can be tested under every plausible
//! behaviour of a real monitor rather than under one guess. Every default is
//! the behaviour the simulator had before the option existed.

/// GETPACE's value. All three readings send the units byte 0x39, so the byte
/// cannot tell them apart (csafe.md §9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PaceUnits {
    /// Whole seconds per km (`s_km`).
    #[default]
    SecondsPerKm,
    /// Whole seconds per 500 m (`s_500m`).
    SecondsPer500m,
    /// Hundredths of a second per 500 m (`cs_500m`).
    CentisecondsPer500m,
}

/// When stroke statistics (`1A`/`6E`) describe the stroke just driven.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StatsTiming {
    /// Published at the end of the drive (`drive`).
    #[default]
    Drive,
    /// Published at the start of the recovery (`recovery`).
    Recovery,
    /// One stroke late (`late`): published once the stroke's cycle is over
    /// (the next catch), so that after its drive they still describe the
    /// stroke before.
    Late,
}

/// What `7E`/`7F` getters get over USB without authentication.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Proprietary {
    /// Answered (`answer`).
    #[default]
    Answer,
    /// Every one refused: the frame gets previous-frame Reject (`refuse`).
    Refuse,
    /// Every one never answered: the frame gets no reply at all (`silent`).
    Silent,
    /// The listed ids (inside `7E`/`7F`) refused (`refuse:ID,ID`).
    RefuseIds(Vec<u8>),
    /// The listed ids never answered (`silent:ID,ID`).
    SilentIds(Vec<u8>),
}

/// What the PM does with a proprietary getter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Answers it.
    Answer,
    /// Rejects the frame.
    Refuse,
    /// Never answers the frame.
    Silent,
}

impl Proprietary {
    /// What the PM does with proprietary getter `id` (inside `7E` or `7F`).
    pub fn gate(&self, id: u8) -> Gate {
        match self {
            Proprietary::Answer => Gate::Answer,
            Proprietary::Refuse => Gate::Refuse,
            Proprietary::Silent => Gate::Silent,
            Proprietary::RefuseIds(ids) if ids.contains(&id) => Gate::Refuse,
            Proprietary::SilentIds(ids) if ids.contains(&id) => Gate::Silent,
            Proprietary::RefuseIds(_) | Proprietary::SilentIds(_) => Gate::Answer,
        }
    }
}

/// How set commands inside a wrapper are answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Echo {
    /// The wrapper comes back with the ids of the accepted commands (`ids`).
    #[default]
    Ids,
    /// The frame is answered with a bare status byte (`bare`).
    Bare,
}

/// Which frame the status byte's previous-frame bits describe (csafe.md §4.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PrevStatus {
    /// The frame being answered (`this`).
    #[default]
    This,
    /// The frame before it (`last`): a Reject shows up in the next reply.
    Last,
}

/// The HID report descriptor the simulated device offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DescriptorQuirk {
    /// The spec's sizes: report 1 20 bytes, 2 120, 4 62 (`spec`).
    #[default]
    Spec,
    /// No report 2 (`no2`).
    No2,
    /// One the parser only partly understands (`partial`).
    Partial,
    /// Report 4 at 500 bytes, as on the 2023 PM5 firmware (`500`).
    Report4At500,
}

/// How an unplug surfaces from each hidapi backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UnplugError {
    /// hidapi's Linux (hidraw) backend (`linux`).
    #[default]
    Linux,
    /// hidapi's Windows backend (`windows`).
    Windows,
    /// hidapi's macOS (IOHIDManager) backend (`macos`).
    Macos,
}

/// Every reading of an unknown, one field per option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quirks {
    /// `proc=MIN-MAX`: the PM's processing time is drawn from this range
    /// (ns), seeded; `proc=MS` makes both ends equal.
    pub proc_min_ns: u64,
    /// Upper end of the processing time, ns.
    pub proc_max_ns: u64,
    /// `slow_end=MS`: replies take this long (ns) during the 2 s after a
    /// workout ends, while the PM logs it. 0: not slow.
    pub slow_end_ns: u64,
    /// `pace_units=`.
    pub pace_units: PaceUnits,
    /// `cadence_units=yes|no`: GETCADENCE with its units byte.
    pub cadence_units: bool,
    /// `hr_none=0|255`: heart rate with no belt.
    pub hr_none: u8,
    /// `byteorder_7f=be|le`: whether `7F` replies are big-endian.
    pub byteorder_7f_be: bool,
    /// `resttime=s|cs`: whether rest-time figures are in centiseconds. The
    /// default is `cs`, the unit the simulator (and the codec) used before
    /// the option existed.
    pub resttime_cs: bool,
    /// `model_byte=N`: GETVERSION's model byte; `None`: the model's number.
    pub model_byte: Option<u8>,
    /// `stats=`.
    pub stats: StatsTiming,
    /// `proprietary=`.
    pub proprietary: Proprietary,
    /// `echo=`.
    pub echo: Echo,
    /// `prev_status=`.
    pub prev_status: PrevStatus,
    /// `descriptor=`.
    pub descriptor: DescriptorQuirk,
    /// `unplug_error=`.
    pub unplug_error: UnplugError,
    /// `deny=MS`: opening is refused (permission denied) for this long (ns)
    /// after plug-in.
    pub deny_ns: u64,
    /// `asleep=MS`: no reply at all for this long (ns) after open.
    pub asleep_ns: u64,
}

/// Processing time before `proc=` existed: 2 ms.
pub const DEFAULT_PROC_NS: u64 = 2_000_000;

impl Default for Quirks {
    fn default() -> Self {
        Self {
            proc_min_ns: DEFAULT_PROC_NS,
            proc_max_ns: DEFAULT_PROC_NS,
            slow_end_ns: 0,
            pace_units: PaceUnits::default(),
            cadence_units: true,
            hr_none: 0,
            byteorder_7f_be: true,
            resttime_cs: true,
            model_byte: None,
            stats: StatsTiming::default(),
            proprietary: Proprietary::default(),
            echo: Echo::default(),
            prev_status: PrevStatus::default(),
            descriptor: DescriptorQuirk::default(),
            unplug_error: UnplugError::default(),
            deny_ns: 0,
            asleep_ns: 0,
        }
    }
}

/// The option keys this module parses.
pub const QUIRK_KEYS: [&str; 16] = [
    "proc",
    "slow_end",
    "pace_units",
    "cadence_units",
    "hr_none",
    "byteorder_7f",
    "resttime",
    "model_byte",
    "stats",
    "proprietary",
    "echo",
    "prev_status",
    "descriptor",
    "unplug_error",
    "deny",
    "asleep",
];

impl Quirks {
    /// Whether the processing time varies from frame to frame (`proc=MIN-MAX`
    /// with MIN < MAX); otherwise it is fixed at [`Quirks::proc_min_ns`].
    pub fn proc_varies(&self) -> bool {
        self.proc_min_ns < self.proc_max_ns
    }

    /// Applies one `key=value`; `Err` carries what the key accepts.
    /// Returns `Ok(false)` when `key` is not a quirk.
    pub fn apply(&mut self, key: &str, v: &str) -> Result<bool, String> {
        match key {
            "proc" => {
                let (lo, hi) = match v.split_once('-') {
                    Some((a, b)) => (ms(a), ms(b)),
                    None => (ms(v), ms(v)),
                };
                match (lo, hi) {
                    (Some(lo), Some(hi)) if lo <= hi => {
                        self.proc_min_ns = lo;
                        self.proc_max_ns = hi;
                    }
                    _ => {
                        return Err("the PM's processing time in ms, e.g. 2 or 0.5, or a \
                                    range MIN-MAX such as 20-200"
                            .into());
                    }
                }
            }
            "slow_end" => {
                self.slow_end_ns =
                    ms(v).ok_or("milliseconds a reply takes in the 2 s after a workout ends")?;
            }
            "pace_units" => {
                self.pace_units = match v {
                    "s_km" => PaceUnits::SecondsPerKm,
                    "s_500m" => PaceUnits::SecondsPer500m,
                    "cs_500m" => PaceUnits::CentisecondsPer500m,
                    _ => return Err("s_km, s_500m, cs_500m".into()),
                };
            }
            "cadence_units" => self.cadence_units = yes_no(v).ok_or("yes, no")?,
            "hr_none" => {
                self.hr_none = match v {
                    "0" => 0,
                    "255" => 255,
                    _ => return Err("0, 255".into()),
                };
            }
            "byteorder_7f" => {
                self.byteorder_7f_be = match v {
                    "be" => true,
                    "le" => false,
                    _ => return Err("be, le".into()),
                };
            }
            "resttime" => {
                self.resttime_cs = match v {
                    "s" => false,
                    "cs" => true,
                    _ => return Err("s, cs".into()),
                };
            }
            "model_byte" => {
                self.model_byte = Some(v.parse::<u8>().map_err(|_| "a byte, 0 to 255")?);
            }
            "stats" => {
                self.stats = match v {
                    "drive" => StatsTiming::Drive,
                    "recovery" => StatsTiming::Recovery,
                    "late" => StatsTiming::Late,
                    _ => return Err("drive, recovery, late".into()),
                };
            }
            "proprietary" => self.proprietary = parse_proprietary(v)?,
            "echo" => {
                self.echo = match v {
                    "ids" => Echo::Ids,
                    "bare" => Echo::Bare,
                    _ => return Err("ids, bare".into()),
                };
            }
            "prev_status" => {
                self.prev_status = match v {
                    "this" => PrevStatus::This,
                    "last" => PrevStatus::Last,
                    _ => return Err("this, last".into()),
                };
            }
            "descriptor" => {
                self.descriptor = match v {
                    "spec" => DescriptorQuirk::Spec,
                    "no2" => DescriptorQuirk::No2,
                    "partial" => DescriptorQuirk::Partial,
                    "500" => DescriptorQuirk::Report4At500,
                    _ => return Err("spec, no2, partial, 500".into()),
                };
            }
            "unplug_error" => {
                self.unplug_error = match v {
                    "linux" => UnplugError::Linux,
                    "windows" => UnplugError::Windows,
                    "macos" => UnplugError::Macos,
                    _ => return Err("linux, windows, macos".into()),
                };
            }
            "deny" => {
                self.deny_ns = long_ms(v).ok_or("milliseconds after plug-in, e.g. 3000")?;
            }
            "asleep" => {
                self.asleep_ns = long_ms(v).ok_or("milliseconds after open, e.g. 5000")?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

const PROPRIETARY_ACCEPTED: &str = "answer, refuse, silent, refuse:ID,ID or silent:ID,ID \
                                    (ids inside 7E/7F in hex, e.g. refuse:A0,EE)";

fn parse_proprietary(v: &str) -> Result<Proprietary, String> {
    let (mode, ids) = match v.split_once(':') {
        Some((m, ids)) => (m, Some(ids)),
        None => (v, None),
    };
    let list = |ids: &str| -> Result<Vec<u8>, String> {
        let parsed: Option<Vec<u8>> = ids
            .split(',')
            .map(|id| {
                let hex = id.trim().trim_start_matches("0x").trim_start_matches("0X");
                (!hex.is_empty() && hex.len() <= 2)
                    .then(|| u8::from_str_radix(hex, 16).ok())
                    .flatten()
            })
            .collect();
        parsed
            .filter(|l| !l.is_empty())
            .ok_or_else(|| PROPRIETARY_ACCEPTED.to_string())
    };
    match (mode, ids) {
        ("answer", None) => Ok(Proprietary::Answer),
        ("refuse", None) => Ok(Proprietary::Refuse),
        ("silent", None) => Ok(Proprietary::Silent),
        ("refuse", Some(ids)) => Ok(Proprietary::RefuseIds(list(ids)?)),
        ("silent", Some(ids)) => Ok(Proprietary::SilentIds(list(ids)?)),
        _ => Err(PROPRIETARY_ACCEPTED.into()),
    }
}

fn yes_no(v: &str) -> Option<bool> {
    match v {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// Milliseconds (decimals allowed, at most 10 s) to ns.
fn ms(v: &str) -> Option<u64> {
    let ms: f64 = v.trim().parse().ok()?;
    (ms.is_finite() && (0.0..=10_000.0).contains(&ms)).then(|| (ms * 1e6).round() as u64)
}

/// Whole milliseconds up to an hour, to ns.
fn long_ms(v: &str) -> Option<u64> {
    let ms: u64 = v.trim().parse().ok()?;
    (ms <= 3_600_000).then(|| ms * 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(key: &str, v: &str) -> Result<Quirks, String> {
        let mut q = Quirks::default();
        assert!(q.apply(key, v)?, "{key} is a quirk");
        Ok(q)
    }

    #[test]
    fn every_value_of_every_quirk() {
        let q = with("proc", "20-200").unwrap();
        assert_eq!((q.proc_min_ns, q.proc_max_ns), (20_000_000, 200_000_000));
        let q = with("proc", "0.5").unwrap();
        assert_eq!((q.proc_min_ns, q.proc_max_ns), (500_000, 500_000));
        assert_eq!(with("slow_end", "800").unwrap().slow_end_ns, 800_000_000);
        for (v, p) in [
            ("s_km", PaceUnits::SecondsPerKm),
            ("s_500m", PaceUnits::SecondsPer500m),
            ("cs_500m", PaceUnits::CentisecondsPer500m),
        ] {
            assert_eq!(with("pace_units", v).unwrap().pace_units, p);
        }
        assert!(!with("cadence_units", "no").unwrap().cadence_units);
        assert!(with("cadence_units", "yes").unwrap().cadence_units);
        assert_eq!(with("hr_none", "255").unwrap().hr_none, 255);
        assert_eq!(with("hr_none", "0").unwrap().hr_none, 0);
        assert!(!with("byteorder_7f", "le").unwrap().byteorder_7f_be);
        assert!(with("resttime", "cs").unwrap().resttime_cs);
        assert!(!with("resttime", "s").unwrap().resttime_cs);
        assert!(
            Quirks::default().resttime_cs,
            "today's rest times are in 0.01 s"
        );
        assert!(with("proc", "20-200").unwrap().proc_varies());
        assert!(!Quirks::default().proc_varies());
        assert_eq!(with("model_byte", "5").unwrap().model_byte, Some(5));
        assert_eq!(with("stats", "late").unwrap().stats, StatsTiming::Late);
        assert_eq!(
            with("stats", "recovery").unwrap().stats,
            StatsTiming::Recovery
        );
        assert_eq!(
            with("proprietary", "silent").unwrap().proprietary,
            Proprietary::Silent
        );
        let q = with("proprietary", "refuse:A0,0xee").unwrap();
        assert_eq!(q.proprietary, Proprietary::RefuseIds(vec![0xA0, 0xEE]));
        assert_eq!(q.proprietary.gate(0xEE), Gate::Refuse);
        assert_eq!(q.proprietary.gate(0xA3), Gate::Answer);
        assert_eq!(
            with("proprietary", "silent:ED")
                .unwrap()
                .proprietary
                .gate(0xED),
            Gate::Silent
        );
        assert_eq!(with("echo", "bare").unwrap().echo, Echo::Bare);
        assert_eq!(
            with("prev_status", "last").unwrap().prev_status,
            PrevStatus::Last
        );
        for (v, d) in [
            ("spec", DescriptorQuirk::Spec),
            ("no2", DescriptorQuirk::No2),
            ("partial", DescriptorQuirk::Partial),
            ("500", DescriptorQuirk::Report4At500),
        ] {
            assert_eq!(with("descriptor", v).unwrap().descriptor, d);
        }
        for (v, u) in [
            ("linux", UnplugError::Linux),
            ("windows", UnplugError::Windows),
            ("macos", UnplugError::Macos),
        ] {
            assert_eq!(with("unplug_error", v).unwrap().unplug_error, u);
        }
        assert_eq!(with("deny", "3000").unwrap().deny_ns, 3_000_000_000);
        assert_eq!(with("asleep", "5000").unwrap().asleep_ns, 5_000_000_000);
    }

    #[test]
    fn unknown_values_are_refused_with_what_is_accepted() {
        for (k, v) in [
            ("proc", "200-20"),
            ("proc", "fast"),
            ("slow_end", "-1"),
            ("pace_units", "s_mile"),
            ("cadence_units", "maybe"),
            ("hr_none", "1"),
            ("byteorder_7f", "middle"),
            ("resttime", "ms"),
            ("model_byte", "256"),
            ("stats", "never"),
            ("proprietary", "refuse:"),
            ("proprietary", "refuse:XYZ"),
            ("proprietary", "answer:A0"),
            ("proprietary", "ignore"),
            ("echo", "some"),
            ("prev_status", "next"),
            ("descriptor", "62"),
            ("unplug_error", "bsd"),
            ("deny", "3s"),
            ("asleep", "-5"),
        ] {
            let e = with(k, v).unwrap_err();
            assert!(!e.is_empty() && !e.contains('\n'), "{k}={v}: {e}");
        }
        assert_eq!(Quirks::default().apply("machine", "rower"), Ok(false));
    }
}
