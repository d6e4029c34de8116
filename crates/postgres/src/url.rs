//! `postgres://USER@HOST[:PORT]/DBNAME[?sslmode=disable|require|verify-full]`
//! (or `postgresql://`): the destination, parsed, with a password refused.
//! A password in a URL ends up in shell histories, `ps` and logs.

use crate::{Error, Result};

/// How the connection is protected (libpq's `sslmode`, the three erglink takes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP.
    Disable,
    /// TLS, the server's certificate not checked (see the crate docs for how
    /// this differs from libpq's `require`).
    Require,
    /// TLS, the certificate checked against the CA file or the webpki roots,
    /// and the host name against the certificate.
    VerifyFull,
}

impl SslMode {
    /// libpq's name.
    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Require => "require",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "disable" => Some(SslMode::Disable),
            "require" => Some(SslMode::Require),
            "verify-full" => Some(SslMode::VerifyFull),
            _ => None,
        }
    }
}

/// A parsed destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgUrl {
    /// The role to log in as.
    pub user: String,
    /// A host name, or an IP address (IPv6 without its brackets).
    pub host: String,
    /// 5432 unless given.
    pub port: u16,
    /// The database.
    pub dbname: String,
    /// From `?sslmode=`; without it, `disable` to this machine (loopback)
    /// and `verify-full` to any other.
    pub sslmode: SslMode,
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `%XX` decoding, as in libpq's URIs.
fn decode(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `%XX` encoding of what a URL part cannot hold as it is.
fn encode(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for b in part.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl PgUrl {
    /// Parses a destination. Refuses a password, unknown parameters, and
    /// anything libpq would read differently.
    pub fn parse(url: &str) -> Result<Self> {
        let shown = Self::redact(url);
        let bad = |why: &str| Error::BadUrl {
            url: shown.clone(),
            why: why.to_string(),
        };
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| bad("it must start with postgres:// or postgresql://"))?;
        let (main, query) = match rest.split_once('?') {
            Some((m, q)) => (m, Some(q)),
            None => (rest, None),
        };
        let (authority, dbname) = main
            .split_once('/')
            .ok_or_else(|| bad("it names no database (postgres://USER@HOST/DBNAME)"))?;
        let (userinfo, hostport) = authority
            .rsplit_once('@')
            .ok_or_else(|| bad("it names no user (postgres://USER@HOST/DBNAME)"))?;
        if userinfo.contains(':') {
            return Err(bad(
                "it carries a password, which would show in shell histories and process lists",
            ));
        }
        let user = decode(userinfo).ok_or_else(|| bad("the user has a bad %-escape"))?;
        if user.is_empty() {
            return Err(bad("the user is empty"));
        }
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 address lacks its `]`"))?;
            if h.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("the bracketed host is not an IPv6 address"));
            }
            match after {
                "" => (h.to_string(), None),
                p if p.starts_with(':') => (h.to_string(), Some(&p[1..])),
                _ => return Err(bad("unexpected text after the IPv6 address")),
            }
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(bad("the host is empty"));
        }
        if host.contains(',') {
            return Err(bad("erglink takes one host, not a list"));
        }
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b))
        {
            return Err(bad("the host is not a host name or an IP address"));
        }
        let port = match port {
            None => 5432,
            Some(p) => match p.parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => return Err(bad("the port is not a number from 1 to 65535")),
            },
        };
        let dbname = decode(dbname).ok_or_else(|| bad("the database name has a bad %-escape"))?;
        if dbname.is_empty() || dbname.contains('/') {
            return Err(bad("the database name is empty or has a `/`"));
        }
        let mut sslmode = None;
        for pair in query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "sslmode" => {
                    sslmode = Some(
                        SslMode::parse(v)
                            .ok_or_else(|| bad("sslmode takes disable, require or verify-full"))?,
                    );
                }
                "password" => {
                    return Err(bad(
                        "it carries a password, which would show in shell histories and process lists",
                    ));
                }
                _ => return Err(bad(&format!("erglink does not take the parameter `{k}`"))),
            }
        }
        let sslmode = sslmode.unwrap_or(if is_loopback(&host) {
            SslMode::Disable
        } else {
            SslMode::VerifyFull
        });
        Ok(Self {
            user,
            host,
            port,
            dbname,
            sslmode,
        })
    }

    /// The URL as it may be shown: a password, if one was given, cut out.
    pub fn redact(url: &str) -> String {
        let mut shown = url.to_string();
        if let Some(scheme_end) = shown.find("://") {
            let start = scheme_end + 3;
            let end = shown[start..]
                .find(['/', '?'])
                .map_or(shown.len(), |i| start + i);
            if let Some(at) = shown[start..end].rfind('@') {
                let userinfo = &shown[start..start + at];
                if let Some(colon) = userinfo.find(':') {
                    shown.replace_range(start + colon..start + at, ":(password)");
                }
            }
        }
        if let Some(q) = shown.find("password=") {
            let end = shown[q..].find('&').map_or(shown.len(), |i| q + i);
            shown.replace_range(q..end, "password=(password)");
        }
        shown
    }

    /// The export ledger's destination key, `postgres://HOST:PORT/DBNAME`:
    /// the same database whatever user, scheme spelling or sslmode reaches it.
    pub fn destination_key(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host.to_ascii_lowercase())
        } else {
            self.host.to_ascii_lowercase()
        };
        format!("postgres://{host}:{}/{}", self.port, encode(&self.dbname))
    }

    /// The URL in full (no password: it has none), as [`PgUrl::parse`] reads it back.
    pub fn to_url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!(
            "postgres://{}@{host}:{}/{}?sslmode={}",
            encode(&self.user),
            self.port,
            encode(&self.dbname),
            self.sslmode.name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_interface_forms_parse() {
        let u = PgUrl::parse("postgres://lab@db.example.org/ergs?sslmode=require").unwrap();
        assert_eq!(
            (u.user.as_str(), u.host.as_str(), u.port, u.dbname.as_str()),
            ("lab", "db.example.org", 5432, "ergs")
        );
        assert_eq!(u.sslmode, SslMode::Require);
        assert_eq!(u.destination_key(), "postgres://db.example.org:5432/ergs");
        let u = PgUrl::parse("postgresql://a%40b@127.0.0.1:6543/x").unwrap();
        assert_eq!((u.user.as_str(), u.port), ("a@b", 6543));
        assert_eq!(u.sslmode, SslMode::Disable, "loopback defaults to disable");
        assert_eq!(
            PgUrl::parse("postgres://u@db/x").unwrap().sslmode,
            SslMode::VerifyFull
        );
        let u = PgUrl::parse("postgres://u@[::1]:5433/x").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 5433));
        assert_eq!(u.destination_key(), "postgres://[::1]:5433/x");
    }

    #[test]
    fn passwords_are_refused_and_never_shown() {
        for url in [
            "postgres://lab:hunter2@db/ergs",
            "postgres://lab:@db/ergs",
            "postgres://lab@db/ergs?password=hunter2",
        ] {
            let e = PgUrl::parse(url).unwrap_err().to_string();
            assert!(e.contains("password"), "{e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn other_refusals() {
        for (url, why) in [
            ("mysql://u@h/d", "postgres://"),
            ("postgres://h/d", "no user"),
            ("postgres://u@h", "no database"),
            ("postgres://u@h:0/d", "port"),
            ("postgres://u@h:x/d", "port"),
            ("postgres://u@h/d?sslmode=prefer", "sslmode"),
            ("postgres://u@h/d?application_name=x", "application_name"),
            ("postgres://u@h1,h2/d", "one host"),
            ("postgres://u@[zz]/d", "IPv6"),
        ] {
            let e = PgUrl::parse(url).unwrap_err().to_string();
            assert!(e.contains(why), "{url}: {e}");
        }
    }

    proptest! {
        #[test]
        fn any_text_parses_or_is_refused(text in ".{0,80}") {
            let _ = PgUrl::parse(&text);
            let _ = PgUrl::parse(&format!("postgres://{text}"));
        }

        #[test]
        fn urls_round_trip(
            user in "[a-zA-Z0-9_@:/ %.-]{1,12}",
            host in "[a-z0-9.-]{1,20}",
            port in 1u16..,
            dbname in "[a-zA-Z0-9_ ?&=%-]{1,12}",
            mode in 0usize..3,
        ) {
            let u = PgUrl {
                user,
                host,
                port,
                dbname,
                sslmode: [SslMode::Disable, SslMode::Require, SslMode::VerifyFull][mode],
            };
            prop_assert_eq!(PgUrl::parse(&u.to_url()).unwrap(), u);
        }
    }
}
