//! End-to-end tests of `erglink serve` (issue 15): the binary on loopback
//! over a store of simulated sessions, asked by Terra's own Python SDK
//! (terra-python, in the venv `tools/test` makes) and by raw HTTP.
//!
//! Waits are bounded by counts (lines read, requests logged), never by the clock.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};

use erglink_model::Session;
use erglink_normalize::fixtures::{Plan, Spec, synthesize};
use erglink_normalize::schema_check::TerraSchema;
use erglink_store::Store;
use erglink_webhook::test_receiver::Receiver;
use serde_json::Value;

const KEY_VAR: &str = "ERGLINK_TEST_API_KEY";
const KEY: &str = "key_erglink_tests";
const DEV_ID: &str = "erglink-lab";
const SECRET_VAR: &str = "ERGLINK_TEST_WEBHOOK_SECRET";
const SECRET: &str = "whsec_erglink_tests";

fn erglink() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_erglink"));
    c.env_remove("RUST_LOG")
        .env_remove("ERGLINK_DB")
        .env_remove("XDG_DATA_HOME")
        .env(KEY_VAR, KEY)
        .env(SECRET_VAR, SECRET);
    c
}

/// Three short rows by Ada on 2026-03-01, -02 and -03 (09:00Z), and one by
/// Bo on 2026-03-01 (11:00Z).
fn lab(db: &Path) -> Vec<Session> {
    let store = Store::open(db).unwrap();
    for (i, (seed, athlete)) in [(0, "Ada"), (24, "Ada"), (48, "Ada"), (2, "Bo")]
        .into_iter()
        .enumerate()
    {
        let mut syn = synthesize(&Spec {
            seed,
            plan: Plan::Distance {
                metres: 300 + 100 * i as u32,
                split_m: 100,
            },
            ..Spec::row_2k()
        });
        syn.session.tags.athlete = Some(athlete.into());
        erglink_export::record_synthetic(&store, &syn, 5_000).unwrap();
    }
    let mut sessions = store.reader().unwrap().sessions().unwrap();
    sessions.sort_by_key(|s| s.started_at);
    sessions
}

struct Serving {
    child: Child,
    addr: String,
    _stderr: Option<BufReader<ChildStderr>>,
}

impl Serving {
    fn start(db: &Path, extra: &[&str]) -> Self {
        let child = erglink()
            .args([
                "serve",
                "--db",
                db.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
            ])
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Owned at once, so that any failure below still reaps the child.
        let mut serving = Self {
            child,
            addr: String::new(),
            _stderr: None,
        };
        let mut stderr = BufReader::new(serving.child.stderr.take().unwrap());
        let mut line = String::new();
        let mut seen = String::new();
        loop {
            line.clear();
            if stderr.read_line(&mut line).unwrap() == 0 {
                panic!("serve ended before listening: {seen}");
            }
            seen.push_str(&line);
            if let Some(addr) = line.trim().strip_prefix("listening on http://") {
                serving.addr = addr.to_string();
                // Kept open: serve's later lines must not meet a closed pipe.
                serving._stderr = Some(stderr);
                return serving;
            }
        }
    }

    fn with_key(db: &Path, extra: &[&str]) -> Self {
        let mut args = vec!["--dev-id", DEV_ID, "--api-key-env", KEY_VAR];
        args.extend_from_slice(extra);
        Self::start(db, &args)
    }

    /// SIGTERM, then the exit status: a graceful shutdown exits 0.
    fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        self.child.wait().unwrap()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One GET over a fresh connection: status, headers, body.
fn get(addr: &str, target: &str, headers: &[(&str, &str)]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, head, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}

fn authed() -> [(&'static str, &'static str); 2] {
    [("dev-id", DEV_ID), ("x-api-key", KEY)]
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)))
}

/// The venv's python with terra-python, from tools/test; under CI a
/// missing one fails the test, elsewhere the test says so and returns.
fn terra_python() -> Option<PathBuf> {
    let candidates = std::env::var_os("ERGLINK_TEST_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/erglink/venv-terra/bin/python")),
        );
    for p in candidates {
        let ok = Command::new(&p)
            .args(["-c", "import terra"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(p);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("terra-python is missing: run the tests through tools/test");
    }
    eprintln!("SKIPPED: terra-python is missing; run the tests through tools/test");
    None
}

#[test]
fn issue15_terras_python_sdk_reads_erglink_unchanged() {
    let Some(python) = terra_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    let sessions = lab(&db);
    let ada = erglink_webhook::athlete_user_id(Some("Ada")).to_string();
    let bo = erglink_webhook::athlete_user_id(Some("Bo")).to_string();
    let ada_ids: Vec<String> = sessions
        .iter()
        .filter(|s| s.tags.athlete.as_deref() == Some("Ada"))
        .map(|s| format!("erglink-{}", s.id))
        .collect();
    assert_eq!(ada_ids.len(), 3);
    let server = Serving::with_key(&db, &[]);
    // A trailing slash on the base URL: the SDK then asks for /v2//activity.
    let plan = serde_json::json!({
        "base_url": format!("http://{}/v2/", server.addr),
        "dev_id": DEV_ID,
        "api_key": KEY,
        "user_id": ada,
        "reference_id": "Ada",
        "start": "2026-03-01",
        "end": "2026-03-03",
        "empty_start": "2025-01-01",
        "empty_end": "2025-01-31",
    });
    let out = Command::new(&python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/terra_sdk_client.py"))
        .arg(plan.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = json(&out.stdout);

    assert_eq!(got["subscriptions"], serde_json::json!([ada, bo]));
    assert_eq!(got["page0"]["results"], serde_json::json!([ada]));
    assert_eq!(got["page0"]["next"], 1);
    assert_eq!(got["info_by_id"]["user_id"], ada.as_str());
    assert_eq!(got["info_by_id"]["reference_id"], "Ada");
    assert_eq!(got["info_by_id"]["provider"], "ERGLINK");
    assert_eq!(got["info_by_reference"], serde_json::json!([ada]));

    let schema = TerraSchema::strict("Activity").unwrap();
    for key in ["without_samples", "with_samples"] {
        let r = &got[key];
        assert_eq!(r["typed_count"], 3, "{key}");
        assert_eq!(
            r["typed_summary_ids"],
            serde_json::json!(ada_ids),
            "{key}: oldest first"
        );
        assert_eq!(r["typed_user"], ada.as_str());
        let body = &r["body"];
        assert_eq!(body["type"], "activity");
        assert_eq!(body["status"], "success");
        for a in body["data"].as_array().unwrap() {
            let problems = schema.problems(a);
            assert!(
                problems.is_empty(),
                "{key}: not Terra's Activity: {problems:?}"
            );
            let powers = a["power_data"]["power_samples"]
                .as_array()
                .map_or(0, Vec::len);
            if key == "with_samples" {
                assert!(powers > 10, "{key}: {powers} power samples");
            } else {
                assert_eq!(powers, 0, "{key}");
                assert!(
                    a["distance_data"]["summary"]["distance_meters"]
                        .as_f64()
                        .unwrap()
                        > 299.0
                );
            }
        }
    }
    assert_eq!(got["empty"]["type"], "no_data");
    assert_eq!(got["empty"]["status"], "success");
    assert_eq!(got["wrong_key"]["error"], "UnauthorizedError");
    assert_eq!(
        got["wrong_key"]["body"]["detail"],
        "dev-id or x-api-key headers are missing"
    );
    assert_eq!(got["bad_date"]["error"], "BadRequestError");
    assert_eq!(got["bad_date"]["body"]["detail"], "invalid start_date");
    assert_eq!(got["unknown_user"]["error"], "NotFoundError");
    assert_eq!(got["unknown_user"]["body"]["detail"], "user not found");
    assert_eq!(got["unknown_reference"]["error"], "NotFoundError");
    assert!(server.stop().success(), "a graceful shutdown exits 0");
}

#[test]
fn raw_http_shapes_limits_and_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    let sessions = lab(&db);
    let ada = erglink_webhook::athlete_user_id(Some("Ada")).to_string();
    let server = Serving::with_key(&db, &[]);
    let a = &server.addr;

    let (status, head, body) = get(a, "/v2/activity?user_id=x&start_date=2026-03-01", &[]);
    assert_eq!(status, 401);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{head}"
    );
    let p = json(&body);
    assert_eq!(p["title"], "unauthorized");
    assert_eq!(p["type"], "about:blank");
    assert_eq!(p["instance"], "/activity?user_id=x&start_date=2026-03-01");

    // Unix seconds: exact, the end exclusive. The second session starts
    // at 2026-03-02T09:00Z = 1772442000.
    let second = sessions
        .iter()
        .filter(|s| s.tags.athlete.as_deref() == Some("Ada"))
        .nth(1)
        .unwrap();
    let t = second.started_at.0 / 1_000_000_000;
    let q = |start: i64, end: i64| {
        format!(
            "/v2//activity?user_id={ada}&start_date={start}&end_date={end}&with_samples=0&unknown=1"
        )
    };
    let (status, _, body) = get(a, &q(t, t + 1), &authed());
    assert_eq!(status, 200);
    let v = json(&body);
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["data"][0]["metadata"]["summary_id"],
        format!("erglink-{}", second.id)
    );
    let (_, _, body) = get(a, &q(t - 100, t), &authed());
    assert_eq!(json(&body)["type"], "no_data");
    // No end: until now.
    let (_, _, body) = get(
        a,
        &format!("/v2/activity?user_id={ada}&start_date=2026-03-02"),
        &authed(),
    );
    assert_eq!(json(&body)["data"].as_array().unwrap().len(), 2);

    let (status, _, body) = get(
        a,
        &format!("/v2/activity?user_id={ada}&start_date=2026-03-01&to_webhook=true"),
        &authed(),
    );
    assert_eq!(status, 400);
    assert!(
        json(&body)["detail"]
            .as_str()
            .unwrap()
            .contains("no webhook destination")
    );
    let (status, _, body) = get(
        a,
        &format!("/v2/activity?user_id={ada}&start_date=2026-03-01&with_samples=maybe"),
        &authed(),
    );
    assert_eq!(
        (status, json(&body)["detail"].as_str().unwrap()),
        (400, "invalid with_samples")
    );

    let long = "x".repeat(20_000);
    let (status, _, body) = get(a, &format!("/v2/activity?user_id={long}"), &authed());
    assert_eq!(status, 414);
    assert!(!String::from_utf8_lossy(&body).contains(&long));
    let mut big = authed().to_vec();
    big.push(("x-padding", long.as_str()));
    let (status, _, _) = get(a, "/v2/subscriptions", &big);
    assert_eq!(status, 431);
    let (status, _, body) = get(a, "/v2/nothing", &authed());
    assert_eq!(
        (status, json(&body)["title"].as_str().unwrap()),
        (404, "not found")
    );
    assert!(server.stop().success());
}

#[test]
fn no_key_means_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    let out = erglink()
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            "0.0.0.0:0",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no API key"));
    // Without a key, loopback answers without credentials.
    lab(&db);
    let server = Serving::start(&db, &[]);
    let (status, _, body) = get(&server.addr, "/v2/subscriptions", &[]);
    assert_eq!(status, 200);
    assert_eq!(json(&body)["users"].as_array().unwrap().len(), 2);
    assert!(server.stop().success());
}

#[test]
fn to_webhook_queues_signed_deliveries_with_the_requests_reference() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lab.db");
    lab(&db);
    let ada = erglink_webhook::athlete_user_id(Some("Ada")).to_string();
    let rx = Receiver::start("127.0.0.1", Some(SECRET.as_bytes()), true).unwrap();
    let url = rx.url("/hook");
    let server = Serving::with_key(&db, &["--webhook", &url, "--secret-env", SECRET_VAR]);
    let target = format!(
        "/v2/activity?user_id={ada}&start_date=2026-03-01&end_date=2026-03-02&to_webhook=true"
    );
    let mut references = Vec::new();
    for _ in 0..2 {
        let (status, _, body) = get(&server.addr, &target, &authed());
        assert_eq!(status, 200);
        let v = json(&body);
        assert_eq!(v["status"], "success");
        assert_eq!(v["type"], "activity");
        assert_eq!(v["reference"], v["trace_id"]);
        assert_eq!(v["user"]["user_id"], ada.as_str());
        references.push(v["reference"].as_str().unwrap().to_string());
    }
    assert_ne!(references[0], references[1]);
    // Two sessions per request, asked twice: sent twice, as asked.
    let mut child_alive = || true;
    assert!(!rx.wait_for_while(4, &mut child_alive));
    let requests = rx.requests();
    assert_eq!(requests.len(), 4);
    for (i, r) in requests.iter().enumerate() {
        assert!(r.signed, "request {i} is signed with the secret");
        assert_eq!(
            r.header("terra-reference"),
            Some(references[i / 2].as_str())
        );
        assert_eq!(r.json()["user"]["user_id"], ada.as_str());
    }
    assert!(server.stop().success());
    // And as an app written for Terra checks them: with the SDK's own
    // verify_terra_webhook_signature, over the exact bodies received.
    let Some(python) = terra_python() else {
        return;
    };
    let deliveries: Vec<Value> = requests
        .iter()
        .map(|r| {
            serde_json::json!({
                "body": String::from_utf8(r.body.clone()).unwrap(),
                "signature": r.header("terra-signature").unwrap(),
            })
        })
        .collect();
    let check = "import json, sys\n\
                 from terra.utils.verify_signature import verify_terra_webhook_signature\n\
                 plan = json.loads(sys.argv[1])\n\
                 for d in plan['deliveries']:\n\
                 \x20   assert verify_terra_webhook_signature(d['body'], d['signature'], plan['secret']) is True\n\
                 print(len(plan['deliveries']))\n";
    let plan = serde_json::json!({"secret": SECRET, "deliveries": deliveries});
    let out = Command::new(&python)
        .args(["-c", check, &plan.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the SDK refused a signature: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "4");
}

fn record(db: &Path) -> Child {
    erglink()
        .args([
            "record",
            "--device",
            "sim:pm5?workout=2000m&seed=5",
            "--athlete",
            "Ada",
        ])
        .args(["--db", db.to_str().unwrap(), "--until", "finished"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn newest(db: &Path) -> Session {
    let r = Store::open_existing(db).unwrap().reader().unwrap();
    r.sessions().unwrap().remove(0)
}

#[test]
fn serving_while_recording_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    // The same recording alone, to compare with.
    let alone = dir.path().join("alone.db");
    Store::open(&alone).unwrap();
    assert!(record(&alone).wait().unwrap().success());
    let reference = newest(&alone);

    let db = dir.path().join("lab.db");
    lab(&db);
    let ada = erglink_webhook::athlete_user_id(Some("Ada")).to_string();
    let server = Serving::with_key(&db, &[]);
    let mut recorder = record(&db);
    let target = format!("/v2/activity?user_id={ada}&start_date=2026-03-01&with_samples=true");
    let mut answered = 0;
    // Requests while the recorder runs (bounded by a count, in case it hangs).
    while recorder.try_wait().unwrap().is_none() && answered < 5_000 {
        let (status, _, body) = get(&server.addr, &target, &authed());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        json(&body);
        answered += 1;
    }
    let out = recorder.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(answered > 0);
    eprintln!("{answered} requests answered while recording");
    let recorded = newest(&db);
    assert_eq!(recorded.state, erglink_model::SessionState::Complete);
    assert_eq!(
        (recorded.counts.samples, recorded.counts.strokes),
        (reference.counts.samples, reference.counts.strokes),
        "the recording served over lost nothing"
    );
    // And the server sees it once it is finished.
    let (_, _, body) = get(&server.addr, &target, &authed());
    let ids: Vec<String> = json(&body)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["metadata"]["summary_id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&format!("erglink-{}", recorded.id)), "{ids:?}");
    assert!(server.stop().success());
}
