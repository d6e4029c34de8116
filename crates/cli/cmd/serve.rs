//! `erglink serve`: Terra's REST API over the store, at `/v2`, so that
//! Terra's SDKs work with `base_url="http://ADDR/v2"`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use erglink_serve::live::{LiveConfig, LiveSource};
use erglink_serve::{Config, Credentials, Server};
use erglink_webhook::{Endpoint, Users};

use crate::db::{self, DbArgs};
use crate::error::Failure;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Where to listen; port 0 picks a free port. Without an API key only
    /// a loopback address is allowed.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    access: AccessArgs,
    /// user.provider [default: ERGLINK], as `export --to webhook`.
    #[arg(long, value_name = "NAME")]
    provider: Option<String>,
    /// Where `GET /v2/activity?to_webhook=true` delivers.
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
    /// The environment variable that holds the webhook's signing secret.
    #[arg(
        long,
        value_name = "VAR",
        conflicts_with = "secret_file",
        requires = "webhook"
    )]
    secret_env: Option<String>,
    /// A file that holds the webhook's signing secret.
    #[arg(long, value_name = "PATH", requires = "webhook")]
    secret_file: Option<PathBuf>,
    /// Allow a plain-http webhook on another machine (loopback needs no permission).
    #[arg(long, requires = "webhook")]
    insecure_http: bool,
}

/// Credentials and streaming, shared by `serve` and `record --serve`.
#[derive(Debug, Args)]
pub struct AccessArgs {
    /// The `dev-id` requests must send [default: any, once a key is set].
    #[arg(long, value_name = "ID")]
    pub dev_id: Option<String>,
    /// The environment variable that holds the API key (`x-api-key`).
    #[arg(long, value_name = "VAR", conflicts_with = "api_key_file")]
    pub api_key_env: Option<String>,
    /// A file that holds the API key (one trailing line break is ignored).
    #[arg(long, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
    /// The heartbeat interval streaming clients are told in HELLO, ms
    /// [default: 40000, as Terra's].
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub heartbeat_interval: Option<u64>,
}

impl AccessArgs {
    /// Whether any of them was given.
    pub fn any(&self) -> bool {
        self.dev_id.is_some()
            || self.api_key_env.is_some()
            || self.api_key_file.is_some()
            || self.heartbeat_interval.is_some()
    }

    /// The credentials, with the key read from where the flags say.
    pub fn credentials(&self) -> Result<Credentials, Failure> {
        Ok(Credentials {
            dev_id: self.dev_id.clone(),
            api_key: api_key(self)?,
        })
    }

    /// Streaming's settings.
    pub fn live(&self, source: LiveSource) -> LiveConfig {
        LiveConfig {
            heartbeat_interval_ms: self
                .heartbeat_interval
                .unwrap_or(erglink_serve::live::DEFAULT_HEARTBEAT_MS),
            source,
            ..LiveConfig::default()
        }
    }
}

/// `--listen`/`--serve` as an address; without a key only loopback.
pub fn listen_addr(text: &str, credentials: &Credentials) -> Result<SocketAddr, Failure> {
    let listen: SocketAddr = text.parse().map_err(|_| {
        Failure::bad_input(
            format!("bad listening address `{text}`"),
            "expected HOST:PORT, such as 127.0.0.1:8080",
        )
    })?;
    if !credentials.required() && !listen.ip().is_loopback() {
        return Err(Failure::bad_input(
            format!("refusing to listen on {listen}"),
            "no API key is configured, and anyone on the network could read the store",
        )
        .hint("Listen on 127.0.0.1, or set a key with --api-key-env VAR or --api-key-file PATH"));
    }
    Ok(listen)
}

fn api_key(a: &AccessArgs) -> Result<Option<String>, Failure> {
    let bad = |why: String| {
        Failure::bad_input("cannot read the API key", why)
            .hint("Pass --api-key-env VAR or --api-key-file PATH")
    };
    let raw = match (&a.api_key_env, &a.api_key_file) {
        (Some(var), _) => match std::env::var(var) {
            Ok(v) => v,
            Err(_) => return Err(bad(format!("the variable {var} is not set or not UTF-8"))),
        },
        (None, Some(path)) => {
            std::fs::read_to_string(path).map_err(|e| bad(format!("{}: {e}", path.display())))?
        }
        (None, None) => return Ok(None),
    };
    let key = raw
        .strip_suffix('\n')
        .map(|k| k.strip_suffix('\r').unwrap_or(k))
        .unwrap_or(&raw);
    if key.is_empty() {
        return Err(bad("it is empty".into()));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("an HTTP header carries printable ASCII only".into()));
    }
    Ok(Some(key.to_string()))
}

fn webhook(a: &ServeArgs, users: &Users) -> Result<Option<erglink_webhook::Config>, Failure> {
    let Some(url) = &a.webhook else {
        return Ok(None);
    };
    let what = format!("cannot deliver to `{url}`");
    let endpoint =
        Endpoint::parse(url, a.insecure_http).map_err(|e| Failure::bad_input(&what, e))?;
    let secret = super::export::webhook::signing_secret(
        a.secret_env.as_deref(),
        a.secret_file.as_deref(),
        &what,
    )?;
    let mut c = erglink_webhook::Config::new(endpoint, secret);
    c.users = users.clone();
    Ok(Some(c))
}

pub fn run(a: ServeArgs) -> Result<()> {
    let credentials = a.access.credentials()?;
    let listen = listen_addr(&a.listen, &credentials)?;
    let provider = a
        .provider
        .clone()
        .unwrap_or_else(|| erglink_webhook::DEFAULT_PROVIDER.into());
    if provider.trim().is_empty() {
        return Err(Failure::bad_input("bad --provider", "it is empty").into());
    }
    let users = Users {
        user_id: None,
        provider,
    };
    let webhook = webhook(&a, &users)?;
    let path = a.db.path()?;
    let store = erglink_store::Store::open(&path).map_err(|e| db::failure(&path, e))?;
    let mut config = Config::new(store, listen);
    config.credentials = credentials;
    config.users = users;
    config.webhook = webhook;
    config.live = a.access.live(LiveSource::FollowStore);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let server = Server::bind(config)
            .await
            .map_err(|e| Failure::failed("cannot serve", e))?;
        eprintln!("listening on http://{}", server.local_addr());
        server
            .run(erglink_serve::shutdown_signal())
            .await
            .map_err(|e| Failure::failed("serving stopped", e))?;
        eprintln!("erglink: stopped serving");
        Ok::<_, Failure>(())
    })?;
    Ok(())
}
