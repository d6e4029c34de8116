//! One session into PostgreSQL, in one transaction: its row, its rows by
//! binary COPY as the reader hands them over, and its Terra activity.
//! Until the commit nothing of it is visible; a connection lost on the
//! way (a killed process, a server going away) rolls all of it back.

use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use erglink_model::{Session, UtcNanos};
use futures_util::SinkExt;
use tokio::sync::mpsc::Receiver;
use tokio_postgres::{Client, CopyInSink, Transaction};

use crate::copy::Table;
use crate::feed::Piece;
use crate::{Error, Result};

/// Rows of a session as PostgreSQL took them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowCounts {
    /// `erglink.samples`.
    pub samples: u64,
    /// `erglink.strokes`.
    pub strokes: u64,
    /// `erglink.force_curves`.
    pub force_curves: u64,
    /// `erglink.splits`.
    pub splits: u64,
    /// `erglink.gaps`.
    pub gaps: u64,
}

/// What writing a session did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// Its rows are in, replacing an earlier copy if `replaced`.
    Inserted {
        /// The rows.
        rows: RowCounts,
        /// An earlier copy was deleted in the same transaction (`--resend`).
        replaced: bool,
    },
    /// The database had it already (an earlier run committed it, then
    /// stopped before its ledger said so); nothing was written.
    AlreadyThere,
}

pub(crate) fn time(t: UtcNanos) -> SystemTime {
    let magnitude = Duration::from_nanos(t.0.unsigned_abs());
    if t.0 >= 0 {
        UNIX_EPOCH + magnitude
    } else {
        UNIX_EPOCH - magnitude
    }
}

fn unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
}

async fn monitor_id(tx: &Transaction<'_>, session: &Session) -> Result<Option<i64>> {
    let Some(m) = &session.monitor else {
        return Ok(None);
    };
    let sizes = erglink_model::ReportSize::format_list(&m.report_sizes);
    let row = tx
        .query_one(
            "INSERT INTO erglink.monitors (serial, model, firmware, hardware, report_sizes)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (serial, model, firmware, hardware, report_sizes)
             DO UPDATE SET serial = EXCLUDED.serial
             RETURNING id",
            &[
                &m.serial,
                &i16::from(m.model.code()),
                &m.firmware,
                &m.hardware,
                &sizes,
            ],
        )
        .await?;
    Ok(Some(row.get(0)))
}

async fn insert_session(tx: &Transaction<'_>, host_id: i64, s: &Session) -> Result<()> {
    let monitor = monitor_id(tx, s).await?;
    let params = serde_json::to_string(&s.workout.params).unwrap_or_else(|_| "{}".into());
    let telemetry = serde_json::to_string(&s.telemetry).unwrap_or_else(|_| "{}".into());
    let achieved = s.telemetry.achieved_millihz.map(i64::from);
    let ended = s.ended_at.map(time);
    let last_elapsed = s
        .counts
        .last_elapsed_ns
        .map(|v| i64::try_from(v).unwrap_or(i64::MAX));
    let last_distance = s.counts.last_distance_dm.map(i64::from);
    tx.execute(
        "INSERT INTO erglink.sessions (id, host_id, monitor_id, source, machine,
             machine_assumed, started_at, utc_offset_s, ended_at, state, workout_type,
             workout_params, athlete, station, note, achieved_millihz, telemetry,
             sample_count, stroke_count, curve_count, split_count, gap_count,
             last_elapsed_ns, last_distance_dm)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text::jsonb, $13, $14,
             $15, $16, $17::text::jsonb, 0, 0, 0, 0, 0, $18, $19)",
        &[
            &s.id.as_str(),
            &host_id,
            &monitor,
            &s.source.name(),
            &s.machine.name(),
            &s.machine_assumed,
            &time(s.started_at),
            &s.utc_offset_s,
            &ended,
            &s.state.name(),
            &s.workout.workout_type.map(i16::from),
            &params,
            &s.tags.athlete,
            &s.tags.station,
            &s.tags.note,
            &achieved,
            &telemetry,
            &last_elapsed,
            &last_distance,
        ],
    )
    .await?;
    Ok(())
}

fn count(rows: &mut RowCounts, table: Table) -> &mut u64 {
    match table {
        Table::Samples => &mut rows.samples,
        Table::Strokes => &mut rows.strokes,
        Table::ForceCurves => &mut rows.force_curves,
        Table::Splits => &mut rows.splits,
        Table::Gaps => &mut rows.gaps,
    }
}

/// Writes `session` from the pieces `rx` brings, as host `host_id`;
/// `replace` deletes an earlier copy first (else one is left alone).
pub(crate) async fn write_session(
    client: &mut Client,
    host_id: i64,
    session: &Session,
    replace: bool,
    mut rx: Receiver<Result<Piece>>,
) -> Result<Written> {
    let id = session.id.as_str();
    let tx = client.transaction().await?;
    let there = tx
        .query_opt(
            "SELECT 1 FROM erglink.sessions WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await?
        .is_some();
    if there && !replace {
        return Ok(Written::AlreadyThere);
    }
    if there {
        // The other tables go with the session row (ON DELETE CASCADE).
        tx.execute("DELETE FROM erglink.samples WHERE session_id = $1", &[&id])
            .await?;
        tx.execute("DELETE FROM erglink.sessions WHERE id = $1", &[&id])
            .await?;
    }
    match insert_session(&tx, host_id, session).await {
        Err(Error::Postgres(e)) if unique_violation(&e) && !replace => {
            // Another exporter committed it while this one looked.
            return Ok(Written::AlreadyThere);
        }
        r => r?,
    }
    let mut rows = RowCounts::default();
    let mut sink: Option<Pin<Box<CopyInSink<Bytes>>>> = None;
    let mut activity = false;
    while let Some(piece) = rx.recv().await {
        match piece? {
            Piece::Begin(table) => sink = Some(Box::pin(tx.copy_in(table.statement()).await?)),
            Piece::Data(bytes) => {
                if let Some(s) = sink.as_mut() {
                    s.send(bytes).await?;
                }
            }
            Piece::End(table, sent) => {
                if let Some(mut s) = sink.take() {
                    let taken = s.as_mut().finish().await?;
                    if taken != sent {
                        return Err(Error::Export(erglink_export::Error::Delivery(format!(
                            "PostgreSQL took {taken} rows of {} for {sent} sent",
                            table.name()
                        ))));
                    }
                    *count(&mut rows, table) = taken;
                }
            }
            Piece::Activity { summary_id, json } => {
                tx.execute(
                    "INSERT INTO erglink.terra_activities (session_id, summary_id, payload)
                     VALUES ($1, $2, $3::text::jsonb)",
                    &[&id, &summary_id, &json],
                )
                .await?;
                activity = true;
            }
        }
    }
    if !activity {
        // The reader stopped without an error: it was cut off.
        return Err(Error::Export(erglink_export::Error::Delivery(
            "the session's reader stopped before the end".into(),
        )));
    }
    let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE erglink.sessions SET sample_count = $2, stroke_count = $3, curve_count = $4,
             split_count = $5, gap_count = $6 WHERE id = $1",
        &[
            &id,
            &as_i64(rows.samples),
            &as_i64(rows.strokes),
            &as_i64(rows.force_curves),
            &as_i64(rows.splits),
            &as_i64(rows.gaps),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(Written::Inserted {
        rows,
        replaced: there,
    })
}
