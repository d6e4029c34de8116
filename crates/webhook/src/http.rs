//! One POST of signed bytes, and what came of it. ureq (blocking, rustls)
//! with redirects off, so that [`crate::Endpoint::redirect`] decides which
//! to follow; statuses come back as answers, not errors.

use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ureq::http::Uri;
use ureq::{Agent, Timeout};

use crate::retry::{parse_retry_after, retryable_status};
use crate::sign::signature;
use crate::{Endpoint, Secret};

/// Connect and read timeouts. Defaults: 10 s to connect, 30 s to read
/// (Terra gives receivers 8 to 30 s; our bodies can be larger than its).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Resolving the name and connecting (TLS handshake included).
    pub connect: Duration,
    /// Sending the body and waiting for the answer, and each read or write.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(30),
        }
    }
}

/// What the receiver (or the network) answered to one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// An HTTP status.
    Status {
        /// The status code.
        code: u16,
        /// `Retry-After`, if given and readable.
        retry_after: Option<Duration>,
        /// The start of the response body, for the ledger's `last_error`.
        body: String,
        /// Why a redirect was not followed, if it was one.
        redirect: Option<String>,
    },
    /// No answer: a timeout, a refused or reset connection, TLS.
    Transport {
        /// What happened.
        error: String,
        /// Worth another attempt.
        retryable: bool,
    },
}

impl Answer {
    /// A 2xx.
    pub fn delivered(&self) -> bool {
        matches!(self, Self::Status { code, .. } if (200..300).contains(code))
    }

    /// Worth another attempt.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Status { code, .. } => retryable_status(*code),
            Self::Transport { retryable, .. } => *retryable,
        }
    }

    /// The HTTP status, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { code, .. } => Some(*code),
            Self::Transport { .. } => None,
        }
    }

    /// One line for the ledger and the report.
    pub fn describe(&self) -> String {
        match self {
            Self::Status {
                redirect: Some(why),
                ..
            } => why.clone(),
            Self::Status { code, body, .. } => {
                let reason = ureq::http::StatusCode::from_u16(*code)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("");
                let body = body.trim();
                match (reason.is_empty(), body.is_empty()) {
                    (_, false) => format!("HTTP {code} {reason}: {body}"),
                    (false, true) => format!("HTTP {code} {reason}"),
                    (true, true) => format!("HTTP {code}"),
                }
            }
            Self::Transport { error, .. } => error.clone(),
        }
    }
}

/// Response bodies are read up to this much (so a connection can be
/// reused) and this much of it is kept.
const DRAIN: u64 = 64 * 1024;
const KEEP: usize = 512;
/// Same-host 307/308 hops followed per attempt.
const MAX_HOPS: usize = 5;

/// The HTTP client for one destination.
#[derive(Clone, Debug)]
pub struct Client {
    agent: Agent,
    endpoint: Endpoint,
    user_agent: String,
}

/// What identifies a delivery on the wire, the same on every attempt.
#[derive(Clone, Copy, Debug)]
pub struct Headers<'a> {
    /// `X-Terra-Trace-Id`.
    pub trace_id: &'a str,
    /// `X-Terra-Ordering-Timestamp`, unix ms.
    pub ordering_ms: i64,
    /// `terra-reference`: the REST request (`to_webhook=true`) this delivery answers.
    pub reference: Option<&'a str>,
}

impl Client {
    /// A client for `endpoint`, keeping up to `connections` idle connections.
    pub fn new(endpoint: Endpoint, timeouts: Timeouts, connections: usize) -> Self {
        let mut config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_resolve(Some(timeouts.connect))
            .timeout_connect(Some(timeouts.connect))
            .timeout_send_request(Some(timeouts.read))
            .timeout_send_body(Some(timeouts.read))
            .timeout_recv_response(Some(timeouts.read))
            .timeout_recv_body(Some(timeouts.read))
            .timeout_per_read(Some(timeouts.read))
            .timeout_per_write(Some(timeouts.read))
            .max_idle_connections_per_host(connections.max(1))
            .max_idle_connections(connections.max(1) * 2);
        if endpoint.is_loopback() {
            // This machine is never reached through a proxy from the environment.
            config = config.proxy(None);
        }
        Self {
            agent: config.build().new_agent(),
            endpoint,
            user_agent: format!("erglink/{}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// Posts `body` with a fresh signature, following the redirects the
    /// endpoint allows (each hop signed anew).
    pub fn post(&self, body: &[u8], secret: &Secret, h: Headers<'_>) -> Answer {
        let mut uri = self.endpoint.uri().clone();
        let mut hops = 0;
        loop {
            let (answer, location) = self.post_once(&uri, body, secret, h);
            let Answer::Status { code, .. } = answer else {
                return answer;
            };
            if !(300..400).contains(&code) {
                return answer;
            }
            let refuse = |why: String| Answer::Status {
                code,
                retry_after: None,
                body: String::new(),
                redirect: Some(why),
            };
            let Some(location) = location else {
                return refuse(format!("HTTP {code} without a Location"));
            };
            if hops == MAX_HOPS {
                return refuse(format!("more than {MAX_HOPS} redirects"));
            }
            match self.endpoint.redirect(code, &location) {
                Ok(next) => {
                    tracing::debug!("following a {code} redirect to {next}");
                    uri = next;
                    hops += 1;
                }
                Err(why) => return refuse(why),
            }
        }
    }

    fn post_once(
        &self,
        uri: &Uri,
        body: &[u8],
        secret: &Secret,
        h: Headers<'_>,
    ) -> (Answer, Option<String>) {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let sig = signature(secret, t, body);
        // Names as Terra spells them (header_raw keeps the case), for
        // receivers that compare them case-sensitively.
        let mut request = self.agent.post(uri);
        if let Some(reference) = h.reference {
            request = request.header_raw("terra-reference", reference.as_bytes());
        }
        let sent = request
            .header_raw("terra-signature", sig.as_bytes())
            .header_raw("X-Terra-Signature", sig.as_bytes())
            .header_raw("X-Terra-Trace-Id", h.trace_id.as_bytes())
            .header_raw(
                "X-Terra-Ordering-Timestamp",
                h.ordering_ms.to_string().as_bytes(),
            )
            .header("User-Agent", &self.user_agent)
            .content_type("application/json")
            .send(body);
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => return (transport(e), None),
        };
        let code = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after =
            header("retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()));
        let location = header("location");
        let mut bytes = Vec::new();
        let mut reader = response.body_mut().as_reader().take(DRAIN);
        // A body cut short changes nothing about the status that came first.
        let _ = reader.read_to_end(&mut bytes);
        let mut text = String::from_utf8_lossy(&bytes[..bytes.len().min(KEEP)]).into_owned();
        text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        (
            Answer::Status {
                code,
                retry_after,
                body: text,
                redirect: None,
            },
            location,
        )
    }
}

fn transport(e: ureq::Error) -> Answer {
    use ureq::Error as E;
    let (error, retryable) = match &e {
        E::Timeout(Timeout::Connect | Timeout::Resolve) => {
            (format!("timed out connecting ({e})"), true)
        }
        E::Timeout(_) => (format!("timed out waiting for the answer ({e})"), true),
        E::Io(io) => (format!("connection error: {io}"), true),
        E::ConnectionFailed => ("could not connect".to_string(), true),
        E::HostNotFound => ("the host name does not resolve".to_string(), true),
        E::Protocol(p) => (format!("the answer was not valid HTTP: {p}"), true),
        E::BodyStalled => ("the connection stalled".to_string(), true),
        // Certificates, bad URIs, proxies: another attempt changes nothing.
        E::Tls(_) | E::Rustls(_) | E::Pem(_) | E::TlsRequired => (format!("TLS: {e}"), false),
        E::BadUri(_) | E::Http(_) | E::RequireHttpsOnly(_) | E::InvalidProxyUrl => {
            (e.to_string(), false)
        }
        E::ConnectProxyFailed(_) => (format!("the proxy refused: {e}"), true),
        _ => (e.to_string(), true),
    };
    Answer::Transport { error, retryable }
}
