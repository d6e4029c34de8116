//! The pages a browser opens: `/` (the sessions, filtered), `/sessions/{id}`
//! (a session's report), `/compare?a=ID&b=ID`, and the one charting
//! library they share at `/assets/uplot.js` and `/assets/uplot.css`.
//! Rendered by `erglink-report`; behind HTTP Basic when a key is set (the
//! router's guard).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use erglink_model::{Machine, SessionId};
use erglink_report::{Assets, IndexFilter, SessionData};
use erglink_store::{Error as StoreError, Reader};

use crate::query;
use crate::server::App;

/// Where the pages link uPlot from.
pub const ASSETS_PREFIX: &str = "/assets";

/// Everything a report shows, read whole (a 2 h row is about 15 MB held);
/// `erglink report` reads through it too.
pub fn session_data(r: &Reader, id: &SessionId) -> erglink_store::Result<SessionData> {
    Ok(SessionData {
        session: r.session(id)?,
        samples: r.samples(id)?.collect::<Result<_, _>>()?,
        strokes: r.strokes(id)?.collect::<Result<_, _>>()?,
        force_curves: r.force_curves(id)?.collect::<Result<_, _>>()?,
        splits: r.splits(id)?.collect::<Result<_, _>>()?,
        gaps: r.gaps(id)?.collect::<Result<_, _>>()?,
    })
}

fn text_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>erglink</title></head><body><p id=\"error\">{}</p><p><a href=\"/\">All sessions</a></p></body></html>",
        message
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    );
    (status, Html(body)).into_response()
}

/// Runs a store read off the async threads; store errors become pages.
async fn read<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&Reader) -> erglink_store::Result<T> + Send + 'static,
) -> Result<T, Response> {
    let store = app.store.clone();
    let done = tokio::task::spawn_blocking(move || f(&store.reader()?)).await;
    match done {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e @ (StoreError::NoSuchSession(_) | StoreError::BadSessionId { .. }))) => {
            Err(text_page(StatusCode::NOT_FOUND, &format!("erglink: {e}.")))
        }
        Ok(Err(e @ StoreError::AmbiguousSession { .. })) => {
            Err(text_page(StatusCode::NOT_FOUND, &format!("erglink: {e}.")))
        }
        Ok(Err(e)) => {
            tracing::error!("reading the store for a page: {e}");
            Err(text_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "erglink: cannot read the store.",
            ))
        }
        Err(e) => {
            tracing::error!("reading the store for a page: {e}");
            Err(text_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "erglink: cannot read the store.",
            ))
        }
    }
}

/// `YYYY-MM-DD`, a real day.
fn is_day(s: &str) -> bool {
    s.len() == 10 && s.as_bytes()[4] == b'-' && query::bound(s).is_some()
}

/// The front page's filter from its query; unknown machines filter nothing.
fn filter(q: &str) -> IndexFilter {
    let mut f = IndexFilter::default();
    for (k, v) in query::pairs(q) {
        let v = v.trim().to_string();
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "athlete" => f.athlete = Some(v),
            "machine" => {
                f.machine = [Machine::RowErg, Machine::SkiErg, Machine::BikeErg]
                    .into_iter()
                    .find(|m| m.name().eq_ignore_ascii_case(&v));
            }
            "from" if is_day(&v) => f.from = Some(v),
            "to" if is_day(&v) => f.to = Some(v),
            _ => {}
        }
    }
    f
}

pub(crate) async fn index(State(app): State<Arc<App>>, uri: Uri) -> Response {
    let f = filter(uri.query().unwrap_or(""));
    match read(&app, |r| r.sessions()).await {
        Ok(sessions) => Html(erglink_report::index(&sessions, &f, "")).into_response(),
        Err(page) => page,
    }
}

fn rendered(html: erglink_report::Result<String>) -> Response {
    match html {
        Ok(h) => Html(h).into_response(),
        Err(e) => {
            tracing::error!("rendering a page: {e}");
            text_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "erglink: cannot render the page.",
            )
        }
    }
}

pub(crate) async fn session(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let data = read(&app, move |r| {
        let id = r.resolve(&id)?;
        session_data(r, &id)
    })
    .await;
    match data {
        Ok(d) => rendered(erglink_report::report(
            &d,
            &Assets::Linked(ASSETS_PREFIX.into()),
        )),
        Err(page) => page,
    }
}

pub(crate) async fn compare(State(app): State<Arc<App>>, uri: Uri) -> Response {
    let pairs = query::pairs(uri.query().unwrap_or(""));
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let (Some(a), Some(b)) = (get("a"), get("b")) else {
        return text_page(
            StatusCode::BAD_REQUEST,
            "erglink: compare needs two sessions: /compare?a=ID&b=ID.",
        );
    };
    let both = read(&app, move |r| {
        let a = r.resolve(&a)?;
        let b = r.resolve(&b)?;
        Ok((session_data(r, &a)?, session_data(r, &b)?))
    })
    .await;
    match both {
        Ok((a, b)) => rendered(erglink_report::compare(
            &a,
            &b,
            &Assets::Linked(ASSETS_PREFIX.into()),
        )),
        Err(page) => page,
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn uplot_js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        erglink_report::assets::UPLOT_JS,
    )
}

pub(crate) async fn uplot_css() -> Response {
    asset("text/css; charset=utf-8", erglink_report::assets::UPLOT_CSS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_reads_its_query() {
        let f = filter("athlete=Ada+L&machine=skierg&from=2026-03-01&to=bad&x=1");
        assert_eq!(f.athlete.as_deref(), Some("Ada L"));
        assert_eq!(f.machine, Some(Machine::SkiErg));
        assert_eq!(f.from.as_deref(), Some("2026-03-01"));
        assert_eq!(f.to, None, "not a day");
        assert_eq!(filter("athlete=&machine="), IndexFilter::default());
    }
}
