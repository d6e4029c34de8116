//! Workout programming: the command lists that set up a workout on a PM, as
//! pure functions. Each follows the recipe ErgData uses (reference §5.7) and
//! produces byte for byte the frames a real PM5 accepted
//! (captures/pm5-program-exchanges.tsv) or the spec's examples (V11–V13, V21).
//!
//! Recipe: workout type → duration → split (or rest and interval count) →
//! `PM_CONFIGURE_WORKOUT 1` → screen Workout/Prepare-to-row.

use crate::command::{
    AnyCommand, GoInUse, GoReady, PmConfigureWorkout, PmSetIntervalType, PmSetRestDuration,
    PmSetScreenState, PmSetSplitDurationCfg, PmSetWorkoutDuration, PmSetWorkoutIntervalCount,
    PmSetWorkoutType, SetHorizontal, SetProgram,
};
use crate::enums::{
    DurationType, IntervalType, ScreenType, UnitsSpecifier, WorkoutScreenValue, WorkoutType,
};

/// The work of a piece or an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// A distance in metres.
    Distance(u32),
    /// A time in 0.01 s.
    Time(u32),
}

impl Goal {
    fn duration(self) -> (DurationType, u32) {
        match self {
            Goal::Distance(m) => (DurationType::Distance, m),
            Goal::Time(cs) => (DurationType::Time, cs),
        }
    }
}

/// One interval of a variable-interval workout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    /// Its work.
    pub work: Goal,
    /// Rest after it, in seconds (ignored for the last interval).
    pub rest_s: u16,
}

/// A workout the PM would refuse (limits of the PM5, reference §5.7).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkoutError {
    /// A distance outside the PM's limits.
    #[error("distance {0} m is outside 100..=999999 m")]
    Distance(u32),
    /// A time outside the PM's limits.
    #[error("time {}.{:02} s is outside 20 s..=9:59:59", .0 / 100, .0 % 100)]
    Time(u32),
    /// A split the PM would refuse.
    #[error(
        "split {0} is outside the PM's limits (100..=60000 m, 20 s..=1:30:00, at most 50 splits)"
    )]
    Split(String),
    /// A rest outside 0..=595 s.
    #[error("rest {0} s is outside 0..=595 s (9:55)")]
    Rest(u16),
    /// No intervals, or too many for the PM's interval index.
    #[error("{0} intervals; give 1 to 255")]
    IntervalCount(usize),
}

const MAX_DISTANCE_M: u32 = 999_999;
const MIN_DISTANCE_M: u32 = 100;
const MIN_TIME_CS: u32 = 20 * 100;
const MAX_TIME_CS: u32 = (9 * 3600 + 59 * 60 + 59) * 100;
const MAX_SPLIT_TIME_CS: u32 = 90 * 60 * 100;
const MAX_SPLIT_M: u32 = 60_000;
const MAX_SPLITS: u32 = 50;
const MAX_REST_S: u16 = 595;

fn check_goal(goal: Goal) -> Result<(), WorkoutError> {
    match goal {
        Goal::Distance(m) if !(MIN_DISTANCE_M..=MAX_DISTANCE_M).contains(&m) => {
            Err(WorkoutError::Distance(m))
        }
        Goal::Time(cs) if !(MIN_TIME_CS..=MAX_TIME_CS).contains(&cs) => Err(WorkoutError::Time(cs)),
        _ => Ok(()),
    }
}

fn check_split(goal: Goal, split: Goal) -> Result<(), WorkoutError> {
    let (ok, splits) = match (goal, split) {
        (Goal::Distance(m), Goal::Distance(s)) => (
            (MIN_DISTANCE_M..=MAX_SPLIT_M).contains(&s),
            m.div_ceil(s.max(1)),
        ),
        (Goal::Time(t), Goal::Time(s)) => (
            (MIN_TIME_CS..=MAX_SPLIT_TIME_CS).contains(&s),
            t.div_ceil(s.max(1)),
        ),
        _ => (false, 0),
    };
    if ok && splits <= MAX_SPLITS {
        Ok(())
    } else {
        Err(WorkoutError::Split(format!("{split:?} for {goal:?}")))
    }
}

fn check_rest(rest_s: u16) -> Result<(), WorkoutError> {
    if rest_s > MAX_REST_S {
        Err(WorkoutError::Rest(rest_s))
    } else {
        Ok(())
    }
}

fn prepare_to_row() -> [AnyCommand; 2] {
    [
        PmConfigureWorkout {
            programming_mode: 1,
        }
        .into(),
        PmSetScreenState {
            screen_type: ScreenType::Workout,
            value: WorkoutScreenValue::PrepareToRowWorkout.to_u8(),
        }
        .into(),
    ]
}

/// Just row, with splits (V11).
pub fn just_row() -> Vec<AnyCommand> {
    vec![
        PmSetWorkoutType {
            workout_type: WorkoutType::JustRowSplits,
        }
        .into(),
        PmSetScreenState {
            screen_type: ScreenType::Workout,
            value: WorkoutScreenValue::PrepareToRowWorkout.to_u8(),
        }
        .into(),
    ]
}

/// A single piece of fixed distance or time, with splits (V12; exchanges 1, 7, 34).
pub fn single_piece(goal: Goal, split: Goal) -> Result<Vec<AnyCommand>, WorkoutError> {
    check_goal(goal)?;
    check_split(goal, split)?;
    let workout_type = match goal {
        Goal::Distance(_) => WorkoutType::FixedDistanceSplits,
        Goal::Time(_) => WorkoutType::FixedTimeSplits,
    };
    let (duration_type, duration) = goal.duration();
    let (split_type, split_value) = split.duration();
    let mut cmds: Vec<AnyCommand> = vec![
        PmSetWorkoutType { workout_type }.into(),
        PmSetWorkoutDuration {
            duration_type,
            duration,
        }
        .into(),
        PmSetSplitDurationCfg {
            duration_type: split_type,
            duration: split_value,
        }
        .into(),
    ];
    cmds.extend(prepare_to_row());
    Ok(cmds)
}

/// Fixed distance with splits.
pub fn fixed_distance(metres: u32, split_metres: u32) -> Result<Vec<AnyCommand>, WorkoutError> {
    single_piece(Goal::Distance(metres), Goal::Distance(split_metres))
}

/// Fixed time with splits; times in 0.01 s.
pub fn fixed_time(
    centiseconds: u32,
    split_centiseconds: u32,
) -> Result<Vec<AnyCommand>, WorkoutError> {
    single_piece(Goal::Time(centiseconds), Goal::Time(split_centiseconds))
}

/// `count` equal intervals of distance or time with `rest_s` rest (exchange 26).
pub fn fixed_intervals(
    work: Goal,
    rest_s: u16,
    count: u8,
) -> Result<Vec<AnyCommand>, WorkoutError> {
    check_goal(work)?;
    check_rest(rest_s)?;
    if count == 0 {
        return Err(WorkoutError::IntervalCount(0));
    }
    let workout_type = match work {
        Goal::Distance(_) => WorkoutType::FixedDistanceInterval,
        Goal::Time(_) => WorkoutType::FixedTimeInterval,
    };
    let (duration_type, duration) = work.duration();
    let mut cmds: Vec<AnyCommand> = vec![
        PmSetWorkoutType { workout_type }.into(),
        PmSetWorkoutDuration {
            duration_type,
            duration,
        }
        .into(),
        PmSetRestDuration { rest: rest_s }.into(),
        PmSetWorkoutIntervalCount { count }.into(),
    ];
    cmds.extend(prepare_to_row());
    Ok(cmds)
}

/// Intervals of different lengths (V13). Each interval is programmed by its
/// index; the last one's rest is not sent, and the screen is left as it is, as
/// in the reference example. A long list may not fit one frame: see
/// [`crate::split_into_frames`].
pub fn variable_intervals(intervals: &[Interval]) -> Result<Vec<AnyCommand>, WorkoutError> {
    if intervals.is_empty() || intervals.len() > 255 {
        return Err(WorkoutError::IntervalCount(intervals.len()));
    }
    let mut cmds: Vec<AnyCommand> = Vec::new();
    let last = intervals.len() - 1;
    for (i, iv) in intervals.iter().enumerate() {
        check_goal(iv.work)?;
        cmds.push(PmSetWorkoutIntervalCount { count: i as u8 }.into());
        if i == 0 {
            cmds.push(
                PmSetWorkoutType {
                    workout_type: WorkoutType::VariableInterval,
                }
                .into(),
            );
        }
        let interval_type = match iv.work {
            Goal::Distance(_) => IntervalType::Distance,
            Goal::Time(_) => IntervalType::Time,
        };
        let (duration_type, duration) = iv.work.duration();
        cmds.push(PmSetIntervalType { interval_type }.into());
        cmds.push(
            PmSetWorkoutDuration {
                duration_type,
                duration,
            }
            .into(),
        );
        if i < last {
            check_rest(iv.rest_s)?;
            cmds.push(PmSetRestDuration { rest: iv.rest_s }.into());
            cmds.push(
                PmConfigureWorkout {
                    programming_mode: 1,
                }
                .into(),
            );
        }
    }
    Ok(cmds)
}

/// Ends the workout in progress (V21; exchange 4).
pub fn terminate() -> Vec<AnyCommand> {
    vec![
        PmSetScreenState {
            screen_type: ScreenType::Workout,
            value: WorkoutScreenValue::TerminateWorkout.to_u8(),
        }
        .into(),
    ]
}

/// A fixed distance through the public commands only: GOREADY, SETHORIZONTAL,
/// SETPROGRAM 0, GOINUSE (exchange 2; PyRow's layout, V19, without GOREADY).
pub fn public_distance(metres: u16) -> Result<Vec<AnyCommand>, WorkoutError> {
    if u32::from(metres) < MIN_DISTANCE_M || metres > 50_000 {
        return Err(WorkoutError::Distance(u32::from(metres)));
    }
    Ok(vec![
        GoReady {}.into(),
        SetHorizontal {
            distance: metres,
            units: UnitsSpecifier::Metre,
        }
        .into(),
        SetProgram {
            program: 0,
            reserved: 0,
        }
        .into(),
        GoInUse {}.into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(fixed_distance(50, 50), Err(WorkoutError::Distance(50)));
        assert!(fixed_distance(2000, 20).is_err(), "100 splits");
        assert!(fixed_time(1000, 1000).is_err(), "10 s is too short");
        assert_eq!(
            fixed_intervals(Goal::Distance(500), 600, 4),
            Err(WorkoutError::Rest(600))
        );
        assert!(variable_intervals(&[]).is_err());
        assert!(public_distance(60_000).is_err());
    }
}
