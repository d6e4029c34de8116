//! `with_samples=false` answers from the store's summary cache, reading no
//! sample; the cache is filled at start for sessions that lack it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use erglink_model::UtcNanos;
use erglink_normalize::fixtures::{Spec, synthesize};
use erglink_serve::{Config, Server, fill_summaries, summary_key};
use erglink_store::Store;

fn get(addr: SocketAddr, target: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn without_samples_reads_the_cache_not_the_samples() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.db")).unwrap();
    let mut syn = synthesize(&Spec::row_2k());
    syn.session.tags.athlete = Some("Ada".into());
    let id = erglink_export::record_synthetic(&store, &syn, 5_000).unwrap();
    // A marker no normaliser makes: if it comes back, no sample was read.
    let marker = br#"{"from_the_cache":true}"#;
    assert!(
        store
            .summary_cache()
            .unwrap()
            .put(&id, &summary_key(), marker, UtcNanos(1))
            .unwrap()
    );
    let ada = erglink_webhook::athlete_user_id(Some("Ada"));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut config = Config::new(store.clone(), "127.0.0.1:0".parse().unwrap());
    config.prefill_summaries = false;
    let server = rt.block_on(Server::bind(config)).unwrap();
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = rt.spawn(server.run(async {
        let _ = stopped.await;
    }));
    let q = format!("/v2/activity?user_id={ada}&start_date=2026-03-01");
    let without = get(addr, &format!("{q}&with_samples=false"));
    // Chunked: one chunk per activity, the marker whole in its own.
    assert!(
        without.contains("\r\n{\"from_the_cache\":true}\r\n"),
        "{without}"
    );
    let with = get(addr, &format!("{q}&with_samples=true"));
    assert!(
        !with.contains("from_the_cache") && with.contains("power_samples"),
        "{with}"
    );
    stop.send(()).unwrap();
    rt.block_on(running).unwrap().unwrap();
}

#[test]
fn the_cache_is_filled_once_for_finished_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.db")).unwrap();
    for seed in [0, 1] {
        let syn = synthesize(&Spec {
            seed,
            ..Spec::row_2k()
        });
        erglink_export::record_synthetic(&store, &syn, 5_000).unwrap();
    }
    assert_eq!(fill_summaries(&store).unwrap(), 2);
    assert_eq!(fill_summaries(&store).unwrap(), 0);
    let r = store.reader().unwrap();
    for s in r.sessions().unwrap() {
        let json = r.activity_summary(&s.id, &summary_key()).unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["metadata"]["summary_id"], format!("erglink-{}", s.id));
        assert!(
            v["power_data"]["power_samples"]
                .as_array()
                .is_none_or(Vec::is_empty)
        );
        let schema = erglink_normalize::schema_check::TerraSchema::strict("Activity").unwrap();
        assert!(schema.problems(&v).is_empty());
    }
}
