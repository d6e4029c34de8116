//! Public CSAFE commands at the top level (reference §5.1, §5.2). All LE.

use super::{Ack, Opaque};
use crate::enums::{Gender, UnitsSpecifier, UnitsType};
use crate::wire::{Ascii, Tail, U24};

// ---- §5.1 short commands ------------------------------------------------

define_command! {
    /// Asks for the status byte alone; the reply carries no data.
    GetStatus = "GETSTATUS", Top 0x80, Get;
    args {}
    reply Ack
}

define_command! {
    /// Resets the state machine to Ready.
    Reset = "RESET", Top 0x81, Set;
    args {}
    reply Ack
}

define_command! {
    /// Moves to Idle.
    GoIdle = "GOIDLE", Top 0x82, Set;
    args {}
    reply Ack
}

define_command! {
    /// Moves to HaveID.
    GoHaveId = "GOHAVEID", Top 0x83, Set;
    args {}
    reply Ack
}

define_command! {
    /// Moves to InUse (starts the programmed workout).
    GoInUse = "GOINUSE", Top 0x85, Set;
    args {}
    reply Ack
}

define_command! {
    /// Moves to Finished; a real PM5 rejects it outside InUse.
    GoFinished = "GOFINISHED", Top 0x86, Set;
    args {}
    reply Ack
}

define_command! {
    /// Moves to Ready.
    GoReady = "GOREADY", Top 0x87, Set;
    args {}
    reply Ack
}

define_command! {
    /// Reports an invalid user id.
    BadId = "BADID", Top 0x88, Set;
    args {}
    reply Ack
}

define_command! {
    /// Manufacturer, class, model (3/4/5), hardware and software versions.
    GetVersion = "GETVERSION", Top 0x91, Get;
    args {}
    reply Version {
        manufacturer_id: u8,
        class_id: u8,
        model: u8,
        hardware_version: u16,
        software_version: u16,
    }
}

define_command! {
    /// User id: 2 to 5 ASCII digits, most significant first.
    GetId = "GETID", Top 0x92, Get;
    args {}
    reply UserId { id: Ascii<5> }
}

define_command! {
    /// Units type (0 = metric).
    GetUnits = "GETUNITS", Top 0x93, Get;
    args {}
    reply Units { units: UnitsType }
}

define_command! {
    /// The PM's 9-digit serial number, ASCII.
    GetSerial = "GETSERIAL", Top 0x94, Get;
    args {}
    reply Serial { serial: Ascii<9> }
}

define_command! {
    /// Lifetime distance and its units.
    GetOdometer = "GETODOMETER", Top 0x9B, Get;
    args {}
    reply Odometer { distance: u32, units: UnitsSpecifier }
}

define_command! {
    /// Latched error code.
    GetErrorCode = "GETERRORCODE", Top 0x9C, Get;
    args {}
    reply ErrorCode { code: U24 }
}

define_command! {
    /// Workout time as hours, minutes, seconds.
    GetTWork = "GETTWORK", Top 0xA0, Get;
    args {}
    reply TWork { hours: u8, minutes: u8, seconds: u8 }
}

define_command! {
    /// Workout distance and its units.
    GetHorizontal = "GETHORIZONTAL", Top 0xA1, Get;
    args {}
    reply Horizontal { distance: u16, units: UnitsSpecifier }
}

define_command! {
    /// Total calories.
    GetCalories = "GETCALORIES", Top 0xA3, Get;
    args {}
    reply TotalCalories { calories: u16 [Kcal] }
}

define_command! {
    /// Workout (program) number.
    GetProgram = "GETPROGRAM", Top 0xA4, Get;
    args {}
    reply Program { program: u8 }
}

define_command! {
    /// Speed: not implemented per the spec, yet the BLE spec maps it; layout unconfirmed.
    GetSpeed = "GETSPEED", Top 0xA5, Get, Opaque;
    args {}
    reply Opaque
}

define_command! {
    /// Pace and its units byte; the scale is disputed, so read the units (0x39 = s/km).
    GetPace = "GETPACE", Top 0xA6, Get;
    args {}
    reply Pace { pace: u16, units: UnitsSpecifier }
}

define_command! {
    /// Stroke rate and its units.
    GetCadence = "GETCADENCE", Top 0xA7, Get;
    args {}
    reply Cadence { rate: u16 [Spm], units: UnitsSpecifier }
}

define_command! {
    /// Weight and units, age, gender (the PM fixes the weight at 175 lb).
    GetUserInfo = "GETUSERINFO", Top 0xAB, Get;
    args {}
    reply UserInfo { weight: u16, weight_units: UnitsSpecifier, age: u8, gender: Gender }
}

define_command! {
    /// Current heart rate (0 or 255: no belt).
    GetHrCur = "GETHRCUR", Top 0xB0, Get;
    args {}
    reply HeartRate { hr: u8 [Bpm] }
}

define_command! {
    /// Stroke power and its units.
    GetPower = "GETPOWER", Top 0xB4, Get;
    args {}
    reply Power { power: u16 [Watts], units: UnitsSpecifier }
}

// ---- §5.2 long commands -------------------------------------------------

define_command! {
    /// Auto-upload configuration (can only disable auto-status).
    AutoUpload = "AUTOUPLOAD", Top 0x01, Set;
    args { config: u8 }
    reply Ack
}

define_command! {
    /// Number of user-id digits (2 to 5).
    IdDigits = "IDDIGITS", Top 0x10, Set;
    args { digits: u8 }
    reply Ack
}

define_command! {
    /// Sets the clock.
    SetTime = "SETTIME", Top 0x11, Set;
    args { hour: u8, minute: u8, second: u8 }
    reply Ack
}

define_command! {
    /// Sets the date.
    SetDate = "SETDATE", Top 0x12, Set;
    args { year_since_1900: u8, month: u8, day: u8 }
    reply Ack
}

define_command! {
    /// State timeout.
    SetTimeout = "SETTIMEOUT", Top 0x13, Set;
    args { timeout: u8 [Seconds] }
    reply Ack
}

define_command! {
    /// Workout time goal (0:00:20 to 9:59:59).
    SetTWork = "SETTWORK", Top 0x20, Set;
    args { hours: u8, minutes: u8, seconds: u8 }
    reply Ack
}

define_command! {
    /// Workout distance goal and its units (100 to 50 000 m).
    SetHorizontal = "SETHORIZONTAL", Top 0x21, Set;
    args { distance: u16, units: UnitsSpecifier }
    reply Ack
}

define_command! {
    /// Calorie goal (listed as unsupported by the spec).
    SetCalories = "SETCALORIES", Top 0x23, Set;
    args { calories: u16 [Kcal] }
    reply Ack
}

define_command! {
    /// Selects a workout: 0 = the goal just programmed.
    SetProgram = "SETPROGRAM", Top 0x24, Set;
    args { program: u8, reserved: u8 }
    reply Ack
}

define_command! {
    /// Pace-boat power target and its units.
    SetPower = "SETPOWER", Top 0x34, Set;
    args { power: u16 [Watts], units: UnitsSpecifier }
    reply Ack
}

define_command! {
    /// Capabilities: code 0 gives max Rx frame, max Tx frame, min inter-frame gap.
    GetCaps = "GETCAPS", Top 0x70, Get;
    args { code: u8 }
    reply Capabilities { data: Tail }
}

impl Capabilities {
    /// For a `GETCAPS 0` reply: (max Rx frame, max Tx frame, min inter-frame gap).
    pub fn frame_limits(&self) -> Option<(u8, u8, u8)> {
        match self.data.as_slice() {
            [rx, tx, gap, ..] => Some((*rx, *tx, *gap)),
            _ => None,
        }
    }
}

impl Pace {
    /// Pace in seconds per 500 m, if the units byte says how to read it.
    /// Sources disagree on the scale (reference §5.1), so only the units the
    /// PM itself names are converted.
    pub fn seconds_per_500m(&self) -> Option<f64> {
        match self.units {
            UnitsSpecifier::SecPerKm => Some(f64::from(self.pace) / 2.0),
            UnitsSpecifier::SecPerMile => Some(f64::from(self.pace) * 500.0 / 1609.344),
            _ => None,
        }
    }
}
