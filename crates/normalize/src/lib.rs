//! # erglink-normalize
//!
//! Session data in, Terra `Activity` out: no I/O, no clock, no async
//! runtime. The mapping follows section 5 of the Terra reference
//! (`shared/reference/terra-activity.md`).
//!
//! ## Mapping, and the choices the reference leaves open
//! | Terra | from |
//! |---|---|
//! | `metadata.summary_id` | `erglink-<session id>`: the ULID is unique and fixed per session, so a re-export upserts |
//! | `metadata.name` | the workout as the logbook names it: `2000m`, `30:00`, `8x500m/1:00r`, `Just row` |
//! | `metadata.start_time`/`end_time` | start; stored end (interrupted: start + last committed sample), else the last sample; µs, the session's offset, `timestamp_localization` 1 (or UTC and 0) |
//! | `metadata.type` | RowErg 54, BikeErg 18, SkiErg [`Options::skierg_type`] (103 ERGOMETER by default, or 67) |
//! | `metadata.upload_type` | 1 AUTOMATIC |
//! | `distance_data` | whole metres in the summary (the SDK's int); samples count up from the start, per-interval counters added up |
//! | `heart_rate_data` | readings (0 = no belt is not a reading); average weighted by time; context 1 ACTIVE; left out with no belt |
//! | `calories_data` | `total_burned_calories` = the PM's kcal (includes its resting allowance); samples are **cumulative** kcal |
//! | `power_data` | from the average pace as the PM computes it (BikeErg: the readings weighted by working time), maximum, samples |
//! | `movement_data` | cadence = stroke rate (crank rpm on the BikeErg), on average strokes × 60 / working time; speed = 500 m / pace; average speed = distance / working time; `avg_pace_minutes_per_kilometer` from it. `max_pace_…` is left out: Terra's own examples make "max" the slowest pace |
//! | `active_durations_data` | working and interval-rest time from the PM's workout state; gaps and idle time (waiting, ended) left out |
//! | `device_data` | "Concept2"; "PM5 RowErg", "Simulated PM5", "PM5 RowErg (replay)"; serial, firmware, hardware |
//! | `lap_data` | intervals if any, else splits, within `start_time`..`end_time`; calories, time, distance and watts as stored (what a row lacks from its samples, by the session's rules); `trigger_method` from the workout: fixed distance DISTANCE, fixed time TIME, an interval its kind, just row the PM's split setting (FITNESS_EQUIPMENT when unknown); `total_strokes` = strokes begun in the lap |
//! | `work_data` | Σ power · dt over samples, kJ; `energy_data` stays out (metabolic or mechanical is unclear) |
//! | drag factor, drive, forces, force curves, tags | no Terra field: CSV and FIT carry them |
//!
//! `timer_duration_seconds` is working plus rest time so far. Numbers are
//! rounded to what the PM resolves (ms, mm/s, 0.1 W).
//!
//! ```
//! use erglink_normalize::{Normalizer, Options};
//! # let session = erglink_normalize::doc_session();
//! let mut n = Normalizer::new(&session, &Options::default());
//! // strokes, splits and gaps first (each in order)…
//! // …then every sample in order, streamed from the store:
//! // for s in reader.samples(&id)? { n.sample(&s?)?; }
//! let activity = n.finish().to_activity();
//! let json = serde_json::to_string(&activity).unwrap();
//! assert!(json.contains("\"upload_type\":1"));
//! ```
//!
//! The result of [`Normalizer::finish`] is a [`Normalized`] session: points
//! at the chosen [`Resolution`], a [`Summary`] over every sample, and laps
//! from the splits or intervals. [`Normalized::to_activity`] turns it into
//! Terra's wire types ([`terra`]); the FIT and TCX writers of
//! `erglink-export` read the same value.

#![forbid(unsafe_code)]

mod builder;
mod error;
mod figures;
pub mod fixtures;
mod laps;
mod mapping;
mod naming;
mod normalized;
mod options;
#[cfg(feature = "schema-check")]
pub mod schema_check;
mod spans;
pub mod terra;
mod time;

use erglink_model::{Gap, Sample, Session, Split, Stroke};

pub use builder::Normalizer;
pub use error::Error;
pub use figures::{rate_spm, watts_for_pace};
pub use naming::workout_name;
pub use normalized::{
    Device, HeartRate, Lap, LapTrigger, Meta, Normalized, Point, Stretch, Summary, speed_from_pace,
};
pub use options::{ActivityType, Options, Resolution, TimeBase};
pub use terra::Activity;
pub use time::Timestamp;

/// Normalises data already in memory (tests, benchmarks; the exporter
/// streams through [`Normalizer`] instead).
pub fn normalize<'a>(
    session: &Session,
    strokes: impl IntoIterator<Item = &'a Stroke>,
    splits: impl IntoIterator<Item = &'a Split>,
    gaps: impl IntoIterator<Item = &'a Gap>,
    samples: impl IntoIterator<Item = &'a Sample>,
    options: &Options,
) -> Result<Normalized, Error> {
    let mut n = Normalizer::new(session, options);
    for s in strokes {
        n.stroke(s)?;
    }
    for s in splits {
        n.split(s)?;
    }
    for g in gaps {
        n.gap(g)?;
    }
    for s in samples {
        n.sample(s)?;
    }
    Ok(n.finish())
}

/// A bare session for the crate's doc example.
#[doc(hidden)]
pub fn doc_session() -> Session {
    use erglink_model::*;
    Session {
        id: SessionId::from_parts(1_767_225_600_000, 1),
        source: Source::Sim,
        monitor: None,
        machine: Machine::RowErg,
        machine_assumed: false,
        started_at: UtcNanos(1_767_225_600_000_000_000),
        utc_offset_s: 3600,
        ended_at: None,
        workout: Workout::default(),
        tags: Tags::default(),
        state: SessionState::Complete,
        telemetry: Telemetry::default(),
        counts: SessionCounts::default(),
    }
}
