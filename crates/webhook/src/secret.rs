//! The signing secret. It comes from an environment variable or a file,
//! never from the command line (where `ps` and shell histories show it),
//! and nothing prints it: `Debug` is redacted and there is no `Display`.

use std::path::Path;

use crate::{Error, Result};

/// The HMAC key, as bytes (Terra's verifiers use the secret's UTF-8 bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

impl Secret {
    /// A secret from bytes; refuses an empty one, which would sign nothing.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(Error::Secret("the signing secret is empty".into()));
        }
        Ok(Self(bytes))
    }

    /// From the variable `name`. Unset and empty are both refused.
    pub fn from_env(name: &str) -> Result<Self> {
        match std::env::var_os(name) {
            Some(v) if !v.is_empty() => Self::new(v.into_encoded_bytes()),
            Some(_) => Err(Error::Secret(format!("the variable {name} is empty"))),
            None => Err(Error::Secret(format!("the variable {name} is not set"))),
        }
    }

    /// From a file. One trailing line break is dropped, as `echo secret > file`
    /// and editors add it; anything else is kept byte for byte.
    pub fn from_file(path: &Path) -> Result<Self> {
        let mut bytes = std::fs::read(path)
            .map_err(|e| Error::Secret(format!("cannot read {}: {e}", path.display())))?;
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        Self::new(bytes)
            .map_err(|_| Error::Secret(format!("{} holds an empty secret", path.display())))
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_lose_one_line_break_and_nothing_prints_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        std::fs::write(&p, "hunter2\r\n").unwrap();
        let s = Secret::from_file(&p).unwrap();
        assert_eq!(s.bytes(), b"hunter2");
        assert_eq!(format!("{s:?}"), "Secret(redacted)");
        std::fs::write(&p, " two words \n\n").unwrap();
        assert_eq!(Secret::from_file(&p).unwrap().bytes(), b" two words \n");
        std::fs::write(&p, "\n").unwrap();
        let err = Secret::from_file(&p).unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");
        let err = Secret::from_env("ERGLINK_TEST_SURELY_UNSET_VARIABLE").unwrap_err();
        assert!(err.to_string().contains("is not set"), "{err}");
    }
}
