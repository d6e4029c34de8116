//! `erglink export --to webhook:URL`: sessions posted as Terra posts
//! them, signed, retried, and recorded in the store's export ledger so
//! that a rerun sends only what is not delivered yet.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use erglink_export::SessionSource;
use erglink_webhook::{
    Config, DeliveryReport, Endpoint, Error, Event, Exporter, Report, RetryPolicy, Secret,
    SkipReason, Timeouts, Users,
};
use serde_json::json;

use super::{ExportArgs, normalize_options, progress, select, size};
use crate::db;
use crate::error::Failure;
use crate::output::{emit, emit_json};

#[derive(Debug, Args)]
#[command(next_help_heading = "Webhook")]
pub struct WebhookArgs {
    /// The environment variable that holds the signing secret (never the
    /// secret itself on the command line).
    #[arg(long, value_name = "VAR", conflicts_with = "secret_file")]
    secret_env: Option<String>,
    /// A file that holds the signing secret (one trailing line break is ignored).
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
    /// user.user_id for every session [default: a UUID derived from each athlete tag].
    #[arg(long, value_name = "UUID")]
    user_id: Option<String>,
    /// user.provider [default: ERGLINK].
    #[arg(long, value_name = "NAME")]
    provider: Option<String>,
    /// Sessions per request, at most (one athlete per request) [default: 1].
    #[arg(long, value_name = "N")]
    batch: Option<usize>,
    /// Requests in flight at once [default: 4] (PostgreSQL: sessions, each
    /// on its own connection [default: 2]).
    #[arg(long, value_name = "N")]
    pub(super) concurrency: Option<usize>,
    /// Allow plain http to another machine (loopback needs no permission).
    #[arg(long)]
    insecure_http: bool,
    /// Send the sessions again even if delivered or refused before, as new
    /// deliveries (PostgreSQL: their rows replaced, in one transaction each).
    #[arg(long)]
    pub(super) resend: bool,
    /// Attempts per delivery in this run [default: 8].
    #[arg(long, value_name = "N")]
    max_attempts: Option<u32>,
    /// No new attempt of a delivery this long after its first [default: 10m].
    #[arg(long, value_name = "DURATION")]
    max_time: Option<String>,
    /// Connect timeout (webhooks and PostgreSQL) [default: 10s].
    #[arg(long, value_name = "DURATION")]
    pub(super) connect_timeout: Option<String>,
    /// Read timeout: for sending the body and for the answer [default: 30s].
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,
    /// The first wait between attempts, doubling [default: 1s]. For tests.
    #[arg(long, value_name = "DURATION", hide = true)]
    pub(super) backoff: Option<String>,
    /// The longest wait that doubling reaches [default: 60s]. For tests.
    #[arg(long, value_name = "DURATION", hide = true)]
    pub(super) backoff_cap: Option<String>,
}

impl WebhookArgs {
    fn given(&self) -> Option<&'static str> {
        [
            (self.secret_env.is_some(), "--secret-env"),
            (self.secret_file.is_some(), "--secret-file"),
            (self.user_id.is_some(), "--user-id"),
            (self.provider.is_some(), "--provider"),
            (self.batch.is_some(), "--batch"),
            (self.concurrency.is_some(), "--concurrency"),
            (self.insecure_http, "--insecure-http"),
            (self.resend, "--resend"),
            (self.max_attempts.is_some(), "--max-attempts"),
            (self.max_time.is_some(), "--max-time"),
            (self.connect_timeout.is_some(), "--connect-timeout"),
            (self.timeout.is_some(), "--timeout"),
            (self.backoff.is_some(), "--backoff"),
            (self.backoff_cap.is_some(), "--backoff-cap"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }

    /// The first option given that only a webhook takes.
    pub(super) fn webhook_only(&self) -> Option<&'static str> {
        [
            (self.secret_env.is_some(), "--secret-env"),
            (self.secret_file.is_some(), "--secret-file"),
            (self.user_id.is_some(), "--user-id"),
            (self.provider.is_some(), "--provider"),
            (self.batch.is_some(), "--batch"),
            (self.insecure_http, "--insecure-http"),
            (self.max_attempts.is_some(), "--max-attempts"),
            (self.max_time.is_some(), "--max-time"),
            (self.timeout.is_some(), "--timeout"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }

    /// Webhook options make no sense for files: say so rather than ignore them.
    pub fn refuse_for_files(&self) -> Result<(), Failure> {
        match self.given() {
            Some(flag) => Err(Failure::bad_input(
                format!("{flag} does not apply"),
                "it is for --to webhook:URL",
            )),
            None => Ok(()),
        }
    }
}

/// `250ms`, `5s`, `10m`, `2h`, or plain seconds.
pub(super) fn duration(
    flag: &str,
    text: Option<&str>,
    default: Duration,
) -> Result<Duration, Failure> {
    let Some(text) = text else {
        return Ok(default);
    };
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale = match unit {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => f64::NAN,
    };
    // try_from: a duration too long for Duration is bad input, not a panic.
    match num
        .parse::<f64>()
        .map(|n| Duration::try_from_secs_f64(n * scale))
    {
        Ok(Ok(d)) => Ok(d),
        _ => Err(Failure::bad_input(
            format!("bad {flag} `{text}`"),
            "expected a duration such as 500ms, 30s, 10m or 2h",
        )),
    }
}

fn config(a: &ExportArgs, url: &str) -> Result<Config, Failure> {
    let w = &a.webhook;
    let what = format!("cannot export to `webhook:{url}`");
    a.postgres.refuse_for("--to webhook:URL")?;
    super::refuse_file_options(a, "a webhook gets Terra JSON")?;
    let endpoint = Endpoint::parse(url, w.insecure_http).map_err(|e| match e {
        Error::Insecure(_) => Failure::bad_input(&what, e)
            .hint("Use https, or pass --insecure-http if the network is yours"),
        e => Failure::bad_input(&what, e),
    })?;
    let secret = signing_secret(w.secret_env.as_deref(), w.secret_file.as_deref(), &what)?;
    let user_id = w
        .user_id
        .as_deref()
        .map(|u| {
            u.parse::<erglink_webhook::Uuid>()
                .map_err(|_| Failure::bad_input(format!("bad --user-id `{u}`"), "it is not a UUID"))
        })
        .transpose()?;
    let provider = w
        .provider
        .clone()
        .unwrap_or_else(|| erglink_webhook::DEFAULT_PROVIDER.into());
    if provider.trim().is_empty() {
        return Err(Failure::bad_input("bad --provider", "it is empty"));
    }
    let defaults = RetryPolicy::default();
    let times = Timeouts::default();
    let mut c = Config::new(endpoint, secret);
    c.users = Users { user_id, provider };
    c.batch = w.batch.unwrap_or(1);
    c.concurrency = w.concurrency.unwrap_or(4);
    c.normalize = normalize_options(a)?;
    c.resend = w.resend;
    c.retry = RetryPolicy {
        max_attempts: w.max_attempts.unwrap_or(defaults.max_attempts),
        max_time: duration("--max-time", w.max_time.as_deref(), defaults.max_time)?,
        backoff: duration("--backoff", w.backoff.as_deref(), defaults.backoff)?,
        backoff_cap: duration(
            "--backoff-cap",
            w.backoff_cap.as_deref(),
            defaults.backoff_cap,
        )?,
    };
    c.timeouts = Timeouts {
        connect: duration(
            "--connect-timeout",
            w.connect_timeout.as_deref(),
            times.connect,
        )?,
        read: duration("--timeout", w.timeout.as_deref(), times.read)?,
    };
    Ok(c)
}

pub fn run(a: &ExportArgs, url: &str) -> Result<()> {
    let config = config(a, url)?;
    let exporter =
        Exporter::new(config).map_err(|e| Failure::bad_input("cannot export to a webhook", e))?;
    let (path, store, sessions) = select(a)?;
    let fail = |e| db::failure(&path, e);
    let report = match &store {
        None => Report {
            destination: exporter.destination().to_string(),
            dry_run: a.dry_run,
            deliveries: Vec::new(),
            skipped: Vec::new(),
        },
        Some(store) if a.dry_run => {
            let ledger = store.ledger().map_err(fail)?;
            exporter
                .dry_run(&ledger, &sessions)
                .map_err(|e| webhook_failure(&path, e))?
        }
        Some(store) => {
            let bar = progress(sessions.len(), a.json);
            let sources = || -> erglink_export::Result<Box<dyn SessionSource>> {
                Ok(Box::new(store.reader()?))
            };
            let on_event = |e: &Event<'_>| match e {
                Event::Finished(d) => bar.inc(d.sessions.len() as u64),
                Event::Retrying {
                    attempt,
                    error,
                    wait,
                    ..
                } => bar.set_message(format!(
                    "attempt {attempt} failed ({error}); again in {wait:.1?}"
                )),
            };
            let report = exporter
                .run(store, &sessions, &sources, &on_event)
                .map_err(|e| webhook_failure(&path, e))?;
            bar.finish_and_clear();
            report
        }
    };
    print(a, &report);
    let failed = report.failed();
    if failed > 0 {
        let total = report
            .deliveries
            .iter()
            .map(|d| d.sessions.len())
            .sum::<usize>()
            + report.skipped.len();
        return Err(Failure::failed(
            "some deliveries failed",
            format!(
                "{failed} of {total} sessions are not delivered ({})",
                report.first_error().unwrap_or_default()
            ),
        )
        .hint("Run the same command again to retry; delivered sessions are not sent twice")
        .into());
    }
    Ok(())
}

fn webhook_failure(path: &std::path::Path, e: Error) -> Failure {
    match e {
        Error::Store(e @ erglink_store::Error::DestinationBusy { .. }) => {
            Failure::failed("cannot export", e).hint("Wait for the other export to finish")
        }
        Error::Store(e) => db::failure(path, e),
        e => Failure::failed("cannot export", e),
    }
}

fn delivery_json(d: &DeliveryReport) -> serde_json::Value {
    json!({
        "trace_id": d.trace_id,
        "ordering_ms": d.ordering_ms,
        "sessions": d.sessions.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "outcome": d.outcome.name(),
        "attempts": d.attempts,
        "status": d.status,
        "bytes": d.bytes,
        "elapsed_s": d.elapsed.as_secs_f64(),
        "resumed": d.resumed,
        "error": d.error,
    })
}

fn reason_name(r: &SkipReason) -> &'static str {
    match r {
        SkipReason::AlreadyDelivered { .. } => "delivered-before",
        SkipReason::FailedBefore { .. } => "failed-before",
        SkipReason::StillRecording => "still-recording",
    }
}

fn print(a: &ExportArgs, r: &Report) {
    if a.json {
        emit_json(&json!({
            "destination": r.destination,
            "dry_run": r.dry_run,
            "delivered": r.delivered(),
            "failed": r.failed(),
            "skipped": r.skipped.len(),
            "deliveries": r.deliveries.iter().map(delivery_json).collect::<Vec<_>>(),
            "skipped_sessions": r.skipped.iter().map(|s| json!({
                "session": s.session.as_str(),
                "reason": reason_name(&s.reason),
                "detail": s.reason.to_string(),
            })).collect::<Vec<_>>(),
        }));
        return;
    }
    let mut out = String::new();
    for d in &r.deliveries {
        let ids: Vec<&str> = d.sessions.iter().map(|s| s.as_str()).collect();
        let how = match &d.error {
            _ if r.dry_run => "would deliver".to_string(),
            None => format!(
                "{} (attempt {}{})",
                d.outcome.name(),
                d.attempts,
                size(d.bytes)
            ),
            Some(e) => format!("{} after {} attempt(s): {e}", d.outcome.name(), d.attempts),
        };
        out.push_str(&format!("{}  {how}  trace {}\n", ids.join(","), d.trace_id));
    }
    for s in &r.skipped {
        out.push_str(&format!("{}  skipped: {}\n", s.session, s.reason));
    }
    let n = if r.dry_run {
        r.deliveries.iter().map(|d| d.sessions.len()).sum()
    } else {
        r.delivered()
    };
    let failed = r.failed();
    out.push_str(&format!(
        "{} {n} session{} to {}{}{}",
        if r.dry_run {
            "Would deliver"
        } else {
            "Delivered"
        },
        if n == 1 { "" } else { "s" },
        r.destination,
        if r.skipped.is_empty() {
            String::new()
        } else {
            format!("; {} skipped", r.skipped.len())
        },
        if failed == 0 {
            String::new()
        } else {
            format!("; {failed} not delivered")
        },
    ));
    emit(&out);
}

/// The webhook signing secret, from `--secret-env VAR` or `--secret-file PATH`
/// (never from the command line), for `export --to webhook` and `serve --webhook`.
pub(crate) fn signing_secret(
    env: Option<&str>,
    file: Option<&std::path::Path>,
    what: &str,
) -> Result<Secret, Failure> {
    match (env, file) {
        (Some(var), _) => Secret::from_env(var),
        (None, Some(path)) => Secret::from_file(path),
        (None, None) => {
            return Err(Failure::bad_input(what, "a webhook needs a signing secret")
                .hint("Pass --secret-env VAR or --secret-file PATH"));
        }
    }
    .map_err(|e| {
        Failure::bad_input(what, e).hint(
            "Give the receiver's signing secret through --secret-env VAR or --secret-file PATH",
        )
    })
}
