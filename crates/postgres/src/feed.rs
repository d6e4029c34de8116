//! The reading side of a session's export, on its own thread: the
//! session's rows from the store, encoded for COPY, and its Terra
//! activity normalised in the same pass, handed over in chunks through a
//! bounded channel. SQLite reading and encoding on one core, PostgreSQL
//! taking the rows on the other; the store is only read.

use bytes::Bytes;
use erglink_export::SessionSource;
use erglink_model::Session;
use erglink_normalize::{Normalizer, Options};
use tokio::sync::mpsc::Sender;

use crate::copy::{CopyData, Table};
use crate::{Error, Result};

/// Chunks in flight between the reader and the connection.
pub(crate) const DEPTH: usize = 8;

/// What the reader hands over, in order.
#[derive(Debug)]
pub(crate) enum Piece {
    /// A table's COPY starts.
    Begin(Table),
    /// Its data.
    Data(Bytes),
    /// It ends, with this many rows.
    End(Table, u64),
    /// The session's Terra activity, as JSON text.
    Activity {
        /// `metadata.summary_id`.
        summary_id: String,
        /// The document.
        json: String,
    },
}

/// The receiving end went away (the write failed): stop reading.
struct Gone;

struct Feed<'a> {
    tx: &'a Sender<Result<Piece>>,
}

impl Feed<'_> {
    fn send(&self, piece: Piece) -> std::result::Result<(), Gone> {
        self.tx.blocking_send(Ok(piece)).map_err(|_| Gone)
    }

    fn flush(&self, data: &mut CopyData) -> std::result::Result<(), Gone> {
        match data.take_chunk() {
            Some(chunk) => self.send(Piece::Data(chunk)),
            None => Ok(()),
        }
    }

    fn end(&self, table: Table, data: CopyData) -> std::result::Result<(), Gone> {
        let rows = data.rows();
        self.send(Piece::Data(data.finish()))?;
        self.send(Piece::End(table, rows))
    }
}

enum Stop {
    Gone,
    Failed(Error),
}

impl From<Gone> for Stop {
    fn from(_: Gone) -> Self {
        Stop::Gone
    }
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Failed(e)
    }
}

fn normalize_error(e: erglink_normalize::Error) -> Error {
    Error::Export(e.into())
}

/// Reads `session` from `source` into `tx`; an error is sent as the last item.
pub(crate) fn produce(
    source: &dyn SessionSource,
    session: &Session,
    options: &Options,
    tx: &Sender<Result<Piece>>,
) {
    if let Err(Stop::Failed(e)) = read(source, session, options, &Feed { tx }) {
        let _ = tx.blocking_send(Err(e));
    }
}

fn read(
    source: &dyn SessionSource,
    session: &Session,
    options: &Options,
    feed: &Feed<'_>,
) -> std::result::Result<(), Stop> {
    let id = &session.id;
    let sid = id.as_str();
    let mut n = Normalizer::new(session, options);

    feed.send(Piece::Begin(Table::Strokes))?;
    let mut data = CopyData::new();
    for s in source.strokes(id).map_err(Error::Export)? {
        let s = s.map_err(Error::Export)?;
        n.stroke(&s).map_err(normalize_error)?;
        data.stroke(sid, &s)?;
        feed.flush(&mut data)?;
    }
    feed.end(Table::Strokes, data)?;

    feed.send(Piece::Begin(Table::ForceCurves))?;
    let mut data = CopyData::new();
    for c in source.force_curves(id).map_err(Error::Export)? {
        data.curve(sid, &c.map_err(Error::Export)?)?;
        feed.flush(&mut data)?;
    }
    feed.end(Table::ForceCurves, data)?;

    feed.send(Piece::Begin(Table::Splits))?;
    let mut data = CopyData::new();
    for s in source.splits(id).map_err(Error::Export)? {
        let s = s.map_err(Error::Export)?;
        n.split(&s).map_err(normalize_error)?;
        data.split(sid, &s)?;
    }
    feed.end(Table::Splits, data)?;

    feed.send(Piece::Begin(Table::Gaps))?;
    let mut data = CopyData::new();
    for (seq, g) in source.gaps(id).map_err(Error::Export)?.enumerate() {
        let g = g.map_err(Error::Export)?;
        n.gap(&g).map_err(normalize_error)?;
        data.gap(sid, seq as u64, &g)?;
    }
    feed.end(Table::Gaps, data)?;

    feed.send(Piece::Begin(Table::Samples))?;
    let mut data = CopyData::new();
    for (seq, s) in source.samples(id).map_err(Error::Export)?.enumerate() {
        let s = s.map_err(Error::Export)?;
        n.sample(&s).map_err(normalize_error)?;
        data.sample(sid, seq as u64, &s)?;
        feed.flush(&mut data)?;
    }
    feed.end(Table::Samples, data)?;

    let activity = n.finish().to_activity();
    let json = serde_json::to_string(&activity)
        .map_err(|e| Error::Export(erglink_export::Error::Delivery(e.to_string())))?;
    feed.send(Piece::Activity {
        summary_id: activity.metadata.summary_id.clone(),
        json,
    })?;
    Ok(())
}
