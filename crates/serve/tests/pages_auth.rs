//! With an API key, pages take HTTP Basic (user = dev id, password = key)
//! and the API keeps Terra's `dev-id`/`x-api-key` headers; neither opens
//! the other.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use erglink_serve::auth::basic::encode_base64;
use erglink_serve::{Config, Credentials, Server};
use erglink_store::Store;

fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn status(answer: &str) -> u16 {
    answer[9..12].parse().unwrap()
}

#[test]
fn pages_take_basic_and_the_api_keeps_its_headers() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("t.db")).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut config = Config::new(store, "127.0.0.1:0".parse().unwrap());
    config.prefill_summaries = false;
    config.credentials = Credentials {
        dev_id: Some("lab".into()),
        api_key: Some("s3cret".into()),
    };
    let server = rt.block_on(Server::bind(config)).unwrap();
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = rt.spawn(server.run(async {
        let _ = stopped.await;
    }));

    let good = format!("Basic {}", encode_base64(b"lab:s3cret"));
    let wrong = format!("Basic {}", encode_base64(b"lab:s3cre"));
    let terra = [("dev-id", "lab"), ("x-api-key", "s3cret")];

    let bare = get(addr, "/no-such-page", &[]);
    assert_eq!(status(&bare), 401, "{bare}");
    assert!(
        bare.to_ascii_lowercase()
            .contains("www-authenticate: basic realm=\"erglink\""),
        "{bare}"
    );
    assert_eq!(
        status(&get(addr, "/no-such-page", &[("authorization", &wrong)])),
        401
    );
    assert_eq!(
        status(&get(addr, "/no-such-page", &terra)),
        401,
        "Terra's headers open no page"
    );
    assert_eq!(
        status(&get(addr, "/no-such-page", &[("authorization", &good)])),
        404
    );

    let api = "/v2/subscriptions";
    assert_eq!(
        status(&get(addr, api, &[("authorization", &good)])),
        401,
        "Basic opens no API"
    );
    assert_eq!(status(&get(addr, api, &terra)), 200);

    stop.send(()).unwrap();
    rt.block_on(running).unwrap().unwrap();
}
