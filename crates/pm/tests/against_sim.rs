//! The driver against the simulator: every command, faults, transcripts.

use erglink_csafe::command::*;
use erglink_csafe::{AnyCommand, Outcome};
use erglink_pm::{DriverError, Monitor};
use erglink_sim::{SimConfig, Simulator};
use erglink_transport::{
    Replay, SimTransport, Transcribing, Transcript, TranscriptWriter, Transport,
};

fn sim(options: &str) -> Monitor<SimTransport> {
    let cfg = SimConfig::parse("pm5", options).unwrap();
    Monitor::new(SimTransport::new(
        Simulator::new(cfg),
        format!("sim:pm5?{options}"),
    ))
}

/// A command of `spec` with all-zero arguments (variable-length tails empty).
fn zero_command(spec: &CommandSpec) -> AnyCommand {
    // A tail counts 255 bytes in the maximum; leave it empty.
    let fixed = if spec.args_max_len >= 255 {
        spec.args_max_len - 255
    } else {
        spec.args_max_len
    };
    let args = (!spec.is_short()).then(|| vec![0u8; fixed]);
    let cmd = AnyCommand::decode(spec.wrapper, spec.id, args.as_deref());
    assert!(!matches!(cmd, AnyCommand::Raw(_)), "{}", spec.name);
    cmd
}

#[test]
fn every_command_of_the_dictionary_through_the_driver() {
    let mut m = sim("seed=3");
    let mut answered = 0;
    for spec in all_specs() {
        let cmd = zero_command(spec);
        let name = format!("{}@{}", spec.name, spec.wrapper.label());
        match m.exchange(std::slice::from_ref(&cmd)) {
            Ok(Ok(ex)) => {
                answered += 1;
                let reply = &ex.response.replies[0];
                assert_eq!(reply.request_index, Some(0), "{name}");
                if spec.reply_has_data {
                    assert!(
                        matches!(reply.outcome, Outcome::Data(_)),
                        "{name}: {:?}",
                        reply.outcome
                    );
                } else {
                    assert!(
                        matches!(reply.outcome, Outcome::Ack | Outcome::StatusOnly),
                        "{name}: {:?}",
                        reply.outcome
                    );
                }
                assert!(
                    ex.response.issues.is_empty(),
                    "{name}: {:?}",
                    ex.response.issues
                );
            }
            // A refusal is the PM's answer (a zero argument out of range, a
            // command the state does not allow): the exchange itself worked.
            Ok(Err(refused)) => assert_eq!(refused.exchange.response.replies.len(), 1, "{name}"),
            Err(e) => panic!("{name}: {e}"),
        }
    }
    assert!(
        answered > 150,
        "{answered} of {} commands answered",
        all_specs().len()
    );
    assert_eq!(m.stats().timeouts, 0);
}

#[test]
fn getters_survive_drops_and_corruption() {
    let mut m = sim("seed=11&faults=drop:0.05,corrupt:0.01");
    let serial = m.transport().info().serial.clone().unwrap();
    let polls: Vec<Vec<AnyCommand>> = vec![
        vec![GetSerial {}.into()],
        vec![GetVersion {}.into(), GetStatus {}.into()],
        vec![
            PmGetWorkTime {}.into(),
            PmGetWorkDistance {}.into(),
            PmGetStrokeState {}.into(),
        ],
        vec![GetPower {}.into(), GetCadence {}.into()],
        vec![PmGetDragFactor {}.into()],
    ];
    for i in 0..1000 {
        let cmds = &polls[i % polls.len()];
        let ex = match m.exchange(cmds) {
            Ok(Ok(ex)) => ex,
            Ok(Err(refused)) => panic!("exchange {i}: refused {}", refused.status),
            Err(e) => panic!("exchange {i}: {e}"),
        };
        // Every reply answers this request, never an earlier one.
        for (k, r) in ex.response.replies.iter().enumerate() {
            assert_eq!(r.request_index, Some(k as u16), "exchange {i}");
            assert_eq!(
                (r.wrapper, r.id),
                (cmds[k].wrapper(), cmds[k].id()),
                "exchange {i}"
            );
        }
        if let Some(s) = ex.response.get::<GetSerial>() {
            assert_eq!(s.serial.as_str(), Some(serial.as_str()));
        }
    }
    let s = m.stats();
    // Replies counted: one per exchange, plus those that reported our request damaged.
    assert_eq!(s.exchanges, 1000 + s.bad_requests);
    assert!(s.resends > 50, "resends counted: {}", s.resends);
    assert!(
        s.timeouts > 30 && s.bad_frames > 5 && s.bad_requests > 2,
        "{s:?}"
    );
}

#[test]
fn drains_are_never_resent() {
    // Every second reply lost: a force-plot read that loses its reply is reported.
    let mut m = sim("seed=5&faults=dropin:0.5");
    let mut lost = 0;
    for _ in 0..40 {
        match m.exchange(&[PmGetForcePlotData { block_len: 32 }.into()]) {
            Err(DriverError::LostDrain { command }) => {
                assert_eq!(command, "PM_GET_FORCEPLOTDATA");
                lost += 1;
            }
            Ok(_) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert!(lost > 5);
    assert_eq!(m.stats().resends, 0);
}

#[test]
fn a_transcript_replays_to_the_same_decoded_results() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.txt");
    let cmds: Vec<Vec<AnyCommand>> = vec![
        vec![GetVersion {}.into(), GetSerial {}.into()],
        vec![
            PmGetWorkTime {}.into(),
            PmGetStrokeState {}.into(),
            GetPower {}.into(),
        ],
        vec![GetCaps { code: 0 }.into()],
    ];
    let sim = sim("seed=9").transport().simulator().config().clone();
    let transport = SimTransport::new(Simulator::new(sim), "sim:pm5?seed=9".into());
    let writer =
        TranscriptWriter::create(&path, transport.info(), transport.report_sizes()).unwrap();
    let mut live = Monitor::new(Transcribing::new(transport, writer));
    let recorded: Vec<_> = cmds
        .iter()
        .map(|c| live.exchange(c).unwrap().unwrap().response)
        .collect();
    drop(live);
    let mut replay = Monitor::new(Replay::new(Transcript::load(&path).unwrap(), "replay"));
    for (c, want) in cmds.iter().zip(&recorded) {
        let got = replay.exchange(c).unwrap().unwrap().response;
        assert_eq!(&got, want);
    }
    // A request that differs from the recording is reported, not accepted.
    let mut replay = Monitor::new(Replay::new(Transcript::load(&path).unwrap(), "replay"));
    let err = replay.exchange(&[GetSerial {}.into()]).unwrap_err();
    assert!(
        err.to_string().contains("differs from the recording"),
        "{err}"
    );
}
