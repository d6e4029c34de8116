//! At start, the summary cache is filled for every finished session that
//! lacks an entry, on a thread of its own, so that `with_samples=false`
//! then reads no sample, whatever erglink recorded the sessions.

use erglink_model::SessionState;
use erglink_store::Store;

use crate::activity::{summarize, summary_key};

/// Fills the cache; returns how many sessions it summarised.
pub fn fill_summaries(store: &Store) -> erglink_store::Result<usize> {
    let reader = store.reader()?;
    let cache = store.summary_cache()?;
    let key = summary_key();
    let mut made = 0;
    for s in reader.sessions()? {
        if s.state == SessionState::Recording || reader.activity_summary(&s.id, &key)?.is_some() {
            continue;
        }
        match summarize(&reader, Some(&cache), &s.id, &key) {
            Ok(_) => made += 1,
            Err(e) => tracing::warn!("summarising session {}: {e}", s.id),
        }
    }
    Ok(made)
}

/// Runs [`fill_summaries`] on its own thread.
pub(crate) fn spawn(store: Store) {
    let spawned = std::thread::Builder::new()
        .name("erglink-serve-summaries".into())
        .spawn(move || match fill_summaries(&store) {
            Ok(n) => tracing::info!("summarised {n} sessions for with_samples=false"),
            Err(e) => tracing::warn!("summarising sessions: {e}"),
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the summary thread: {e}");
    }
}
