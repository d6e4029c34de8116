//! Live: Terra's streaming protocol at `/connect`, its token endpoint, and
//! the page `/live`, fed by the recorder in this process (`record --serve`)
//! or by following the store (`erglink serve`).
//!
//! - `POST /auth/developer` (and `/v2/auth/developer`): a single-use token
//!   for IDENTIFY, for the REST API's credentials (`dev-id` and
//!   `x-api-key`, or HTTP Basic `dev-id:key`). 400 without credentials,
//!   403 with wrong ones, as `rt-bundled.yaml` has it.
//! - `GET /connect`: the socket (no credentials on the upgrade: they come in
//!   IDENTIFY).
//! - `GET /live`: one tile per monitor recording now; `/live/now` (the
//!   sessions recording now, JSON) and `/live/stats` (the hub's counters,
//!   queues, latency percentiles and RSS, JSON) beside it.

mod follow;
pub mod frames;
pub mod hub;
mod page;
pub mod socket;
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use erglink_model::LiveEvent;
use erglink_store::Store;
use erglink_webhook::Users;
use serde_json::json;
use tokio::sync::mpsc;

use crate::Credentials;
use crate::server::App;
pub use follow::FOLLOW_EVERY;
pub use frames::Framer;
pub use hub::{Hub, HubConfig, HubStats};
pub use tokens::Tokens;

/// Terra's heartbeat interval, ms.
pub const DEFAULT_HEARTBEAT_MS: u64 = 40_000;
/// Terra's identify timeout.
pub const IDENTIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// Where live events come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveSource {
    /// From the recorder in this process, through [`crate::Server::live_events`].
    Recorder,
    /// By following the store for sessions still recording (`erglink serve`).
    FollowStore,
}

/// How streaming behaves.
#[derive(Clone, Copy, Debug)]
pub struct LiveConfig {
    /// HELLO's `heartbeat_interval`, ms.
    pub heartbeat_interval_ms: u64,
    /// IDENTIFY must come within this.
    pub identify_timeout: Duration,
    /// The hub's limits.
    pub hub: HubConfig,
    /// Where events come from.
    pub source: LiveSource,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            heartbeat_interval_ms: DEFAULT_HEARTBEAT_MS,
            identify_timeout: IDENTIFY_TIMEOUT,
            hub: HubConfig::default(),
            source: LiveSource::FollowStore,
        }
    }
}

/// What the live routes share.
#[derive(Debug)]
pub(crate) struct LiveState {
    pub hub: Arc<Hub>,
    pub tokens: Tokens,
    pub credentials: Credentials,
    pub config: LiveConfig,
    pub users: Users,
    /// The task numbering the recorder's events: at shutdown the sockets
    /// close only once it has numbered the last of them.
    pub feeding: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl LiveState {
    pub fn start(
        config: LiveConfig,
        credentials: Credentials,
        users: Users,
        store: &Store,
    ) -> Arc<Self> {
        let state = Arc::new(Self {
            hub: Hub::new(config.hub),
            tokens: Tokens::default(),
            credentials,
            config,
            users,
            feeding: std::sync::Mutex::new(None),
        });
        if config.source == LiveSource::FollowStore {
            follow::spawn(store.clone(), state.hub.clone(), state.users.clone());
        }
        state
    }

    /// Feeds the hub from `rx` until it closes.
    pub fn feed(&self, mut rx: mpsc::Receiver<LiveEvent>) {
        let hub = self.hub.clone();
        let mut framer = Framer::new(self.users.clone());
        let task = tokio::spawn(async move {
            while let Some(e) = rx.recv().await {
                for o in framer.frames(&e) {
                    hub.publish(o);
                }
            }
        });
        *self.feeding.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
    }

    /// Waits, up to `limit`, for the recorder's last events to be numbered
    /// (its channel closes when the recorder is done).
    pub async fn fed(&self, limit: Duration) {
        let task = self
            .feeding
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(task) = task {
            let _ = tokio::time::timeout(limit, task).await;
        }
    }
}

/// The live routes; `/connect` and `/auth/developer` check credentials
/// their own way; the pages ask for HTTP Basic (`auth::basic`).
pub(crate) fn routes(app: Arc<App>) -> Router<Arc<App>> {
    Router::new()
        .route("/connect", get(connect))
        .route("/auth/developer", post(developer_token))
        .route("/v2/auth/developer", post(developer_token))
        .merge(page::routes(app))
}

async fn connect(State(app): State<Arc<App>>, ws: WebSocketUpgrade) -> Response {
    let state = app.live.clone();
    ws.max_message_size(64 << 10)
        .max_write_buffer_size(1 << 20)
        .on_upgrade(move |socket| socket::run(socket, state))
}

/// Whether `headers` carry the credentials: none asked when no key is
/// set; else `dev-id` and `x-api-key`, or HTTP Basic. `Err` tells missing
/// (400 on the token endpoint) from wrong (403).
pub(crate) fn credentials_given(c: &Credentials, headers: &HeaderMap) -> Result<(), StatusCode> {
    if !c.required() {
        return Ok(());
    }
    if headers.contains_key("x-api-key") {
        return if c.admits(headers) {
            Ok(())
        } else {
            Err(StatusCode::FORBIDDEN)
        };
    }
    if !headers.contains_key("authorization") {
        return Err(StatusCode::BAD_REQUEST);
    }
    if c.admits_basic(headers) {
        Ok(())
    } else {
        Err(StatusCode::FORBIDDEN)
    }
}

async fn developer_token(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let state = &app.live;
    match credentials_given(&state.credentials, &headers) {
        Ok(()) => Json(json!({ "token": state.tokens.issue() })).into_response(),
        Err(StatusCode::BAD_REQUEST) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"status": "error", "message": "dev-id or x-api-key headers are missing"})),
        )
            .into_response(),
        Err(code) => (
            code,
            Json(json!({"status": "error", "message": "invalid developer credentials"})),
        )
            .into_response(),
    }
}
