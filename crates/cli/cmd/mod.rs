//! One module per subcommand, each with its arguments and a `run`.

pub mod csafe;
pub mod demo;
pub mod sessions;
pub mod show;
