//! Every Terra document the normaliser emits validates against Terra's
//! published schemas, made strict (undeclared keys rejected) with
//! timestamps checked: RowErg, SkiErg and BikeErg; intervals; no heart
//! rate; an interrupted session; a two-hour session; every resolution.

use std::sync::OnceLock;

use erglink_model::Machine;
use erglink_normalize::fixtures::{Plan, Spec, Synthetic, synthesize};
use erglink_normalize::schema_check::TerraSchema;
use erglink_normalize::{ActivityType, Normalized, Options, Resolution, TimeBase, normalize};
use serde_json::{Value, json};

fn schema() -> &'static TerraSchema {
    static S: OnceLock<TerraSchema> = OnceLock::new();
    S.get_or_init(|| TerraSchema::strict("Activity").expect("load Terra's schemas"))
}

fn run(syn: &Synthetic, options: &Options) -> Normalized {
    normalize(
        &syn.session,
        &syn.strokes,
        &syn.splits,
        &syn.gaps,
        &syn.samples,
        options,
    )
    .expect("normalise")
}

/// Serialises, validates, and checks the integer-typed fields.
fn valid(n: &Normalized) -> Value {
    let text = serde_json::to_string(&n.to_activity()).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let problems = schema().problems(&doc);
    assert!(problems.is_empty(), "{problems:#?}");
    // Terra's Python SDK types these as int: a float there fails its parse.
    let ints = [
        "/metadata/type",
        "/metadata/upload_type",
        "/distance_data/summary/distance_meters",
        "/calories_data/total_burned_calories",
    ];
    for p in ints {
        if let Some(v) = doc.pointer(p) {
            assert!(v.is_u64(), "{p} = {v}");
        }
    }
    for lap in doc
        .pointer("/lap_data/laps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        assert!(
            lap["total_strokes"].is_u64() && lap["active_duration_seconds"].is_u64(),
            "{lap}"
        );
    }
    laps_within(&doc);
    doc
}

fn spec(machine: Machine, plan: Plan) -> Spec {
    Spec {
        machine,
        plan,
        ..Spec::row_2k()
    }
}

fn len(doc: &Value, p: &str) -> usize {
    doc.pointer(p).and_then(Value::as_array).map_or(0, Vec::len)
}

#[test]
fn rowerg_2000m_with_splits() {
    let syn = synthesize(&Spec::row_2k());
    let n = run(&syn, &Options::default());
    let doc = valid(&n);
    let m = &doc["metadata"];
    assert_eq!(m["type"], 54);
    assert_eq!(m["upload_type"], 1);
    assert_eq!(m["name"], "2000m");
    assert_eq!(m["summary_id"], format!("erglink-{}", syn.session.id));
    assert_eq!(m["timestamp_localization"], 1);
    assert_eq!(m["start_time"], "2026-03-01T10:00:00.000000+01:00");
    assert_eq!(doc["device_data"]["name"], "Simulated PM5");
    assert_eq!(doc["device_data"]["manufacturer"], "Concept2");
    assert_eq!(doc["device_data"]["serial_number"], "430000000");
    assert_eq!(doc["device_data"]["software_version"], "171");
    let d = doc["distance_data"]["summary"]["distance_meters"]
        .as_u64()
        .unwrap();
    assert!((2000..2010).contains(&d), "{d}");
    // One point per stroke.
    assert_eq!(
        len(&doc, "/distance_data/detailed/distance_samples"),
        syn.strokes.len()
    );
    assert_eq!(
        len(&doc, "/movement_data/cadence_samples"),
        syn.strokes.len()
    );
    let laps = doc["lap_data"]["laps"].as_array().unwrap();
    assert_eq!(laps.len(), 4);
    assert!(laps.iter().all(|l| l["trigger_method"] == "DISTANCE"));
    let strokes: u64 = laps
        .iter()
        .map(|l| l["total_strokes"].as_u64().unwrap())
        .sum();
    assert!(strokes as usize <= syn.strokes.len() && strokes > 0);
    // The laps add up to the session, to the metre and the calorie.
    let sum = |key: &str| laps.iter().map(|l| l[key].as_f64().unwrap()).sum::<f64>();
    assert_eq!(sum("distance_meters"), 2000.0);
    assert_eq!(
        sum("calories"),
        doc["calories_data"]["total_burned_calories"]
            .as_f64()
            .unwrap()
    );
    for l in laps {
        assert!(
            l["avg_watts"].as_u64().is_some() && l["avg_hr_bpm"].as_u64().is_some(),
            "{l}"
        );
    }
    // 28 strokes a minute (strokes × 60 ÷ time, rounded), as the session's.
    for l in &n.laps {
        assert_eq!(l.split.average_rate_spm, Some(28), "{l:?}");
    }
    assert_eq!(n.summary.avg_rate_spm.map(f64::round), Some(28.0));
    // The same session normalises to the same document: summary_id and all.
    assert_eq!(doc, valid(&run(&syn, &Options::default())));
}

/// Every lap lies within the activity, and its calories are there.
fn laps_within(doc: &Value) {
    let m = &doc["metadata"];
    let (start, end) = (
        m["start_time"].as_str().unwrap(),
        m["end_time"].as_str().unwrap(),
    );
    for l in doc["lap_data"]["laps"].as_array().into_iter().flatten() {
        // Same offset throughout, so the strings compare as times do.
        let (a, b) = (
            l["start_time"].as_str().unwrap(),
            l["end_time"].as_str().unwrap(),
        );
        assert!(
            start <= a && a <= b && b <= end,
            "{a}..{b} outside {start}..{end}"
        );
        assert!(l["calories"].as_u64().is_some(), "{l}");
    }
}

#[test]
fn skierg_default_and_configured_type() {
    let syn = synthesize(&spec(
        Machine::SkiErg,
        Plan::Distance {
            metres: 1000,
            split_m: 250,
        },
    ));
    let doc = valid(&run(&syn, &Options::default()));
    assert_eq!(doc["metadata"]["type"], 103);
    let options = Options {
        skierg_type: ActivityType::CROSS_COUNTRY_SKIING,
        ..Options::default()
    };
    let doc = valid(&run(&syn, &options));
    assert_eq!(doc["metadata"]["type"], 67);
}

#[test]
fn bikeerg() {
    let syn = synthesize(&spec(
        Machine::BikeErg,
        Plan::Distance {
            metres: 4000,
            split_m: 1000,
        },
    ));
    let doc = valid(&run(&syn, &Options::default()));
    assert_eq!(doc["metadata"]["type"], 18);
    assert_eq!(doc["movement_data"]["max_cadence_rpm"], 85);
}

#[test]
fn intervals_with_rest() {
    let syn = synthesize(&spec(
        Machine::RowErg,
        Plan::Intervals {
            count: 4,
            metres: 500,
            rest_s: 60,
        },
    ));
    let doc = valid(&run(&syn, &Options::default()));
    assert_eq!(doc["metadata"]["name"], "4x500m/1:00r");
    let laps = doc["lap_data"]["laps"].as_array().unwrap();
    assert_eq!(laps.len(), 4);
    assert!(laps.iter().all(|l| l["trigger_method"] == "DISTANCE"));
    // The PM counts each interval's metres from zero; Terra's distance counts up.
    let d = doc["distance_data"]["summary"]["distance_meters"]
        .as_u64()
        .unwrap();
    assert!((2000..2010).contains(&d), "{d}");
    let samples = doc["distance_data"]["detailed"]["distance_samples"]
        .as_array()
        .unwrap();
    assert!(
        samples
            .windows(2)
            .all(|w| w[0]["distance_meters"].as_f64() <= w[1]["distance_meters"].as_f64())
    );
    // Four rests of a minute, none after... each interval has its rest.
    let rest = doc["active_durations_data"]["rest_seconds"]
        .as_f64()
        .unwrap();
    assert!((239.0..=241.0).contains(&rest), "{rest}");
}

#[test]
fn no_heart_rate() {
    let syn = synthesize(&Spec {
        heart_rate: false,
        ..Spec::row_2k()
    });
    let doc = valid(&run(&syn, &Options::default()));
    assert!(
        doc.get("heart_rate_data").is_none(),
        "a belt reading of 0 is no reading"
    );
    let provided = &doc["device_data"]["data_provided"];
    assert!(
        !provided.as_array().unwrap().contains(&json!("HEART_RATE")),
        "{provided}"
    );
    assert!(doc["lap_data"]["laps"][0].get("avg_hr_bpm").is_none());
}

#[test]
fn interrupted_session() {
    let syn = synthesize(&Spec {
        interrupted: true,
        ..Spec::row_2k()
    });
    let n = run(&syn, &Options::default());
    let doc = valid(&n);
    let last = syn.samples.last().unwrap().elapsed_ns;
    assert_eq!(n.meta.end, n.meta.at(last));
    // The 3 s hole is left out of the timer; the rest counts.
    let timer = n.summary.active_ns as f64 / 1e9;
    let elapsed = last as f64 / 1e9;
    assert!((elapsed - timer - 3.0).abs() < 0.1, "{elapsed} vs {timer}");
    assert!(len(&doc, "/lap_data/laps") < 4);
}

#[test]
fn two_hours_at_every_resolution() {
    let syn = synthesize(&spec(Machine::RowErg, Plan::JustRow { seconds: 7200 }));
    assert_eq!(syn.samples.len(), 360_000);
    assert!(
        (3300..3500).contains(&syn.strokes.len()),
        "{}",
        syn.strokes.len()
    );
    for (res, points) in [
        (Resolution::Stroke, syn.strokes.len()),
        (Resolution::Second, 7200),
        (Resolution::Full, 360_000),
    ] {
        let n = run(
            &syn,
            &Options {
                resolution: res,
                ..Options::default()
            },
        );
        assert_eq!(n.points.len(), points, "{res}");
        let doc = valid(&n);
        assert_eq!(doc["metadata"]["name"], "Just row");
        assert!(doc.get("lap_data").is_none());
        let hr = len(&doc, "/heart_rate_data/detailed/hr_samples");
        // One reading a second: every stroke and second point has one; full
        // resolution only where it was read.
        assert!((3300..=7200).contains(&hr), "{res}: {hr}");
    }
}

#[test]
fn utc_time_base() {
    let syn = synthesize(&Spec::row_2k());
    let options = Options {
        time_base: TimeBase::Utc,
        ..Options::default()
    };
    let doc = valid(&run(&syn, &options));
    assert_eq!(
        doc["metadata"]["start_time"],
        "2026-03-01T09:00:00.000000+00:00"
    );
    assert_eq!(doc["metadata"]["timestamp_localization"], 0);
}

#[test]
fn strictness_is_real() {
    // The checks reject what Terra's lenient schemas would let through.
    let syn = synthesize(&Spec::row_2k());
    let doc = serde_json::to_value(run(&syn, &Options::default()).to_activity()).unwrap();
    let mut extra = doc.clone();
    extra["metadata"]["drag_factor"] = json!(120);
    assert!(!schema().problems(&extra).is_empty());
    let mut extra = doc.clone();
    extra["power_data"]["power_samples"][0]["peak_force_n"] = json!(900);
    assert!(!schema().problems(&extra).is_empty());
    let mut time = doc.clone();
    time["metadata"]["end_time"] = json!("2026-03-01T10:07:00Z");
    assert!(!schema().problems(&time).is_empty());
    let mut kind = doc;
    kind["metadata"]["type"] = json!(72);
    assert!(!schema().problems(&kind).is_empty());
}
