//! Each anomaly the liveness check can report, from a monitor played back
//! from a hand-written transcript: exactly the replies each kind needs.

use erglink_bench::fuzz::{AnomalyKind, GETSTATUS, Outcome, framed, probe};
use erglink_csafe::{State, format_hex};
use erglink_pm::Monitor;
use erglink_transport::{Replay, Transcript, Transport, TransportError};

const GETVERSION: [u8; 4] = [0xF1, 0x91, 0x91, 0xF2];

/// A monitor answering `exchanges` (request, reply or silence) in order.
fn outcome(exchanges: &[(&[u8], Option<Vec<u8>>)]) -> Outcome {
    let mut text = String::from("# report-sizes: 1=20 2=120 4=62\n");
    let mut t = 0;
    for (request, reply) in exchanges {
        text.push_str(&format!("{t} tx 02 {}\n", format_hex(request)));
        t += 26_000_000;
        if let Some(r) = reply {
            text.push_str(&format!("{t} rx 02 {}\n", format_hex(r)));
        }
    }
    let transcript = Transcript::parse(&text).unwrap();
    let mut monitor: Monitor<Box<dyn Transport>> =
        Monitor::new(Box::new(Replay::new(transcript.clone(), "replay:test")));
    let mut reopen = move || -> Result<Box<dyn Transport>, TransportError> {
        // A fresh handle answers GETSTATUS, as a monitor that came back would.
        let t = Transcript::parse("0 tx 02 F1 80 80 F2\n26000000 rx 02 F1 81 81 F2\n").unwrap();
        Ok(Box::new(Replay::new(t, "replay:again")))
    };
    probe(
        &mut monitor,
        &mut reopen,
        &GETVERSION,
        None,
        Some(State::Ready),
    )
}

fn version_reply(status: u8) -> Vec<u8> {
    framed(&[status, 0x91, 0x07, 0x16, 0x02, 0x05, 0xF4, 0x01, 0x54, 0x01])
}

fn kind(o: &Outcome) -> Option<AnomalyKind> {
    match o {
        Outcome::Anomaly { kind, .. } => Some(*kind),
        _ => None,
    }
}

#[test]
fn a_healthy_exchange_is_fine() {
    let o = outcome(&[
        (&GETVERSION, Some(version_reply(0x81))),
        (&GETSTATUS, Some(framed(&[0x01]))),
    ]);
    assert_eq!(
        o,
        Outcome::Fine {
            answered: true,
            state: State::Ready
        }
    );
}

#[test]
fn every_kind_of_anomaly() {
    let stuck = outcome(&[
        (&GETVERSION, Some(version_reply(0x81))),
        (&GETSTATUS, Some(framed(&[0x81]))),
    ]);
    assert_eq!(kind(&stuck), Some(AnomalyKind::ToggleStuck), "{stuck:?}");
    let moved = outcome(&[
        (&GETVERSION, Some(version_reply(0x81))),
        (&GETSTATUS, Some(framed(&[0x05]))),
    ]);
    assert_eq!(kind(&moved), Some(AnomalyKind::StateChange), "{moved:?}");
    // The liveness check answered with the version: a reply to another frame.
    let wrong = outcome(&[(&GETVERSION, None), (&GETSTATUS, Some(version_reply(0x01)))]);
    assert_eq!(kind(&wrong), Some(AnomalyKind::WrongFrame), "{wrong:?}");
    let late = outcome(&[
        (&GETVERSION, Some(version_reply(0x81))),
        (&GETSTATUS, None),
        (&GETSTATUS, Some(framed(&[0x01]))),
    ]);
    assert_eq!(kind(&late), Some(AnomalyKind::NoReply), "{late:?}");
    let unanswered = outcome(&[(&GETVERSION, None), (&GETSTATUS, Some(framed(&[0x81])))]);
    assert_eq!(
        kind(&unanswered),
        Some(AnomalyKind::NoReply),
        "a valid frame went unanswered: {unanswered:?}"
    );
    let hung = outcome(&[
        (&GETVERSION, None),
        (&GETSTATUS, None),
        (&GETSTATUS, None),
        (&GETSTATUS, None),
    ]);
    assert_eq!(kind(&hung), Some(AnomalyKind::NeedsReopen), "{hung:?}");
}
