//! Runs the lap finaliser (`laps.rs`) over a stored session: once the
//! writer has committed a session's end, and for each session recovery
//! marks interrupted. Its own transaction, after the session's data and end
//! are committed, so a failure here only leaves the rows as recorded.

use erglink_model::{Machine, Workout, WorkoutParams};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};

use crate::error::{Error, Result};
use crate::laps::Finaliser;
use crate::read::{Rows, SAMPLES, SPLITS, sample_from_row, split_from_row};
use crate::write_sql::int;

/// Makes session `key`'s splits and intervals final; returns how many rows
/// it has.
pub(crate) fn finalise_laps(conn: &Connection, key: i64) -> Result<usize> {
    let splits = Rows::on(conn, key, SPLITS, split_from_row).collect::<Result<Vec<_>>>()?;
    if splits.is_empty() {
        return Ok(0);
    }
    let (machine, workout_type, params): (u8, Option<u8>, String) = conn.query_row(
        "SELECT machine, workout_type, workout_params FROM sessions WHERE key = ?1",
        [key],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let machine = Machine::from_code(machine)
        .ok_or_else(|| Error::invalid("sessions", "machine", machine))?;
    let params: WorkoutParams = serde_json::from_str(&params)
        .map_err(|_| Error::invalid("sessions", "workout_params", &params))?;
    let workout = Workout {
        workout_type,
        params,
    };
    let column = |sql: &str| -> Result<Vec<u64>> {
        let mut stmt = conn.prepare(sql)?;
        let v = stmt
            .query_map([key], |r| r.get::<_, i64>(0))?
            .map(|v| Ok(u64::try_from(v?).unwrap_or(0)))
            .collect::<Result<Vec<_>>>()?;
        Ok(v)
    };
    let strokes = column("SELECT start_ns FROM strokes WHERE session = ?1")?;
    let gaps = column("SELECT from_ns FROM gaps WHERE session = ?1")?;
    let n = splits.len();
    let mut f = Finaliser::new(machine, &workout, splits, strokes, gaps);
    for s in Rows::on(conn, key, SAMPLES, sample_from_row) {
        f.sample(&s?);
    }
    let mut update = conn.prepare(
        "UPDATE splits SET start_ns = ?4, end_ns = ?5, time_cs = ?6, distance_dm = ?7,
             energy_kcal = ?8, average_power_w = ?9, average_rate_spm = ?10,
             average_hr_bpm = ?11, interval_type = ?12
         WHERE session = ?1 AND kind = ?2 AND idx = ?3",
    )?;
    for s in f.finish() {
        update.execute(params![
            key,
            s.kind.code(),
            s.index,
            int(s.start_ns),
            int(s.end_ns),
            s.time_cs,
            s.distance_dm,
            s.energy_kcal,
            s.average_power_w,
            s.average_rate_spm,
            s.average_hr_bpm,
            s.interval_type,
        ])?;
    }
    Ok(n)
}

/// [`finalise_laps`] in a transaction of its own; a failure is logged, and
/// the rows stay as recorded.
pub(crate) fn finalise_or_keep(conn: &Connection, key: i64) {
    let done = (|| {
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        finalise_laps(&tx, key)?;
        tx.commit()?;
        Ok::<_, Error>(())
    })();
    if let Err(e) = done {
        tracing::warn!("session {key}'s splits are kept as recorded: {e}");
    }
}
