//! `erglink script FILE`: runs a test plan (docs/script.md) against a
//! monitor; every step's outcome, the exchange shown where one fails, JUnit
//! XML for CI. Exit 0 when every step passes, 1 when any fails, 2 when the
//! plan cannot be read.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use erglink_bench::{RunReport, Shown, StepResult, Verdict, junit_xml};
use erglink_csafe::{Response, decode_request, format_hex, frame};
use erglink_pm::Settings;
use serde_json::{Value as Json, json};

use crate::device::{DeviceArgs, open};
use crate::error::Failure;
use crate::output::{emit, emit_json};
use crate::render::response_text;

#[derive(Debug, Args)]
pub struct ScriptArgs {
    /// The plan: one step per line (docs/script.md).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    device: DeviceArgs,
    /// Write the results as JUnit XML, one testcase per case.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Record every report to this transcript file (`replay:` plays it).
    #[arg(long, value_name = "FILE")]
    transcript: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Reads a plan and everything it includes (paths relative to the file
/// that includes them); exit 2 when it cannot be read.
pub fn load_plan(path: &Path) -> Result<erglink_bench::Plan> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::bad_input(format!("cannot read the plan {name}"), e)
            .hint("Give the path of a plan file")
    })?;
    let bad = |e: erglink_bench::BenchError| {
        Failure::bad_input("cannot read the plan", e).hint("docs/script.md describes the language")
    };
    let plan = erglink_bench::parse(&text, &name).map_err(bad)?;
    let mut load = |from: &str, include: &str| -> Result<(String, String), String> {
        let base = Path::new(from).parent().unwrap_or(Path::new(""));
        let p = base.join(include);
        let text = std::fs::read_to_string(&p).map_err(|e| e.to_string())?;
        Ok((p.display().to_string(), text))
    };
    Ok(erglink_bench::resolve(plan, &mut load).map_err(bad)?)
}

/// The exchange for people: the bytes sent, and the reply decoded.
fn exchange_text(ex: &Shown) -> String {
    let mut out = format!("    sent  {}\n", format_hex(&ex.request));
    match &ex.reply {
        Some(reply) => {
            let shape = frame::decode_frame(&ex.request)
                .ok()
                .map(|f| decode_request(&f.contents).shape());
            let decoded = frame::decode_frame(reply).ok().and_then(|f| {
                let r = match &shape {
                    Some(s) => Response::decode(f.as_ref(), s),
                    None => Response::decode_unguided(f.as_ref()),
                };
                r.ok().map(|r| response_text(f.as_ref(), &r))
            });
            match decoded {
                Some(text) => {
                    for (i, line) in text.trim_end().lines().enumerate() {
                        let head = if i == 0 { "reply " } else { "" };
                        out.push_str(&format!("    {head}{line}\n"));
                    }
                }
                None => out.push_str(&format!("    reply {}\n", format_hex(reply))),
            }
            if let Some(ns) = ex.latency_ns {
                out.push_str(&format!("    latency {:.1} ms\n", ns as f64 / 1e6));
            }
        }
        None => out.push_str(&format!(
            "    no reply{}\n",
            ex.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        )),
    }
    out
}

fn step_line(step: &StepResult) -> String {
    let (mark, why) = match &step.verdict {
        Verdict::Passed => ("ok  ", String::new()),
        Verdict::Failed(w) => ("FAIL", format!("\n    {w}")),
        Verdict::Skipped => ("skip", String::new()),
    };
    let mut out = format!("  {mark} {}:{}  {}{why}", step.file, step.line, step.text);
    if matches!(step.verdict, Verdict::Failed(_))
        && let Some(ex) = &step.exchange
    {
        out.push('\n');
        out.push_str(exchange_text(ex).trim_end());
    }
    out
}

fn shown_json(ex: &Shown) -> Json {
    json!({
        "sent": format_hex(&ex.request),
        "reply": ex.reply.as_deref().map(format_hex),
        "error": ex.error,
        "latency_s": ex.latency_ns.map(|n| n as f64 / 1e9),
    })
}

fn report_json(report: &RunReport, device: &str) -> Json {
    let cases: Vec<Json> = report
        .cases
        .iter()
        .map(|c| {
            let steps: Vec<Json> = c
                .steps
                .iter()
                .map(|s| {
                    let (verdict, why) = match &s.verdict {
                        Verdict::Passed => ("passed", None),
                        Verdict::Failed(w) => ("failed", Some(w.clone())),
                        Verdict::Skipped => ("skipped", None),
                    };
                    json!({
                        "file": s.file,
                        "line": s.line,
                        "step": s.text,
                        "outcome": verdict,
                        "why": why,
                        "exchange": s.exchange.as_ref().map(shown_json),
                    })
                })
                .collect();
            json!({
                "name": c.name,
                "passed": c.failure().is_none(),
                "elapsed_s": c.duration_ns as f64 / 1e9,
                "steps": steps,
            })
        })
        .collect();
    json!({
        "plan": report.plan,
        "device": device,
        "passed": report.passed(),
        "cases": cases,
    })
}

pub fn run(a: ScriptArgs) -> Result<()> {
    let plan = load_plan(&a.file)?;
    let mut monitor = open(&a.device, a.transcript.as_deref(), Settings::default())?;
    let mut transcript = String::new();
    let mut current_case = String::new();
    let json = a.json;
    let report = erglink_bench::run(&plan, &mut monitor, &mut |case, step| {
        if case != current_case {
            current_case = case.to_string();
            let head = format!("case {case}");
            transcript.push_str(&head);
            transcript.push('\n');
            if !json {
                emit(&head);
            }
        }
        let line = step_line(step);
        transcript.push_str(&line);
        transcript.push('\n');
        if !json {
            emit(&line);
        }
    });
    drop(monitor);
    let steps: usize = report.cases.iter().map(|c| c.steps.len()).sum();
    let summary = format!(
        "{} of {} cases passed ({steps} steps) on {}",
        report.cases.len() - report.failed_cases(),
        report.cases.len(),
        a.device.device
    );
    transcript.push_str(&summary);
    transcript.push('\n');
    if let Some(path) = &a.junit {
        let suite = a.file.display().to_string();
        erglink_bench::files::write_atomic(
            path,
            junit_xml(&report, &suite, &transcript).as_bytes(),
        )
        .map_err(|e| {
            Failure::failed(format!("cannot write {}", path.display()), e)
                .hint("Check the folder exists and is writable")
        })?;
    }
    if a.json {
        emit_json(&report_json(&report, &a.device.device));
    } else {
        emit(&summary);
    }
    if !report.passed() {
        let names: Vec<&str> = report
            .cases
            .iter()
            .filter(|c| c.failure().is_some())
            .map(|c| c.name.as_str())
            .collect();
        return Err(Failure::failed(
            "the plan failed",
            format!("{} case(s) failed: {}", names.len(), names.join(", ")),
        )
        .hint("The failing steps are shown above with their exchanges")
        .into());
    }
    Ok(())
}
