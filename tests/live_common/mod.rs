//! Shared by the live tests: `record --serve` on a free loopback port.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub const KEY_VAR: &str = "ERGLINK_TEST_API_KEY";
pub const KEY: &str = "key_erglink_live_tests";
pub const DEV_ID: &str = "erglink-lab";

/// The venv's python with `websockets`, from tools/test; under CI a missing
/// one fails the test, elsewhere the test says so and returns.
pub fn websockets_python() -> Option<PathBuf> {
    let candidates = std::env::var_os("ERGLINK_TEST_WEBSOCKETS_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/erglink/venv-terra/bin/python")),
        );
    for p in candidates {
        let ok = Command::new(&p)
            .args(["-c", "import websockets.sync.client"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(p);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("python with websockets is missing: run the tests through tools/test");
    }
    eprintln!("SKIPPED: python with websockets is missing; run the tests through tools/test");
    None
}

/// `record --serve` on a free loopback port, with a key.
pub struct Recording {
    child: Child,
    pub addr: String,
}

impl Recording {
    pub fn start(db: &Path, devices: &[String], extra: &[&str]) -> Self {
        Self::spawn(db, devices, extra, true)
    }

    /// `record` alone, for a separate `serve` to follow.
    pub fn start_without_serving(db: &Path, devices: &[String]) -> Self {
        Self::spawn(db, devices, &[], false)
    }

    fn spawn(db: &Path, devices: &[String], extra: &[&str], serve: bool) -> Self {
        let mut c = Command::new(env!("CARGO_BIN_EXE_erglink"));
        c.env_remove("RUST_LOG")
            .env_remove("ERGLINK_DB")
            .env(KEY_VAR, KEY)
            .arg("record")
            .arg("--db")
            .arg(db)
            .args(["--until", "finished", "--json"])
            .args(extra);
        if serve {
            c.args([
                "--serve",
                "127.0.0.1:0",
                "--dev-id",
                DEV_ID,
                "--api-key-env",
                KEY_VAR,
            ]);
        }
        for d in devices {
            c.args(["-d", d]);
        }
        let mut child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let addr = loop {
            if !serve {
                break String::new();
            }
            line.clear();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "record exited");
            if let Some(a) = line.trim().strip_prefix("listening on http://") {
                break a.to_string();
            }
        };
        // The rest of stderr is drained so that the recorder never blocks on it.
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stderr.read_to_string(&mut rest);
            if !rest.is_empty() {
                eprint!("{rest}");
            }
        });
        Self { child, addr }
    }

    /// Waits for the end; its JSON summary.
    pub fn finish(mut self) -> Value {
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert!(self.child.wait().unwrap().success(), "record failed: {out}");
        serde_json::from_str(&out).unwrap()
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn monitors(n: u32, workout: &str) -> Vec<String> {
    (1..=n)
        .map(|i| {
            format!(
                "sim:pm5?workout={workout}&pace=1:5{i}&spm={}&seed={i}&pacing=realtime&start=2",
                26 + i
            )
        })
        .collect()
}

/// An `Authorization: Basic` value.
pub fn basic(user: &str, password: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = format!("{user}:{password}").into_bytes();
    let mut s = String::from("Basic ");
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            s.push(if i <= c.len() {
                A[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    s
}

/// `GET path` on `addr` with HTTP Basic; the JSON body.
pub fn get_json(addr: &str, path: &str) -> Option<Value> {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        basic(DEV_ID, KEY)
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") {
        return None;
    }
    serde_json::from_str(body).ok()
}

/// `erglink serve` on a free loopback port over `db`, with a key.
pub struct Serving {
    child: Child,
    pub addr: String,
}

impl Serving {
    pub fn start(db: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_erglink"))
            .env_remove("RUST_LOG")
            .env_remove("ERGLINK_DB")
            .env(KEY_VAR, KEY)
            .arg("serve")
            .arg("--db")
            .arg(db)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--dev-id",
                DEV_ID,
                "--api-key-env",
                KEY_VAR,
            ])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "serve exited");
            if let Some(a) = line.trim().strip_prefix("listening on http://") {
                break a.to_string();
            }
        };
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stderr.read_to_string(&mut rest);
        });
        Self { child, addr }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
