# Sourced by tools/test. Debian's headless Chromium and its chromedriver, for
# the browser tests of the report and serve's pages (crates/browser-test).
chromium_bin=$(command -v chromium || true)
chromedriver_bin=$(command -v chromedriver || true)
if [ -z "$chromium_bin" ] || [ -z "$chromedriver_bin" ]; then
  echo "tools/test: installing chromium and chromium-driver from Debian" >&2
  apt_install chromium chromium-driver
  chromium_bin=$(command -v chromium)
  chromedriver_bin=$(command -v chromedriver)
fi
export ERGLINK_TEST_CHROMIUM="$chromium_bin"
export ERGLINK_TEST_CHROMEDRIVER="$chromedriver_bin"
