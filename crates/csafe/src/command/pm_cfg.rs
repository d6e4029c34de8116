//! Proprietary get-configuration commands in the `7E` wrapper (GETPMCFG),
//! reference §5.4 (short) and §5.5 (long). BE per the spec (see the byte-order
//! table). Where `1A` carries the same command, `1A` stays the default and
//! these are reached with `NAME@7E`.

use super::Opaque;
use super::user_cfg::{
    IntervalCount, IntervalTypeReply, RowingStateReply, WorkoutStateReply, WorkoutTypeReply,
};
use crate::enums::{DurationType, ErgMachineType, Gender, OperationalState, ScreenType};
use crate::wire::{Ascii, Bytes, F32, Tail};

// ---- §5.4 short -----------------------------------------------------------

get! {
    /// Firmware version, 16 bytes of text.
    PmGetFwVersion = "PM_GET_FW_VERSION", GetPmCfg 0x80 => FwVersion { version: Ascii<16> }
}

get! {
    /// Hardware version, 16 bytes of text.
    PmGetHwVersion = "PM_GET_HW_VERSION", GetPmCfg 0x81 => HwVersion { version: Ascii<16> }
}

get! {
    /// Hardware address: the serial number as an integer.
    PmGetHwAddress = "PM_GET_HW_ADDRESS", GetPmCfg 0x82 => HwAddress { address: u32 }
}

get! {
    /// Tick time base.
    PmGetTickTimebase = "PM_GET_TICK_TIMEBASE", GetPmCfg 0x83 => TickTimebase { timebase: F32 }
}

get! {
    /// Heart-rate monitor: status (0 inactive, 1 discovery, 2 paired), manufacturer, type, device number.
    PmGetHrm = "PM_GET_HRM", GetPmCfg 0x84 => Hrm {
        status: u8,
        manufacturer: u8,
        device_type: u8,
        device_number: u16,
    }
}

get! {
    /// Date and time: hour 1-12, minute, meridiem (0 AM), month, day, year.
    PmGetDateTime = "PM_GET_DATETIME", GetPmCfg 0x85 => DateTime {
        hour: u8,
        minute: u8,
        meridiem: u8,
        month: u8,
        day: u8,
        year: u16,
    }
}

get! {
    /// Screen state: type, value, status (pending, in progress, inactive).
    PmGetScreenStateStatus = "PM_GET_SCREENSTATESTATUS", GetPmCfg 0x86 => ScreenStateStatus {
        screen_type: ScreenType,
        value: u8,
        status: u8,
    }
}

get! {
    /// Race lane request: the erg's physical address.
    PmGetRaceLaneRequest = "PM_GET_RACE_LANE_REQUEST", GetPmCfg 0x87 => RaceLaneRequest { physical_address: u8 }
}

get! {
    /// Race entry request: the erg's logical address.
    PmGetRaceEntryRequest = "PM_GET_RACE_ENTRY_REQUEST", GetPmCfg 0x88 => RaceEntryRequest { logical_address: u8 }
}

get! {
    /// Workout type.
    PmGetWorkoutTypeCfg = "PM_GET_WORKOUTTYPE", GetPmCfg 0x89 => WorkoutTypeReply
}

get! {
    /// Display type.
    PmGetDisplayType = "PM_GET_DISPLAYTYPE", GetPmCfg 0x8A => DisplayType { display_type: u8 }
}

get! {
    /// Display units.
    PmGetDisplayUnits = "PM_GET_DISPLAYUNITS", GetPmCfg 0x8B => DisplayUnits { display_units: u8 }
}

get! {
    /// Language.
    PmGetLanguageType = "PM_GET_LANGUAGETYPE", GetPmCfg 0x8C => LanguageType { language: u8 }
}

get! {
    /// Workout state.
    PmGetWorkoutStateCfg = "PM_GET_WORKOUTSTATE", GetPmCfg 0x8D => WorkoutStateReply
}

get! {
    /// Interval type.
    PmGetIntervalTypeCfg = "PM_GET_INTERVALTYPE", GetPmCfg 0x8E => IntervalTypeReply
}

get! {
    /// Operational state.
    PmGetOperationalState = "PM_GET_OPERATIONALSTATE", GetPmCfg 0x8F => OperationalStateReply {
        operational_state: OperationalState,
    }
}

get! {
    /// Log card state.
    PmGetLogCardState = "PM_GET_LOGCARDSTATE", GetPmCfg 0x90 => LogCardState { state: u8 }
}

get! {
    /// Log card status.
    PmGetLogCardStatus = "PM_GET_LOGCARDSTATUS", GetPmCfg 0x91 => LogCardStatus { status: u8 }
}

get! {
    /// Power-up state.
    PmGetPowerUpState = "PM_GET_POWERUPSTATE", GetPmCfg 0x92 => PowerUpState { state: u8 }
}

get! {
    /// Rowing state.
    PmGetRowingStateCfg = "PM_GET_ROWINGSTATE", GetPmCfg 0x93 => RowingStateReply
}

get! {
    /// Screen content version, 16 bytes of text.
    PmGetScreenContentVersion = "PM_GET_SCREENCONTENT_VERSION", GetPmCfg 0x94 => ScreenContentVersion {
        version: Ascii<16>,
    }
}

get! {
    /// Communication state.
    PmGetCommunicationState = "PM_GET_COMMUNICATIONSTATE", GetPmCfg 0x95 => CommunicationState { state: u8 }
}

get! {
    /// Number of race participants.
    PmGetRaceParticipantCount = "PM_GET_RACEPARTICIPANTCOUNT", GetPmCfg 0x96 => RaceParticipantCount { count: u8 }
}

get! {
    /// Battery level.
    PmGetBatteryLevelPercent = "PM_GET_BATTERYLEVELPERCENT", GetPmCfg 0x97 => BatteryLevel { level: u8 [Percent] }
}

get! {
    /// Race mode status (15 bytes). The last bytes differ by model (PM3/PM4:
    /// average flywheel rpm; PM5: tach and workout states) and are kept raw.
    PmGetRaceModeStatus = "PM_GET_RACEMODESTATUS", GetPmCfg 0x98 => RaceModeStatus {
        hw_address: u32,
        race_operation_type: u8,
        race_state: u8,
        race_start_state: u8,
        rowing_state: u8,
        epm_status: u8,
        battery_level: u8 [Percent],
        model_specific: Tail,
    }
}

get! {
    /// Internal log: start address and length of the last entry.
    PmGetInternalLogParams = "PM_GET_INTERNALLOGPARAMS", GetPmCfg 0x99 => InternalLogParams {
        start_address: u32,
        last_entry_length: u16,
    }
}

get! {
    /// Product configuration: base hardware and software revisions; the rest
    /// (build number, LCD manufacturer, zeros) has no published widths and is kept raw.
    PmGetProductConfiguration = "PM_GET_PRODUCTCONFIGURATION", GetPmCfg 0x9A => ProductConfiguration {
        base_hw_revision: u16,
        base_sw_revision: u16,
        rest: Tail,
    }
}

get! {
    /// Erg slave discovery: status and slaves present.
    PmGetErgSlaveDiscoverRequestStatus = "PM_GET_ERGSLAVEDISCOVERREQUESTSTATUS", GetPmCfg 0x9B => ErgSlaveDiscoverStatus {
        status: u8,
        slaves_present: u8,
    }
}

get! {
    /// Wi-Fi configuration: index and WEP setting.
    PmGetWifiConfig = "PM_GET_WIFICONFIG", GetPmCfg 0x9C => WifiConfig { index: u8, wep: u8 }
}

get! {
    /// CPU tick rate; reply layout unpublished.
    PmGetCpuTickRate = "PM_GET_CPUTICKRATE", GetPmCfg 0x9D, Opaque => Opaque
}

get! {
    /// Log card user census: users and current user.
    PmGetLogCardUserCensus = "PM_GET_LOGCARDUSERCENSUS", GetPmCfg 0x9E => LogCardUserCensus { users: u8, current: u8 }
}

get! {
    /// Index of the current interval.
    PmGetWorkoutIntervalCountCfg = "PM_GET_WORKOUTINTERVALCOUNT", GetPmCfg 0x9F => IntervalCount
}

get! {
    /// Workout duration: type (time 0.01 s, distance m, calories) and value.
    PmGetWorkoutDuration = "PM_GET_WORKOUTDURATION", GetPmCfg 0xE8 => WorkoutDuration {
        duration_type: DurationType,
        duration: u32,
    }
}

get! {
    /// Work other.
    PmGetWorkOther = "PM_GET_WORKOTHER", GetPmCfg 0xE9 => WorkOther { value: u32 }
}

get! {
    /// Extended heart-rate monitor: status, manufacturer, type, 32-bit device number.
    PmGetExtendedHrm = "PM_GET_EXTENDED_HRM", GetPmCfg 0xEA => ExtendedHrm {
        status: u8,
        manufacturer: u8,
        device_type: u8,
        device_number: u32,
    }
}

get! {
    /// Whether the drag-factor calibration was verified.
    PmGetDefCalibrationVerified = "PM_GET_DEFCALIBRATIONVERIFIED", GetPmCfg 0xEB => CalibrationVerified { verified: u8 }
}

get! {
    /// Flywheel speed.
    PmGetFlywheelSpeed = "PM_GET_FLYWHEELSPEED", GetPmCfg 0xEC => FlywheelSpeed { speed: u16 [Rpm] }
}

get! {
    /// Erg machine type.
    PmGetErgMachineType = "PM_GET_ERGMACHINETYPE", GetPmCfg 0xED => ErgMachineTypeReply {
        machine_type: ErgMachineType,
    }
}

get! {
    /// Race begin and end tick counts.
    PmGetRaceBeginEndTickCount = "PM_GET_RACE_BEGINEND_TICKCOUNT", GetPmCfg 0xEE => RaceBeginEndTickCount {
        begin: u32,
        end: u32,
    }
}

get! {
    /// PM5 firmware update status: information type and status.
    PmGetPm5FwUpdateStatus = "PM_GET_PM5_FWUPDATESTATUS", GetPmCfg 0xEF => FwUpdateStatus {
        info_type: u16,
        status: u16,
    }
}

// ---- §5.5 long --------------------------------------------------------------

define_command! {
    /// Erg number for a hardware address.
    PmGetErgNumber = "PM_GET_ERG_NUMBER", GetPmCfg 0x50, Get;
    args { hw_address: u32 }
    reply ErgNumber { erg_number: u8 }
}

define_command! {
    /// Erg number request: logical and physical numbers.
    PmGetErgNumberRequest = "PM_GET_ERGNUMBERREQUEST", GetPmCfg 0x51, Get;
    args { logical_number: u8, physical_number: u8 }
    reply ErgNumberRequest { logical_number: u8, hw_address: u32, physical_number: u8 }
}

define_command! {
    /// User id string (10 ASCII bytes) of a user number.
    PmGetUserIdString = "PM_GET_USERIDSTRING", GetPmCfg 0x52, Get;
    args { user_number: u8 }
    reply UserIdString { id: Ascii<10> }
}

define_command! {
    /// Local race participant.
    PmGetLocalRaceParticipant = "PM_GET_LOCALRACEPARTICIPANT", GetPmCfg 0x53, Get;
    args { race_type: u8, race_length: u32, participants: u8, state: u8 }
    reply LocalRaceParticipant { hw_address: u32, user_id: Bytes<6>, machine_type: ErgMachineType }
}

define_command! {
    /// User id of a user number.
    PmGetUserId = "PM_GET_USER_ID", GetPmCfg 0x54, Get;
    args { user_number: u8 }
    reply UserIdReply { user_number: u8, id: u32 }
}

define_command! {
    /// User profile of a user number: weight, date of birth, gender.
    PmGetUserProfile = "PM_GET_USER_PROFILE", GetPmCfg 0x55, Get;
    args { user_number: u8 }
    reply UserProfile {
        user_number: u8,
        weight: u16,
        birth_day: u8,
        birth_month: u8,
        birth_year: u16,
        gender: Gender,
    }
}

define_command! {
    /// Heart-rate belt of a user number.
    PmGetHrBeltInfo = "PM_GET_HRBELT_INFO", GetPmCfg 0x56, Get;
    args { user_number: u8 }
    reply HrBeltInfo { user_number: u8, manufacturer: u8, device_type: u8, belt_id: u16 }
}

define_command! {
    /// Heart-rate belt of a user number, 32-bit belt id.
    PmGetExtendedHrBeltInfo = "PM_GET_EXTENDED_HRBELT_INFO", GetPmCfg 0x57, Get;
    args { user_number: u8 }
    reply ExtendedHrBeltInfo { user_number: u8, manufacturer: u8, device_type: u8, belt_id: u32 }
}

define_command! {
    /// Current log structure: structure id and split number; the data is kept raw.
    PmGetCurrentLogStructure = "PM_GET_CURRENT_LOG_STRUCTURE", GetPmCfg 0x58, Get;
    args { structure_id: u8, split_number: u8 }
    reply CurrentLogStructure { structure_id: u8, split_number: u8, bytes_read: u8, data: Tail }
}
