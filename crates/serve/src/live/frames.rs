//! Live events as Terra dispatches: the `t`, `val` and `d` of interface.md's
//! "Streaming" table. Pure: events in, dispatches out, with what each
//! session needs to say things once a second.

use std::collections::HashMap;
use std::time::Instant;

use erglink_model::{LiveData, LiveEvent, LiveSession, SessionId, Split};
use erglink_webhook::{Users, athlete_user_id};
use serde_json::{Map, Value, json};

/// One dispatch before the hub numbers it.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    /// The athlete's Terra user id.
    pub uid: String,
    /// The data type.
    pub t: &'static str,
    /// The payload.
    pub d: Value,
    /// The session it is about.
    pub session_id: SessionId,
    /// When the monitor's reply behind it arrived (in-process only).
    pub replied_at: Option<Instant>,
}

const SECOND_NS: u64 = 1_000_000_000;

/// What a session said last, for the types sent once a second.
#[derive(Default)]
struct PerSecond {
    /// The second of the last DISTANCE and SPEED.
    motion: Option<u64>,
    /// The second of the last HEART_RATE.
    heart: Option<u64>,
}

/// Turns live events into dispatches.
#[derive(Default)]
pub struct Framer {
    users: Users,
    sessions: HashMap<SessionId, PerSecond>,
}

fn pace_s(cs_per_500m: u32) -> f64 {
    f64::from(cs_per_500m) / 100.0
}

fn speed_m_s(cs_per_500m: u32) -> f64 {
    if cs_per_500m == 0 {
        0.0
    } else {
        500.0 / pace_s(cs_per_500m)
    }
}

/// Rounded to 3 decimals, so that the JSON stays short.
fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl Framer {
    /// Users as `export --to webhook` and `/v2/userInfo` have them.
    pub fn new(users: Users) -> Self {
        Self {
            users,
            sessions: HashMap::new(),
        }
    }

    /// The Terra user id of a session's athlete.
    pub fn uid(&self, s: &LiveSession) -> String {
        let athlete = s
            .athlete
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        self.users
            .user_id
            .unwrap_or_else(|| athlete_user_id(athlete))
            .hyphenated()
            .to_string()
    }

    /// The dispatches `e` makes (none for most samples).
    pub fn frames(&mut self, e: &LiveEvent) -> Vec<Outgoing> {
        let s = &e.session;
        let mut out = Vec::new();
        let mut push = |t: &'static str, val: f64, extra: Value| {
            let mut d = Map::new();
            d.insert("ts".into(), json!(e.at().to_rfc3339(s.utc_offset_s)));
            d.insert("val".into(), json!(val));
            d.insert("session_id".into(), json!(s.id.as_str()));
            d.insert("serial".into(), json!(s.serial));
            d.insert("station".into(), json!(s.station));
            if let Value::Object(m) = extra {
                d.extend(m);
            }
            out.push(Outgoing {
                uid: String::new(),
                t,
                d: Value::Object(d),
                session_id: s.id.clone(),
                replied_at: e.replied_at,
            });
        };
        let second = e.elapsed_ns / SECOND_NS;
        match &e.data {
            LiveData::SessionStart => {
                self.sessions.insert(s.id.clone(), PerSecond::default());
                push("SESSION_START", 0.0, session_fields(s));
            }
            LiveData::SessionEnd(state) => {
                self.sessions.remove(&s.id);
                let mut f = session_fields(s);
                f["state"] = json!(state.name());
                push("SESSION_END", 0.0, f);
            }
            LiveData::Sample(x) => {
                let per = self.sessions.entry(s.id.clone()).or_default();
                if per.motion != Some(second) {
                    per.motion = Some(second);
                    push(
                        "DISTANCE",
                        f64::from(x.distance_dm) / 10.0,
                        json!({ "elapsed_s": r3(x.elapsed_ns as f64 / 1e9) }),
                    );
                    push("SPEED", r3(speed_m_s(x.pace_cs_per_500m)), json!({}));
                }
                if let Some(hr) = x.hr_bpm.filter(|&h| h > 0 && h < 255)
                    && per.heart != Some(second)
                {
                    per.heart = Some(second);
                    push("HEART_RATE", f64::from(hr), json!({}));
                }
            }
            LiveData::Stroke {
                stroke,
                pace_cs_per_500m,
                power_w,
                rate_spm,
                distance_dm,
            } => {
                let d = [
                    pace_s(*pace_cs_per_500m),
                    f64::from(*rate_spm),
                    f64::from(*distance_dm) / 10.0,
                    f64::from(stroke.drive_length_cm) / 100.0,
                    f64::from(stroke.drive_time_cs) / 100.0,
                    f64::from(stroke.peak_force_dlbf) / 10.0,
                ];
                push(
                    "STROKE",
                    f64::from(*power_w),
                    json!({ "d": d, "stroke": stroke.index }),
                );
                push(
                    "POWER",
                    f64::from(*power_w),
                    json!({ "stroke": stroke.index }),
                );
                push(
                    "CADENCE",
                    f64::from(*rate_spm),
                    json!({ "stroke": stroke.index }),
                );
            }
            LiveData::ForceCurve(c) => push(
                "FORCE_CURVE",
                c.samples_lbf.len() as f64,
                json!({ "d": c.samples_lbf, "complete": c.complete, "stroke": c.stroke_index }),
            ),
            LiveData::Split(x) => push("SPLIT", f64::from(x.time_cs) / 100.0, split_fields(x)),
        }
        let uid = self.uid(s);
        for o in &mut out {
            o.uid.clone_from(&uid);
        }
        out
    }
}

fn session_fields(s: &LiveSession) -> Value {
    json!({
        "machine": s.machine.name(),
        "athlete": s.athlete,
        "workout": s.workout,
    })
}

fn split_fields(x: &Split) -> Value {
    let metres = f64::from(x.distance_dm) / 10.0;
    let secs = f64::from(x.time_cs) / 100.0;
    let pace = if metres > 0.0 {
        r3(secs * 500.0 / metres)
    } else {
        0.0
    };
    json!({
        "d": [
            metres,
            pace,
            x.average_power_w,
            x.energy_kcal,
        ],
        "kind": x.kind.name(),
        "index": x.index,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use erglink_model::{
        ForceCurve, Machine, Sample, SessionState, SplitKind, Stroke, UtcNanos, Workout,
    };

    use super::*;

    fn session(athlete: Option<&str>) -> Arc<LiveSession> {
        Arc::new(LiveSession {
            id: SessionId::from_parts(1_700_000_000_000, 7),
            serial: "430228525".into(),
            station: Some("2".into()),
            athlete: athlete.map(str::to_string),
            machine: Machine::RowErg,
            workout: Workout::default(),
            started_at: UtcNanos(1_700_000_000_000_000_000),
            utc_offset_s: 3600,
        })
    }

    fn event(s: &Arc<LiveSession>, elapsed_ns: u64, data: LiveData) -> LiveEvent {
        LiveEvent {
            session: s.clone(),
            elapsed_ns,
            data,
            replied_at: None,
        }
    }

    #[test]
    fn a_stroke_is_stroke_power_and_cadence() {
        let s = session(Some("Ada"));
        let mut f = Framer::default();
        let stroke = Stroke {
            index: 4,
            drive_length_cm: 142,
            drive_time_cs: 78,
            peak_force_dlbf: 2104,
            ..Stroke::default()
        };
        let out = f.frames(&event(
            &s,
            12_000_000_000,
            LiveData::Stroke {
                stroke,
                pace_cs_per_500m: 10500,
                power_w: 302,
                rate_spm: 28,
                distance_dm: 5123,
            },
        ));
        let types: Vec<_> = out.iter().map(|o| o.t).collect();
        assert_eq!(types, ["STROKE", "POWER", "CADENCE"]);
        let d = &out[0].d;
        assert_eq!(d["val"], json!(302.0));
        assert_eq!(d["d"], json!([105.0, 28.0, 512.3, 1.42, 0.78, 210.4]));
        assert_eq!(d["ts"], json!("2023-11-14T23:13:32.000+01:00"));
        assert_eq!(d["session_id"], json!(s.id.as_str()));
        assert_eq!(d["serial"], json!("430228525"));
        assert_eq!(d["station"], json!("2"));
        assert_eq!(out[2].d["val"], json!(28.0));
        assert_eq!(
            out[0].uid,
            athlete_user_id(Some("Ada")).hyphenated().to_string()
        );
    }

    #[test]
    fn samples_say_distance_speed_and_heart_rate_once_a_second() {
        let s = session(None);
        let mut f = Framer::default();
        let mut types = Vec::new();
        for i in 0..80u64 {
            let x = Sample {
                elapsed_ns: i * 26_000_000,
                distance_dm: i as u32 * 10,
                pace_cs_per_500m: 12000,
                hr_bpm: (i % 5 == 0).then_some(150),
                ..Sample::default()
            };
            types.extend(f.frames(&event(&s, x.elapsed_ns, LiveData::Sample(x))));
        }
        // 80 polls 26 ms apart span seconds 0, 1 and 2.
        let count = |t: &str| types.iter().filter(|o| o.t == t).count();
        assert_eq!((count("DISTANCE"), count("SPEED")), (3, 3));
        // Heart rate is read every 5th poll: none of them in second 2.
        assert_eq!(count("HEART_RATE"), 2);
        let speed = types.iter().find(|o| o.t == "SPEED").unwrap();
        assert_eq!(speed.d["val"], json!(4.167));
        assert_eq!(speed.d["station"], json!("2"));
    }

    #[test]
    fn no_belt_no_heart_rate() {
        let s = session(None);
        let mut f = Framer::default();
        for hr in [Some(0), Some(255), None] {
            let x = Sample {
                hr_bpm: hr,
                ..Sample::default()
            };
            let out = f.frames(&event(&s, 5_000_000_000, LiveData::Sample(x)));
            assert!(out.iter().all(|o| o.t != "HEART_RATE"));
        }
    }

    #[test]
    fn curves_splits_and_the_ends() {
        let s = session(None);
        let mut f = Framer::default();
        let start = f.frames(&event(&s, 0, LiveData::SessionStart));
        assert_eq!(start[0].t, "SESSION_START");
        assert_eq!(start[0].d["machine"], json!("RowErg"));
        assert_eq!(start[0].d["athlete"], Value::Null);
        let curve = f.frames(&event(
            &s,
            1,
            LiveData::ForceCurve(ForceCurve {
                stroke_index: 3,
                samples_lbf: vec![10, 80, 120, 60],
                complete: true,
            }),
        ));
        assert_eq!(curve[0].d["val"], json!(4.0));
        assert_eq!(curve[0].d["d"], json!([10, 80, 120, 60]));
        assert_eq!(curve[0].d["complete"], json!(true));
        let split = f.frames(&event(
            &s,
            2,
            LiveData::Split(Split {
                kind: SplitKind::Split,
                index: 0,
                start_ns: 0,
                end_ns: 2,
                time_cs: 10500,
                distance_dm: 5000,
                energy_kcal: None,
                average_power_w: Some(302),
                average_rate_spm: None,
                average_hr_bpm: None,
                interval_type: None,
                rest_time_cs: None,
                rest_distance_dm: None,
            }),
        ));
        assert_eq!(split[0].d["val"], json!(105.0));
        assert_eq!(split[0].d["d"], json!([500.0, 105.0, 302, null]));
        let end = f.frames(&event(&s, 3, LiveData::SessionEnd(SessionState::Complete)));
        assert_eq!(end[0].t, "SESSION_END");
        assert_eq!(end[0].d["state"], json!("complete"));
        assert!(f.sessions.is_empty());
    }
}
