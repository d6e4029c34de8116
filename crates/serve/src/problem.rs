//! RFC 9457 `application/problem+json`, as Terra's current description
//! answers 4xx: `type`, `title` (the lowercased status text), `instance`
//! (the path with its query) and `detail`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Terra's detail for a missing or wrong credential.
pub const UNAUTHORIZED: &str = "dev-id or x-api-key headers are missing";
/// Terra's detail for an unknown user.
pub const USER_NOT_FOUND: &str = "user not found";
/// Said when `to_webhook=true` has nowhere to go.
pub const NO_WEBHOOK: &str =
    "to_webhook=true but no webhook destination is configured (erglink serve --webhook URL)";

/// One problem, ready to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The HTTP status.
    pub status: StatusCode,
    /// `instance`.
    pub instance: String,
    /// `detail`.
    pub detail: String,
}

impl Problem {
    /// A problem at `instance` (the request's path and query).
    pub fn new(status: StatusCode, instance: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            instance: instance.to_string(),
            detail: detail.into(),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        let title = self
            .status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase();
        json!({
            "type": "about:blank",
            "title": title,
            "instance": self.instance,
            "detail": self.detail,
        })
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut r = (self.status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terras_shape() {
        let p = Problem::new(StatusCode::UNAUTHORIZED, "/activity?x=1", UNAUTHORIZED);
        assert_eq!(
            p.body(),
            json!({"type": "about:blank", "title": "unauthorized", "instance": "/activity?x=1",
                   "detail": "dev-id or x-api-key headers are missing"})
        );
        let p = Problem::new(StatusCode::NOT_FOUND, "/userInfo", USER_NOT_FOUND);
        assert_eq!(p.body()["title"], "not found");
    }
}
