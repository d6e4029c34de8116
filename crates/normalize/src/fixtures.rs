//! Deterministic synthetic sessions for tests and benchmarks here and in
//! `erglink-export` (public, not `cfg(test)`, like the store's `test_utils`):
//! any machine, a continuous piece with splits, intervals with rest, with
//! or without a heart-rate belt, interrupted or complete, of any length.
//!
//! Each is a pure function of its [`Spec`], so golden files stay byte-stable.
//! The physics is simple but consistent: power per stroke varies a little,
//! pace follows from power as on a PM (P = 2.80 / (pace/500 m)³), distance
//! from pace, energy from power (about 4 kcal/h per watt plus 300 kcal/h).
//!
//! Splits and intervals carry what the PM gives: time, distance (exactly
//! the split's or interval's length), interval type and rest. Calories and
//! averages are left for the normaliser (or the store, once recorded) to
//! work out from the samples, as for a row the store has not finished.

use erglink_model::{
    ForceCurve, Gap, GapKind, IntervalPlan, Machine, MonitorInfo, NewSession, PmModel, ReportSize,
    Sample, Session, SessionCounts, SessionEnd, SessionId, SessionState, Source, Split, SplitKind,
    Stroke, Tags, Telemetry, UtcNanos, Workout, WorkoutDuration, WorkoutParams,
};

/// 50 Hz.
pub const SAMPLE_PERIOD_NS: u64 = 20_000_000;
/// Heart rate, energy and workout state are read every this many samples (1 s).
pub const SLOW_EVERY: u64 = 50;
/// 2026-03-01T09:00:00Z.
const BASE_NS: i64 = 1_772_355_600_000_000_000;

/// The shape of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// A fixed distance with splits: metres, split metres.
    Distance { metres: u32, split_m: u32 },
    /// Distance intervals with rest: count, metres each, rest seconds.
    Intervals {
        count: u32,
        metres: u32,
        rest_s: u16,
    },
    /// Just row for a number of seconds, no splits.
    JustRow { seconds: u32 },
}

/// What to synthesise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// The ergometer.
    pub machine: Machine,
    /// The workout.
    pub plan: Plan,
    /// A paired heart-rate belt.
    pub heart_rate: bool,
    /// The recorder died part way: a 3 s gap at 40 %, and the monitor gone at 60 %.
    pub interrupted: bool,
    /// Varies the start time (hours after 2026-03-01T09:00Z) and the id.
    pub seed: u32,
}

impl Spec {
    /// A 2000 m row with 500 m splits and a belt.
    pub fn row_2k() -> Self {
        Self {
            machine: Machine::RowErg,
            plan: Plan::Distance {
                metres: 2000,
                split_m: 500,
            },
            heart_rate: true,
            interrupted: false,
            seed: 0,
        }
    }
}

/// A synthesised session and everything it recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Synthetic {
    /// As the store would return it.
    pub session: Session,
    /// 50 Hz samples.
    pub samples: Vec<Sample>,
    /// Strokes.
    pub strokes: Vec<Stroke>,
    /// One force curve per stroke (none on the BikeErg).
    pub force_curves: Vec<ForceCurve>,
    /// Splits or intervals, with the PM's figures only.
    pub splits: Vec<Split>,
    /// Gaps (interrupted sessions only).
    pub gaps: Vec<Gap>,
}

impl Synthetic {
    /// What a recorder would tell the store at the start.
    pub fn new_session(&self) -> NewSession {
        let s = &self.session;
        NewSession {
            source: s.source,
            monitor: s.monitor.clone(),
            machine: s.machine,
            machine_assumed: false,
            started_at: s.started_at,
            utc_offset_s: s.utc_offset_s,
            workout: s.workout.clone(),
            tags: s.tags.clone(),
        }
    }

    /// What a recorder would tell the store at the end; `None` when it died.
    pub fn end(&self) -> Option<SessionEnd> {
        (self.session.state == SessionState::Complete).then(|| SessionEnd {
            ended_at: self.session.ended_at.unwrap_or(self.session.started_at),
            state: SessionState::Complete,
            telemetry: Telemetry::default(),
        })
    }
}

struct Machine3 {
    base_w: f64,
    rate: f64,
    /// Metres per "500 m" of the PM's pace: the BikeErg's pace is per 1000 m
    /// on its display, but the model stores it per 500 m like the others.
    speed_factor: f64,
    curves: bool,
}

fn machine(m: Machine) -> Machine3 {
    match m {
        Machine::RowErg => Machine3 {
            base_w: 250.0,
            rate: 28.0,
            speed_factor: 1.0,
            curves: true,
        },
        Machine::SkiErg => Machine3 {
            base_w: 200.0,
            rate: 36.0,
            speed_factor: 1.0,
            curves: true,
        },
        Machine::BikeErg => Machine3 {
            base_w: 220.0,
            rate: 85.0,
            speed_factor: 2.0,
            curves: false,
        },
    }
}

/// Builds the session `spec` describes.
pub fn synthesize(spec: &Spec) -> Synthetic {
    let mc = machine(spec.machine);
    let started_at = UtcNanos(BASE_NS + i64::from(spec.seed) * 3_600_000_000_000);
    let id = SessionId::from_parts(
        (started_at.0 / 1_000_000) as u64,
        0x00E2_611C_0000_0000_0000 + u128::from(spec.seed),
    );
    // The work segments: (metres or seconds to do, rest after it in s).
    let (segments, workout): (Vec<(f64, bool, u16)>, Workout) = match spec.plan {
        Plan::Distance { metres, split_m } => (
            vec![(f64::from(metres), true, 0)],
            Workout {
                workout_type: Some(3),
                params: WorkoutParams {
                    target: Some(WorkoutDuration {
                        duration_type: 0x80,
                        value: metres,
                    }),
                    split: Some(WorkoutDuration {
                        duration_type: 0x80,
                        value: split_m,
                    }),
                    intervals: Vec::new(),
                },
            },
        ),
        Plan::Intervals {
            count,
            metres,
            rest_s,
        } => {
            let plan = IntervalPlan {
                interval_type: 1,
                work: WorkoutDuration {
                    duration_type: 0x80,
                    value: metres,
                },
                rest_s,
            };
            (
                vec![(f64::from(metres), true, rest_s); count as usize],
                Workout {
                    workout_type: Some(7),
                    params: WorkoutParams {
                        target: None,
                        split: None,
                        intervals: vec![plan; count as usize],
                    },
                },
            )
        }
        Plan::JustRow { seconds } => (
            vec![(f64::from(seconds), false, 0)],
            Workout {
                workout_type: Some(0),
                params: WorkoutParams::default(),
            },
        ),
    };
    let split_m = match spec.plan {
        Plan::Distance { split_m, .. } => Some(f64::from(split_m)),
        _ => None,
    };
    let interval_state = if matches!(spec.plan, Plan::Intervals { .. }) {
        5
    } else {
        1
    };

    let mut out = Synthetic {
        session: Session {
            id,
            source: Source::Sim,
            monitor: Some(MonitorInfo {
                serial: format!("{}", 430_000_000 + spec.seed),
                model: PmModel::Pm5,
                firmware: "171".into(),
                hardware: "634".into(),
                report_sizes: vec![
                    ReportSize { id: 1, bytes: 21 },
                    ReportSize { id: 2, bytes: 121 },
                    ReportSize { id: 4, bytes: 501 },
                ],
            }),
            machine: spec.machine,
            machine_assumed: false,
            started_at,
            utc_offset_s: 3600,
            ended_at: None,
            workout,
            tags: Tags {
                athlete: Some("A. Rower".into()),
                station: Some(format!("erg-{}", spec.seed)),
                note: None,
            },
            state: SessionState::Complete,
            telemetry: Telemetry::default(),
            counts: SessionCounts::default(),
        },
        samples: Vec::new(),
        strokes: Vec::new(),
        force_curves: Vec::new(),
        splits: Vec::new(),
        gaps: Vec::new(),
    };

    let stroke_ns = (60e9 / mc.rate) as u64;
    let mut i: u64 = 0; // sample number
    let mut energy = 0.0f64;
    let mut stroke_k: u32 = 0;
    for (seg, (amount, by_distance, rest_s)) in segments.iter().enumerate() {
        let seg_start_i = i;
        let mut dist = 0.0f64; // metres in this segment, as the PM counts it
        // The open split's first sample and number.
        let mut split_start = (i, 0u32);
        loop {
            let t_ns = i * SAMPLE_PERIOD_NS;
            let seg_t = (i - seg_start_i) as f64 * SAMPLE_PERIOD_NS as f64 / 1e9;
            if (*by_distance && dist >= *amount) || (!by_distance && seg_t >= *amount) {
                break;
            }
            // Strokes start on a fixed grid from the segment's start.
            let in_seg_ns = (i - seg_start_i) * SAMPLE_PERIOD_NS;
            if in_seg_ns % stroke_ns < SAMPLE_PERIOD_NS {
                push_stroke(&mut out, stroke_k, t_ns, stroke_ns, &mc);
                stroke_k += 1;
            }
            let k = stroke_k.saturating_sub(1);
            let power = mc.base_w + 12.0 * ((f64::from(k) * 0.7).sin());
            let pace_s = 500.0 * (2.8 / power).cbrt() / mc.speed_factor;
            let speed = 500.0 / pace_s;
            dist += speed * SAMPLE_PERIOD_NS as f64 / 1e9;
            energy += (4.0 * power + 300.0) / 3600.0 * SAMPLE_PERIOD_NS as f64 / 1e9;
            let slow = i.is_multiple_of(SLOW_EVERY);
            let phase = (t_ns - out.strokes.last().map_or(0, |s| s.start_ns)) * 3 / stroke_ns;
            let hr = 130.0 + 30.0 * (1.0 - (-(i as f64) / 9000.0).exp());
            out.samples.push(Sample {
                elapsed_ns: elapsed(i),
                pm_elapsed_cs: ((i - seg_start_i) * 2) as u32,
                distance_dm: (dist * 10.0) as u32,
                pace_cs_per_500m: (pace_s * 100.0).round() as u32,
                power_w: power.round() as u16,
                rate_spm: mc.rate as u8,
                hr_bpm: slow.then_some(if spec.heart_rate { hr.round() as u8 } else { 0 }),
                energy_kcal: slow.then_some(energy as u16),
                stroke_state: if phase == 0 { 2 } else { 4 },
                drag_factor: slow.then_some(if spec.machine == Machine::RowErg {
                    120
                } else {
                    90
                }),
                workout_state: slow.then_some(interval_state),
                interval_type: slow.then_some(if interval_state == 5 { 1 } else { 255 }),
                interval_count: slow.then_some(seg as u8),
            });
            i += 1;
            if let Some(sm) = split_m
                && dist >= (f64::from(split_start.1) + 1.0) * sm
            {
                out.splits.push(split(
                    SplitKind::Split,
                    split_start.1,
                    &out.samples,
                    split_start.0,
                    i,
                    (sm * 10.0) as u32,
                ));
                split_start = (i, split_start.1 + 1);
            }
        }
        if split_m.is_none() && *by_distance {
            let mut row = split(
                SplitKind::Interval,
                seg as u32,
                &out.samples,
                seg_start_i,
                i,
                (amount * 10.0) as u32,
            );
            row.interval_type = Some(1);
            row.rest_time_cs = Some(u32::from(*rest_s) * 100);
            row.rest_distance_dm = Some(0);
            out.splits.push(row);
        }
        // Rest: the flywheel stops; the PM shows rest, distance frozen.
        for r in 0..u64::from(*rest_s) * 50 {
            let slow = i.is_multiple_of(SLOW_EVERY);
            energy += 300.0 / 3600.0 * SAMPLE_PERIOD_NS as f64 / 1e9;
            out.samples.push(Sample {
                elapsed_ns: elapsed(i),
                pm_elapsed_cs: (r * 2) as u32,
                distance_dm: (dist * 10.0) as u32,
                pace_cs_per_500m: 0,
                power_w: 0,
                rate_spm: 0,
                hr_bpm: slow.then_some(if spec.heart_rate { 125 } else { 0 }),
                energy_kcal: slow.then_some(energy as u16),
                stroke_state: 0,
                drag_factor: None,
                workout_state: slow.then_some(3),
                interval_type: slow.then_some(2),
                interval_count: slow.then_some(seg as u8),
            });
            i += 1;
        }
    }
    let last_ns = out.samples.last().map_or(0, |s| s.elapsed_ns);
    if spec.interrupted {
        cut(&mut out, last_ns);
    }
    let end_ns = out.samples.last().map_or(0, |s| s.elapsed_ns);
    out.session.ended_at = Some(started_at.plus_ns(end_ns));
    let c = &mut out.session.counts;
    c.samples = out.samples.len() as u64;
    c.strokes = out.strokes.len() as u64;
    c.force_curves = out.force_curves.len() as u64;
    c.splits = out.splits.len() as u64;
    c.gaps = out.gaps.len() as u64;
    c.last_elapsed_ns = out.samples.last().map(|s| s.elapsed_ns);
    c.last_distance_dm = out.samples.last().map(|s| s.distance_dm);
    out
}

/// Sample `i`'s time, with a little jitter, as a real transport has.
fn elapsed(i: u64) -> u64 {
    i * SAMPLE_PERIOD_NS + (i * 7919 % 1000) * 1000
}

fn push_stroke(out: &mut Synthetic, k: u32, start_ns: u64, stroke_ns: u64, mc: &Machine3) {
    let drive_cs = (stroke_ns / 3 / 10_000_000) as u16;
    out.strokes.push(Stroke {
        index: k,
        start_ns,
        end_ns: start_ns + stroke_ns,
        drive_time_cs: drive_cs,
        recovery_time_cs: (stroke_ns / 10_000_000) as u16 - drive_cs,
        drive_length_cm: 140 + (k % 7) as u16,
        peak_force_dlbf: 2200 + (k % 40) as u16 * 5,
        average_force_dlbf: 1300 + (k % 30) as u16 * 4,
        distance_cm: 1000 + (k % 9) as u16 * 5,
        work_dj: 6800 + (k % 25) as u16 * 10,
    });
    if mc.curves {
        // A hump of 30..45 samples; a long one now and then, past 127 samples,
        // to exercise the FIT writer's split into two fields.
        let n: u64 = if k % 50 == 49 {
            160
        } else {
            30 + u64::from(k % 16)
        };
        let peak = 220 + u64::from(k % 40);
        out.force_curves.push(ForceCurve {
            stroke_index: k,
            samples_lbf: (0..n)
                .map(|j| (peak * 4 * j * (n - j) / (n * n)) as u16)
                .collect(),
            complete: k % 10 != 9,
        });
    }
}

/// The PM's figures of samples `from..to`.
fn split(
    kind: SplitKind,
    index: u32,
    samples: &[Sample],
    from: u64,
    to: u64,
    distance_dm: u32,
) -> Split {
    let at = |i: u64| samples[(i as usize).min(samples.len() - 1)].elapsed_ns;
    // The next row starts at the sample that ends this one.
    let end_ns = elapsed(to);
    Split {
        kind,
        index,
        start_ns: at(from),
        end_ns,
        time_cs: ((to - from) * 2) as u32,
        distance_dm,
        energy_kcal: None,
        average_power_w: None,
        average_rate_spm: None,
        average_hr_bpm: None,
        interval_type: None,
        rest_time_cs: None,
        rest_distance_dm: None,
    }
}

/// Makes the session one whose recorder died: a 3 s hole at 40 % (timed
/// out, back again), and nothing after 60 % (unplugged, never back).
fn cut(out: &mut Synthetic, last_ns: u64) {
    let hole = (last_ns * 2 / 5, last_ns * 2 / 5 + 3_000_000_000);
    let stop = last_ns * 3 / 5;
    out.samples
        .retain(|s| s.elapsed_ns <= stop && !(s.elapsed_ns > hole.0 && s.elapsed_ns < hole.1));
    let last_before_hole = out
        .samples
        .iter()
        .rev()
        .find(|s| s.elapsed_ns <= hole.0)
        .map_or(0, |s| s.elapsed_ns);
    let first_after_hole = out
        .samples
        .iter()
        .find(|s| s.elapsed_ns >= hole.1)
        .map_or(hole.1, |s| s.elapsed_ns);
    let end = out.samples.last().map_or(0, |s| s.elapsed_ns);
    out.strokes
        .retain(|s| s.end_ns <= end && !(s.start_ns < hole.1 && s.end_ns > hole.0));
    let kept: Vec<u32> = out.strokes.iter().map(|s| s.index).collect();
    out.force_curves
        .retain(|c| kept.binary_search(&c.stroke_index).is_ok());
    out.splits.retain(|s| s.end_ns <= end);
    out.gaps = vec![
        Gap {
            kind: GapKind::TimedOut,
            from_ns: last_before_hole,
            to_ns: Some(first_after_hole),
        },
        Gap {
            kind: GapKind::Unplugged,
            from_ns: end,
            to_ns: None,
        },
    ];
    out.session.state = SessionState::Interrupted;
}
