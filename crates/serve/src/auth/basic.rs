//! HTTP Basic for the pages (`/`, `/sessions/{id}`, `/compare`, `/live`):
//! a browser can send no custom header, so it asks for the same pair as
//! the API, user = dev id and password = API key. Without a configured key
//! nothing is asked, as for the API.
//!
//! Two ways to put a route behind it: the [`require_basic`] middleware
//!
//! ```ignore
//! Router::new().route("/live", get(live))
//!     .route_layer(axum::middleware::from_fn_with_state(credentials, require_basic))
//! ```
//!
//! or the [`PageAccess`] extractor as a handler's first argument, with
//! `Credentials: FromRef<S>` for the router's state.

use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Credentials, constant_time_eq};

/// The realm browsers show in their login prompt.
pub const REALM: &str = "erglink";

impl Credentials {
    /// Whether `headers` carry `Authorization: Basic` with user = the dev id
    /// (any user when no dev id is configured) and password = the API key.
    pub fn admits_basic(&self, headers: &HeaderMap) -> bool {
        let Some(key) = &self.api_key else {
            return true;
        };
        let Some(pair) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| parse_basic(v.as_bytes()))
        else {
            return false;
        };
        let (user, password) = split_pair(&pair);
        let key_ok = constant_time_eq(password, key.as_bytes());
        let user_ok = match &self.dev_id {
            None => true,
            Some(d) => constant_time_eq(user, d.as_bytes()),
        };
        key_ok & user_ok
    }
}

/// The 401 that makes a browser ask for the user and password.
pub fn challenge() -> Response {
    let mut r = (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "erglink: this page needs the server's dev id as user and its API key as password\n",
    )
        .into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"erglink\", charset=\"UTF-8\""),
    );
    r
}

/// Middleware: passes requests with the right Basic credentials, answers
/// every other with [`challenge`].
pub async fn require_basic(
    State(credentials): State<Credentials>,
    req: Request,
    next: Next,
) -> Response {
    if credentials.admits_basic(req.headers()) {
        next.run(req).await
    } else {
        challenge()
    }
}

/// Extractor: a handler taking it runs only for requests with the right
/// Basic credentials; the others get [`challenge`].
#[derive(Clone, Copy, Debug)]
pub struct PageAccess;

impl<S> FromRequestParts<S> for PageAccess
where
    Credentials: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if Credentials::from_ref(state).admits_basic(&parts.headers) {
            Ok(Self)
        } else {
            Err(challenge())
        }
    }
}

/// The decoded `user:password` of an `Authorization: Basic …` value.
fn parse_basic(value: &[u8]) -> Option<Vec<u8>> {
    let value = trim(value);
    let (scheme, rest) = value.split_at(value.iter().position(|&b| b == b' ')?);
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return None;
    }
    decode_base64(trim(rest))
}

/// The user is up to the first colon; the password may hold colons.
fn split_pair(pair: &[u8]) -> (&[u8], &[u8]) {
    match pair.iter().position(|&b| b == b':') {
        Some(i) => (&pair[..i], &pair[i + 1..]),
        None => (pair, &[]),
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &b[start..end.max(start)]
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648 §4), padding optional; `None` if malformed.
fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let body = match text {
        [rest @ .., b'=', b'='] => rest,
        [rest @ .., b'='] => rest,
        _ => text,
    };
    if body.len() % 4 == 1 || (text.len() != body.len() && !text.len().is_multiple_of(4)) {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for &c in body {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be zero, so each byte string has one encoding.
    (acc == 0).then_some(out)
}

/// Standard base64 with padding (what browsers send).
pub fn encode_base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let word = chunk
            .iter()
            .enumerate()
            .fold(0u32, |w, (i, &b)| w | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= n {
                out.push(ALPHABET[((word >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn basic(user_password: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        let v = format!("Basic {}", encode_base64(user_password.as_bytes()));
        h.insert(header::AUTHORIZATION, v.parse().unwrap());
        h
    }

    #[test]
    fn user_is_the_dev_id_and_password_the_key() {
        let c = Credentials {
            dev_id: Some("lab".into()),
            api_key: Some("s3:cret".into()),
        };
        assert!(c.admits_basic(&basic("lab:s3:cret")));
        assert!(!c.admits_basic(&basic("lab:s3:cre")));
        assert!(!c.admits_basic(&basic("lab:s3:cret!")));
        assert!(!c.admits_basic(&basic("other:s3:cret")));
        assert!(!c.admits_basic(&basic("s3:cret")));
        assert!(!c.admits_basic(&HeaderMap::new()));
        let mut bearer = HeaderMap::new();
        bearer.insert(header::AUTHORIZATION, "Bearer s3:cret".parse().unwrap());
        assert!(!c.admits_basic(&bearer));
        let any_user = Credentials {
            dev_id: None,
            api_key: Some("k".into()),
        };
        assert!(any_user.admits_basic(&basic("whoever:k")));
        assert!(!any_user.admits_basic(&basic("whoever:j")));
        assert!(Credentials::default().admits_basic(&HeaderMap::new()));
    }

    #[test]
    fn rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode_base64(plain.as_bytes()), coded);
            assert_eq!(decode_base64(coded.as_bytes()).unwrap(), plain.as_bytes());
        }
        assert_eq!(decode_base64(b"Zm8").unwrap(), b"fo");
        assert!(decode_base64(b"Zm9=").is_none(), "non-zero leftover bits");
        assert!(decode_base64(b"Z").is_none());
        assert!(decode_base64(b"Zm8*").is_none());
        assert!(decode_base64(b"Zg=").is_none());
    }

    #[test]
    fn the_challenge_names_basic() {
        let r = challenge();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let w = r.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
        assert!(w.starts_with("Basic realm=\"erglink\""));
        assert_eq!(REALM, "erglink");
    }

    #[test]
    fn the_middleware_and_the_extractor_guard_routes() {
        use axum::Router;
        use axum::body::Body;
        use axum::routing::get;
        use tower::ServiceExt;

        let credentials = Credentials {
            dev_id: Some("lab".into()),
            api_key: Some("k".into()),
        };
        let by_layer = Router::new()
            .route("/layer", get(|| async { "in" }))
            .route_layer(axum::middleware::from_fn_with_state(
                credentials.clone(),
                require_basic,
            ));
        let by_extractor = Router::new()
            .route("/extractor", get(|_: PageAccess| async { "in" }))
            .with_state(credentials);
        let app = by_layer.merge(by_extractor);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for path in ["/layer", "/extractor"] {
            for (auth, want) in [
                (None, StatusCode::UNAUTHORIZED),
                (Some("lab:j"), StatusCode::UNAUTHORIZED),
                (Some("lab:k"), StatusCode::OK),
            ] {
                let mut req = axum::http::Request::get(path);
                if let Some(a) = auth {
                    req = req.header(
                        header::AUTHORIZATION,
                        format!("Basic {}", encode_base64(a.as_bytes())),
                    );
                }
                let answer = rt
                    .block_on(app.clone().oneshot(req.body(Body::empty()).unwrap()))
                    .unwrap();
                assert_eq!(answer.status(), want, "{path} with {auth:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn base64_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let coded = encode_base64(&bytes);
            prop_assert_eq!(decode_base64(coded.as_bytes()), Some(bytes));
        }

        #[test]
        fn any_header_never_panics(value in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = parse_basic(&value);
            let _ = decode_base64(&value);
        }
    }
}
