//! Set commands in the `76`, `77` and `1A` wrappers. Accepted ones are
//! echoed by id (as a real PM5 does in `76`, pm5-program-exchanges.tsv), or
//! with `echo=bare` left to the status byte; refused ones are not, and make
//! the frame's status Reject.

use erglink_csafe::command::{self as cmd, AnyCommand as C, AnyReply as R};
use erglink_csafe::{ScreenType, WorkoutScreenValue};

use super::{Answer, Ctx};
use crate::truth::Origin;

fn echo_if(ok: bool) -> Answer {
    if ok { Answer::Echo } else { Answer::Reject }
}

pub(super) fn answer(cx: &mut Ctx<'_>, command: &C) -> Option<Answer> {
    let t = cx.t;
    let b = &mut cx.pm.builder;
    let a = match command {
        C::PmSetWorkoutType(c) => echo_if(b.set_type(c.workout_type)),
        C::PmSetWorkoutDuration(c) => echo_if(b.set_duration(c.duration_type, c.duration)),
        C::PmSetSplitDurationCfg(c) => echo_if(b.set_split(c.duration_type, c.duration)),
        C::PmSetRestDuration(c) => echo_if(b.set_rest(c.rest)),
        C::PmSetWorkoutIntervalCount(c) => {
            b.set_interval_count(c.count);
            Answer::Echo
        }
        C::PmSetIntervalType(c) => echo_if(b.set_interval_type(c.interval_type)),
        C::PmSetTargetPaceTime(c) => {
            b.target_pace_cs = c.pace;
            Answer::Echo
        }
        C::PmConfigureWorkout(c) => echo_if(c.programming_mode <= 1),
        C::PmSetScreenState(c) => screen_state(cx, c.screen_type, c.value),
        C::PmSetSplitDuration(c) => {
            // The public recipe's split, `1A`-wrapped.
            echo_if(cx.pm.public.set_split(c.duration_type, c.duration))
        }
        C::PmSetDateTime(c) => {
            let ok = (1..=12).contains(&c.hour)
                && c.minute < 60
                && c.meridiem <= 1
                && (1..=12).contains(&c.month)
                && (1..=31).contains(&c.day);
            if ok {
                let h24 = c.hour % 12 + 12 * c.meridiem;
                cx.pm.settings.set_time(t, h24, c.minute, 0);
                cx.pm.settings.date = (c.year, c.month, c.day);
            }
            echo_if(ok)
        }
        C::PmSetAuthenPassword(_) => {
            // The algorithm is not public: every password is taken (result 0),
            // and opens the proprietary getters `proprietary=` gates.
            cx.pm.authenticated = true;
            Answer::Reply(R::PmSetAuthenPassword(cmd::AuthenResult { result: 0 }))
        }
        C::PmSetLogCardMemory(c) => Answer::Reply(R::PmSetLogCardMemory(cmd::Opaque(vec![
            c.data.as_slice().len().min(255) as u8,
        ]))),
        C::PmSetDisplayBitmap(c) => Answer::Reply(R::PmSetDisplayBitmap(cmd::DisplayBitmapTotal {
            total: c.data.as_slice().len() as u16,
        })),
        _ => return None,
    };
    Some(a)
}

/// `PM_SET_SCREENSTATE`: Workout/Prepare-to-row puts the programmed workout
/// on the PM; Workout/Terminate ends the one in progress; Rearm starts the
/// current one again. Other screens are taken and change nothing here.
fn screen_state(cx: &mut Ctx<'_>, screen: ScreenType, value: u8) -> Answer {
    let t = cx.t;
    cx.pm.settings.screen = (screen, value);
    if screen != ScreenType::Workout {
        return Answer::Echo;
    }
    match WorkoutScreenValue::from_u8(value) {
        WorkoutScreenValue::PrepareToRowWorkout => {
            let Some(program) = cx.pm.builder.build() else {
                return Answer::Reject;
            };
            let in_workout = cx.pm.csafe.in_workout();
            cx.pm.arm(t, program, Origin::Proprietary);
            cx.pm.csafe.program_armed(t);
            if in_workout {
                cx.pm.origin = Origin::Proprietary;
            }
            Answer::Echo
        }
        WorkoutScreenValue::TerminateWorkout => {
            let origin = cx.pm.origin;
            cx.pm.stop_workout(t);
            cx.pm.csafe.terminate(t, origin);
            Answer::Echo
        }
        WorkoutScreenValue::RearmWorkout => {
            let program = cx.pm.piece.program.clone();
            let origin = cx.pm.origin;
            cx.pm.arm(t, program, origin);
            Answer::Echo
        }
        _ => Answer::Echo,
    }
}
