//! # erglink-browser-test (dev only)
//!
//! Headless Chromium driven through Debian's `chromedriver`, for the tests
//! of erglink's report and web pages. Each [`Browser`] starts its own
//! chromedriver on a free loopback port and a Chromium with a fresh profile
//! whose resolver maps every host but 127.0.0.1 to nothing, so a page that
//! tried to fetch anything from the network would show it in
//! [`Browser::foreign_requests`] and fail to get it.
//!
//! ```no_run
//! # async fn t() -> Result<(), erglink_browser_test::Error> {
//! let Some(browser) = erglink_browser_test::Browser::launch_or_skip("my_test").await? else {
//!     return Ok(()); // no Chromium here, and not under CI
//! };
//! browser.open("http://127.0.0.1:8080/").await?;
//! browser.wait_for("#ready").await?;
//! assert!(browser.console_errors().await?.is_empty());
//! assert!(browser.foreign_requests().await?.is_empty());
//! browser.screenshot("front-page").await?;
//! browser.quit().await?;
//! # Ok(()) }
//! ```
//!
//! Where the programs are: `ERGLINK_TEST_CHROMIUM` and
//! `ERGLINK_TEST_CHROMEDRIVER` (exported by `tools/test.d/20-chromium.sh`),
//! else `chromium` and `chromedriver` on `PATH`. Missing, a test fails under
//! `CI=true` and skips loudly otherwise.

#![forbid(unsafe_code)]

mod artifacts;
mod browser;
mod driver;
mod logs;

pub use artifacts::artifacts_dir;
pub use browser::Browser;
pub use driver::{Programs, find_programs};
pub use logs::{ConsoleEntry, Request};

/// What can go wrong driving the browser.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Chromium or chromedriver could not be found.
    #[error(
        "{0} not found (set {1} or install Debian's chromium and chromium-driver: tools/test does)"
    )]
    Missing(&'static str, &'static str),
    /// chromedriver would not start or answer.
    #[error("chromedriver: {0}")]
    Driver(String),
    /// A WebDriver command failed.
    #[error("webdriver: {0}")]
    WebDriver(#[from] thirtyfour::error::WebDriverError),
    /// A selector never matched.
    #[error("no element matched {selector:?} after {attempts} attempts")]
    Timeout {
        /// The CSS selector waited for.
        selector: String,
        /// How many times it was looked for.
        attempts: u32,
    },
    /// Writing an artifact or the profile.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A log entry chromedriver sent was not what its protocol says.
    #[error("unexpected log entry: {0}")]
    Log(String),
}

/// The crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whether the tests run under CI, where a missing browser is a failure.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}
