//! # erglink-export
//!
//! Recorded sessions out to the formats integrators already read: Terra
//! activity JSON (through `erglink-normalize`), CSV, FIT and TCX. Each
//! destination is a [`Sink`]; [`FileSink`] writes files, and a webhook
//! sink can be added beside it. Sessions are read through
//! [`SessionSource`], which the store's `Reader` implements, streamed.
//!
//! Files are written atomically (a temporary file in the same folder,
//! then a rename), with the user's umask (0644 under 022), and an existing
//! file is never replaced unless asked (`force`), even one that appears
//! while writing.
//!
//! Every format has the same laps (the normaliser's), with their calories,
//! time and distance as the store keeps them; FIT and TCX add a lap for
//! each rest and for what came after the last split, so that their laps
//! add up to the session (`tests/laps_consistency.rs` at the workspace root
//! checks all four against the store).
//!
//! ```no_run
//! use erglink_export::{write_terra_json, erglink_normalize::Options};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = erglink_store::Store::open_existing("erglink.db")?;
//! let reader = store.reader()?;
//! let id = reader.resolve("01K")?;
//! let path = write_terra_json(&reader, &id, "out".as_ref(), &Options::default())?;
//! println!("{}", path.display());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod atomic;
pub mod csv;
mod error;
mod file_sink;
pub mod fit;
mod read;
mod segments;
mod sink;
mod source;
pub mod tcx;
pub mod terra_json;

use std::path::{Path, PathBuf};

use erglink_model::SessionId;
use erglink_store::Reader;

pub use atomic::write_atomic;
pub use erglink_normalize;
pub use error::{Error, Result};
pub use file_sink::{FileOptions, FileSink, Format, NDJSON_NAME};
pub use read::normalize_from;
pub use sink::{Exported, Output, Sink};
pub use source::{MemorySource, Rows, SessionSource, record_synthetic};

/// Writes session `id`'s Terra Activity to `<dir>/<id>.json` (pretty JSON,
/// atomically, never over an existing file) and returns the path: the
/// one call `erglink demo` needs.
pub fn write_terra_json(
    reader: &Reader,
    id: &SessionId,
    dir: &Path,
    options: &erglink_normalize::Options,
) -> Result<PathBuf> {
    terra_json::write_terra_file(reader, id, dir, options, false).map(|(path, _)| path)
}
