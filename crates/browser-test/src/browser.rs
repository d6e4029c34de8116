//! One headless Chromium session, with its own chromedriver and profile.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use thirtyfour::common::capabilities::chromium::ChromiumLikeCapabilities;
use thirtyfour::common::command::FormatRequestData;
use thirtyfour::extensions::cdp::ChromeDevTools;
use thirtyfour::prelude::*;
use thirtyfour::{CapabilitiesHelper, RequestData, SessionId};

use crate::driver::{Chromedriver, find_programs};
use crate::logs::{self, ConsoleEntry, Request};
use crate::{Error, Result, artifacts_dir, under_ci};

/// Chromium's switches: root in a container needs no sandbox and no
/// /dev/shm; nothing of Chromium's own may reach the network, and every
/// host but 127.0.0.1 resolves to nothing.
const SWITCHES: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1280,1600",
];

/// How many times [`Browser::wait_for`] looks, 50 ms apart.
const WAIT_ATTEMPTS: u32 = 400;

/// A headless Chromium. [`Browser::quit`] ends it; dropped (a test that
/// panicked), the session is deleted synchronously so that chromedriver
/// closes Chromium, then chromedriver is killed.
#[derive(Debug)]
pub struct Browser {
    driver: Option<WebDriver>,
    chromedriver: Option<Chromedriver>,
    console: Mutex<Vec<ConsoleEntry>>,
    requests: Mutex<Vec<Request>>,
    // Last: the profile outlives the browser that uses it.
    _profile: tempfile::TempDir,
}

/// chromedriver's log endpoint (not in WebDriver itself).
#[derive(Debug)]
struct GetLog(&'static str);

impl FormatRequestData for GetLog {
    fn format_request(&self, session_id: &SessionId) -> RequestData {
        RequestData::new(http::Method::POST, format!("/session/{session_id}/se/log"))
            .add_body(json!({ "type": self.0 }))
    }
}

impl Browser {
    /// Starts chromedriver and Chromium.
    pub async fn launch() -> Result<Self> {
        let programs = find_programs()?;
        let profile = tempfile::Builder::new()
            .prefix("erglink-chromium-")
            .tempdir()
            .map_err(|e| Error::Io {
                what: "creating the Chromium profile".into(),
                source: e,
            })?;
        let chromedriver = Chromedriver::start(
            &programs.chromedriver,
            &profile.path().join("chromedriver.log"),
        )
        .await?;
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(&programs.chromium.to_string_lossy())?;
        for s in SWITCHES {
            caps.add_arg(s)?;
        }
        caps.add_arg(&format!(
            "--user-data-dir={}",
            profile.path().join("chromium").display()
        ))?;
        caps.insert_base_capability(
            "goog:loggingPrefs".into(),
            json!({ "browser": "ALL", "performance": "ALL" }),
        );
        let driver = match WebDriver::new(chromedriver.url.clone(), caps).await {
            Ok(d) => d,
            Err(e) => {
                chromedriver.stop().await;
                return Err(e.into());
            }
        };
        Ok(Self {
            driver: Some(driver),
            chromedriver: Some(chromedriver),
            console: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            _profile: profile,
        })
    }

    /// [`Browser::launch`], or `None` with a loud message when Chromium or
    /// chromedriver is missing outside CI. Under `CI=true` missing is an error.
    pub async fn launch_or_skip(test: &str) -> Result<Option<Self>> {
        match find_programs() {
            Ok(_) => Self::launch().await.map(Some),
            Err(e) if !under_ci() => {
                eprintln!("SKIPPED {test}: {e}. Run the tests through tools/test to install them.");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The WebDriver session, for anything this API lacks.
    pub fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("the driver lives until quit")
    }

    /// Navigates and waits for the page's load event.
    pub async fn open(&self, url: &str) -> Result<()> {
        self.driver().goto(url).await?;
        Ok(())
    }

    /// The first element matching `selector`, looked for up to
    /// [`WAIT_ATTEMPTS`] times.
    pub async fn wait_for(&self, selector: &str) -> Result<WebElement> {
        for _ in 0..WAIT_ATTEMPTS {
            if let Some(e) = self
                .driver()
                .find_all(By::Css(selector))
                .await?
                .into_iter()
                .next()
            {
                return Ok(e);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(Error::Timeout {
            selector: selector.into(),
            attempts: WAIT_ATTEMPTS,
        })
    }

    /// Runs `script` as a function body; what it returns, as JSON.
    pub async fn run_js(&self, script: &str) -> Result<Value> {
        let ret = self.driver().execute(script, Vec::new()).await?;
        Ok(ret.json().clone())
    }

    /// Sends these headers with every request from now on (e.g. HTTP Basic
    /// credentials), through the DevTools protocol.
    pub async fn set_extra_headers(&self, headers: &[(&str, &str)]) -> Result<()> {
        let cdp = ChromeDevTools::new(self.driver().handle.clone());
        cdp.execute_cdp("Network.enable").await?;
        let map: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(k, v)| ((*k).to_string(), Value::from(*v)))
            .collect();
        cdp.execute_cdp_with_params("Network.setExtraHTTPHeaders", json!({ "headers": map }))
            .await?;
        Ok(())
    }

    async fn read_log(&self, kind: &'static str) -> Result<Value> {
        let answer = self.driver().handle.cmd(GetLog(kind)).await?;
        Ok(answer.value_json()?)
    }

    /// Every console message since launch (chromedriver hands each out once,
    /// so they are kept here).
    pub async fn console(&self) -> Result<Vec<ConsoleEntry>> {
        let fresh = logs::console_entries(&self.read_log("browser").await?);
        let mut all = self.console.lock().expect("console lock");
        all.extend(fresh);
        Ok(all.clone())
    }

    /// The console errors since launch.
    pub async fn console_errors(&self) -> Result<Vec<ConsoleEntry>> {
        Ok(self
            .console()
            .await?
            .into_iter()
            .filter(ConsoleEntry::is_error)
            .collect())
    }

    /// Every request made since launch, answered or not.
    pub async fn requests(&self) -> Result<Vec<Request>> {
        let fresh = logs::requests(&self.read_log("performance").await?);
        let mut all = self.requests.lock().expect("requests lock");
        all.extend(fresh);
        Ok(all.clone())
    }

    /// The requests that would have left the machine.
    pub async fn foreign_requests(&self) -> Result<Vec<Request>> {
        Ok(self
            .requests()
            .await?
            .into_iter()
            .filter(|r| !r.is_local())
            .collect())
    }

    /// Saves the viewport as `<artifacts>/<name>.png`; returns the path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).map_err(|e| Error::Io {
            what: format!("creating {}", dir.display()),
            source: e,
        })?;
        let path = dir.join(format!("{name}.png"));
        let png = self.driver().screenshot_as_png().await?;
        std::fs::write(&path, png).map_err(|e| Error::Io {
            what: format!("writing {}", path.display()),
            source: e,
        })?;
        Ok(path)
    }

    /// Resizes the window (screenshots show the viewport).
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.driver().set_window_rect(0, 0, width, height).await?;
        Ok(())
    }

    /// Ends Chromium and chromedriver.
    pub async fn quit(mut self) -> Result<()> {
        let quit = match self.driver.take() {
            Some(d) => d.quit().await,
            None => Ok(()),
        };
        if let Some(c) = self.chromedriver.take() {
            c.stop().await;
        }
        quit?;
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let (Some(driver), Some(chromedriver)) = (self.driver.take(), self.chromedriver.as_ref())
        else {
            return;
        };
        let session = driver.handle.session_id().to_string();
        crate::driver::delete_session_blocking(&chromedriver.url, &session);
        // Its Drop would try again through async code no longer driven.
        std::mem::forget(driver);
    }
}
