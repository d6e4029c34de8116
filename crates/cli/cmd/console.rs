//! `erglink console`: an interactive prompt for firmware testers. Each line is
//! what `raw` takes (a frame as hex, or commands by name), with history and
//! completion of command names.

use std::borrow::Cow;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use erglink_csafe::command;
use erglink_pm::Settings;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use crate::cmd::raw::{exchange_text, frame_from_input, histogram_text, parse_report_id};
use crate::device::{DeviceArgs, driver_failure, open};
use crate::error::Failure;

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    device: DeviceArgs,
    /// Record every report to this transcript file.
    #[arg(long, value_name = "FILE")]
    transcript: Option<PathBuf>,
}

const BUILTINS: &[&str] = &[
    "help", "quit", "exit", "identify", "stats", "report", "list",
];

const HELP: &str = "\
Type a frame as hex (sent exactly as typed), or commands by name:
  GETSTATUS GETSERIAL            several commands, one frame
  SETHORIZONTAL:2000,metre       arguments after a colon
  PM_GET_WORKTIME@7F             force a wrapper
  F1 80 81 F2                    raw bytes, malformed ones too
Built-ins:
  help [NAME]    this text, or a command's arguments and reply
  list [TEXT]    command names containing TEXT (or a wrapper: 1A 7E 7F 76 77)
  identify       model, versions, serial, capabilities
  report N|auto  send in report N, or let the policy choose
  stats          exchanges, retries, latency
  quit           leave (or Ctrl-D)
Tab completes command names.";

struct ConsoleHelper {
    words: Vec<String>,
}

impl Completer for ConsoleHelper {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = line[..pos].rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = line[start..pos].to_ascii_uppercase();
        let candidates = self
            .words
            .iter()
            .filter(|w| w.to_ascii_uppercase().starts_with(&word))
            .map(|w| Pair {
                display: w.clone(),
                replacement: w.clone(),
            })
            .collect();
        Ok((start, candidates))
    }
}

impl Hinter for ConsoleHelper {
    type Hint = String;
}
impl Highlighter for ConsoleHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Borrowed(hint)
    }
}
impl Validator for ConsoleHelper {}
impl Helper for ConsoleHelper {}

fn history_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("erglink").join("console_history"))
}

fn help_for(name: &str) -> String {
    match command::find(name, None) {
        Ok(spec) => {
            let args: Vec<String> = spec
                .args
                .iter()
                .map(|f| format!("{} ({})", f.name, f.hint))
                .collect();
            let reply: Vec<String> = spec
                .reply
                .iter()
                .map(|f| format!("{} ({})", f.name, f.hint))
                .collect();
            format!(
                "{} — wrapper {}, id 0x{:02X}, {:?}\n  {}\n  usage: {}\n  arguments: {}\n  reply: {}",
                spec.name,
                spec.wrapper.label(),
                spec.id,
                spec.access,
                spec.summary.trim(),
                spec.usage(),
                if args.is_empty() {
                    "none".into()
                } else {
                    args.join(", ")
                },
                if reply.is_empty() {
                    "status only".into()
                } else {
                    reply.join(", ")
                }
            )
        }
        Err(e) => e.to_string(),
    }
}

pub fn run(a: ConsoleArgs) -> Result<()> {
    let mut monitor = open(&a.device, a.transcript.as_deref(), Settings::default())?;
    let mut words: Vec<String> = command::all_specs()
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    words.sort();
    words.dedup();
    words.extend(BUILTINS.iter().map(|s| s.to_string()));
    let mut editor: Editor<ConsoleHelper, _> = Editor::new()?;
    editor.set_helper(Some(ConsoleHelper { words }));
    let history = history_path();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    let info = monitor.transport().info().clone();
    println!(
        "erglink console on {} ({}). `help` lists what you can type; Ctrl-D leaves.",
        info.path,
        info.product.as_deref().unwrap_or("unknown product")
    );
    let mut report: Option<u8> = None;
    loop {
        let line = match editor.readline("erglink> ") {
            Ok(l) => l,
            Err(ReadlineError::Interrupted | ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(line);
        let mut parts = line.split_whitespace();
        let first = parts.next().unwrap_or_default();
        let rest: Vec<String> = parts.map(str::to_string).collect();
        let out = match first.to_ascii_lowercase().as_str() {
            "quit" | "exit" => break,
            "help" if rest.is_empty() => HELP.to_string(),
            "help" => help_for(&rest[0]),
            "list" => {
                let filter = rest
                    .first()
                    .map(|s| s.to_ascii_uppercase())
                    .unwrap_or_default();
                let w = erglink_csafe::Wrapper::parse(&filter);
                command::all_specs()
                    .iter()
                    .filter(|s| match w {
                        Some(w) => s.wrapper == w,
                        None => s.name.contains(&filter),
                    })
                    .map(|s| s.qualified_name())
                    .collect::<Vec<_>>()
                    .join("  ")
            }
            "stats" => {
                let s = monitor.stats();
                format!(
                    "{} exchanges, {} timeouts, {} resends, {} late replies drained, {} bad frames, {} refused\n{}",
                    s.exchanges,
                    s.timeouts,
                    s.resends,
                    s.late_replies,
                    s.bad_frames,
                    s.refusals,
                    histogram_text(&s.latency)
                )
            }
            "report" => match rest.first().map(String::as_str) {
                Some("auto") | None => {
                    report = None;
                    "reports chosen by the policy".into()
                }
                Some(n) => match parse_report_id(n) {
                    Ok(id) => {
                        report = Some(id);
                        format!("sending in report {id}")
                    }
                    Err(e) => e,
                },
            },
            "identify" => match monitor.identify() {
                Ok(id) => format!(
                    "model PM{} hardware {} firmware {} serial {} frames rx {} tx {}",
                    id.model.map_or("?".into(), |m| m.to_string()),
                    id.hardware_version.map_or("?".into(), |v| v.to_string()),
                    id.firmware_version.map_or("?".into(), |v| v.to_string()),
                    id.serial.as_deref().unwrap_or("?"),
                    id.max_rx_frame.map_or("?".into(), |v| v.to_string()),
                    id.max_tx_frame.map_or("?".into(), |v| v.to_string()),
                ),
                Err(e) => format!("erglink: {}", driver_failure("identify failed", &e)),
            },
            _ => {
                let input: Vec<String> = if erglink_csafe::parse_hex(line).is_ok() {
                    vec![line.to_string()]
                } else {
                    line.split_whitespace().map(str::to_string).collect()
                };
                match frame_from_input(&input) {
                    Ok(frame) => match exchange_text(&mut monitor, &frame, report) {
                        Ok((_, text)) => text,
                        Err(f) => format!("erglink: {f}"),
                    },
                    Err(e) => match e.downcast_ref::<Failure>() {
                        Some(f) => format!("erglink: {f}"),
                        None => format!("erglink: {e}"),
                    },
                }
            }
        };
        println!("{out}");
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(h);
    }
    Ok(())
}
