//! Names people read: the workout ("2000m", "8x500m/1:00r") as Concept2's
//! logbook writes them, and the device ("PM5 RowErg", "Simulated PM5").

use erglink_model::{IntervalPlan, Machine, Session, Source, Workout, WorkoutDuration};

use crate::normalized::Device;

// Duration-type codes (`erglink_csafe::DurationType`); the model keeps
// them raw so that this crate needs nothing but the model.
const TIME: u8 = 0x00;
const CALORIES: u8 = 0x40;
const DISTANCE: u8 = 0x80;
const WATT_MINUTES: u8 = 0xC0;

/// `30:00`, `1:00:00`, `0:30.5` from 0.01 s.
pub(crate) fn clock(cs: u64) -> String {
    let tenths = cs / 10;
    let (h, m, s, t) = (
        tenths / 36_000,
        tenths / 600 % 60,
        tenths / 10 % 60,
        tenths % 10,
    );
    let mut out = if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    };
    if t > 0 {
        out.push_str(&format!(".{t}"));
    }
    out
}

fn amount(d: &WorkoutDuration) -> String {
    match d.duration_type {
        TIME => clock(u64::from(d.value)),
        DISTANCE => format!("{}m", d.value),
        CALORIES => format!("{}cal", d.value),
        WATT_MINUTES => format!("{}wm", d.value),
        other => format!("{} (type {other:#04X})", d.value),
    }
}

fn interval(i: &IntervalPlan) -> String {
    format!("{}/{}r", amount(&i.work), clock(u64::from(i.rest_s) * 100))
}

fn just(machine: Machine) -> &'static str {
    match machine {
        Machine::RowErg => "Just row",
        Machine::SkiErg => "Just ski",
        Machine::BikeErg => "Just ride",
    }
}

/// The workout's name. Workout type codes are `erglink_csafe::WorkoutType`'s.
pub fn workout_name(w: &Workout, machine: Machine) -> String {
    let p = &w.params;
    let target = p.target.as_ref().map(amount);
    match w.workout_type {
        Some(0 | 1) => just(machine).to_string(),
        Some(2..=5 | 10 | 11) if target.is_some() => target.unwrap_or_default(),
        Some(6..=9 | 12) | None if !p.intervals.is_empty() => {
            let first = &p.intervals[0];
            if p.intervals.iter().all(|i| i == first) {
                format!("{}x{}", p.intervals.len(), interval(first))
            } else {
                p.intervals
                    .iter()
                    .map(interval)
                    .collect::<Vec<_>>()
                    .join(" + ")
            }
        }
        Some(6..=9 | 12) => "Intervals".to_string(),
        _ => target.unwrap_or_else(|| format!("{machine} workout")),
    }
}

/// The device as Terra's `device_data` names it.
pub(crate) fn device(s: &Session) -> Device {
    let model = s.monitor.as_ref().map(|m| m.model.name());
    let shown = model.unwrap_or("PM");
    let name = match s.source {
        Source::Sim => format!("Simulated {shown}"),
        Source::Usb => format!("{shown} {}", s.machine),
        Source::Replay => format!("{shown} {} (replay)", s.machine),
    };
    let m = s.monitor.as_ref();
    let text = |v: Option<&String>| v.filter(|v| !v.is_empty()).cloned();
    Device {
        name,
        manufacturer: "Concept2",
        model,
        serial: text(m.map(|m| &m.serial)),
        firmware: text(m.map(|m| &m.firmware)),
        hardware: text(m.map(|m| &m.hardware)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_model::WorkoutParams;

    fn dur(duration_type: u8, value: u32) -> WorkoutDuration {
        WorkoutDuration {
            duration_type,
            value,
        }
    }

    fn workout(t: u8, target: Option<WorkoutDuration>, intervals: Vec<IntervalPlan>) -> Workout {
        Workout {
            workout_type: Some(t),
            params: WorkoutParams {
                target,
                split: None,
                intervals,
            },
        }
    }

    #[test]
    fn names_like_the_logbook() {
        let row = Machine::RowErg;
        assert_eq!(
            workout_name(&workout(3, Some(dur(DISTANCE, 2000)), vec![]), row),
            "2000m"
        );
        assert_eq!(
            workout_name(&workout(5, Some(dur(TIME, 180_000)), vec![]), row),
            "30:00"
        );
        assert_eq!(
            workout_name(&workout(4, Some(dur(TIME, 360_000)), vec![]), row),
            "1:00:00"
        );
        assert_eq!(
            workout_name(&workout(10, Some(dur(CALORIES, 300)), vec![]), row),
            "300cal"
        );
        assert_eq!(
            workout_name(&workout(0, None, vec![]), Machine::SkiErg),
            "Just ski"
        );
        let i = IntervalPlan {
            interval_type: 1,
            work: dur(DISTANCE, 500),
            rest_s: 60,
        };
        assert_eq!(
            workout_name(&workout(7, None, vec![i; 8]), row),
            "8x500m/1:00r"
        );
        let j = IntervalPlan {
            interval_type: 0,
            work: dur(TIME, 6000),
            rest_s: 90,
        };
        assert_eq!(
            workout_name(&workout(8, None, vec![i, j]), row),
            "500m/1:00r + 1:00/1:30r"
        );
        assert_eq!(
            workout_name(&Workout::default(), Machine::BikeErg),
            "BikeErg workout"
        );
        assert_eq!(clock(3050), "0:30.5");
    }
}
