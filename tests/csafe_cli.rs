//! End-to-end tests of `erglink csafe` and `erglink demo`, named after the
//! issue whose acceptance they check.

use std::process::{Command, Output};

fn erglink(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run erglink")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[test]
fn issue2_encode_force_plot_request() {
    let o = erglink(&["csafe", "encode", "PM_GET_FORCEPLOTDATA:20"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().next(), Some("F1 1A 03 6B 01 14 67 F2"));
}

#[test]
fn issue2_encode_stuffs_the_checksum() {
    let o = erglink(&["csafe", "encode", "SETHORIZONTAL:244,36"]);
    assert_eq!(
        stdout(&o).lines().next(),
        Some("F1 21 03 F4 00 24 F3 02 F2")
    );
    // Enum values by name, ignoring case, give the same frame.
    let o = erglink(&["csafe", "encode", "sethorizontal:244,METRE"]);
    assert_eq!(
        stdout(&o).lines().next(),
        Some("F1 21 03 F4 00 24 F3 02 F2")
    );
}

#[test]
fn issue2_decode_extended_reply_with_stale_bytes() {
    let o = erglink(&[
        "csafe",
        "decode",
        "F0 00 FD 01 92 05 30 30 30 30 30 A6 F2 00 B3 F2 00",
        "--json",
    ]);
    assert!(o.status.success());
    let j = json(&o);
    assert_eq!(j["dropped_bytes"], 4);
    let f = &j["frames"][0];
    assert_eq!(f["status"]["state"]["name"], "Ready");
    assert_eq!(f["replies"][0]["name"], "GETID");
    assert_eq!(f["replies"][0]["fields"]["id"], "00000");
}

#[test]
fn issue2_encode_options_and_json() {
    // V10: one wrapper per command.
    let o = erglink(&[
        "csafe",
        "encode",
        "GETPOWER",
        "PM_GET_DRAGFACTOR",
        "PM_GET_STROKESTATE",
        "PM_GET_FORCEPLOTDATA:32",
        "--no-group",
    ]);
    assert_eq!(
        stdout(&o).lines().next(),
        Some("F1 B4 1A 01 C1 1A 01 BF 1A 03 6B 01 20 99 F2")
    );
    // V14: extended.
    let o = erglink(&["csafe", "encode", "GETSTATUS", "--extended", "--json"]);
    let j = json(&o);
    assert_eq!(j["frame"], "F0 FD 00 80 80 F2");
    assert_eq!(j["commands"][0]["id"], "0x80");
}

#[test]
fn issue2_decode_against_request_units_in_keys() {
    let o = erglink(&[
        "csafe",
        "decode",
        "--json",
        "--request",
        "F1 1A 03 A0 A3 BF B4 11 F2",
        "F1 85 1A 11 A0 05 10 27 00 00 00 A3 05 88 13 00 00 00 BF 01 02 B4 03 C8 00 58 BA F2",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&o);
    let r = &j["frames"][0]["replies"];
    assert_eq!(r[0]["fields"]["time_s"], 100.0);
    assert_eq!(r[1]["fields"]["distance_m"], 500.0);
    assert_eq!(r[2]["fields"]["stroke_state"]["name"], "Driving");
    assert_eq!(r[3]["fields"]["power_w"], 200);
    assert_eq!(r[3]["request_index"], 3);
}

#[test]
fn issue2_bad_input_exits_2_with_one_line() {
    for args in [
        &["csafe", "encode", "NOSUCHCOMMAND"][..],
        &["csafe", "decode", "F1 8G"],
        &["csafe", "encode", "SETHORIZONTAL:70000,metre"],
    ] {
        let o = erglink(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("erglink: "), "{err}");
    }
    // No frame at all: it ran, but found nothing.
    assert_eq!(
        erglink(&["csafe", "decode", "00 11 22"]).status.code(),
        Some(1)
    );
}

#[test]
fn issue2_capture_decodes_the_bundled_pm5_recording() {
    let o = erglink(&["csafe", "capture", "--json"]);
    assert!(o.status.success());
    let j = json(&o);
    assert_eq!(j["replies"], 46);
    assert_eq!(j["decoder_errors"], 0);
    assert_eq!(j["model"], 5);
    assert!(j["force_curves"].as_u64().unwrap() >= 5);
}

#[test]
fn issue2_list_shows_the_dictionary() {
    let j = json(&erglink(&["csafe", "list", "--json"]));
    let names: Vec<&str> = j["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for want in [
        "GETSTATUS",
        "SETHORIZONTAL",
        "GETCAPS",
        "PM_GET_WORKTIME",
        "PM_GET_FORCEPLOTDATA",
        "PM_GET_STROKESTATS",
    ] {
        assert!(names.contains(&want), "{want}");
    }
}

#[test]
fn issue3_set_echo_reports_all_five_accepted() {
    let o = erglink(&[
        "csafe",
        "decode",
        "F1 81 76 05 01 03 05 14 13 F3 02 F2",
        "--request",
        "F1 76 18 01 01 05 03 05 00 00 00 17 70 05 05 00 00 00 17 70 14 01 01 13 02 01 01 68 F2",
    ]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("state Ready"), "{text}");
    assert!(
        text.contains("set commands: 5 of 5 echoed (accepted)"),
        "{text}"
    );
    let o = erglink(&[
        "csafe",
        "decode",
        "--json",
        "F1 81 76 05 01 03 05 14 13 F3 02 F2",
        "--request",
        "F1 76 18 01 01 05 03 05 00 00 00 17 70 05 05 00 00 00 17 70 14 01 01 13 02 01 01 68 F2",
    ]);
    let j = json(&o);
    let f = &j["frames"][0];
    assert_eq!(f["status"]["state"]["name"], "Ready");
    assert_eq!(f["set_commands"]["requested"], 5);
    assert_eq!(f["set_commands"]["echoed"], 5);
    assert_eq!(f["set_commands"]["not_echoed"].as_array().unwrap().len(), 0);
    let names: Vec<&str> = f["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "PM_SET_WORKOUTTYPE",
            "PM_SET_WORKOUTDURATION",
            "PM_SET_SPLITDURATION",
            "PM_CONFIGURE_WORKOUT",
            "PM_SET_SCREENSTATE"
        ]
    );
}

#[test]
fn issue3_encode_v12_from_named_commands() {
    let o = erglink(&[
        "csafe",
        "encode",
        "PM_SET_WORKOUTTYPE:FixedDistanceSplits",
        "PM_SET_WORKOUTDURATION:distance,2000",
        "PM_SET_SPLITDURATION@76:distance,400",
        "PM_CONFIGURE_WORKOUT:1",
        "PM_SET_SCREENSTATE:workout,1",
    ]);
    assert_eq!(
        stdout(&o).lines().next(),
        Some(
            "F1 76 18 01 01 03 03 05 80 00 00 07 D0 05 05 80 00 00 01 90 14 01 01 13 02 01 01 28 F2"
        )
    );
}

#[test]
fn issue3_wrapper_selection_and_opaque_commands() {
    // 1A is the default wrapper of a name several wrappers carry; @7F forces one.
    let o = erglink(&["csafe", "encode", "PM_GET_WORKTIME", "--json"]);
    assert_eq!(json(&o)["commands"][0]["wrapper"], "0x1A");
    let o = erglink(&["csafe", "encode", "PM_GET_WORKTIME@7F", "--json"]);
    assert_eq!(json(&o)["frame"], "F1 7F 01 A0 DE F2");
    // A wrapper that does not carry the command is bad input.
    assert_eq!(
        erglink(&["csafe", "encode", "PM_GET_WORKTIME@76"])
            .status
            .code(),
        Some(2)
    );
    // Unpublished layouts encode from raw bytes.
    let o = erglink(&["csafe", "encode", "PM_SET_SENSOR_CHANNEL:hex=0102"]);
    assert_eq!(
        stdout(&o).lines().next(),
        Some("F1 76 04 2F 02 01 02 5C F2")
    );
}
