//! chromedriver's logs (`goog:loggingPrefs`): the browser console, and the
//! performance log whose `Network.requestWillBeSent` events list every
//! request the page made, whether or not it got an answer.

use serde_json::Value;

/// One console message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleEntry {
    /// `SEVERE` for errors (uncaught exceptions, `console.error`, failed loads).
    pub level: String,
    /// `javascript`, `console-api`, `network`, …
    pub source: String,
    /// The text, with chromedriver's location prefix.
    pub message: String,
}

impl ConsoleEntry {
    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.level == "SEVERE"
    }
}

/// One request the page made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// GET, POST, …
    pub method: String,
    /// The full URL.
    pub url: String,
}

impl Request {
    /// Whether it stays on this machine: a network request to 127.0.0.1, or
    /// a scheme that fetches nothing (data:, blob:, about:, file:).
    pub fn is_local(&self) -> bool {
        let Some((scheme, rest)) = self.url.split_once(':') else {
            return false;
        };
        match scheme.to_ascii_lowercase().as_str() {
            "http" | "https" | "ws" | "wss" | "ftp" => host(rest) == Some("127.0.0.1"),
            // Chromium's own pages (the new tab page) are built in, not fetched.
            "data" | "blob" | "about" | "file" | "chrome" | "chrome-error" | "chrome-untrusted"
            | "devtools" => true,
            _ => false,
        }
    }
}

/// The host of `//[user@]host[:port]/…`.
fn host(after_scheme: &str) -> Option<&str> {
    let authority = after_scheme.strip_prefix("//")?;
    let authority = authority.split(['/', '?', '#']).next().unwrap_or(authority);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if authority.starts_with('[') {
        return authority.split_once(']').map(|(h, _)| &h[1..]);
    }
    Some(authority.split(':').next().unwrap_or(authority))
}

/// Console entries from the `browser` log's answer (an array of
/// `{level, message, source, timestamp}`).
pub(crate) fn console_entries(value: &Value) -> Vec<ConsoleEntry> {
    let text = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    value
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| ConsoleEntry {
            level: text(e, "level"),
            source: text(e, "source"),
            message: text(e, "message"),
        })
        .collect()
}

/// Requests from the `performance` log's answer: each entry's `message` is
/// a JSON string holding one DevTools event.
pub(crate) fn requests(value: &Value) -> Vec<Request> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("message")?.as_str())
        .filter_map(|m| serde_json::from_str::<Value>(m).ok())
        .filter_map(|m| {
            let event = m.get("message")?;
            if event.get("method")?.as_str()? != "Network.requestWillBeSent" {
                return None;
            }
            let req = event.get("params")?.get("request")?;
            let url = req.get("url")?.as_str()?.to_string();
            let method = req
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or("GET")
                .to_string();
            Some(Request { method, url })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn req(url: &str) -> Request {
        Request {
            method: "GET".into(),
            url: url.into(),
        }
    }

    #[test]
    fn only_loopback_and_fetchless_schemes_are_local() {
        assert!(req("http://127.0.0.1:8080/assets/uplot.js").is_local());
        assert!(req("http://dev:key@127.0.0.1:1/").is_local());
        assert!(req("data:image/png;base64,AAAA").is_local());
        assert!(req("file:///tmp/x.html").is_local());
        assert!(!req("http://localhost:8080/").is_local());
        assert!(!req("https://cdn.jsdelivr.net/npm/uplot").is_local());
        assert!(!req("http://127.0.0.1.evil.example/").is_local());
        assert!(!req("http://[::1]:80/").is_local());
        assert!(!req("gopher://127.0.0.1/").is_local());
        assert!(!req("nonsense").is_local());
    }

    #[test]
    fn performance_log_entries_give_the_requests() {
        let event = json!({"message": {"method": "Network.requestWillBeSent",
            "params": {"request": {"url": "https://fonts.example/x.woff", "method": "GET"}}}});
        let other = json!({"message": {"method": "Network.responseReceived", "params": {}}});
        let log = json!([
            {"level": "INFO", "message": event.to_string(), "timestamp": 1},
            {"level": "INFO", "message": other.to_string(), "timestamp": 2},
            {"level": "INFO", "message": "not json", "timestamp": 3},
        ]);
        assert_eq!(requests(&log), vec![req("https://fonts.example/x.woff")]);
        let console =
            json!([{"level": "SEVERE", "source": "javascript", "message": "x 1:2 Uncaught"}]);
        let entries = console_entries(&console);
        assert!(entries[0].is_error());
        assert_eq!(entries[0].message, "x 1:2 Uncaught");
    }

    proptest! {
        #[test]
        fn any_url_or_log_never_panics(url in ".{0,80}", blob in ".{0,200}") {
            let _ = req(&url).is_local();
            let _ = requests(&json!([{"message": blob}]));
            let _ = console_entries(&json!([{"level": blob}]));
        }

        #[test]
        fn a_url_built_on_loopback_is_local(port in 1u16.., path in "[a-z/]{0,20}", q in "[a-z=&]{0,10}") {
            let url = format!("http://127.0.0.1:{port}/{path}?{q}");
            prop_assert!(req(&url).is_local());
            let url = format!("http://example.org:{port}/{path}?{q}");
            prop_assert!(!req(&url).is_local());
        }
    }
}
