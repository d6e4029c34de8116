//! Bounds on what a request may carry and how long it may take to answer.

use std::time::Duration;

/// Request limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Time to produce the response head (a streamed body then runs on).
    pub timeout: Duration,
    /// The query string, bytes (longer: 414).
    pub max_query: usize,
    /// All headers together, bytes (more: 431).
    pub max_headers: usize,
    /// A request body, bytes (every route is a GET).
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            max_query: 8 * 1024,
            max_headers: 16 * 1024,
            max_body: 1024,
        }
    }
}

/// `//` and longer runs of slashes collapsed to one: a base URL ending in
/// `/` makes Terra's SDKs ask for `/v2//activity`.
pub fn collapse_slashes(path: &str) -> Option<String> {
    if !path.contains("//") {
        return None;
    }
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubled_slashes() {
        assert_eq!(
            collapse_slashes("/v2//activity").as_deref(),
            Some("/v2/activity")
        );
        assert_eq!(
            collapse_slashes("///v2///userInfo").as_deref(),
            Some("/v2/userInfo")
        );
        assert_eq!(collapse_slashes("/v2/activity"), None);
    }
}
