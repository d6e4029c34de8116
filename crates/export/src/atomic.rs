//! Files appear whole or not at all: written to a temporary file in the
//! same folder (so the rename stays on one filesystem), synced, then
//! renamed into place. Without `force` the rename refuses to replace an
//! existing file, even one that appeared while we wrote (no check-then-write race).
//!
//! The temporary file is created with mode 0o666 less the user's umask, as
//! any other new file is (0644 under umask 022), so what it becomes can be
//! read by whoever the user's umask lets read it; tempfile's own default,
//! 0600, would shut out a lab's web server or a colleague.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::{Error, Result};

/// Writes `path` through `fill`, atomically, refusing to replace a file
/// unless `force`; returns the bytes written.
pub fn write_atomic(
    path: &Path,
    force: bool,
    fill: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<u64> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = temp_builder().tempfile_in(dir).map_err(io(dir))?;
    {
        let mut out = BufWriter::with_capacity(256 * 1024, tmp.as_file_mut());
        fill(&mut out)?;
        out.flush().map_err(io(path))?;
    }
    let file = tmp.as_file();
    file.sync_all().map_err(io(path))?;
    let bytes = file.metadata().map_err(io(path))?.len();
    let persisted = if force {
        tmp.persist(path)
    } else {
        tmp.persist_noclobber(path)
    };
    // On failure the temporary file is removed when the error drops.
    persisted.map_err(|e| match e.error.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Exists(path.to_path_buf()),
        _ => Error::Io {
            path: path.to_path_buf(),
            source: e.error,
        },
    })?;
    Ok(bytes)
}

/// A temporary file beside the target, created as the user's umask says.
pub(crate) fn temp_builder() -> tempfile::Builder<'static, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(".erglink-").suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The kernel takes the umask off, as for any file created: the
        // process's umask is never changed.
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    b
}

/// Maps a write error on `path`.
pub(crate) fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_overwrites_without_force_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic(&p, false, |w| w.write_all(b"one").map_err(io(&p))).unwrap();
        let err = write_atomic(&p, false, |w| w.write_all(b"two").map_err(io(&p))).unwrap_err();
        assert!(matches!(err, Error::Exists(_)), "{err}");
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        write_atomic(&p, true, |w| w.write_all(b"three").map_err(io(&p))).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"three");
        // A failing writer leaves nothing behind.
        let q = dir.path().join("b.json");
        let _ = write_atomic(&q, false, |_| Err(Error::Unsupported("boom".into())));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.json"]);
    }

    /// The process's umask, from /proc (reading it with umask(2) would set it).
    #[cfg(target_os = "linux")]
    fn umask() -> u32 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
        u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn files_get_the_users_umask_not_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic(&p, false, |w| w.write_all(b"{}").map_err(io(&p))).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask(), "{mode:o}");
        // Replacing keeps to the umask too.
        write_atomic(&p, true, |w| w.write_all(b"[]").map_err(io(&p))).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask(), "{mode:o}");
    }
}
