//! Terra's signature: `t=<unix seconds>,v1=<hex>`, where v1 is the
//! lowercase hex HMAC-SHA256, keyed with the secret, of `"<t>."` followed
//! by the exact body bytes (reference §4). [`verify`] is the receiver's
//! side, written the way Terra's SDKs check it, for tests and for Rust
//! receivers.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::Secret;

/// How far `t` may be from the receiver's clock, either way: the SDKs' default.
pub const TOLERANCE_S: i64 = 300;

/// `t` as it appears in the header: the SDKs sign the text, not the number.
fn mac(key: &[u8], t: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The header value for `body` signed at unix second `t`.
pub fn signature(secret: &Secret, t: i64, body: &[u8]) -> String {
    let digest = mac(secret.bytes(), &t.to_string(), body)
        .finalize()
        .into_bytes();
    format!("t={t},v1={}", hex(&digest))
}

/// Why a signature was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `t=` pair, or one that is not a number.
    #[error("the signature header has no timestamp")]
    NoTimestamp,
    /// No `v1=` pair.
    #[error("the signature header has no v1 signature")]
    NoSignature,
    /// `t` is further than the tolerance from now.
    #[error("the signature is {0} s away from now")]
    Stale(i64),
    /// No `v1` matches the body.
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// Checks a signature header against the raw body as Terra's SDKs do:
/// split on `,` into `k=v` pairs, take `t` and every `v1` (other schemes
/// are ignored, so none can be downgraded to), compare in constant time,
/// and require |now − t| ≤ `tolerance_s`.
pub fn verify(
    header: &str,
    body: &[u8],
    secret: &[u8],
    now_s: i64,
    tolerance_s: i64,
) -> Result<(), VerifyError> {
    let mut t = None;
    let mut candidates = Vec::new();
    for pair in header.split(',') {
        match pair.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok().map(|n| (n, v)),
            Some(("v1", v)) => candidates.push(v),
            _ => {}
        }
    }
    let (t, t_text) = t.ok_or(VerifyError::NoTimestamp)?;
    if candidates.is_empty() {
        return Err(VerifyError::NoSignature);
    }
    // abs_diff: a header's `t` may be anything, i64::MIN included.
    if now_s.abs_diff(t) > tolerance_s.unsigned_abs() {
        return Err(VerifyError::Stale(now_s.saturating_sub(t)));
    }
    let expected = mac(secret, t_text, body);
    let ok = candidates
        .iter()
        .any(|c| decode_hex(c).is_some_and(|bytes| expected.clone().verify_slice(&bytes).is_ok()));
    if ok {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made with Python's standard library:
    /// `hmac.new(b"whsec_test", b"1723808700." + b'{"type":"activity"}', hashlib.sha256).hexdigest()`.
    const PYTHON_V1: &str = "9ce547f2c7177302af96dff09127fee40a5e7c7d3e21792c63ee453ac3b263b0";

    #[test]
    fn signs_t_dot_body_and_verifies_like_the_sdks() {
        let secret = Secret::new("whsec_test").unwrap();
        let body = br#"{"type":"activity"}"#;
        let h = signature(&secret, 1_723_808_700, body);
        assert_eq!(h, format!("t=1723808700,v1={PYTHON_V1}"));
        assert_eq!(verify(&h, body, b"whsec_test", 1_723_808_700, 300), Ok(()));
        // One byte of the body changed, another secret, too old, no v1.
        assert_eq!(
            verify(
                &h,
                br#"{"type":"activitY"}"#,
                b"whsec_test",
                1_723_808_700,
                300
            ),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(&h, body, b"other", 1_723_808_700, 300),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(&h, body, b"whsec_test", 1_723_809_001, 300),
            Err(VerifyError::Stale(301))
        );
        assert_eq!(
            verify(
                "t=1723808700,v0=00",
                body,
                b"whsec_test",
                1_723_808_700,
                300
            ),
            Err(VerifyError::NoSignature)
        );
        // Any v1 may match (secret rotation); other schemes are ignored.
        let v1 = h.split_once(",v1=").unwrap().1;
        let rotated = format!("t=1723808700,v0={v1},v1=00ff,v1={v1}");
        assert_eq!(
            verify(&rotated, body, b"whsec_test", 1_723_808_700, 300),
            Ok(())
        );
    }
}
