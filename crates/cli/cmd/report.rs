//! `erglink report SESSION [-o FILE|-] [--force]`: one self-contained HTML
//! page (uPlot, styles and data inlined) that opens offline.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use erglink_report::Assets;

use crate::db::{self, DbArgs};
use crate::error::Failure;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The session's id, or a unique prefix of it (any case).
    session: String,
    #[command(flatten)]
    db: DbArgs,
    /// Where to write the page; `-` for stdout. Default: `<session id>.html` here.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<String>,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

pub fn run(a: ReportArgs) -> Result<()> {
    let path = a.db.path()?;
    let store = db::open_for_session(&path)?;
    let fail = |e| db::failure(&path, e);
    let r = store.reader().map_err(fail)?;
    let id = r.resolve(&a.session).map_err(fail)?;
    let data = erglink_serve::pages::session_data(&r, &id).map_err(fail)?;
    let html = erglink_report::report(&data, &Assets::Inline)
        .map_err(|e| Failure::failed("cannot render the report", e))?;
    if a.output.as_deref() == Some("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(html.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| Failure::failed("cannot write the report to stdout", e))?;
        return Ok(());
    }
    let target = a
        .output
        .map_or_else(|| PathBuf::from(format!("{id}.html")), PathBuf::from);
    let bytes = erglink_export::write_atomic(&target, a.force, |w| {
        w.write_all(html.as_bytes())
            .map_err(|source| erglink_export::Error::Io {
                path: target.clone(),
                source,
            })
    })
    .map_err(|e| match e {
        erglink_export::Error::Exists(_) => {
            Failure::bad_input(format!("cannot write {}", target.display()), "it exists")
                .hint("Pass --force to replace it, or -o another file")
        }
        e => Failure::failed(format!("cannot write {}", target.display()), e),
    })?;
    eprintln!("wrote {} ({bytes} bytes)", target.display());
    Ok(())
}
