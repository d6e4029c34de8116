//! The page `/live` in headless Chromium (issue 17), against `record
//! --serve` with 4 simulated monitors at `pacing=realtime`: 4 tiles, their
//! figures changing, each drawing its last force curve, and a tile gone
//! once its session ends. Behind HTTP Basic, nothing fetched from elsewhere.
//!
//! Waits are counted attempts, as the browser harness's own.
//! `ERGLINK_UPDATE_SCREENSHOT=1` copies the screenshot to docs/live.png.

mod live_common;

use std::time::Duration;

use erglink_browser_test::Browser;
use erglink_store::Store;
use live_common::{DEV_ID, KEY, Recording, basic};
use serde_json::Value;

/// Polls of the page, 100 ms apart (the sessions last tens of seconds).
const POLLS: u32 = 1200;

const TILES: &str = "return [...document.querySelectorAll('.tile')].map(t => ({
    session: t.dataset.session,
    serial: t.dataset.serial,
    curve: Number(t.dataset.curvePoints || 0),
    trace: Number(t.dataset.tracePoints || 0),
    canvases: t.querySelectorAll('canvas').length,
    figures: [...t.querySelectorAll('.metric .v')].map(v => v.textContent).join(' '),
  }));";

async fn tiles(b: &Browser) -> Vec<Value> {
    b.run_js(TILES).await.unwrap().as_array().unwrap().clone()
}

/// Polls the tiles until `done` says so; the tiles then.
async fn until(b: &Browser, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..POLLS {
        let t = tiles(b).await;
        if done(&t) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let errors = b.console_errors().await.unwrap_or_default();
    panic!(
        "the page never showed {what}: {:?}; console: {errors:?}",
        tiles(b).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue17_the_live_page_shows_every_monitor_recording() {
    let Some(browser) =
        Browser::launch_or_skip("issue17_the_live_page_shows_every_monitor_recording")
            .await
            .unwrap()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("erglink.db");
    // Three rows of 200 m and one of 100 m, which ends first.
    let devices: Vec<String> = (1..=4)
        .map(|i| {
            let metres = if i == 4 { 100 } else { 200 };
            format!(
                "sim:pm5?workout={metres}m&pace=1:5{i}&spm={}&seed={i}&pacing=realtime&start=2",
                25 + i
            )
        })
        .collect();
    let rec = Recording::start(&db, &devices, &["--station", "A"]);
    browser
        .set_extra_headers(&[("Authorization", &basic(DEV_ID, KEY))])
        .await
        .unwrap();
    browser.set_window_size(1720, 660).await.unwrap();
    browser
        .open(&format!("http://{}/live", rec.addr))
        .await
        .unwrap();

    let four = until(&browser, "4 tiles with a force curve", |t| {
        t.len() == 4 && t.iter().all(|x| x["curve"].as_u64() > Some(0))
    })
    .await;
    assert!(
        four.iter().all(|t| t["canvases"].as_u64() >= Some(2)),
        "{four:?}"
    );
    let before: Vec<Value> = four.iter().map(|t| t["figures"].clone()).collect();
    let changed = until(&browser, "figures changing", |t| {
        t.len() == 4 && t.iter().zip(&before).all(|(x, b)| x["figures"] != *b)
    })
    .await;
    // A network blip: the page reconnects by itself (and REPLAYs any gap
    // in `seq`; the Python consumer checks REPLAY itself).
    browser
        .run_js("window.erglinkLive.socket.close(); return 0;")
        .await
        .unwrap();
    let mut back = Value::Null;
    for _ in 0..POLLS {
        back = browser
            .run_js(
                "return [window.erglinkLive.connects, document.getElementById('status').dataset.state];",
            )
            .await
            .unwrap();
        if back[0].as_u64() >= Some(2) && back[1] == "live" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        back[0].as_u64() >= Some(2) && back[1] == "live",
        "not back: {back}"
    );
    let with_trace = until(&browser, "pace traces", |t| {
        t.len() == 4 && t.iter().all(|x| x["trace"].as_u64() >= Some(15))
    })
    .await;
    let shot = browser.screenshot("live").await.unwrap();
    if std::env::var_os("ERGLINK_UPDATE_SCREENSHOT").is_some() {
        std::fs::copy(&shot, concat!(env!("CARGO_MANIFEST_DIR"), "/docs/live.png")).unwrap();
    }
    let three = until(&browser, "a tile gone after its session ended", |t| {
        t.len() == 3
    })
    .await;
    let gone: Vec<&Value> = with_trace
        .iter()
        .filter(|t| !three.iter().any(|x| x["session"] == t["session"]))
        .collect();
    assert_eq!(gone.len(), 1);

    assert!(
        browser.console_errors().await.unwrap().is_empty(),
        "{:?}",
        browser.console_errors().await.unwrap()
    );
    assert!(browser.foreign_requests().await.unwrap().is_empty());
    browser.quit().await.unwrap();
    let summary = rec.finish();

    // The tile that went is the 100 m row.
    let store = Store::open(&db).unwrap();
    let reader = store.reader().unwrap();
    let id = reader
        .resolve(gone[0]["session"].as_str().unwrap())
        .unwrap();
    let s = reader.session(&id).unwrap();
    assert!(s.counts.last_distance_dm.unwrap() < 1100, "{s:?}");
    assert_eq!(summary["sessions"].as_array().unwrap().len(), 4);
    assert!(changed.len() == 4);
}
