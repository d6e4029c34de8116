//! Single-use streaming tokens, as `POST /auth/developer` hands them out
//! on Terra's streaming host: redeemed once in an IDENTIFY, short-lived,
//! and never logged.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

/// How long a token can wait for its IDENTIFY.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(300);
/// Tokens waiting at most: the oldest goes first.
const MAX_TOKENS: usize = 4096;

/// The tokens issued and not yet redeemed.
#[derive(Default)]
pub struct Tokens {
    issued: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").finish_non_exhaustive()
    }
}

impl Tokens {
    /// A new token: 244 random bits, in Terra's `xxxxxxxx.yyyy…` shape.
    pub fn issue(&self) -> String {
        let a = Uuid::new_v4().simple().to_string();
        let b = Uuid::new_v4().simple().to_string();
        let token = format!("{}.{}{}", &a[..8], &a[8..], b);
        let now = Instant::now();
        let mut m = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|_, at| now.duration_since(*at) < TOKEN_LIFETIME);
        if m.len() >= MAX_TOKENS
            && let Some(oldest) = m.iter().min_by_key(|(_, at)| **at).map(|(k, _)| k.clone())
        {
            m.remove(&oldest);
        }
        m.insert(token.clone(), now);
        token
    }

    /// Whether `token` was issued, is fresh and was not redeemed; it is
    /// redeemed by asking.
    pub fn redeem(&self, token: &str) -> bool {
        let mut m = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        match m.remove(token) {
            Some(at) => at.elapsed() < TOKEN_LIFETIME,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_redeemed_once() {
        let t = Tokens::default();
        let a = t.issue();
        let b = t.issue();
        assert_ne!(a, b);
        assert_eq!(a.len(), 8 + 1 + 24 + 32);
        assert!(t.redeem(&a));
        assert!(!t.redeem(&a), "single use");
        assert!(!t.redeem("made-up"));
        assert!(t.redeem(&b));
    }
}
