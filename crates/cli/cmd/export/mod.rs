//! `erglink export`: sessions out to files in Terra JSON, CSV, FIT or TCX,
//! or to a webhook as Terra delivers them (`webhook.rs`). Each session is
//! exported on its own: one that fails is reported and the others still go
//! (exit code 1 if any failed).

mod postgres;
pub(crate) mod webhook;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use erglink_export::erglink_normalize::{ActivityType, Options, Resolution, TimeBase};
use erglink_export::{Error, Exported, FileOptions, FileSink, Format, Output, Sink};
use erglink_model::Session;
use erglink_store::Store;
use serde_json::json;

use crate::db::{self, DbArgs};
use crate::error::Failure;
use crate::output::{emit, emit_json};
use crate::since::Since;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Sessions to export, by id or unique id prefix.
    #[arg(value_name = "SESSION")]
    sessions: Vec<String>,
    /// Export every session.
    #[arg(long, conflicts_with_all = ["sessions", "since"])]
    all: bool,
    /// Export the sessions started on or after DATE (YYYY-MM-DD, in each
    /// session's local time, or an RFC 3339 instant).
    #[arg(long, value_name = "DATE", conflicts_with = "sessions")]
    since: Option<String>,
    /// Where to: file:DIR (the folder is created if needed), webhook:URL
    /// (Terra's envelope and signature; see the Webhook options), or
    /// postgres://USER@HOST[:PORT]/DBNAME[?sslmode=...] (see the PostgreSQL options).
    #[arg(long, value_name = "DEST")]
    to: String,
    /// terra, csv (samples, strokes and laps), fit or tcx (files; a webhook
    /// always gets Terra JSON).
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Sample points: stroke (one per stroke), 1s, or full. Terra and TCX;
    /// FIT has a record per stroke, or per second for 1s and full; CSV is always full.
    #[arg(long, value_name = "R", default_value = "stroke")]
    resolution: String,
    /// Terra: all sessions as lines of one activities.ndjson.
    #[arg(long)]
    ndjson: bool,
    /// Replace files that exist.
    #[arg(long)]
    force: bool,
    /// Show what would be written; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Terra's activity type for SkiErg sessions (103 ERGOMETER, or 67 CROSS_COUNTRY_SKIING).
    #[arg(long, value_name = "CODE", default_value_t = 103)]
    skierg_type: u16,
    /// Write times in UTC instead of each session's local time.
    #[arg(long)]
    utc: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    webhook: webhook::WebhookArgs,
    #[command(flatten)]
    postgres: postgres::PostgresArgs,
}

/// `--to`, by scheme.
enum Dest {
    Dir(PathBuf),
    Webhook(String),
    Postgres(String),
}

const DEST_HINT: &str =
    "Use --to file:DIR, --to webhook:URL or --to postgres://USER@HOST[:PORT]/DBNAME";

fn parse_dest(to: &str) -> Result<Dest, Failure> {
    let bad = |why: String| Failure::bad_input(format!("cannot export to `{to}`"), why);
    if to.starts_with("postgres://") || to.starts_with("postgresql://") {
        return Ok(Dest::Postgres(to.to_string()));
    }
    match to.split_once(':') {
        Some(("file", dir)) if !dir.is_empty() => Ok(Dest::Dir(PathBuf::from(dir))),
        Some(("file", _)) => Err(bad("file: needs a folder".into()).hint("Use --to file:DIR")),
        Some(("webhook", url)) if !url.is_empty() => Ok(Dest::Webhook(url.to_string())),
        Some(("webhook", _)) => {
            Err(bad("webhook: needs a URL".into()).hint("Use --to webhook:https://HOST/PATH"))
        }
        Some((scheme, _)) => Err(bad(format!("`{scheme}:` is not a destination")).hint(DEST_HINT)),
        None => Err(bad("it has no scheme".into()).hint(DEST_HINT)),
    }
}

/// The normaliser's options, shared by files and webhooks.
fn normalize_options(a: &ExportArgs) -> Result<Options, Failure> {
    let resolution: Resolution = a
        .resolution
        .parse()
        .map_err(|e| Failure::bad_input("unknown --resolution", e))?;
    let skierg_type =
        ActivityType::new(a.skierg_type).map_err(|e| Failure::bad_input("bad --skierg-type", e))?;
    Ok(Options {
        resolution,
        skierg_type,
        time_base: if a.utc {
            TimeBase::Utc
        } else {
            TimeBase::Local
        },
    })
}

fn options(a: &ExportArgs) -> Result<(Format, FileOptions), Failure> {
    let format: Format = a
        .format
        .as_deref()
        .ok_or_else(|| {
            Failure::bad_input("no --format", "files need one")
                .hint("Pass --format terra, csv, fit or tcx")
        })?
        .parse()
        .map_err(|e| Failure::bad_input("unknown --format", e))?;
    if a.ndjson && format != Format::Terra {
        return Err(Failure::bad_input(
            "--ndjson does not apply",
            format!("it is for --format terra, not {format}"),
        ));
    }
    a.webhook.refuse_for_files()?;
    a.postgres.refuse_for("--to file:DIR")?;
    Ok((
        format,
        FileOptions {
            normalize: normalize_options(a)?,
            ndjson: a.ndjson,
            force: a.force,
            dry_run: a.dry_run,
        },
    ))
}

/// A destination that is not a folder of files refuses the file-only
/// options; `gets` says what it receives instead.
fn refuse_file_options(a: &ExportArgs, gets: &str) -> Result<(), Failure> {
    if let Some(f) = a
        .format
        .as_deref()
        .filter(|f| !f.eq_ignore_ascii_case("terra"))
    {
        return Err(Failure::bad_input(
            format!("--format {f} does not apply"),
            gets,
        ));
    }
    for (set, flag) in [(a.ndjson, "--ndjson"), (a.force, "--force")] {
        if set {
            return Err(Failure::bad_input(
                format!("{flag} does not apply"),
                "it is for --to file:DIR",
            ));
        }
    }
    Ok(())
}

fn why(e: &Error) -> String {
    match e {
        Error::Exists(_) => format!("{e}; pass --force to replace it"),
        e => e.to_string(),
    }
}

fn outputs_json(outputs: &[Output]) -> Vec<serde_json::Value> {
    outputs
        .iter()
        .map(|o| json!({ "path": o.target, "bytes": o.bytes }))
        .collect()
}

/// The sessions asked for, oldest first, every named one resolved before
/// anything is written; `None` when there is no database yet.
fn select(a: &ExportArgs) -> Result<(PathBuf, Option<Store>, Vec<Session>)> {
    let since = a
        .since
        .as_deref()
        .map(|s| {
            Since::parse(s).map_err(|why| Failure::bad_input(format!("bad --since `{s}`"), why))
        })
        .transpose()?;
    if a.sessions.is_empty() && !a.all && since.is_none() {
        return Err(
            Failure::bad_input("nothing to export", "no session was named")
                .hint("Name sessions, or pass --all or --since DATE")
                .into(),
        );
    }
    let path = a.db.path()?;
    let fail = |e| db::failure(&path, e);
    let store = db::open_existing(&path)?;
    let reader = match &store {
        Some(s) => Some(s.reader().map_err(fail)?),
        None if !a.sessions.is_empty() => {
            let why = format!("there is no database at {}", path.display());
            return Err(Failure::bad_input("no such session", why)
                .hint("Record a session first, or pass --db PATH")
                .into());
        }
        None => None,
    };
    let mut sessions: Vec<Session> = Vec::new();
    if let Some(r) = &reader {
        if a.sessions.is_empty() {
            let mut all = r.sessions().map_err(fail)?;
            all.reverse(); // oldest first
            sessions = all
                .into_iter()
                .filter(|s| since.as_ref().is_none_or(|d| d.admits(s)))
                .collect();
        } else {
            for text in &a.sessions {
                let id = r.resolve(text).map_err(fail)?;
                if !sessions.iter().any(|s| s.id == id) {
                    sessions.push(r.session(&id).map_err(fail)?);
                }
            }
        }
    }
    Ok((path, store, sessions))
}

pub fn run(a: ExportArgs) -> Result<()> {
    let dir = match parse_dest(&a.to)? {
        Dest::Dir(dir) => dir,
        Dest::Webhook(url) => return webhook::run(&a, &url),
        Dest::Postgres(url) => return postgres::run(&a, &url),
    };
    let (format, file_options) = options(&a)?;
    let (path, store, sessions) = select(&a)?;
    let reader = match &store {
        Some(s) => Some(s.reader().map_err(|e| db::failure(&path, e))?),
        None => None,
    };
    if !a.dry_run {
        std::fs::create_dir_all(&dir)
            .map_err(|e| Failure::failed(format!("cannot create {}", dir.display()), e))?;
    }
    let mut exported: Vec<Exported> = Vec::new();
    let mut failed: Vec<(String, String)> = Vec::new();
    let mut finished: Vec<Output> = Vec::new();
    let describe;
    if let (Some(r), false) = (&reader, sessions.is_empty()) {
        let mut sink = FileSink::new(&dir, format, file_options).map_err(|e| match e {
            Error::Unsupported(_) => Failure::bad_input("cannot export", why(&e)),
            e => Failure::failed("cannot export", why(&e)),
        })?;
        describe = sink.describe();
        let bar = progress(sessions.len(), a.json);
        for s in &sessions {
            bar.set_message(s.id.to_string());
            match sink.export(r, s) {
                Ok(e) => exported.push(e),
                Err(e) => failed.push((s.id.to_string(), why(&e))),
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        match sink.finish() {
            Ok(o) => finished = o,
            Err(e) => failed.push(("(all)".into(), why(&e))),
        }
    } else {
        describe = format!("file:{} ({format})", dir.display());
    }
    report(&a, &describe, &exported, &finished, &failed);
    if !failed.is_empty() {
        let total = sessions.len();
        return Err(Failure::failed(
            "some exports failed",
            format!(
                "{} of {total} could not be exported ({})",
                failed.len(),
                failed[0].1
            ),
        )
        .into());
    }
    Ok(())
}

pub(super) fn progress(n: usize, json: bool) -> indicatif::ProgressBar {
    // Progress only for a person watching: never into a pipe or a log.
    if json || n < 2 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(n as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar
}

fn report(
    a: &ExportArgs,
    dest: &str,
    exported: &[Exported],
    finished: &[Output],
    failed: &[(String, String)],
) {
    if a.json {
        emit_json(&json!({
            "destination": dest,
            "format": a.format.as_deref().unwrap_or_default().to_ascii_lowercase(),
            "resolution": a.resolution,
            "dry_run": a.dry_run,
            "exported": exported.iter().map(|e| json!({
                "session": e.session.as_str(),
                "outputs": outputs_json(&e.outputs),
            })).collect::<Vec<_>>(),
            "files": outputs_json(finished),
            "failed": failed.iter().map(|(s, why)| json!({ "session": s, "error": why })).collect::<Vec<_>>(),
        }));
        return;
    }
    let mut out = String::new();
    let verb = if a.dry_run { "would write" } else { "wrote" };
    for e in exported {
        for o in &e.outputs {
            out.push_str(&format!(
                "{}  {verb} {}{}\n",
                e.session,
                o.target,
                size(o.bytes)
            ));
        }
    }
    for o in finished {
        out.push_str(&format!("{verb} {}{}\n", o.target, size(o.bytes)));
    }
    for (s, why) in failed {
        out.push_str(&format!("{s}  failed: {why}\n"));
    }
    let n = exported.len();
    out.push_str(&format!(
        "{} {n} session{} to {dest}{}",
        if a.dry_run {
            "Would export"
        } else {
            "Exported"
        },
        if n == 1 { "" } else { "s" },
        if failed.is_empty() {
            String::new()
        } else {
            format!("; {} failed", failed.len())
        }
    ));
    emit(&out);
}

pub(super) fn size(bytes: u64) -> String {
    match bytes {
        0 => String::new(),
        b if b < 10_000 => format!(" ({b} B)"),
        b if b < 10_000_000 => format!(" ({} kB)", b / 1000),
        b => format!(" ({} MB)", b / 1_000_000),
    }
}
