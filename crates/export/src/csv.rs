//! CSV: every sample as it was stored (`<id>.samples.csv`), every stroke
//! with its force curve in one column (`<id>.strokes.csv`), and every lap
//! (`<id>.splits.csv`): one row per split, or per interval when the
//! session has intervals, with the figures the other formats give its lap.
//!
//! Values are the store's integers written as exact decimals in the unit
//! of the header (`elapsed_s` to the nanosecond, `distance_m` to the
//! decimetre…), so a reader gets back exactly what was recorded. Empty
//! means "not read for this sample" (or, for a lap, not known). Force
//! curves are space-separated samples in the monitor's unconverted unit
//! (`force_curve_lbf`).

use std::path::{Path, PathBuf};

use erglink_model::{ForceCurve, Sample, SessionId, Stroke};
use erglink_normalize::{Lap, Options, Timestamp};

use crate::atomic::{io, write_atomic};
use crate::read::normalize_from;
use crate::{Result, SessionSource};

/// The samples file's header.
pub const SAMPLES_HEADER: &str = "elapsed_s,time,pm_elapsed_s,distance_m,pace_s_per_500m,power_w,rate_spm,hr_bpm,energy_kcal,stroke_state,drag_factor,workout_state,interval_type,interval_count";
/// The strokes file's header.
pub const STROKES_HEADER: &str = "stroke,start_s,end_s,drive_time_s,recovery_time_s,drive_length_m,peak_force_lbf,average_force_lbf,distance_m,work_j,force_curve_complete,force_curve_lbf";

/// The laps file's header.
pub const SPLITS_HEADER: &str = "kind,index,start_s,end_s,time_s,distance_m,energy_kcal,avg_power_w,avg_rate_spm,avg_hr_bpm,avg_speed_m_per_s,strokes,trigger,interval_type,rest_time_s,rest_distance_m";

/// `<dir>/<id>.samples.csv`, `<dir>/<id>.strokes.csv` and `<dir>/<id>.splits.csv`.
pub fn csv_paths(dir: &Path, id: &SessionId) -> [PathBuf; 3] {
    [
        dir.join(format!("{id}.samples.csv")),
        dir.join(format!("{id}.strokes.csv")),
        dir.join(format!("{id}.splits.csv")),
    ]
}

/// `raw` / 10^`places`, exactly: `dec(12345, 2)` is `123.45`.
fn dec(raw: u64, places: u32) -> String {
    let k = 10u64.pow(places);
    format!("{}.{:0width$}", raw / k, raw % k, width = places as usize)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

fn sample_row(s: &Sample, start: Timestamp) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
        dec(s.elapsed_ns, 9),
        start.plus_ns(s.elapsed_ns),
        dec(u64::from(s.pm_elapsed_cs), 2),
        dec(u64::from(s.distance_dm), 1),
        dec(u64::from(s.pace_cs_per_500m), 2),
        s.power_w,
        s.rate_spm,
        opt(s.hr_bpm),
        opt(s.energy_kcal),
        s.stroke_state,
        opt(s.drag_factor),
        opt(s.workout_state),
        opt(s.interval_type),
        opt(s.interval_count),
    )
}

fn stroke_row(s: &Stroke, curve: Option<&ForceCurve>) -> String {
    let (complete, samples) = match curve {
        Some(c) => (
            c.complete.to_string(),
            c.samples_lbf
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "{},{},{},{},{},{},{},{},{},{},{complete},{samples}\n",
        s.index,
        dec(s.start_ns, 9),
        dec(s.end_ns, 9),
        dec(u64::from(s.drive_time_cs), 2),
        dec(u64::from(s.recovery_time_cs), 2),
        dec(u64::from(s.drive_length_cm), 2),
        dec(u64::from(s.peak_force_dlbf), 1),
        dec(u64::from(s.average_force_dlbf), 1),
        dec(u64::from(s.distance_cm), 2),
        dec(u64::from(s.work_dj), 1),
    )
}

fn split_row(l: &Lap) -> String {
    let s = &l.split;
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
        s.kind.name(),
        s.index,
        dec(s.start_ns, 9),
        dec(s.end_ns, 9),
        dec(u64::from(s.time_cs), 2),
        dec(u64::from(s.distance_dm), 1),
        opt(s.energy_kcal),
        opt(s.average_power_w),
        opt(s.average_rate_spm),
        opt(s.average_hr_bpm),
        opt(l.avg_speed_m_per_s().map(|v| format!("{v:.3}"))),
        l.strokes,
        l.trigger.terra_name(),
        opt(s.interval_type),
        opt(s.rest_time_cs.map(|cs| dec(u64::from(cs), 2))),
        opt(s.rest_distance_dm.map(|dm| dec(u64::from(dm), 1))),
    )
}

/// Writes the three CSV files atomically; returns each path with its size.
pub fn write_csv(
    source: &dyn SessionSource,
    id: &SessionId,
    dir: &Path,
    force: bool,
) -> Result<Vec<(PathBuf, u64)>> {
    let session = source.session(id)?;
    let start = Timestamp::new(session.started_at, session.utc_offset_s);
    let [samples_path, strokes_path, splits_path] = csv_paths(dir, id);
    let n = write_atomic(&samples_path, force, |w| {
        let e = io(&samples_path);
        writeln!(w, "{SAMPLES_HEADER}").map_err(&e)?;
        for s in source.samples(id)? {
            w.write_all(sample_row(&s?, start).as_bytes()).map_err(&e)?;
        }
        Ok(())
    })?;
    let m = write_atomic(&strokes_path, force, |w| {
        let e = io(&strokes_path);
        writeln!(w, "{STROKES_HEADER}").map_err(&e)?;
        // Both streams are in stroke order: walk them together.
        let mut curves = source.force_curves(id)?.peekable();
        for s in source.strokes(id)? {
            let s = s?;
            let mut curve = None;
            while let Some(c) =
                curves.next_if(|c| c.as_ref().map_or(true, |c| c.stroke_index <= s.index))
            {
                let c = c?;
                if c.stroke_index == s.index {
                    curve = Some(c);
                }
            }
            w.write_all(stroke_row(&s, curve.as_ref()).as_bytes())
                .map_err(&e)?;
        }
        Ok(())
    })?;
    // The laps as the other formats have them: normalised (every sample read once more).
    let laps = normalize_from(source, id, &Options::default())?.laps;
    let k = write_atomic(&splits_path, force, |w| {
        let e = io(&splits_path);
        writeln!(w, "{SPLITS_HEADER}").map_err(&e)?;
        for l in &laps {
            w.write_all(split_row(l).as_bytes()).map_err(&e)?;
        }
        Ok(())
    })?;
    Ok(vec![(samples_path, n), (strokes_path, m), (splits_path, k)])
}

#[cfg(test)]
mod tests {
    use super::dec;

    #[test]
    fn exact_decimals() {
        assert_eq!(dec(12345, 2), "123.45");
        assert_eq!(dec(5, 9), "0.000000005");
        assert_eq!(dec(70, 1), "7.0");
    }
}
