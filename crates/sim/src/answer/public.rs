//! Public CSAFE commands (csafe.md §5.1, §5.2): state changes, the public
//! workout, and the getters, in the units §5.1 gives (power in watts,
//! distance in metres), pace, cadence, heart rate and the model byte as the
//! quirks read them.

use erglink_csafe::command::{self as cmd, AnyCommand as C, AnyReply as R, UnknownReply, Wrapper};
use erglink_csafe::wire::{Ascii, Tail, U24};
use erglink_csafe::{Gender, UnitsSpecifier, UnitsType};

use super::{Answer, Ctx};
use crate::csafe::Verdict;
use crate::machine::Machine;
use crate::quirks::PaceUnits;
use crate::truth::Origin;

/// GETVERSION's manufacturer and class ids (csafe.md §5.1).
const MANUFACTURER_ID: u8 = 22;
const CLASS_ID: u8 = 2;
/// GETCAPS 0: largest frame received and sent, and the spec's 50 ms gap.
const CAPS: [u8; 3] = [120, 120, 50];

fn verdict(v: Verdict) -> Answer {
    match v {
        Verdict::Ok => Answer::StatusOnly,
        Verdict::Reject => Answer::Reject,
        Verdict::Silent => Answer::Silent,
    }
}

fn ok_or_reject(ok: bool) -> Answer {
    if ok {
        Answer::StatusOnly
    } else {
        Answer::Reject
    }
}

pub(super) fn answer(cx: &mut Ctx<'_>, command: &C) -> Option<Answer> {
    let t = cx.t;
    let s = &cx.shown;
    let reply = match command {
        C::GetStatus(_) => return Some(Answer::StatusOnly),
        C::Reset(_) => {
            cx.pm.stop_workout(t);
            cx.pm.csafe.reset(t);
            return Some(Answer::StatusOnly);
        }
        C::GoIdle(_) => return Some(verdict(cx.pm.csafe.go_idle(t))),
        C::GoHaveId(_) => return Some(verdict(cx.pm.csafe.go_have_id(t))),
        C::BadId(_) => return Some(verdict(cx.pm.csafe.bad_id(t))),
        C::GoInUse(_) => return Some(go_in_use(cx)),
        C::GoFinished(_) => {
            let v = cx.pm.csafe.go_finished(t);
            if v == Verdict::Ok {
                cx.pm.stop_workout(t);
            }
            return Some(verdict(v));
        }
        C::GoReady(_) => {
            if cx.pm.csafe.in_workout() {
                cx.pm.stop_workout(t);
            }
            cx.pm.csafe.go_ready(t);
            return Some(Answer::StatusOnly);
        }
        C::IdDigits(c) => {
            let ok = (2..=5).contains(&c.digits);
            if ok {
                cx.pm.settings.id_digits = c.digits;
            }
            return Some(ok_or_reject(ok));
        }
        C::SetTime(c) => {
            let ok = c.hour < 24 && c.minute < 60 && c.second < 60;
            if ok {
                cx.pm.settings.set_time(t, c.hour, c.minute, c.second);
            }
            return Some(ok_or_reject(ok));
        }
        C::SetDate(c) => {
            let ok = (1..=12).contains(&c.month) && (1..=31).contains(&c.day);
            if ok {
                cx.pm.settings.date = (1900 + u16::from(c.year_since_1900), c.month, c.day);
            }
            return Some(ok_or_reject(ok));
        }
        C::SetTimeout(c) => {
            cx.pm.csafe.timeout_s = c.timeout.max(1);
            return Some(Answer::StatusOnly);
        }
        C::SetHorizontal(c) => {
            let metres = match c.units {
                UnitsSpecifier::Metre => Some(u32::from(c.distance)),
                UnitsSpecifier::Kilometre => Some(u32::from(c.distance) * 1000),
                _ => None,
            };
            let bike = cx.pm.machine == Machine::BikeErg;
            let ok = metres.is_some_and(|m| cx.pm.public.set_distance(m, bike));
            return Some(ok_or_reject(ok && !cx.pm.csafe.in_workout()));
        }
        C::SetTWork(c) => {
            let ok = cx.pm.public.set_time(c.hours, c.minutes, c.seconds);
            return Some(ok_or_reject(ok && !cx.pm.csafe.in_workout()));
        }
        // Listed as unsupported by the spec.
        C::SetCalories(_) => return Some(Answer::Reject),
        C::SetProgram(c) => {
            let ok = !cx.pm.csafe.in_workout() && cx.pm.public.select(c.program);
            return Some(ok_or_reject(ok));
        }
        C::SetPower(c) => return Some(ok_or_reject(c.units == UnitsSpecifier::Watt)),
        C::AutoUpload(_) => return Some(Answer::StatusOnly),

        C::GetVersion(_) => {
            let id = &cx.identity();
            R::GetVersion(cmd::Version {
                manufacturer_id: MANUFACTURER_ID,
                class_id: CLASS_ID,
                model: id.0,
                hardware_version: id.1,
                software_version: id.2,
            })
        }
        C::GetId(_) => {
            let digits = usize::from(cx.pm.settings.id_digits);
            R::GetId(cmd::UserId {
                id: Ascii::new(&b"00000"[..digits]).expect("5 at most"),
            })
        }
        C::GetUnits(_) => R::GetUnits(cmd::Units {
            units: UnitsType::Metric,
        }),
        C::GetSerial(_) => R::GetSerial(cmd::Serial {
            serial: Ascii::new(cx.serial().as_bytes()).unwrap_or(Ascii::new(b"").expect("empty")),
        }),
        C::GetOdometer(_) => R::GetOdometer(cmd::Odometer {
            distance: s.odometer_m as u32,
            units: UnitsSpecifier::Metre,
        }),
        C::GetErrorCode(_) => R::GetErrorCode(cmd::ErrorCode { code: U24::new(0) }),
        C::GetTWork(_) => {
            let secs = s.work_time_s as u32;
            R::GetTWork(cmd::TWork {
                hours: (secs / 3600).min(255) as u8,
                minutes: (secs / 60 % 60) as u8,
                seconds: (secs % 60) as u8,
            })
        }
        C::GetHorizontal(_) => R::GetHorizontal(cmd::Horizontal {
            distance: s.work_distance_m.min(65_535.0) as u16,
            units: UnitsSpecifier::Metre,
        }),
        C::GetCalories(_) => R::GetCalories(cmd::TotalCalories {
            calories: s.kcal.min(65_535.0) as u16,
        }),
        C::GetProgram(_) => R::GetProgram(cmd::Program {
            program: cx.pm.public.number,
        }),
        C::GetPace(_) => R::GetPace(cmd::Pace {
            pace: public_pace(cx.pm.quirks.pace_units, s.stroke_pace_cs),
            // 0x39, s/km, whatever the value is in: the byte cannot tell.
            units: UnitsSpecifier::SecPerKm,
        }),
        C::GetCadence(_) if !cx.pm.quirks.cadence_units => R::Unknown(UnknownReply {
            // `cadence_units=no`: the rate alone, two bytes.
            wrapper: Wrapper::Top,
            id: command.id(),
            data: u16::from(s.stroke_rate_spm).to_le_bytes().to_vec(),
        }),
        C::GetCadence(_) => R::GetCadence(cmd::Cadence {
            rate: u16::from(s.stroke_rate_spm),
            units: UnitsSpecifier::StrokesPerMinute,
        }),
        C::GetUserInfo(_) => R::GetUserInfo(cmd::UserInfo {
            weight: 175,
            weight_units: UnitsSpecifier::Pound,
            age: 0,
            gender: Gender::Male,
        }),
        C::GetHrCur(_) => R::GetHrCur(cmd::HeartRate {
            hr: cx.hr_figure(s.hr_bpm),
        }),
        C::GetPower(_) => R::GetPower(cmd::Power {
            power: s.stroke_power_w,
            units: UnitsSpecifier::Watt,
        }),
        C::GetCaps(c) => R::GetCaps(cmd::Capabilities {
            data: Tail::from(match c.code {
                0 => CAPS.to_vec(),
                1 => vec![0; 2],
                2 => vec![0; 11],
                _ => Vec::new(),
            }),
        }),
        _ => return None,
    };
    Some(Answer::Reply(reply))
}

/// GETPACE's value for a stroke pace of `pace_cs` (0.01 s per 500 m):
/// whole seconds per km (`s_km`, the reading its units byte names), whole
/// seconds per 500 m, or the hundredths themselves.
fn public_pace(units: PaceUnits, pace_cs: u32) -> u16 {
    let value = match units {
        PaceUnits::SecondsPerKm => (f64::from(pace_cs) * 2.0 / 100.0).round(),
        PaceUnits::SecondsPer500m => (f64::from(pace_cs) / 100.0).round(),
        PaceUnits::CentisecondsPer500m => f64::from(pace_cs),
    };
    value.min(65_535.0) as u16
}

/// GOINUSE starts the public program SETPROGRAM selected, or re-arms the
/// workout on the PM when none was.
fn go_in_use(cx: &mut Ctx<'_>) -> Answer {
    let t = cx.t;
    match cx.pm.csafe.go_in_use(t) {
        Ok(true) => {
            let program = cx
                .pm
                .public
                .selected
                .take()
                .unwrap_or_else(|| cx.pm.piece.program.clone());
            cx.pm.arm(t, program, Origin::Public);
            Answer::StatusOnly
        }
        Ok(false) => Answer::StatusOnly,
        Err(v) => verdict(v),
    }
}

impl Ctx<'_> {
    /// (GETVERSION's model byte, hardware version, firmware version).
    fn identity(&self) -> (u8, u16, u16) {
        let id = &self.pm.identity;
        let model = self.pm.quirks.model_byte.unwrap_or(id.model);
        (model, id.hardware_version, id.firmware_version)
    }

    fn serial(&self) -> String {
        self.pm.identity.serial.clone()
    }
}
