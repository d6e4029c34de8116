//! The page `/live` and what it reads beside the socket. Its script, style
//! and charting library are built into the binary: nothing is fetched from
//! the network.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::middleware;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::json;

use crate::server::App;

const PAGE: &str = include_str!("assets/live.html");
const SCRIPT: &str = include_str!("assets/live.js");
const STYLE: &str = include_str!("assets/live.css");

pub(crate) fn routes(app: Arc<App>) -> Router<Arc<App>> {
    Router::new()
        .route(
            "/live",
            get(|| async { asset("text/html; charset=utf-8", PAGE) }),
        )
        .route(
            "/live/live.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/live/live.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
        .route(
            "/live/uplot.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    erglink_report::assets::UPLOT_JS,
                )
            }),
        )
        .route(
            "/live/uplot.css",
            get(|| async { asset("text/css; charset=utf-8", erglink_report::assets::UPLOT_CSS) }),
        )
        .route("/live/now", get(now))
        .route("/live/stats", get(stats))
        .route_layer(middleware::from_fn_with_state(
            app.credentials.clone(),
            crate::auth::basic::require_basic,
        ))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The sessions recording now, and the last `seq`: the page starts from
/// here, then follows the socket.
async fn now(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let (sessions, seq) = app.live.hub.now();
    Json(json!({ "sessions": sessions, "seq": seq }))
}

async fn stats(State(app): State<Arc<App>>) -> Json<super::HubStats> {
    Json(app.live.hub.stats())
}
