//! `erglink export --to postgres://USER@HOST[:PORT]/DBNAME`: sessions into
//! the lab's PostgreSQL, each in one transaction, recorded in the store's
//! export ledger so that a rerun ships only what is not there yet;
//! `--watch` keeps shipping as sessions end.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use clap::Args;
use erglink_postgres::{
    Config, Error, Event, Exporter, PasswordSource, PgUrl, Report, Shipped, SkipReason,
    WatchOptions, Written,
};
use serde_json::json;

use super::webhook::duration;
use super::{ExportArgs, normalize_options, select};
use crate::db;
use crate::error::Failure;
use crate::output::{emit, emit_json};

#[derive(Debug, Args)]
#[command(next_help_heading = "PostgreSQL")]
pub struct PostgresArgs {
    /// The environment variable that holds the password [default: PGPASSWORD,
    /// else the file $PGPASSFILE or ~/.pgpass]. Never in the URL or on the command line.
    #[arg(long, value_name = "VAR", conflicts_with = "password_file")]
    password_env: Option<String>,
    /// A file whose first line is the password.
    #[arg(long, value_name = "PATH")]
    password_file: Option<PathBuf>,
    /// CA certificates (PEM) for sslmode=verify-full [default: the webpki roots].
    #[arg(long, value_name = "PATH")]
    ca_file: Option<PathBuf>,
    /// This recorder host's name in erglink.hosts [default: the hostname].
    #[arg(long, value_name = "NAME")]
    host_name: Option<String>,
    /// Keep running and ship each session once it is complete or
    /// interrupted, every INTERVAL [default: 10s]; implies --all.
    #[arg(
        long,
        value_name = "INTERVAL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "10s",
        conflicts_with_all = ["sessions", "since", "resend", "dry_run"]
    )]
    watch: Option<String>,
}

impl PostgresArgs {
    fn given(&self) -> Option<&'static str> {
        [
            (self.password_env.is_some(), "--password-env"),
            (self.password_file.is_some(), "--password-file"),
            (self.ca_file.is_some(), "--ca-file"),
            (self.host_name.is_some(), "--host-name"),
            (self.watch.is_some(), "--watch"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }

    /// PostgreSQL options make no sense elsewhere: say so rather than ignore them.
    pub fn refuse_for(&self, dest: &str) -> Result<(), Failure> {
        match self.given() {
            Some(flag) => Err(Failure::bad_input(
                format!("{flag} does not apply"),
                format!("it is for --to postgres://, not {dest}"),
            )),
            None => Ok(()),
        }
    }
}

const PASSWORD_HINT: &str =
    "Give the password through PGPASSWORD, --password-env VAR, --password-file PATH or ~/.pgpass";

/// This machine's name, without a C library call.
fn hostname() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

fn failure(what: &str, e: Error) -> Failure {
    match &e {
        Error::Password(_) => Failure::bad_input(what, &e).hint(PASSWORD_HINT),
        Error::NewerSchema { .. } => Failure::bad_input(what, &e)
            .hint("Use the newer erglink that migrated it; nothing was written"),
        e if e.is_bad_input() => Failure::bad_input(what, e),
        Error::Store(erglink_store::Error::DestinationBusy { .. }) => {
            Failure::failed(what, &e).hint("Wait for the other export to this database to finish")
        }
        Error::Postgres(pg)
            if pg.code() == Some(&tokio_postgres_code::INVALID_PASSWORD)
                || pg.code() == Some(&tokio_postgres_code::INVALID_AUTHORIZATION_SPECIFICATION) =>
        {
            Failure::failed(what, &e).hint(PASSWORD_HINT)
        }
        _ if e.is_transient() => Failure::failed(what, &e)
            .hint("Check that the server is up and reachable, then run the same command again"),
        _ => Failure::failed(what, &e),
    }
}

mod tokio_postgres_code {
    pub use erglink_postgres::SqlState;
    pub const INVALID_PASSWORD: SqlState = SqlState::INVALID_PASSWORD;
    pub const INVALID_AUTHORIZATION_SPECIFICATION: SqlState =
        SqlState::INVALID_AUTHORIZATION_SPECIFICATION;
}

fn config(a: &ExportArgs, url: &str) -> Result<(Config, String), Failure> {
    super::refuse_file_options(
        a,
        "PostgreSQL gets the tables and each session's Terra activity",
    )?;
    if let Some(flag) = a.webhook.webhook_only() {
        return Err(Failure::bad_input(
            format!("{flag} does not apply"),
            "it is for --to webhook:URL",
        ));
    }
    let url = PgUrl::parse(url).map_err(|e| {
        let refused = Failure::bad_input("cannot export to PostgreSQL", &e);
        match e {
            Error::BadUrl { why, .. } if why.contains("password") => refused.hint(PASSWORD_HINT),
            _ => refused.hint(
                "Use --to postgres://USER@HOST[:PORT]/DBNAME[?sslmode=disable|require|verify-full]",
            ),
        }
    })?;
    let what = format!("cannot export to {}", url.destination_key());
    let p = &a.postgres;
    let source = match (&p.password_env, &p.password_file) {
        (Some(var), _) => PasswordSource::Env(var.clone()),
        (None, Some(path)) => PasswordSource::File(path.clone()),
        (None, None) => PasswordSource::Default,
    };
    let password = source.resolve(&url).map_err(|e| failure(&what, e))?;
    let host_name = match &p.host_name {
        Some(h) if h.trim().is_empty() => {
            return Err(Failure::bad_input("bad --host-name", "it is empty"));
        }
        Some(h) => h.clone(),
        None => hostname().ok_or_else(|| {
            Failure::bad_input(&what, "this machine's hostname cannot be read")
                .hint("Pass --host-name NAME")
        })?,
    };
    let mut c = Config::new(url, host_name);
    c.password = password;
    c.ca_file = p.ca_file.clone();
    c.normalize = normalize_options(a)?;
    c.resend = a.webhook.resend;
    if let Some(n) = a.webhook.concurrency {
        if n == 0 {
            return Err(Failure::bad_input(
                "bad --concurrency",
                "it must be at least 1",
            ));
        }
        c.concurrency = n;
    }
    c.connect_timeout = duration(
        "--connect-timeout",
        a.webhook.connect_timeout.as_deref(),
        c.connect_timeout,
    )?;
    Ok((c, what))
}

fn shipped_line(s: &Shipped) -> String {
    match s.written {
        Written::Inserted { rows, replaced } => format!(
            "{}  {} ({} samples, {} strokes, {} curves) in {:.2} s",
            s.session,
            if replaced { "replaced" } else { "shipped" },
            rows.samples,
            rows.strokes,
            rows.force_curves,
            s.elapsed.as_secs_f64()
        ),
        Written::AlreadyThere => format!("{}  in the database already", s.session),
    }
}

fn shipped_json(s: &Shipped) -> serde_json::Value {
    let (rows, replaced, there) = match s.written {
        Written::Inserted { rows, replaced } => (Some(rows), replaced, false),
        Written::AlreadyThere => (None, false, true),
    };
    json!({
        "session": s.session.as_str(),
        "replaced": replaced,
        "already_there": there,
        "samples": rows.map(|r| r.samples),
        "strokes": rows.map(|r| r.strokes),
        "force_curves": rows.map(|r| r.force_curves),
        "splits": rows.map(|r| r.splits),
        "gaps": rows.map(|r| r.gaps),
        "elapsed_s": s.elapsed.as_secs_f64(),
    })
}

/// As a run goes: a line per session under `--watch` (JSON lines with
/// `--json`); a one-off run prints its report at the end instead.
fn on_event(e: &Event<'_>, watch: bool, json: bool) {
    match e {
        Event::Shipped(s) if watch && json => emit(&shipped_json(s).to_string()),
        Event::Shipped(s) if watch || !json => emit(&shipped_line(s)),
        Event::Shipped(_) => {}
        Event::Failed(id, e) => tracing::warn!("{id}: not shipped: {e}"),
        Event::Waiting { error, wait } => {
            let what = match error {
                Error::Store(_) => "the session database is busy",
                _ => "PostgreSQL is out of reach",
            };
            tracing::warn!("{what} ({error}); trying again in {wait:.1?}");
        }
    }
}

fn reason_name(r: &SkipReason) -> &'static str {
    match r {
        SkipReason::AlreadyDelivered => "delivered-before",
        SkipReason::FailedBefore(_) => "failed-before",
        SkipReason::StillRecording => "still-recording",
    }
}

fn print(a: &ExportArgs, r: &Report, dry_run: bool) {
    if a.json {
        emit_json(&json!({
            "destination": r.destination,
            "dry_run": dry_run,
            "shipped": r.shipped.iter().map(|s| {
                if dry_run {
                    json!({ "session": s.session.as_str() })
                } else {
                    shipped_json(s)
                }
            }).collect::<Vec<_>>(),
            "skipped": r.skipped.iter().map(|(id, why)| json!({
                "session": id.as_str(),
                "reason": reason_name(why),
                "detail": why.to_string(),
            })).collect::<Vec<_>>(),
            "failed": r.failed.iter().map(|(id, e, refused)| json!({
                "session": id.as_str(),
                "error": e,
                "refused": refused,
            })).collect::<Vec<_>>(),
        }));
        return;
    }
    let mut out = String::new();
    if dry_run {
        for s in &r.shipped {
            out.push_str(&format!("{}  would ship\n", s.session));
        }
    }
    for (id, why) in &r.skipped {
        out.push_str(&format!("{id}  skipped: {why}\n"));
    }
    for (id, e, _) in &r.failed {
        out.push_str(&format!("{id}  not shipped: {e}\n"));
    }
    let n = r.shipped.len();
    out.push_str(&format!(
        "{} {n} session{} to {}{}{}",
        if dry_run { "Would ship" } else { "Shipped" },
        if n == 1 { "" } else { "s" },
        r.destination,
        if r.skipped.is_empty() {
            String::new()
        } else {
            format!("; {} skipped", r.skipped.len())
        },
        if r.failed.is_empty() {
            String::new()
        } else {
            format!("; {} not shipped", r.failed.len())
        },
    ));
    emit(&out);
}

/// Sets `stop` on Ctrl-C or SIGTERM, on a thread of its own.
fn stop_on_signal(stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{SignalKind, signal};
                let Ok(mut term) = signal(SignalKind::terminate()) else {
                    return;
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
        });
        stop.store(true, Ordering::Relaxed);
    });
}

pub fn run(a: &ExportArgs, url: &str) -> Result<()> {
    let (config, what) = config(a, url)?;
    let mut exporter = Exporter::new(config).map_err(|e| failure(&what, e))?;
    if let Some(interval) = &a.postgres.watch {
        let defaults = WatchOptions::default();
        let w = &a.webhook;
        let options = WatchOptions {
            interval: duration("--watch", Some(interval), defaults.interval)?,
            backoff: duration("--backoff", w.backoff.as_deref(), defaults.backoff)?,
            backoff_cap: duration(
                "--backoff-cap",
                w.backoff_cap.as_deref(),
                defaults.backoff_cap,
            )?,
        };
        let path = a.db.path()?;
        let stop = Arc::new(AtomicBool::new(false));
        stop_on_signal(stop.clone());
        let json = a.json;
        tracing::info!("watching {} for {}", path.display(), exporter.destination());
        return exporter
            .watch(&path, &options, &stop, &|e| on_event(e, true, json))
            .map_err(|e| match e {
                Error::Store(e) if !matches!(e, erglink_store::Error::DestinationBusy { .. }) => {
                    db::failure(&path, e).into()
                }
                e => failure(&what, e).into(),
            });
    }
    let (path, store, sessions) = select(a)?;
    let report = match &store {
        None => Report {
            destination: exporter.destination(),
            ..Report::default()
        },
        Some(store) if a.dry_run => {
            let ledger = store.ledger().map_err(|e| db::failure(&path, e))?;
            let (todo, skipped) = exporter
                .plan(&ledger, &sessions)
                .map_err(|e| failure(&what, e))?;
            Report {
                destination: exporter.destination(),
                shipped: todo
                    .into_iter()
                    .map(|s| Shipped {
                        session: s.id,
                        written: Written::AlreadyThere,
                        elapsed: Default::default(),
                    })
                    .collect(),
                skipped,
                failed: Vec::new(),
            }
        }
        Some(store) => {
            let json = a.json;
            exporter
                .run(store, &sessions, &|e| on_event(e, false, json))
                .map_err(|e| match e {
                    Error::Store(e)
                        if !matches!(e, erglink_store::Error::DestinationBusy { .. }) =>
                    {
                        anyhow::Error::from(db::failure(&path, e))
                    }
                    e => failure(&what, e).into(),
                })?
        }
    };
    print(a, &report, a.dry_run);
    if let Some((_, e, _)) = report.failed.first() {
        return Err(Failure::failed(
            "some sessions were not shipped",
            format!(
                "{} of {} ({e})",
                report.failed.len(),
                report.failed.len() + report.shipped.len() + report.skipped.len()
            ),
        )
        .hint("Run the same command again; sessions already in the database are not sent twice")
        .into());
    }
    Ok(())
}
