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
        let mut c = Command::new(env!("CARGO_BIN_EXE_erglink"));
        c.env_remove("RUST_LOG")
            .env_remove("ERGLINK_DB")
            .env(KEY_VAR, KEY)
            .arg("record")
            .arg("--db")
            .arg(db)
            .args(["--until", "finished", "--json", "--serve", "127.0.0.1:0"])
            .args(["--dev-id", DEV_ID, "--api-key-env", KEY_VAR])
            .args(extra);
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
