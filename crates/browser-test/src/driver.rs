//! Finding the programs and running chromedriver on a free loopback port.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::{Error, Result};

/// The two programs a [`crate::Browser`] needs.
#[derive(Clone, Debug)]
pub struct Programs {
    /// The Chromium binary (Debian's `/usr/bin/chromium`).
    pub chromium: PathBuf,
    /// Debian's `chromedriver`, the same version as Chromium.
    pub chromedriver: PathBuf,
}

/// The programs from `ERGLINK_TEST_CHROMIUM` / `ERGLINK_TEST_CHROMEDRIVER`,
/// else from `PATH`.
pub fn find_programs() -> Result<Programs> {
    let chromium = find("ERGLINK_TEST_CHROMIUM", &["chromium", "chromium-browser"])
        .ok_or(Error::Missing("chromium", "ERGLINK_TEST_CHROMIUM"))?;
    let chromedriver = find("ERGLINK_TEST_CHROMEDRIVER", &["chromedriver"])
        .ok_or(Error::Missing("chromedriver", "ERGLINK_TEST_CHROMEDRIVER"))?;
    Ok(Programs {
        chromium,
        chromedriver,
    })
}

fn find(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// A running chromedriver, killed on drop.
#[derive(Debug)]
pub(crate) struct Chromedriver {
    child: Child,
    pub(crate) url: String,
}

/// How many times the new chromedriver's port is tried before giving up.
const CONNECT_ATTEMPTS: u32 = 400;

impl Chromedriver {
    pub(crate) async fn start(program: &Path, log: &Path) -> Result<Self> {
        let port = free_port()?;
        let mut child = Command::new(program)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::Driver(format!("cannot run {}: {e}", program.display())))?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        for _ in 0..CONNECT_ATTEMPTS {
            if let Some(status) = child.try_wait().map_err(|e| Error::Driver(e.to_string()))? {
                return Err(Error::Driver(format!(
                    "exited with {status} before listening (log: {})",
                    log.display()
                )));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
                return Ok(Self {
                    child,
                    url: format!("http://{addr}"),
                });
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let _ = child.start_kill();
        Err(Error::Driver(format!(
            "not listening on {addr} after {CONNECT_ATTEMPTS} attempts (log: {})",
            log.display()
        )))
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// A port free a moment ago. chromedriver cannot be handed a bound socket,
/// so another process could take it in between; the start then fails loudly.
fn free_port() -> Result<u16> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| Error::Io {
        what: "finding a free port".into(),
        source: e,
    })?;
    Ok(l.local_addr()
        .map_err(|e| Error::Io {
            what: "finding a free port".into(),
            source: e,
        })?
        .port())
}

/// `DELETE /session/{id}` with std alone: usable from `Drop`, where no
/// async runtime may be running. Best effort; bounded by socket timeouts.
pub(crate) fn delete_session_blocking(url: &str, session: &str) {
    use std::io::{Read, Write};
    let Some(addr) = url
        .strip_prefix("http://")
        .and_then(|a| a.parse::<SocketAddr>().ok())
    else {
        return;
    };
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    if s.write_all(request.as_bytes()).is_err() {
        return;
    }
    // chromedriver answers once Chromium is closed; it may keep the
    // connection open, so stop at the end of the answer's body.
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n @ 1..) = s.read(&mut chunk) {
        answer.extend_from_slice(&chunk[..n]);
        if http_answer_complete(&answer) {
            return;
        }
    }
}

/// Whether `bytes` hold a whole HTTP/1.1 answer with a content-length.
fn http_answer_complete(bytes: &[u8]) -> bool {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    bytes.len() >= end + 4 + length
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_answer_is_complete_with_its_body() {
        let a = b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"value\":null}";
        assert!(http_answer_complete(a));
        assert!(!http_answer_complete(&a[..a.len() - 1]));
        assert!(!http_answer_complete(b"HTTP/1.1 200 OK\r\n"));
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = http_answer_complete(&b);
        }
    }
}
