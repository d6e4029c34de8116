//! Workouts as the PM holds them: a type, one or more work intervals with
//! their rests, and a split length; and the `workout=` text that describes one.

use erglink_csafe::workout::{self as recipes, Goal, Interval};
use erglink_csafe::{IntervalType, WorkoutType};

/// One work interval and the rest after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntervalDef {
    /// Its goal; `None` for just row (no end).
    pub work: Option<Goal>,
    /// Rest after it, in seconds (0 after the last one).
    pub rest_s: u16,
}

/// A workout the PM can run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// What `PM_GET_WORKOUTTYPE` reports.
    pub workout_type: WorkoutType,
    /// Work intervals in order: one for just row and single pieces.
    pub intervals: Vec<IntervalDef>,
    /// Split length of a single piece or just row; intervals split per interval.
    pub split: Option<Goal>,
}

/// Split of just row when none is programmed (guess: 500 m).
pub const JUST_ROW_SPLIT: Goal = Goal::Distance(500);

impl Program {
    /// Just row, with 500 m splits.
    pub fn just_row() -> Program {
        Program {
            workout_type: WorkoutType::JustRowSplits,
            intervals: vec![IntervalDef {
                work: None,
                rest_s: 0,
            }],
            split: Some(JUST_ROW_SPLIT),
        }
    }

    /// A single piece of distance or time; `split` defaults as the PM's menu does.
    pub fn single(goal: Goal, split: Option<Goal>) -> Program {
        let workout_type = match goal {
            Goal::Distance(_) => WorkoutType::FixedDistanceSplits,
            Goal::Time(_) => WorkoutType::FixedTimeSplits,
        };
        Program {
            workout_type,
            intervals: vec![IntervalDef {
                work: Some(goal),
                rest_s: 0,
            }],
            split: Some(split.unwrap_or_else(|| default_split(goal))),
        }
    }

    /// `count` equal intervals with `rest_s` rest between them.
    pub fn fixed_intervals(work: Goal, rest_s: u16, count: u8) -> Program {
        let workout_type = match work {
            Goal::Distance(_) => WorkoutType::FixedDistanceInterval,
            Goal::Time(_) => WorkoutType::FixedTimeInterval,
        };
        let mut intervals = vec![
            IntervalDef {
                work: Some(work),
                rest_s
            };
            usize::from(count.max(1))
        ];
        if let Some(last) = intervals.last_mut() {
            last.rest_s = 0;
        }
        Program {
            workout_type,
            intervals,
            split: None,
        }
    }

    /// Intervals of different lengths.
    pub fn variable(list: &[Interval]) -> Program {
        let mut intervals: Vec<IntervalDef> = list
            .iter()
            .map(|iv| IntervalDef {
                work: Some(iv.work),
                rest_s: iv.rest_s,
            })
            .collect();
        if let Some(last) = intervals.last_mut() {
            last.rest_s = 0;
        }
        Program {
            workout_type: WorkoutType::VariableInterval,
            intervals,
            split: None,
        }
    }

    /// Whether the PM counts it in intervals (with rests) rather than splits.
    pub fn is_interval(&self) -> bool {
        matches!(
            self.workout_type,
            WorkoutType::FixedTimeInterval
                | WorkoutType::FixedDistanceInterval
                | WorkoutType::VariableInterval
                | WorkoutType::VariableUndefinedRestInterval
        )
    }

    /// The interval type the PM reports while interval `index` is worked.
    pub fn interval_type(&self, index: usize) -> IntervalType {
        match self.intervals.get(index).and_then(|iv| iv.work) {
            Some(Goal::Distance(_)) => IntervalType::Distance,
            Some(Goal::Time(_)) => IntervalType::Time,
            None => IntervalType::None,
        }
    }

    /// The standard programs of `SETPROGRAM 1..=4` (the PM3-era list of
    /// csafe.md §5.8); the rest of that list is not published.
    pub fn standard(number: u8) -> Option<Program> {
        let p = match number {
            1 => Program::single(Goal::Distance(2000), Some(Goal::Distance(500))),
            2 => Program::single(Goal::Distance(5000), Some(Goal::Distance(1000))),
            3 => Program::single(Goal::Distance(10_000), Some(Goal::Distance(2000))),
            4 => Program::single(Goal::Time(30 * 60 * 100), Some(Goal::Time(6 * 60 * 100))),
            _ => return None,
        };
        Some(p)
    }

    /// Parses a `workout=` value: `justrow`, `2000m`, `5km`, `30:00`,
    /// `8x500m/1:00r`, `4x5:00/1:00r`, or a variable list
    /// `2000m/3:00r,1000m/2:00r,500m`. Limits are the PM5's (csafe.md §5.7).
    pub fn parse(text: &str) -> Result<Program, String> {
        let t = text.trim().to_ascii_lowercase();
        if t == "justrow" || t == "just-row" {
            return Ok(Program::just_row());
        }
        if t.contains(',') {
            let list = t
                .split(',')
                .map(parse_interval)
                .collect::<Result<Vec<_>, _>>()?;
            recipes::variable_intervals(&list).map_err(|e| e.to_string())?;
            return Ok(Program::variable(&list));
        }
        if let Some((count, rest)) = t.split_once('x') {
            let count: u8 = count
                .parse()
                .ok()
                .filter(|&c| c > 0)
                .ok_or_else(|| format!("`{count}` is not an interval count (1 to 255)"))?;
            let iv = parse_interval(rest)?;
            recipes::fixed_intervals(iv.work, iv.rest_s, count).map_err(|e| e.to_string())?;
            return Ok(Program::fixed_intervals(iv.work, iv.rest_s, count));
        }
        let goal = parse_goal(&t)?;
        let split = default_split(goal);
        recipes::single_piece(goal, split).map_err(|e| e.to_string())?;
        Ok(Program::single(goal, Some(split)))
    }
}

/// The split the PM's own menu pairs with a goal (guess): 500 m up to
/// 2000 m, otherwise a fifth (5000 m → 1000 m, 30:00 → 6:00), at least the
/// PM's minimum split.
pub fn default_split(goal: Goal) -> Goal {
    match goal {
        Goal::Distance(m) if m <= 2000 => Goal::Distance(m.clamp(100, 500)),
        Goal::Distance(m) => Goal::Distance((m / 5).max(100)),
        Goal::Time(cs) => Goal::Time((cs / 5).max(20 * 100)),
    }
}

fn parse_interval(text: &str) -> Result<Interval, String> {
    let (work, rest) = match text.split_once('/') {
        Some((w, r)) => {
            let r = r
                .strip_suffix('r')
                .ok_or_else(|| format!("rest `{r}` must end in `r`, as in `1:00r`"))?;
            let secs = parse_duration_s(r)?;
            if secs.fract() != 0.0 || !(0.0..=595.0).contains(&secs) {
                return Err(format!(
                    "rest `{r}` must be whole seconds from 0:00 to 9:55"
                ));
            }
            (w, secs as u16)
        }
        None => (text, 0),
    };
    Ok(Interval {
        work: parse_goal(work)?,
        rest_s: rest,
    })
}

fn parse_goal(text: &str) -> Result<Goal, String> {
    if text.contains(':') {
        let s = parse_duration_s(text)?;
        return Ok(Goal::Time((s * 100.0).round() as u32));
    }
    let (num, scale) = if let Some(n) = text.strip_suffix("km") {
        (n, 1000.0)
    } else if let Some(n) = text.strip_suffix('k') {
        (n, 1000.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 1.0)
    } else {
        return Err(format!(
            "`{text}` is neither a distance (2000m, 5km) nor a time (30:00)"
        ));
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("`{num}` is not a number"))?;
    Ok(Goal::Distance((v * scale).round() as u32))
}

/// Parses `ss`, `m:ss`, `h:mm:ss`, with optional decimals on the seconds.
pub fn parse_duration_s(text: &str) -> Result<f64, String> {
    let bad = || format!("`{text}` is not a time (ss, m:ss or h:mm:ss)");
    let mut total = 0.0;
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 3 {
        return Err(bad());
    }
    for (i, p) in parts.iter().enumerate() {
        let v: f64 = p.parse().map_err(|_| bad())?;
        if v < 0.0 || !v.is_finite() || (i > 0 && v >= 60.0) {
            return Err(bad());
        }
        total = total * 60.0 + v;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_interface_examples() {
        assert_eq!(Program::parse("justrow").unwrap(), Program::just_row());
        let p = Program::parse("2000m").unwrap();
        assert_eq!(p.workout_type, WorkoutType::FixedDistanceSplits);
        assert_eq!(p.split, Some(Goal::Distance(500)));
        let p = Program::parse("30:00").unwrap();
        assert_eq!(p.intervals[0].work, Some(Goal::Time(180_000)));
        assert_eq!(p.split, Some(Goal::Time(36_000)));
        let p = Program::parse("8x500m/1:00r").unwrap();
        assert_eq!(p.workout_type, WorkoutType::FixedDistanceInterval);
        assert_eq!(p.intervals.len(), 8);
        assert_eq!(p.intervals[0].rest_s, 60);
        assert_eq!(p.intervals[7].rest_s, 0);
        let p = Program::parse("2000m/3:00r,1000m/2:00r,500m").unwrap();
        assert_eq!(p.workout_type, WorkoutType::VariableInterval);
        assert_eq!(p.intervals[1].work, Some(Goal::Distance(1000)));
        assert_eq!(
            Program::parse("5km").unwrap().split,
            Some(Goal::Distance(1000))
        );
    }

    #[test]
    fn refuses_what_a_pm_refuses() {
        assert!(Program::parse("50m").is_err());
        assert!(Program::parse("0:10").is_err());
        assert!(Program::parse("4x500m/10:00r").is_err());
        assert!(Program::parse("4x500m/1:00").is_err());
        assert!(Program::parse("fast").is_err());
        assert!(parse_duration_s("1:75").is_err());
    }
}
