//! The 34 request/reply pairs a real PM5 exchanged with a workout app
//! (captures/pm5-program-exchanges.tsv), replayed in order against a PM5
//! whose athlete sits still: every reply must be byte for byte the recorded
//! one (toggle bit included), and silence where the PM5 sent nothing.
//!
//! The capture has no timestamps. The simulator's `76` workouts settle into
//! Offline/Manual one second after they are programmed (`SETTLE_NS`). The
//! two GOFINISHED that still saw Ready/Idle (12 and 20), and the GOIDLE that
//! the PM still took from Ready (13), are sent at once after the reply before
//! them; every other request after a 2 s pause.

mod common;

use common::Host;
use erglink_csafe::parse_hex;
use erglink_sim::SETTLE_NS;

const EXCHANGES: &str = include_str!("../../../captures/pm5-program-exchanges.tsv");
/// Requests sent before the program before them has settled.
const SOON: [u32; 3] = [12, 13, 20];

struct Exchange {
    seq: u32,
    meaning: String,
    request: Vec<u8>,
    reply: Option<Vec<u8>>,
}

fn exchanges() -> Vec<Exchange> {
    EXCHANGES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Exchange {
                seq: cols[0].parse().unwrap(),
                meaning: cols[1].to_string(),
                request: parse_hex(cols[2]).unwrap(),
                reply: cols
                    .get(3)
                    .filter(|c| !c.trim().is_empty())
                    .map(|c| parse_hex(c).unwrap()),
            }
        })
        .collect()
}

/// The first frame of a report: from the report id's next byte to the stop flag.
fn frame_of(report: &[u8]) -> Vec<u8> {
    let end = report.iter().position(|&b| b == 0xF2).expect("a stop flag");
    report[1..=end].to_vec()
}

#[test]
fn every_exchange_gets_the_recorded_reply() {
    let mut host = Host::new("pm5", "start=off");
    let all = exchanges();
    assert_eq!(all.len(), 34);
    let mut failures = Vec::new();
    for ex in &all {
        if !SOON.contains(&ex.seq) {
            host.idle_until(host.now + 2 * SETTLE_NS);
        }
        let got = host.exchange_frame(&ex.request).map(|r| frame_of(&r));
        if got != ex.reply {
            failures.push(format!(
                "#{} {}: expected {:02X?}, got {:02X?}",
                ex.seq, ex.meaning, ex.reply, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_workouts_programmed_are_the_ones_sent() {
    use erglink_csafe::workout::Goal;
    use erglink_sim::Origin;
    let mut host = Host::new("pm5", "start=off");
    for ex in exchanges() {
        host.idle_until(host.now + 2 * SETTLE_NS);
        host.exchange_frame(&ex.request);
    }
    let w = &host.sim.ground_truth().workouts;
    // Power-on just row, then one per accepted program or GOINUSE.
    let goals: Vec<(Origin, Option<Goal>, usize)> = w
        .iter()
        .map(|w| {
            (
                w.origin,
                w.program.intervals[0].work,
                w.program.intervals.len(),
            )
        })
        .collect();
    assert_eq!(goals[0], (Origin::Menu, None, 1));
    assert_eq!(goals[1], (Origin::Proprietary, Some(Goal::Time(6000)), 1));
    assert_eq!(goals[2], (Origin::Public, Some(Goal::Distance(1000)), 1));
    assert!(goals.contains(&(Origin::Proprietary, Some(Goal::Distance(250)), 3)));
    assert_eq!(
        *goals.last().unwrap(),
        (Origin::Proprietary, Some(Goal::Time(18_000)), 1)
    );
}
