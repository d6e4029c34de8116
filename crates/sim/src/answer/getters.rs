//! Getters in the `1A`, `7E` and `7F` wrappers, all read from one display
//! sample so that every value of a frame agrees with every other. Units are
//! the codec's (csafe.md §5.3–5.6; the `7F` ones taken from the BLE mapping).

use erglink_csafe::command::{self as cmd, AnyCommand as C, AnyReply as R};
use erglink_csafe::wire::{Ascii, F32, Tail};
use erglink_csafe::workout::Goal;
use erglink_csafe::{DurationType, OperationalState, RowingState, State};

use super::{Answer, Ctx};
use crate::config::Model;

/// Seconds and metres as the getters carry them.
fn cs(s: f64) -> u32 {
    (s.max(0.0) * 100.0) as u32
}
fn ds(s: f64) -> u32 {
    (s.max(0.0) * 10.0) as u32
}
fn dm(m: f64) -> u32 {
    (m.max(0.0) * 10.0) as u32
}
fn m(m: f64) -> u32 {
    m.max(0.0) as u32
}
fn pace(p: f64) -> u32 {
    (p.max(0.0) * 100.0).round() as u32
}
fn ascii<const N: usize>(text: &str) -> Ascii<N> {
    let bytes = text.as_bytes();
    Ascii::new(&bytes[..bytes.len().min(N)]).expect("capped")
}

pub(super) fn answer(cx: &mut Ctx<'_>, command: &C) -> Option<Answer> {
    let rest_left = cx.rest_time(cx.shown.rest_remaining_s).min(65_535) as u16;
    let total_rest = cx.rest_time(cx.shown.total_rest_s);
    let (avg_hr, rest_avg_hr) = (
        cx.hr_figure(cx.shown.avg_hr_bpm),
        cx.hr_figure(cx.shown.rest_avg_hr_bpm),
    );
    let s = &cx.shown;
    let pm = &mut *cx.pm;
    let hr_on = pm.heart.enabled();
    let rowing = if s.rowing {
        RowingState::Active
    } else {
        RowingState::Inactive
    };
    let reply = match command {
        // ---- 1A, and their 7E/7F twins ----
        C::PmGetWorkoutType(_) => R::PmGetWorkoutType(cmd::WorkoutTypeReply {
            workout_type: s.workout_type,
        }),
        C::PmGetWorkoutTypeCfg(_) => R::PmGetWorkoutTypeCfg(cmd::WorkoutTypeReply {
            workout_type: s.workout_type,
        }),
        C::PmGetWorkoutState(_) => R::PmGetWorkoutState(cmd::WorkoutStateReply {
            workout_state: s.workout_state,
        }),
        C::PmGetWorkoutStateCfg(_) => R::PmGetWorkoutStateCfg(cmd::WorkoutStateReply {
            workout_state: s.workout_state,
        }),
        C::PmGetIntervalType(_) => R::PmGetIntervalType(cmd::IntervalTypeReply {
            interval_type: s.interval_type,
        }),
        C::PmGetIntervalTypeCfg(_) => R::PmGetIntervalTypeCfg(cmd::IntervalTypeReply {
            interval_type: s.interval_type,
        }),
        C::PmGetRowingState(_) => R::PmGetRowingState(cmd::RowingStateReply {
            rowing_state: rowing,
        }),
        C::PmGetRowingStateCfg(_) => R::PmGetRowingStateCfg(cmd::RowingStateReply {
            rowing_state: rowing,
        }),
        C::PmGetWorkoutIntervalCount(_) => R::PmGetWorkoutIntervalCount(cmd::IntervalCount {
            count: s.interval_index,
        }),
        C::PmGetWorkoutIntervalCountCfg(_) => R::PmGetWorkoutIntervalCountCfg(cmd::IntervalCount {
            count: s.interval_index,
        }),
        // The fraction byte's meaning is unknown; the PM's is left at 0.
        C::PmGetWorkTime(_) => R::PmGetWorkTime(cmd::WorkTime {
            time: cs(s.work_time_s),
            fraction: 0,
        }),
        C::PmGetWorkDistance(_) => R::PmGetWorkDistance(cmd::WorkDistance {
            distance: dm(s.work_distance_m),
            fraction: 0,
        }),
        C::PmGetStrokeState(_) => R::PmGetStrokeState(cmd::StrokeStateReply {
            stroke_state: s.stroke_state,
        }),
        C::PmGetStrokeStateData(_) => R::PmGetStrokeStateData(cmd::StrokeStateReply {
            stroke_state: s.stroke_state,
        }),
        C::PmGetDragFactor(_) => R::PmGetDragFactor(cmd::DragFactor {
            drag_factor: s.drag_factor,
        }),
        C::PmGetDragFactorData(_) => R::PmGetDragFactorData(cmd::DragFactor {
            drag_factor: s.drag_factor,
        }),
        // Rest left, counting down, in the `resttime=` unit.
        C::PmGetRestTime(_) => R::PmGetRestTime(cmd::RestTime {
            rest_time: rest_left,
        }),
        C::PmGetRestTimeData(_) => R::PmGetRestTimeData(cmd::RestTime {
            rest_time: rest_left,
        }),
        C::PmGetForcePlotData(c) => R::PmGetForcePlotData(cmd::ForcePlot {
            samples: pm.force.read(c.block_len),
        }),
        C::PmGetForcePlotDataData(c) => R::PmGetForcePlotDataData(cmd::ForcePlot {
            samples: pm.force.read(c.block_len),
        }),
        // Heartbeat data: the beat-to-beat intervals in ms since the last read.
        C::PmGetHeartbeatData(c) => R::PmGetHeartbeatData(cmd::HeartbeatData {
            samples: pm.beats.read(c.block_len),
        }),
        C::PmGetHeartbeatDataData(c) => R::PmGetHeartbeatDataData(cmd::HeartbeatData {
            samples: pm.beats.read(c.block_len),
        }),
        C::PmGetStrokeStats(_) => R::PmGetStrokeStats(stats(pm)),
        C::PmGetStrokeStatsData(_) => R::PmGetStrokeStatsData(stats(pm)),

        // ---- 7E ----
        C::PmGetFwVersion(_) => R::PmGetFwVersion(cmd::FwVersion {
            version: ascii(&pm.identity.firmware_text()),
        }),
        C::PmGetHwVersion(_) => R::PmGetHwVersion(cmd::HwVersion {
            version: ascii(&pm.identity.hardware_text()),
        }),
        C::PmGetHwAddress(_) => R::PmGetHwAddress(cmd::HwAddress {
            address: pm.identity.hw_address(),
        }),
        C::PmGetTickTimebase(_) => R::PmGetTickTimebase(cmd::TickTimebase {
            timebase: F32(0.01f32.to_bits()),
        }),
        C::PmGetHrm(_) => R::PmGetHrm(cmd::Hrm {
            status: if hr_on { 2 } else { 0 },
            manufacturer: u8::from(hr_on),
            device_type: if hr_on { 120 } else { 0 },
            device_number: if hr_on {
                (pm.identity.hw_address() % 65_521) as u16
            } else {
                0
            },
        }),
        C::PmGetExtendedHrm(_) => R::PmGetExtendedHrm(cmd::ExtendedHrm {
            status: if hr_on { 2 } else { 0 },
            manufacturer: u8::from(hr_on),
            device_type: if hr_on { 120 } else { 0 },
            device_number: if hr_on {
                pm.identity.hw_address() % 65_521
            } else {
                0
            },
        }),
        C::PmGetDateTime(_) => {
            let (h, mi, _) = pm.settings.time_of_day(cx.t);
            let (year, month, day) = pm.settings.date;
            R::PmGetDateTime(cmd::DateTime {
                hour: if h % 12 == 0 { 12 } else { h % 12 },
                minute: mi,
                meridiem: u8::from(h >= 12),
                month,
                day,
                year,
            })
        }
        C::PmGetScreenStateStatus(_) => R::PmGetScreenStateStatus(cmd::ScreenStateStatus {
            screen_type: pm.settings.screen.0,
            value: pm.settings.screen.1,
            status: 0,
        }),
        C::PmGetOperationalState(_) => R::PmGetOperationalState(cmd::OperationalStateReply {
            operational_state: if s.clock_running || s.resting {
                OperationalState::Workout
            } else if s.csafe_state == State::Paused {
                OperationalState::Pause
            } else {
                OperationalState::Ready
            },
        }),
        C::PmGetBatteryLevelPercent(_) => {
            R::PmGetBatteryLevelPercent(cmd::BatteryLevel { level: 100 })
        }
        C::PmGetRaceModeStatus(_) => {
            let tail = if pm.model == Model::Pm5 {
                vec![0, 0, s.workout_state.to_u8(), s.workout_type.to_u8(), 1]
            } else {
                let rpm = s.flywheel_rpm.to_be_bytes();
                vec![rpm[0], rpm[1], 0, 0, 0]
            };
            R::PmGetRaceModeStatus(cmd::RaceModeStatus {
                hw_address: pm.identity.hw_address(),
                race_operation_type: 0,
                race_state: 0,
                race_start_state: 0,
                rowing_state: rowing.to_u8(),
                epm_status: 0,
                battery_level: 100,
                model_specific: Tail::from(tail),
            })
        }
        C::PmGetProductConfiguration(_) => {
            R::PmGetProductConfiguration(cmd::ProductConfiguration {
                base_hw_revision: pm.identity.hardware_version,
                base_sw_revision: pm.identity.firmware_version,
                rest: Tail::from(vec![0; 6]),
            })
        }
        C::PmGetWorkoutDuration(_) => {
            let goal = pm
                .piece
                .program
                .intervals
                .get(pm.piece.index)
                .and_then(|iv| iv.work);
            let (duration_type, duration) = match goal {
                Some(Goal::Distance(d)) => (DurationType::Distance, d),
                Some(Goal::Time(t)) => (DurationType::Time, t),
                None => (DurationType::Time, 0),
            };
            R::PmGetWorkoutDuration(cmd::WorkoutDuration {
                duration_type,
                duration,
            })
        }
        C::PmGetDefCalibrationVerified(_) => {
            R::PmGetDefCalibrationVerified(cmd::CalibrationVerified { verified: 1 })
        }
        C::PmGetFlywheelSpeed(_) => R::PmGetFlywheelSpeed(cmd::FlywheelSpeed {
            speed: s.flywheel_rpm,
        }),
        C::PmGetErgMachineType(_) => R::PmGetErgMachineType(cmd::ErgMachineTypeReply {
            machine_type: pm.machine.erg_machine_type(),
        }),

        // ---- 7F ----
        C::PmGetWorkTimeData(_) => R::PmGetWorkTimeData(cmd::WorkTimeData {
            time: cs(s.work_time_s),
        }),
        C::PmGetProjectedWorkTime(_) => R::PmGetProjectedWorkTime(cmd::ProjectedWorkTime {
            time: projected(pm, s).0,
        }),
        C::PmGetTotalRestTime(_) => R::PmGetTotalRestTime(cmd::TotalRestTime { time: total_rest }),
        C::PmGetWorkDistanceData(_) => R::PmGetWorkDistanceData(cmd::WorkDistanceData {
            distance: dm(s.work_distance_m),
        }),
        C::PmGetTotalWorkDistance(_) => R::PmGetTotalWorkDistance(cmd::TotalWorkDistance {
            distance: dm(s.total_distance_m),
        }),
        C::PmGetProjectedWorkDistance(_) => {
            R::PmGetProjectedWorkDistance(cmd::ProjectedWorkDistance {
                distance: projected(pm, s).1,
            })
        }
        C::PmGetStroke500mPace(_) => R::PmGetStroke500mPace(cmd::Stroke500mPace {
            pace: s.stroke_pace_cs,
        }),
        C::PmGetStrokePower(_) => R::PmGetStrokePower(cmd::StrokePower {
            power: u32::from(s.stroke_power_w),
        }),
        C::PmGetStrokeCaloricBurnRate(_) => {
            R::PmGetStrokeCaloricBurnRate(cmd::StrokeCaloricBurnRate {
                rate: s.stroke_kcal_per_hour,
            })
        }
        C::PmGetSplitAvg500mPace(_) => R::PmGetSplitAvg500mPace(cmd::SplitAvg500mPace {
            pace: pace(s.split_pace_500m_s()),
        }),
        C::PmGetSplitAvgPower(_) => R::PmGetSplitAvgPower(cmd::SplitAvgPower {
            power: s.split_power_w().round() as u32,
        }),
        C::PmGetSplitAvgCaloricBurnRate(_) => {
            R::PmGetSplitAvgCaloricBurnRate(cmd::SplitAvgCaloricBurnRate {
                rate: s.split_kcal_per_hour().round() as u32,
            })
        }
        C::PmGetSplitAvgCalories(_) => R::PmGetSplitAvgCalories(cmd::SplitAvgCalories {
            calories: s.split_kcal as u32,
        }),
        C::PmGetTotalAvg500mPace(_) => R::PmGetTotalAvg500mPace(cmd::TotalAvg500mPace {
            pace: pace(s.avg_pace_500m_s()),
        }),
        C::PmGetTotalAvgPower(_) => R::PmGetTotalAvgPower(cmd::TotalAvgPower {
            power: s.avg_power_w().round() as u32,
        }),
        C::PmGetTotalAvgCaloricBurnRate(_) => {
            R::PmGetTotalAvgCaloricBurnRate(cmd::TotalAvgCaloricBurnRate {
                rate: s.avg_kcal_per_hour().round() as u32,
            })
        }
        C::PmGetTotalAvgCalories(_) => R::PmGetTotalAvgCalories(cmd::TotalAvgCalories {
            calories: s.kcal as u32,
        }),
        C::PmGetStrokeRate(_) => R::PmGetStrokeRate(cmd::StrokeRate {
            rate: s.stroke_rate_spm,
        }),
        C::PmGetSplitAvgStrokeRate(_) => R::PmGetSplitAvgStrokeRate(cmd::SplitAvgStrokeRate {
            rate: s.split_rate_spm().round() as u8,
        }),
        C::PmGetTotalAvgStrokeRate(_) => R::PmGetTotalAvgStrokeRate(cmd::TotalAvgStrokeRate {
            rate: s.avg_rate_spm().round() as u8,
        }),
        C::PmGetAvgHeartRate(_) => R::PmGetAvgHeartRate(cmd::AvgHeartRate { hr: avg_hr }),
        C::PmGetEndingAvgHeartRate(_) => {
            R::PmGetEndingAvgHeartRate(cmd::EndingAvgHeartRate { hr: avg_hr })
        }
        C::PmGetRestAvgHeartRate(_) => {
            R::PmGetRestAvgHeartRate(cmd::RestAvgHeartRate { hr: rest_avg_hr })
        }
        C::PmGetSplitTime(_) => R::PmGetSplitTime(cmd::SplitTime {
            time: cs(s.split_time_s),
        }),
        C::PmGetLastSplitTime(_) => R::PmGetLastSplitTime(cmd::LastSplitTime {
            time: ds(s.last_split_time_s),
        }),
        C::PmGetSplitDistance(_) => R::PmGetSplitDistance(cmd::SplitDistance {
            distance: m(s.split_distance_m),
        }),
        C::PmGetLastSplitDistance(_) => R::PmGetLastSplitDistance(cmd::LastSplitDistance {
            distance: m(s.last_split_distance_m),
        }),
        C::PmGetTargetPaceTime(_) => R::PmGetTargetPaceTime(cmd::TargetPaceTime {
            pace: pm.builder.target_pace_cs,
        }),
        C::PmGetStrokeRateState(_) => R::PmGetStrokeRateState(cmd::StrokeRateState {
            state: u8::from(s.rowing),
        }),
        C::PmGetEncoderPeriod(_) => R::PmGetEncoderPeriod(cmd::EncoderPeriod {
            // One flywheel turn, in seconds.
            period: F32(if s.flywheel_rpm == 0 {
                0
            } else {
                (60.0 / f32::from(s.flywheel_rpm)).to_bits()
            }),
        }),
        C::PmGetHeartRateState(_) => R::PmGetHeartRateState(cmd::HeartRateState {
            state: u8::from(hr_on),
        }),
        C::PmGetSyncDataAll(_) => R::PmGetSyncDataAll(cmd::SyncDataAll {
            distance: F32((s.total_distance_m as f32).to_bits()),
            time: F32((s.total_time_s as f32).to_bits()),
            pace: F32((s.avg_pace_500m_s() as f32).to_bits()),
            avg_heart_rate: F32(f32::from(avg_hr).to_bits()),
        }),
        C::PmGetTickTime(_) => R::PmGetTickTime(cmd::TickTime {
            ticks: (cx.t / 10_000_000) as u32,
        }),
        _ => return None,
    };
    Some(Answer::Reply(reply))
}

/// The stroke statistics the PM publishes (`stats=`; zeros before any).
fn stats(pm: &crate::pm::Pm) -> cmd::StrokeStats {
    pm.stats.clone().unwrap_or_default()
}

/// Projected work time (s) of a distance goal and distance (m) of a time
/// goal, at the average pace so far.
fn projected(pm: &crate::pm::Pm, s: &crate::truth::Sample) -> (u32, u32) {
    let goal = pm
        .piece
        .program
        .intervals
        .get(pm.piece.index)
        .and_then(|iv| iv.work);
    if s.work_time_s <= 0.0 || s.work_distance_m <= 0.0 {
        return (0, 0);
    }
    let speed = s.work_distance_m / s.work_time_s;
    match goal {
        Some(Goal::Distance(d)) => (
            m(s.work_time_s + (f64::from(d) - s.work_distance_m) / speed),
            0,
        ),
        Some(Goal::Time(t)) => (
            0,
            m(s.work_distance_m + (f64::from(t) / 100.0 - s.work_time_s) * speed),
        ),
        None => (0, 0),
    }
}
