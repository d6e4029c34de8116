//! Where a session's rows come from: the store's [`Reader`], or memory
//! (tests, golden files). The writers only see this trait, so a golden
//! file can be made from a session with a fixed id, which the store (with
//! its random ids) cannot give.

use erglink_model::{ForceCurve, Gap, Sample, Session, SessionId, Split, Stroke};
use erglink_normalize::fixtures::Synthetic;
use erglink_store::{Batch, Reader, Store, WriterOptions};

use crate::Result;

/// Rows of one kind, streamed, each a `Result` (a damaged page shows up mid-stream).
pub type Rows<'a, T> = Box<dyn Iterator<Item = Result<T>> + 'a>;

/// A session's metadata and its rows, each kind in order.
pub trait SessionSource {
    /// The session.
    fn session(&self, id: &SessionId) -> Result<Session>;
    /// Samples in arrival order.
    fn samples(&self, id: &SessionId) -> Result<Rows<'_, Sample>>;
    /// Strokes in index order.
    fn strokes(&self, id: &SessionId) -> Result<Rows<'_, Stroke>>;
    /// Force curves in stroke order.
    fn force_curves(&self, id: &SessionId) -> Result<Rows<'_, ForceCurve>>;
    /// Splits and intervals.
    fn splits(&self, id: &SessionId) -> Result<Rows<'_, Split>>;
    /// Gaps in time order.
    fn gaps(&self, id: &SessionId) -> Result<Rows<'_, Gap>>;
}

fn boxed<'a, T: 'a>(rows: impl Iterator<Item = erglink_store::Result<T>> + 'a) -> Rows<'a, T> {
    Box::new(rows.map(|r| r.map_err(Into::into)))
}

impl SessionSource for Reader {
    fn session(&self, id: &SessionId) -> Result<Session> {
        Ok(Reader::session(self, id)?)
    }
    fn samples(&self, id: &SessionId) -> Result<Rows<'_, Sample>> {
        Ok(boxed(Reader::samples(self, id)?))
    }
    fn strokes(&self, id: &SessionId) -> Result<Rows<'_, Stroke>> {
        Ok(boxed(Reader::strokes(self, id)?))
    }
    fn force_curves(&self, id: &SessionId) -> Result<Rows<'_, ForceCurve>> {
        Ok(boxed(Reader::force_curves(self, id)?))
    }
    fn splits(&self, id: &SessionId) -> Result<Rows<'_, Split>> {
        Ok(boxed(Reader::splits(self, id)?))
    }
    fn gaps(&self, id: &SessionId) -> Result<Rows<'_, Gap>> {
        Ok(boxed(Reader::gaps(self, id)?))
    }
}

/// Sessions held in memory.
#[derive(Clone, Debug, Default)]
pub struct MemorySource {
    sessions: Vec<Synthetic>,
}

impl MemorySource {
    /// Holds `sessions` (a [`Synthetic`] is just a session and its rows).
    pub fn new(sessions: Vec<Synthetic>) -> Self {
        Self { sessions }
    }

    fn get(&self, id: &SessionId) -> Result<&Synthetic> {
        self.sessions
            .iter()
            .find(|s| &s.session.id == id)
            .ok_or_else(|| erglink_store::Error::NoSuchSession(id.to_string()).into())
    }
}

fn owned<'a, T: Clone + 'a>(rows: &'a [T]) -> Rows<'a, T> {
    Box::new(rows.iter().cloned().map(Ok))
}

impl SessionSource for MemorySource {
    fn session(&self, id: &SessionId) -> Result<Session> {
        Ok(self.get(id)?.session.clone())
    }
    fn samples(&self, id: &SessionId) -> Result<Rows<'_, Sample>> {
        Ok(owned(&self.get(id)?.samples))
    }
    fn strokes(&self, id: &SessionId) -> Result<Rows<'_, Stroke>> {
        Ok(owned(&self.get(id)?.strokes))
    }
    fn force_curves(&self, id: &SessionId) -> Result<Rows<'_, ForceCurve>> {
        Ok(owned(&self.get(id)?.force_curves))
    }
    fn splits(&self, id: &SessionId) -> Result<Rows<'_, Split>> {
        Ok(owned(&self.get(id)?.splits))
    }
    fn gaps(&self, id: &SessionId) -> Result<Rows<'_, Gap>> {
        Ok(owned(&self.get(id)?.gaps))
    }
}

/// Stores `syn` as a recorder would: its samples `per_batch` at a time,
/// then its strokes, curves, splits and gaps, then its end if it has one
/// (an interrupted session stays `recording` until the store is reopened).
/// For tests, benchmarks and demos that need a session in a real store.
pub fn record_synthetic(store: &Store, syn: &Synthetic, per_batch: usize) -> Result<SessionId> {
    let w = store.writer(WriterOptions::default())?;
    let id = w.begin_session(syn.new_session())?;
    for chunk in syn.samples.chunks(per_batch.max(1)) {
        let samples = chunk.to_vec();
        w.send(
            &id,
            Batch {
                samples,
                ..Batch::default()
            },
        )?;
    }
    w.send(
        &id,
        Batch {
            strokes: syn.strokes.clone(),
            force_curves: syn.force_curves.clone(),
            splits: syn.splits.clone(),
            gaps: syn.gaps.clone(),
            ..Batch::default()
        },
    )?;
    if let Some(end) = syn.end() {
        w.finish_session(&id, end)?;
    }
    w.close()?;
    Ok(id)
}
