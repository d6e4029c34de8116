//! Stored sessions for people and for JSON: shared by `sessions` and `show`.
//!
//! JSON follows interface.md: SI units with the unit in the key (through
//! the same [`field_json`] as the codec's replies), times in ISO 8601 with
//! the session's offset, enums as `{"code", "name"}`. Codes that come from
//! the monitor are named by `erglink-csafe`.

use erglink_csafe::{
    DurationType, IntervalType, StrokeState, Unit, Value, WorkoutState, WorkoutType,
};
use erglink_model::{
    ForceCurve, Gap, MonitorInfo, Sample, Session, Split, Stroke, UtcNanos, WorkoutDuration,
};
use serde_json::{Map, Value as Json, json};

use crate::output::{enum_json, field_json, hex_id};

fn put(m: &mut Map<String, Json>, name: &str, raw: Option<u64>, unit: Unit) {
    let (key, value) = field_json(
        name,
        Value::Uint {
            raw: raw.unwrap_or(0),
            unit,
        },
    );
    m.insert(key, if raw.is_some() { value } else { Json::Null });
}

/// Nanoseconds as seconds.
fn seconds(ns: u64) -> Json {
    json!(ns as f64 / 1e9)
}

fn code_json<E>(code: Option<u8>, from: fn(u8) -> E, name: fn(E) -> Option<&'static str>) -> Json {
    code.map_or(Json::Null, |c| enum_json(u32::from(c), name(from(c))))
}

fn own_enum(code: u8, name: &str) -> Json {
    enum_json(u32::from(code), Some(name))
}

pub fn time_json(t: UtcNanos, offset_s: i32) -> Json {
    json!(t.to_rfc3339(offset_s))
}

/// `2026-01-01 02:00:00+02:00`: the RFC 3339 form, to the second, for people.
pub fn time_text(t: UtcNanos, offset_s: i32) -> String {
    let s = t.to_rfc3339(offset_s).replacen('T', " ", 1);
    match (s.find('.'), s.rfind(['+', '-'])) {
        (Some(dot), Some(sign)) if sign > dot => format!("{}{}", &s[..dot], &s[sign..]),
        _ => s,
    }
}

/// `3:20.0` or `1:02:03.4`.
pub fn duration_text(ns: u64) -> String {
    let tenths = ns / 100_000_000;
    let (h, m, s, t) = (
        tenths / 36_000,
        tenths / 600 % 60,
        tenths / 10 % 60,
        tenths % 10,
    );
    if h > 0 {
        format!("{h}:{m:02}:{s:02}.{t}")
    } else {
        format!("{m}:{s:02}.{t}")
    }
}

fn duration_json(d: &WorkoutDuration) -> Json {
    let kind = DurationType::from_u8(d.duration_type);
    let mut m = Map::new();
    m.insert(
        "type".into(),
        enum_json(u32::from(d.duration_type), kind.name()),
    );
    let raw = Some(u64::from(d.value));
    match kind {
        DurationType::Time => put(&mut m, "time", raw, Unit::Centiseconds),
        DurationType::Distance => put(&mut m, "distance", raw, Unit::Metres),
        DurationType::Calories => put(&mut m, "energy", raw, Unit::Kcal),
        // Watt-minutes are 60 J each.
        DurationType::WattMinutes => {
            m.insert("work_j".into(), json!(u64::from(d.value) * 60));
        }
        DurationType::Unknown(_) => {
            m.insert("value".into(), json!(d.value));
        }
    }
    Json::Object(m)
}

pub fn duration_target_text(d: &WorkoutDuration) -> String {
    match DurationType::from_u8(d.duration_type) {
        DurationType::Time => duration_text(u64::from(d.value) * 10_000_000),
        DurationType::Distance => format!("{} m", d.value),
        DurationType::Calories => format!("{} kcal", d.value),
        DurationType::WattMinutes => format!("{} watt-minutes", d.value),
        DurationType::Unknown(c) => format!("{} (duration type {c})", d.value),
    }
}

fn monitor_json(m: &MonitorInfo) -> Json {
    json!({
        "serial": m.serial,
        "model": own_enum(m.model.code(), m.model.name()),
        "firmware": m.firmware,
        "hardware": m.hardware,
        "report_sizes": m.report_sizes.iter()
            .map(|r| json!({ "id": hex_id(r.id), "bytes": r.bytes }))
            .collect::<Vec<_>>(),
    })
}

pub fn session_json(s: &Session) -> Json {
    let w = &s.workout;
    let c = &s.counts;
    let t = &s.telemetry;
    let mut progress = Map::new();
    progress.insert(
        "elapsed_s".into(),
        c.last_elapsed_ns.map_or(Json::Null, seconds),
    );
    put(
        &mut progress,
        "distance",
        c.last_distance_dm.map(u64::from),
        Unit::Decimetres,
    );
    json!({
        "id": s.id.as_str(),
        "source": own_enum(s.source.code(), s.source.name()),
        "machine": own_enum(s.machine.code(), s.machine.name()),
        // The monitor could not say (a PM3 or PM4): `machine` is an assumption.
        "machine_assumed": s.machine_assumed,
        "monitor": s.monitor.as_ref().map_or(Json::Null, monitor_json),
        "started_at": time_json(s.started_at, s.utc_offset_s),
        "ended_at": s.ended_at.map_or(Json::Null, |e| time_json(e, s.utc_offset_s)),
        "utc_offset_s": s.utc_offset_s,
        "state": own_enum(s.state.code(), s.state.name()),
        "progress": progress,
        "workout": {
            "type": code_json(w.workout_type, WorkoutType::from_u8, WorkoutType::name),
            "target": w.params.target.as_ref().map_or(Json::Null, duration_json),
            "split": w.params.split.as_ref().map_or(Json::Null, duration_json),
            "intervals": w.params.intervals.iter().map(|i| json!({
                "type": code_json(Some(i.interval_type), IntervalType::from_u8, IntervalType::name),
                "work": duration_json(&i.work),
                "rest_s": i.rest_s,
            })).collect::<Vec<_>>(),
        },
        "tags": { "athlete": s.tags.athlete, "station": s.tags.station, "note": s.tags.note },
        "counts": {
            "samples": c.samples, "strokes": c.strokes, "force_curves": c.force_curves,
            "splits": c.splits, "gaps": c.gaps, "exchanges": c.exchanges,
        },
        "telemetry": {
            "achieved_hz": t.achieved_millihz.map(|m| f64::from(m) / 1000.0),
            // The last bucket is open-ended: no upper bound.
            "rtt_histogram": t.rtt_histogram.iter().map(|b| json!({
                "up_to_s": (b.upper_us != u32::MAX).then(|| f64::from(b.upper_us) / 1e6),
                "count": b.count,
            })).collect::<Vec<_>>(),
            "timeouts": t.timeouts,
            "retries": t.retries,
            "dropped_bytes": t.dropped_bytes,
        },
        "adaptations": t.adaptations.iter().map(|a| json!({
            "what": a.what, "value": a.value, "why": a.why,
        })).collect::<Vec<_>>(),
    })
}

/// `RowErg`, or `RowErg (assumed: the PM3 cannot say; use --machine)`.
pub fn machine_text(s: &Session) -> String {
    if !s.machine_assumed {
        return s.machine.to_string();
    }
    let monitor = s
        .monitor
        .as_ref()
        .map_or("the monitor".to_string(), |m| format!("the {}", m.model));
    format!(
        "{} (assumed: {monitor} cannot say; use --machine)",
        s.machine
    )
}

pub fn sample_json(s: &Sample) -> Json {
    let mut m = Map::new();
    m.insert("elapsed_s".into(), seconds(s.elapsed_ns));
    put(
        &mut m,
        "pm_elapsed",
        Some(u64::from(s.pm_elapsed_cs)),
        Unit::Centiseconds,
    );
    put(
        &mut m,
        "distance",
        Some(u64::from(s.distance_dm)),
        Unit::Decimetres,
    );
    put(
        &mut m,
        "pace",
        Some(u64::from(s.pace_cs_per_500m)),
        Unit::CentisecondsPer500m,
    );
    put(&mut m, "power", Some(u64::from(s.power_w)), Unit::Watts);
    put(&mut m, "rate", Some(u64::from(s.rate_spm)), Unit::Spm);
    put(&mut m, "hr", s.hr_bpm.map(u64::from), Unit::Bpm);
    put(&mut m, "energy", s.energy_kcal.map(u64::from), Unit::Kcal);
    m.insert(
        "stroke_state".into(),
        code_json(
            Some(s.stroke_state),
            StrokeState::from_u8,
            StrokeState::name,
        ),
    );
    m.insert("drag_factor".into(), json!(s.drag_factor));
    m.insert(
        "workout_state".into(),
        code_json(s.workout_state, WorkoutState::from_u8, WorkoutState::name),
    );
    m.insert(
        "interval_type".into(),
        code_json(s.interval_type, IntervalType::from_u8, IntervalType::name),
    );
    m.insert("interval_count".into(), json!(s.interval_count));
    Json::Object(m)
}

pub fn stroke_json(s: &Stroke) -> Json {
    let mut m = Map::new();
    m.insert("index".into(), json!(s.index));
    m.insert("start_s".into(), seconds(s.start_ns));
    m.insert("end_s".into(), seconds(s.end_ns));
    let fields = [
        ("drive_time", s.drive_time_cs, Unit::Centiseconds),
        ("recovery_time", s.recovery_time_cs, Unit::Centiseconds),
        ("drive_length", s.drive_length_cm, Unit::Centimetres),
        ("peak_force", s.peak_force_dlbf, Unit::TenthLbf),
        ("average_force", s.average_force_dlbf, Unit::TenthLbf),
        ("distance", s.distance_cm, Unit::Centimetres),
        ("work", s.work_dj, Unit::TenthJoules),
    ];
    for (name, raw, unit) in fields {
        put(&mut m, name, Some(u64::from(raw)), unit);
    }
    Json::Object(m)
}

pub fn curve_json(c: &ForceCurve) -> Json {
    let (key, samples) = field_json(
        "samples",
        Value::Samples {
            raw: &c.samples_lbf,
            unit: Unit::Lbf,
        },
    );
    let mut m = Map::new();
    m.insert("stroke_index".into(), json!(c.stroke_index));
    m.insert("complete".into(), json!(c.complete));
    m.insert(key, samples);
    Json::Object(m)
}

pub fn split_json(s: &Split) -> Json {
    let mut m = Map::new();
    m.insert("kind".into(), own_enum(s.kind.code(), s.kind.name()));
    m.insert("index".into(), json!(s.index));
    m.insert("start_s".into(), seconds(s.start_ns));
    m.insert("end_s".into(), seconds(s.end_ns));
    put(
        &mut m,
        "time",
        Some(u64::from(s.time_cs)),
        Unit::Centiseconds,
    );
    put(
        &mut m,
        "distance",
        Some(u64::from(s.distance_dm)),
        Unit::Decimetres,
    );
    put(&mut m, "energy", s.energy_kcal.map(u64::from), Unit::Kcal);
    put(
        &mut m,
        "average_power",
        s.average_power_w.map(u64::from),
        Unit::Watts,
    );
    put(
        &mut m,
        "average_rate",
        s.average_rate_spm.map(u64::from),
        Unit::Spm,
    );
    put(
        &mut m,
        "average_hr",
        s.average_hr_bpm.map(u64::from),
        Unit::Bpm,
    );
    m.insert(
        "interval_type".into(),
        code_json(s.interval_type, IntervalType::from_u8, IntervalType::name),
    );
    put(
        &mut m,
        "rest_time",
        s.rest_time_cs.map(u64::from),
        Unit::Centiseconds,
    );
    put(
        &mut m,
        "rest_distance",
        s.rest_distance_dm.map(u64::from),
        Unit::Decimetres,
    );
    Json::Object(m)
}

pub fn gap_json(g: &Gap) -> Json {
    json!({
        "kind": own_enum(g.kind.code(), g.kind.name()),
        "from_s": seconds(g.from_ns),
        "to_s": g.to_ns.map_or(Json::Null, seconds),
    })
}

/// The name shown for a session's device: "Simulated PM5" for the simulator
/// (interface.md), the model otherwise.
pub fn device_text(s: &Session) -> String {
    let model = s.monitor.as_ref().map_or("PM", |m| m.model.name());
    match s.source {
        erglink_model::Source::Sim => format!("Simulated {model}"),
        erglink_model::Source::Usb => model.to_string(),
        erglink_model::Source::Replay => format!("{model} (replay)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_times_and_durations() {
        let t = UtcNanos(1_609_459_200_250_000_000);
        assert_eq!(time_text(t, 7200), "2021-01-01 02:00:00+02:00");
        assert_eq!(time_text(t, -3600), "2020-12-31 23:00:00-01:00");
        assert_eq!(duration_text(200_000_000_000), "3:20.0");
        assert_eq!(duration_text(3_723_400_000_000), "1:02:03.4");
    }
}
