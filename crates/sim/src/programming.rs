//! Workouts the host programs: the `76` recipe (type → duration → split or
//! rest and count → configure → screen Prepare-to-row, csafe.md §5.7) and the
//! public one (SETHORIZONTAL or SETTWORK, split, SETPROGRAM, GOINUSE).
//! Limits are the PM5's; a value outside them is rejected where it is set.

use erglink_csafe::workout::{self as recipes, Goal, Interval};
use erglink_csafe::{DurationType, IntervalType, WorkoutType};

use crate::program::Program;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Slot {
    work: Option<Goal>,
    rest_s: u16,
    interval_type: Option<IntervalType>,
}

/// The `76` parameters received so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProgramBuilder {
    workout_type: Option<WorkoutType>,
    /// Last PM_SET_WORKOUTINTERVALCOUNT: an interval index while programming
    /// variable intervals, the count of fixed ones.
    index: u8,
    slots: Vec<Slot>,
    duration: Option<Goal>,
    split: Option<Goal>,
    rest_s: u16,
    pub target_pace_cs: u32,
}

/// Converts a duration type and value to a goal; calories and watt-minutes
/// are not modelled and refused.
pub(crate) fn goal_of(duration_type: DurationType, value: u32) -> Option<Goal> {
    match duration_type {
        DurationType::Time => Some(Goal::Time(value)),
        DurationType::Distance => Some(Goal::Distance(value)),
        _ => None,
    }
}

fn goal_ok(goal: Goal) -> bool {
    // Any split accepts a valid goal: reuse the codec's limits.
    let split = match goal {
        Goal::Distance(_) => Goal::Distance(60_000),
        Goal::Time(_) => Goal::Time(90 * 60 * 100),
    };
    !matches!(
        recipes::single_piece(goal, split),
        Err(recipes::WorkoutError::Distance(_) | recipes::WorkoutError::Time(_))
    )
}

impl ProgramBuilder {
    fn slot(&mut self) -> &mut Slot {
        let i = usize::from(self.index);
        if self.slots.len() <= i {
            self.slots.resize(i + 1, Slot::default());
        }
        &mut self.slots[i]
    }

    pub fn set_type(&mut self, t: WorkoutType) -> bool {
        use WorkoutType as W;
        let supported = matches!(
            t,
            W::JustRowNoSplits
                | W::JustRowSplits
                | W::FixedDistanceNoSplits
                | W::FixedDistanceSplits
                | W::FixedTimeNoSplits
                | W::FixedTimeSplits
                | W::FixedTimeInterval
                | W::FixedDistanceInterval
                | W::VariableInterval
        );
        if supported {
            // A new recipe starts; the interval index sent before the type
            // (variable intervals) is kept.
            let index = self.index;
            *self = ProgramBuilder {
                workout_type: Some(t),
                index,
                target_pace_cs: self.target_pace_cs,
                ..ProgramBuilder::default()
            };
        }
        supported
    }

    pub fn set_duration(&mut self, duration_type: DurationType, value: u32) -> bool {
        let Some(goal) = goal_of(duration_type, value).filter(|&g| goal_ok(g)) else {
            return false;
        };
        self.duration = Some(goal);
        self.slot().work = Some(goal);
        true
    }

    pub fn set_split(&mut self, duration_type: DurationType, value: u32) -> bool {
        let Some(split) = goal_of(duration_type, value) else {
            return false;
        };
        let ok = match self.duration {
            Some(goal) => recipes::single_piece(goal, split).is_ok(),
            None => match split {
                Goal::Distance(m) => (100..=60_000).contains(&m),
                Goal::Time(cs) => (2_000..=540_000).contains(&cs),
            },
        };
        if ok {
            self.split = Some(split);
        }
        ok
    }

    pub fn set_rest(&mut self, rest_s: u16) -> bool {
        if rest_s > 595 {
            return false;
        }
        self.rest_s = rest_s;
        self.slot().rest_s = rest_s;
        true
    }

    pub fn set_interval_count(&mut self, n: u8) {
        self.index = n;
        self.slot();
    }

    pub fn set_interval_type(&mut self, t: IntervalType) -> bool {
        let ok = matches!(t, IntervalType::Time | IntervalType::Distance);
        if ok {
            self.slot().interval_type = Some(t);
        }
        ok
    }

    /// The workout the parameters describe, if they describe one.
    pub fn build(&self) -> Option<Program> {
        use WorkoutType as W;
        let t = self.workout_type?;
        let mut p = match t {
            W::JustRowNoSplits | W::JustRowSplits => {
                let mut p = Program::just_row();
                if let Some(s) = self.split {
                    p.split = Some(s);
                }
                p
            }
            W::FixedDistanceNoSplits | W::FixedDistanceSplits => match self.duration? {
                g @ Goal::Distance(_) => Program::single(g, self.split),
                Goal::Time(_) => return None,
            },
            W::FixedTimeNoSplits | W::FixedTimeSplits => match self.duration? {
                g @ Goal::Time(_) => Program::single(g, self.split),
                Goal::Distance(_) => return None,
            },
            W::FixedDistanceInterval | W::FixedTimeInterval => {
                let work = self.duration?;
                let distance = matches!(work, Goal::Distance(_));
                if distance != (t == W::FixedDistanceInterval) {
                    return None;
                }
                Program::fixed_intervals(work, self.rest_s, self.index.max(1))
            }
            W::VariableInterval => {
                let list: Vec<Interval> = self
                    .slots
                    .iter()
                    .map(|s| {
                        s.work.map(|work| Interval {
                            work,
                            rest_s: s.rest_s,
                        })
                    })
                    .collect::<Option<_>>()?;
                if list.is_empty() {
                    return None;
                }
                Program::variable(&list)
            }
            _ => return None,
        };
        p.workout_type = t;
        if matches!(
            t,
            W::JustRowNoSplits | W::FixedDistanceNoSplits | W::FixedTimeNoSplits
        ) {
            p.split = None;
        }
        Some(p)
    }
}

/// What the public commands set up, waiting for SETPROGRAM and GOINUSE.
#[derive(Clone, Debug, Default)]
pub(crate) struct PublicProgram {
    goal: Option<Goal>,
    split: Option<Goal>,
    /// The program SETPROGRAM selected, loaded by GOINUSE.
    pub selected: Option<Program>,
    /// What GETPROGRAM reports.
    pub number: u8,
}

impl PublicProgram {
    /// SETHORIZONTAL (metres): 100 to 50 000 m (BikeErg 100 000).
    pub fn set_distance(&mut self, metres: u32, bike: bool) -> bool {
        let max = if bike { 100_000 } else { 50_000 };
        let ok = (100..=max).contains(&metres);
        if ok {
            self.goal = Some(Goal::Distance(metres));
        }
        ok
    }

    /// SETTWORK: 0:00:20 to 9:59:59.
    pub fn set_time(&mut self, h: u8, m: u8, s: u8) -> bool {
        let secs = u32::from(h) * 3600 + u32::from(m) * 60 + u32::from(s);
        let ok = m < 60 && s < 60 && (20..=35_999).contains(&secs);
        if ok {
            self.goal = Some(Goal::Time(secs * 100));
        }
        ok
    }

    /// `1A` PM_SET_SPLITDURATION before SETPROGRAM.
    pub fn set_split(&mut self, duration_type: DurationType, value: u32) -> bool {
        let Some(split) = goal_of(duration_type, value) else {
            return false;
        };
        let ok = match self.goal {
            Some(goal) => recipes::single_piece(goal, split).is_ok(),
            None => true,
        };
        if ok {
            self.split = Some(split);
        }
        ok
    }

    /// SETPROGRAM: 0 selects the goal just set, 1–4 the standard list.
    pub fn select(&mut self, number: u8) -> bool {
        let program = match number {
            0 => self.goal.map(|g| Program::single(g, self.split)),
            n => Program::standard(n),
        };
        match program {
            Some(p) => {
                self.selected = Some(p);
                self.number = number;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_recipes() {
        let mut b = ProgramBuilder::default();
        assert!(b.set_type(WorkoutType::FixedDistanceSplits));
        assert!(b.set_duration(DurationType::Distance, 2000));
        assert!(b.set_split(DurationType::Distance, 400));
        let p = b.build().unwrap();
        assert_eq!(
            p,
            Program::single(Goal::Distance(2000), Some(Goal::Distance(400)))
        );

        // V13: index first, then the type.
        let mut b = ProgramBuilder::default();
        b.set_interval_count(0);
        assert!(b.set_type(WorkoutType::VariableInterval));
        for (i, secs) in [300u32, 240, 180].into_iter().enumerate() {
            b.set_interval_count(i as u8);
            assert!(b.set_interval_type(IntervalType::Time));
            assert!(b.set_duration(DurationType::Time, secs * 100));
            assert!(b.set_rest(secs as u16));
        }
        let p = b.build().unwrap();
        assert_eq!(p.intervals.len(), 3);
        assert_eq!(p.intervals[1].rest_s, 240);
        assert_eq!(p.intervals[2].rest_s, 0);

        // Exchange 26: 3 × 250 m, 30 s rest.
        let mut b = ProgramBuilder::default();
        b.set_type(WorkoutType::FixedDistanceInterval);
        b.set_duration(DurationType::Distance, 250);
        b.set_rest(30);
        b.set_interval_count(3);
        let p = b.build().unwrap();
        assert_eq!(p.intervals.len(), 3);
    }

    #[test]
    fn limits() {
        let mut b = ProgramBuilder::default();
        assert!(!b.set_duration(DurationType::Distance, 50));
        assert!(!b.set_duration(DurationType::Time, 1000));
        assert!(!b.set_duration(DurationType::Calories, 100));
        assert!(!b.set_rest(600));
        assert!(b.build().is_none());
        let mut p = PublicProgram::default();
        assert!(!p.select(0), "no goal yet");
        assert!(!p.set_distance(60_000, false));
        assert!(p.set_distance(60_000, true));
        assert!(!p.set_time(0, 0, 10));
        assert!(p.select(4));
        assert!(!p.select(9));
    }
}
