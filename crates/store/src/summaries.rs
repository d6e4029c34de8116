//! The cache of finished sessions' Terra activities without their sample
//! arrays (schema v5, `activity_summaries`), so that `erglink serve` can
//! answer `with_samples=false` without reading a sample. Opaque bytes to
//! the store: the normaliser makes them, keyed by its own version string.

use std::path::Path;

use erglink_model::{SessionId, SessionState, UtcNanos};
use rusqlite::{Connection, OptionalExtension, params};

use crate::open::{self, Role};
use crate::{Reader, Result};

impl Reader {
    /// The cached activity of `id` made by `normalizer`, if any.
    pub fn activity_summary(&self, id: &SessionId, normalizer: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT a.activity FROM activity_summaries a JOIN sessions s ON s.key = a.session
                 WHERE s.id = ?1 AND a.normalizer = ?2",
            )?
            .query_row(params![id.as_str(), normalizer], |r| r.get(0))
            .optional()?)
    }
}

/// Writes the cache, in short transactions on its own connection (like
/// the ledger), never touching recorded data.
pub struct SummaryCache {
    conn: Connection,
}

impl std::fmt::Debug for SummaryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SummaryCache").finish_non_exhaustive()
    }
}

impl SummaryCache {
    pub(crate) fn new(path: &Path) -> Result<Self> {
        Ok(Self {
            conn: open::connect(path, Role::Ledger)?,
        })
    }

    /// Keeps `activity` for `id` under `normalizer`. A session still
    /// recording is not cached (its figures still change): false then, as
    /// for an unknown session; an entry already there is kept.
    pub fn put(
        &self,
        id: &SessionId,
        normalizer: &str,
        activity: &[u8],
        at: UtcNanos,
    ) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO activity_summaries (session, normalizer, activity, made_ns)
             SELECT key, ?2, ?3, ?4 FROM sessions WHERE id = ?1 AND state != ?5",
            )?
            .execute(params![
                id.as_str(),
                normalizer,
                activity,
                at.0,
                SessionState::Recording as i64
            ])?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Store, WriterOptions, test_utils};

    #[test]
    fn finished_sessions_are_cached_recording_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("t.db")).unwrap();
        let w = store.writer(WriterOptions::default()).unwrap();
        let done = w.begin_session(test_utils::new_session(1)).unwrap();
        w.send(&done, test_utils::batch(0, 10)).unwrap();
        w.finish_session(&done, test_utils::session_end(1, 10))
            .unwrap();
        let live = w.begin_session(test_utils::new_session(2)).unwrap();
        w.send(&live, test_utils::batch(0, 10)).unwrap();
        w.flush().unwrap();
        let cache = store.summary_cache().unwrap();
        let at = erglink_model::UtcNanos(5);
        assert!(cache.put(&done, "v1", b"{}", at).unwrap());
        assert!(!cache.put(&done, "v1", b"{\"x\":1}", at).unwrap(), "kept");
        assert!(!cache.put(&live, "v1", b"{}", at).unwrap());
        let r = store.reader().unwrap();
        assert_eq!(
            r.activity_summary(&done, "v1").unwrap().as_deref(),
            Some(&b"{}"[..])
        );
        assert_eq!(r.activity_summary(&done, "v2").unwrap(), None);
        assert_eq!(r.activity_summary(&live, "v1").unwrap(), None);
        w.close().unwrap();
    }
}
