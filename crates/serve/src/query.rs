//! The query strings of Terra's routes, parsed by hand so that anything a
//! client sends (unknown keys, repeated keys, bad escapes, huge values)
//! ends as either a query or one of Terra's 400 details, never a panic.

use erglink_model::days_from_civil;
use erglink_normalize::Resolution;

/// One end of a range: a calendar day in each session's own local time,
/// or an exact moment (unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// Days since 1970-01-01.
    Day(i64),
    /// Unix seconds.
    Unix(i64),
}

/// `GET /activity`'s parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityQuery {
    /// `user_id`.
    pub user_id: String,
    /// `start_date`.
    pub start: Bound,
    /// `end_date`: `None` means now.
    pub end: Option<Bound>,
    /// `to_webhook` (default false, see the README).
    pub to_webhook: bool,
    /// `with_samples` (default false).
    pub with_samples: bool,
    /// `resolution`, erglink's extension (default stroke).
    pub resolution: Resolution,
}

/// `GET /userInfo`'s parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserQuery {
    /// `user_id`.
    UserId(String),
    /// `reference_id`.
    ReferenceId(String),
}

/// `GET /subscriptions`' parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageQuery {
    /// 0-based page; `None`: every user at once, unpaginated (as Terra).
    pub page: Option<usize>,
    /// Users per page.
    pub per_page: usize,
}

/// The most users a page holds, whatever `per_page` asks.
pub const MAX_PER_PAGE: usize = 1000;
/// `per_page` when none is given (Terra's default).
pub const DEFAULT_PER_PAGE: usize = 500;

/// Decodes `application/x-www-form-urlencoded` pairs. Bad escapes are kept
/// as they are, invalid UTF-8 replaced: the value is then simply wrong.
pub fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first value of `key` (Terra reads the first of repeated keys).
fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD` (a real day) or 10-digit unix seconds.
pub fn bound(s: &str) -> Option<Bound> {
    let s = s.trim();
    if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) {
        return digits(s).map(Bound::Unix);
    }
    let b = s.as_bytes();
    if s.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&s[..4])?, digits(&s[5..7])?, digits(&s[8..])?);
    let m = u32::try_from(m).ok()?;
    let d = u32::try_from(d).ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days_in_month)
        .contains(&d)
        .then(|| Bound::Day(days_from_civil(y, m, d)))
}

/// `true`, `false`, `1`, `0` (any case); `None` for anything else.
pub fn boolean(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn flag(pairs: &[(String, String)], key: &'static str) -> Result<bool, String> {
    match get(pairs, key) {
        None => Ok(false),
        Some(v) => boolean(v).ok_or_else(|| format!("invalid {key}")),
    }
}

/// Reads `GET /activity`'s query; the error is Terra's 400 detail.
pub fn activity(query: &str) -> Result<ActivityQuery, String> {
    let p = pairs(query);
    let user_id = get(&p, "user_id")
        .filter(|u| !u.trim().is_empty())
        .ok_or("user_id is required")?
        .trim()
        .to_string();
    let start = get(&p, "start_date")
        .and_then(bound)
        .ok_or("invalid start_date")?;
    let end = match get(&p, "end_date") {
        None | Some("") => None,
        Some(e) => Some(bound(e).ok_or("invalid end_date")?),
    };
    let resolution = match get(&p, "resolution") {
        None => Resolution::Stroke,
        Some(r) => r.parse().map_err(|_| "invalid resolution".to_string())?,
    };
    Ok(ActivityQuery {
        user_id,
        start,
        end,
        to_webhook: flag(&p, "to_webhook")?,
        with_samples: flag(&p, "with_samples")?,
        resolution,
    })
}

/// Reads `GET /userInfo`'s query.
pub fn user(query: &str) -> Result<UserQuery, String> {
    let p = pairs(query);
    let nonempty = |k| get(&p, k).map(str::trim).filter(|v| !v.is_empty());
    if let Some(u) = nonempty("user_id") {
        return Ok(UserQuery::UserId(u.to_string()));
    }
    nonempty("reference_id")
        .map(|r| UserQuery::ReferenceId(r.to_string()))
        .ok_or_else(|| "user_id or reference_id is required".into())
}

/// Reads `GET /subscriptions`' query.
pub fn page(query: &str) -> Result<PageQuery, String> {
    let p = pairs(query);
    let number = |k: &'static str| -> Result<Option<usize>, String> {
        match get(&p, k) {
            None | Some("") => Ok(None),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map(Some)
                .map_err(|_| format!("invalid {k}")),
        }
    };
    let per_page = number("per_page")?
        .unwrap_or(DEFAULT_PER_PAGE)
        .clamp(1, MAX_PER_PAGE);
    Ok(PageQuery {
        page: number("page")?,
        per_page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_and_unix_times() {
        assert_eq!(bound("1970-01-02"), Some(Bound::Day(1)));
        assert_eq!(bound("2024-02-29"), Some(Bound::Day(19_782)));
        assert_eq!(bound("1700000000"), Some(Bound::Unix(1_700_000_000)));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "170000000",
            "17000000000",
            "",
            "x",
        ] {
            assert_eq!(bound(bad), None, "{bad}");
        }
    }

    #[test]
    fn activity_queries_as_the_sdk_sends_them() {
        let q = activity("user_id=abc&start_date=2026-01-01&end_date=1767312000&to_webhook=false&with_samples=1&extra=9").unwrap();
        assert_eq!(q.user_id, "abc");
        assert_eq!(q.start, Bound::Day(days_from_civil(2026, 1, 1)));
        assert_eq!(q.end, Some(Bound::Unix(1_767_312_000)));
        assert!(!q.to_webhook && q.with_samples);
        assert_eq!(q.resolution, Resolution::Stroke);
        assert_eq!(
            activity("user_id=a&start_date=2026-01-40").unwrap_err(),
            "invalid start_date"
        );
        assert_eq!(activity("user_id=a").unwrap_err(), "invalid start_date");
        assert_eq!(
            activity("user_id=a&start_date=2026-01-01&end_date=no").unwrap_err(),
            "invalid end_date"
        );
        assert_eq!(
            activity("user_id=a&start_date=2026-01-01&with_samples=yes").unwrap_err(),
            "invalid with_samples"
        );
        assert_eq!(
            activity("start_date=2026-01-01").unwrap_err(),
            "user_id is required"
        );
        let q = activity("user_id=a%20b&start_date=2026-01-01&resolution=full&to_webhook=TRUE")
            .unwrap();
        assert_eq!(
            (q.user_id.as_str(), q.resolution, q.to_webhook),
            ("a b", Resolution::Full, true)
        );
    }

    #[test]
    fn users_and_pages() {
        assert_eq!(
            user("reference_id=Ada").unwrap(),
            UserQuery::ReferenceId("Ada".into())
        );
        assert_eq!(
            user("user_id=u&reference_id=Ada").unwrap(),
            UserQuery::UserId("u".into())
        );
        assert!(user("").is_err());
        assert_eq!(
            page("").unwrap(),
            PageQuery {
                page: None,
                per_page: DEFAULT_PER_PAGE
            }
        );
        assert_eq!(
            page("page=2&per_page=99999").unwrap(),
            PageQuery {
                page: Some(2),
                per_page: MAX_PER_PAGE
            }
        );
        assert_eq!(page("page=-1").unwrap_err(), "invalid page");
    }

    #[test]
    fn escapes() {
        assert_eq!(decode("a%2Fb+c%"), "a/b c%");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%C3%A9"), "é");
        assert_eq!(decode("%FF"), "\u{FFFD}");
    }

    proptest! {
        #[test]
        fn random_queries_never_panic(q in ".{0,300}") {
            let _ = activity(&q);
            let _ = user(&q);
            let _ = page(&q);
        }

        #[test]
        fn oversized_and_byte_soup_queries_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..20_000)) {
            let q = String::from_utf8_lossy(&bytes);
            let _ = activity(&q);
            let _ = activity(&format!("user_id={q}&start_date={q}&end_date={q}&with_samples={q}"));
        }

        #[test]
        fn encoded_values_round_trip(v in "\\PC{0,40}") {
            let encoded: String = v.bytes().map(|b| format!("%{b:02X}")).collect();
            prop_assert_eq!(decode(&encoded), v);
        }

        #[test]
        fn dates_round_trip(y in 1970i64..2200, m in 1u32..=12, d in 1u32..=28) {
            let text = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(bound(&text), Some(Bound::Day(days_from_civil(y, m, d))));
        }
    }
}
