//! Proprietary set commands: `76` (SETPMCFG) and `77` (SETPMDATA), reference
//! §5.7. BE. A PM5 answers accepted ones by echoing their ids in the wrapper
//! (pm5-program-exchanges.tsv), which the reply decoder reports as acknowledged.
//! Commands whose data layout is unpublished take raw bytes (`NAME:hex=…`).

use super::{Ack, Opaque};
use crate::enums::{DurationType, IntervalType, ScreenType, WorkoutType};
use crate::wire::{Ascii, Bytes, Tail};

macro_rules! set {
    (
        $(#[doc = $doc:literal])*
        $ty:ident = $name:literal, $wrapper:ident $id:literal $(, $layout:ident)?;
        $($arg:ident : $aty:ty $([$aunit:ident])?),* $(,)?
    ) => {
        define_command! {
            $(#[doc = $doc])*
            $ty = $name, $wrapper $id, Set $(, $layout)?;
            args { $($arg : $aty $([$aunit])?),* }
            reply Ack
        }
    };
}

// ---- 76 short ---------------------------------------------------------------

set! {
    /// Resets all configuration (not implemented on the PM per the spec).
    PmSetResetAll = "PM_SET_RESET_ALL", SetPmCfg 0xE0;
}

set! {
    /// Resets the erg number.
    PmSetResetErgNumber = "PM_SET_RESET_ERGNUMBER", SetPmCfg 0xE1;
}

// ---- 76 long: workouts ------------------------------------------------------

set! {
    /// Workout type.
    PmSetWorkoutType = "PM_SET_WORKOUTTYPE", SetPmCfg 0x01;
    workout_type: WorkoutType,
}

set! {
    /// Workout (or interval) duration: type, then 0.01 s, metres or calories.
    PmSetWorkoutDuration = "PM_SET_WORKOUTDURATION", SetPmCfg 0x03;
    duration_type: DurationType, duration: u32,
}

set! {
    /// Rest after an interval (0 to 595 s).
    PmSetRestDuration = "PM_SET_RESTDURATION", SetPmCfg 0x04;
    rest: u16 [Seconds],
}

set! {
    /// Split duration: type, then 0.01 s, metres or calories.
    PmSetSplitDurationCfg = "PM_SET_SPLITDURATION", SetPmCfg 0x05;
    duration_type: DurationType, duration: u32,
}

set! {
    /// Target pace.
    PmSetTargetPaceTime = "PM_SET_TARGETPACETIME", SetPmCfg 0x06;
    pace: u32 [CentisecondsPer500m],
}

set! {
    /// Race type.
    PmSetRaceType = "PM_SET_RACETYPE", SetPmCfg 0x09;
    race_type: u8,
}

set! {
    /// Race lane set-up: physical address and lane.
    PmSetRaceLaneSetup = "PM_SET_RACELANESETUP", SetPmCfg 0x0B;
    physical_address: u8, lane: u8,
}

set! {
    /// Race lane verification: physical address and lane.
    PmSetRaceLaneVerify = "PM_SET_RACELANEVERIFY", SetPmCfg 0x0C;
    physical_address: u8, lane: u8,
}

set! {
    /// Race start parameters (14 bytes, not broken down by the spec).
    PmSetRaceStartParams = "PM_SET_RACESTARTPARAMS", SetPmCfg 0x0D;
    params: Bytes<14>,
}

set! {
    /// Erg slave discovery request from a start address.
    PmSetErgSlaveDiscoveryRequest = "PM_SET_ERGSLAVEDISCOVERYREQUEST", SetPmCfg 0x0E;
    start_address: u8,
}

set! {
    /// Boat number.
    PmSetBoatNumber = "PM_SET_BOATNUMBER", SetPmCfg 0x0F;
    boat_number: u8,
}

set! {
    /// Erg number: hardware address (serial) and logical number.
    PmSetErgNumber = "PM_SET_ERGNUMBER", SetPmCfg 0x10;
    hw_address: u32, logical_number: u8,
}

set! {
    /// Screen state: type and value (Workout 1 = prepare to row, 2 = terminate).
    PmSetScreenState = "PM_SET_SCREENSTATE", SetPmCfg 0x13;
    screen_type: ScreenType, value: u8,
}

set! {
    /// Programming mode: 1 starts, 0 ends.
    PmConfigureWorkout = "PM_CONFIGURE_WORKOUT", SetPmCfg 0x14;
    programming_mode: u8,
}

set! {
    /// Target average power.
    PmSetTargetAvgWatts = "PM_SET_TARGETAVGWATTS", SetPmCfg 0x15;
    power: u16 [Watts],
}

set! {
    /// Target calorie rate.
    PmSetTargetCalsPerHr = "PM_SET_TARGETCALSPERHR", SetPmCfg 0x16;
    rate: u16 [KcalPerHour],
}

set! {
    /// Interval type.
    PmSetIntervalType = "PM_SET_INTERVALTYPE", SetPmCfg 0x17;
    interval_type: IntervalType,
}

set! {
    /// Interval index while programming variable intervals (0 = first); the
    /// interval count of fixed interval workouts (seen on a real PM5).
    PmSetWorkoutIntervalCount = "PM_SET_WORKOUTINTERVALCOUNT", SetPmCfg 0x18;
    count: u8,
}

set! {
    /// Display update rate.
    PmSetDisplayUpdateRate = "PM_SET_DISPLAYUPDATERATE", SetPmCfg 0x19;
    rate: u8,
}

define_command! {
    /// Authentication: serial and 8-byte password (algorithm not public); answers one result byte.
    PmSetAuthenPassword = "PM_SET_AUTHENPASSWORD", SetPmCfg 0x1A, Set;
    args { serial: u32, password: Bytes<8> }
    reply AuthenResult { result: u8 }
}

set! {
    /// Tick time.
    PmSetTickTime = "PM_SET_TICKTIME", SetPmCfg 0x1B;
    ticks: u32,
}

set! {
    /// Tick time offset.
    PmSetTickTimeOffset = "PM_SET_TICKTIMEOFFSET", SetPmCfg 0x1C;
    ticks: u32,
}

set! {
    /// Race data sample ticks.
    PmSetRaceDataSampleTicks = "PM_SET_RACEDATASAMPLETICKS", SetPmCfg 0x1D;
    ticks: u32,
}

set! {
    /// Race operation type (anything but disabled requires extended frames).
    PmSetRaceOperationType = "PM_SET_RACEOPERATIONTYPE", SetPmCfg 0x1E;
    operation_type: u8,
}

set! {
    /// Race status display ticks.
    PmSetRaceStatusDisplayTicks = "PM_SET_RACESTATUSDISPLAYTICKS", SetPmCfg 0x1F;
    ticks: u32,
}

set! {
    /// Race status warning ticks.
    PmSetRaceStatusWarningTicks = "PM_SET_RACESTATUSWARNINGTICKS", SetPmCfg 0x20;
    ticks: u32,
}

set! {
    /// Race idle-mode parameters: doze and sleep delays, four more bytes.
    PmSetRaceIdleModeParams = "PM_SET_RACEIDLEMODEPARAMS", SetPmCfg 0x21;
    doze: u16 [Seconds], sleep: u16 [Seconds], reserved: Bytes<4>,
}

set! {
    /// Date and time: hour 1-12, minute, meridiem (0 AM), month, day, year.
    PmSetDateTime = "PM_SET_DATETIME", SetPmCfg 0x22;
    hour: u8, minute: u8, meridiem: u8, month: u8, day: u8, year: u16,
}

set! {
    /// Language.
    PmSetLanguageType = "PM_SET_LANGUAGETYPE", SetPmCfg 0x23;
    language: u8,
}

set! {
    /// Wi-Fi configuration: index and WEP setting.
    PmSetWifiConfig = "PM_SET_WIFICONFIG", SetPmCfg 0x24;
    index: u8, wep: u8,
}

set! {
    /// CPU tick rate.
    PmSetCpuTickRate = "PM_SET_CPUTICKRATE", SetPmCfg 0x25;
    rate: u8,
}

set! {
    /// Log card user.
    PmSetLogCardUser = "PM_SET_LOGCARDUSER", SetPmCfg 0x26;
    user: u8,
}

set! {
    /// Screen error mode: 0 disable, 1 enable.
    PmSetScreenErrorModeCfg = "PM_SET_SCREENERRORMODE", SetPmCfg 0x27;
    mode: u8,
}

set! {
    /// Cable test: mode, then 79 bytes on PM3/PM4.
    PmSetCableTest = "PM_SET_CABLETEST", SetPmCfg 0x28;
    mode: u8, data: Tail,
}

set! {
    /// User id of a user number.
    PmSetUserId = "PM_SET_USER_ID", SetPmCfg 0x29;
    user_number: u8, id: u32,
}

set! {
    /// User profile of a user number.
    PmSetUserProfile = "PM_SET_USER_PROFILE", SetPmCfg 0x2A;
    user_number: u8, weight: u16, birth_day: u8, birth_month: u8, birth_year: u16, gender: u8,
}

set! {
    /// Heart-rate monitor; layout unpublished.
    PmSetHrm = "PM_SET_HRM", SetPmCfg 0x2B, Opaque;
    data: Tail,
}

set! {
    /// Race starting physical address; layout unpublished.
    PmSetRaceStartingPhysicalAddress = "PM_SET_RACESTARTINGPHYSICALADDRESS", SetPmCfg 0x2C, Opaque;
    data: Tail,
}

set! {
    /// Heart-rate belt information; layout unpublished.
    PmSetHrBeltInfo = "PM_SET_HRBELT_INFO", SetPmCfg 0x2D, Opaque;
    data: Tail,
}

set! {
    /// Sensor channel; layout unpublished.
    PmSetSensorChannel = "PM_SET_SENSOR_CHANNEL", SetPmCfg 0x2F, Opaque;
    data: Tail,
}

// ---- 77 short: sync commands, data layouts unpublished ----------------------

set! {
    /// Sync distance.
    PmSetSyncDistance = "PM_SET_SYNC_DISTANCE", SetPmData 0xD0, Opaque;
}

set! {
    /// Sync stroke pace.
    PmSetSyncStrokePace = "PM_SET_SYNC_STROKEPACE", SetPmData 0xD1, Opaque;
}

set! {
    /// Sync average heart rate.
    PmSetSyncAvgHeartRate = "PM_SET_SYNC_AVG_HEARTRATE", SetPmData 0xD2, Opaque;
}

set! {
    /// Sync time.
    PmSetSyncTime = "PM_SET_SYNC_TIME", SetPmData 0xD3, Opaque;
}

set! {
    /// Sync race tick time.
    PmSetSyncRaceTickTime = "PM_SET_SYNC_RACETICKTIME", SetPmData 0xD7, Opaque;
}

set! {
    /// Sync all data.
    PmSetSyncDataAll = "PM_SET_SYNC_DATAALL", SetPmData 0xD8, Opaque;
}

set! {
    /// Sync rowing-active time.
    PmSetSyncRowingActiveTime = "PM_SET_SYNC_ROWINGACTIVE_TIME", SetPmData 0xD9, Opaque;
}

// ---- 77 long -------------------------------------------------------------------

set! {
    /// Race participant; layout unpublished.
    PmSetRaceParticipant = "PM_SET_RACEPARTICIPANT", SetPmData 0x32, Opaque;
    data: Tail,
}

set! {
    /// Race status; layout unpublished.
    PmSetRaceStatus = "PM_SET_RACESTATUS", SetPmData 0x33, Opaque;
    data: Tail,
}

define_command! {
    /// Log card memory write; answers the bytes written (layout unpublished).
    PmSetLogCardMemory = "PM_SET_LOGCARD_MEMORY", SetPmData 0x34, Set, Opaque;
    args { data: Tail }
    reply Opaque
}

set! {
    /// Text for the display (32 characters).
    PmSetDisplayString = "PM_SET_DISPLAYSTRING", SetPmData 0x35;
    text: Ascii<32>,
}

define_command! {
    /// Display bitmap (layout unpublished); answers the total bytes so far.
    PmSetDisplayBitmap = "PM_SET_DISPLAYBITMAP", SetPmData 0x36, Set, Opaque;
    args { data: Tail }
    reply DisplayBitmapTotal { total: u16 }
}

set! {
    /// Local race participant; layout unpublished.
    PmSetLocalRaceParticipant = "PM_SET_LOCALRACEPARTICIPANT", SetPmData 0x37, Opaque;
    data: Tail,
}

set! {
    /// Game parameters; layout unpublished.
    PmSetGameParams = "PM_SET_GAMEPARAMS", SetPmData 0x38, Opaque;
    data: Tail,
}

set! {
    /// Extended heart-rate belt information; layout unpublished.
    PmSetExtendedHrBeltInfo = "PM_SET_EXTENDED_HRBELT_INFO", SetPmData 0x39, Opaque;
    data: Tail,
}

set! {
    /// Extended heart-rate monitor; layout unpublished.
    PmSetExtendedHrm = "PM_SET_EXTENDED_HRM", SetPmData 0x3A, Opaque;
    data: Tail,
}

set! {
    /// LED backlight; layout unpublished.
    PmSetLedBacklight = "PM_SET_LEDBACKLIGHT", SetPmData 0x3B, Opaque;
    data: Tail,
}

set! {
    /// Diagnostic log record archive; layout unpublished.
    PmSetDiagLogRecordArchive = "PM_SET_DIAGLOG_RECORD_ARCHIVE", SetPmData 0x3C, Opaque;
    data: Tail,
}

set! {
    /// Wireless channel configuration; layout unpublished.
    PmSetWirelessChannelConfig = "PM_SET_WIRELESS_CHANNEL_CONFIG", SetPmData 0x3D, Opaque;
    data: Tail,
}

set! {
    /// Race control parameters; layout unpublished.
    PmSetRaceControlParams = "PM_SET_RACECONTROLPARAMS", SetPmData 0x3E, Opaque;
    data: Tail,
}
