//! The writer's SQL: model values into rows. Everything here runs inside the
//! writer's transaction.

use erglink_model::{
    Adaptation, Exchange, ForceCurve, Gap, MonitorInfo, NewSession, ReportSize, Sample,
    SessionCounts, SessionEnd, SessionId, Split, Stroke, Telemetry,
};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use crate::error::Result;

/// `u64` into SQLite's `i64`: device values never come near the limit, and
/// clamping beats wrapping to a negative number if one ever did.
pub(crate) fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn monitor_key(conn: &Connection, m: &MonitorInfo) -> Result<i64> {
    let sizes = ReportSize::format_list(&m.report_sizes);
    let args = params![m.serial, m.model.code(), m.firmware, m.hardware, sizes];
    conn.prepare_cached(
        "INSERT INTO monitors (serial, model, firmware, hardware, report_sizes)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
    )?
    .execute(args)?;
    Ok(conn
        .prepare_cached(
            "SELECT key FROM monitors WHERE serial = ?1 AND model = ?2 AND firmware = ?3
             AND hardware = ?4 AND report_sizes = ?5",
        )?
        .query_row(args, |r| r.get(0))?)
}

pub(crate) fn rtt_json(t: &Telemetry) -> String {
    let pairs: Vec<(u32, u64)> = t
        .rtt_histogram
        .iter()
        .map(|b| (b.upper_us, b.count))
        .collect();
    serde_json::to_string(&pairs).expect("integers always serialise")
}

/// A sample's key: the session's key in the high 32 bits, its sequence
/// number in the low 32 (schema.rs explains why).
pub(crate) fn sample_id(session: i64, seq: u64) -> i64 {
    (session << 32) | (int(seq) & 0xFFFF_FFFF)
}

/// Inserts the session row; returns its key.
pub(crate) fn insert_session(conn: &Connection, id: &SessionId, s: &NewSession) -> Result<i64> {
    let monitor = s
        .monitor
        .as_ref()
        .map(|m| monitor_key(conn, m))
        .transpose()?;
    let params_json =
        serde_json::to_string(&s.workout.params).expect("workout parameters always serialise");
    conn.prepare_cached(
        "INSERT INTO sessions (id, source, monitor, machine, started_ns, utc_offset_s,
             workout_type, workout_params, athlete, station, note, state, rtt_histogram,
             timeouts, retries, dropped_bytes, sample_count, stroke_count, curve_count,
             split_count, gap_count, exchange_count, machine_assumed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, '[]',
             0, 0, 0, 0, 0, 0, 0, 0, 0, ?12)",
    )?
    .execute(params![
        id.as_str(),
        s.source.code(),
        monitor,
        s.machine.code(),
        s.started_at.0,
        s.utc_offset_s,
        s.workout.workout_type,
        params_json,
        s.tags.athlete,
        s.tags.station,
        s.tags.note,
        s.machine_assumed,
    ])?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn update_telemetry(conn: &Connection, key: i64, t: &Telemetry) -> Result<()> {
    conn.prepare_cached(
        "UPDATE sessions SET achieved_millihz = ?2, rtt_histogram = ?3, timeouts = ?4,
             retries = ?5, dropped_bytes = ?6 WHERE key = ?1",
    )?
    .execute(params![
        key,
        t.achieved_millihz,
        rtt_json(t),
        int(t.timeouts),
        int(t.retries),
        int(t.dropped_bytes)
    ])?;
    // The telemetry carries every adaptation so far; those already stored
    // (sent live through `Writer::adapt`, or with earlier telemetry) are skipped.
    for a in &t.adaptations {
        insert_adaptation(conn, key, a)?;
    }
    Ok(())
}

/// Appends an adaptation as the session's next, unless the same one is
/// stored already.
pub(crate) fn insert_adaptation(conn: &Connection, key: i64, a: &Adaptation) -> Result<()> {
    // INSERT … SELECT needs its WHERE for SQLite to read ON CONFLICT as an upsert.
    conn.prepare_cached(
        "INSERT INTO adaptations (session, seq, what, value, why)
         SELECT ?1, coalesce(max(seq) + 1, 0), ?2, ?3, ?4 FROM adaptations WHERE session = ?1
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![key, a.what, a.value, a.why])?;
    Ok(())
}

pub(crate) fn finish_session(conn: &Connection, key: i64, end: &SessionEnd) -> Result<()> {
    update_telemetry(conn, key, &end.telemetry)?;
    conn.prepare_cached("UPDATE sessions SET ended_ns = ?2, state = ?3 WHERE key = ?1")?
        .execute(params![key, end.ended_at.0, end.state.code()])?;
    Ok(())
}

pub(crate) fn write_counts(conn: &Connection, key: i64, c: &SessionCounts) -> Result<()> {
    conn.prepare_cached(
        "UPDATE sessions SET sample_count = ?2, stroke_count = ?3, curve_count = ?4,
             split_count = ?5, gap_count = ?6, exchange_count = ?7,
             last_elapsed_ns = ?8, last_distance_dm = ?9 WHERE key = ?1",
    )?
    .execute(params![
        key,
        int(c.samples),
        int(c.strokes),
        int(c.force_curves),
        int(c.splits),
        int(c.gaps),
        int(c.exchanges),
        c.last_elapsed_ns.map(int),
        c.last_distance_dm,
    ])?;
    Ok(())
}

pub(crate) fn insert_samples(
    conn: &Connection,
    key: i64,
    c: &mut SessionCounts,
    samples: &[Sample],
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO samples (id, elapsed_ns, pm_elapsed_cs, distance_dm, pace_cs,
             power_w, rate_spm, hr_bpm, energy_kcal, stroke_state, drag_factor, workout_state,
             interval_type, interval_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    for s in samples {
        stmt.execute(params![
            sample_id(key, c.samples),
            int(s.elapsed_ns),
            s.pm_elapsed_cs,
            s.distance_dm,
            s.pace_cs_per_500m,
            s.power_w,
            s.rate_spm,
            s.hr_bpm,
            s.energy_kcal,
            s.stroke_state,
            s.drag_factor,
            s.workout_state,
            s.interval_type,
            s.interval_count,
        ])?;
        c.samples += 1;
        c.last_elapsed_ns = Some(s.elapsed_ns);
        c.last_distance_dm = Some(s.distance_dm);
    }
    Ok(())
}

/// Runs `insert`; if the row's key exists already, runs `replace` instead
/// and reports `false`, so a re-sent stroke updates its row instead of
/// failing the whole commit, and counts stay true.
fn insert_or_replace(
    conn: &Connection,
    insert: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<bool> {
    match conn.prepare_cached(insert)?.execute(args) {
        Ok(_) => Ok(true),
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
            let replace = insert.replacen("INSERT INTO", "INSERT OR REPLACE INTO", 1);
            conn.prepare_cached(&replace)?.execute(args)?;
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn insert_strokes(
    conn: &Connection,
    key: i64,
    c: &mut SessionCounts,
    strokes: &[Stroke],
) -> Result<()> {
    for s in strokes {
        let new = insert_or_replace(
            conn,
            "INSERT INTO strokes (session, idx, start_ns, end_ns, drive_time_cs,
                 recovery_time_cs, drive_length_cm, peak_force_dlbf, average_force_dlbf,
                 distance_cm, work_dj)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                key,
                s.index,
                int(s.start_ns),
                int(s.end_ns),
                s.drive_time_cs,
                s.recovery_time_cs,
                s.drive_length_cm,
                s.peak_force_dlbf,
                s.average_force_dlbf,
                s.distance_cm,
                s.work_dj,
            ],
        )?;
        c.strokes += u64::from(new);
    }
    Ok(())
}

/// Force samples as u16 little-endian: half the size of SQLite integers in
/// a JSON or text list, and one read per curve.
pub(crate) fn curve_blob(samples: &[u16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

pub(crate) fn insert_curves(
    conn: &Connection,
    key: i64,
    c: &mut SessionCounts,
    curves: &[ForceCurve],
) -> Result<()> {
    for f in curves {
        let new = insert_or_replace(
            conn,
            "INSERT INTO force_curves (session, stroke, sample_count, complete, samples)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                key,
                f.stroke_index,
                int(f.sample_count() as u64),
                f.complete,
                curve_blob(&f.samples_lbf)
            ],
        )?;
        c.force_curves += u64::from(new);
    }
    Ok(())
}

pub(crate) fn insert_splits(
    conn: &Connection,
    key: i64,
    c: &mut SessionCounts,
    splits: &[Split],
) -> Result<()> {
    for s in splits {
        let new = insert_or_replace(
            conn,
            "INSERT INTO splits (session, kind, idx, start_ns, end_ns, time_cs, distance_dm,
                 energy_kcal, average_power_w, average_rate_spm, average_hr_bpm, interval_type,
                 rest_time_cs, rest_distance_dm)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
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
                s.rest_time_cs,
                s.rest_distance_dm,
            ],
        )?;
        c.splits += u64::from(new);
    }
    Ok(())
}

pub(crate) fn insert_gaps(
    conn: &Connection,
    key: i64,
    c: &mut SessionCounts,
    gaps: &[Gap],
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO gaps (session, seq, kind, from_ns, to_ns) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for g in gaps {
        stmt.execute(params![
            key,
            int(c.gaps),
            g.kind.code(),
            int(g.from_ns),
            g.to_ns.map(int)
        ])?;
        c.gaps += 1;
    }
    Ok(())
}

pub(crate) fn insert_exchanges(
    conn: &Connection,
    key: i64,
    c: &mut SessionCounts,
    exchanges: &[Exchange],
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO exchanges (session, seq, elapsed_ns, direction, report_id, bytes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for x in exchanges {
        stmt.execute(params![
            key,
            int(c.exchanges),
            int(x.elapsed_ns),
            x.direction.code(),
            x.report_id,
            x.bytes
        ])?;
        c.exchanges += 1;
    }
    Ok(())
}

/// The key of a session by id, if it exists.
pub(crate) fn session_key(conn: &Connection, id: &SessionId) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT key FROM sessions WHERE id = ?1")?
        .query_row([id.as_str()], |r| r.get(0))
        .optional()?)
}
