//! `erglink sessions`: the recorded sessions, newest first.

use anyhow::Result;
use clap::Args;
use serde_json::json;

use crate::db::{self, DbArgs};
use crate::output::{emit, emit_json};
use crate::session_render::{device_text, duration_text, session_json, time_text};

#[derive(Debug, Args)]
pub struct SessionsArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: SessionsArgs) -> Result<()> {
    let path = a.db.path()?;
    // Listing never creates a database: no file means no sessions yet.
    let sessions = match db::open_existing(&path)? {
        Some(store) => store
            .reader()
            .and_then(|r| r.sessions())
            .map_err(|e| db::failure(&path, e))?,
        None => Vec::new(),
    };
    if a.json {
        emit_json(&json!({
            "db": path.display().to_string(),
            "sessions": sessions.iter().map(session_json).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    if sessions.is_empty() {
        emit(&format!("No sessions in {}.", path.display()));
        return Ok(());
    }
    let mut out = format!(
        "{:<26}  {:<25}  {:<11}  {:<15}  {:<7}  {:>9}  {:>9}  {:>7}  ATHLETE\n",
        "ID", "STARTED", "STATE", "DEVICE", "MACHINE", "DURATION", "DISTANCE", "STROKES"
    );
    for s in &sessions {
        let c = &s.counts;
        out.push_str(&format!(
            "{:<26}  {:<25}  {:<11}  {:<15}  {:<7}  {:>9}  {:>9}  {:>7}  {}\n",
            s.id,
            time_text(s.started_at, s.utc_offset_s),
            s.state.name(),
            device_text(s),
            s.machine.name(),
            c.last_elapsed_ns.map_or("-".into(), duration_text),
            c.last_distance_dm
                .map_or("-".into(), |d| format!("{} m", d / 10)),
            c.strokes,
            s.tags.athlete.as_deref().unwrap_or("")
        ));
    }
    out.push_str(&format!(
        "{} session{} in {}",
        sessions.len(),
        if sessions.len() == 1 { "" } else { "s" },
        path.display()
    ));
    emit(&out);
    Ok(())
}
