//! The database option shared by every command that reads or writes
//! sessions, and how store errors become one-line failures.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Args;
use erglink_store::{Error, Store};

use crate::error::Failure;

#[derive(Debug, Args)]
pub struct DbArgs {
    /// The session database [default: $ERGLINK_DB, else
    /// $XDG_DATA_HOME/erglink/erglink.db, else ~/.local/share/erglink/erglink.db].
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

impl DbArgs {
    /// The database path, by interface.md's order.
    pub fn path(&self) -> Result<PathBuf, Failure> {
        resolve(
            self.db.clone(),
            std::env::var_os("ERGLINK_DB"),
            std::env::var_os("XDG_DATA_HOME"),
            std::env::var_os("HOME"),
        )
    }
}

/// `--db`, then `ERGLINK_DB`, then `$XDG_DATA_HOME/erglink/erglink.db`, then
/// `~/.local/share/erglink/erglink.db`. Empty variables count as unset, and
/// a relative XDG_DATA_HOME is ignored, as the XDG spec says.
fn resolve(
    flag: Option<PathBuf>,
    env_db: Option<OsString>,
    xdg: Option<OsString>,
    home: Option<OsString>,
) -> Result<PathBuf, Failure> {
    let set = |v: Option<OsString>| v.filter(|s| !s.is_empty()).map(PathBuf::from);
    if let Some(p) = flag {
        return Ok(p);
    }
    if let Some(p) = set(env_db) {
        return Ok(p);
    }
    if let Some(p) = set(xdg).filter(|p| p.is_absolute()) {
        return Ok(p.join("erglink").join("erglink.db"));
    }
    if let Some(p) = set(home) {
        return Ok(p.join(".local/share/erglink/erglink.db"));
    }
    Err(
        Failure::bad_input("cannot locate the session database", "HOME is not set")
            .hint("Pass --db PATH or set ERGLINK_DB"),
    )
}

/// Opens an existing database for a command that reads; `None` if there is none yet.
pub fn open_existing(path: &Path) -> Result<Option<Store>, Failure> {
    match Store::open_existing(path) {
        Ok(s) => Ok(Some(s)),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(failure(path, e)),
    }
}

/// Opens the database a command naming a session reads: none is bad input.
pub fn open_for_session(path: &Path) -> Result<Store, Failure> {
    open_existing(path)?.ok_or_else(|| {
        let why = format!("there is no database at {}", path.display());
        Failure::bad_input("no such session", why).hint("Record a session first, or pass --db PATH")
    })
}

/// A store error as a one-line failure with the right exit code.
pub fn failure(path: &Path, e: Error) -> Failure {
    let what = format!("cannot use the database {}", path.display());
    match e {
        Error::NewerDatabase { .. } => Failure::bad_input(what, &e)
            .hint("Use the newer erglink that wrote it; this one left the file untouched"),
        Error::NotErglink(_) => Failure::bad_input(what, &e)
            .hint("Check --db and ERGLINK_DB; the file was left untouched"),
        Error::Corrupt(_) => Failure::failed(what, &e).hint(format!(
            "The file was left as it is; restore it from a backup, or try `sqlite3 {} .recover`",
            path.display()
        )),
        Error::BadSessionId { .. } | Error::NoSuchSession(_) => {
            Failure::bad_input("no such session", &e).hint("`erglink sessions` lists them")
        }
        Error::AmbiguousSession { .. } => {
            Failure::bad_input("no single session", &e).hint("Give more characters of the id")
        }
        e if e.is_busy() => Failure::failed(what, &e)
            .hint("Another erglink holds it locked; try again when it is done"),
        e => Failure::failed(what, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(s: &str) -> Option<OsString> {
        Some(OsString::from(s))
    }

    #[test]
    fn path_order_follows_interface_md() {
        let flag = Some(PathBuf::from("flag.db"));
        assert_eq!(
            resolve(flag, os("env.db"), os("/xdg"), os("/home/u")).unwrap(),
            PathBuf::from("flag.db")
        );
        assert_eq!(
            resolve(None, os("env.db"), os("/xdg"), os("/home/u")).unwrap(),
            PathBuf::from("env.db")
        );
        assert_eq!(
            resolve(None, os(""), os("/xdg"), os("/home/u")).unwrap(),
            PathBuf::from("/xdg/erglink/erglink.db")
        );
        assert_eq!(
            resolve(None, None, os("relative"), os("/home/u")).unwrap(),
            PathBuf::from("/home/u/.local/share/erglink/erglink.db")
        );
        assert!(resolve(None, None, None, None).is_err());
    }
}
