//! Session reports: session data in, HTML and SVG out.
//!
//! Pure: no I/O, no store, no clock. `erglink report` and serve's pages both
//! render through this crate, and serve hands out [`assets`] to pages.

pub mod assets;
