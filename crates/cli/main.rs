//! `erglink`: a USB driver and recorder for Concept2 Performance Monitors.

mod cmd;
mod db;
mod error;
mod output;
mod render;
mod session_render;

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
    /// Run the main job on built-in data (see README).
    Demo(cmd::demo::DemoArgs),
    /// The CSAFE codec on its own: encode, decode, list commands.
    #[command(subcommand)]
    Csafe(cmd::csafe::Cmd),
    /// List the recorded sessions, newest first.
    Sessions(cmd::sessions::SessionsArgs),
    /// Show one session (by id or unique id prefix), optionally with every sample.
    Show(cmd::show::ShowArgs),
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
        Command::Csafe(c) => cmd::csafe::run(c),
        Command::Sessions(a) => cmd::sessions::run(a),
        Command::Show(a) => cmd::show::run(a),
    };
    if let Err(err) = result {
        let (code, line) = error::report(&err);
        eprintln!("{line}");
        std::process::exit(code);
    }
}
