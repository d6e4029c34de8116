//! Credentials, compared in constant time and never logged nor kept in
//! errors. The `/v2` API takes Terra's `dev-id` and `x-api-key` headers;
//! the pages a browser opens take the same pair through HTTP Basic
//! ([`basic`]: user = dev id, password = API key).

use axum::http::HeaderMap;

pub mod basic;

pub use basic::{PageAccess, require_basic};

/// What requests must present; without an API key, nothing is asked.
#[derive(Clone, Default)]
pub struct Credentials {
    /// `dev-id`: when set, it must match too.
    pub dev_id: Option<String>,
    /// `x-api-key`.
    pub api_key: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("dev_id", &self.dev_id.as_ref().map(|_| "(set)"))
            .field("api_key", &self.api_key.as_ref().map(|_| "(set)"))
            .finish()
    }
}

/// Equal in time that depends on the lengths only, never on where the
/// first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    std::hint::black_box(diff) == 0
}

impl Credentials {
    /// Whether a key is configured (and so any address may be bound).
    pub fn required(&self) -> bool {
        self.api_key.is_some()
    }

    /// Whether `headers` carry the configured credentials.
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(key) = &self.api_key else {
            return true;
        };
        let given = |name: &str| headers.get(name).map(|v| v.as_bytes());
        let key_ok = given("x-api-key").is_some_and(|k| constant_time_eq(k, key.as_bytes()));
        let dev_ok = match &self.dev_id {
            None => given("dev-id").is_some(),
            Some(d) => given("dev-id").is_some_and(|g| constant_time_eq(g, d.as_bytes())),
        };
        // Both are evaluated before either is looked at.
        key_ok & dev_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn both_headers_are_needed() {
        let c = Credentials {
            dev_id: Some("lab".into()),
            api_key: Some("s3cret".into()),
        };
        assert!(c.admits(&headers(&[("dev-id", "lab"), ("x-api-key", "s3cret")])));
        assert!(!c.admits(&headers(&[("dev-id", "lab"), ("x-api-key", "s3cre")])));
        assert!(!c.admits(&headers(&[("dev-id", "lab"), ("x-api-key", "s3cret!")])));
        assert!(!c.admits(&headers(&[("dev-id", "other"), ("x-api-key", "s3cret")])));
        assert!(!c.admits(&headers(&[("x-api-key", "s3cret")])));
        let any_dev = Credentials {
            dev_id: None,
            api_key: Some("k".into()),
        };
        assert!(any_dev.admits(&headers(&[("dev-id", "x"), ("x-api-key", "k")])));
        assert!(!any_dev.admits(&headers(&[("x-api-key", "k")])));
        assert!(Credentials::default().admits(&HeaderMap::new()));
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    proptest! {
        #[test]
        fn constant_time_eq_is_eq(a in proptest::collection::vec(any::<u8>(), 0..40),
                                  b in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(constant_time_eq(&a, &b), a == b);
            prop_assert!(constant_time_eq(&a, &a));
        }
    }
}
