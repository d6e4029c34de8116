//! TCX parsed back with an XML parser (`quick-xml`): the structure
//! Concept2's exports have (Activity, Laps with Tracks of Trackpoints,
//! Creator), and values that agree with the session.

use erglink_export::MemorySource;
use erglink_export::normalize_from;
use erglink_export::tcx::tcx_document;
use erglink_model::Machine;
use erglink_normalize::fixtures::{Plan, Spec, Synthetic, synthesize};
use erglink_normalize::{Options, Resolution};
use quick_xml::Reader;
use quick_xml::events::Event;

#[derive(Debug, Default)]
struct Parsed {
    sport: String,
    laps: usize,
    resting_laps: usize,
    trackpoints: usize,
    distances: Vec<f64>,
    times: Vec<String>,
    watts: usize,
    creator: String,
    /// Each lap's calories, distance and trigger.
    lap_calories: Vec<u32>,
    lap_distances: Vec<f64>,
    triggers: Vec<String>,
}

fn parse(xml: &str) -> Parsed {
    let mut r = Reader::from_str(xml);
    let mut p = Parsed::default();
    let mut path: Vec<String> = Vec::new();
    loop {
        match r.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if name == "Activity" {
                    let sport = e.try_get_attribute("Sport").unwrap().unwrap();
                    p.sport = sport.value.to_string();
                }
                match name.as_str() {
                    "Lap" => p.laps += 1,
                    "Trackpoint" => p.trackpoints += 1,
                    _ => {}
                }
                path.push(name);
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) => {
                let text = t.as_ref().trim().to_string();
                let parent = path.iter().rev().nth(1).map(String::as_str);
                match (path.last().map(String::as_str), parent) {
                    (Some("DistanceMeters"), Some("Trackpoint")) => {
                        p.distances.push(text.parse().unwrap());
                    }
                    (Some("Time"), Some("Trackpoint")) => p.times.push(text),
                    (Some("Watts"), _) => p.watts += 1,
                    (Some("Intensity"), _) if text == "Resting" => p.resting_laps += 1,
                    (Some("Name"), Some("Creator")) => p.creator = text,
                    (Some("Calories"), Some("Lap")) => p.lap_calories.push(text.parse().unwrap()),
                    (Some("DistanceMeters"), Some("Lap")) => {
                        p.lap_distances.push(text.parse().unwrap());
                    }
                    (Some("TriggerMethod"), Some("Lap")) => p.triggers.push(text),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    p
}

fn tcx(syn: &Synthetic, resolution: Resolution) -> Parsed {
    let source = MemorySource::new(vec![syn.clone()]);
    let options = Options {
        resolution,
        ..Options::default()
    };
    let n = normalize_from(&source, &syn.session.id, &options).unwrap();
    let mut out = Vec::new();
    tcx_document(&n, &mut out).unwrap();
    parse(std::str::from_utf8(&out).unwrap())
}

#[test]
fn rowerg_laps_and_one_trackpoint_per_stroke() {
    let syn = synthesize(&Spec::row_2k());
    let p = tcx(&syn, Resolution::Stroke);
    assert_eq!(p.sport, "Other");
    assert_eq!(p.laps, 4);
    assert_eq!(p.trackpoints, syn.strokes.len());
    assert_eq!(p.watts, syn.strokes.len());
    assert_eq!(p.creator, "Simulated PM5");
    assert!(p.distances.windows(2).all(|w| w[0] <= w[1]));
    assert!(
        p.times.iter().all(|t| t.ends_with('Z') && t.len() == 27),
        "{:?}",
        &p.times[..2]
    );
    assert!(p.times.windows(2).all(|w| w[0] <= w[1]));
    // Every lap has its calories, and the laps add up to the 2000 m.
    assert!(
        p.lap_calories.iter().all(|&c| c > 0),
        "{:?}",
        p.lap_calories
    );
    assert_eq!(p.lap_distances.iter().sum::<f64>(), 2000.0);
    assert!(p.triggers.iter().all(|t| t == "Distance"));
}

#[test]
fn intervals_bike_and_resolutions() {
    let syn = synthesize(&Spec {
        plan: Plan::Intervals {
            count: 2,
            metres: 500,
            rest_s: 30,
        },
        ..Spec::row_2k()
    });
    let p = tcx(&syn, Resolution::Stroke);
    assert_eq!((p.laps, p.resting_laps), (4, 2));
    let per_second = tcx(&syn, Resolution::Second);
    let seconds = syn.samples.last().unwrap().elapsed_ns / 1_000_000_000 + 1;
    assert_eq!(per_second.trackpoints as u64, seconds);
    let bike = synthesize(&Spec {
        machine: Machine::BikeErg,
        ..Spec::row_2k()
    });
    assert_eq!(tcx(&bike, Resolution::Stroke).sport, "Biking");
}
