//! `sim:` selector options (interface.md), parsed into a [`SimConfig`].

use std::collections::BTreeMap;

use crate::error::SimError;
use crate::machine::Machine;
use crate::program::{Program, parse_duration_s};
use crate::quirks::Quirks;
use crate::timing::Timing;

/// Which monitor is simulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// PM3.
    Pm3,
    /// PM4.
    Pm4,
    /// PM5.
    Pm5,
}

impl Model {
    /// Parses `pm3`, `pm4` or `pm5`.
    pub fn parse(text: &str) -> Result<Model, SimError> {
        match text.to_ascii_lowercase().as_str() {
            "pm3" => Ok(Model::Pm3),
            "pm4" => Ok(Model::Pm4),
            "pm5" => Ok(Model::Pm5),
            _ => Err(SimError::UnknownModel(text.to_string())),
        }
    }

    /// 3, 4 or 5.
    pub fn number(self) -> u8 {
        match self {
            Model::Pm3 => 3,
            Model::Pm4 => 4,
            Model::Pm5 => 5,
        }
    }
}

/// How the transport keeps virtual time (the simulator itself never reads a clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pacing {
    /// Virtual time only, as fast as the CPU allows.
    Max,
    /// Virtual time kept in step with the wall clock by the transport.
    Realtime,
}

/// What a frame with a bad checksum gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BadFrame {
    /// A status-only reply whose previous-frame status is Bad.
    Answer,
    /// No reply at all.
    Silent,
}

/// An unplug fault: the device disappears at `at_ns` for `for_ns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unplug {
    /// When it goes, in virtual ns from power-on.
    pub at_ns: u64,
    /// How long it stays gone.
    pub for_ns: u64,
}

impl Unplug {
    /// Whether the device is gone at `t`.
    pub fn covers(&self, t: u64) -> bool {
        t >= self.at_ns && t < self.at_ns.saturating_add(self.for_ns)
    }
}

/// Seeded faults (`faults=`). Probabilities apply per report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Probability that a request (OUT report) is lost: the PM never sees it.
    pub drop_out: f64,
    /// Probability that a reply (IN report) is lost.
    pub drop_in: f64,
    /// Probability that one byte of a request frame is corrupted.
    pub corrupt_out: f64,
    /// Probability that one byte of a reply frame is corrupted.
    pub corrupt_in: f64,
    /// Extra delay of each reply, uniform in `0..=delay_ns`.
    pub delay_ns: u64,
    /// Fill replies after the stop flag with the previous report's bytes, as a
    /// real PM does, instead of zeros.
    pub stale: bool,
    /// Probability that a reply's toggle bit is wrong.
    pub toggle: f64,
    /// Unplug windows.
    pub unplugs: Vec<Unplug>,
    /// Command ids (top level, wrapper, or inside any wrapper) after which the
    /// monitor stops answering until the host opens it again (`hang_on:HEX`):
    /// the planted bug a fuzzer is tested against.
    pub hang_on: Vec<u8>,
}

/// Everything that makes one simulated monitor.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// PM3, PM4 or PM5.
    pub model: Model,
    /// RowErg, SkiErg or BikeErg.
    pub machine: Machine,
    /// The workout preloaded at power-on (chosen on the PM's own menu).
    pub workout: Program,
    /// The athlete's stroke rate (BikeErg: cadence in rpm).
    pub spm: f64,
    /// The athlete's pace in seconds per 500 m (BikeErg: per 1000 m).
    pub pace: f64,
    /// Whether a heart-rate belt is paired.
    pub hr: bool,
    /// Drag factor.
    pub drag: u8,
    /// Seed of every random draw.
    pub seed: u64,
    /// Serial number (9 digits); derived from the seed when `None`.
    pub serial: Option<String>,
    /// Reported to the transport.
    pub pacing: Pacing,
    /// What a bad frame gets.
    pub badframe: BadFrame,
    /// Seeded faults.
    pub faults: Faults,
    /// USB and processing times.
    pub timing: Timing,
    /// Delay from a workout being ready (power-on, or programmed by the host)
    /// to the athlete's first stroke; `None` (`start=off`): the athlete never
    /// rows by itself.
    pub start_delay_ns: Option<u64>,
    /// USB product id instead of the model's (`pid=`).
    pub product_id: Option<u16>,
    /// The athlete gives up this long after a workout's first stroke and sits
    /// still (`quit=`): pauses and timeouts to test against. `None`: never.
    pub quit_after_ns: Option<u64>,
    /// The readings of the protocol's unknowns (`proc=`, `pace_units=`…).
    pub quirks: Quirks,
}

/// Default start delay: 3 s of virtual time after power-on or programming.
pub const DEFAULT_START_DELAY_NS: u64 = 3_000_000_000;

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            model: Model::Pm5,
            machine: Machine::Rower,
            workout: Program::just_row(),
            spm: 28.0,
            pace: 120.0,
            hr: true,
            drag: Machine::Rower.default_drag(),
            seed: 1,
            serial: None,
            pacing: Pacing::Max,
            badframe: BadFrame::Answer,
            faults: Faults::default(),
            timing: Timing::default(),
            start_delay_ns: Some(DEFAULT_START_DELAY_NS),
            product_id: None,
            quit_after_ns: None,
            quirks: Quirks::default(),
        }
    }
}

/// Every option key, for error messages.
pub const KEYS: &str = "machine, workout, spm, pace, hr, drag, seed, serial, pacing, badframe, \
                        faults, start, quit, usb, pid, proc, slow_end, pace_units, cadence_units, \
                        hr_none, byteorder_7f, resttime, model_byte, stats, proprietary, echo, \
                        prev_status, descriptor, unplug_error, deny, asleep";

impl SimConfig {
    /// Parses a whole selector: `sim:pm5`, `sim:pm3?machine=skierg&seed=4`.
    pub fn from_selector(selector: &str) -> Result<SimConfig, SimError> {
        let rest = selector.strip_prefix("sim:").unwrap_or(selector);
        let (model, query) = rest.split_once('?').unwrap_or((rest, ""));
        SimConfig::parse(model, query)
    }

    /// `model` is "pm3" | "pm4" | "pm5"; `query` is what follows `?` in
    /// `sim:pm5?machine=rower&workout=2000m&…` (may be empty).
    pub fn parse(model: &str, query: &str) -> Result<SimConfig, SimError> {
        let model = Model::parse(model)?;
        let mut opts: BTreeMap<String, String> = BTreeMap::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = k.trim().to_ascii_lowercase();
            if !KEYS.split(", ").any(|known| known.trim() == k) {
                return Err(SimError::UnknownOption {
                    key: k,
                    accepted: KEYS,
                });
            }
            if opts.insert(k.clone(), v.trim().to_string()).is_some() {
                return Err(SimError::Duplicate(k));
            }
        }
        let bad = |key: &str, accepted: &str| SimError::BadValue {
            key: key.to_string(),
            value: opts.get(key).cloned().unwrap_or_default(),
            accepted: accepted.to_string(),
        };

        let machine = match opts.get("machine") {
            Some(v) => Machine::parse(v).ok_or_else(|| bad("machine", Machine::NAMES))?,
            None => Machine::Rower,
        };
        let mut cfg = SimConfig {
            model,
            machine,
            spm: machine.default_spm(),
            drag: machine.default_drag(),
            ..SimConfig::default()
        };
        for (key, value) in &opts {
            let v = value.as_str();
            match key.as_str() {
                "machine" => {}
                "workout" => {
                    cfg.workout = Program::parse(v).map_err(|why| {
                        bad(
                            key,
                            &format!(
                                "justrow, a distance (2000m, 5km), a time (30:00), intervals \
                                 (8x500m/1:00r, 4x5:00/1:00r) or a list (2000m/3:00r,1000m): {why}"
                            ),
                        )
                    })?;
                }
                "spm" => {
                    let (lo, hi) = machine.spm_range();
                    cfg.spm = v
                        .parse::<f64>()
                        .ok()
                        .filter(|s| (lo..=hi).contains(s))
                        .ok_or_else(|| {
                            bad(
                                key,
                                &format!("a rate from {lo} to {hi} on the {}", machine.name()),
                            )
                        })?;
                }
                "pace" => {
                    cfg.pace = parse_duration_s(v)
                        .ok()
                        .filter(|s| (30.0..=600.0).contains(s))
                        .ok_or_else(|| {
                            bad(
                                key,
                                "m:ss from 0:30 to 10:00 (per 500 m; per 1000 m on the BikeErg)",
                            )
                        })?;
                }
                "hr" => cfg.hr = parse_on_off(v).ok_or_else(|| bad(key, "on, off"))?,
                "drag" => {
                    cfg.drag = v
                        .parse::<u8>()
                        .ok()
                        .filter(|&d| d > 0)
                        .ok_or_else(|| bad(key, "a drag factor from 1 to 255"))?;
                }
                "seed" => {
                    cfg.seed = v
                        .parse()
                        .map_err(|_| bad(key, "an unsigned 64-bit integer"))?;
                }
                "serial" => {
                    if v.len() != 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(bad(key, "exactly 9 digits"));
                    }
                    cfg.serial = Some(v.to_string());
                }
                "pacing" => {
                    cfg.pacing = match v {
                        "max" => Pacing::Max,
                        "realtime" => Pacing::Realtime,
                        _ => return Err(bad(key, "max, realtime")),
                    };
                }
                "badframe" => {
                    cfg.badframe = match v {
                        "answer" => BadFrame::Answer,
                        "silent" => BadFrame::Silent,
                        _ => return Err(bad(key, "answer, silent")),
                    };
                }
                "faults" => cfg.faults = parse_faults(v).map_err(|why| bad(key, &why))?,
                "start" => {
                    cfg.start_delay_ns = if v == "off" {
                        None
                    } else {
                        Some(parse_duration_s(v).map(secs_to_ns).map_err(|_| {
                            bad(key, "seconds (or m:ss) after a workout is ready, or off")
                        })?)
                    };
                }
                "quit" => {
                    cfg.quit_after_ns =
                        Some(parse_duration_s(v).map(secs_to_ns).map_err(|_| {
                            bad(key, "seconds (or m:ss) after a workout's first stroke")
                        })?);
                }
                "usb" => {
                    let parsed = v.split_once('/').and_then(|(o, i)| {
                        Some((
                            parse_ms(o).filter(|&x| x > 0)?,
                            parse_ms(i).filter(|&x| x > 0)?,
                        ))
                    });
                    let (o, i) = parsed.ok_or_else(|| {
                        bad(key, "OUT/IN interrupt intervals in ms, e.g. 4/8 (spec) or 1/2 (PM3 descriptor)")
                    })?;
                    cfg.timing.out_interval_ns = o;
                    cfg.timing.in_interval_ns = i;
                }
                "pid" => {
                    let hex = v.trim_start_matches("0x").trim_start_matches("0X");
                    cfg.product_id =
                        Some(u16::from_str_radix(hex, 16).map_err(|_| {
                            bad(key, "a USB product id in hex, e.g. 0003 or 0x001E")
                        })?);
                }
                quirk => {
                    let applied = cfg.quirks.apply(quirk, v).map_err(|why| bad(quirk, &why))?;
                    assert!(applied, "keys were checked");
                    if quirk == "proc" {
                        cfg.timing.processing_ns = cfg.quirks.proc_min_ns;
                    }
                }
            }
        }
        Ok(cfg)
    }
}

fn parse_on_off(v: &str) -> Option<bool> {
    match v {
        "on" | "true" | "1" => Some(true),
        "off" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn secs_to_ns(s: f64) -> u64 {
    (s * 1e9).round() as u64
}

/// Milliseconds (decimals allowed) to ns.
fn parse_ms(v: &str) -> Option<u64> {
    let ms: f64 = v.parse().ok()?;
    (ms.is_finite() && (0.0..=10_000.0).contains(&ms)).then(|| (ms * 1e6).round() as u64)
}

fn parse_probability(name: &str, v: Option<&str>) -> Result<f64, String> {
    v.and_then(|v| v.parse::<f64>().ok())
        .filter(|p| (0.0..=1.0).contains(p))
        .ok_or_else(|| format!("`{name}:P` needs a probability from 0 to 1"))
}

const FAULTS_ACCEPTED: &str = "a comma-separated list of drop:P, dropout:P, dropin:P, corrupt:P, \
                               corruptout:P, corruptin:P, delay:MS, stale, toggle[:P], unplug:T+D \
                               (T and D in seconds), hang_on:HEX (a command id)";

/// Parses `drop:P,corrupt:P,delay:MS,stale,toggle,unplug:T+D`.
pub fn parse_faults(text: &str) -> Result<Faults, String> {
    let mut f = Faults::default();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, arg) = match item.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (item, None),
        };
        match name {
            "drop" => {
                let p = parse_probability(name, arg)?;
                f.drop_out = p;
                f.drop_in = p;
            }
            "dropout" => f.drop_out = parse_probability(name, arg)?,
            "dropin" => f.drop_in = parse_probability(name, arg)?,
            "corrupt" => {
                let p = parse_probability(name, arg)?;
                f.corrupt_out = p;
                f.corrupt_in = p;
            }
            "corruptout" => f.corrupt_out = parse_probability(name, arg)?,
            "corruptin" => f.corrupt_in = parse_probability(name, arg)?,
            "delay" => {
                f.delay_ns = arg
                    .and_then(parse_ms)
                    .ok_or("`delay:MS` needs milliseconds")?;
            }
            "stale" => f.stale = true,
            "toggle" => {
                f.toggle = match arg {
                    None => DEFAULT_TOGGLE_GLITCH,
                    Some(_) => parse_probability(name, arg)?,
                }
            }
            "unplug" => {
                let (t, d) = arg
                    .and_then(|a| a.split_once('+'))
                    .ok_or("`unplug:T+D` needs two times in seconds")?;
                let t = parse_duration_s(t).map_err(|e| format!("unplug: {e}"))?;
                let d = parse_duration_s(d).map_err(|e| format!("unplug: {e}"))?;
                f.unplugs.push(Unplug {
                    at_ns: secs_to_ns(t),
                    for_ns: secs_to_ns(d),
                });
            }
            "hang_on" => {
                let id = arg
                    .map(|a| a.trim_start_matches("0x").trim_start_matches("0X"))
                    .filter(|a| (1..=2).contains(&a.len()))
                    .and_then(|a| u8::from_str_radix(a, 16).ok())
                    .ok_or("`hang_on:HEX` needs a command id in hex, e.g. hang_on:A3")?;
                f.hang_on.push(id);
            }
            _ => return Err(format!("unknown fault `{name}`: {FAULTS_ACCEPTED}")),
        }
    }
    Ok(f)
}

/// Probability of a toggle glitch when `toggle` is given without one.
pub const DEFAULT_TOGGLE_GLITCH: f64 = 0.05;

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_csafe::workout::Goal;

    #[test]
    fn defaults_match_the_contract() {
        let c = SimConfig::parse("pm5", "").unwrap();
        assert_eq!(c, SimConfig::default());
        assert_eq!(c.pace, 120.0);
        assert_eq!(c.spm, 28.0);
    }

    #[test]
    fn every_interface_option() {
        let c = SimConfig::parse(
            "PM3",
            "machine=skierg&workout=8x500m/1:00r&spm=32&pace=1:45&hr=off&drag=130&seed=9\
             &serial=430228525&pacing=realtime&badframe=silent\
             &faults=drop:0.1,corrupt:0.01,delay:20,stale,toggle,unplug:60+5\
             &start=off&quit=1:30&usb=1/2&proc=0.5&pid=0x001E",
        )
        .unwrap();
        assert_eq!(c.model, Model::Pm3);
        assert_eq!(c.machine, Machine::SkiErg);
        assert_eq!(c.workout.intervals.len(), 8);
        assert_eq!(c.workout.intervals[0].work, Some(Goal::Distance(500)));
        assert_eq!(
            (c.spm, c.pace, c.hr, c.drag, c.seed),
            (32.0, 105.0, false, 130, 9)
        );
        assert_eq!(c.serial.as_deref(), Some("430228525"));
        assert_eq!((c.pacing, c.badframe), (Pacing::Realtime, BadFrame::Silent));
        assert_eq!(c.faults.drop_in, 0.1);
        assert_eq!(c.faults.drop_out, 0.1);
        assert_eq!(c.faults.delay_ns, 20_000_000);
        assert!(c.faults.stale);
        assert_eq!(c.faults.toggle, DEFAULT_TOGGLE_GLITCH);
        assert_eq!(
            c.faults.unplugs,
            [Unplug {
                at_ns: 60_000_000_000,
                for_ns: 5_000_000_000
            }]
        );
        assert_eq!(c.start_delay_ns, None);
        assert_eq!(c.timing.out_interval_ns, 1_000_000);
        assert_eq!(c.timing.in_interval_ns, 2_000_000);
        assert_eq!(c.timing.processing_ns, 500_000);
        assert_eq!(c.product_id, Some(0x1E));
        assert_eq!(c.quit_after_ns, Some(90_000_000_000));
        assert_eq!(
            SimConfig::from_selector("sim:pm4?seed=3").unwrap(),
            SimConfig::parse("pm4", "seed=3").unwrap()
        );
        assert_eq!(
            SimConfig::from_selector("sim:pm5").unwrap(),
            SimConfig::default()
        );
    }

    #[test]
    fn machine_defaults_apply_before_overrides() {
        let c = SimConfig::parse("pm5", "spm=90&machine=bikeerg").unwrap();
        assert_eq!(c.spm, 90.0);
        assert_eq!(c.drag, Machine::BikeErg.default_drag());
        assert!(
            SimConfig::parse("pm5", "spm=90").is_err(),
            "90 spm is a bike cadence"
        );
    }

    #[test]
    fn errors_name_the_key_and_what_it_accepts() {
        let e = SimConfig::parse("pm5", "colour=red").unwrap_err();
        assert!(
            e.to_string().contains("colour") && e.to_string().contains("machine"),
            "{e}"
        );
        let e = SimConfig::parse("pm5", "hr=maybe").unwrap_err();
        assert_eq!(
            e,
            SimError::BadValue {
                key: "hr".into(),
                value: "maybe".into(),
                accepted: "on, off".into()
            }
        );
        let c = SimConfig::parse("pm5", "faults=hang_on:A3,hang_on:0x1a").unwrap();
        assert_eq!(c.faults.hang_on, [0xA3, 0x1A]);
        for bad in ["hang_on", "hang_on:", "hang_on:XYZ", "hang_on:123"] {
            let e = SimConfig::parse("pm5", &format!("faults={bad}")).unwrap_err();
            assert!(e.to_string().contains("hang_on:HEX"), "{bad}: {e}");
        }
        let e = SimConfig::parse("pm5", "faults=melt").unwrap_err();
        assert!(e.to_string().contains("unplug:T+D"), "{e}");
        assert!(matches!(
            SimConfig::parse("pm6", ""),
            Err(SimError::UnknownModel(_))
        ));
        assert!(matches!(
            SimConfig::parse("pm5", "seed=1&seed=2"),
            Err(SimError::Duplicate(_))
        ));
        assert!(SimConfig::parse("pm5", "serial=12345").is_err());
        assert!(SimConfig::parse("pm5", "workout=9x").is_err());
    }
}
