//! One module per subcommand, each with its arguments and a `run`.

pub mod capture;
pub mod console;
pub mod csafe;
pub mod demo;
pub mod devices;
pub mod doctor;
pub mod export;
pub mod probe;
pub mod raw;
pub mod record;
pub mod report;
pub mod serve;
pub mod sessions;
pub mod show;
