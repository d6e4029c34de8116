//! `erglink`: a USB driver and recorder for Concept2 Performance Monitors.

mod cmd;
mod db;
mod device;
mod error;
mod output;
mod render;
mod session_render;
mod since;

use clap::{Parser, Subcommand};

/// USB driver and recorder for Concept2 Performance Monitors (PM3, PM4, PM5).
#[derive(Debug, Parser)]
#[command(name = "erglink", version, about, propagate_version = true)]
struct Cli {
    /// More log output (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Record a simulated PM5 rowing 2000 m and summarise it: the main job on built-in data.
    Demo(cmd::demo::DemoArgs),
    /// Record every stroke and force curve of the monitors attached.
    Record(Box<cmd::record::RecordArgs>),
    /// The CSAFE codec on its own: encode, decode, list commands.
    #[command(subcommand)]
    Csafe(cmd::csafe::Cmd),
    /// List the Concept2 monitors attached.
    Devices(cmd::devices::DevicesArgs),
    /// Send a frame (hex, sent exactly) or commands to a monitor and show the reply.
    Raw(cmd::raw::RawArgs),
    /// An interactive prompt: what `raw` does, with history and completion.
    Console(cmd::console::ConsoleArgs),
    /// Check USB access, udev rules and permissions, and print the fixes.
    Doctor(cmd::doctor::DoctorArgs),
    /// Settle the protocol's open questions on a real monitor; saves a transcript and a summary.
    Probe(cmd::probe::ProbeArgs),
    /// Run a test plan (send, expect, repeat, case…) against a monitor; JUnit XML for CI.
    Script(cmd::script::ScriptArgs),
    /// Send mutated frames, check the monitor after each, and save every anomaly as a transcript.
    Fuzz(Box<cmd::fuzz::FuzzArgs>),
    /// List the recorded sessions, newest first.
    Sessions(cmd::sessions::SessionsArgs),
    /// Show one session (by id or unique id prefix), optionally with every sample.
    Show(cmd::show::ShowArgs),
    /// Export sessions to files (Terra JSON, CSV, FIT, TCX) or to a webhook, as Terra delivers them.
    Export(Box<cmd::export::ExportArgs>),
    /// Write one session's report: a self-contained HTML page with its charts and force curves.
    Report(cmd::report::ReportArgs),
    /// Serve Terra's REST API (/v2/activity, /v2/userInfo, /v2/subscriptions), its streaming protocol at /connect, and the pages (/, /sessions/ID, /compare, /live) over the store.
    Serve(Box<cmd::serve::ServeArgs>),
}

fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn main() {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let result = match cli.command {
        Command::Demo(a) => cmd::demo::run(a),
        Command::Record(a) => cmd::record::run(*a),
        Command::Csafe(c) => cmd::csafe::run(c),
        Command::Devices(a) => cmd::devices::run(a),
        Command::Raw(a) => cmd::raw::run(a),
        Command::Console(a) => cmd::console::run(a),
        Command::Doctor(a) => cmd::doctor::run(a),
        Command::Probe(a) => cmd::probe::run(a),
        Command::Script(a) => cmd::script::run(a),
        Command::Fuzz(a) => cmd::fuzz::run(*a),
        Command::Sessions(a) => cmd::sessions::run(a),
        Command::Show(a) => cmd::show::run(a),
        Command::Export(a) => cmd::export::run(*a),
        Command::Report(a) => cmd::report::run(a),
        Command::Serve(a) => cmd::serve::run(*a),
    };
    if let Err(err) = result {
        let (code, line) = error::report(&err);
        eprintln!("{line}");
        std::process::exit(code);
    }
}
