//! `GET /v2/activity`: the user's finished sessions in the range, oldest
//! first, normalised one at a time straight into the response body, so a
//! month of sessions with samples is never held at once.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Json, Response};
use erglink_export::normalize_from;
use erglink_model::{Session, SessionId, UtcNanos};
use erglink_normalize::Options;
use erglink_store::{Store, SummaryCache};
use erglink_webhook::User;
use serde_json::json;
use tokio::sync::mpsc;

use crate::problem::{self, Problem};
use crate::query::{self, UserQuery};
use crate::routes::{all_sessions, instance};
use crate::server::App;
use crate::users;

/// Activities in flight between the reading thread and the socket.
const CHANNEL_DEPTH: usize = 2;
/// Sessions read at once for one response, at most.
const MAX_WORKERS: usize = 4;

fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

pub(crate) async fn handler(State(app): State<Arc<App>>, uri: Uri) -> Result<Response, Problem> {
    let bad = |d: String| Problem::new(StatusCode::BAD_REQUEST, &instance(&uri), d);
    let q = query::activity(uri.query().unwrap_or("")).map_err(bad)?;
    if q.to_webhook && app.webhook.is_none() {
        return Err(bad(problem::NO_WEBHOOK.into()));
    }
    let sessions = all_sessions(&app, &uri).await?;
    let user = users::find(&app.users, &sessions, &UserQuery::UserId(q.user_id.clone()))
        .ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                &instance(&uri),
                problem::USER_NOT_FOUND,
            )
        })?;
    let chosen = users::sessions_of(&app.users, &sessions, &user, q.start, q.end, now_s());
    drop(sessions);
    if chosen.is_empty() {
        return Ok(Json(json!({
            "status": "success",
            "type": "no_data",
            "message": "No data available for specified time range",
            "user": user,
        }))
        .into_response());
    }
    if let Some(queue) = app.webhook.as_ref().filter(|_| q.to_webhook) {
        let reference = uuid::Uuid::new_v4().hyphenated().to_string();
        if !queue.push(reference.clone(), chosen) {
            return Err(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                &instance(&uri),
                "the webhook delivery thread has stopped",
            ));
        }
        return Ok(Json(json!({
            "status": "success",
            "type": "activity",
            "reference": reference,
            "trace_id": reference,
            "user": { "user_id": user.user_id, "provider": user.provider },
        }))
        .into_response());
    }
    let options = Options {
        resolution: q.resolution,
        ..Options::default()
    };
    Ok(stream(
        app.store.clone(),
        user,
        chosen,
        options,
        q.with_samples,
    ))
}

/// `{"user":…,"data":[` then each activity as it is made, then the tail.
fn stream(
    store: Store,
    user: User,
    sessions: Vec<Session>,
    options: Options,
    with_samples: bool,
) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHANNEL_DEPTH);
    tokio::task::spawn_blocking(move || {
        let send = |chunk: Vec<u8>| tx.blocking_send(Ok(Bytes::from(chunk))).is_ok();
        let mut head = br#"{"user":"#.to_vec();
        serde_json::to_writer(&mut head, &user).expect("a User always serialises");
        head.extend_from_slice(br#","data":["#);
        if !send(head) {
            return;
        }
        // Several sessions are read at once (each worker on its own
        // connection) and sent in order; each worker holds at most one
        // finished activity waiting, so memory stays bounded.
        // Cached summaries are a row each: one reader, no extra threads.
        let workers = if with_samples {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, MAX_WORKERS)
                .min(sessions.len().max(1))
        } else {
            1
        };
        let finished = std::thread::scope(|scope| {
            let inboxes: Vec<_> = (0..workers)
                .map(|w| {
                    let (out, inbox) = std::sync::mpsc::sync_channel(1);
                    let (store, sessions, options) = (&store, &sessions, &options);
                    scope.spawn(move || {
                        let reader = match store.reader() {
                            Ok(r) => r,
                            Err(e) => {
                                let _ = out.send(Err(erglink_export::Error::from(e)));
                                return;
                            }
                        };
                        let cache = store.summary_cache().ok();
                        for s in sessions.iter().skip(w).step_by(workers) {
                            let a =
                                activity_json(&reader, cache.as_ref(), s, options, with_samples);
                            let failed = a.is_err();
                            if out.send(a).is_err() || failed {
                                return;
                            }
                        }
                    });
                    inbox
                })
                .collect();
            for (i, s) in sessions.iter().enumerate() {
                let activity = match inboxes[i % workers].recv() {
                    Ok(Ok(a)) => a,
                    Ok(Err(e)) => {
                        // The head is sent: all that is left is to cut the body short.
                        tracing::error!("session {}: {e}", s.id);
                        let _ = tx.blocking_send(Err(std::io::Error::other(e)));
                        return false;
                    }
                    Err(_) => {
                        let _ = tx.blocking_send(Err(std::io::Error::other("a reader stopped")));
                        return false;
                    }
                };
                let mut chunk = Vec::with_capacity(activity.len() + 1);
                if i > 0 {
                    chunk.push(b',');
                }
                chunk.extend_from_slice(&activity);
                if !send(chunk) {
                    return false; // the client went away; dropping the inboxes stops the workers
                }
            }
            true
        });
        if !finished {
            return;
        }
        send(br#"],"type":"activity","status":"success"}"#.to_vec());
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let mut r = Body::from_stream(body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// What made a cached activity without samples: this build's normaliser
/// with the default options (the resolution only shapes the samples).
pub fn summary_key() -> String {
    let o = Options::default();
    format!(
        "erglink {} time_base={:?} skierg_type={}",
        env!("CARGO_PKG_VERSION"),
        o.time_base,
        o.skierg_type.code()
    )
}

/// A finished session's activity without samples, made and cached (for
/// the next request, which then reads no sample).
pub(crate) fn summarize(
    reader: &erglink_store::Reader,
    cache: Option<&SummaryCache>,
    id: &SessionId,
    key: &str,
) -> Result<Vec<u8>, erglink_export::Error> {
    let mut n = normalize_from(reader, id, &Options::default())?;
    n.points.clear();
    let json = serde_json::to_vec(&n.to_activity()).expect("Terra wire types always serialise");
    if let Some(cache) = cache {
        // A cache: failing to fill it (a busy database) costs only time.
        if let Err(e) = cache.put(id, key, &json, now()) {
            tracing::debug!("caching session {id}'s summary: {e}");
        }
    }
    Ok(json)
}

/// One session's Terra Activity, serialised; without samples, every
/// sample array is left empty (summaries, laps and device data stay) and
/// it comes from the summary cache when there.
fn activity_json(
    reader: &erglink_store::Reader,
    cache: Option<&SummaryCache>,
    s: &Session,
    options: &Options,
    with_samples: bool,
) -> Result<Vec<u8>, erglink_export::Error> {
    if !with_samples {
        let key = summary_key();
        if let Some(json) = reader.activity_summary(&s.id, &key)? {
            return Ok(json);
        }
        return summarize(reader, cache, &s.id, &key);
    }
    let n = normalize_from(reader, &s.id, options)?;
    Ok(serde_json::to_vec(&n.to_activity()).expect("Terra wire types always serialise"))
}

fn now() -> UtcNanos {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    UtcNanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}
