//! CSV: every sample as it was stored (`<id>.samples.csv`), and every
//! stroke with its force curve in one column (`<id>.strokes.csv`).
//!
//! Values are the store's integers written as exact decimals in the unit
//! of the header (`elapsed_s` to the nanosecond, `distance_m` to the
//! decimetre…), so a reader gets back exactly what was recorded. Empty
//! means "not read for this sample". Force curves are space-separated
//! samples in the monitor's unconverted unit (`force_curve_lbf`).

use std::path::{Path, PathBuf};

use erglink_model::{ForceCurve, Sample, SessionId, Stroke};
use erglink_normalize::Timestamp;

use crate::atomic::{io, write_atomic};
use crate::{Result, SessionSource};

/// The samples file's header.
pub const SAMPLES_HEADER: &str = "elapsed_s,time,pm_elapsed_s,distance_m,pace_s_per_500m,power_w,rate_spm,hr_bpm,energy_kcal,stroke_state,drag_factor,workout_state,interval_type,interval_count";
/// The strokes file's header.
pub const STROKES_HEADER: &str = "stroke,start_s,end_s,drive_time_s,recovery_time_s,drive_length_m,peak_force_lbf,average_force_lbf,distance_m,work_j,force_curve_complete,force_curve_lbf";

/// `<dir>/<id>.samples.csv` and `<dir>/<id>.strokes.csv`.
pub fn csv_paths(dir: &Path, id: &SessionId) -> [PathBuf; 2] {
    [
        dir.join(format!("{id}.samples.csv")),
        dir.join(format!("{id}.strokes.csv")),
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

/// Writes both CSV files atomically; returns each path with its size.
pub fn write_csv(
    source: &dyn SessionSource,
    id: &SessionId,
    dir: &Path,
    force: bool,
) -> Result<Vec<(PathBuf, u64)>> {
    let session = source.session(id)?;
    let start = Timestamp::new(session.started_at, session.utc_offset_s);
    let [samples_path, strokes_path] = csv_paths(dir, id);
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
    Ok(vec![(samples_path, n), (strokes_path, m)])
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
