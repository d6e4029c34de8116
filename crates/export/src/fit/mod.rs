//! FIT activity files, as Garmin's tools and training platforms read them.
//!
//! Messages, in order (local message type in brackets):
//! 1. `file_id` [0]: activity, manufacturer concept2 (40), the PM's
//!    serial, product name, creation time; `file_creator` [9]: erglink's
//!    version (major × 100 + minor).
//! 2. `developer_data_id` [1] and eleven `field_description`s [2]: the
//!    stroke fields FIT has no place for (below).
//! 3. `device_info` [3]: the monitor, as the creator device.
//! 4. `event` [4]: timer start.
//! 5. `record` [5]: one per stroke (the default), or one per second.
//!    FIT timestamps are whole seconds, so no two records share one: where
//!    strokes come faster than one a second (the BikeErg's crank), the
//!    record of a second holds all of that second's strokes in its stroke
//!    fields, one array element each (their force curves, which would not
//!    fit, only in CSV), and the figures of its last point.
//! 6. `event` [4]: timer stop.
//! 7. `lap` [6]: splits or intervals, a resting lap after each interval's
//!    rest, one lap for a session without splits, one for a tail after the
//!    last split. A lap's timer time is the PM's work time; its elapsed
//!    time is never less.
//! 8. `session` [7], then `activity` [8].
//!
//! Developer fields of each stroke record (developer data index 0):
//! 0 `stroke_index`, 1 `force_curve` and 2 `force_curve_2` (the curve's
//! samples as uint16 lbf, unconverted: up to 127 per field to stay within
//! FIT's 255-byte field, 254 in all; a longer curve is cut and
//! 3 `force_curve_samples` still gives its real length), 4
//! `force_curve_complete`, 5 `drive_length` (m, scale 100), 6 `drive_time`
//! and 7 `recovery_time` (s, scale 100), 8 `peak_force` and 9
//! `average_force` (lbf, scale 10), 10 `stroke_work` (J, scale 10).

mod encoder;

use std::path::{Path, PathBuf};

use erglink_model::{ForceCurve, Machine, SessionId, Stroke};
use erglink_normalize::{LapTrigger, Normalized, Options, Point, Resolution, Timestamp};

use crate::atomic::{io, write_atomic};
use crate::read::normalize_from;
use crate::segments::{Intensity, Segment, segments};
use crate::{Result, SessionSource};
use encoder::{FIT_EPOCH_UNIX_S, FitWriter, Msg};

/// Curve samples per developer field: 127 × 2 bytes fits in 255.
pub const CURVE_SAMPLES_PER_FIELD: usize = 127;

// Global message numbers.
const FILE_ID: u16 = 0;
const FILE_CREATOR: u16 = 49;
const SESSION: u16 = 18;
const LAP: u16 = 19;
const RECORD: u16 = 20;
const EVENT: u16 = 21;
const DEVICE_INFO: u16 = 23;
const ACTIVITY: u16 = 34;
const FIELD_DESCRIPTION: u16 = 206;
const DEVELOPER_DATA_ID: u16 = 207;
// Profile values.
const MANUFACTURER_CONCEPT2: u16 = 40;
const MANUFACTURER_DEVELOPMENT: u16 = 255;
/// erglink's developer application id (a fixed random UUID).
const APPLICATION_ID: [u8; 16] = [
    0x6e, 0x2a, 0x41, 0x0c, 0x9b, 0x7d, 0x4e, 0x53, 0xa4, 0x1f, 0xe2, 0x61, 0x1c, 0x0e, 0x7a, 0x38,
];

/// Records one per stroke or one per second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FitRecords {
    /// One per stroke, each with its force curve (per second when the
    /// session has no strokes).
    #[default]
    Stroke,
    /// One per second; no stroke fields.
    Second,
}

impl FitRecords {
    /// `--resolution stroke` gives stroke records; `1s` and `full` give one
    /// per second, as fine as FIT's whole-second timestamps go.
    pub fn from_resolution(r: Resolution) -> Self {
        match r {
            Resolution::Stroke => Self::Stroke,
            Resolution::Second | Resolution::Full => Self::Second,
        }
    }
}

/// `<dir>/<id>.fit`.
pub fn fit_path(dir: &Path, id: &SessionId) -> PathBuf {
    dir.join(format!("{id}.fit"))
}

/// FIT's sport and sub-sport for the machine.
fn sport(m: Machine) -> (u8, u8) {
    match m {
        // rowing, indoor_rowing
        Machine::RowErg => (15, 14),
        // cross_country_skiing, indoor_skiing
        Machine::SkiErg => (12, 25),
        // cycling, indoor_cycling
        Machine::BikeErg => (2, 6),
    }
}

fn fit_time(t: Timestamp) -> u32 {
    (t.utc().0.div_euclid(1_000_000_000) - FIT_EPOCH_UNIX_S).clamp(0, i64::from(u32::MAX)) as u32
}

fn ms(ns: u64) -> u32 {
    (ns / 1_000_000).min(u64::from(u32::MAX)) as u32
}

/// Metres per stroke in FIT's 0.01 m.
fn stroke_cm(v: f64) -> u16 {
    (v * 100.0).round().clamp(0.0, 65_534.0) as u16
}

fn speed_mm(v: f64) -> u16 {
    (v * 1000.0).round().clamp(0.0, 65_534.0) as u16
}

fn u16s(v: &[u16]) -> Vec<u8> {
    v.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// The developer fields: (number, base type id, name, units, scale).
const DEV_FIELDS: [(u8, u8, &str, &str, u8); 11] = [
    (0, 0x86, "stroke_index", "", 1),
    (1, 0x84, "force_curve", "lbf", 1),
    (2, 0x84, "force_curve_2", "lbf", 1),
    (3, 0x84, "force_curve_samples", "", 1),
    (4, 0x02, "force_curve_complete", "", 1),
    (5, 0x84, "drive_length", "m", 100),
    (6, 0x84, "drive_time", "s", 100),
    (7, 0x84, "recovery_time", "s", 100),
    (8, 0x84, "peak_force", "lbf", 10),
    (9, 0x84, "average_force", "lbf", 10),
    (10, 0x84, "stroke_work", "J", 10),
];

fn stroke_fields(mut m: Msg, s: &Stroke, curve: Option<&ForceCurve>) -> Msg {
    m = m
        .dev(0, s.index.to_le_bytes().to_vec())
        .dev(5, s.drive_length_cm.to_le_bytes().to_vec())
        .dev(6, s.drive_time_cs.to_le_bytes().to_vec())
        .dev(7, s.recovery_time_cs.to_le_bytes().to_vec())
        .dev(8, s.peak_force_dlbf.to_le_bytes().to_vec())
        .dev(9, s.average_force_dlbf.to_le_bytes().to_vec())
        .dev(10, s.work_dj.to_le_bytes().to_vec());
    if let Some(c) = curve {
        let n = c.samples_lbf.len();
        let (a, rest) = c.samples_lbf.split_at(n.min(CURVE_SAMPLES_PER_FIELD));
        let b = &rest[..rest.len().min(CURVE_SAMPLES_PER_FIELD)];
        if !a.is_empty() {
            m = m.dev(1, u16s(a));
        }
        if !b.is_empty() {
            m = m.dev(2, u16s(b));
        }
        m = m
            .dev(
                3,
                (n.min(usize::from(u16::MAX)) as u16).to_le_bytes().to_vec(),
            )
            .dev(4, vec![u8::from(c.complete)]);
    }
    m
}

/// Strokes held by one record: each field an array, one element a stroke.
fn strokes_fields(m: Msg, strokes: &[&Stroke]) -> Msg {
    let each = |f: fn(&Stroke) -> Vec<u8>| strokes.iter().flat_map(|s| f(s)).collect::<Vec<u8>>();
    m.dev(0, each(|s| s.index.to_le_bytes().to_vec()))
        .dev(5, each(|s| s.drive_length_cm.to_le_bytes().to_vec()))
        .dev(6, each(|s| s.drive_time_cs.to_le_bytes().to_vec()))
        .dev(7, each(|s| s.recovery_time_cs.to_le_bytes().to_vec()))
        .dev(8, each(|s| s.peak_force_dlbf.to_le_bytes().to_vec()))
        .dev(9, each(|s| s.average_force_dlbf.to_le_bytes().to_vec()))
        .dev(10, each(|s| s.work_dj.to_le_bytes().to_vec()))
}

/// Most strokes one record holds: a stroke index is 4 bytes of a 255-byte field.
const MAX_STROKES_PER_RECORD: usize = 63;

fn record(n: &Normalized, p: &Point) -> Msg {
    Msg::new(RECORD)
        .u32(253, fit_time(n.meta.at(p.elapsed_ns)))
        .opt(p.hr_bpm, |m, v| m.u8(3, v))
        .u8(4, p.rate_spm)
        .u32(5, (p.distance_dm * 10).min(u64::from(u32::MAX - 1)) as u32)
        .u16(6, speed_mm(p.speed_m_per_s()))
        .u16(7, p.power_w)
}

fn lap_msg(n: &Normalized, i: usize, s: &Segment, sport: (u8, u8)) -> Msg {
    // lap_trigger: time 1, distance 2, session_end 7, fitness_equipment 8.
    let trigger = match s.trigger {
        Some(LapTrigger::Time) => 1,
        Some(LapTrigger::Distance) => 2,
        Some(LapTrigger::FitnessEquipment) => 8,
        None => 7,
    };
    Msg::new(LAP)
        .u32(253, fit_time(n.meta.at(s.end_ns)))
        .u32(2, fit_time(n.meta.at(s.start_ns)))
        // The timer is the PM's clock, the span the transport's: elapsed is
        // at least the timer.
        .u32(7, ms(s.end_ns.saturating_sub(s.start_ns).max(s.timer_ns)))
        .u32(8, ms(s.timer_ns))
        .u32(9, (s.distance_dm * 10).min(u64::from(u32::MAX - 1)) as u32)
        .u32(10, s.strokes)
        .opt(s.energy_kcal, |m, v| m.u16(11, v.min(65_534) as u16))
        .opt(s.avg_speed(), |m, v| m.u16(13, speed_mm(v)))
        .opt(s.max_speed_m_per_s, |m, v| m.u16(14, speed_mm(v)))
        .opt(s.avg_hr_bpm, |m, v| m.u8(15, v))
        .opt(s.max_hr_bpm, |m, v| m.u8(16, v))
        .opt(s.avg_rate_spm, |m, v| m.u8(17, v))
        .opt(s.avg_power_w, |m, v| m.u16(19, v))
        .opt(s.max_power_w, |m, v| m.u16(20, v))
        .opt(s.avg_stroke_m(), |m, v| m.u16(37, stroke_cm(v)))
        .enum_(23, if s.intensity == Intensity::Rest { 1 } else { 0 })
        .enum_(24, trigger)
        .enum_(25, sport.0)
        .enum_(39, sport.1)
        .enum_(0, 9) // event: lap
        .enum_(1, 1) // event_type: stop
        .u16(254, i as u16)
}

/// erglink's version as FIT's `software_version`: major × 100 + minor.
fn software_version() -> u16 {
    let part = |v: &str| v.parse::<u16>().unwrap_or(0);
    part(env!("CARGO_PKG_VERSION_MAJOR")) * 100 + part(env!("CARGO_PKG_VERSION_MINOR"))
}

/// The FIT file of session `id`, as bytes.
pub fn fit_bytes(
    source: &dyn SessionSource,
    id: &SessionId,
    records: FitRecords,
) -> Result<Vec<u8>> {
    let resolution = match records {
        FitRecords::Stroke => Resolution::Stroke,
        FitRecords::Second => Resolution::Second,
    };
    let n = normalize_from(
        source,
        id,
        &Options {
            resolution,
            ..Options::default()
        },
    )?;
    // Stroke rows are few (≈3 400 in two hours); curves stream alongside.
    let strokes: Vec<Stroke> = if records == FitRecords::Stroke {
        source.strokes(id)?.collect::<Result<_>>()?
    } else {
        Vec::new()
    };
    let mut curves = source.force_curves(id)?.peekable();
    let meta = &n.meta;
    let sport = sport(meta.machine);
    let start = fit_time(meta.start);
    let end = fit_time(meta.end);
    let serial = meta
        .device
        .serial
        .as_deref()
        .and_then(|s| s.parse::<u32>().ok())
        .filter(|&s| s != 0);
    let mut w = FitWriter::default();

    w.write(
        0,
        &Msg::new(FILE_ID)
            .enum_(0, 4) // type: activity
            .u16(1, MANUFACTURER_CONCEPT2)
            .opt(serial, |m, v| m.u32z(3, v))
            .u32(4, start)
            .str(8, &meta.device.name),
    );
    w.write(9, &Msg::new(FILE_CREATOR).u16(0, software_version()));
    w.write(
        1,
        &Msg::new(DEVELOPER_DATA_ID)
            .bytes(1, &APPLICATION_ID)
            .u16(2, MANUFACTURER_DEVELOPMENT)
            .u8(3, 0)
            .u32(4, 1),
    );
    for (num, base, name, units, scale) in DEV_FIELDS {
        let mut m = Msg::new(FIELD_DESCRIPTION)
            .u8(0, 0)
            .u8(1, num)
            .u8(2, base)
            .str(3, name)
            .u8(6, scale);
        if !units.is_empty() {
            m = m.str(8, units);
        }
        w.write(2, &m);
    }
    let mut device = Msg::new(DEVICE_INFO)
        .u32(253, start)
        .u8(0, 0) // device_index: creator
        .u16(2, MANUFACTURER_CONCEPT2)
        .opt(serial, |m, v| m.u32z(3, v))
        .str(27, &meta.device.name);
    if let Some(hw) = meta
        .device
        .hardware
        .as_deref()
        .and_then(|h| h.parse::<u8>().ok())
    {
        device = device.u8(6, hw);
    }
    w.write(3, &device);
    w.write(4, &Msg::new(EVENT).u32(253, start).enum_(0, 0).enum_(1, 0));

    let mut points = n.points.iter().peekable();
    while let Some(first) = points.next() {
        // The points of one FIT second make one record.
        let second = fit_time(meta.at(first.elapsed_ns));
        let mut last = first;
        let mut held: Vec<&Stroke> = Vec::new();
        let mut take = |p: &Point| {
            if let Some(k) = p.stroke
                && let Ok(at) = strokes.binary_search_by_key(&k, |s| s.index)
                && held.len() < MAX_STROKES_PER_RECORD
            {
                held.push(&strokes[at]);
            }
        };
        take(first);
        while let Some(p) = points.next_if(|p| fit_time(meta.at(p.elapsed_ns)) == second) {
            take(p);
            last = p;
        }
        let mut m = record(&n, last);
        if let [one] = held[..] {
            let k = one.index;
            let mut curve = None;
            while let Some(c) = curves.next_if(|c| c.as_ref().map_or(true, |c| c.stroke_index <= k))
            {
                let c = c?;
                if c.stroke_index == k {
                    curve = Some(c);
                }
            }
            m = stroke_fields(m, one, curve.as_ref());
        } else if !held.is_empty() {
            m = strokes_fields(m, &held);
        }
        w.write(5, &m);
    }
    w.write(4, &Msg::new(EVENT).u32(253, end).enum_(0, 0).enum_(1, 4));

    let laps = segments(&n);
    for (i, s) in laps.iter().enumerate() {
        w.write(6, &lap_msg(&n, i, s, sport));
    }
    let s = &n.summary;
    let elapsed_ns = (meta.end.utc().0 - meta.start.utc().0).max(0) as u64;
    let timer = ms((s.active_ns + s.rest_ns).min(elapsed_ns));
    let stroke_m = (s.strokes > 0).then(|| s.distance_dm as f64 / 10.0 / s.strokes as f64);
    w.write(
        7,
        &Msg::new(SESSION)
            .u32(253, end)
            .u32(2, start)
            .enum_(5, sport.0)
            .enum_(6, sport.1)
            .u32(7, ms(elapsed_ns))
            .u32(8, timer)
            .u32(9, (s.distance_dm * 10).min(u64::from(u32::MAX - 1)) as u32)
            .u32(10, s.strokes.min(u64::from(u32::MAX - 1)) as u32)
            .opt(s.energy_kcal, |m, v| m.u16(11, v.min(65_534) as u16))
            .opt(s.avg_speed_m_per_s(), |m, v| m.u16(14, speed_mm(v)))
            .opt(s.max_speed_m_per_s(), |m, v| m.u16(15, speed_mm(v)))
            .opt(s.heart_rate, |m, h| {
                m.u8(16, h.avg_bpm.round() as u8)
                    .u8(17, h.max_bpm)
                    .u8(64, h.min_bpm)
            })
            .opt(s.avg_rate_spm, |m, v| m.u8(18, v.round() as u8))
            .u8(19, s.max_rate_spm)
            .opt(s.avg_power_w, |m, v| m.u16(20, v.round() as u16))
            .u16(21, s.max_power_w)
            .opt(stroke_m, |m, v| m.u16(42, stroke_cm(v)))
            .u16(25, 0)
            .u16(26, laps.len() as u16)
            .enum_(28, 0) // trigger: activity_end
            .u32(48, s.work_j.round().min(f64::from(u32::MAX - 1)) as u32)
            .enum_(0, 8) // event: session
            .enum_(1, 1) // event_type: stop
            .u16(254, 0),
    );
    let local_end = (i64::from(end) + i64::from(meta.end.offset_s())).max(0) as u32;
    w.write(
        8,
        &Msg::new(ACTIVITY)
            .u32(253, end)
            .u32(0, timer)
            .u16(1, 1)
            .enum_(2, 0) // type: manual
            .enum_(3, 26) // event: activity
            .enum_(4, 1) // event_type: stop
            .u32(5, local_end),
    );
    Ok(w.finish())
}

/// Writes `<dir>/<id>.fit` atomically; returns the path and its size.
pub fn write_fit(
    source: &dyn SessionSource,
    id: &SessionId,
    dir: &Path,
    records: FitRecords,
    force: bool,
) -> Result<(PathBuf, u64)> {
    let bytes = fit_bytes(source, id, records)?;
    let path = fit_path(dir, id);
    let n = write_atomic(&path, force, |w| w.write_all(&bytes).map_err(io(&path)))?;
    Ok((path, n))
}
