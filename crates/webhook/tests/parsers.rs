//! The webhook's parsers of what comes from outside: the signature header
//! (a receiver's side, [`sign::verify`]), `Retry-After`, and URLs (the
//! destination and redirect targets). Each gets a round trip and random
//! input that must never panic.

use std::time::{Duration, UNIX_EPOCH};

use erglink_webhook::sign::{VerifyError, signature, verify};
use erglink_webhook::{Endpoint, RetryPolicy, Secret, parse_retry_after};
use proptest::prelude::*;

/// Unix seconds as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), written
/// independently of the parser (civil_from_days, H. Hinnant).
fn imf_fixdate(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[test]
fn the_date_writer_agrees_with_rfc_9110s_example() {
    assert_eq!(imf_fixdate(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
}

proptest! {
    #[test]
    fn a_signature_verifies_for_its_body_and_secret_only(
        secret in proptest::collection::vec(any::<u8>(), 1..64),
        body in proptest::collection::vec(any::<u8>(), 0..512),
        t in 0i64..4_000_000_000,
        skew in -300i64..=300,
        flip in any::<prop::sample::Index>(),
    ) {
        let header = signature(&Secret::new(secret.clone()).unwrap(), t, &body);
        prop_assert_eq!(verify(&header, &body, &secret, t + skew, 300), Ok(()));
        if !body.is_empty() {
            let mut other = body.clone();
            other[flip.index(body.len())] ^= 1;
            prop_assert_eq!(verify(&header, &other, &secret, t, 300), Err(VerifyError::Mismatch));
        }
        prop_assert!(matches!(verify(&header, &body, &secret, t + 301, 300), Err(VerifyError::Stale(301))));
    }

    #[test]
    fn any_signature_header_is_refused_or_accepted_without_panicking(
        header in ".{0,200}",
        raw in proptest::collection::vec(any::<u8>(), 0..200),
        now in any::<i64>(),
        tolerance in any::<i64>(),
    ) {
        let _ = verify(&header, b"{}", b"secret", now, tolerance);
        let text = String::from_utf8_lossy(&raw);
        let _ = verify(&text, &raw, b"secret", now, tolerance);
        for t in ["-9223372036854775808", "9223372036854775807", "00000000001"] {
            let _ = verify(&format!("t={t},v1={text}"), b"{}", b"secret", now, tolerance);
        }
    }

    #[test]
    fn retry_after_round_trips_seconds_and_dates(
        secs in any::<u64>(),
        at in 0i64..253_402_300_799, // up to 9999-12-31T23:59:59Z
        ahead in 0u64..100_000,
    ) {
        prop_assert_eq!(parse_retry_after(&secs.to_string(), UNIX_EPOCH), Some(Duration::from_secs(secs)));
        let now = UNIX_EPOCH + Duration::from_secs(at as u64);
        let date = imf_fixdate(at + ahead as i64);
        prop_assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(ahead)), "{}", date);
    }

    #[test]
    fn any_retry_after_parses_or_not_without_panicking(
        value in ".{0,64}",
        secs in any::<u64>(),
        day in 1i64..=31,
        month in prop::sample::select(vec!["Jan", "Jun", "Dec", "jan", "Foo"]),
        year in any::<i64>(),
        clock in proptest::array::uniform3(any::<i64>()),
    ) {
        let date = format!("Sun, {day} {month} {year} {}:{}:{} GMT", clock[0], clock[1], clock[2]);
        let small = format!("Sun, {day} {month} {} 08:00:00 GMT", year.rem_euclid(20_000));
        let policy = RetryPolicy::default();
        for v in [value.as_str(), &secs.to_string(), &date, &small] {
            if let Some(wait) = parse_retry_after(v, UNIX_EPOCH) {
                // However long it asks for, the retry decision stays arithmetic, not a panic.
                let _ = policy.may_retry(1, Duration::from_secs(1), policy.wait(1, 0.5, Some(wait)));
            }
        }
    }

    #[test]
    fn a_destination_url_round_trips(
        host in "[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,6}){1,2}",
        port in proptest::option::of(1u16..),
        path in "(/[A-Za-z0-9._~-]{1,12}){0,4}",
        query in proptest::option::of("[a-z]{1,8}=[A-Za-z0-9]{0,12}"),
    ) {
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let path = if path.is_empty() { "/".to_string() } else { path };
        let query = query.map(|q| format!("?{q}")).unwrap_or_default();
        let url = format!("https://{host}{port}{path}{query}");
        let e = Endpoint::parse(&url, false).unwrap();
        prop_assert_eq!(e.as_str(), url.clone());
        prop_assert_eq!(Endpoint::parse(&e.as_str(), false).unwrap(), e.clone());
        prop_assert!(!e.is_loopback());
        // Same host, same scheme: followed; another host: not.
        let moved = format!("https://{host}{port}/moved");
        prop_assert!(e.redirect(308, &moved).is_ok());
        prop_assert!(e.redirect(307, "/moved?x=1").is_ok());
        let away = format!("https://x{host}{port}/moved");
        prop_assert!(e.redirect(308, &away).is_err());
        prop_assert!(e.redirect(302, &moved).is_err());
    }

    #[test]
    fn any_url_or_redirect_target_is_refused_or_accepted_without_panicking(
        url in ".{0,80}",
        raw in proptest::collection::vec(any::<u8>(), 0..80),
        status in 300u16..400,
    ) {
        let text = String::from_utf8_lossy(&raw);
        for u in [url.as_str(), &text, &format!("https://{url}"), &format!("http://[{url}]/")] {
            let _ = Endpoint::parse(u, false);
            let _ = Endpoint::parse(u, true);
        }
        let e = Endpoint::parse("https://hooks.example.com/terra", false).unwrap();
        for location in [url.as_str(), &text, &format!("/{url}"), &format!("//{url}")] {
            let _ = e.redirect(status, location);
        }
    }
}
