//! The list of every command type, and what is generated from it: the
//! [`AnyCommand`] and [`AnyReply`] enums and the (wrapper, id) and name lookups.

use super::*;
use crate::args::split_command_text;
use crate::value::Describe;

/// A command the dictionary does not know, or a known one sent with raw data
/// (`NAME:hex=…`) so that malformed arguments reach the PM unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct RawCommand {
    /// Wrapper that carries it.
    pub wrapper: Wrapper,
    /// Its id.
    pub id: u8,
    /// Data bytes of a long command (id below `80`); `None` for a short one.
    pub data: Option<Vec<u8>>,
}

impl RawCommand {
    /// The dictionary entry for its (wrapper, id), if any.
    pub fn spec(&self) -> Option<&'static CommandSpec> {
        lookup(self.wrapper, self.id)
    }
}

/// A reply to an id the dictionary does not know, kept byte for byte.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct UnknownReply {
    /// Wrapper it came in.
    pub wrapper: Wrapper,
    /// Its id.
    pub id: u8,
    /// Its data bytes.
    pub data: Vec<u8>,
}

type ReadReplyFn = fn(&mut Reader<'_>) -> Result<AnyReply, FieldError>;
type ReadArgsFn = fn(&mut Reader<'_>) -> Result<AnyCommand, FieldError>;
type ParseArgsFn = fn(&[&str]) -> Result<AnyCommand, ArgError>;

fn read_reply<C: Command>(r: &mut Reader<'_>) -> Result<AnyReply, FieldError> {
    C::Reply::read(r).map(C::wrap_reply)
}

fn read_args<C: Command>(r: &mut Reader<'_>) -> Result<AnyCommand, FieldError> {
    C::read_args(r).map(C::into_any)
}

fn parse_args<C: Command>(args: &[&str]) -> Result<AnyCommand, ArgError> {
    C::parse_args(args).map(C::into_any)
}

const NO_ENTRY: u16 = u16::MAX;

/// (wrapper, id) → position in the spec list. Built at compile time; a
/// duplicate key fails the build.
const fn build_index(specs: &[CommandSpec]) -> [[u16; 256]; 6] {
    let mut table = [[NO_ENTRY; 256]; 6];
    let mut i = 0;
    while i < specs.len() {
        let w = specs[i].wrapper as usize;
        let id = specs[i].id as usize;
        assert!(
            table[w][id] == NO_ENTRY,
            "duplicate (wrapper, id) in the command dictionary"
        );
        table[w][id] = i as u16;
        i += 1;
    }
    table
}

macro_rules! registry {
    ($($ty:ident),* $(,)?) => {
        /// Any command of the dictionary, or a raw one.
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum AnyCommand {
            $(
                #[doc = concat!("`", stringify!($ty), "`.")]
                $ty($ty),
            )*
            /// Raw bytes under a (wrapper, id).
            Raw(RawCommand),
        }

        /// The reply to any command of the dictionary, or to an unknown id.
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum AnyReply {
            $(
                #[doc = concat!("Reply to `", stringify!($ty), "`.")]
                $ty(<$ty as Command>::Reply),
            )*
            /// Reply to an id outside the dictionary.
            Unknown(UnknownReply),
        }

        const SPEC_LIST: &[CommandSpec] = &[$(<$ty as Command>::SPEC),*];
        static INDEX: [[u16; 256]; 6] = build_index(SPEC_LIST);
        static READ_REPLY: &[ReadReplyFn] = &[$(read_reply::<$ty>),*];
        static READ_ARGS: &[ReadArgsFn] = &[$(read_args::<$ty>),*];
        static PARSE_ARGS: &[ParseArgsFn] = &[$(parse_args::<$ty>),*];

        impl AnyCommand {
            /// The dictionary entry (for a raw command, that of its (wrapper, id), if any).
            pub fn spec(&self) -> Option<&'static CommandSpec> {
                match self {
                    $(AnyCommand::$ty(_) => Some(&<$ty as Command>::SPEC),)*
                    AnyCommand::Raw(r) => r.spec(),
                }
            }

            fn write_typed_args(&self, w: &mut Writer<'_>) {
                match self {
                    $(AnyCommand::$ty(c) => c.write_args(w),)*
                    AnyCommand::Raw(r) => w.bytes(r.data.as_deref().unwrap_or_default()),
                }
            }

            /// Lists the arguments (a raw command lists its data bytes).
            pub fn describe_args(&self, out: &mut dyn FnMut(&'static str, Value<'_>)) {
                match self {
                    $(AnyCommand::$ty(c) => c.describe_args(out),)*
                    AnyCommand::Raw(r) => {
                        if let Some(d) = &r.data {
                            out("data", Value::Bytes(d));
                        }
                    }
                }
            }
        }

        impl AnyReply {
            /// The dictionary entry this reply answers, if known.
            pub fn spec(&self) -> Option<&'static CommandSpec> {
                match self {
                    $(AnyReply::$ty(_) => Some(&<$ty as Command>::SPEC),)*
                    AnyReply::Unknown(u) => lookup(u.wrapper, u.id),
                }
            }

            /// Writes the reply's data bytes (for simulators and tests).
            pub fn write_data(&self, out: &mut Vec<u8>) {
                let order = self.order();
                let mut w = Writer::new(out, order);
                match self {
                    $(AnyReply::$ty(r) => r.write(&mut w),)*
                    AnyReply::Unknown(u) => w.bytes(&u.data),
                }
            }
        }

        impl Describe for AnyReply {
            fn describe(&self, out: &mut dyn FnMut(&'static str, Value<'_>)) {
                match self {
                    $(AnyReply::$ty(r) => r.describe(out),)*
                    AnyReply::Unknown(u) => out("data", Value::Bytes(&u.data)),
                }
            }
        }
    };
}

registry! {
    // Public, top level (§5.1, §5.2).
    GetStatus, Reset, GoIdle, GoHaveId, GoInUse, GoFinished, GoReady, BadId,
    GetVersion, GetId, GetUnits, GetSerial, GetOdometer, GetErrorCode, GetTWork,
    GetHorizontal, GetCalories, GetProgram, GetSpeed, GetPace, GetCadence,
    GetUserInfo, GetHrCur, GetPower,
    AutoUpload, IdDigits, SetTime, SetDate, SetTimeout, SetTWork, SetHorizontal,
    SetCalories, SetProgram, SetPower, GetCaps,
    // 1A wrapper (§5.3).
    PmGetWorkoutType, PmGetWorkoutState, PmGetIntervalType, PmGetRowingState,
    PmGetWorkoutIntervalCount, PmGetWorkTime, PmGetWorkDistance, PmGetStrokeState,
    PmGetDragFactor, PmGetErrorValue, PmGetRestTime, PmSetSplitDuration,
    PmSetScreenErrorMode, PmGetForcePlotData, PmGetHeartbeatData, PmGetStrokeStats,
    // 7E wrapper (§5.4, §5.5).
    PmGetFwVersion, PmGetHwVersion, PmGetHwAddress, PmGetTickTimebase, PmGetHrm, PmGetDateTime,
    PmGetScreenStateStatus, PmGetRaceLaneRequest, PmGetRaceEntryRequest, PmGetWorkoutTypeCfg,
    PmGetDisplayType, PmGetDisplayUnits, PmGetLanguageType, PmGetWorkoutStateCfg,
    PmGetIntervalTypeCfg, PmGetOperationalState, PmGetLogCardState, PmGetLogCardStatus,
    PmGetPowerUpState, PmGetRowingStateCfg, PmGetScreenContentVersion, PmGetCommunicationState,
    PmGetRaceParticipantCount, PmGetBatteryLevelPercent, PmGetRaceModeStatus,
    PmGetInternalLogParams, PmGetProductConfiguration, PmGetErgSlaveDiscoverRequestStatus,
    PmGetWifiConfig, PmGetCpuTickRate, PmGetLogCardUserCensus, PmGetWorkoutIntervalCountCfg,
    PmGetWorkoutDuration, PmGetWorkOther, PmGetExtendedHrm, PmGetDefCalibrationVerified,
    PmGetFlywheelSpeed, PmGetErgMachineType, PmGetRaceBeginEndTickCount,
    PmGetPm5FwUpdateStatus, PmGetErgNumber, PmGetErgNumberRequest, PmGetUserIdString,
    PmGetLocalRaceParticipant, PmGetUserId, PmGetUserProfile, PmGetHrBeltInfo,
    PmGetExtendedHrBeltInfo, PmGetCurrentLogStructure,
    // 7F wrapper (§5.6).
    PmGetWorkTimeData, PmGetProjectedWorkTime, PmGetTotalRestTime, PmGetWorkDistanceData,
    PmGetTotalWorkDistance, PmGetProjectedWorkDistance, PmGetRestDistance,
    PmGetTotalRestDistance, PmGetStroke500mPace, PmGetStrokePower, PmGetStrokeCaloricBurnRate,
    PmGetSplitAvg500mPace, PmGetSplitAvgPower, PmGetSplitAvgCaloricBurnRate,
    PmGetSplitAvgCalories, PmGetTotalAvg500mPace, PmGetTotalAvgPower,
    PmGetTotalAvgCaloricBurnRate, PmGetTotalAvgCalories, PmGetStrokeRate,
    PmGetSplitAvgStrokeRate, PmGetTotalAvgStrokeRate, PmGetAvgHeartRate,
    PmGetEndingAvgHeartRate, PmGetRestAvgHeartRate, PmGetSplitTime, PmGetLastSplitTime,
    PmGetSplitDistance, PmGetLastSplitDistance, PmGetLastRestDistance, PmGetTargetPaceTime,
    PmGetStrokeStateData, PmGetStrokeRateState, PmGetDragFactorData, PmGetEncoderPeriod,
    PmGetHeartRateState, PmGetSyncData, PmGetSyncDataAll, PmGetRaceData, PmGetTickTime,
    PmGetErrorType, PmGetErrorValueData, PmGetStatusType, PmGetStatusValue, PmGetEpmStatus,
    PmGetDisplayUpdateTime, PmGetSyncFractionalTime, PmGetRestTimeData, PmGetMemory,
    PmGetLogCardMemory, PmGetInternalLogMemory, PmGetForcePlotDataData, PmGetHeartbeatDataData,
    PmGetUiEvents, PmGetStrokeStatsData, PmGetDiagLogRecordNum, PmGetDiagLogRecord,
    PmGetCurrentWorkoutHash, PmGetGameScore,
    // 76 and 77 wrappers (§5.7).
    PmSetResetAll, PmSetResetErgNumber, PmSetWorkoutType, PmSetWorkoutDuration,
    PmSetRestDuration, PmSetSplitDurationCfg, PmSetTargetPaceTime, PmSetRaceType,
    PmSetRaceLaneSetup, PmSetRaceLaneVerify, PmSetRaceStartParams,
    PmSetErgSlaveDiscoveryRequest, PmSetBoatNumber, PmSetErgNumber, PmSetScreenState,
    PmConfigureWorkout, PmSetTargetAvgWatts, PmSetTargetCalsPerHr, PmSetIntervalType,
    PmSetWorkoutIntervalCount, PmSetDisplayUpdateRate, PmSetAuthenPassword, PmSetTickTime,
    PmSetTickTimeOffset, PmSetRaceDataSampleTicks, PmSetRaceOperationType,
    PmSetRaceStatusDisplayTicks, PmSetRaceStatusWarningTicks, PmSetRaceIdleModeParams,
    PmSetDateTime, PmSetLanguageType, PmSetWifiConfig, PmSetCpuTickRate, PmSetLogCardUser,
    PmSetScreenErrorModeCfg, PmSetCableTest, PmSetUserId, PmSetUserProfile, PmSetHrm,
    PmSetRaceStartingPhysicalAddress, PmSetHrBeltInfo, PmSetSensorChannel, PmSetSyncDistance,
    PmSetSyncStrokePace, PmSetSyncAvgHeartRate, PmSetSyncTime, PmSetSyncRaceTickTime,
    PmSetSyncDataAll, PmSetSyncRowingActiveTime, PmSetRaceParticipant, PmSetRaceStatus,
    PmSetLogCardMemory, PmSetDisplayString, PmSetDisplayBitmap, PmSetLocalRaceParticipant,
    PmSetGameParams, PmSetExtendedHrBeltInfo, PmSetExtendedHrm, PmSetLedBacklight,
    PmSetDiagLogRecordArchive, PmSetWirelessChannelConfig, PmSetRaceControlParams,
}

/// Every command of the dictionary.
pub fn all_specs() -> &'static [CommandSpec] {
    SPEC_LIST
}

fn index_of(wrapper: Wrapper, id: u8) -> Option<usize> {
    let i = registry_slot(wrapper, id);
    (i != NO_ENTRY).then_some(usize::from(i))
}

/// Position of `(wrapper, id)` in the dictionary, or `u16::MAX`.
#[inline]
pub(crate) fn registry_slot(wrapper: Wrapper, id: u8) -> u16 {
    INDEX[wrapper as usize][usize::from(id)]
}

/// The command `id` under `wrapper`, if the dictionary has it.
pub fn lookup(wrapper: Wrapper, id: u8) -> Option<&'static CommandSpec> {
    index_of(wrapper, id).map(|i| &SPEC_LIST[i])
}

/// The command called `name` (ignoring case). Without a wrapper, the default
/// one: `1A`, then `7E`/`7F`, then `76`/`77`.
pub fn find(name: &str, wrapper: Option<Wrapper>) -> Result<&'static CommandSpec, ArgError> {
    let mut matches = SPEC_LIST
        .iter()
        .filter(|s| s.name.eq_ignore_ascii_case(name))
        .peekable();
    if matches.peek().is_none() {
        return Err(ArgError::UnknownCommand(name.to_string()));
    }
    match wrapper {
        None => Ok(matches
            .min_by_key(|s| s.wrapper.default_rank())
            .expect("not empty")),
        Some(w) => {
            let all: Vec<&CommandSpec> = matches.collect();
            all.iter()
                .find(|s| s.wrapper == w)
                .copied()
                .ok_or_else(|| ArgError::WrongWrapper {
                    name: all[0].name.to_string(),
                    wrapper: w.label().to_string(),
                    available: all
                        .iter()
                        .map(|s| s.wrapper.label())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
        }
    }
}

impl AnyCommand {
    /// Wrapper that carries it.
    pub fn wrapper(&self) -> Wrapper {
        match self {
            AnyCommand::Raw(r) => r.wrapper,
            other => other.spec().expect("typed commands have a spec").wrapper,
        }
    }

    /// Its id.
    pub fn id(&self) -> u8 {
        match self {
            AnyCommand::Raw(r) => r.id,
            other => other.spec().expect("typed commands have a spec").id,
        }
    }

    /// Its name (`0x..` for an unknown raw id).
    pub fn name(&self) -> String {
        match self.spec() {
            Some(s) => s.name.to_string(),
            None => format!("{}/{:#04X}", self.wrapper().label(), self.id()),
        }
    }

    /// Whether the command is the id alone.
    pub fn is_short(&self) -> bool {
        self.id() >= 0x80
    }

    /// Appends the argument bytes of a long command to `out`.
    pub fn write_args(&self, out: &mut Vec<u8>) {
        let order = crate::byte_order::byte_order(self.wrapper(), self.id());
        self.write_typed_args(&mut Writer::new(out, order));
    }

    /// The command for `(wrapper, id)` with data bytes `data`: typed when the
    /// dictionary knows it and the data matches its layout exactly, raw
    /// otherwise, so that nothing a tester sent is lost.
    pub fn decode(wrapper: Wrapper, id: u8, data: Option<&[u8]>) -> AnyCommand {
        let raw = || {
            AnyCommand::Raw(RawCommand {
                wrapper,
                id,
                data: data.map(<[u8]>::to_vec),
            })
        };
        let Some(i) = index_of(wrapper, id) else {
            return raw();
        };
        let spec = &SPEC_LIST[i];
        let bytes = data.unwrap_or_default();
        if spec.is_short() != data.is_none() {
            return raw();
        }
        let mut r = Reader::new(bytes, spec.order);
        match READ_ARGS[i](&mut r) {
            Ok(cmd) if r.remaining() == 0 => cmd,
            _ => raw(),
        }
    }

    /// Parses `NAME`, `NAME:arg,arg`, `NAME@7F:arg` or `NAME:hex=0102…`.
    pub fn parse(text: &str) -> Result<AnyCommand, ArgError> {
        let (name, wrapper, args) = split_command_text(text)?;
        let spec = find(name, wrapper)?;
        let i = index_of(spec.wrapper, spec.id).expect("found specs are indexed");
        if let [single] = args.as_slice()
            && let Some(hex) = single.strip_prefix("hex=")
            && spec.layout == Layout::Published
        {
            if spec.is_short() {
                return Err(ArgError::Value {
                    name: spec.name.into(),
                    field: "hex",
                    why: "a short command carries no data".into(),
                });
            }
            return Ok(AnyCommand::Raw(RawCommand {
                wrapper: spec.wrapper,
                id: spec.id,
                data: Some(crate::args::parse_hex(hex)?),
            }));
        }
        PARSE_ARGS[i](&args)
    }
}

impl AnyReply {
    /// Decodes reply data for `(wrapper, id)`. Unknown ids decode to
    /// [`AnyReply::Unknown`]; a known id whose data does not fit its layout is
    /// an error (the caller keeps the raw bytes).
    pub fn decode(wrapper: Wrapper, id: u8, data: &[u8]) -> Result<(AnyReply, usize), FieldError> {
        Self::decode_slot(registry_slot(wrapper, id), wrapper, id, data)
    }

    /// [`AnyReply::decode`] with the dictionary position already looked up.
    #[inline]
    pub(crate) fn decode_slot(
        slot: u16,
        wrapper: Wrapper,
        id: u8,
        data: &[u8],
    ) -> Result<(AnyReply, usize), FieldError> {
        if slot == NO_ENTRY {
            return Ok((
                AnyReply::Unknown(UnknownReply {
                    wrapper,
                    id,
                    data: data.to_vec(),
                }),
                0,
            ));
        }
        let i = usize::from(slot);
        let mut r = Reader::new(data, SPEC_LIST[i].order);
        let reply = READ_REPLY[i](&mut r)?;
        Ok((reply, r.remaining()))
    }

    /// Byte order of the reply's fields.
    pub fn order(&self) -> ByteOrder {
        match self {
            AnyReply::Unknown(u) => crate::byte_order::byte_order(u.wrapper, u.id),
            other => other.spec().expect("typed replies have a spec").order,
        }
    }

    /// Wrapper and id it answers.
    pub fn key(&self) -> (Wrapper, u8) {
        match self {
            AnyReply::Unknown(u) => (u.wrapper, u.id),
            other => {
                let s = other.spec().expect("typed replies have a spec");
                (s.wrapper, s.id)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reused_across_wrappers() {
        assert_eq!(lookup(Wrapper::Top, 0xA0).unwrap().name, "GETTWORK");
        assert_eq!(
            lookup(Wrapper::UserCfg1, 0xA0).unwrap().name,
            "PM_GET_WORKTIME"
        );
        assert!(lookup(Wrapper::UserCfg1, 0x01).is_none());
    }

    #[test]
    fn names_ignore_case() {
        assert_eq!(find("getstatus", None).unwrap().id, 0x80);
        assert!(matches!(
            find("NOPE", None),
            Err(ArgError::UnknownCommand(_))
        ));
        assert!(matches!(
            find("PM_GET_WORKTIME", Some(Wrapper::SetPmCfg)),
            Err(ArgError::WrongWrapper { .. })
        ));
    }

    #[test]
    fn parse_command_text() {
        let c = AnyCommand::parse("SETHORIZONTAL:2000,metre").unwrap();
        assert_eq!(
            c,
            AnyCommand::SetHorizontal(SetHorizontal {
                distance: 2000,
                units: crate::UnitsSpecifier::Metre
            })
        );
        let raw = AnyCommand::parse("SETHORIZONTAL:hex=D0").unwrap();
        assert_eq!(
            raw,
            AnyCommand::Raw(RawCommand {
                wrapper: Wrapper::Top,
                id: 0x21,
                data: Some(vec![0xD0])
            })
        );
        assert!(matches!(
            AnyCommand::parse("SETHORIZONTAL:2000"),
            Err(ArgError::Count { .. })
        ));
        assert!(matches!(
            AnyCommand::parse("GETSTATUS:hex=00"),
            Err(ArgError::Value { .. })
        ));
    }

    #[test]
    fn decode_keeps_malformed_as_raw() {
        let c = AnyCommand::decode(Wrapper::Top, 0x21, Some(&[0xD0, 0x07, 0x24, 0x99]));
        assert!(matches!(c, AnyCommand::Raw(_)));
        let c = AnyCommand::decode(Wrapper::Top, 0x21, Some(&[0xD0, 0x07, 0x24]));
        assert!(matches!(c, AnyCommand::SetHorizontal(_)));
    }
}
