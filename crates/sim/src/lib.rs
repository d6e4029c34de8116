//! # erglink-sim
//!
//! A simulated Concept2 Performance Monitor (PM3, PM4 or PM5) on a RowErg,
//! SkiErg or BikeErg, as a pure, deterministic state machine on a virtual
//! clock. The host writes HID output reports at virtual times and reads the
//! input reports the monitor answers with, each at the virtual time it would
//! arrive. No I/O, no OS clock, no async runtime: the same seed and the same
//! host script give byte-identical transcripts, and a 2000 m piece runs in a
//! few milliseconds.
//!
//! ```
//! use erglink_sim::{SimConfig, Simulator};
//!
//! let cfg = SimConfig::parse("pm5", "workout=2000m&spm=28&pace=1:45&seed=7").unwrap();
//! let mut sim = Simulator::new(cfg);
//! sim.advance(60_000_000_000); // a minute of rowing, no host at all
//! let shown = sim.ground_truth().state_at(60_000_000_000).unwrap();
//! assert!(shown.work_distance_m > 200.0);
//! ```
//!
//! Everything on the wire goes through `erglink-csafe`: requests are taken
//! apart with its `FrameDecoder` and `decode_request`, replies built with its
//! `ReplyBuilder`. Every getter of its dictionary is answered; those this
//! crate does not model get their reply layout filled with zeros.
//!
//! ## Options (`sim:pm5?key=value&…`, interface.md)
//!
//! | key | values | default |
//! |---|---|---|
//! | `machine` | `rower`, `skierg`, `bikeerg` | `rower` |
//! | `workout` | `justrow`, `2000m`, `5km`, `30:00`, `8x500m/1:00r`, `4x5:00/1:00r`, `2000m/3:00r,1000m/2:00r,500m` | `justrow` |
//! | `spm` | stroke rate (BikeErg: cadence, 30–150) | 28 (SkiErg 34, BikeErg 80) |
//! | `pace` | `m:ss` per 500 m (BikeErg: per 1000 m, the unit its PM shows) | `2:00` |
//! | `hr` | `on`, `off` | `on` |
//! | `drag` | drag factor 1–255 | 120 (SkiErg 110, BikeErg 60: guesses) |
//! | `seed` | u64 | 1 |
//! | `serial` | 9 digits | derived from the seed |
//! | `pacing` | `max`, `realtime` (honoured by the transport) | `max` |
//! | `badframe` | `answer` (status-only reply, previous frame Bad), `silent` | `answer` |
//! | `faults` | `drop:P` (OUT and IN, each with P), `dropout:P`, `dropin:P`, `corrupt:P` (one byte of a request and of a reply, each with P), `corruptout:P`, `corruptin:P`, `delay:MS` (uniform 0..=MS extra per reply), `stale` (previous report's bytes after the stop flag), `toggle[:P]` (reply toggle bit wrong, P = 0.05), `unplug:T+D` (seconds; may repeat), `hang_on:HEX` (after a frame carrying command id HEX, at top level, as a wrapper or inside any wrapper `1A`, `7E`/`7F`, `76`/`77`, the monitor answers nothing, that frame included, until the host opens it again: a planted hang for `erglink fuzz`; may repeat) | none |
//! | `start` | seconds (or `m:ss`) from a workout being ready (power-on, or programmed by the host) to the athlete's first stroke; `off`: the athlete never rows | `3` |
//! | `quit` | seconds after a workout's first stroke at which the athlete gives up and sits still (pauses, timeouts) | never |
//! | `usb` | `OUT/IN` interrupt intervals in ms: `4/8` (spec), `1/2` (PM3 descriptor) | `4/8` |
//! | `pid` | USB product id in hex | PM3 `0001`, PM4 `0002`, PM5 `0003` |
//!
//! The readings of the protocol's unknowns (csafe.md "**unknown**"), so that
//! a host can be tested under each plausible behaviour of a real monitor.
//! Each default is the simulator's behaviour before the option existed.
//!
//! | key | values | default |
//! |---|---|---|
//! | `proc` | the PM's processing time per frame in ms (decimals allowed, ≤ 10 000), or a range `MIN-MAX` drawn uniformly per frame from the seed on its own stream (the athlete and the faults draw the same with or without it) | `2` |
//! | `slow_end` | ms a reply takes (in place of `proc`) while the PM holds a request during the [`LOGGING_NS`] (2 s) after a workout reached its last goal, as it logs it ([`GroundTruth::logging_windows`]; a terminated workout is not slow) | `0` (off) |
//! | `pace_units` | GETPACE's value: `s_km` whole seconds per km, `s_500m` whole seconds per 500 m, `cs_500m` 0.01 s per 500 m (u16, capped); the units byte is `0x39` (s/km) in all three | `s_km` |
//! | `cadence_units` | GETCADENCE with its units byte `0x54` (`yes`, 3 data bytes) or the u16 rate alone (`no`, 2 bytes) | `yes` |
//! | `hr_none` | what every heart-rate figure reads with `hr=off`: GETHRCUR, `PM_GET_AVG_HEARTRATE`, `…ENDING_AVG…`, `…REST_AVG…`, SYNCDATAALL's average; `0` or `255` | `0` |
//! | `byteorder_7f` | byte order of `7F` replies: `be` as the codec's table has it (BE, save `6C` HEARTBEATDATA and `CF` RESTTIME, listed LE by the spec), `le` every integer of every `7F` reply LE (the BE fields are flipped; `6C` and `CF` stay LE) | `be` |
//! | `resttime` | unit of the rest-time figures `PM_GET_RESTTIME` (`1A` and `7F` `CF`) and `PM_GET_TOTAL_RESTTIME` (`7F` `A2`): `cs` 0.01 s, `s` whole seconds (both truncated) | `cs` |
//! | `model_byte` | GETVERSION's model byte, 0–255 (csafe.h reports 5 for a PM4); the product string and [`Identity::model`] keep the real model | 3, 4 or 5 |
//! | `stats` | when `PM_GET_STROKESTATS` (`1A`/`7F` `6E`) starts describing a stroke: `drive` at the end of its drive (stroke state 2 → 3); `recovery` when its stroke state enters Recovery (3 → 4, [`DWELL_NS`] later; while Dwelling the previous stroke's stats, or zeros before the first); `late` one stroke late, once its cycle is over (the next catch, or where the athlete stops in a recovery): after its drive and through its recovery they still describe the stroke before, zeros for the first. Each stats block carries the drive counter of the stroke it describes ([`StrokeTruth::stats_published_ns`]) | `drive` |
//! | `proprietary` | `7E`/`7F` getters (drains included) from a host that has not sent `PM_SET_AUTHENPASSWORD`: `answer`; `refuse` (the frame gets previous-frame Reject, no toggle flip, the other commands' replies kept, as for any refused command); `silent` (no reply to the frame at all, nothing changes); `refuse:ID,ID` and `silent:ID,ID` (hex ids inside the wrapper) for those ids only. `1A` getters and `76`/`77` setters are never gated; PM3/PM4 refuse the PM5-only ids first | `answer` |
//! | `echo` | accepted set commands inside `1A`/`76`/`77`: echoed by id (`ids`), or left to the status byte (`bare`: no echo, and no wrapper when nothing else of it answers); setters with reply data still answer | `ids` |
//! | `prev_status` | which frame the status byte's previous-frame bits describe: `this`, the frame answered; `last`, the frame answered before it (Ok before the first), so a Reject or Bad shows in the next reply. Frames left unanswered change nothing; the toggle follows the frame answered either way | `this` |
//! | `descriptor` | the HID report descriptor offered ([`Simulator::report_descriptor`], [`report_descriptor`]) and the reports the monitor has ([`Identity::report_sizes`]): `spec` 1, 2, 4 at 20, 120, 62 bytes; `no2` 1 and 4 only (writes to 2 are refused); `partial` the spec's reports behind a descriptor that settles report 1 only; `500` report 4 at 500 bytes (2023 PM5 firmware) | `spec` |
//! | `unplug_error`, `deny`, `asleep` | parsed here, played by the transport's simulated bus: how an unplug surfaces (`linux`, `windows`, `macos`), ms of permission denied after plug-in, ms of no reply after open | `linux`, `0`, `0` |
//!
//! ## Timing
//!
//! A report of n CSAFE bytes takes p = ceil((n + 1) / 64) interrupt packets
//! each way, so a request/reply pair takes at least
//! p × OUT interval + processing + p × IN interval ([`bus_limit`]). With the
//! defaults: report 1 or report 4: 14 ms (71/s); report 2: 26 ms (38/s); a
//! 500-byte report 4 (`descriptor=500`): 98 ms. With `proc=MIN-MAX`,
//! [`Simulator::bus_limit`] counts MIN, the fastest an exchange can go. A
//! reply arrives at its
//! request's write time plus that (plus any `delay`), and never before the
//! previous reply has left the IN endpoint. The PM answers from the state it
//! has once the request is in and processed (write time + OUT packets +
//! processing).
//!
//! ## The monitor
//!
//! - Reports 1 (20 B), 2 (120 B) and 4 (62 B; `descriptor=` changes them); a reply
//!   goes out in the report it was asked in, cut at the report's end (no stop
//!   flag) when it does not fit, zero padded (or stale with `faults=stale`).
//! - CSAFE states Ready, Idle, HaveID, InUse, Paused, Finished, Manual and
//!   Offline. Read from the 34 real PM5 exchanges, which the simulator
//!   replays byte for byte: the status byte carries the state after the frame
//!   and the previous-frame status of the frame it answers (GOFINISHED outside
//!   InUse gets Reject in its own reply); the toggle flips on each accepted
//!   frame only; a `76` workout shows the host's base state (Ready, or Idle
//!   after GOIDLE) and settles a second later into Offline or Manual, the PM on
//!   its own workout screen; terminating outside a workout shows Offline or
//!   Manual, a `76` workout in use Finished, a public one the base state;
//!   GOIDLE outside Ready, HaveID and Finished gets no reply at all. InUse
//!   pauses after 6 s without strokes, Paused and Finished time out after
//!   220 s, HaveID after SETTIMEOUT (10 s).
//! - Workouts: just row, fixed distance, fixed time, fixed and variable
//!   intervals with rest, through the `76` recipe, the public commands
//!   (SETHORIZONTAL/SETTWORK, `1A` split, SETPROGRAM 0–4, GOINUSE) or
//!   `workout=`. A `workout=` workout counts as chosen on the PM's own menu,
//!   so the CSAFE state stays Ready while it is rowed, as on a real PM5.
//! - The athlete rows strokes at the configured rate and pace with
//!   stroke-to-stroke scatter; the PM credits distance at the stroke's speed
//!   (W = 2.8·v³; BikeErg W = 2.8·(v/2)³), calories at 4·0.8604·W + 300 kcal/h,
//!   and publishes each stroke at the end of its drive: power, pace,
//!   `PM_GET_STROKESTATS` (or as `stats=` says), and the 64 Hz force curve
//!   (whole lbf), read 16 samples at a time. Stroke state 0 → 2 → 3 → 4 → 2 …, 1 while the wheel
//!   spins down.
//! - Heart rate follows the effort and recovers after it; `hr=off` gives 0
//!   (or `hr_none=`).
//!
//! ## Ground truth
//!
//! [`Simulator::ground_truth`] holds the machine and model, every workout,
//! stroke (timing, power, force curve and the figures the PM published, and
//! when it published them), split, interval and heartbeat, and the PM's
//! display after every change; [`GroundTruth::state_at`] gives the display at
//! any instant. The PM answers its getters from the same samples. What a
//! recording is checked against: [`GroundTruth::strokes_counted`] (strokes
//! rowed), [`GroundTruth::curves_published`] (every force curve the PM
//! published, point for point in `force_curve`),
//! [`StrokeTruth::published_pace_500m_s`] (pace per stroke),
//! [`GroundTruth::stats_shown_at`] (the stroke the stats describe), and
//! [`GroundTruth::machine`] / [`GroundTruth::model`].
//!
//! ## Not modelled
//!
//! Flywheel physics inside a stroke (speed is constant over each stroke),
//! drag-factor drift and damper changes, calorie and watt-minute goals, rest
//! distance, undefined-rest intervals, races and multi-erg links, logbook,
//! memory and diagnostic reads (zeros), authentication (every password is
//! taken, and lifts `proprietary=`'s gate for the rest of the session), and
//! a PM that sends nothing on report 4. The athlete rows steadily (no start
//! sequence, no sprint finish) and only stops at a goal, a rest, a terminate
//! or `quit=`.
//!
//! ## Guesses
//!
//! Where the references are silent the simulator had to choose; each choice
//! sits on the constant or function that makes it, marked "guess": the PM5
//! product id (`0003`), the versions and PM3/PM4 serial prefixes, SkiErg and
//! BikeErg drag factors and stroke geometry, the settle delay of `76`
//! workouts, dwell and spin-down times, the transition-state and logging
//! delays, just row's 500 m splits and the menu's default splits, heartbeat
//! data as beat-to-beat intervals in ms, the rest time counting down, the
//! fraction bytes of WORKTIME/WORKDISTANCE left at 0, `1A` set commands
//! echoed like `76` ones, and the defaults of the options above (each
//! unknown's other readings are those options).

#![forbid(unsafe_code)]

mod answer;
mod athlete;
mod config;
mod csafe;
mod descriptor;
mod device;
mod drain;
mod error;
mod faults;
mod force;
mod heart;
mod identity;
mod machine;
mod piece;
mod pm;
mod program;
mod programming;
mod quirks;
mod rng;
mod rowing;
mod timing;
mod truth;

pub use config::{
    BadFrame, DEFAULT_START_DELAY_NS, DEFAULT_TOGGLE_GLITCH, Faults, KEYS, Model, Pacing,
    SimConfig, Unplug, parse_faults,
};
pub use csafe::{LONG_TIMEOUT_NS, PAUSE_AFTER_NS, SETTLE_NS};
pub use descriptor::{report_descriptor, report_sizes};
pub use device::Simulator;
pub use error::SimError;
pub use force::{MAX_SAMPLES, SAMPLE_HZ};
pub use identity::{Identity, PM5_PRODUCT_ID, VENDOR_ID};
pub use machine::{BOAT_CONSTANT, Machine, N_PER_LBF, kcal_per_hour};
pub use piece::LOGGING_NS;
pub use program::{IntervalDef, Program};
pub use quirks::{
    DEFAULT_PROC_NS, DescriptorQuirk, Echo, Gate, PaceUnits, PrevStatus, Proprietary, QUIRK_KEYS,
    Quirks, StatsTiming, UnplugError,
};
pub use rowing::{DWELL_NS, SPIN_DOWN_NS};
pub use timing::{BusLimit, Timing, bus_limit};
pub use truth::{
    Beat, GroundTruth, IntervalTruth, Origin, Published, Sample, SplitTruth, StrokeTruth,
    WorkoutTruth,
};
