//! `erglink script` through the binary (issue 19, part 1): the bundled plan
//! passes against `sim:pm5`, its JUnit parses, its transcript replays, and
//! failures and unreadable plans get exit codes 1 and 2.

use std::path::Path;
use std::process::{Command, Output};

fn erglink(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run erglink")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const SMOKE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/scripts/pm5-smoke.plan");

/// (testcase names, failure messages, the testsuites' `failures` attribute).
fn parse_junit(path: &Path) -> (Vec<String>, Vec<String>, String) {
    use quick_xml::events::Event;
    let xml = std::fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failures, mut total) = (Vec::new(), Vec::new(), String::new());
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("JUnit does not parse: {e}\n{xml}"))
        {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let attr = |name: &str| {
                    e.attributes()
                        .map(|a| a.unwrap())
                        .find(|a| a.key.as_ref() == name)
                        .map(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                .unwrap()
                                .into_owned()
                        })
                };
                match e.name().as_ref() {
                    "testcase" => cases.push(attr("name").unwrap()),
                    "failure" => failures.push(attr("message").unwrap()),
                    "testsuites" => total = attr("failures").unwrap(),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    (cases, failures, total)
}

#[test]
fn issue19_the_smoke_plan_passes_against_sim_pm5_and_its_junit_parses() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("results.xml");
    let transcript = dir.path().join("run.txt");
    let o = erglink(&[
        "script",
        SMOKE,
        "--device",
        "sim:pm5",
        "--junit",
        junit.to_str().unwrap(),
        "--transcript",
        transcript.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("5 of 5 cases passed"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
    let (cases, failures, total) = parse_junit(&junit);
    assert_eq!(
        cases,
        [
            "identity",
            "public getters",
            "a bad checksum is refused",
            "GOFINISHED outside a workout is rejected",
            "program a 2000 m workout and terminate it"
        ]
    );
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(total, "0");

    // The run's transcript plays the same plan back as a device.
    let replay = format!("replay:{}", transcript.display());
    let o = erglink(&["script", SMOKE, "--device", &replay, "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["passed"], true);
    assert_eq!(doc["cases"].as_array().unwrap().len(), 5);
    assert_eq!(doc["cases"][0]["steps"][0]["outcome"], "passed");
}

#[test]
fn issue19_a_failing_step_shows_its_exchange_exits_1_and_lands_in_junit() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("fail.plan");
    std::fs::write(
        &plan,
        "case ok\nsend GETSTATUS\nexpect status Ready\n\
         case wrong power\nsend GETPOWER\nexpect GETPOWER.power_w > 100\nsend GETSTATUS\n",
    )
    .unwrap();
    let junit = dir.path().join("j.xml");
    let o = erglink(&[
        "script",
        plan.to_str().unwrap(),
        "-d",
        "sim:pm5",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("FAIL") && out.contains("fail.plan:6"), "{out}");
    assert!(
        out.contains("sent  F1 B4 B4 F2"),
        "the exchange is shown: {out}"
    );
    assert!(out.contains("GETPOWER (B4): power 0 W"), "decoded: {out}");
    assert!(out.contains("skip"), "{out}");
    assert!(out.contains("1 of 2 cases passed"), "{out}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("erglink: the plan failed: 1 case(s) failed: wrong power."),
        "{stderr}"
    );
    let (cases, failures, total) = parse_junit(&junit);
    assert_eq!(cases, ["ok", "wrong power"]);
    assert_eq!(total, "1");
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0].contains("fail.plan:6") && failures[0].contains("0 is not > 100"),
        "{failures:?}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("sent F1 B4 B4 F2; reply F1"),
        "the failure carries the bytes: {xml}"
    );
}

#[test]
fn issue19_an_unreadable_plan_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("bad.plan");
    for (body, says) in [
        (
            "case a\nsend GETSTATUS\nexpect staus Ready\n",
            "bad.plan:3: `staus` is not an expectation",
        ),
        ("send NOSUCH\n", "bad.plan:1: bad command `NOSUCH`"),
        (
            "include missing.plan\n",
            "bad.plan:1: cannot include `missing.plan`",
        ),
    ] {
        std::fs::write(&plan, body).unwrap();
        let o = erglink(&["script", plan.to_str().unwrap(), "-d", "sim:pm5"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("erglink: cannot read the plan: "),
            "{stderr}"
        );
        assert!(stderr.contains(says), "{says}: {stderr}");
        assert!(o.stdout.is_empty(), "nothing runs");
    }
    let o = erglink(&["script", "/nonexistent/x.plan", "-d", "sim:pm5"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn issue19_the_smoke_plan_sends_every_public_getter() {
    let o = erglink(&["csafe", "list", "top", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let getters: Vec<String> = doc["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["access"] == "get")
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert!(getters.len() >= 18, "{getters:?}");
    let dir = Path::new(SMOKE).parent().unwrap();
    let mut sent = std::collections::BTreeSet::new();
    for file in ["pm5-smoke.plan", "pm5-getters.plan"] {
        for line in std::fs::read_to_string(dir.join(file)).unwrap().lines() {
            let line = line.split('#').next().unwrap().trim();
            if let Some(rest) = line.strip_prefix("send ") {
                for word in rest.split_whitespace() {
                    sent.insert(word.split(':').next().unwrap().to_ascii_uppercase());
                }
            }
        }
    }
    let missing: Vec<&String> = getters.iter().filter(|g| !sent.contains(*g)).collect();
    assert!(
        missing.is_empty(),
        "public getters the plan never sends: {missing:?}"
    );
}
