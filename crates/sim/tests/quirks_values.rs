//! The value and unit quirks: GETPACE's scale, GETCADENCE's units byte, the
//! no-belt heart rate, `7F` byte order, the rest-time unit and GETVERSION's
//! model byte. Each reading against the default, at the same instant of the
//! same seeded session.

mod common;

use common::Host;
use erglink_csafe::command::*;
use erglink_csafe::{PrevFrameStatus, UnitsSpecifier};

const S: u64 = 1_000_000_000;

fn rowing(model: &str, query: &str, at_s: u64) -> Host {
    let mut host = Host::new(model, &format!("workout=2000m&pace=1:50&seed=6&{query}"));
    host.idle_until(at_s * S);
    host
}

#[test]
fn getpace_in_each_reading_with_the_same_units_byte() {
    let read = |units: &str| {
        let mut host = rowing("pm5", &format!("pace_units={units}"), 90);
        let r = host
            .exchange(&[GetPace {}.into(), PmGetStroke500mPace {}.into()])
            .unwrap();
        let raw = &r.contents[r.replies[0].raw.start as usize..r.replies[0].raw.end as usize];
        assert_eq!(raw[..2], [0xA6, 0x03]);
        assert_eq!(raw[4], 0x39, "{units}: units byte s/km whatever the value");
        let p = r.get::<GetPace>().unwrap();
        assert_eq!(p.units, UnitsSpecifier::SecPerKm);
        (p.pace, r.get::<PmGetStroke500mPace>().unwrap().pace)
    };
    let (s_km, cs) = read("s_km");
    assert!((10_000..=12_000).contains(&cs), "about 1:50/500 m: {cs}");
    assert_eq!(u32::from(s_km), (cs * 2 + 50) / 100, "whole s/km, rounded");
    let (s_500m, cs2) = read("s_500m");
    assert_eq!(cs2, cs);
    assert_eq!(u32::from(s_500m), (cs + 50) / 100);
    let (cs_500m, cs3) = read("cs_500m");
    assert_eq!(cs3, cs);
    assert_eq!(u32::from(cs_500m), cs);
    // The default is today's reading.
    assert_eq!(read("s_km"), {
        let mut host = rowing("pm5", "", 90);
        let r = host
            .exchange(&[GetPace {}.into(), PmGetStroke500mPace {}.into()])
            .unwrap();
        (
            r.get::<GetPace>().unwrap().pace,
            r.get::<PmGetStroke500mPace>().unwrap().pace,
        )
    });
}

#[test]
fn getcadence_with_and_without_its_units_byte() {
    let read = |query: &str| {
        let mut host = rowing("pm5", query, 90);
        let with = host.exchange_contents(&[GetCadence {}.into()]).unwrap();
        let rate = host
            .exchange(&[PmGetStrokeRate {}.into()])
            .unwrap()
            .get::<PmGetStrokeRate>()
            .unwrap()
            .rate;
        (with, rate)
    };
    let (yes, rate) = read("");
    assert_eq!(read("cadence_units=yes"), (yes.clone(), rate));
    assert!((24..=32).contains(&rate), "{rate}");
    assert_eq!(
        yes[1..],
        [0xA7, 0x03, rate, 0x00, 0x54],
        "rate LE + strokes/min"
    );
    let (no, rate_no) = read("cadence_units=no");
    assert_eq!(rate_no, rate);
    assert_eq!(
        no[1..],
        [0xA7, 0x02, rate, 0x00],
        "two data bytes, no units"
    );
    assert_eq!(no.len() + 1, yes.len());
}

#[test]
fn no_belt_reads_zero_or_255() {
    let hr = |query: &str| {
        let mut host = rowing("pm3", query, 90);
        let r = host
            .exchange(&[
                GetHrCur {}.into(),
                PmGetAvgHeartRate {}.into(),
                PmGetRestAvgHeartRate {}.into(),
            ])
            .unwrap();
        assert_eq!(r.status.prev_frame(), PrevFrameStatus::Ok);
        (
            r.get::<GetHrCur>().unwrap().hr,
            r.get::<PmGetAvgHeartRate>().unwrap().hr,
            r.get::<PmGetRestAvgHeartRate>().unwrap().hr,
        )
    };
    assert_eq!(hr("hr=off"), (0, 0, 0));
    assert_eq!(hr("hr=off&hr_none=0"), (0, 0, 0));
    assert_eq!(hr("hr=off&hr_none=255"), (255, 255, 255));
    let (cur, avg, _) = hr("hr=on&hr_none=255");
    assert!(
        (100..=200).contains(&cur) && (80..=200).contains(&avg),
        "{cur} {avg}"
    );
    assert_eq!(hr("hr=on&hr_none=255"), hr("hr=on"));
}

/// The data bytes of the first reply in a one-command `7F`/`7E`/`1A` frame.
fn wrapped_data(host: &mut Host, cmd: AnyCommand) -> Vec<u8> {
    let c = host.exchange_contents(&[cmd]).unwrap();
    // status, wrapper id, wrapper n, id, n, data…
    let n = usize::from(c[4]);
    c[5..5 + n].to_vec()
}

#[test]
fn seventeen_f_replies_in_either_byte_order() {
    let read = |query: &str| {
        let mut host = rowing("pm5", query, 120);
        let cmds: Vec<AnyCommand> = vec![
            PmGetStrokePower {}.into(),
            PmGetWorkDistanceData {}.into(),
            PmGetStrokeStatsData { reserved: 0 }.into(),
            PmGetEncoderPeriod {}.into(),
            PmGetRestTimeData {}.into(),
            PmGetHwAddress {}.into(),
            PmGetStrokeStats { reserved: 0 }.into(),
        ];
        cmds.into_iter()
            .map(|c| wrapped_data(&mut host, c))
            .collect::<Vec<_>>()
    };
    let be = read("");
    assert_eq!(read("byteorder_7f=be"), be);
    let le = read("byteorder_7f=le");
    let reversed = |v: &[u8]| v.iter().rev().copied().collect::<Vec<u8>>();
    let power = u32::from_be_bytes(be[0][..].try_into().unwrap());
    assert!((150..=400).contains(&power), "{power}");
    assert_eq!(le[0], reversed(&be[0]), "STROKE_POWER u32");
    assert_eq!(u32::from_le_bytes(le[0][..].try_into().unwrap()), power);
    assert_eq!(le[1], reversed(&be[1]), "WORKDISTANCE u32");
    // Stroke stats at 7F in LE are the bytes 1A sends (read a moment later:
    // the same stroke's stats).
    assert_ne!(le[2], be[2]);
    assert_eq!(le[2], be[6]);
    assert_eq!(le[6], be[6], "1A is untouched");
    assert_eq!(le[3], reversed(&be[3]), "ENCODER_PERIOD f32");
    assert_eq!(le[4], be[4], "RESTTIME is LE under 7F already");
    assert_eq!(le[5], be[5], "7E is untouched");
}

#[test]
fn rest_time_in_centiseconds_or_seconds() {
    let read = |query: &str| {
        let mut host = Host::new("pm5", &format!("workout=2x500m/1:00r&pace=1:50&{query}"));
        let rest_start = loop {
            host.idle_until(host.now + S);
            if let Some(iv) = host.sim.ground_truth().intervals.first() {
                break iv.end_ns;
            }
        };
        host.idle_until(rest_start + 20 * S + S / 4);
        let sent = host.now;
        let r = host
            .exchange(&[
                PmGetRestTime {}.into(),
                PmGetRestTimeData {}.into(),
                PmGetTotalRestTime {}.into(),
            ])
            .unwrap();
        let shown = host.sim.ground_truth().state_at(sent + 10_000_000).unwrap();
        assert!(shown.resting);
        (
            r.get::<PmGetRestTime>().unwrap().rest_time,
            r.get::<PmGetRestTimeData>().unwrap().rest_time,
            r.get::<PmGetTotalRestTime>().unwrap().time,
            shown,
        )
    };
    let (a, b, total, shown) = read("");
    assert_eq!((a, b), (read("resttime=cs").0, read("resttime=cs").1));
    assert_eq!(a, (shown.rest_remaining_s * 100.0) as u16);
    assert_eq!(b, a);
    assert_eq!(total, (shown.total_rest_s * 100.0) as u32);
    assert!((3900..=4000).contains(&a), "39.75 s left: {a}");
    let (a, b, total, shown) = read("resttime=s");
    assert_eq!((a, b), (39, 39), "whole seconds");
    assert_eq!(u32::from(a), shown.rest_remaining_s as u32);
    assert_eq!(total, 20);
}

#[test]
fn the_model_byte_is_what_model_byte_says() {
    let version = |model: &str, query: &str| {
        let mut host = Host::new(model, query);
        let v = host.exchange(&[GetVersion {}.into()]).unwrap();
        (
            v.get::<GetVersion>().unwrap().model,
            host.sim.identity().clone(),
        )
    };
    for (model, n) in [("pm3", 3), ("pm4", 4), ("pm5", 5)] {
        assert_eq!(version(model, "").0, n);
    }
    // csafe.h reports 5 for a PM4; the product string still says PM4.
    let (byte, id) = version("pm4", "model_byte=5");
    assert_eq!((byte, id.model), (5, 4));
    assert_eq!(id.product, "Concept2 Performance Monitor 4 (PM4)");
    assert_eq!(version("pm3", "model_byte=0").0, 0);
}
