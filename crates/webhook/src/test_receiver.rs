//! A webhook receiver on loopback for tests and benchmarks (public, like
//! the store's `test_utils`, so the end-to-end tests and the benchmark use
//! it too). Plain HTTP/1.1 on `std::net`, keep-alive, one thread per
//! connection. A policy picks each request's fate by its arrival number:
//! a status (with headers and a body), a hang until the client gives up,
//! or a connection reset. Every request is logged, its signature headers
//! checked against the secret the way Terra's SDKs check them.
//!
//! Nothing here waits on a clock: a hang ends when the client closes, and
//! [`Receiver::wait_for_while`] waits for a number of requests (or for the
//! client to die).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::sign::{TOLERANCE_S, verify};

/// What to do with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Answer with a status, extra headers and a body.
    Status(u16, Vec<(String, String)>, String),
    /// Read the request, answer nothing, and wait until the client closes.
    Hang,
    /// Close the connection after the headers, the body unread: the
    /// kernel answers the client's data with a reset.
    Reset,
}

impl Reply {
    /// A bare status.
    pub fn status(code: u16) -> Self {
        Self::Status(code, Vec::new(), String::new())
    }
}

/// A request as it arrived.
#[derive(Clone, Debug)]
pub struct Request {
    /// 1-based arrival number.
    pub index: usize,
    /// When it arrived (its headers were read).
    pub at: Instant,
    /// `POST /hook`.
    pub method: String,
    /// The path and query.
    pub path: String,
    /// Headers, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (empty when reset, or when bodies are not kept).
    pub body: Vec<u8>,
    /// Body length in bytes.
    pub length: usize,
    /// Both signature headers present, equal, and valid for the body.
    pub signed: bool,
    /// Whether the whole body arrived (a sender killed mid-request leaves it cut short).
    pub complete: bool,
    /// What it got.
    pub reply: Reply,
}

impl Request {
    /// A header's value, its name matched without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The `metadata.summary_id` of every activity in the body.
    pub fn summary_ids(&self) -> Vec<String> {
        self.json()["data"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["metadata"]["summary_id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// It was answered with a 2xx.
    pub fn accepted(&self) -> bool {
        matches!(self.reply, Reply::Status(c, ..) if (200..300).contains(&c))
    }
}

/// What the policy sees before deciding (the body is not read yet).
#[derive(Clone, Debug)]
pub struct Head {
    /// 1-based arrival number.
    pub index: usize,
    /// The path and query.
    pub path: String,
}

type Policy = Box<dyn Fn(&Head) -> Reply + Send + Sync>;

struct Shared {
    secret: Option<Vec<u8>>,
    keep_bodies: bool,
    policy: Mutex<Policy>,
    log: Mutex<Vec<Request>>,
    logged: Condvar,
    count: AtomicUsize,
    stop: AtomicBool,
}

/// A receiver listening on loopback until dropped.
pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// Listens on `ip` (a loopback address) at a free port. With a
    /// `secret`, signatures are checked; with `keep_bodies` false (the
    /// benchmark), bodies are read and dropped.
    pub fn start(ip: &str, secret: Option<&[u8]>, keep_bodies: bool) -> std::io::Result<Self> {
        let listener = TcpListener::bind((ip, 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            secret: secret.map(<[u8]>::to_vec),
            keep_bodies,
            policy: Mutex::new(Box::new(|_| Reply::status(200))),
            log: Mutex::new(Vec::new()),
            logged: Condvar::new(),
            count: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let s = Arc::clone(&s);
                std::thread::spawn(move || serve(&s, stream));
            }
        });
        Ok(Self { addr, shared })
    }

    /// `http://<ip>:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the policy (the default answers 200 to everything).
    pub fn set_policy(&self, policy: impl Fn(&Head) -> Reply + Send + Sync + 'static) {
        *self.shared.policy.lock().unwrap_or_else(|p| p.into_inner()) = Box::new(policy);
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        let mut v = self
            .shared
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        v.sort_by_key(|r| r.index);
        v
    }

    /// Requests that arrived so far (logged or still being read).
    pub fn arrived(&self) -> usize {
        self.shared.count.load(Ordering::SeqCst)
    }

    /// Blocks until `n` requests have been logged, or until `alive` says
    /// the client has gone (checked every 50 ms, so that a client that
    /// died early fails the test instead of hanging it). Returns true when
    /// it stopped because the client had gone.
    pub fn wait_for_while(&self, n: usize, mut alive: impl FnMut() -> bool) -> bool {
        let mut log = self.shared.log.lock().unwrap_or_else(|p| p.into_inner());
        while log.len() < n {
            if !alive() {
                return true;
            }
            log = self
                .shared
                .logged
                .wait_timeout(log, std::time::Duration::from_millis(50))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        false
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn log(s: &Shared, r: Request) {
    s.log.lock().unwrap_or_else(|p| p.into_inner()).push(r);
    s.logged.notify_all();
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// One connection: requests until the client closes or a reply ends it.
fn serve(s: &Shared, stream: TcpStream) {
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut out = write_half;
    let mut reader = BufReader::with_capacity(8 * 1024, stream);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or_default().to_string(),
            parts.next().unwrap_or_default().to_string(),
        );
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            match reader.read_line(&mut h) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let at = Instant::now();
        let index = s.count.fetch_add(1, Ordering::SeqCst) + 1;
        let reply = (s.policy.lock().unwrap_or_else(|p| p.into_inner()))(&Head {
            index,
            path: path.clone(),
        });
        let mut req = Request {
            index,
            at,
            method,
            path,
            headers,
            body: Vec::new(),
            length: 0,
            signed: false,
            complete: false,
            reply: reply.clone(),
        };
        if reply == Reply::Reset {
            log(s, req);
            // Dropping the socket with the body unread makes the kernel reset it.
            return;
        }
        if req
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        {
            let _ = out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        let length: usize = req
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            log(s, req);
            return;
        }
        req.length = length;
        req.complete = true;
        if let Some(secret) = &s.secret {
            let (a, b) = (
                req.header("terra-signature"),
                req.header("x-terra-signature"),
            );
            req.signed = matches!((a, b), (Some(a), Some(b)) if a == b
                && verify(a, &body, secret, unix_now(), TOLERANCE_S).is_ok());
        }
        if s.keep_bodies {
            req.body = body;
        }
        let close = req
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        log(s, req);
        match reply {
            Reply::Status(code, extra, text) => {
                let mut head = format!(
                    "HTTP/1.1 {code} Status\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n",
                    text.len()
                );
                for (k, v) in extra {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if out.write_all(head.as_bytes()).is_err()
                    || out.write_all(text.as_bytes()).is_err()
                    || close
                {
                    let _ = out.shutdown(Shutdown::Both);
                    return;
                }
            }
            Reply::Hang => {
                // Until the client gives up and closes.
                let mut sink = [0u8; 1024];
                while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
                return;
            }
            Reply::Reset => unreachable!("handled before the body"),
        }
    }
}
