//! Binding, serving and shutting down.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::Request;
use erglink_store::Store;
use erglink_webhook::Users;
use tokio::net::TcpListener;

use crate::live::{Hub, LiveConfig, LiveState};
use crate::webhook_queue::WebhookQueue;
use crate::{Credentials, Error, Limits, Result, routes};

/// Everything `erglink serve` is told.
#[derive(Clone, Debug)]
pub struct Config {
    /// The store to read.
    pub store: Store,
    /// Where to listen (port 0: any free port).
    pub listen: SocketAddr,
    /// What requests must present.
    pub credentials: Credentials,
    /// How sessions map to Terra users (as `export --to webhook`).
    pub users: Users,
    /// Where `to_webhook=true` sends, if anywhere.
    pub webhook: Option<erglink_webhook::Config>,
    /// Request limits.
    pub limits: Limits,
    /// Fill the summary cache for older sessions at start (default true).
    pub prefill_summaries: bool,
    /// Streaming at `/connect` and the page `/live`.
    pub live: LiveConfig,
}

impl Config {
    /// Loopback-only defaults: no key, no webhook.
    pub fn new(store: Store, listen: SocketAddr) -> Self {
        Self {
            store,
            listen,
            credentials: Credentials::default(),
            users: Users::default(),
            webhook: None,
            limits: Limits::default(),
            prefill_summaries: true,
            live: LiveConfig::default(),
        }
    }
}

/// What every request handler shares.
#[derive(Debug)]
pub(crate) struct App {
    pub store: Store,
    pub credentials: Credentials,
    pub users: Users,
    pub webhook: Option<WebhookQueue>,
    pub limits: Limits,
    pub live: Arc<LiveState>,
}

/// A bound server, not yet answering.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
}

impl Server {
    /// Checks the configuration and binds. Without an API key only a
    /// loopback address is accepted.
    pub async fn bind(config: Config) -> Result<Self> {
        if !config.credentials.required() && !config.listen.ip().is_loopback() {
            return Err(Error::OpenWithoutKey(config.listen));
        }
        let webhook = config
            .webhook
            .map(|w| WebhookQueue::start(config.store.clone(), w))
            .transpose()?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: config.listen,
                source,
            })?;
        if config.prefill_summaries {
            crate::prefill::spawn(config.store.clone());
        }
        let live = LiveState::start(
            config.live,
            config.credentials.clone(),
            config.users.clone(),
            &config.store,
        );
        let app = Arc::new(App {
            store: config.store,
            credentials: config.credentials,
            users: config.users,
            webhook,
            limits: config.limits,
            live,
        });
        Ok(Self { listener, app })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Streams the recorder's live events (`record --serve`) until the
    /// channel closes.
    pub fn live_events(&self, rx: tokio::sync::mpsc::Receiver<erglink_model::LiveEvent>) {
        self.app.live.feed(rx);
    }

    /// The streaming hub: its counters and latency percentiles.
    pub fn hub(&self) -> Arc<Hub> {
        self.app.live.hub.clone()
    }

    /// Answers until `shutdown` completes, then closes the streaming
    /// sockets (1000) and finishes the requests in flight.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let hub = self.app.live.hub.clone();
        let closed = hub.clone();
        let live = self.app.live.clone();
        let service = routes::service(self.app);
        axum::serve(
            self.listener,
            axum::ServiceExt::<Request>::into_make_service(service),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Consumers get every event the recorder published before it stopped.
            live.fed(std::time::Duration::from_secs(2)).await;
            closed.close_all();
        })
        .await?;
        // Upgraded sockets outlive the server's connections: give their
        // close frames a moment to leave.
        for _ in 0..40 {
            if hub.stats().consumers == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Ok(())
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
