//! The router: Terra's three routes at `/v2`, behind the credential check
//! and the size limits, with doubled slashes collapsed before routing.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use erglink_model::Session;
use serde_json::json;
use tower::Service;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::problem::{self, Problem};
use crate::query::{self, UserQuery};
use crate::server::App;
use crate::{activity, auth, limits, pages, users};

/// The whole service, ready for `axum::serve`.
pub(crate) fn service(
    app: Arc<App>,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + 'static
{
    let limits = app.limits;
    let router = Router::new()
        .route("/v2/activity", get(activity::handler))
        .route("/v2/userInfo", get(user_info))
        .route("/v2/subscriptions", get(subscriptions))
        .route("/", get(pages::index))
        .route("/sessions/{id}", get(pages::session))
        .route("/compare", get(pages::compare))
        .route("/assets/uplot.js", get(pages::uplot_js))
        .route("/assets/uplot.css", get(pages::uplot_css))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .merge(crate::live::routes(app.clone()))
        .layer(RequestBodyLimitLayer::new(limits.max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.timeout,
        ))
        .with_state(app);
    tower::ServiceExt::map_request(router, |mut req: Request| {
        if let Some(path) = limits::collapse_slashes(req.uri().path()) {
            let with_query = match req.uri().query() {
                Some(q) => format!("{path}?{q}"),
                None => path,
            };
            if let Ok(uri) = with_query.parse::<Uri>() {
                *req.uri_mut() = uri;
            }
        }
        req
    })
}

/// Terra's `instance`: the path after the API's base, with the query.
pub(crate) fn instance(uri: &Uri) -> String {
    let path = uri.path();
    let path = path
        .strip_prefix("/v2")
        .filter(|p| p.starts_with('/'))
        .unwrap_or(path);
    match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    }
}

/// Size limits first, then the credentials (Terra's headers for `/v2`,
/// HTTP Basic for the pages); neither is ever logged.
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let limits = app.limits;
    let uri = req.uri();
    if uri.query().map_or(0, str::len) > limits.max_query {
        // The query itself is left out of the answer: it is what is too big.
        let p = Problem::new(
            StatusCode::URI_TOO_LONG,
            uri.path(),
            "query string too long",
        );
        return p.into_response();
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if header_bytes > limits.max_headers {
        return Problem::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            &instance(uri),
            "request headers too large",
        )
        .into_response();
    }
    if is_api(uri.path()) {
        if !app.credentials.admits(req.headers()) {
            return Problem::new(
                StatusCode::UNAUTHORIZED,
                &instance(uri),
                problem::UNAUTHORIZED,
            )
            .into_response();
        }
    } else if !app.credentials.admits_basic(req.headers()) {
        // Everything outside the API is a page for a browser (or its assets).
        return auth::basic::challenge();
    }
    next.run(req).await
}

/// Terra's API, which keeps Terra's headers; the rest are pages.
fn is_api(path: &str) -> bool {
    path == "/v2" || path.starts_with("/v2/")
}

impl axum::extract::FromRef<Arc<App>> for crate::Credentials {
    fn from_ref(app: &Arc<App>) -> Self {
        app.credentials.clone()
    }
}

async fn not_found(uri: Uri) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, &instance(&uri), "not found")
}

/// Every session's metadata, read off the async threads.
pub(crate) async fn all_sessions(app: &Arc<App>, uri: &Uri) -> Result<Vec<Session>, Problem> {
    let store = app.store.clone();
    let read = tokio::task::spawn_blocking(move || store.reader()?.sessions()).await;
    match read {
        Ok(Ok(sessions)) => Ok(sessions),
        Ok(Err(e)) => {
            tracing::error!("reading the sessions: {e}");
            Err(internal(uri))
        }
        Err(e) => {
            tracing::error!("reading the sessions: {e}");
            Err(internal(uri))
        }
    }
}

pub(crate) fn internal(uri: &Uri) -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        &instance(uri),
        "cannot read the store",
    )
}

async fn user_info(State(app): State<Arc<App>>, uri: Uri) -> Result<Response, Problem> {
    let q = query::user(uri.query().unwrap_or(""))
        .map_err(|d| Problem::new(StatusCode::BAD_REQUEST, &instance(&uri), d))?;
    let sessions = all_sessions(&app, &uri).await?;
    let user = users::find(&app.users, &sessions, &q).ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            &instance(&uri),
            problem::USER_NOT_FOUND,
        )
    })?;
    Ok(match q {
        UserQuery::UserId(_) => Json(json!({
            "user": user,
            "status": "success",
            "is_authenticated": true,
        }))
        .into_response(),
        // Terra answers a reference id with every connection under it: one here.
        UserQuery::ReferenceId(_) => Json(json!([user])).into_response(),
    })
}

async fn subscriptions(State(app): State<Arc<App>>, uri: Uri) -> Result<Response, Problem> {
    let q = query::page(uri.query().unwrap_or(""))
        .map_err(|d| Problem::new(StatusCode::BAD_REQUEST, &instance(&uri), d))?;
    let sessions = all_sessions(&app, &uri).await?;
    let all = users::all(&app.users, &sessions);
    let Some(page) = q.page else {
        return Ok(Json(json!({ "users": all })).into_response());
    };
    let max_page = all.len().saturating_sub(1) / q.per_page;
    let results: Vec<_> = all
        .iter()
        .skip(page.saturating_mul(q.per_page))
        .take(q.per_page)
        .collect();
    let next = (page < max_page).then_some(page + 1);
    Ok(Json(json!({
        "data": { "next": next, "max_page": max_page, "results": results }
    }))
    .into_response())
}
