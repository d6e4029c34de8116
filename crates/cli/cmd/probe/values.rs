//! The readings of values as they come back: GETCADENCE's units byte,
//! GETHRCUR with no belt, the `7F` byte order and the rest-time unit.

use super::readings::{Heard, Reading, heard_word};

/// GETCADENCE's data lengths as they came: 3 with the units byte, 2 without.
pub fn cadence_units(lengths: &[u8]) -> Reading {
    let with = lengths.iter().filter(|&&n| n == 3).count();
    let without = lengths.iter().filter(|&&n| n == 2).count();
    match (with, without, lengths.len()) {
        (0, 0, 0) => Reading::unknown("GETCADENCE never answered"),
        (n, 0, all) if n == all => Reading::shows(
            "yes",
            format!("{n} GETCADENCE replies, each 3 bytes (with the units byte)"),
        ),
        (0, n, all) if n == all => Reading::shows(
            "no",
            format!("{n} GETCADENCE replies, each 2 bytes (no units byte)"),
        ),
        _ => Reading::unknown(format!(
            "GETCADENCE came back with {with} replies of 3 bytes, {without} of 2 and {} of other lengths",
            lengths.len() - with - without
        )),
    }
}

/// GETHRCUR's values: what it reads with no belt.
pub fn hr_none(values: &[u8]) -> Reading {
    if values.is_empty() {
        return Reading::unknown("GETHRCUR never answered");
    }
    if let Some(&bpm) = values.iter().find(|&&v| v != 0 && v != 255) {
        return Reading::unknown(format!(
            "a heart-rate belt reads {bpm} bpm: take it off (or unpair it) and probe again"
        ));
    }
    let zeros = values.iter().filter(|&&v| v == 0).count();
    match (zeros, values.len() - zeros) {
        (n, 0) => Reading::shows("0", format!("GETHRCUR read 0 all {n} times, with no belt")),
        (0, n) => Reading::shows(
            "255",
            format!("GETHRCUR read 255 all {n} times, with no belt"),
        ),
        (z, f) => Reading::unknown(format!("GETHRCUR read 0 {z} times and 255 {f} times")),
    }
}

/// The `7F` work time read between two `1A` work times (0.01 s each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkTimes {
    /// `1A A0` just before.
    pub before_cs: u32,
    /// `7F A0` as the codec decodes it (big-endian, as the spec says).
    pub read_7f: u32,
    /// `1A A0` just after.
    pub after_cs: u32,
}

/// Slack around the `1A` work times, 0.01 s: a reply's own processing time.
const WORKTIME_SLACK_CS: u32 = 10;

/// Whether `7F` replies are big- or little-endian, from work times that
/// read differently each way and fit between their `1A` neighbours.
pub fn byteorder_7f(samples: &[WorkTimes], worktime_7f: Option<Heard>) -> Reading {
    match worktime_7f {
        Some(Heard::Answered) => {}
        Some(h) => {
            return Reading::unknown(format!("PM_GET_WORKTIME@7F was {}", heard_word(h)));
        }
        None => return Reading::unknown("PM_GET_WORKTIME@7F was not tried"),
    }
    let fits = |s: &WorkTimes, v: u32| {
        s.before_cs.saturating_sub(WORKTIME_SLACK_CS) <= v
            && v <= s.after_cs.saturating_add(WORKTIME_SLACK_CS)
    };
    let (mut be, mut le, mut neither) = (0, 0, None);
    for s in samples {
        let swapped = s.read_7f.swap_bytes();
        if s.read_7f == swapped {
            continue;
        }
        match (fits(s, s.read_7f), fits(s, swapped)) {
            (true, false) => be += 1,
            (false, true) => le += 1,
            _ => neither = neither.or(Some(*s)),
        }
    }
    match (be, le) {
        (0, 0) => match neither {
            Some(s) => Reading::unknown(format!(
                "7F work time {:#010X} fits neither byte order between the 1A work times {} and {}",
                s.read_7f, s.before_cs, s.after_cs
            )),
            None => Reading::unknown(
                "the work time read the same either way (it was 0: row for a few seconds)",
            ),
        },
        (n, 0) => Reading::shows(
            "be",
            format!("{n} 7F work times read big-endian fit the 1A ones"),
        ),
        (0, n) => Reading::shows(
            "le",
            format!("{n} 7F work times read little-endian fit the 1A ones"),
        ),
        (b, l) => Reading::unknown(format!(
            "{b} 7F work times fit big-endian and {l} little-endian"
        )),
    }
}

/// How fast the rest time moves, per second, in each unit.
const REST_RATE_S: (f64, f64) = (0.5, 2.0);
const REST_RATE_CS: (f64, f64) = (50.0, 200.0);
/// A rest watched for less than this cannot tell whole seconds apart.
const REST_SPAN_NS: u64 = 2_000_000_000;

/// The unit of the rest time (`1A CF`), from how fast it moves during a
/// rest: 1 a second in seconds, 100 in hundredths. `samples` are
/// `(transport ns, raw value)` in order.
pub fn resttime(samples: &[(u64, u16)]) -> Reading {
    // The moments it changed, within one stretch of non-zero values.
    let mut best: Option<((u64, u16), (u64, u16))> = None;
    let mut first_change: Option<(u64, u16)> = None;
    let mut last_change: Option<(u64, u16)> = None;
    let mut prev: Option<u16> = None;
    let mut seen = false;
    let mut consider = |a: Option<(u64, u16)>, b: Option<(u64, u16)>| {
        if let (Some(a), Some(b)) = (a, b)
            && best.is_none_or(|(x, y)| b.0.saturating_sub(a.0) > y.0.saturating_sub(x.0))
        {
            best = Some((a, b));
        }
    };
    for &(t, v) in samples {
        if v == 0 {
            consider(first_change, last_change);
            (first_change, last_change, prev) = (None, None, None);
            continue;
        }
        seen = true;
        if prev.is_some_and(|p| p != v) {
            first_change.get_or_insert((t, v));
            last_change = Some((t, v));
        }
        prev = Some(v);
    }
    consider(first_change, last_change);
    let Some(((t0, v0), (t1, v1))) =
        best.filter(|((t0, _), (t1, _))| t1.saturating_sub(*t0) >= REST_SPAN_NS)
    else {
        return Reading::unknown(if seen {
            "a rest was seen too briefly to time: run the probe through a whole rest"
        } else {
            "no rest during the probe: program intervals with rest on the PM and probe through one"
        });
    };
    let rate = f64::from(v0.abs_diff(v1)) / ((t1 - t0) as f64 / 1e9);
    let within = |(lo, hi): (f64, f64)| (lo..=hi).contains(&rate);
    let why = format!(
        "the rest time moved {} in {:.1} s",
        v0.abs_diff(v1),
        (t1 - t0) as f64 / 1e9
    );
    if within(REST_RATE_S) {
        Reading::shows("s", why)
    } else if within(REST_RATE_CS) {
        Reading::shows("cs", why)
    } else {
        Reading::unknown(format!("{why}: neither 1 nor 100 a second"))
    }
}

#[cfg(test)]
mod tests {
    use erglink_csafe::PrevFrameStatus;

    use super::*;
    use crate::cmd::probe::readings::tests::Lcg;
    use crate::cmd::probe::readings::{heard, model, prev_status};

    #[test]
    fn cadence_units_by_reply_length() {
        assert_eq!(cadence_units(&[3, 3, 3]).token(), "yes");
        assert_eq!(cadence_units(&[2, 2]).token(), "no");
        assert_eq!(cadence_units(&[]).token(), "unknown");
        assert_eq!(cadence_units(&[2, 3]).token(), "unknown");
        assert_eq!(cadence_units(&[4]).token(), "unknown");
    }

    #[test]
    fn hr_none_needs_no_belt() {
        assert_eq!(hr_none(&[0, 0, 0]).token(), "0");
        assert_eq!(hr_none(&[255, 255]).token(), "255");
        let r = hr_none(&[0, 131, 0]);
        assert_eq!(r.token(), "unknown");
        assert!(r.why.contains("131 bpm"), "{}", r.why);
        assert_eq!(hr_none(&[0, 255]).token(), "unknown");
        assert_eq!(hr_none(&[]).token(), "unknown");
    }

    fn wt(before_cs: u32, true_cs: u32, after_cs: u32, le: bool) -> WorkTimes {
        // What the codec decodes (big-endian) from the PM's bytes.
        let read_7f = if le { true_cs.swap_bytes() } else { true_cs };
        WorkTimes {
            before_cs,
            read_7f,
            after_cs,
        }
    }

    #[test]
    fn byteorder_7f_from_work_times() {
        let ok = Some(Heard::Answered);
        let be = [wt(1234, 1236, 1239, false), wt(5000, 5001, 5003, false)];
        assert_eq!(byteorder_7f(&be, ok).token(), "be");
        let le = [wt(1234, 1236, 1239, true)];
        assert_eq!(byteorder_7f(&le, ok).token(), "le");
        // At rest the work time is 0 either way.
        let r = byteorder_7f(&[wt(0, 0, 0, false)], ok);
        assert_eq!(r.token(), "unknown");
        assert!(r.why.contains("row"), "{}", r.why);
        let r = byteorder_7f(&[wt(100, 90_000, 105, false)], ok);
        assert!(r.why.contains("fits neither"), "{}", r.why);
        assert_eq!(byteorder_7f(&be, Some(Heard::Refused)).token(), "unknown");
        assert_eq!(byteorder_7f(&be, None).token(), "unknown");
        assert_eq!(byteorder_7f(&[be[0], le[0]], ok).token(), "unknown");
    }

    /// A rest of `from` counting down, in `unit` per second, polled every 26 ms.
    fn rest(from_s: u16, per_s: u16, secs: u64) -> Vec<(u64, u16)> {
        let mut v = vec![(0, 0)];
        let step = 26_000_000;
        for k in 0..(secs * 1_000_000_000 / step) {
            let t = 1_000_000_000 + k * step;
            let left_cs =
                u64::from(from_s) * 100 - (k * step / 10_000_000).min(u64::from(from_s) * 100);
            let raw = if per_s == 1 { left_cs / 100 } else { left_cs };
            v.push((t, raw as u16));
        }
        v.push((v.last().unwrap().0 + step, 0));
        v
    }

    #[test]
    fn resttime_by_how_fast_it_moves() {
        assert_eq!(resttime(&rest(60, 1, 10)).token(), "s");
        assert_eq!(resttime(&rest(60, 100, 10)).token(), "cs");
        assert_eq!(resttime(&rest(60, 1, 1)).token(), "unknown");
        let r = resttime(&[(0, 0), (1, 0)]);
        assert!(r.why.starts_with("no rest"), "{}", r.why);
        // A value that sits still is no rest timer.
        assert_eq!(resttime(&[(0, 60), (5_000_000_000, 60)]).token(), "unknown");
    }

    #[test]
    fn random_replies_never_panic() {
        use PrevFrameStatus::*;
        let mut g = Lcg(13);
        let statuses = [Ok, Reject, Bad, NotReady];
        for _ in 0..5_000 {
            let n = (g.next() % 40) as usize;
            let lengths: Vec<u8> = (0..n).map(|_| g.next() as u8 % 5).collect();
            let bytes: Vec<u8> = (0..n).map(|_| g.next() as u8).collect();
            let rest: Vec<(u64, u16)> = (0..n)
                .map(|_| (g.next() * 1_000_000, (g.next() % 4) as u16 * 30))
                .collect();
            let times: Vec<WorkTimes> = (0..n)
                .map(|_| WorkTimes {
                    before_cs: g.next() as u32,
                    read_7f: g.next() as u32,
                    after_cs: g.next() as u32,
                })
                .collect();
            let pick = |g: &mut Lcg| statuses[(g.next() % 4) as usize];
            let (a, b) = (pick(&mut g), pick(&mut g));
            let reading = [
                cadence_units(&lengths),
                hr_none(&bytes),
                resttime(&rest),
                byteorder_7f(&times, Some(Heard::Answered)),
                model(None, bytes.first().copied(), bytes.last().copied()),
            ];
            for r in reading {
                assert!(!r.why.is_empty() && !r.token().contains(' '));
            }
            let _ = prev_status(Some(a), Some(b), "x");
            let _ = heard(Some((a, g.next().is_multiple_of(2))), Some(b));
        }
    }
}
