//! Normalised session → Terra Activity: the mapping of the reference's §5.

use crate::normalized::{Normalized, Point};
use crate::terra::{
    ActiveDurationsData, Activity, CadenceSample, CalorieSample, CaloriesData, DeviceData,
    DistanceData, DistanceDetailed, DistanceSample, DistanceSummary, HeartRateData,
    HeartRateDetailed, HeartRateSample, HeartRateSummary, LapData, LapSample, Metadata,
    MovementData, PowerData, PowerSample, SpeedSample, WorkData,
};
use crate::{TimeBase, Timestamp};

/// `UploadType` 1 AUTOMATIC: the monitor recorded it.
const UPLOAD_AUTOMATIC: u8 = 1;
/// `HeartRateContext` 1 ACTIVE.
const HR_ACTIVE: u8 = 1;

/// `x` to `decimals` places, so that 4.499999999 prints as 4.5.
pub(crate) fn round(x: f64, decimals: i32) -> f64 {
    let k = 10f64.powi(decimals);
    (x * k).round() / k
}

fn seconds(ns: u64) -> f64 {
    // Milliseconds are all a consumer can use, and keep the numbers short.
    round(ns as f64 / 1e9, 3)
}

impl Normalized {
    fn at(&self, p: &Point) -> Timestamp {
        self.meta.at(p.elapsed_ns)
    }

    /// The Terra Activity (reference §5).
    pub fn to_activity(&self) -> Activity {
        let m = &self.meta;
        let s = &self.summary;
        let pts = &self.points;
        let metadata = Metadata {
            summary_id: m.summary_id.clone(),
            name: m.name.clone(),
            start_time: m.start,
            end_time: m.end,
            activity_type: m.activity_type.code(),
            upload_type: UPLOAD_AUTOMATIC,
            timestamp_localization: u8::from(m.time_base == TimeBase::Local),
        };
        let distance_data = DistanceData {
            summary: DistanceSummary {
                distance_meters: (s.distance_dm + 5) / 10,
            },
            detailed: DistanceDetailed {
                distance_samples: pts
                    .iter()
                    .map(|p| DistanceSample {
                        timestamp: self.at(p),
                        distance_meters: p.distance_dm as f64 / 10.0,
                        timer_duration_seconds: seconds(p.timer_ns),
                    })
                    .collect(),
            },
        };
        let heart_rate_data = s.heart_rate.map(|hr| HeartRateData {
            summary: HeartRateSummary {
                avg_hr_bpm: round(hr.avg_bpm, 1),
                max_hr_bpm: hr.max_bpm,
                min_hr_bpm: hr.min_bpm,
            },
            detailed: HeartRateDetailed {
                hr_samples: pts
                    .iter()
                    .filter_map(|p| {
                        p.hr_bpm.map(|bpm| HeartRateSample {
                            timestamp: self.at(p),
                            bpm,
                            timer_duration_seconds: seconds(p.timer_ns),
                            context: HR_ACTIVE,
                        })
                    })
                    .collect(),
            },
        });
        let calories_data = s.energy_kcal.map(|total| CaloriesData {
            total_burned_calories: total,
            calorie_samples: pts
                .iter()
                .filter_map(|p| {
                    p.energy_kcal.map(|calories| CalorieSample {
                        timestamp: self.at(p),
                        calories,
                        timer_duration_seconds: seconds(p.timer_ns),
                    })
                })
                .collect(),
        });
        let avg_speed = s.avg_speed_m_per_s().filter(|v| *v > 0.0);
        let movement_data = MovementData {
            avg_speed_meters_per_second: avg_speed.map(|v| round(v, 3)),
            max_speed_meters_per_second: s.max_speed_m_per_s().map(|v| round(v, 3)),
            avg_pace_minutes_per_kilometer: avg_speed.map(|v| round(1000.0 / v / 60.0, 3)),
            avg_cadence_rpm: s.avg_rate_spm.map(|v| round(v, 1)),
            max_cadence_rpm: s.max_rate_spm,
            speed_samples: pts
                .iter()
                .map(|p| SpeedSample {
                    timestamp: self.at(p),
                    speed_meters_per_second: round(p.speed_m_per_s(), 3),
                    timer_duration_seconds: seconds(p.timer_ns),
                })
                .collect(),
            cadence_samples: pts
                .iter()
                .map(|p| CadenceSample {
                    timestamp: self.at(p),
                    cadence_rpm: p.rate_spm,
                    timer_duration_seconds: seconds(p.timer_ns),
                })
                .collect(),
        };
        let power_data = PowerData {
            avg_watts: s.avg_power_w.map(|v| round(v, 1)),
            max_watts: s.max_power_w,
            power_samples: pts
                .iter()
                .map(|p| PowerSample {
                    timestamp: self.at(p),
                    watts: p.power_w,
                    timer_duration_seconds: seconds(p.timer_ns),
                })
                .collect(),
        };
        let laps = self
            .laps
            .iter()
            .map(|l| LapSample {
                start_time: m.at(l.split.start_ns),
                end_time: m.at(l.split.end_ns),
                distance_meters: f64::from(l.split.distance_dm) / 10.0,
                calories: l.split.energy_kcal,
                avg_hr_bpm: l.split.average_hr_bpm,
                avg_speed_meters_per_second: l.avg_speed_m_per_s().map(|v| round(v, 3)),
                avg_watts: l.split.average_power_w,
                active_duration_seconds: (u64::from(l.split.time_cs) + 50) / 100,
                total_strokes: l.strokes,
                trigger_method: l.trigger.terra_name(),
            })
            .collect::<Vec<_>>();
        let mut data_provided = vec!["DISTANCE", "SPEED", "CADENCE"];
        if s.energy_kcal.is_some() {
            data_provided.push("CALORIES");
        }
        if s.heart_rate.is_some() {
            data_provided.push("HEART_RATE");
        }
        let d = &m.device;
        Activity {
            metadata,
            active_durations_data: Some(ActiveDurationsData {
                activity_seconds: seconds(s.active_ns),
                rest_seconds: seconds(s.rest_ns),
            }),
            calories_data,
            device_data: Some(DeviceData {
                name: d.name.clone(),
                manufacturer: d.manufacturer.to_string(),
                serial_number: d.serial.clone(),
                software_version: d.firmware.clone(),
                hardware_version: d.hardware.clone(),
                data_provided,
            }),
            distance_data: Some(distance_data),
            heart_rate_data,
            lap_data: (!laps.is_empty()).then_some(LapData { laps }),
            movement_data: Some(movement_data),
            power_data: Some(power_data),
            work_data: Some(WorkData {
                work_kilojoules: round(s.work_j / 1000.0, 3),
            }),
        }
    }
}
