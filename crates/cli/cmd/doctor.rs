//! `erglink doctor`: what stands between this machine and a monitor, and the
//! exact commands that fix it. What is checked depends on the OS: udev and
//! hidraw on Linux only; another program holding the monitor on macOS and
//! Windows.

use anyhow::Result;
use clap::Args;
use erglink_transport::Os;
use erglink_transport::doctor::{CheckStatus, diagnose};
use serde_json::json;

use crate::output::{emit, emit_json};

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: DoctorArgs) -> Result<()> {
    let checks = diagnose();
    if a.json {
        let list: Vec<_> = checks
            .iter()
            .map(|c| json!({ "check": c.name, "status": format!("{:?}", c.status).to_lowercase(), "detail": c.detail, "fix": c.fix }))
            .collect();
        emit_json(&json!({ "os": Os::current().name(), "checks": list }));
        return Ok(());
    }
    let mut out = String::new();
    for c in &checks {
        let mark = match c.status {
            CheckStatus::Ok => "ok  ",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "FAIL",
            CheckStatus::Skip => "skip",
        };
        out.push_str(&format!("[{mark}] {:<10} {}\n", c.name, c.detail));
        if let Some(fix) = &c.fix
            && c.status != CheckStatus::Ok
        {
            for line in fix.lines() {
                out.push_str(&format!("         {line}\n"));
            }
        }
    }
    let failed = checks
        .iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .count();
    out.push_str(&match failed {
        0 => "Nothing in the way.".to_string(),
        n => format!("{n} problem(s) above, each with its fix."),
    });
    emit(&out);
    Ok(())
}
