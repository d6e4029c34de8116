use proptest::prelude::*;

use super::*;
use crate::plan::{Expect, Expected, Op, Step};

fn one(line: &str) -> Step {
    let plan = parse(line, "t.plan").unwrap();
    assert_eq!(plan.steps.len(), 1, "{line}");
    plan.steps[0].step.clone()
}

#[test]
fn every_step_of_the_language() {
    assert_eq!(
        one("case identity and more"),
        Step::Case("identity and more".into())
    );
    let Step::Send(s) = one("send f1 80 80 f2") else {
        panic!()
    };
    assert!(s.raw);
    assert_eq!(s.frame, [0xF1, 0x80, 0x80, 0xF2]);
    let Step::Send(s) = one("send GETSTATUS   # a comment") else {
        panic!()
    };
    assert!(!s.raw);
    assert_eq!(s.frame, [0xF1, 0x80, 0x80, 0xF2]);
    assert_eq!(
        one("expect status InUse prev REJECT toggle flips"),
        Step::Expect(Expect::Status {
            state: State::InUse,
            prev: Some(PrevFrameStatus::Reject),
            toggle_flips: true
        })
    );
    assert_eq!(
        one("expect reply F1 ?? 81 F2"),
        Step::Expect(Expect::Reply(vec![
            Some(0xF1),
            None,
            Some(0x81),
            Some(0xF2)
        ]))
    );
    assert_eq!(
        one("expect GETPOWER.power_w > 0"),
        Step::Expect(Expect::Field {
            reply: "GETPOWER".into(),
            key: "power_w".into(),
            op: Op::Gt,
            value: Expected::Number(0.0)
        })
    );
    assert_eq!(
        one("expect GETSERIAL.serial == \"43 # 0\""),
        Step::Expect(Expect::Field {
            reply: "GETSERIAL".into(),
            key: "serial".into(),
            op: Op::Eq,
            value: Expected::Text("43 # 0".into())
        })
    );
    assert_eq!(
        one("expect GETUNITS.units <= Metric"),
        Step::Expect(Expect::Field {
            reply: "GETUNITS".into(),
            key: "units".into(),
            op: Op::Le,
            value: Expected::Text("Metric".into())
        })
    );
    assert_eq!(
        one("expect no-reply within 200"),
        Step::Expect(Expect::NoReply { within_ms: 200 })
    );
    assert_eq!(
        one("expect latency < 30"),
        Step::Expect(Expect::Latency { below_ms: 30 })
    );
    assert_eq!(one("wait 1000"), Step::Wait { ms: 1000 });
    assert_eq!(
        one("include common.plan"),
        Step::Include("common.plan".into())
    );
    let plan = parse(
        "repeat 2 {\n  send GETSTATUS\n  repeat 3 {\n wait 1\n }\n}\n",
        "t",
    )
    .unwrap();
    let Step::Repeat { count: 2, body } = &plan.steps[0].step else {
        panic!()
    };
    assert_eq!(body.len(), 2);
    assert_eq!(body[0].line, 2);
}

#[test]
fn mistakes_name_their_line() {
    for (text, line, says) in [
        ("case a\nsend\n", 2, "needs a frame"),
        ("\n\nfrobnicate 3", 3, "not a step"),
        ("send NOSUCHCOMMAND", 1, "bad command"),
        ("expect status Sleeping", 1, "not a state"),
        ("expect status Ready prev MAYBE", 1, "not OK"),
        ("expect GETPOWER.power_w ~ 3", 1, "OP one of"),
        ("expect power_w > 3", 1, "NAME.FIELD"),
        ("expect reply F1 ?x", 1, "bad reply pattern"),
        ("expect latency <= 3", 1, "latency < MS"),
        ("wait soon", 1, "milliseconds"),
        ("repeat 3\nsend GETSTATUS\n}", 1, "same line"),
        ("send GETSTATUS\n}", 2, "without a `repeat"),
        ("repeat 3 {\nsend GETSTATUS\n", 1, "no closing"),
        ("expect GETID.id == \"open", 1, "closing"),
    ] {
        let e = parse(text, "p.plan").unwrap_err();
        let BenchError::Plan {
            line: l, ref why, ..
        } = e
        else {
            panic!("{e:?}")
        };
        assert_eq!(l, line, "{text}: {e}");
        assert!(why.contains(says), "{text}: {e}");
        assert!(
            e.to_string().starts_with(&format!("p.plan:{line}: ")),
            "{e}"
        );
    }
}

#[test]
fn includes_are_read_relative_and_cycles_stop() {
    let plan = parse(
        "case a\ninclude b.plan\nrepeat 2 {\ninclude b.plan\n}\n",
        "dir/a.plan",
    )
    .unwrap();
    let mut asked = Vec::new();
    let mut load = |from: &str, path: &str| -> Result<(String, String), String> {
        asked.push((from.to_string(), path.to_string()));
        Ok((
            format!("dir/{path}"),
            "send GETSTATUS\nexpect status Ready\n".into(),
        ))
    };
    let resolved = resolve(plan, &mut load).unwrap();
    assert_eq!(resolved.steps.len(), 4);
    assert_eq!(resolved.steps[1].file, "dir/b.plan");
    assert_eq!(asked[0], ("dir/a.plan".into(), "b.plan".into()));
    let Step::Repeat { body, .. } = &resolved.steps[3].step else {
        panic!()
    };
    assert_eq!(body.len(), 2);

    let plan = parse("include self.plan", "self.plan").unwrap();
    let mut load =
        |_: &str, _: &str| Ok(("self.plan".to_string(), "include self.plan".to_string()));
    let e = resolve(plan, &mut load).unwrap_err();
    assert!(e.to_string().contains("nest too deep"), "{e}");
    let plan = parse("include gone.plan", "a.plan").unwrap();
    let mut load = |_: &str, _: &str| Err::<(String, String), _>("No such file".to_string());
    let e = resolve(plan, &mut load).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a.plan:1: cannot include `gone.plan`: No such file"
    );
}

const COMMANDS: [&str; 6] = [
    "GETSTATUS",
    "GETPOWER",
    "GETCAPS:0",
    "SETHORIZONTAL:2000,metre",
    "PM_GET_WORKDISTANCE",
    "PM_SET_SCREENSTATE:1,2",
];

fn send_strategy() -> impl Strategy<Value = Step> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 1..12).prop_map(|frame| Step::Send(Send {
            words: frame.iter().map(|b| format!("{b:02X}")).collect(),
            frame,
            raw: true,
        })),
        prop::collection::vec(prop::sample::select(&COMMANDS[..]), 1..4).prop_map(|cmds| {
            let words: Vec<String> = cmds.iter().map(|c| c.to_string()).collect();
            let frame = frame_input(&words).unwrap().frame().to_vec();
            Step::Send(Send {
                words,
                frame,
                raw: false,
            })
        }),
    ]
}

fn expect_strategy() -> impl Strategy<Value = Expect> {
    let states = [
        State::Ready,
        State::Idle,
        State::HaveId,
        State::InUse,
        State::Paused,
        State::Finished,
        State::Manual,
        State::Offline,
        State::Error,
    ];
    let prevs = [
        PrevFrameStatus::Ok,
        PrevFrameStatus::Reject,
        PrevFrameStatus::Bad,
        PrevFrameStatus::NotReady,
    ];
    prop_oneof![
        (
            prop::sample::select(states.to_vec()),
            prop::option::of(prop::sample::select(prevs.to_vec())),
            any::<bool>()
        )
            .prop_map(|(state, prev, toggle_flips)| Expect::Status {
                state,
                prev,
                toggle_flips
            }),
        prop::collection::vec(prop::option::of(any::<u8>()), 1..10).prop_map(Expect::Reply),
        (
            "[A-Z][A-Z0-9_]{0,12}",
            "[a-z][a-z0-9_]{0,12}",
            prop::sample::select(&Op::ALL[..]),
            prop_oneof![
                any::<i32>().prop_map(|v| Expected::Number(f64::from(v) / 8.0)),
                "[ -~]{0,12}".prop_map(Expected::Text),
            ],
        )
            .prop_map(|(reply, key, op, value)| Expect::Field {
                reply,
                key,
                op,
                value
            }),
        (0u64..1_000_000).prop_map(|within_ms| Expect::NoReply { within_ms }),
        (0u64..1_000_000).prop_map(|below_ms| Expect::Latency { below_ms }),
    ]
}

fn step_strategy() -> impl Strategy<Value = Step> {
    let leaf = prop_oneof![
        "[A-Za-z][A-Za-z0-9_-]{0,8}( [A-Za-z0-9_-]{1,8}){0,2}".prop_map(Step::Case),
        send_strategy(),
        expect_strategy().prop_map(Step::Expect),
        (0u64..100_000).prop_map(|ms| Step::Wait { ms }),
        "[a-z]{1,8}/?[a-z]{1,8}\\.plan".prop_map(Step::Include),
    ];
    leaf.prop_recursive(2, 24, 6, |inner| {
        (0u32..100, prop::collection::vec(inner, 0..6)).prop_map(|(count, body)| Step::Repeat {
            count,
            body: body
                .into_iter()
                .map(|step| Located {
                    file: String::new(),
                    line: 0,
                    step,
                })
                .collect(),
        })
    })
}

/// Steps with their positions forgotten, for comparing plans.
fn bare(steps: &[Located]) -> Vec<Step> {
    steps
        .iter()
        .map(|s| match &s.step {
            Step::Repeat { count, body } => Step::Repeat {
                count: *count,
                body: bare(body)
                    .into_iter()
                    .map(|step| Located {
                        file: String::new(),
                        line: 0,
                        step,
                    })
                    .collect(),
            },
            other => other.clone(),
        })
        .collect()
}

proptest! {
    #[test]
    fn printing_and_parsing_give_the_plan_back(steps in prop::collection::vec(step_strategy(), 0..12)) {
        let plan = Plan {
            file: "p.plan".into(),
            steps: steps.into_iter().map(|step| Located { file: String::new(), line: 0, step }).collect(),
        };
        let text = plan.to_string();
        let back = parse(&text, "p.plan").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(bare(&back.steps), bare(&plan.steps), "{}", text);
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let _ = parse(&text, "r.plan");
    }

    #[test]
    fn random_lines_of_the_language_never_panic(
        lines in prop::collection::vec(
            (prop::sample::select(&["case", "send", "expect", "expect status", "expect reply", "expect no-reply within", "expect latency <", "repeat", "wait", "include", "}", "{", "#", "expect A.b =="][..]), "[ -~]{0,24}"),
            0..16,
        )
    ) {
        let text: String = lines.iter().map(|(w, rest)| format!("{w} {rest}\n")).collect();
        let _ = parse(&text, "r.plan");
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse(&String::from_utf8_lossy(&bytes), "r.plan");
    }
}
