//! Normalising a session straight from a [`SessionSource`], streamed.

use erglink_model::SessionId;
use erglink_normalize::{Normalized, Normalizer, Options};

use crate::{Result, SessionSource};

/// Reads session `id` and normalises it: strokes, splits and gaps first,
/// then the samples one page at a time, never all held.
pub fn normalize_from(
    source: &dyn SessionSource,
    id: &SessionId,
    options: &Options,
) -> Result<Normalized> {
    let session = source.session(id)?;
    let mut n = Normalizer::new(&session, options);
    for s in source.strokes(id)? {
        n.stroke(&s?)?;
    }
    for s in source.splits(id)? {
        n.split(&s?)?;
    }
    for g in source.gaps(id)? {
        n.gap(&g?)?;
    }
    for s in source.samples(id)? {
        n.sample(&s?)?;
    }
    Ok(n.finish())
}
