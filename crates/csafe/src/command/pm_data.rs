//! Proprietary get-data commands in the `7F` wrapper (GETPMDATA), reference
//! §5.6. BE per the spec, with the exceptions of the byte-order table; none of
//! it has been checked on hardware.
//!
//! Units: the spec gives widths, not units. They are taken from the BLE
//! mapping of the same quantities (§5.6, "assumed equal, unverified"), one per
//! command below, so that a correction is a one-line change.

use super::user_cfg::{
    DragFactor, ErrorValue, ForcePlot, HeartbeatData, RestTime, StrokeStateReply, StrokeStats,
};
use crate::wire::{Bytes, F32, LongBytes};

macro_rules! get_u32 {
    ($ty:ident = $name:literal, $id:literal, $reply:ident, $field:ident [$unit:ident], $doc:literal) => {
        get! {
            #[doc = $doc]
            $ty = $name, GetPmData $id => $reply { $field: u32 [$unit] }
        }
    };
}

macro_rules! get_u8 {
    ($ty:ident = $name:literal, $id:literal, $reply:ident, $field:ident [$unit:ident], $doc:literal) => {
        get! {
            #[doc = $doc]
            $ty = $name, GetPmData $id => $reply { $field: u8 [$unit] }
        }
    };
}

// ---- times and distances ------------------------------------------------------

get_u32!(
    PmGetWorkTimeData = "PM_GET_WORKTIME",
    0xA0,
    WorkTimeData,
    time[Centiseconds],
    "Work time (4 bytes under 7F, unlike the 5 of 1A)."
);
get_u32!(
    PmGetProjectedWorkTime = "PM_GET_PROJECTED_WORKTIME",
    0xA1,
    ProjectedWorkTime,
    time[Seconds],
    "Projected work time."
);
get_u32!(
    PmGetTotalRestTime = "PM_GET_TOTAL_RESTTIME",
    0xA2,
    TotalRestTime,
    time[Centiseconds],
    "Total rest time."
);
get_u32!(
    PmGetWorkDistanceData = "PM_GET_WORKDISTANCE",
    0xA3,
    WorkDistanceData,
    distance[Decimetres],
    "Work distance (4 bytes under 7F, unlike the 5 of 1A)."
);
get_u32!(
    PmGetTotalWorkDistance = "PM_GET_TOTAL_WORKDISTANCE",
    0xA4,
    TotalWorkDistance,
    distance[Decimetres],
    "Total work distance."
);
get_u32!(
    PmGetProjectedWorkDistance = "PM_GET_PROJECTED_WORKDISTANCE",
    0xA5,
    ProjectedWorkDistance,
    distance[Metres],
    "Projected work distance."
);

get! {
    /// Rest distance (16 bits).
    PmGetRestDistance = "PM_GET_RESTDISTANCE", GetPmData 0xA6 => RestDistance { distance: u16 [Metres] }
}

get_u32!(
    PmGetTotalRestDistance = "PM_GET_TOTAL_RESTDISTANCE",
    0xA7,
    TotalRestDistance,
    distance[Metres],
    "Total rest distance."
);

// ---- pace, power, calories ------------------------------------------------------

get_u32!(
    PmGetStroke500mPace = "PM_GET_STROKE_500M_PACE",
    0xA8,
    Stroke500mPace,
    pace[CentisecondsPer500m],
    "Pace of the last stroke."
);
get_u32!(
    PmGetStrokePower = "PM_GET_STROKE_POWER",
    0xA9,
    StrokePower,
    power[Watts],
    "Power of the last stroke."
);
get_u32!(
    PmGetStrokeCaloricBurnRate = "PM_GET_STROKE_CALORICBURNRATE",
    0xAA,
    StrokeCaloricBurnRate,
    rate[KcalPerHour],
    "Calorie burn rate of the last stroke."
);
get_u32!(
    PmGetSplitAvg500mPace = "PM_GET_SPLIT_AVG_500M_PACE",
    0xAB,
    SplitAvg500mPace,
    pace[CentisecondsPer500m],
    "Average pace of the current split."
);
get_u32!(
    PmGetSplitAvgPower = "PM_GET_SPLIT_AVG_POWER",
    0xAC,
    SplitAvgPower,
    power[Watts],
    "Average power of the current split."
);
get_u32!(
    PmGetSplitAvgCaloricBurnRate = "PM_GET_SPLIT_AVG_CALORICBURNRATE",
    0xAD,
    SplitAvgCaloricBurnRate,
    rate[KcalPerHour],
    "Average calorie burn rate of the current split."
);
get_u32!(
    PmGetSplitAvgCalories = "PM_GET_SPLIT_AVG_CALORIES",
    0xAE,
    SplitAvgCalories,
    calories[Kcal],
    "Calories of the current split."
);
get_u32!(
    PmGetTotalAvg500mPace = "PM_GET_TOTAL_AVG_500MPACE",
    0xAF,
    TotalAvg500mPace,
    pace[CentisecondsPer500m],
    "Average pace of the workout."
);
get_u32!(
    PmGetTotalAvgPower = "PM_GET_TOTAL_AVG_POWER",
    0xB0,
    TotalAvgPower,
    power[Watts],
    "Average power of the workout."
);
get_u32!(
    PmGetTotalAvgCaloricBurnRate = "PM_GET_TOTAL_AVG_CALORICBURNRATE",
    0xB1,
    TotalAvgCaloricBurnRate,
    rate[KcalPerHour],
    "Average calorie burn rate of the workout."
);
get_u32!(
    PmGetTotalAvgCalories = "PM_GET_TOTAL_AVG_CALORIES",
    0xB2,
    TotalAvgCalories,
    calories[Kcal],
    "Calories of the workout."
);

// ---- rates and heart rate -----------------------------------------------------

get_u8!(
    PmGetStrokeRate = "PM_GET_STROKE_RATE",
    0xB3,
    StrokeRate,
    rate[Spm],
    "Stroke rate."
);
get_u8!(
    PmGetSplitAvgStrokeRate = "PM_GET_SPLIT_AVG_STROKERATE",
    0xB4,
    SplitAvgStrokeRate,
    rate[Spm],
    "Average stroke rate of the current split."
);
get_u8!(
    PmGetTotalAvgStrokeRate = "PM_GET_TOTAL_AVG_STROKERATE",
    0xB5,
    TotalAvgStrokeRate,
    rate[Spm],
    "Average stroke rate of the workout."
);
get_u8!(
    PmGetAvgHeartRate = "PM_GET_AVG_HEART_RATE",
    0xB6,
    AvgHeartRate,
    hr[Bpm],
    "Average heart rate."
);
get_u8!(
    PmGetEndingAvgHeartRate = "PM_GET_ENDING_AVG_HEARTRATE",
    0xB7,
    EndingAvgHeartRate,
    hr[Bpm],
    "Ending average heart rate."
);
get_u8!(
    PmGetRestAvgHeartRate = "PM_GET_REST_AVG_HEARTRATE",
    0xB8,
    RestAvgHeartRate,
    hr[Bpm],
    "Average heart rate during rest."
);

// ---- splits -------------------------------------------------------------------------

get_u32!(
    PmGetSplitTime = "PM_GET_SPLITTIME",
    0xB9,
    SplitTime,
    time[Centiseconds],
    "Time of the current split."
);
get_u32!(
    PmGetLastSplitTime = "PM_GET_LAST_SPLITTIME",
    0xBA,
    LastSplitTime,
    time[Deciseconds],
    "Time of the last split (0.1 s in the BLE mapping)."
);
get_u32!(
    PmGetSplitDistance = "PM_GET_SPLITDISTANCE",
    0xBB,
    SplitDistance,
    distance[Metres],
    "Distance of the current split."
);
get_u32!(
    PmGetLastSplitDistance = "PM_GET_LAST_SPLITDISTANCE",
    0xBC,
    LastSplitDistance,
    distance[Metres],
    "Distance of the last split."
);
get_u32!(
    PmGetLastRestDistance = "PM_GET_LAST_RESTDISTANCE",
    0xBD,
    LastRestDistance,
    distance[Metres],
    "Distance of the last rest."
);
get_u32!(
    PmGetTargetPaceTime = "PM_GET_TARGETPACETIME",
    0xBE,
    TargetPaceTime,
    pace[CentisecondsPer500m],
    "Target pace."
);

// ---- states and sync ----------------------------------------------------------

get! {
    /// Stroke state.
    PmGetStrokeStateData = "PM_GET_STROKESTATE", GetPmData 0xBF => StrokeStateReply
}

get_u8!(
    PmGetStrokeRateState = "PM_GET_STROKERATESTATE",
    0xC0,
    StrokeRateState,
    state[Raw],
    "Stroke-rate state."
);

get! {
    /// Drag factor.
    PmGetDragFactorData = "PM_GET_DRAGFACTOR", GetPmData 0xC1 => DragFactor
}

get! {
    /// Encoder period.
    PmGetEncoderPeriod = "PM_GET_ENCODER_PERIOD", GetPmData 0xC2 => EncoderPeriod { period: F32 }
}

get_u8!(
    PmGetHeartRateState = "PM_GET_HEARTRATESTATE",
    0xC3,
    HeartRateState,
    state[Raw],
    "Heart-rate state."
);

get! {
    /// Sync data.
    PmGetSyncData = "PM_GET_SYNC_DATA", GetPmData 0xC4 => SyncData { value: F32 }
}

get! {
    /// All sync data: distance, time, pace, average heart rate.
    PmGetSyncDataAll = "PM_GET_SYNCDATAALL", GetPmData 0xC5 => SyncDataAll {
        distance: F32,
        time: F32,
        pace: F32,
        avg_heart_rate: F32,
    }
}

get! {
    /// Race data (22 bytes: tick, metres, pace, time, rate, states); layout
    /// not broken down by the spec, so kept raw.
    PmGetRaceData = "PM_GET_RACE_DATA", GetPmData 0xC6 => RaceData { data: Bytes<22> }
}

get_u32!(
    PmGetTickTime = "PM_GET_TICK_TIME",
    0xC7,
    TickTime,
    ticks[Raw],
    "Tick time."
);
get_u8!(
    PmGetErrorType = "PM_GET_ERRORTYPE",
    0xC8,
    ErrorType,
    error_type[Raw],
    "Error type."
);

get! {
    /// Error value.
    PmGetErrorValueData = "PM_GET_ERRORVALUE", GetPmData 0xC9 => ErrorValue
}

get_u8!(
    PmGetStatusType = "PM_GET_STATUSTYPE",
    0xCA,
    StatusType,
    status_type[Raw],
    "Status type."
);
get_u8!(
    PmGetStatusValue = "PM_GET_STATUSVALUE",
    0xCB,
    StatusValue,
    value[Raw],
    "Status value."
);
get_u8!(
    PmGetEpmStatus = "PM_GET_EPMSTATUS",
    0xCC,
    EpmStatus,
    status[Raw],
    "EPM status."
);
get_u32!(
    PmGetDisplayUpdateTime = "PM_GET_DISPLAYUPDATETIME",
    0xCD,
    DisplayUpdateTime,
    time[Raw],
    "Display update time."
);
get_u8!(
    PmGetSyncFractionalTime = "PM_GET_SYNCFRACTIONALTIME",
    0xCE,
    SyncFractionalTime,
    fraction[Raw],
    "Sync fractional time."
);

get! {
    /// Rest time (LE even under 7F, per the spec table).
    PmGetRestTimeData = "PM_GET_RESTTIME", GetPmData 0xCF => RestTime
}

// ---- long -----------------------------------------------------------------------------

define_command! {
    /// Memory read: device type (0 ESRAM, 1 external SRAM, 2 flash), address, length (at most 64).
    PmGetMemory = "PM_GET_MEMORY", GetPmData 0x68, Get;
    args { device_type: u8, address: u32, length: u8 }
    reply MemoryRead { bytes_read: u8, data: LongBytes<64> }
}

define_command! {
    /// Log card memory read: address, length (at most 64).
    PmGetLogCardMemory = "PM_GET_LOGCARD_MEMORY", GetPmData 0x69, Get;
    args { address: u32, length: u8 }
    reply MemoryRead
}

define_command! {
    /// Internal log memory read: address, length (at most 64).
    PmGetInternalLogMemory = "PM_GET_INTERNALLOGMEMORY", GetPmData 0x6A, Get;
    args { address: u32, length: u8 }
    reply MemoryRead
}

define_command! {
    /// Force plot under 7F. The spec row says BE; its sample exchange uses 1A (LE). Drains.
    PmGetForcePlotDataData = "PM_GET_FORCEPLOTDATA", GetPmData 0x6B, Drain;
    args { block_len: u8 }
    reply ForcePlot
}

define_command! {
    /// Heartbeat data under 7F (LE per the spec table). Drains.
    PmGetHeartbeatDataData = "PM_GET_HEARTBEATDATA", GetPmData 0x6C, Drain;
    args { block_len: u8 }
    reply HeartbeatData
}

define_command! {
    /// User-interface events.
    PmGetUiEvents = "PM_GET_UI_EVENTS", GetPmData 0x6D, Get;
    args { reserved: u8 }
    reply UiEvents { events: u16 }
}

define_command! {
    /// Stroke statistics under 7F (BE per the spec; the LE form via 1A is the one seen on a PM5).
    PmGetStrokeStatsData = "PM_GET_STROKESTATS", GetPmData 0x6E, Get;
    args { reserved: u8 }
    reply StrokeStats
}

define_command! {
    /// Number of diagnostic log records of a type.
    PmGetDiagLogRecordNum = "PM_GET_DIAGLOG_RECORD_NUM", GetPmData 0x70, Get;
    args { record_type: u8 }
    reply DiagLogRecordNum { record_type: u8, count: u16 }
}

define_command! {
    /// One diagnostic log record.
    PmGetDiagLogRecord = "PM_GET_DIAGLOG_RECORD", GetPmData 0x71, Get;
    args { record_type: u8, index: u16, offset: u16 }
    reply DiagLogRecord { record_type: u8, index: u16, valid_bytes: u16, data: LongBytes<68> }
}

define_command! {
    /// Hash of the current workout.
    PmGetCurrentWorkoutHash = "PM_GET_CURRENT_WORKOUT_HASH", GetPmData 0x72, Get;
    args { reserved: u8 }
    reply CurrentWorkoutHash { hash: Bytes<8>, reserved: Bytes<8> }
}

define_command! {
    /// Game score.
    PmGetGameScore = "PM_GET_GAME_SCORE", GetPmData 0x78, Get;
    args { reserved: u8 }
    reply GameScore { game_id: u8, score: u16 }
}
