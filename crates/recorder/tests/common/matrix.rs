//! One cell of the quirk matrix: record a 500 m on a simulated monitor with
//! some quirks, then hold the recording against the simulator's ground truth.

use std::fmt;

use erglink_model::{Machine, PmModel, Sample, SplitKind};
use erglink_recorder::{Options, Until};

use super::{Rig, record_sim};

/// A model, a machine and the quirk options of one run.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cell {
    pub model: &'static str,
    pub machine: &'static str,
    pub quirks: String,
}

impl Cell {
    pub fn new(model: &'static str, machine: &'static str, quirks: &str) -> Self {
        Self {
            model,
            machine,
            quirks: quirks.to_string(),
        }
    }

    /// The simulator options: a 500 m flat out, seeded by the cell.
    ///
    /// While a monitor refuses to open (`deny=`) or does not answer
    /// (`asleep=`), no recorder can see a stroke, and the PM keeps only the
    /// last one's curve: the athlete starts three seconds after the monitor
    /// can be read, so that every stroke rowed is one a recorder could see.
    pub fn sim_options(&self) -> String {
        let mut o = format!("machine={}&workout=500m&pacing=max&seed=7", self.machine);
        if !self.quirks.is_empty() {
            o.push('&');
            o.push_str(&self.quirks);
        }
        let unreadable_ms: u64 = self
            .quirks
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| *k == "deny" || *k == "asleep")
            .filter_map(|(_, v)| v.parse::<u64>().ok())
            .sum();
        if unreadable_ms > 0 && !self.has("start") {
            // Opened again every 2 s of bus time while denied (`record_sim`).
            o.push_str(&format!("&start={}", unreadable_ms / 1000 + 2 + 3));
        }
        o
    }

    fn has(&self, key: &str) -> bool {
        self.quirks
            .split('&')
            .any(|kv| kv.split('=').next() == Some(key))
    }

    /// Whether the cell runs at the default processing time, where the
    /// recorder must reach 90 % of the bus limit.
    fn default_timing(&self) -> bool {
        !self.has("proc") && !self.has("slow_end") && !self.has("asleep")
    }

    fn expected_machine(&self) -> Machine {
        match self.machine {
            "skierg" => Machine::SkiErg,
            "bikeerg" => Machine::BikeErg,
            _ => Machine::RowErg,
        }
    }

    /// Whether the monitor can say which machine it sits on: a PM5 answers
    /// `7E ED`, unless it keeps that id behind authentication; a PM3 or PM4
    /// refuses it.
    fn reports_machine(&self) -> bool {
        let gated = self.quirks.split('&').any(|kv| match kv.split_once('=') {
            Some(("proprietary", v)) => {
                v == "refuse"
                    || v == "silent"
                    || v.split_once(':').is_some_and(|(_, ids)| {
                        ids.split(',').any(|id| id.eq_ignore_ascii_case("ED"))
                    })
            }
            _ => false,
        });
        self.model == "pm5" && !gated
    }

    /// A monitor that cannot say which machine it sits on: the cells on a
    /// SkiErg or BikeErg name it as a user would (`--machine`); those on a
    /// RowErg leave it to the documented assumption.
    fn machine_option(&self) -> Option<Machine> {
        (!self.reports_machine() && self.machine != "rower").then(|| self.expected_machine())
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sim:{}?{}", self.model, self.sim_options())
    }
}

/// What one cell came to.
pub struct Outcome {
    pub cell: Cell,
    /// Every check that failed, one line each.
    pub failures: Vec<String>,
    /// Samples per simulated second from the first stroke to the last,
    /// against the bus limit of the report in use (default timing only).
    pub rate_of_limit: Option<f64>,
}

/// Largest gap between two polls outside an unplug or a logging window.
const MAX_POLL_GAP_NS: u64 = 1_000_000_000;

pub fn run_cell(cell: &Cell) -> Outcome {
    let mut failures = Vec::new();
    let mut rate_of_limit = None;
    let rig = Rig::new();
    let options = Options {
        until: Until::Finished,
        machine: cell.machine_option(),
        ..Options::default()
    };
    let run = record_sim(&rig, cell.model, &cell.sim_options(), options);
    let (truth, limit_of, start_ns, sessions) = match run {
        Ok(r) => r,
        Err(e) => {
            return Outcome {
                cell: cell.clone(),
                failures: vec![format!("recording failed: {e}")],
                rate_of_limit,
            };
        }
    };
    let mut check = |ok: bool, what: String| {
        if !ok {
            failures.push(what);
        }
    };
    check(
        sessions.len() == 1,
        format!("{} sessions, expected 1", sessions.len()),
    );
    let Some(summary) = sessions.first() else {
        return Outcome {
            cell: cell.clone(),
            failures,
            rate_of_limit,
        };
    };
    check(
        summary.workout_finished,
        "the workout did not finish".into(),
    );
    let reader = rig.store.reader().unwrap();
    let session = reader.session(&summary.id).unwrap();

    // As many strokes as the simulator rowed.
    let rowed: Vec<_> = truth.strokes_counted().collect();
    let strokes: Vec<_> = reader
        .strokes(&summary.id)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    check(
        strokes.len() == rowed.len(),
        format!("{} strokes stored, {} rowed", strokes.len(), rowed.len()),
    );

    // Every curve the simulator published, complete and equal point for point.
    let published: Vec<_> = truth.curves_published().collect();
    let curves: Vec<_> = reader
        .force_curves(&summary.id)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    check(
        curves.len() == published.len(),
        format!(
            "{} force curves stored, {} published",
            curves.len(),
            published.len()
        ),
    );
    let incomplete = curves.iter().filter(|c| !c.complete).count();
    check(incomplete == 0, format!("{incomplete} curves incomplete"));
    let unequal = curves
        .iter()
        .zip(&published)
        .filter(|(c, t)| c.samples_lbf != t.force_curve)
        .count();
    check(
        unequal == 0,
        format!("{unequal} curves differ from the PM's"),
    );

    // The right machine and model, or the documented assumption.
    let machine_ok = if !cell.reports_machine() && cell.machine_option().is_none() {
        session.machine == Machine::RowErg && session.machine_assumed
    } else {
        session.machine == cell.expected_machine() && !session.machine_assumed
    };
    check(
        machine_ok,
        format!(
            "machine {:?} (assumed: {}), expected {:?}",
            session.machine,
            session.machine_assumed,
            cell.expected_machine()
        ),
    );
    let model = session.monitor.as_ref().map(|m| m.model);
    let expected_model = match cell.model {
        "pm3" => PmModel::Pm3,
        "pm4" => PmModel::Pm4,
        _ => PmModel::Pm5,
    };
    check(
        model == Some(expected_model),
        format!("model {model:?}, expected {expected_model:?}"),
    );

    let samples: Vec<Sample> = reader
        .samples(&summary.id)
        .unwrap()
        .map(Result::unwrap)
        .collect();

    // Pace within 1 % of the simulator's, sample by sample while rowing.
    let mut paced = 0usize;
    let mut off = Vec::new();
    for s in samples.iter().filter(|s| s.power_w > 0) {
        let t = start_ns + s.elapsed_ns;
        let near = [
            t,
            t.saturating_sub(20_000_000),
            t.saturating_sub(40_000_000),
        ]
        .iter()
        .filter_map(|&at| truth.state_at(at))
        .map(|shown| f64::from(shown.stroke_pace_cs))
        .filter(|&p| p > 0.0)
        .any(|p| (f64::from(s.pace_cs_per_500m) - p).abs() <= 0.01 * p);
        paced += 1;
        if !near {
            off.push(s.pace_cs_per_500m);
        }
    }
    check(paced > 0, "no sample carries a pace".into());
    check(
        off.len() * 100 <= paced,
        format!(
            "{} of {paced} samples' pace is more than 1 % off the PM's (e.g. {:?} cs/500 m)",
            off.len(),
            &off[..off.len().min(3)]
        ),
    );

    // Split figures, whichever byte order the `7F` replies use: every split
    // stored is the PM's (its time and distance), and none is missing unless
    // the PM keeps its split figures to itself.
    let pm_splits: Vec<_> = truth.splits.iter().filter(|x| x.workout == 0).collect();
    let stored_splits: Vec<_> = reader
        .splits(&summary.id)
        .unwrap()
        .map(Result::unwrap)
        .filter(|x| x.kind == SplitKind::Split)
        .collect();
    let withheld = cell.has("proprietary") && !cell.quirks.contains("proprietary=answer");
    check(
        stored_splits.len() == pm_splits.len() || withheld && stored_splits.is_empty(),
        format!(
            "{} splits stored, the PM counted {}",
            stored_splits.len(),
            pm_splits.len()
        ),
    );
    for (got, want) in stored_splits.iter().zip(&pm_splits) {
        let (t, d) = (
            f64::from(got.time_cs) / 100.0,
            f64::from(got.distance_dm) / 10.0,
        );
        check(
            (t - want.time_s).abs() <= 0.2 && (d - want.distance_m).abs() <= 1.0,
            format!(
                "split {}: {t:.1} s {d:.1} m stored, the PM's {:.1} s {:.1} m",
                got.index, want.time_s, want.distance_m
            ),
        );
    }

    // No gap in polling over 1 s, but in an unplug or while the PM logs.
    let logging: Vec<(u64, u64)> = truth.logging_windows().collect();
    let gaps: Vec<_> = reader
        .gaps(&summary.id)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let excused = |a: u64, b: u64| {
        logging
            .iter()
            .any(|&(from, to)| start_ns + a < to && start_ns + b > from)
            || !gaps.is_empty()
    };
    let worst_gap = samples
        .windows(2)
        .filter(|w| !excused(w[0].elapsed_ns, w[1].elapsed_ns))
        .map(|w| w[1].elapsed_ns - w[0].elapsed_ns)
        .max()
        .unwrap_or(0);
    check(
        worst_gap <= MAX_POLL_GAP_NS,
        format!("a polling gap of {} ms", worst_gap / 1_000_000),
    );

    // From the first stroke to the last, at least 90 % of the bus limit.
    if cell.default_timing()
        && let (Some(first), Some(last)) = (rowed.first(), rowed.last())
    {
        let (from, to) = (first.start_ns, last.end_ns.max(first.start_ns + 1));
        let n = samples
            .iter()
            .filter(|s| (from..=to).contains(&(start_ns + s.elapsed_ns)))
            .count();
        let rate = n as f64 / ((to - from) as f64 / 1e9);
        let limit = limit_of(summary.report_id);
        let share = rate / limit;
        rate_of_limit = Some(share);
        check(
            share >= 0.9,
            format!(
                "{rate:.1} samples/s, {:.1} % of the bus limit {limit:.1}/s of report {}",
                share * 100.0,
                summary.report_id
            ),
        );
    }
    Outcome {
        cell: cell.clone(),
        failures,
        rate_of_limit,
    }
}
