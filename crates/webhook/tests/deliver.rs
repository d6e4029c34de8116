//! Issue [8/8] (webhooks), the library against a real receiver on
//! loopback: the crash window between a 2xx and its ledger record, limits
//! that leave a delivery pending, batches, redirects, and the `Sink`.
//! Bounded by counts: nothing here waits on a clock.

use std::collections::HashSet;
use std::time::Duration;

use erglink_export::{SessionSource, Sink};
use erglink_model::{ExportState, Session, SessionId};
use erglink_normalize::fixtures::{Plan, Spec, synthesize};
use erglink_normalize::schema_check::TerraSchema;
use erglink_store::Store;
use erglink_webhook::test_receiver::{Receiver, Reply, Request};
use erglink_webhook::{
    Config, Endpoint, Exporter, Outcome, Report, RetryPolicy, Secret, Timeouts, WebhookSink,
};

const SECRET: &[u8] = b"whsec_library_tests";

fn record(store: &Store, seed: u32, athlete: &str) -> SessionId {
    let mut syn = synthesize(&Spec {
        seed,
        plan: Plan::Distance {
            metres: 300,
            split_m: 100,
        },
        ..Spec::row_2k()
    });
    syn.session.tags.athlete = Some(athlete.into());
    erglink_export::record_synthetic(store, &syn, 5_000).unwrap()
}

struct Lab {
    _dir: tempfile::TempDir,
    store: Store,
    sessions: Vec<Session>,
}

fn lab(athletes: &[&str]) -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("lab.db")).unwrap();
    for (i, a) in athletes.iter().enumerate() {
        record(&store, i as u32, a);
    }
    let mut sessions = store.reader().unwrap().sessions().unwrap();
    sessions.reverse();
    Lab {
        _dir: dir,
        store,
        sessions,
    }
}

fn fast(url: &str) -> Config {
    let mut c = Config::new(
        Endpoint::parse(url, false).unwrap(),
        Secret::new(SECRET).unwrap(),
    );
    c.concurrency = 1;
    c.retry = RetryPolicy {
        backoff: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
        ..RetryPolicy::default()
    };
    c.timeouts = Timeouts {
        connect: Duration::from_secs(10),
        read: Duration::from_secs(1),
    };
    c
}

fn run(lab: &Lab, config: Config) -> Report {
    let exporter = Exporter::new(config).unwrap();
    let sources =
        || -> erglink_export::Result<Box<dyn SessionSource>> { Ok(Box::new(lab.store.reader()?)) };
    exporter
        .run(&lab.store, &lab.sessions, &sources, &|_| {})
        .unwrap()
}

fn summary_id(s: &Session) -> String {
    format!("erglink-{}", s.id)
}

fn accepted_ids(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.accepted())
        .flat_map(Request::summary_ids)
        .collect()
}

#[test]
fn a_2xx_lost_before_its_record_is_resent_under_the_same_trace_id() {
    let lab = lab(&["Ada", "Ada", "Bo"]);
    let rx = Receiver::start("127.0.0.1", Some(SECRET), true).unwrap();
    let dest = Endpoint::parse(&rx.url("/hook"), false).unwrap().as_str();
    // The receiver takes the first session; then erglink "dies" before its
    // ledger records the 2xx: the attempt is begun and never recorded.
    let first = lab.sessions[0].id.clone();
    {
        let mut l = lab.store.ledger().unwrap();
        let e = l
            .enqueue(&first, &dest, "dedup-first", erglink_model::UtcNanos(1))
            .unwrap();
        l.begin_attempt(
            std::slice::from_ref(&first),
            &dest,
            &e.dedup_id,
            1_772_000_000_000,
            erglink_model::UtcNanos(2),
        )
        .unwrap();
    }
    let report = run(&lab, fast(&rx.url("/hook")));
    assert_eq!(report.failed(), 0, "{report:#?}");
    let d = &report.deliveries[0];
    assert!(
        d.resumed,
        "the report says the receiver may have it already"
    );
    assert_eq!(
        (d.trace_id.as_str(), d.ordering_ms),
        ("dedup-first", 1_772_000_000_000),
        "same trace id and ordering timestamp as the lost attempt"
    );
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].header("X-Terra-Trace-Id"), Some("dedup-first"));
    assert_eq!(
        reqs[0].header("X-Terra-Ordering-Timestamp"),
        Some("1772000000000")
    );
    let e = lab
        .store
        .ledger()
        .unwrap()
        .entry(&first, &dest)
        .unwrap()
        .unwrap();
    assert_eq!(
        (e.state, e.attempts),
        (ExportState::Delivered, 2),
        "the lost attempt counts"
    );
    assert_eq!(e.sending_since, None);
    // Everything is delivered and recorded: another run sends nothing.
    let again = run(&lab, fast(&rx.url("/hook")));
    assert!(again.deliveries.is_empty());
    assert_eq!(again.skipped.len(), 3);
    assert_eq!(rx.requests().len(), 3);
}

#[test]
fn limits_leave_a_delivery_pending_and_the_next_run_finishes_it() {
    let lab = lab(&["Ada"]);
    let rx = Receiver::start("127.0.0.1", Some(SECRET), true).unwrap();
    rx.set_policy(|h| {
        if h.index <= 3 {
            Reply::status(503)
        } else {
            Reply::status(204)
        }
    });
    let mut config = fast(&rx.url("/hook"));
    config.retry.max_attempts = 2;
    let report = run(&lab, config.clone());
    assert_eq!(report.deliveries[0].outcome, Outcome::Pending);
    assert_eq!(report.deliveries[0].attempts, 2);
    let why = report.first_error().unwrap();
    assert!(
        why.contains("503") && why.contains("stays pending"),
        "{why}"
    );
    let report = run(&lab, config);
    assert_eq!(report.deliveries[0].outcome, Outcome::Delivered);
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 4);
    let traces: HashSet<_> = reqs.iter().map(|r| r.header("x-terra-trace-id")).collect();
    assert_eq!(traces.len(), 1, "one delivery, one trace id, across runs");
    let e = lab
        .store
        .ledger()
        .unwrap()
        .entries(&lab.sessions[0].id)
        .unwrap();
    assert_eq!((e[0].attempts, e[0].last_status), (4, Some(204)));
}

#[test]
fn batches_hold_one_athletes_sessions_and_validate_against_terra() {
    let lab = lab(&["Ada", "Bo", "Ada", "Ada", "Bo"]);
    let rx = Receiver::start("127.0.0.1", Some(SECRET), true).unwrap();
    let mut config = fast(&rx.url("/hook"));
    config.batch = 2;
    config.concurrency = 3;
    let report = run(&lab, config);
    assert_eq!((report.delivered(), report.failed()), (5, 0));
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 3, "Ada 2 + 1, Bo 2");
    let athlete: std::collections::HashMap<String, &str> = lab
        .sessions
        .iter()
        .map(|s| (summary_id(s), s.tags.athlete.as_deref().unwrap()))
        .collect();
    let schema = TerraSchema::strict("ActivityEvent").unwrap();
    for r in &reqs {
        assert!(r.signed);
        let doc = r.json();
        let problems = schema.problems(&doc);
        assert!(problems.is_empty(), "{problems:#?}");
        for id in r.summary_ids() {
            assert_eq!(
                doc["user"]["reference_id"].as_str(),
                athlete.get(&id).copied()
            );
        }
    }
    let mut got = accepted_ids(&reqs);
    got.sort();
    let mut want: Vec<_> = lab.sessions.iter().map(summary_id).collect();
    want.sort();
    assert_eq!(got, want);
    // The same athlete is the same user in every body.
    let ada: HashSet<_> = reqs
        .iter()
        .filter(|r| r.json()["user"]["reference_id"] == "Ada")
        .map(|r| r.json()["user"]["user_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ada.len(), 1);
}

#[test]
fn redirects_are_followed_on_the_same_host_only() {
    let lab = lab(&["Ada", "Bo"]);
    let rx = Receiver::start("127.0.0.1", Some(SECRET), true).unwrap();
    let elsewhere = Receiver::start("127.0.0.2", Some(SECRET), true).unwrap();
    let away = elsewhere.url("/hook");
    rx.set_policy(move |h| match (h.path.as_str(), h.index) {
        ("/hook", 1) => Reply::Status(
            307,
            vec![("Location".into(), "/v2/hook".into())],
            String::new(),
        ),
        ("/hook", _) => Reply::Status(308, vec![("Location".into(), away.clone())], String::new()),
        _ => Reply::status(200),
    });
    let report = run(&lab, fast(&rx.url("/hook")));
    assert_eq!(report.deliveries[0].outcome, Outcome::Delivered);
    assert_eq!(report.deliveries[1].outcome, Outcome::Rejected);
    let why = report.deliveries[1].error.as_deref().unwrap();
    assert!(why.contains("another host"), "{why}");
    let paths: Vec<_> = rx.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/hook", "/v2/hook", "/hook"]);
    assert!(rx.requests().iter().all(|r| r.signed));
    assert!(
        elsewhere.requests().is_empty(),
        "nothing went to the other host"
    );
}

#[test]
fn the_sink_delivers_one_session_per_call() {
    let lab = lab(&["Ada"]);
    let rx = Receiver::start("127.0.0.1", Some(SECRET), true).unwrap();
    let exporter = Exporter::new(fast(&rx.url("/hook"))).unwrap();
    let mut sink = WebhookSink::new(exporter, &lab.store).unwrap();
    assert_eq!(sink.describe(), format!("webhook:{}", rx.url("/hook")));
    let reader = lab.store.reader().unwrap();
    let done = sink.export(&reader, &lab.sessions[0]).unwrap();
    assert_eq!(done.outputs.len(), 1);
    assert!(done.outputs[0].bytes > 1000);
    // Delivered before: nothing is sent.
    let again = sink.export(&reader, &lab.sessions[0]).unwrap();
    assert!(again.outputs.is_empty());
    assert_eq!(rx.requests().len(), 1);
    // A second exporter to the same destination waits its turn.
    let other = Exporter::new(fast(&rx.url("/hook"))).unwrap();
    let err = WebhookSink::new(other, &lab.store).unwrap_err();
    assert!(err.to_string().contains("another erglink"), "{err}");
}
