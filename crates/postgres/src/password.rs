//! The password: from `--password-env VAR`, `--password-file PATH`,
//! `PGPASSWORD`, or a libpq password file (`PGPASSFILE`, else
//! `~/.pgpass`), in that order; never from the URL or the command line.
//! `Debug` is redacted and there is no `Display`, so nothing prints it.

use std::path::{Path, PathBuf};

use crate::{Error, PgUrl, Result};

/// A password, kept out of every log and error.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(redacted)")
    }
}

impl Password {
    /// A password from text; refuses an empty one.
    pub fn new(text: impl Into<String>) -> Result<Self> {
        let text = text.into();
        if text.is_empty() {
            return Err(Error::Password("the password is empty".into()));
        }
        Ok(Self(text))
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Where the password comes from.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum PasswordSource {
    /// `--password-env VAR`: that variable, which must be set.
    Env(String),
    /// `--password-file PATH`: the file's first line.
    File(PathBuf),
    /// `PGPASSWORD` if set, else the libpq password file if it has a line
    /// for the URL, else none (the server may not ask).
    #[default]
    Default,
}

impl PasswordSource {
    /// The password for `url`, if any.
    pub fn resolve(&self, url: &PgUrl) -> Result<Option<Password>> {
        match self {
            PasswordSource::Env(var) => match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(Some(Password(v))),
                Ok(_) => Err(Error::Password(format!("the variable {var} is empty"))),
                Err(std::env::VarError::NotPresent) => {
                    Err(Error::Password(format!("the variable {var} is not set")))
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err(Error::Password(format!("the variable {var} is not UTF-8")))
                }
            },
            PasswordSource::File(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Error::Password(format!("cannot read {}: {e}", path.display())))?;
                let line = text.lines().next().unwrap_or_default();
                Password::new(line).map(Some).map_err(|_| {
                    Error::Password(format!("{} holds an empty password", path.display()))
                })
            }
            PasswordSource::Default => {
                if let Some(v) = std::env::var_os("PGPASSWORD").filter(|v| !v.is_empty()) {
                    let v = v
                        .into_string()
                        .map_err(|_| Error::Password("PGPASSWORD is not UTF-8".into()))?;
                    return Ok(Some(Password(v)));
                }
                let file = std::env::var_os("PGPASSFILE")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME")
                            .filter(|v| !v.is_empty())
                            .map(|h| PathBuf::from(h).join(".pgpass"))
                    });
                match file {
                    Some(f) => pgpass_lookup(&f, url),
                    None => Ok(None),
                }
            }
        }
    }
}

/// One line of a password file: hostname:port:database:username:password,
/// each field `*` for any; `\:` and `\\` escape.
fn fields(line: &str) -> Option<[String; 5]> {
    let mut out: Vec<String> = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.last_mut()?.push(chars.next().unwrap_or('\\')),
            ':' if out.len() < 5 => out.push(String::new()),
            c => out.last_mut()?.push(c),
        }
    }
    out.try_into().ok()
}

/// The password `text` (a password file) gives for `url`, as libpq reads it:
/// the first matching line wins; comments and malformed lines are skipped.
pub fn pgpass_match(text: &str, url: &PgUrl) -> Option<Password> {
    let port = url.port.to_string();
    let want = [
        url.host.as_str(),
        port.as_str(),
        url.dbname.as_str(),
        url.user.as_str(),
    ];
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(fields)
        .find(|f| {
            f[..4]
                .iter()
                .zip(want)
                .all(|(have, want)| have == "*" || have == want)
        })
        .and_then(|f| Password::new(f[4].clone()).ok())
}

fn pgpass_lookup(path: &Path, url: &PgUrl) -> Result<Option<Password>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Password(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // libpq ignores a password file others can read; so does erglink.
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                "{} is readable by group or others, so it is ignored (chmod 0600 it)",
                path.display()
            );
            return Ok(None);
        }
    }
    Ok(pgpass_match(&text, url))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn url() -> PgUrl {
        PgUrl::parse("postgres://lab@db.local:5433/ergs").unwrap()
    }

    #[test]
    fn libpq_password_files_match_as_libpq_reads_them() {
        let text = "# comment\n\
                    other:5433:ergs:lab:no\n\
                    db.local:5433:ergs:someone:no\n\
                    db.local:*:ergs:lab:p\\:w\\\\d\n\
                    *:*:*:*:late\n";
        assert_eq!(pgpass_match(text, &url()).unwrap().0, "p:w\\d");
        assert_eq!(pgpass_match("*:*:*:*:any", &url()).unwrap().0, "any");
        assert!(pgpass_match("db.local:5432:ergs:lab:x", &url()).is_none());
        assert!(pgpass_match("short:line", &url()).is_none());
        assert_eq!(
            format!("{:?}", Password::new("x").unwrap()),
            "Password(redacted)"
        );
    }

    #[test]
    fn files_and_variables() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pw");
        std::fs::write(&p, "s3cret\nignored\n").unwrap();
        let got = PasswordSource::File(p.clone()).resolve(&url()).unwrap();
        assert_eq!(got.unwrap().0, "s3cret");
        std::fs::write(&p, "\n").unwrap();
        let e = PasswordSource::File(p).resolve(&url()).unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
        let e = PasswordSource::Env("ERGLINK_TEST_SURELY_UNSET_VARIABLE".into())
            .resolve(&url())
            .unwrap_err();
        assert!(e.to_string().contains("not set"), "{e}");
    }

    proptest! {
        #[test]
        fn any_password_file_is_read_without_panic(text in "(?s).{0,200}") {
            let _ = pgpass_match(&text, &url());
        }

        #[test]
        fn escaped_fields_round_trip(pw in "[a-z:\\\\*#]{1,12}") {
            let escaped = pw.replace('\\', "\\\\").replace(':', "\\:");
            let line = format!("db.local:5433:ergs:lab:{escaped}");
            prop_assert_eq!(pgpass_match(&line, &url()).map(|p| p.0), Some(pw));
        }
    }
}
