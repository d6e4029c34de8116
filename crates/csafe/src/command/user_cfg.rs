//! PM-specific commands carried in the `1A` (SETUSERCFG1) wrapper, reference §5.3.
//! All LE. Rev 0.27 documents 89 8D 8E 9F A0 A3 C9 CF 05 27 6B 6C under `1A`;
//! BF, C1 and 6E are extras proven by working peers; 93 is only listed.

use super::Ack;
use crate::enums::{
    DurationType, IntervalType, RowingState, StrokeState, WorkoutState, WorkoutType,
};
use crate::wire::SampleBlock;

define_command! {
    /// Workout type.
    PmGetWorkoutType = "PM_GET_WORKOUTTYPE", UserCfg1 0x89, Get;
    args {}
    reply WorkoutTypeReply { workout_type: WorkoutType }
}

define_command! {
    /// Workout state.
    PmGetWorkoutState = "PM_GET_WORKOUTSTATE", UserCfg1 0x8D, Get;
    args {}
    reply WorkoutStateReply { workout_state: WorkoutState }
}

define_command! {
    /// Interval type.
    PmGetIntervalType = "PM_GET_INTERVALTYPE", UserCfg1 0x8E, Get;
    args {}
    reply IntervalTypeReply { interval_type: IntervalType }
}

define_command! {
    /// Rowing state (only listed by one peer under 1A).
    PmGetRowingState = "PM_GET_ROWINGSTATE", UserCfg1 0x93, Get;
    args {}
    reply RowingStateReply { rowing_state: RowingState }
}

define_command! {
    /// Index of the current interval.
    PmGetWorkoutIntervalCount = "PM_GET_WORKOUTINTERVALCOUNT", UserCfg1 0x9F, Get;
    args {}
    reply IntervalCount { count: u8 }
}

define_command! {
    /// Work time in 0.01 s plus a fraction byte (peers add it: (time + fraction) / 100 s).
    PmGetWorkTime = "PM_GET_WORKTIME", UserCfg1 0xA0, Get;
    args {}
    reply WorkTime { time: u32 [Centiseconds], fraction: u8 }
}

define_command! {
    /// Work distance in 0.1 m plus a fraction byte ((distance + fraction) / 10 m).
    PmGetWorkDistance = "PM_GET_WORKDISTANCE", UserCfg1 0xA3, Get;
    args {}
    reply WorkDistance { distance: u32 [Decimetres], fraction: u8 }
}

define_command! {
    /// Stroke state.
    PmGetStrokeState = "PM_GET_STROKESTATE", UserCfg1 0xBF, Get;
    args {}
    reply StrokeStateReply { stroke_state: StrokeState }
}

define_command! {
    /// Drag factor.
    PmGetDragFactor = "PM_GET_DRAGFACTOR", UserCfg1 0xC1, Get;
    args {}
    reply DragFactor { drag_factor: u8 }
}

define_command! {
    /// Error value (reading clears a latched PM3 error when screen-error mode is off).
    PmGetErrorValue = "PM_GET_ERRORVALUE", UserCfg1 0xC9, Get;
    args {}
    reply ErrorValue { error: u16 }
}

define_command! {
    /// Rest time; unit not stated, 0.01 s assumed (BLE maps the same quantity so).
    PmGetRestTime = "PM_GET_RESTTIME", UserCfg1 0xCF, Get;
    args {}
    reply RestTime { rest_time: u16 [Centiseconds] }
}

define_command! {
    /// Split duration: type (time or distance) and value (0.01 s, or m).
    PmSetSplitDuration = "PM_SET_SPLITDURATION", UserCfg1 0x05, Set;
    args { duration_type: DurationType, duration: u32 }
    reply Ack
}

define_command! {
    /// Screen error mode: 0 disable, 1 enable.
    PmSetScreenErrorMode = "PM_SET_SCREENERRORMODE", UserCfg1 0x27, Set;
    args { mode: u8 }
    reply Ack
}

define_command! {
    /// Next chunk of the force curve: block length in bytes (at most 32). Drains.
    PmGetForcePlotData = "PM_GET_FORCEPLOTDATA", UserCfg1 0x6B, Drain;
    args { block_len: u8 }
    reply ForcePlot { samples: SampleBlock [Lbf] }
}

define_command! {
    /// Next chunk of heartbeat data: block length in bytes (at most 32). Drains.
    PmGetHeartbeatData = "PM_GET_HEARTBEATDATA", UserCfg1 0x6C, Drain;
    args { block_len: u8 }
    reply HeartbeatData { samples: SampleBlock }
}

define_command! {
    /// Statistics of the last stroke (16 bytes, §5.9).
    PmGetStrokeStats = "PM_GET_STROKESTATS", UserCfg1 0x6E, Get;
    args { reserved: u8 }
    reply StrokeStats {
        stroke_distance: u16 [Centimetres],
        drive_time: u8 [Centiseconds],
        recovery_time: u16 [Centiseconds],
        stroke_length: u8 [Centimetres],
        drive_count: u16,
        peak_drive_force: u16 [TenthLbf],
        impulse_drive_force: u16,
        average_drive_force: u16 [TenthLbf],
        work_per_stroke: u16 [TenthJoules],
    }
}

/// All zeros: what a PM shows before its first stroke, and what a reader
/// stands in for statistics it never got.
impl Default for StrokeStats {
    fn default() -> Self {
        Self {
            stroke_distance: 0,
            drive_time: 0,
            recovery_time: 0,
            stroke_length: 0,
            drive_count: 0,
            peak_drive_force: 0,
            impulse_drive_force: 0,
            average_drive_force: 0,
            work_per_stroke: 0,
        }
    }
}
