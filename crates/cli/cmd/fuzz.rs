//! `erglink fuzz`: mutated frames sent to a monitor, each followed by a
//! GETSTATUS liveness check; every anomaly confirmed, minimised and saved in
//! DIR as a transcript that `replay:` plays. `--reproduce FILE` sends a saved
//! anomaly's requests again and says whether it recurs.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use clap::Args;
use erglink_bench::fuzz::{self, Found, FuzzOptions, FuzzReport, MutationKind, Outcome};
use erglink_csafe::format_hex;
use erglink_pm::{Monitor, Settings};
use erglink_transport::{Bus, DeviceSelector, Transport, TransportError, bus_for};
use serde_json::json;

use crate::device::{DeviceArgs, transport_failure};
use crate::error::Failure;
use crate::output::{emit, emit_json};

#[derive(Debug, Args)]
pub struct FuzzArgs {
    #[command(flatten)]
    device: DeviceArgs,
    /// Seed of the mutations: the same seed sends the same frames.
    #[arg(long, default_value_t = 1, value_name = "N")]
    seed: u64,
    /// Mutated frames to make.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    count: usize,
    /// Also send frames that could read as set or state commands, or carry unknown ids.
    #[arg(long)]
    allow_set: bool,
    /// Where anomalies are saved, one transcript each, and summary.txt.
    #[arg(long, default_value = "erglink-fuzz", value_name = "DIR")]
    out: PathBuf,
    /// Send a saved anomaly's requests again and say whether it recurs.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["seed", "count", "allow_set", "out"])]
    reproduce: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The monitor and a way to open it again: through its bus, so that a
/// simulated monitor comes back as the same simulator; a transcript anew.
struct Device {
    monitor: Monitor<Box<dyn Transport>>,
    reopen: Box<dyn FnMut() -> Result<Box<dyn Transport>, TransportError>>,
}

fn open_device(args: &DeviceArgs) -> Result<Device> {
    let selector = DeviceSelector::parse(&args.device).map_err(|e| {
        Failure::bad_input("bad --device", &e.why).hint(format!(
            "`{}` is not a selector; see `erglink --help` or the README",
            e.selector
        ))
    })?;
    let shared = crate::device::bus()?;
    let bus: Arc<dyn Bus> =
        bus_for(&selector, &shared).map_err(|e| Failure::bad_input("bad --device", &e.message))?;
    let transport = bus
        .open(&selector)
        .map_err(|e| transport_failure(&format!("cannot open {selector}"), &e))?;
    let info = transport.info().clone();
    let reopen: Box<dyn FnMut() -> Result<Box<dyn Transport>, TransportError>> = match &selector {
        DeviceSelector::Replay(_) => Box::new(move || erglink_transport::open(&selector)),
        _ => Box::new(move || bus.reopen(&info)),
    };
    Ok(Device {
        monitor: Monitor::with_settings(transport, Settings::default()),
        reopen,
    })
}

fn save(dir: &Path, n: usize, found: &Found) -> Result<PathBuf> {
    let path = dir.join(format!("{n:03}-{}.txt", found.kind.name()));
    erglink_bench::files::write_atomic(&path, found.transcript.as_bytes())
        .map_err(|e| Failure::failed(format!("cannot write {}", path.display()), e))?;
    Ok(path)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn table(report: &FuzzReport) -> String {
    let mut out = format!(
        "{:<20} {:>6} {:>6} {:>8} {:>9} {:>10}\n",
        "mutation", "sent", "held", "refused", "answered", "anomalies"
    );
    let mut total = fuzz::KindStats::default();
    for kind in MutationKind::ALL {
        let s = report.stats.get(&kind).copied().unwrap_or_default();
        out.push_str(&format!(
            "{:<20} {:>6} {:>6} {:>8} {:>9} {:>10}\n",
            kind.name(),
            s.sent,
            s.held,
            s.refused,
            s.answered,
            s.anomalies
        ));
        total.sent += s.sent;
        total.held += s.held;
        total.refused += s.refused;
        total.answered += s.answered;
        total.anomalies += s.anomalies;
    }
    out.push_str(&format!(
        "{:<20} {:>6} {:>6} {:>8} {:>9} {:>10}",
        "total", total.sent, total.held, total.refused, total.answered, total.anomalies
    ));
    out
}

pub fn run(a: FuzzArgs) -> Result<()> {
    if let Some(file) = &a.reproduce {
        return reproduce(file, &a);
    }
    let mut dev = open_device(&a.device)?;
    std::fs::create_dir_all(&a.out).map_err(|e| {
        Failure::failed(format!("cannot create {}", a.out.display()), e)
            .hint("Give --out a folder you can write to")
    })?;
    let bar = (!a.json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(a.count as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} frames, {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let opts = FuzzOptions {
        seed: a.seed,
        count: a.count,
        allow_set: a.allow_set,
    };
    let mut saved: Vec<(PathBuf, Found)> = Vec::new();
    let mut save_error = None;
    let report = fuzz::fuzz(&mut dev.monitor, &mut dev.reopen, &opts, &mut |n, found| {
        if let Some(f) = found {
            match save(&a.out, saved.len() + 1, f) {
                Ok(p) => {
                    if let Some(b) = &bar {
                        b.println(format!("anomaly: {}: {}", p.display(), f.summary));
                    }
                    saved.push((p, f.clone()));
                }
                Err(e) => save_error = Some(e),
            }
        }
        if let Some(b) = &bar {
            b.set_position(n as u64 + 1);
            b.set_message(plural(saved.len(), "anomaly", "anomalies"));
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(e) = save_error {
        return Err(e);
    }
    let lines: String = saved
        .iter()
        .map(|(p, f)| {
            format!(
                "{}: {}\n",
                p.file_name().unwrap_or_default().to_string_lossy(),
                f.summary
            )
        })
        .collect();
    erglink_bench::files::write_atomic(&a.out.join("summary.txt"), lines.as_bytes())
        .map_err(|e| Failure::failed("cannot write summary.txt", e))?;
    if a.json {
        emit_json(&json!({
            "device": a.device.device,
            "seed": a.seed,
            "count": a.count,
            "stats": MutationKind::ALL.iter().map(|k| {
                let s = report.stats.get(k).copied().unwrap_or_default();
                json!({"mutation": k.name(), "sent": s.sent, "held": s.held, "refused": s.refused, "answered": s.answered, "anomalies": s.anomalies})
            }).collect::<Vec<_>>(),
            "anomalies": saved.iter().map(|(p, f)| json!({
                "file": p.display().to_string(),
                "kind": f.kind.name(),
                "summary": f.summary,
                "mutation": f.mutation.name(),
                "case": f.case,
                "frame": format_hex(&f.frame),
                "original": format_hex(&f.original),
            })).collect::<Vec<_>>(),
            "unconfirmed": report.unconfirmed,
            "duplicates": report.duplicates,
            "stopped": report.stopped,
        }));
    } else {
        let mut out = table(&report);
        out.push_str(&format!(
            "\n{} saved in {}{}",
            plural(saved.len(), "anomaly", "anomalies"),
            a.out.display(),
            if report.unconfirmed > 0 {
                format!(
                    "; {} more did not recur on a freshly opened monitor",
                    report.unconfirmed
                )
            } else {
                String::new()
            } + &if report.duplicates > 0 {
                format!(
                    "; {} more minimised to one already saved",
                    report.duplicates
                )
            } else {
                String::new()
            }
        ));
        for (p, f) in &saved {
            out.push_str(&format!("\n  {}: {}", p.display(), f.summary));
        }
        emit(&out);
    }
    if let Some(why) = &report.stopped {
        return Err(Failure::failed("the fuzzing run stopped", why).into());
    }
    if !saved.is_empty() {
        return Err(Failure::failed(
            "the monitor misbehaved",
            format!(
                "{} saved in {}",
                plural(saved.len(), "anomaly", "anomalies"),
                a.out.display()
            ),
        )
        .hint("`erglink fuzz --reproduce FILE` sends one again; `--device replay:FILE` plays it")
        .into());
    }
    Ok(())
}

fn reproduce(file: &Path, a: &FuzzArgs) -> Result<()> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        Failure::bad_input(format!("cannot read {}", file.display()), e)
            .hint("Give a file `erglink fuzz` saved")
    })?;
    let mut dev = open_device(&a.device)?;
    let r = fuzz::reproduce(&text, &mut dev.monitor, &mut dev.reopen)
        .map_err(|why| Failure::bad_input(format!("cannot reproduce {}", file.display()), why))?;
    let (what, detail) = match &r.outcome {
        Outcome::Anomaly { kind, detail, .. } => (kind.name().to_string(), detail.clone()),
        Outcome::Fine { .. } => ("nothing wrong".into(), String::new()),
        Outcome::Refused(why) => ("refused by the driver".into(), why.clone()),
        Outcome::Dead(why) => ("a dead monitor".into(), why.clone()),
    };
    if a.json {
        emit_json(&json!({
            "file": file.display().to_string(),
            "device": a.device.device,
            "expected": r.expected.name(),
            "got": what,
            "detail": detail,
            "recurs": r.recurs(),
        }));
    } else if r.recurs() {
        emit(&format!("recurs: {what}: {detail}"));
    } else {
        emit(&format!(
            "does not recur: expected {}, got {what}{}",
            r.expected.name(),
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            }
        ));
    }
    if !r.recurs() {
        return Err(Failure::failed("the anomaly did not recur", format!("got {what}")).into());
    }
    Ok(())
}
