//! The readings that need strokes: GETPACE's unit, told apart by power, and
//! when the stroke statistics are published, told apart by the stroke state.

use erglink_model::Machine;
use erglink_recorder::pace::PaceScale;

use super::readings::Reading;

/// How far the pace a reading gives may be from the pace the power implies.
/// The three readings are at least a factor of two apart.
const PACE_TOLERANCE: f64 = 0.10;
/// Strokes that must agree before a reading of GETPACE is settled.
const PACE_MIN_SAMPLES: usize = 3;

/// GETPACE and GETPOWER from one reply, while rowing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaceSample {
    /// GETPACE's value, as sent.
    pub pace_raw: u16,
    /// GETPOWER, watts.
    pub power_w: u16,
}

/// The pace per 500 m that `power_w` implies on `machine`, seconds: the
/// recorder's relation (Concept2's for RowErg and SkiErg; the simulator's,
/// unverified, for the BikeErg).
fn pace_for_power(power_w: u16, machine: Machine) -> f64 {
    f64::from(erglink_recorder::pace::pace_for_power(machine, power_w)) / 100.0
}

/// The reading that fits one sample on one machine, if any.
fn fitting(sample: PaceSample, machine: Machine) -> Option<&'static str> {
    let expected = pace_for_power(sample.power_w, machine);
    PaceScale::ALL.iter().find_map(|&scale| {
        let read = f64::from(scale.cs_per_500m(sample.pace_raw)) / 100.0;
        ((read / expected).ln().abs() < (1.0 + PACE_TOLERANCE).ln()).then_some(scale.name())
    })
}

/// Settles GETPACE's unit on one machine: the reading every sample fits.
fn settle(samples: &[PaceSample], machine: Machine) -> Result<&'static str, String> {
    let mut found: Option<&'static str> = None;
    for &s in samples {
        match (fitting(s, machine), found) {
            (None, _) => {
                return Err(format!(
                    "GETPACE {} with {} W fits none of s_km, s_500m, cs_500m on a {machine}",
                    s.pace_raw, s.power_w
                ));
            }
            (Some(f), Some(g)) if f != g => {
                return Err(format!("strokes fit both {g} and {f}"));
            }
            (Some(f), _) => found = Some(f),
        }
    }
    found.ok_or_else(|| "no strokes".to_string())
}

/// GETPACE's unit, from samples taken while rowing (zeros are left out),
/// cross-checked against GETPOWER. With the machine unknown, every machine
/// is tried, and the reading stands only if the machines that fit agree.
pub fn pace_units(samples: &[PaceSample], machine: Option<Machine>) -> Reading {
    let rowing: Vec<PaceSample> = samples
        .iter()
        .copied()
        .filter(|s| s.pace_raw > 0 && s.power_w > 0)
        .collect();
    if rowing.len() < PACE_MIN_SAMPLES {
        return Reading::unknown(format!(
            "not rowing: {} of the {PACE_MIN_SAMPLES} readings of pace and power needed (row steadily during the probe)",
            rowing.len()
        ));
    }
    let example = rowing[rowing.len() / 2];
    let machines = match machine {
        Some(m) => vec![m],
        None => vec![Machine::RowErg, Machine::BikeErg],
    };
    let settled: Vec<(Machine, Result<&str, String>)> =
        machines.iter().map(|&m| (m, settle(&rowing, m))).collect();
    let fits: Vec<(Machine, &str)> = settled
        .iter()
        .filter_map(|(m, r)| r.as_ref().ok().map(|v| (*m, *v)))
        .collect();
    let evidence = format!(
        "{} readings while rowing, e.g. GETPACE {} with {} W, which implies {:.1} s/500 m",
        rowing.len(),
        example.pace_raw,
        example.power_w,
        pace_for_power(example.power_w, fits.first().map_or(machines[0], |f| f.0))
    );
    match fits.as_slice() {
        [] => Reading::unknown(
            settled
                .into_iter()
                .filter_map(|(_, r)| r.err())
                .collect::<Vec<_>>()
                .join("; "),
        ),
        [(m, v)] if machine.is_none() => Reading::shows(
            *v,
            format!("{evidence}; the machine is not known, and only a {m} fits"),
        ),
        [(_, v)] => Reading::shows(*v, evidence),
        [(m1, v1), (m2, v2), ..] if v1 != v2 => Reading::unknown(format!(
            "{v1} on a {m1}, {v2} on a {m2}, and the machine is not known: pass --machine"
        )),
        [(_, v), ..] => Reading::shows(*v, evidence),
    }
}

/// The stroke state and stroke statistics' drive counter of one poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrokePoll {
    /// PM_GET_STROKESTATE's code.
    pub state: u8,
    /// PM_GET_STROKESTATS' drive counter, when it came back.
    pub drive_count: Option<u16>,
}

const DRIVING: u8 = 2;
const DWELLING: u8 = 3;
const RECOVERY: u8 = 4;

/// When stroke statistics are published, from where in the stroke their
/// drive counter moves:
/// - at the end of the drive (`drive`) or at the start of the recovery
///   (`recovery`): the polls in the dwell between them tell;
/// - one stroke late (`late`): the first stroke from a standstill then
///   publishes nothing, where `drive` publishes it at once.
pub fn stats(polls: &[StrokePoll], refused: bool) -> Reading {
    if refused {
        return Reading::unknown(
            "the monitor refuses PM_GET_STROKESTATS (1A 6E), as PM3 and PM4 do",
        );
    }
    let mut drives = 0;
    let mut moved = 0;
    let (mut by_dwell, mut not_by_dwell) = (0, 0);
    let mut first_from_rest: Option<bool> = None;
    let mut run_start = None;
    for i in 0..polls.len() {
        let state = polls[i].state;
        if state == DRIVING {
            run_start.get_or_insert(i);
            continue;
        }
        let Some(start) = run_start.take() else {
            continue;
        };
        if !matches!(state, DWELLING | RECOVERY) {
            continue; // the stroke was cut short
        }
        let Some(during) = polls[i - 1].drive_count else {
            continue;
        };
        drives += 1;
        // Up to the first poll of the recovery.
        let mut moved_by_recovery = None;
        let (mut dwell_moved, mut dwell_still) = (0, 0);
        for p in polls[i..].iter().take_while(|p| p.state != DRIVING) {
            let Some(count) = p.drive_count else { continue };
            if p.state == DWELLING {
                if count != during {
                    dwell_moved += 1;
                } else {
                    dwell_still += 1;
                }
            } else if p.state == RECOVERY {
                moved_by_recovery = Some(count != during);
                break;
            }
        }
        let Some(moved_now) = moved_by_recovery else {
            continue;
        };
        if moved_now {
            // Only a stroke that published something says when it did.
            moved += 1;
            by_dwell += usize::from(dwell_moved > 0);
            not_by_dwell += usize::from(dwell_moved == 0 && dwell_still > 0);
        }
        let from_rest = start
            .checked_sub(1)
            .is_some_and(|b| polls[b].state < DRIVING && polls[b].drive_count == Some(0));
        if from_rest && during == 0 && first_from_rest.is_none() {
            first_from_rest = Some(moved_now);
        }
    }
    if drives == 0 {
        return Reading::unknown("no strokes");
    }
    if moved == 0 && first_from_rest.is_none() {
        return Reading::unknown(format!(
            "the stroke statistics never changed over {drives} strokes"
        ));
    }
    if by_dwell > 0 && not_by_dwell > 0 {
        return Reading::unknown(format!(
            "the statistics changed by the dwell after {by_dwell} drives and after it {not_by_dwell} times"
        ));
    }
    let first = "the first stroke from a standstill";
    match (first_from_rest, by_dwell > 0, not_by_dwell > 0) {
        (Some(false), _, false) => Reading::shows(
            "late",
            format!("{first} published no statistics; later ones came as each drive ended"),
        ),
        (Some(false), _, true) => Reading::unknown(format!(
            "{first} published nothing, and later statistics came only in the recovery"
        )),
        (_, false, true) => Reading::shows(
            "recovery",
            format!(
                "over {drives} strokes the statistics changed at the start of the recovery, not in the dwell after the drive"
            ),
        ),
        (Some(true), true, _) => Reading::shows(
            "drive",
            format!("the statistics changed in the dwell right after each drive, {first} included"),
        ),
        (None, true, _) => Reading::unknown(
            "the statistics change as the drive ends, but whether for that stroke (drive) or the one before (late) needs the first stroke: start rowing from a standstill after the probe begins",
        ),
        (_, false, false) => Reading::unknown(format!(
            "no poll fell in the short dwell after any of {drives} drives, so drive and recovery look alike"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A steady piece at 200 W (RowErg: 2:00.2 per 500 m) in each reading.
    fn pace_samples(reading: &str, machine: Machine, n: usize) -> Vec<PaceSample> {
        (0..n)
            .map(|k| {
                let power_w = 200 + (k % 7) as u16 * 5;
                let pace = pace_for_power(power_w, machine);
                let pace_raw = match reading {
                    "s_km" => (pace * 2.0).round(),
                    "s_500m" => pace.round(),
                    _ => (pace * 100.0).round(),
                } as u16;
                PaceSample { pace_raw, power_w }
            })
            .collect()
    }

    #[test]
    fn concept2_relation() {
        // 2:00 per 500 m is about 203 W.
        assert!((pace_for_power(203, Machine::RowErg) - 120.0).abs() < 0.2);
        assert!((pace_for_power(203, Machine::BikeErg) - 60.0).abs() < 0.1);
    }

    #[test]
    fn every_pace_reading_on_every_machine() {
        for machine in [Machine::RowErg, Machine::SkiErg, Machine::BikeErg] {
            for reading in ["s_km", "s_500m", "cs_500m"] {
                let r = pace_units(&pace_samples(reading, machine, 12), Some(machine));
                assert_eq!(r.token(), reading, "{machine} {reading}: {}", r.why);
            }
        }
    }

    #[test]
    fn an_unknown_machine_settles_only_when_the_machines_agree() {
        // A rower's cs_500m can only be a rower's: a bike reads it as nothing.
        let r = pace_units(&pace_samples("cs_500m", Machine::RowErg, 12), None);
        assert_eq!(r.token(), "cs_500m", "{}", r.why);
        // A rower's s_500m is a bike's s_km: a factor of two either way.
        let r = pace_units(&pace_samples("s_500m", Machine::RowErg, 12), None);
        assert_eq!(r.token(), "unknown");
        assert!(r.why.contains("pass --machine"), "{}", r.why);
    }

    #[test]
    fn pace_needs_rowing_and_a_fit() {
        let r = pace_units(
            &[PaceSample {
                pace_raw: 0,
                power_w: 0,
            }; 20],
            None,
        );
        assert_eq!(r.token(), "unknown");
        assert!(r.why.starts_with("not rowing"), "{}", r.why);
        let odd = vec![
            PaceSample {
                pace_raw: 777,
                power_w: 200
            };
            5
        ];
        let r = pace_units(&odd, Some(Machine::RowErg));
        assert!(r.why.contains("fits none"), "{}", r.why);
    }

    /// Polls of `strokes` strokes from a standstill, published as `mode`
    /// says; `dwell_polls` polls fall in each dwell.
    fn stroke_polls(mode: &str, strokes: u16, dwell_polls: usize) -> Vec<StrokePoll> {
        let p = |state, count| StrokePoll {
            state,
            drive_count: Some(count),
        };
        let mut v = vec![p(0, 0), p(0, 0), p(1, 0)];
        let mut shown = 0;
        for k in 1..=strokes {
            v.extend([p(DRIVING, shown); 4]);
            // The stroke just driven is k; published as the mode says.
            let at_drive_end = match mode {
                "drive" => k,
                "late" => k - 1,
                _ => shown,
            };
            v.extend(std::iter::repeat_n(p(DWELLING, at_drive_end), dwell_polls));
            shown = if mode == "recovery" { k } else { at_drive_end };
            v.extend([p(RECOVERY, shown); 6]);
        }
        v
    }

    #[test]
    fn every_stats_timing() {
        for mode in ["drive", "recovery", "late"] {
            let r = stats(&stroke_polls(mode, 8, 1), false);
            assert_eq!(r.token(), mode, "{mode}: {}", r.why);
        }
    }

    #[test]
    fn random_strokes_never_panic() {
        let mut g = crate::cmd::probe::readings::tests::Lcg(7);
        for _ in 0..5_000 {
            let n = (g.next() % 60) as usize;
            let polls: Vec<StrokePoll> = (0..n)
                .map(|_| StrokePoll {
                    state: (g.next() % 6) as u8,
                    drive_count: (!g.next().is_multiple_of(4)).then(|| (g.next() % 4) as u16),
                })
                .collect();
            let pace: Vec<PaceSample> = (0..n)
                .map(|_| PaceSample {
                    pace_raw: g.next() as u16,
                    power_w: g.next() as u16,
                })
                .collect();
            for r in [stats(&polls, false), pace_units(&pace, None)] {
                assert!(!r.why.is_empty() && !r.token().contains(' '));
            }
        }
    }

    #[test]
    fn stats_unknown_and_why() {
        assert_eq!(stats(&[], true).token(), "unknown");
        assert!(stats(&[], true).why.contains("1A 6E"));
        let r = stats(&stroke_polls("drive", 0, 1), false);
        assert_eq!((r.token(), r.why.as_str()), ("unknown", "no strokes"));
        // No poll in the dwell: drive and recovery look alike.
        let r = stats(&stroke_polls("drive", 8, 0), false);
        assert_eq!(r.token(), "unknown", "{}", r.why);
        // Joined mid-piece: drive and late look alike.
        let mid: Vec<StrokePoll> = stroke_polls("late", 8, 1).into_iter().skip(20).collect();
        let r = stats(&mid, false);
        assert_eq!(r.token(), "unknown");
        assert!(r.why.contains("standstill"), "{}", r.why);
        // Statistics that never move.
        let frozen: Vec<StrokePoll> = stroke_polls("drive", 5, 1)
            .into_iter()
            .map(|p| StrokePoll {
                drive_count: Some(7),
                ..p
            })
            .collect();
        assert!(stats(&frozen, false).why.contains("never changed"));
    }
}
