//! TCX (Garmin Training Center XML v2), laid out like Concept2's logbook
//! exports: one `Lap` per split or interval (resting laps for interval
//! rests), one `Trackpoint` per stroke with time, distance, heart rate and
//! cadence, speed and watts in the ActivityExtension, the monitor as
//! `Creator`. RowErg and SkiErg are `Other` (TCX knows only Running,
//! Biking, Other); the BikeErg is `Biking`. Times are UTC (`Z`).

use std::io::Write;
use std::path::{Path, PathBuf};

use erglink_model::{Machine, SessionId};
use erglink_normalize::{LapTrigger, Normalized, Options};

use crate::atomic::{io, write_atomic};
use crate::read::normalize_from;
use crate::segments::{Intensity, segments};
use crate::{Result, SessionSource};

/// `<dir>/<id>.tcx`.
pub fn tcx_path(dir: &Path, id: &SessionId) -> PathBuf {
    dir.join(format!("{id}.tcx"))
}

/// XML text escaping for element content and attribute values.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

fn r3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// The TCX document of a normalised session.
pub fn tcx_document(n: &Normalized, out: &mut dyn Write) -> std::io::Result<()> {
    let m = &n.meta;
    let sport = match m.machine {
        Machine::BikeErg => "Biking",
        Machine::RowErg | Machine::SkiErg => "Other",
    };
    let z = |ns: u64| m.at(ns).to_zulu_string();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2 http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd">"#
    )?;
    writeln!(out, "  <Activities>")?;
    writeln!(out, r#"    <Activity Sport="{sport}">"#)?;
    writeln!(out, "      <Id>{}</Id>", z(0))?;
    let laps = segments(n);
    let mut points = n.points.iter().peekable();
    for (i, lap) in laps.iter().enumerate() {
        let last = i + 1 == laps.len();
        writeln!(out, r#"      <Lap StartTime="{}">"#, z(lap.start_ns))?;
        writeln!(
            out,
            "        <TotalTimeSeconds>{}</TotalTimeSeconds>",
            r3(lap.timer_ns as f64 / 1e9)
        )?;
        writeln!(
            out,
            "        <DistanceMeters>{:.1}</DistanceMeters>",
            lap.distance_dm as f64 / 10.0
        )?;
        if let Some(v) = lap.max_speed_m_per_s {
            writeln!(out, "        <MaximumSpeed>{}</MaximumSpeed>", r3(v))?;
        }
        // The one figure the schema will not let a lap leave out: 0 only for
        // a session that read no calories at all.
        writeln!(
            out,
            "        <Calories>{}</Calories>",
            lap.energy_kcal.unwrap_or(0).min(65_535)
        )?;
        if let Some(v) = lap.avg_hr_bpm {
            writeln!(
                out,
                "        <AverageHeartRateBpm><Value>{v}</Value></AverageHeartRateBpm>"
            )?;
        }
        if let Some(v) = lap.max_hr_bpm {
            writeln!(
                out,
                "        <MaximumHeartRateBpm><Value>{v}</Value></MaximumHeartRateBpm>"
            )?;
        }
        let intensity = match lap.intensity {
            Intensity::Active => "Active",
            Intensity::Rest => "Resting",
        };
        writeln!(out, "        <Intensity>{intensity}</Intensity>")?;
        if let Some(v) = lap.avg_rate_spm {
            writeln!(out, "        <Cadence>{}</Cadence>", v.min(254))?;
        }
        let trigger = match lap.trigger {
            Some(LapTrigger::Time) => "Time",
            Some(LapTrigger::Distance) => "Distance",
            Some(LapTrigger::FitnessEquipment) | None => "Manual",
        };
        writeln!(out, "        <TriggerMethod>{trigger}</TriggerMethod>")?;
        let mut open = false;
        // Points before the first lap go in it, after the last in the last.
        while let Some(p) = points.next_if(|p| last || p.elapsed_ns < lap.end_ns) {
            if !open {
                writeln!(out, "        <Track>")?;
                open = true;
            }
            writeln!(out, "          <Trackpoint>")?;
            writeln!(out, "            <Time>{}</Time>", z(p.elapsed_ns))?;
            writeln!(
                out,
                "            <DistanceMeters>{:.1}</DistanceMeters>",
                p.distance_dm as f64 / 10.0
            )?;
            if let Some(hr) = p.hr_bpm {
                writeln!(
                    out,
                    "            <HeartRateBpm><Value>{hr}</Value></HeartRateBpm>"
                )?;
            }
            writeln!(
                out,
                "            <Cadence>{}</Cadence>",
                p.rate_spm.min(254)
            )?;
            writeln!(
                out,
                "            <Extensions><ns3:TPX><ns3:Speed>{}</ns3:Speed><ns3:Watts>{}</ns3:Watts></ns3:TPX></Extensions>",
                r3(p.speed_m_per_s()),
                p.power_w
            )?;
            writeln!(out, "          </Trackpoint>")?;
        }
        if open {
            writeln!(out, "        </Track>")?;
        }
        let avg_speed = lap.avg_speed().map_or(String::new(), |v| {
            format!("<ns3:AvgSpeed>{}</ns3:AvgSpeed>", r3(v))
        });
        let avg_watts = lap.avg_power_w.map_or(String::new(), |v| {
            format!("<ns3:AvgWatts>{v}</ns3:AvgWatts>")
        });
        if !avg_speed.is_empty() || !avg_watts.is_empty() {
            writeln!(
                out,
                "        <Extensions><ns3:LX>{avg_speed}{avg_watts}</ns3:LX></Extensions>"
            )?;
        }
        writeln!(out, "      </Lap>")?;
    }
    let t = &m.tags;
    let notes: Vec<String> = [
        ("Workout", Some(&m.name)),
        ("Athlete", t.athlete.as_ref()),
        ("Station", t.station.as_ref()),
        ("Note", t.note.as_ref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| format!("{k}: {v}")))
    .collect();
    writeln!(out, "      <Notes>{}</Notes>", esc(&notes.join("; ")))?;
    let d = &m.device;
    let unit = d
        .serial
        .as_deref()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(0);
    let product = d
        .model
        .and_then(|m| m.trim_start_matches("PM").parse::<u16>().ok())
        .unwrap_or(0);
    let firmware = d
        .firmware
        .as_deref()
        .and_then(|f| f.parse::<u16>().ok())
        .unwrap_or(0);
    writeln!(out, r#"      <Creator xsi:type="Device_t">"#)?;
    writeln!(out, "        <Name>{}</Name>", esc(&d.name))?;
    writeln!(out, "        <UnitId>{unit}</UnitId>")?;
    writeln!(out, "        <ProductID>{product}</ProductID>")?;
    writeln!(
        out,
        "        <Version><VersionMajor>{firmware}</VersionMajor><VersionMinor>0</VersionMinor></Version>"
    )?;
    writeln!(out, "      </Creator>")?;
    writeln!(out, "    </Activity>")?;
    writeln!(out, "  </Activities>")?;
    writeln!(out, r#"  <Author xsi:type="Application_t">"#)?;
    writeln!(out, "    <Name>erglink</Name>")?;
    let (major, minor) = (
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
    );
    writeln!(
        out,
        "    <Build><Version><VersionMajor>{major}</VersionMajor><VersionMinor>{minor}</VersionMinor></Version></Build>"
    )?;
    writeln!(out, "    <LangID>en</LangID>")?;
    writeln!(out, "    <PartNumber>000-00000-00</PartNumber>")?;
    writeln!(out, "  </Author>")?;
    writeln!(out, "</TrainingCenterDatabase>")
}

/// Writes `<dir>/<id>.tcx` atomically at `options`' resolution; returns the path and its size.
pub fn write_tcx(
    source: &dyn SessionSource,
    id: &SessionId,
    dir: &Path,
    options: &Options,
    force: bool,
) -> Result<(PathBuf, u64)> {
    let n = normalize_from(source, id, options)?;
    let path = tcx_path(dir, id);
    let bytes = write_atomic(&path, force, |w| tcx_document(&n, w).map_err(io(&path)))?;
    Ok((path, bytes))
}
