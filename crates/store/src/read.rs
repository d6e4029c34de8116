//! Reading: sessions, and their data streamed a page at a time.
//!
//! Each page is its own short query (keyset pagination on the primary key),
//! so a reader holds no snapshot open between pages: the WAL can be
//! checkpointed behind it, and a session that is still being recorded is
//! followed up to its latest commit.

use std::collections::VecDeque;
use std::path::Path;

use erglink_model::{
    Adaptation, Direction, Exchange, ForceCurve, Gap, GapKind, Machine, MonitorInfo, PmModel,
    ReportSize, RttBucket, Sample, Session, SessionCounts, SessionId, SessionState, Source, Split,
    SplitKind, Stroke, Tags, Telemetry, UtcNanos, Workout,
};
use rusqlite::{Connection, Row, params};

use crate::error::{Error, Result};
use crate::open::{self, Role};

/// Rows fetched per query while streaming.
const PAGE: i64 = 4096;

/// A reader on its own connection (`query_only`). Readers never block the
/// writer, and the writer never blocks them (WAL).
pub struct Reader {
    pub(crate) conn: Connection,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").finish_non_exhaustive()
    }
}

const SESSION_COLUMNS: &str = "s.id, s.source, s.machine, s.started_ns, s.utc_offset_s,
    s.ended_ns, s.workout_type, s.workout_params, s.athlete, s.station, s.note, s.state,
    s.achieved_millihz, s.rtt_histogram, s.timeouts, s.retries, s.dropped_bytes,
    s.sample_count, s.stroke_count, s.curve_count, s.split_count, s.gap_count,
    s.exchange_count, s.last_elapsed_ns, s.last_distance_dm,
    m.serial, m.model, m.firmware, m.hardware, m.report_sizes, s.machine_assumed, s.key
    FROM sessions s LEFT JOIN monitors m ON m.key = s.monitor";

const ADAPTATIONS: &str =
    "SELECT what, value, why FROM adaptations WHERE session = ?1 ORDER BY seq";

fn uint(row: &Row<'_>, i: usize, table: &'static str, column: &'static str) -> Result<u64> {
    let v: i64 = row.get(i)?;
    u64::try_from(v).map_err(|_| Error::invalid(table, column, v))
}

fn opt_uint(
    row: &Row<'_>,
    i: usize,
    table: &'static str,
    column: &'static str,
) -> Result<Option<u64>> {
    let v: Option<i64> = row.get(i)?;
    v.map(|v| u64::try_from(v).map_err(|_| Error::invalid(table, column, v)))
        .transpose()
}

fn code<T>(row: &Row<'_>, i: usize, column: &'static str, from: fn(u8) -> Option<T>) -> Result<T> {
    let v: i64 = row.get(i)?;
    u8::try_from(v)
        .ok()
        .and_then(from)
        .ok_or_else(|| Error::invalid("sessions", column, v))
}

/// The session in `row` and its key; its adaptations are read separately.
fn session_from_row(row: &Row<'_>) -> Result<(i64, Session)> {
    let id: String = row.get(0)?;
    let id = SessionId::parse(&id).map_err(|_| Error::invalid("sessions", "id", &id))?;
    let params: String = row.get(7)?;
    let params = serde_json::from_str(&params)
        .map_err(|_| Error::invalid("sessions", "workout_params", &params))?;
    let rtt: String = row.get(13)?;
    let rtt: Vec<(u32, u64)> = serde_json::from_str(&rtt)
        .map_err(|_| Error::invalid("sessions", "rtt_histogram", &rtt))?;
    let monitor = match row.get::<_, Option<String>>(25)? {
        None => None,
        Some(serial) => {
            let sizes: String = row.get(29)?;
            Some(MonitorInfo {
                serial,
                model: code(row, 26, "model", PmModel::from_code)?,
                firmware: row.get(27)?,
                hardware: row.get(28)?,
                report_sizes: ReportSize::parse_list(&sizes)
                    .ok_or_else(|| Error::invalid("monitors", "report_sizes", &sizes))?,
            })
        }
    };
    let session = Session {
        id,
        source: code(row, 1, "source", Source::from_code)?,
        monitor,
        machine: code(row, 2, "machine", Machine::from_code)?,
        machine_assumed: row.get(30)?,
        started_at: UtcNanos(row.get(3)?),
        utc_offset_s: row.get(4)?,
        ended_at: row.get::<_, Option<i64>>(5)?.map(UtcNanos),
        workout: Workout {
            workout_type: row.get(6)?,
            params,
        },
        tags: Tags {
            athlete: row.get(8)?,
            station: row.get(9)?,
            note: row.get(10)?,
        },
        state: code(row, 11, "state", SessionState::from_code)?,
        telemetry: Telemetry {
            achieved_millihz: row.get(12)?,
            rtt_histogram: rtt
                .into_iter()
                .map(|(upper_us, count)| RttBucket { upper_us, count })
                .collect(),
            timeouts: uint(row, 14, "sessions", "timeouts")?,
            retries: uint(row, 15, "sessions", "retries")?,
            dropped_bytes: uint(row, 16, "sessions", "dropped_bytes")?,
            adaptations: Vec::new(),
        },
        counts: SessionCounts {
            samples: uint(row, 17, "sessions", "sample_count")?,
            strokes: uint(row, 18, "sessions", "stroke_count")?,
            force_curves: uint(row, 19, "sessions", "curve_count")?,
            splits: uint(row, 20, "sessions", "split_count")?,
            gaps: uint(row, 21, "sessions", "gap_count")?,
            exchanges: uint(row, 22, "sessions", "exchange_count")?,
            last_elapsed_ns: opt_uint(row, 23, "sessions", "last_elapsed_ns")?,
            last_distance_dm: row.get(24)?,
        },
    };
    Ok((row.get(31)?, session))
}

impl Reader {
    pub(crate) fn new(path: &Path) -> Result<Self> {
        Ok(Self {
            conn: open::connect(path, Role::Reader)?,
        })
    }

    /// Every session, newest first.
    pub fn sessions(&self) -> Result<Vec<Session>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} ORDER BY s.started_ns DESC, s.id DESC"
        ))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(session_from_row(row)?);
        }
        drop(rows);
        out.into_iter()
            .map(|(key, s)| self.with_adaptations(key, s))
            .collect()
    }

    /// The sessions being recorded now (by a live writer, or one that
    /// crashed since the store was opened), oldest first.
    pub fn sessions_recording(&self) -> Result<Vec<Session>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} WHERE s.state = 0 ORDER BY s.started_ns, s.id"
        ))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(session_from_row(row)?);
        }
        drop(rows);
        out.into_iter()
            .map(|(key, s)| self.with_adaptations(key, s))
            .collect()
    }

    fn with_adaptations(&self, key: i64, mut s: Session) -> Result<Session> {
        let mut stmt = self.conn.prepare_cached(ADAPTATIONS)?;
        s.telemetry.adaptations = stmt
            .query_map([key], |r| {
                Ok(Adaptation {
                    what: r.get(0)?,
                    value: r.get(1)?,
                    why: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(s)
    }

    /// One session's metadata and counts.
    pub fn session(&self, id: &SessionId) -> Result<Session> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {SESSION_COLUMNS} WHERE s.id = ?1"))?;
        let mut rows = stmt.query([id.as_str()])?;
        let (key, s) = match rows.next()? {
            Some(row) => session_from_row(row)?,
            None => return Err(Error::NoSuchSession(id.to_string())),
        };
        drop(rows);
        self.with_adaptations(key, s)
    }

    /// The session whose id is `text` or starts with it (any case).
    pub fn resolve(&self, text: &str) -> Result<SessionId> {
        let prefix = SessionId::canonical_prefix(text).map_err(|why| Error::BadSessionId {
            text: text.to_string(),
            why,
        })?;
        // Ids are upper-case letters and digits, all below `~`: a range scan
        // on the unique index instead of LIKE and its escaping.
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM sessions WHERE id >= ?1 AND id < ?1 || '~' ORDER BY id LIMIT 11",
        )?;
        let ids = stmt
            .query_map([&prefix], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut ids = ids
            .iter()
            .map(|s| SessionId::parse(s).map_err(|_| Error::invalid("sessions", "id", s)))
            .collect::<Result<Vec<_>>>()?;
        match ids.len() {
            0 => Err(Error::NoSuchSession(prefix)),
            1 => Ok(ids.remove(0)),
            _ => {
                ids.truncate(10);
                Err(Error::AmbiguousSession {
                    prefix,
                    matches: ids,
                })
            }
        }
    }

    fn key(&self, id: &SessionId) -> Result<i64> {
        crate::write_sql::session_key(&self.conn, id)?
            .ok_or_else(|| Error::NoSuchSession(id.to_string()))
    }

    fn rows<T>(&self, id: &SessionId, sql: &'static str, map: Mapper<T>) -> Result<Rows<'_, T>> {
        Ok(Rows::on(&self.conn, self.key(id)?, sql, map))
    }

    /// The session's samples, in arrival order.
    pub fn samples(&self, id: &SessionId) -> Result<Rows<'_, Sample>> {
        self.rows(id, SAMPLES, sample_from_row)
    }

    /// The session's strokes, by index.
    pub fn strokes(&self, id: &SessionId) -> Result<Rows<'_, Stroke>> {
        self.rows(id, STROKES, |r| {
            Ok(Stroke {
                index: r.get(0)?,
                start_ns: uint(r, 1, "strokes", "start_ns")?,
                end_ns: uint(r, 2, "strokes", "end_ns")?,
                drive_time_cs: r.get(3)?,
                recovery_time_cs: r.get(4)?,
                drive_length_cm: r.get(5)?,
                peak_force_dlbf: r.get(6)?,
                average_force_dlbf: r.get(7)?,
                distance_cm: r.get(8)?,
                work_dj: r.get(9)?,
            })
        })
    }

    /// The session's force curves, by stroke index.
    pub fn force_curves(&self, id: &SessionId) -> Result<Rows<'_, ForceCurve>> {
        self.rows(id, CURVES, |r| {
            let blob: Vec<u8> = r.get(3)?;
            let count = uint(r, 1, "force_curves", "sample_count")?;
            if !blob.len().is_multiple_of(2) || (blob.len() / 2) as u64 != count {
                return Err(Error::invalid(
                    "force_curves",
                    "samples",
                    format!("{} bytes", blob.len()),
                ));
            }
            Ok(ForceCurve {
                stroke_index: r.get(0)?,
                samples_lbf: blob
                    .chunks_exact(2)
                    .map(|b| u16::from_le_bytes([b[0], b[1]]))
                    .collect(),
                complete: r.get(2)?,
            })
        })
    }

    /// The session's samples from the `from`-th on (0-based, in arrival
    /// order): a session being recorded is followed with it.
    pub fn samples_from(&self, id: &SessionId, from: u64) -> Result<Rows<'_, Sample>> {
        let key = self.key(id)?;
        let from = i64::try_from(from.min(u64::from(u32::MAX))).unwrap_or(i64::MAX);
        Ok(Rows::on(&self.conn, key, SAMPLES, sample_from_row).after((key << 32) + from - 1))
    }

    /// The session's strokes from index `from` on.
    pub fn strokes_from(&self, id: &SessionId, from: u32) -> Result<Rows<'_, Stroke>> {
        Ok(self.strokes(id)?.after(i64::from(from) - 1))
    }

    /// The session's force curves from stroke `from` on.
    pub fn force_curves_from(&self, id: &SessionId, from: u32) -> Result<Rows<'_, ForceCurve>> {
        Ok(self.force_curves(id)?.after(i64::from(from) - 1))
    }

    /// The session's splits, then its intervals, each by index.
    pub fn splits(&self, id: &SessionId) -> Result<Rows<'_, Split>> {
        self.rows(id, SPLITS, split_from_row)
    }

    /// The session's gaps, in order.
    pub fn gaps(&self, id: &SessionId) -> Result<Rows<'_, Gap>> {
        self.rows(id, GAPS, |r| {
            let kind: u8 = r.get(0)?;
            Ok(Gap {
                kind: GapKind::from_code(kind)
                    .ok_or_else(|| Error::invalid("gaps", "kind", kind))?,
                from_ns: uint(r, 1, "gaps", "from_ns")?,
                to_ns: opt_uint(r, 2, "gaps", "to_ns")?,
            })
        })
    }

    /// The session's raw exchange log, in order (empty unless it was on).
    pub fn exchanges(&self, id: &SessionId) -> Result<Rows<'_, Exchange>> {
        self.rows(id, EXCHANGES, |r| {
            let dir: u8 = r.get(1)?;
            Ok(Exchange {
                elapsed_ns: uint(r, 0, "exchanges", "elapsed_ns")?,
                direction: Direction::from_code(dir)
                    .ok_or_else(|| Error::invalid("exchanges", "direction", dir))?,
                report_id: r.get(2)?,
                bytes: r.get(3)?,
            })
        })
    }
}

/// A sample from a [`SAMPLES`] row.
pub(crate) fn sample_from_row(r: &Row<'_>) -> Result<Sample> {
    Ok(Sample {
        elapsed_ns: uint(r, 1, "samples", "elapsed_ns")?,
        pm_elapsed_cs: r.get(2)?,
        distance_dm: r.get(3)?,
        pace_cs_per_500m: r.get(4)?,
        power_w: r.get(5)?,
        rate_spm: r.get(6)?,
        hr_bpm: r.get(7)?,
        energy_kcal: r.get(8)?,
        stroke_state: r.get(9)?,
        drag_factor: r.get(10)?,
        workout_state: r.get(11)?,
        interval_type: r.get(12)?,
        interval_count: r.get(13)?,
    })
}

/// A split or interval from a [`SPLITS`] row.
pub(crate) fn split_from_row(r: &Row<'_>) -> Result<Split> {
    let kind: u8 = r.get(0)?;
    Ok(Split {
        kind: SplitKind::from_code(kind).ok_or_else(|| Error::invalid("splits", "kind", kind))?,
        index: r.get(1)?,
        start_ns: uint(r, 2, "splits", "start_ns")?,
        end_ns: uint(r, 3, "splits", "end_ns")?,
        time_cs: r.get(4)?,
        distance_dm: r.get(5)?,
        energy_kcal: r.get(6)?,
        average_power_w: r.get(7)?,
        average_rate_spm: r.get(8)?,
        average_hr_bpm: r.get(9)?,
        interval_type: r.get(10)?,
        rest_time_cs: r.get(11)?,
        rest_distance_dm: r.get(12)?,
    })
}

// Each query selects the page key last, after the columns the mapper reads.
// Samples are keyed by (session << 32) | seq: a rowid range, which the
// generated `session` column could not give.
pub(crate) const SAMPLES: &str =
    "SELECT id, elapsed_ns, pm_elapsed_cs, distance_dm, pace_cs, power_w,
    rate_spm, hr_bpm, energy_kcal, stroke_state, drag_factor, workout_state, interval_type,
    interval_count, id FROM samples
    WHERE id > max(?2, (?1 << 32) - 1) AND id < ((?1 + 1) << 32) ORDER BY id LIMIT ?3";
const STROKES: &str = "SELECT idx, start_ns, end_ns, drive_time_cs, recovery_time_cs,
    drive_length_cm, peak_force_dlbf, average_force_dlbf, distance_cm, work_dj, idx
    FROM strokes WHERE session = ?1 AND idx > ?2 ORDER BY idx LIMIT ?3";
const CURVES: &str = "SELECT stroke, sample_count, complete, samples, stroke
    FROM force_curves WHERE session = ?1 AND stroke > ?2 ORDER BY stroke LIMIT ?3";
pub(crate) const SPLITS: &str =
    "SELECT kind, idx, start_ns, end_ns, time_cs, distance_dm, energy_kcal,
    average_power_w, average_rate_spm, average_hr_bpm, interval_type, rest_time_cs,
    rest_distance_dm, (kind << 32) | idx AS k
    FROM splits WHERE session = ?1 AND k > ?2 ORDER BY kind, idx LIMIT ?3";
const GAPS: &str = "SELECT kind, from_ns, to_ns, seq
    FROM gaps WHERE session = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
const EXCHANGES: &str = "SELECT elapsed_ns, direction, report_id, bytes, seq
    FROM exchanges WHERE session = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";

pub(crate) type Mapper<T> = fn(&Row<'_>) -> Result<T>;

/// A session's rows of one kind, fetched [`PAGE`] at a time. Each item is
/// a `Result`: a damaged page shows up as [`Error::Corrupt`] mid-stream.
pub struct Rows<'r, T> {
    conn: &'r Connection,
    sql: &'static str,
    map: Mapper<T>,
    session: i64,
    after: i64,
    page: VecDeque<T>,
    done: bool,
}

impl<'r, T> Rows<'r, T> {
    /// Session `session`'s rows of `sql` on `conn` (a reader's, or the writer's transaction).
    pub(crate) fn on(
        conn: &'r Connection,
        session: i64,
        sql: &'static str,
        map: Mapper<T>,
    ) -> Self {
        Rows {
            conn,
            sql,
            map,
            session,
            after: i64::MIN,
            page: VecDeque::new(),
            done: false,
        }
    }

    /// Starts after page key `key` (keys are each query's last column).
    fn after(mut self, key: i64) -> Self {
        self.after = key;
        self
    }

    fn fetch(&mut self) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(self.sql)?;
        let key_col = stmt.column_count() - 1;
        let mut rows = stmt.query(params![self.session, self.after, PAGE])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            self.after = row.get(key_col)?;
            self.page.push_back((self.map)(row)?);
            n += 1;
        }
        self.done = n < PAGE;
        Ok(())
    }
}

impl<T> Iterator for Rows<'_, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.page.is_empty()
            && !self.done
            && let Err(e) = self.fetch()
        {
            self.done = true;
            self.page.clear();
            return Some(Err(e));
        }
        self.page.pop_front().map(Ok)
    }
}
