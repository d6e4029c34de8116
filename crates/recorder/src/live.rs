//! Live status, one line per monitor, for a terminal to show.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One monitor's current figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveLine {
    /// Serial or path.
    pub name: String,
    /// `waiting`, `recording`, `unplugged`.
    pub state: &'static str,
    /// The session being recorded.
    pub session: Option<String>,
    /// Pace, 0.01 s per 500 m.
    pub pace_cs: u32,
    /// Stroke rate.
    pub spm: u8,
    /// Power.
    pub watts: u16,
    /// Heart rate (0: no belt).
    pub hr: Option<u8>,
    /// Distance, 0.1 m.
    pub distance_dm: u32,
    /// Samples per second in the current session.
    pub hz: f64,
}

impl LiveLine {
    /// `430228525 recording  1:45.0/500m  28 spm  302 W  HR 165  1234 m  38.4 Hz`.
    pub fn render(&self) -> String {
        let pace = if self.pace_cs == 0 {
            "-:--.-".to_string()
        } else {
            let s = self.pace_cs as f64 / 100.0;
            format!("{}:{:04.1}", (s / 60.0) as u32, s % 60.0)
        };
        let hr = match self.hr {
            Some(h) if h > 0 => format!("HR {h}"),
            _ => "HR -".into(),
        };
        format!(
            "{:<10} {:<9} {pace}/500m {:>3} spm {:>4} W  {hr:<6} {:>7.0} m  {:>5.1} Hz",
            self.name,
            self.state,
            self.spm,
            self.watts,
            f64::from(self.distance_dm) / 10.0,
            self.hz
        )
    }
}

/// The status of every monitor being recorded, by name.
pub type Live = Arc<Mutex<BTreeMap<String, LiveLine>>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders() {
        let l = LiveLine {
            name: "430228525".into(),
            state: "recording",
            session: None,
            pace_cs: 10500,
            spm: 28,
            watts: 302,
            hr: Some(165),
            distance_dm: 12345,
            hz: 38.46,
        };
        assert_eq!(
            l.render(),
            "430228525  recording 1:45.0/500m  28 spm  302 W  HR 165    1234 m   38.5 Hz"
        );
    }
}
