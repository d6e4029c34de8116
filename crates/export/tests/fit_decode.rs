//! FIT files decoded by an independent decoder (the `fitparser` crate,
//! which also checks both CRCs): record and lap counts, the session, and
//! the force curves in developer fields, long ones split over two fields.

use erglink_export::MemorySource;
use erglink_export::fit::{CURVE_SAMPLES_PER_FIELD, FitRecords, fit_bytes};
use erglink_model::Machine;
use erglink_normalize::fixtures::{Plan, Spec, Synthetic, synthesize};
use fitparser::profile::MesgNum;
use fitparser::{FitDataRecord, Value};

fn decode(syn: &Synthetic, records: FitRecords) -> Vec<FitDataRecord> {
    let source = MemorySource::new(vec![syn.clone()]);
    let bytes = fit_bytes(&source, &syn.session.id, records).unwrap();
    fitparser::from_bytes(&bytes).expect("fitparser reads the file, CRCs included")
}

fn of(recs: &[FitDataRecord], kind: MesgNum) -> Vec<&FitDataRecord> {
    recs.iter().filter(|r| r.kind() == kind).collect()
}

fn field<'a>(r: &'a FitDataRecord, name: &str) -> Option<&'a Value> {
    r.fields()
        .iter()
        .find(|f| f.name() == name)
        .map(|f| f.value())
}

fn num(v: Option<&Value>) -> f64 {
    match v {
        Some(Value::UInt8(x)) => f64::from(*x),
        Some(Value::UInt16(x)) => f64::from(*x),
        Some(Value::UInt32(x)) => f64::from(*x),
        Some(Value::Float64(x)) => *x,
        other => panic!("not a number: {other:?}"),
    }
}

fn u16s(v: Option<&Value>) -> Vec<u16> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::UInt16(x) => *x,
                other => panic!("{other:?}"),
            })
            .collect(),
        Some(Value::UInt16(x)) => vec![*x],
        None => Vec::new(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rowerg_2000m_one_record_per_stroke_with_force_curves() {
    let syn = synthesize(&Spec::row_2k());
    let recs = decode(&syn, FitRecords::Stroke);
    let file_id = of(&recs, MesgNum::FileId);
    assert_eq!(file_id.len(), 1);
    assert_eq!(
        field(file_id[0], "manufacturer"),
        Some(&Value::String("concept2".into()))
    );
    assert_eq!(
        field(file_id[0], "type"),
        Some(&Value::String("activity".into()))
    );

    let records = of(&recs, MesgNum::Record);
    assert_eq!(records.len(), syn.strokes.len());
    let laps = of(&recs, MesgNum::Lap);
    assert_eq!(laps.len(), 4);
    assert!(
        laps.iter()
            .all(|l| field(l, "lap_trigger") == Some(&Value::String("distance".into())))
    );
    let sessions = of(&recs, MesgNum::Session);
    assert_eq!(sessions.len(), 1);
    let s = sessions[0];
    assert_eq!(field(s, "sport"), Some(&Value::String("rowing".into())));
    assert_eq!(
        field(s, "sub_sport"),
        Some(&Value::String("indoor_rowing".into()))
    );
    assert_eq!(num(field(s, "num_laps")), 4.0);
    let km = num(field(s, "total_distance"));
    assert!((2000.0..2010.0).contains(&km), "{km}");
    assert_eq!(of(&recs, MesgNum::Activity).len(), 1);
    assert_eq!(of(&recs, MesgNum::DeviceInfo).len(), 1);

    // Every stroke's curve is back, whole, in the developer fields; the
    // long ones (160 samples) span both fields.
    let mut long = 0;
    for r in &records {
        let k = num(field(r, "stroke_index")) as u32;
        let curve = syn
            .force_curves
            .iter()
            .find(|c| c.stroke_index == k)
            .unwrap();
        let mut got = u16s(field(r, "force_curve"));
        let second = u16s(field(r, "force_curve_2"));
        assert!(got.len() <= CURVE_SAMPLES_PER_FIELD && second.len() <= CURVE_SAMPLES_PER_FIELD);
        long += usize::from(!second.is_empty());
        got.extend(second);
        assert_eq!(got, curve.samples_lbf, "stroke {k}");
        assert_eq!(
            num(field(r, "force_curve_samples")) as usize,
            curve.samples_lbf.len()
        );
        let stroke = &syn.strokes[k as usize];
        assert_eq!(
            num(field(r, "peak_force")),
            f64::from(stroke.peak_force_dlbf) / 10.0
        );
        assert_eq!(
            num(field(r, "drive_length")),
            f64::from(stroke.drive_length_cm) / 100.0
        );
    }
    assert!(long >= 2, "some curves are longer than one field");
    // Timestamps never go back.
    let times: Vec<String> = records
        .iter()
        .map(|r| format!("{:?}", field(r, "timestamp")))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn one_record_per_second() {
    let syn = synthesize(&Spec::row_2k());
    let recs = decode(&syn, FitRecords::Second);
    let seconds = syn.samples.last().unwrap().elapsed_ns / 1_000_000_000 + 1;
    let records = of(&recs, MesgNum::Record);
    assert_eq!(records.len() as u64, seconds);
    assert!(records.iter().all(|r| field(r, "force_curve").is_none()));
    assert!(records.iter().all(|r| field(r, "heart_rate").is_some()));
}

#[test]
fn intervals_get_resting_laps() {
    let syn = synthesize(&Spec {
        plan: Plan::Intervals {
            count: 3,
            metres: 500,
            rest_s: 60,
        },
        ..Spec::row_2k()
    });
    let recs = decode(&syn, FitRecords::Stroke);
    let laps = of(&recs, MesgNum::Lap);
    assert_eq!(laps.len(), 6);
    let rest = laps
        .iter()
        .filter(|l| field(l, "intensity") == Some(&Value::String("rest".into())))
        .count();
    assert_eq!(rest, 3);
}

#[test]
fn bikeerg_without_curves_and_skierg_sport() {
    let bike = synthesize(&Spec {
        machine: Machine::BikeErg,
        plan: Plan::JustRow { seconds: 120 },
        heart_rate: false,
        ..Spec::row_2k()
    });
    let recs = decode(&bike, FitRecords::Stroke);
    // 85 rpm: strokes faster than one a second, so one record a second,
    // no two with the same timestamp, each holding its second's strokes.
    let records = of(&recs, MesgNum::Record);
    let times: Vec<String> = records
        .iter()
        .map(|r| format!("{:?}", field(r, "timestamp")))
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "a timestamp shared");
    assert!(records.len() < bike.strokes.len());
    let held: Vec<u32> = records
        .iter()
        .flat_map(|r| match field(r, "stroke_index") {
            Some(Value::Array(items)) => items.iter().map(|v| num(Some(v)) as u32).collect(),
            Some(v) => vec![num(Some(v)) as u32],
            None => Vec::new(),
        })
        .collect();
    assert_eq!(
        held,
        bike.strokes.iter().map(|s| s.index).collect::<Vec<_>>()
    );
    assert!(
        records
            .iter()
            .any(|r| matches!(field(r, "drive_length"), Some(Value::Array(_))))
    );
    assert_eq!(
        of(&recs, MesgNum::Lap).len(),
        1,
        "a session without splits is one lap"
    );
    let s = of(&recs, MesgNum::Session)[0];
    assert_eq!(field(s, "sport"), Some(&Value::String("cycling".into())));
    assert!(field(s, "avg_heart_rate").is_none());
    let ski = synthesize(&Spec {
        machine: Machine::SkiErg,
        ..Spec::row_2k()
    });
    let recs = decode(&ski, FitRecords::Stroke);
    let s = of(&recs, MesgNum::Session)[0];
    assert_eq!(
        field(s, "sport"),
        Some(&Value::String("cross_country_skiing".into()))
    );
}

#[test]
fn interrupted_session_ends_with_a_tail_lap() {
    let syn = synthesize(&Spec {
        interrupted: true,
        ..Spec::row_2k()
    });
    let recs = decode(&syn, FitRecords::Stroke);
    let laps = of(&recs, MesgNum::Lap);
    assert_eq!(laps.len(), syn.splits.len() + 1);
    assert_eq!(
        field(laps.last().unwrap(), "lap_trigger"),
        Some(&Value::String("session_end".into()))
    );
    assert_eq!(of(&recs, MesgNum::Record).len(), syn.strokes.len());
}

#[test]
fn laps_add_up_their_timers_fit_and_the_creator_is_named() {
    for syn in [
        synthesize(&Spec::row_2k()),
        synthesize(&Spec {
            plan: Plan::Intervals {
                count: 3,
                metres: 500,
                rest_s: 60,
            },
            ..Spec::row_2k()
        }),
        synthesize(&Spec {
            interrupted: true,
            ..Spec::row_2k()
        }),
    ] {
        let recs = decode(&syn, FitRecords::Stroke);
        let creator = of(&recs, MesgNum::FileCreator);
        assert_eq!(creator.len(), 1);
        assert!(field(creator[0], "software_version").is_some());
        let s = of(&recs, MesgNum::Session)[0];
        let laps = of(&recs, MesgNum::Lap);
        for r in laps.iter().copied().chain([s]) {
            let timer = num(field(r, "total_timer_time"));
            let elapsed = num(field(r, "total_elapsed_time"));
            assert!(timer <= elapsed, "timer {timer} > elapsed {elapsed}");
        }
        // Every lap has its calories, and they and the metres add up.
        let sum = |name: &str| laps.iter().map(|l| num(field(l, name))).sum::<f64>();
        assert_eq!(sum("total_calories"), num(field(s, "total_calories")));
        assert!((sum("total_distance") - num(field(s, "total_distance"))).abs() < 0.011);
        // Strokes are "total_strokes" to fitparser, FIT's cycles of rowing.
        for l in laps
            .iter()
            .filter(|l| num(field(l, "total_distance")) > 0.0)
        {
            let per_stroke = num(field(l, "avg_stroke_distance"));
            assert!((9.0..12.0).contains(&per_stroke), "{per_stroke} m a stroke");
        }
        assert!(num(field(s, "avg_stroke_distance")) > 9.0);
    }
}
