//! The destination URL and the transport rules around it: https, except to
//! this machine (loopback), unless `--insecure-http`; no credentials in the
//! URL (they would end up in logs and the ledger); and which redirects may
//! be followed: only 307/308 (they keep the POST and its body), only to
//! the same host, never from https down to http.

use std::net::IpAddr;

use ureq::http::Uri;
use ureq::http::uri::Scheme;

use crate::{Error, Result};

/// A webhook URL that passed the transport rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    uri: Uri,
    loopback: bool,
}

fn host_is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Endpoint {
    /// Parses and checks `url`; plain http to another machine needs
    /// `allow_insecure_http`.
    pub fn parse(url: &str, allow_insecure_http: bool) -> Result<Self> {
        let bad = |why: &str| Error::BadUrl {
            url: url.to_string(),
            why: why.to_string(),
        };
        let uri: Uri = url.parse().map_err(|e| bad(&format!("{e}")))?;
        let scheme = uri
            .scheme()
            .ok_or_else(|| bad("it has no scheme; use https://…"))?;
        let authority = uri.authority().ok_or_else(|| bad("it has no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad(
                "it carries credentials, which would be logged and kept in the ledger; the signature authenticates erglink",
            ));
        }
        if authority.host().is_empty() {
            return Err(bad("it has no host"));
        }
        let loopback = host_is_loopback(authority.host());
        if *scheme == Scheme::HTTP {
            if !loopback && !allow_insecure_http {
                return Err(Error::Insecure(url.to_string()));
            }
        } else if *scheme != Scheme::HTTPS {
            return Err(bad("only http and https can be posted to"));
        }
        Ok(Self { uri, loopback })
    }

    /// The URI to post to.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// True when the host is this machine: no proxy is used for it.
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// The destination's name in the ledger and in reports.
    pub fn as_str(&self) -> String {
        self.uri.to_string()
    }

    /// Where a redirect with `location` may go, or why it may not.
    pub fn redirect(&self, status: u16, location: &str) -> std::result::Result<Uri, String> {
        if !matches!(status, 307 | 308) {
            return Err(format!(
                "redirected ({status}) to {location}; only 307 and 308 keep the POST, so use the final URL"
            ));
        }
        let target: Uri = if location.starts_with('/') && !location.starts_with("//") {
            let mut parts = self.uri.clone().into_parts();
            parts.path_and_query =
                Some(location.parse().map_err(|e| {
                    format!("redirected to `{location}`, which is not a path: {e}")
                })?);
            Uri::from_parts(parts).map_err(|e| format!("redirected to `{location}`: {e}"))?
        } else {
            location
                .parse()
                .map_err(|e| format!("redirected to `{location}`, which is not a URL: {e}"))?
        };
        let (from, to) = (&self.uri, &target);
        let same_host =
            matches!((from.host(), to.host()), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b));
        if !same_host {
            return Err(format!(
                "redirected to another host ({location}); erglink posts sessions only to the host it was given"
            ));
        }
        let upgrade = from.scheme() == Some(&Scheme::HTTP) && to.scheme() == Some(&Scheme::HTTPS);
        let same = from.scheme() == to.scheme() && port(from) == port(to);
        if !(same || upgrade) {
            return Err(format!(
                "redirected to {location}, another scheme or port; erglink never follows https down to http"
            ));
        }
        Ok(target)
    }
}

fn port(uri: &Uri) -> Option<u16> {
    uri.port_u16().or(match uri.scheme_str() {
        Some("http") => Some(80),
        Some("https") => Some(443),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_or_loopback() {
        assert!(Endpoint::parse("https://hooks.example.com/terra", false).is_ok());
        for local in [
            "http://127.0.0.1:8080/hook",
            "http://127.9.9.9/hook",
            "http://localhost:1/x",
            "http://[::1]:9/x",
        ] {
            let e = Endpoint::parse(local, false).unwrap();
            assert!(e.is_loopback(), "{local}");
        }
        assert!(matches!(
            Endpoint::parse("http://hooks.example.com/terra", false),
            Err(Error::Insecure(_))
        ));
        assert!(Endpoint::parse("http://hooks.example.com/terra", true).is_ok());
        for bad in [
            "ftp://hooks.example.com/x",
            "hooks.example.com/x",
            "https://user:pw@hooks.example.com/x",
            "https:///x",
        ] {
            assert!(
                matches!(Endpoint::parse(bad, true), Err(Error::BadUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn redirects_stay_on_the_host_and_keep_the_post() {
        let e = Endpoint::parse("http://127.0.0.1:8080/hook?x=1", false).unwrap();
        assert_eq!(
            e.redirect(307, "/v2/hook").unwrap().to_string(),
            "http://127.0.0.1:8080/v2/hook"
        );
        assert!(
            e.redirect(308, "https://127.0.0.1/hook").is_ok(),
            "an upgrade"
        );
        assert!(
            e.redirect(302, "/v2/hook").is_err(),
            "302 may turn into a GET"
        );
        assert!(e.redirect(307, "http://127.0.0.2:8080/hook").is_err());
        assert!(e.redirect(307, "http://127.0.0.1:9090/hook").is_err());
        assert!(e.redirect(307, "//evil.example/hook").is_err());
        let s = Endpoint::parse("https://hooks.example.com/a", false).unwrap();
        assert!(
            s.redirect(307, "http://hooks.example.com/a").is_err(),
            "a downgrade"
        );
    }
}
