//! Where screenshots go: `$ERGLINK_TEST_ARTIFACTS`, else
//! `target/test-artifacts/` of the build (`$CARGO_TARGET_DIR` when set).

use std::path::PathBuf;

/// The artifacts folder (not created here).
pub fn artifacts_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ERGLINK_TEST_ARTIFACTS") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("test-artifacts")
}
