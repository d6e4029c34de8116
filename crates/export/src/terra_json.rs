//! Terra JSON files: one Activity per file, named `<session id>.json`, or
//! one Activity per line of an NDJSON file.

use std::path::{Path, PathBuf};

use erglink_model::SessionId;
use erglink_normalize::Options;

use crate::atomic::{io, write_atomic};
use crate::read::normalize_from;
use crate::{Result, SessionSource};

/// `<dir>/<id>.json`.
pub fn terra_path(dir: &Path, id: &SessionId) -> PathBuf {
    dir.join(format!("{id}.json"))
}

/// Writes session `id`'s Activity, pretty-printed, to `<dir>/<id>.json`
/// atomically; an existing file is kept unless `force`. Returns the path
/// and the bytes written.
pub fn write_terra_file(
    source: &dyn SessionSource,
    id: &SessionId,
    dir: &Path,
    options: &Options,
    force: bool,
) -> Result<(PathBuf, u64)> {
    let activity = normalize_from(source, id, options)?.to_activity();
    let path = terra_path(dir, id);
    let bytes = write_atomic(&path, force, |w| {
        serde_json::to_writer_pretty(&mut *w, &activity).map_err(|e| io(&path)(e.into()))?;
        w.write_all(b"\n").map_err(io(&path))
    })?;
    Ok((path, bytes))
}

/// Session `id`'s Activity as one compact JSON line, newline included.
pub fn terra_line(
    source: &dyn SessionSource,
    id: &SessionId,
    options: &Options,
) -> Result<Vec<u8>> {
    let activity = normalize_from(source, id, options)?.to_activity();
    let mut line = serde_json::to_vec(&activity).expect("Terra wire types always serialise");
    line.push(b'\n');
    Ok(line)
}
