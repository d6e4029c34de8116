//! Plans run against the simulator: outcomes, skipped steps, silence and JUnit.

use erglink_bench::{Verdict, junit_xml, parse, run};
use erglink_pm::Monitor;
use erglink_transport::SimTransport;

fn run_text(text: &str, options: &str) -> erglink_bench::RunReport {
    let plan = parse(text, "t.plan").unwrap();
    let mut monitor = Monitor::new(SimTransport::open("pm5", options).unwrap());
    let mut seen = 0;
    let report = run(&plan, &mut monitor, &mut |_, _| seen += 1);
    assert_eq!(
        seen,
        report.cases.iter().map(|c| c.steps.len()).sum::<usize>()
    );
    report
}

#[test]
fn passing_and_failing_cases() {
    let report = run_text(
        "send GETSTATUS\nexpect status Ready\n\
         case power\nsend GETPOWER\nexpect GETPOWER.power_w == 5\nexpect status Ready\n\
         case after\nsend GOFINISHED\nexpect status Ready prev REJECT\n",
        "",
    );
    let names: Vec<&str> = report.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["t", "power", "after"]);
    assert!(!report.passed());
    assert_eq!(report.failed_cases(), 1);
    let power = &report.cases[1];
    let failed = power.failure().unwrap();
    assert_eq!(failed.line, 5);
    let Verdict::Failed(why) = &failed.verdict else {
        panic!()
    };
    assert!(why.contains("0 is not == 5"), "{why}");
    let ex = failed.exchange.as_ref().unwrap();
    assert_eq!(ex.request, [0xF1, 0xB4, 0xB4, 0xF2]);
    assert!(ex.reply.is_some());
    assert_eq!(power.steps[2].verdict, Verdict::Skipped);
    assert!(report.cases[2].failure().is_none(), "the next case runs");

    let xml = junit_xml(&report, "t.plan", "transcript <&>");
    assert!(xml.contains(r#"<testcase name="power""#), "{xml}");
    assert!(
        xml.contains("F1 B4 B4 F2"),
        "the failure carries the bytes: {xml}"
    );
    assert!(xml.contains("transcript &lt;&amp;&gt;"), "{xml}");
    assert_eq!(xml.matches("<failure").count(), 1);
}

#[test]
fn silence_is_expected_or_a_failure() {
    // GOIDLE in use gets no reply from a PM5 (and the simulator).
    let quiet = "send SETHORIZONTAL:2000,metre SETPROGRAM:0,0\nsend GOINUSE\nexpect status InUse\n";
    let report = run_text(
        &format!("{quiet}send GOIDLE\nexpect no-reply within 100\n"),
        "",
    );
    assert!(report.passed(), "{report:?}");
    let report = run_text(&format!("{quiet}send GOIDLE\nexpect status InUse\n"), "");
    let Verdict::Failed(why) = &report.cases[0].failure().unwrap().verdict else {
        panic!()
    };
    assert!(why.starts_with("no reply"), "{why}");
    let report = run_text("send GETSTATUS\nexpect no-reply within 100\n", "");
    let Verdict::Failed(why) = &report.cases[0].failure().unwrap().verdict else {
        panic!()
    };
    assert!(why.contains("a reply came"), "{why}");
}

#[test]
fn repeats_latency_toggle_and_patterns() {
    let report = run_text(
        "repeat 3 {\nsend GETSTATUS\nexpect status Ready toggle flips\nexpect latency < 27\nexpect reply F1 ?? ?? F2\n}\nwait 10\n",
        "",
    );
    // The first reply has nothing to compare its toggle with.
    let failed = report.cases[0].failure().unwrap();
    assert_eq!(failed.text, "[1/3] expect status Ready toggle flips");
    let report = run_text(
        "send GETSTATUS\nrepeat 3 {\nsend GETSTATUS\nexpect status Ready toggle flips\nexpect latency < 27\nexpect reply F1 ?? ?? F2\n}\n",
        "",
    );
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.cases[0].steps.len(), 1 + 3 * 4);
    let report = run_text("send GETSTATUS\nexpect latency < 26\n", "");
    assert!(!report.passed(), "26 ms is not below 26");
    // A glitch on every reply keeps the alternation; on some of them it breaks it.
    let report = run_text(
        "send GETSTATUS\nrepeat 20 {\nsend GETSTATUS\nexpect status Ready toggle flips\n}\n",
        "faults=toggle:0.5",
    );
    assert!(!report.passed(), "a toggle that never flips is caught");
}
