//! The harness against a real Chromium: a page served on 127.0.0.1 that
//! logs an error, throws, and asks for a script from another host.

use std::io::{Read, Write};
use std::net::TcpListener;

use erglink_browser_test::Browser;

const PAGE: &str = r#"<!doctype html><html><head><link rel="icon" href="data:,">
<script src="https://cdn.example.org/lib.js"></script></head>
<body><div id="ready" data-points="3">ok</div>
<script>console.error("harness: deliberate error"); setTimeout(() => { throw new Error("harness: deliberate throw"); }, 0);</script>
</body></html>"#;

/// Serves PAGE to every connection until the test ends (a thread per test).
fn serve_page() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{PAGE}",
                PAGE.len()
            );
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_harness_sees_errors_foreign_requests_and_the_dom() {
    let Some(browser) =
        Browser::launch_or_skip("the_harness_sees_errors_foreign_requests_and_the_dom")
            .await
            .unwrap()
    else {
        return;
    };
    let port = serve_page();
    let url = format!("http://127.0.0.1:{port}/");
    browser.open(&url).await.unwrap();
    let ready = browser.wait_for("#ready").await.unwrap();
    assert_eq!(
        ready.attr("data-points").await.unwrap().as_deref(),
        Some("3")
    );
    let answer = browser.run_js("return 6 * 7;").await.unwrap();
    assert_eq!(answer, serde_json::json!(42));

    let errors = browser.console_errors().await.unwrap();
    let text: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
    assert!(
        text.iter().any(|m| m.contains("deliberate error")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|m| m.contains("deliberate throw")),
        "{text:?}"
    );

    let requests = browser.requests().await.unwrap();
    assert!(requests.iter().any(|r| r.url == url), "{requests:?}");
    let foreign = browser.foreign_requests().await.unwrap();
    assert_eq!(foreign.len(), 1, "{foreign:?}");
    assert_eq!(foreign[0].url, "https://cdn.example.org/lib.js");

    let shot = browser.screenshot("browser-test-harness").await.unwrap();
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{}", shot.display());
    browser.quit().await.unwrap();
}
