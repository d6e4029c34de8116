//! Terra's Activity, as wire types: only keys Terra's JSON Schemas declare
//! (tryterra/openapi `schemas/core`, vendored in `schemas/terra/`), each
//! left out when erglink has nothing for it rather than sent as `null`.
//! Fields Terra's Python SDK types as `int` are integers here.

use serde::Serialize;

use crate::Timestamp;

/// One workout (`Activity.yaml`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Activity {
    /// The only required section.
    pub metadata: Metadata,
    /// Work and rest time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_durations_data: Option<ActiveDurationsData>,
    /// Energy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calories_data: Option<CaloriesData>,
    /// The monitor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_data: Option<DeviceData>,
    /// Distance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_data: Option<DistanceData>,
    /// Heart rate, when a belt was paired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heart_rate_data: Option<HeartRateData>,
    /// Splits or intervals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lap_data: Option<LapData>,
    /// Speed, pace and cadence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub movement_data: Option<MovementData>,
    /// Power.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_data: Option<PowerData>,
    /// Mechanical work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_data: Option<WorkData>,
}

/// `ActivityMetadata.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metadata {
    /// Stable per session, so a re-export upserts.
    pub summary_id: String,
    /// The workout's name.
    pub name: String,
    /// Start.
    pub start_time: Timestamp,
    /// End.
    pub end_time: Timestamp,
    /// `ActivityType` code.
    #[serde(rename = "type")]
    pub activity_type: u16,
    /// `UploadType`: 1 AUTOMATIC.
    pub upload_type: u8,
    /// 1 local times with their offset, 0 UTC.
    pub timestamp_localization: u8,
}

/// `ActiveDurationsData.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActiveDurationsData {
    /// Working time, s.
    pub activity_seconds: f64,
    /// Rest between intervals, s.
    pub rest_seconds: f64,
}

/// `CaloriesData.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaloriesData {
    /// The PM's estimate, kcal (it includes a resting allowance; the SDK
    /// types it as an integer).
    pub total_burned_calories: u32,
    /// Cumulative kcal since the start at each point.
    pub calorie_samples: Vec<CalorieSample>,
}

/// `CalorieSample.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CalorieSample {
    /// When.
    pub timestamp: Timestamp,
    /// kcal since the start (cumulative).
    pub calories: u32,
    /// Workout time, s.
    pub timer_duration_seconds: f64,
}

/// `DeviceData.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeviceData {
    /// "PM5 RowErg", "Simulated PM5".
    pub name: String,
    /// "Concept2".
    pub manufacturer: String,
    /// The PM's serial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// Firmware.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
    /// Hardware version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hardware_version: Option<String>,
    /// `DeviceDataType` strings.
    pub data_provided: Vec<&'static str>,
}

/// `DistanceData.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistanceData {
    /// Total.
    pub summary: DistanceSummary,
    /// Samples.
    pub detailed: DistanceDetailed,
}

/// `DistanceDataSummary.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistanceSummary {
    /// Whole metres (the SDK types it as an integer).
    pub distance_meters: u64,
}

/// `DistanceDataDetailed.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistanceDetailed {
    /// Cumulative distance at each point.
    pub distance_samples: Vec<DistanceSample>,
}

/// `DistanceSample.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistanceSample {
    /// When.
    pub timestamp: Timestamp,
    /// Metres since the start.
    pub distance_meters: f64,
    /// Workout time, s.
    pub timer_duration_seconds: f64,
}

/// `HeartRateData.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeartRateData {
    /// Averages.
    pub summary: HeartRateSummary,
    /// Samples.
    pub detailed: HeartRateDetailed,
}

/// `HeartRateDataSummary.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeartRateSummary {
    /// Mean, bpm.
    pub avg_hr_bpm: f64,
    /// Highest, bpm.
    pub max_hr_bpm: u8,
    /// Lowest, bpm.
    pub min_hr_bpm: u8,
}

/// `HeartRateDataDetailed.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeartRateDetailed {
    /// Readings.
    pub hr_samples: Vec<HeartRateSample>,
}

/// `HeartRateDataSample.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeartRateSample {
    /// When.
    pub timestamp: Timestamp,
    /// bpm.
    pub bpm: u8,
    /// Workout time, s.
    pub timer_duration_seconds: f64,
    /// `HeartRateContext`: 1 ACTIVE.
    pub context: u8,
}

/// `LapData.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LapData {
    /// In order.
    pub laps: Vec<LapSample>,
}

/// `LapSample.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LapSample {
    /// Start.
    pub start_time: Timestamp,
    /// End.
    pub end_time: Timestamp,
    /// Metres.
    pub distance_meters: f64,
    /// kcal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calories: Option<u16>,
    /// bpm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg_hr_bpm: Option<u8>,
    /// m/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg_speed_meters_per_second: Option<f64>,
    /// W.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg_watts: Option<u16>,
    /// Whole seconds of work (the schema's type is integer).
    pub active_duration_seconds: u64,
    /// Strokes begun in the lap (integer).
    pub total_strokes: u32,
    /// TIME, DISTANCE or FITNESS_EQUIPMENT.
    pub trigger_method: &'static str,
}

/// `MovementData.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MovementData {
    /// Distance over working time, m/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg_speed_meters_per_second: Option<f64>,
    /// From the fastest pace, m/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_speed_meters_per_second: Option<f64>,
    /// From the average speed, min/km.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg_pace_minutes_per_kilometer: Option<f64>,
    /// Strokes (or crank revolutions) per minute, mean over working time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg_cadence_rpm: Option<f64>,
    /// Highest.
    pub max_cadence_rpm: u8,
    /// Speed at each point.
    pub speed_samples: Vec<SpeedSample>,
    /// Rate at each point.
    pub cadence_samples: Vec<CadenceSample>,
}

/// `SpeedSample.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpeedSample {
    /// When.
    pub timestamp: Timestamp,
    /// m/s.
    pub speed_meters_per_second: f64,
    /// Workout time, s.
    pub timer_duration_seconds: f64,
}

/// `CadenceSample.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CadenceSample {
    /// When.
    pub timestamp: Timestamp,
    /// Strokes (or revolutions) per minute.
    pub cadence_rpm: u8,
    /// Workout time, s.
    pub timer_duration_seconds: f64,
}

/// `PowerData.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerData {
    /// Mean over working time, W.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg_watts: Option<f64>,
    /// Highest, W.
    pub max_watts: u16,
    /// Power at each point.
    pub power_samples: Vec<PowerSample>,
}

/// `PowerSample.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerSample {
    /// When.
    pub timestamp: Timestamp,
    /// W.
    pub watts: u16,
    /// Workout time, s.
    pub timer_duration_seconds: f64,
}

/// `WorkData.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkData {
    /// Σ power · dt, kJ.
    pub work_kilojoules: f64,
}
