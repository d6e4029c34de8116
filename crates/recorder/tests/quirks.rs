//! The recorder under the protocol's unknowns, one at a time, against the
//! simulator's ground truth (issue [1/7] §2).

mod common;

use common::{Rig, record_sim, until_finished};
use erglink_model::{Adaptation, Machine, PmModel, Sample};
use erglink_recorder::adapt::what;
use erglink_recorder::{Options, SessionSummary};
use erglink_sim::GroundTruth;

/// One recording with what the checks need.
struct Run {
    truth: GroundTruth,
    start_ns: u64,
    summary: SessionSummary,
    samples: Vec<Sample>,
    strokes: Vec<erglink_model::Stroke>,
    curves: Vec<erglink_model::ForceCurve>,
    session: erglink_model::Session,
}

fn run(model: &str, sim: &str, options: Options) -> Run {
    let rig = Rig::new();
    let (truth, _, start_ns, sessions) = record_sim(&rig, model, sim, options).unwrap();
    assert_eq!(sessions.len(), 1, "{model} {sim}");
    let summary = sessions[0].clone();
    let reader = rig.store.reader().unwrap();
    let id = &summary.id;
    Run {
        samples: reader.samples(id).unwrap().map(Result::unwrap).collect(),
        strokes: reader.strokes(id).unwrap().map(Result::unwrap).collect(),
        curves: reader
            .force_curves(id)
            .unwrap()
            .map(Result::unwrap)
            .collect(),
        session: reader.session(id).unwrap(),
        truth,
        start_ns,
        summary,
    }
}

fn dropped(a: &[Adaptation]) -> Vec<&str> {
    a.iter()
        .filter(|a| a.what == what::COMMAND_DROPPED)
        .map(|a| a.value.as_str())
        .collect()
}

impl Run {
    /// Every stroke and every curve, complete and equal point for point.
    fn every_curve(&self) {
        let rowed: Vec<_> = self.truth.strokes_counted().collect();
        assert_eq!(self.strokes.len(), rowed.len(), "strokes");
        let published: Vec<_> = self.truth.curves_published().collect();
        assert_eq!(self.curves.len(), published.len(), "curves");
        for (c, t) in self.curves.iter().zip(&published) {
            assert!(c.complete, "curve {} complete", c.stroke_index);
            assert_eq!(c.samples_lbf, t.force_curve, "curve {}", c.stroke_index);
        }
    }

    /// The share of rowing samples whose pace is within 1 % of the PM's.
    fn pace_within_1_percent(&self) -> f64 {
        let rowing: Vec<&Sample> = self.samples.iter().filter(|s| s.power_w > 0).collect();
        let near = rowing
            .iter()
            .filter(|s| {
                let t = self.start_ns + s.elapsed_ns;
                [t, t.saturating_sub(20_000_000)]
                    .iter()
                    .filter_map(|&at| self.truth.state_at(at))
                    .map(|shown| f64::from(shown.stroke_pace_cs))
                    .any(|p| p > 0.0 && (f64::from(s.pace_cs_per_500m) - p).abs() <= 0.01 * p)
            })
            .count();
        near as f64 / rowing.len().max(1) as f64
    }
}

#[test]
fn a_refused_command_is_found_and_dropped_alone() {
    for prev in ["this", "last"] {
        // A PM3 refuses the stroke statistics and the workout's target.
        let r = run(
            "pm3",
            &format!("workout=2000m&seed=11&prev_status={prev}"),
            until_finished(),
        );
        let mut d = dropped(&r.summary.adaptations);
        d.sort_unstable();
        assert_eq!(
            d,
            ["PM_GET_STROKESTATS", "PM_GET_WORKOUTDURATION"],
            "prev_status={prev}: exactly the refused ones, each once"
        );
        r.every_curve();
        // A PM5 refusing one split figure: that one only is dropped.
        let r = run(
            "pm5",
            &format!("workout=2000m&seed=12&prev_status={prev}&proprietary=refuse:BA"),
            until_finished(),
        );
        assert_eq!(
            dropped(&r.summary.adaptations),
            ["PM_GET_LAST_SPLITTIME"],
            "prev_status={prev}"
        );
        r.every_curve();
        assert!(r.summary.machine == Machine::RowErg && !r.summary.machine_assumed);
    }
}

#[test]
fn silent_proprietary_getters_never_starve_the_polls() {
    for sim in [
        "workout=2000m&seed=13&proprietary=silent",
        "workout=2000m&seed=13&proprietary=silent&proc=20-200",
    ] {
        let options = Options {
            machine: Some(Machine::RowErg),
            ..until_finished()
        };
        let r = run("pm5", sim, options);
        assert!(
            r.summary.longest_gap_ns <= 1_000_000_000,
            "{sim}: a polling gap of {} ms",
            r.summary.longest_gap_ns / 1_000_000
        );
        let d = dropped(&r.summary.adaptations);
        // Asked in the polls: given up after three timeouts in a row. (The
        // machine and the workout's target are asked only between sessions.)
        for must in ["PM_GET_LAST_SPLITDISTANCE", "PM_GET_LAST_SPLITTIME"] {
            assert!(d.contains(&must), "{sim}: {must} given up: {d:?}");
        }
        assert!(
            d.iter().all(|c| c.starts_with("PM_GET_")),
            "{sim}: only proprietary getters: {d:?}"
        );
        assert!(
            r.summary
                .adaptations
                .iter()
                .filter(|a| a.what == what::COMMAND_DROPPED)
                .all(|a| a.why.contains("3 times")),
            "{:?}",
            r.summary.adaptations
        );
        r.every_curve();
    }
}

#[test]
fn pace_is_right_whatever_getpace_means() {
    for units in ["s_km", "s_500m", "cs_500m"] {
        for machine in ["rower", "skierg", "bikeerg"] {
            let r = run(
                "pm5",
                &format!("workout=2000m&seed=14&machine={machine}&pace_units={units}"),
                until_finished(),
            );
            let scale: Vec<&str> = r
                .summary
                .adaptations
                .iter()
                .filter(|a| a.what == what::PACE_SCALE)
                .map(|a| a.value.as_str())
                .collect();
            assert_eq!(scale, [units], "{machine}");
            let share = r.pace_within_1_percent();
            assert!(
                share >= 0.99,
                "{machine} {units}: {:.1} % within 1 %",
                share * 100.0
            );
        }
    }
}

#[test]
fn stroke_statistics_land_on_their_own_stroke() {
    for stats in ["drive", "recovery", "late"] {
        for prev in ["this", "last"] {
            let r = run(
                "pm5",
                &format!("workout=2000m&seed=15&stats={stats}&prev_status={prev}"),
                until_finished(),
            );
            let rowed: Vec<_> = r.truth.strokes_counted().collect();
            assert_eq!(r.strokes.len(), rowed.len(), "{stats}");
            for (s, t) in r.strokes.iter().zip(&rowed) {
                let want = &t.published.stats;
                assert_eq!(
                    (s.drive_time_cs, s.peak_force_dlbf, s.work_dj),
                    (
                        u16::from(want.drive_time),
                        want.peak_drive_force,
                        want.work_per_stroke
                    ),
                    "stats={stats} prev_status={prev}: stroke {}",
                    s.index
                );
                assert_eq!(s.drive_length_cm, u16::from(want.stroke_length));
            }
            assert!(dropped(&r.summary.adaptations).is_empty());
        }
    }
}

#[test]
fn cadence_without_its_units_byte_and_no_belt_as_255() {
    let r = run(
        "pm3",
        "workout=2000m&seed=16&machine=skierg&cadence_units=no&hr=off&hr_none=255&model_byte=5&echo=bare",
        Options {
            machine: Some(Machine::SkiErg),
            ..until_finished()
        },
    );
    let late = |s: &&Sample| s.elapsed_ns > 10_000_000_000 && s.power_w > 0;
    assert!(r.samples.iter().filter(late).all(|s| s.rate_spm > 0));
    assert!(
        r.samples.iter().all(|s| s.hr_bpm.is_none()),
        "255 is no belt"
    );
    assert_eq!(r.session.machine, Machine::SkiErg);
    assert_eq!(r.session.monitor.as_ref().unwrap().model, PmModel::Pm3);
    assert!(
        r.summary
            .adaptations
            .iter()
            .any(|a| a.what == what::MODEL && a.value == "PM3")
    );
    r.every_curve();
}

#[test]
fn the_machine_of_one_monitor_by_its_serial() {
    let options = Options {
        machine: Some(Machine::SkiErg),
        machine_by_serial: vec![("300000017".into(), Machine::BikeErg)],
        ..until_finished()
    };
    let r = run(
        "pm4",
        "workout=2000m&seed=17&machine=bikeerg&serial=300000017",
        options,
    );
    assert_eq!(r.summary.machine, Machine::BikeErg);
    assert!(!r.summary.machine_assumed);
    assert!(r.pace_within_1_percent() >= 0.99);
}
