//! `erglink csafe pcap` and `erglink csafe transcript-to-pcap` (issue 19,
//! part 3): tshark opens what we write with every report intact; captures
//! from an independent writer (text2pcap, mergecap) in usbmon and USBPcap
//! framing decode to the frames put in; bad captures give one line and exit 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use erglink_transport::Transcript;
use erglink_transport::transcript::Direction;
use serde_json::Value as Json;

mod pcap_records;
use pcap_records::*;

fn erglink(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_erglink"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run erglink")
}

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A Wireshark tool from tools/test.d/40-tshark.sh, else from PATH; under CI
/// a missing one fails the test, elsewhere the test says so and returns.
fn wireshark_tool(var: &str, name: &str) -> Option<PathBuf> {
    let found = std::env::var_os(var).map(PathBuf::from).or_else(|| {
        std::env::var_os("PATH")?
            .to_str()?
            .split(':')
            .map(|d| Path::new(d).join(name))
            .find(|c| c.is_file())
    });
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{name} is missing ({var} unset): run the tests through tools/test");
        }
        eprintln!(
            "SKIPPED: {name} is missing; run the tests through tools/test (tools/test.d/40-tshark.sh)"
        );
    }
    found
}

fn run_tool(tool: &Path, args: &[&str]) -> String {
    let o = Command::new(tool).args(args).output().expect("run tool");
    assert!(
        o.status.success(),
        "{} {args:?}: {}",
        tool.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn unhex(text: &str) -> Vec<u8> {
    let digits: String = text.chars().filter(char::is_ascii_hexdigit).collect();
    (0..digits.len() / 2)
        .map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn strip_padding(mut bytes: Vec<u8>) -> Vec<u8> {
    while bytes.last() == Some(&0) {
        bytes.pop();
    }
    bytes
}

/// A transcript of a real exchange with the simulator, plus reports in ids
/// 1 and 4 so that every report size is crossed.
fn sim_transcript(dir: &Path) -> PathBuf {
    let t = dir.join("sim.txt");
    ok(erglink(&[
        "raw",
        "-d",
        "sim:pm5",
        "--repeat",
        "4",
        "--transcript",
        p(&t),
        "GETSTATUS",
        "GETVERSION",
        "GETSERIAL",
        "PM_GET_WORKTIME",
    ]));
    t
}

#[test]
fn issue19_tshark_reads_our_pcapng_with_every_report_intact() {
    let Some(tshark) = wireshark_tool("ERGLINK_TEST_TSHARK", "tshark") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let t = sim_transcript(dir.path());
    let mut text = std::fs::read_to_string(&t).unwrap();
    text.push_str(
        "900000000 tx 01 F1 91 91 F2\n950000000 rx 04 F1 81 91 07 16 02 05 F4 01 54 01 B9 F2\n",
    );
    std::fs::write(&t, &text).unwrap();
    let transcript = Transcript::parse(&text).unwrap();
    let out = dir.path().join("sim.pcapng");
    ok(erglink(&["csafe", "transcript-to-pcap", p(&t), p(&out)]));

    let fields = run_tool(
        &tshark,
        &[
            "-r",
            p(&out),
            "-Y",
            "usb.capdata",
            "-T",
            "fields",
            "-e",
            "frame.time_epoch",
            "-e",
            "usb.endpoint_address",
            "-e",
            "usb.capdata",
        ],
    );
    let rows: Vec<Vec<&str>> = fields.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), transcript.lines.len(), "{fields}");
    for (row, line) in rows.iter().zip(&transcript.lines) {
        let data = unhex(row[2]);
        let size = transcript.report_sizes.get(line.report_id).unwrap();
        assert_eq!(
            data.len(),
            size + 1,
            "each report padded to its size: {row:?}"
        );
        let mut want = vec![line.report_id];
        want.extend_from_slice(&line.bytes);
        assert_eq!(strip_padding(data), want, "{row:?}");
        let ep = if line.direction == Direction::Tx {
            "0x02"
        } else {
            "0x81"
        };
        assert_eq!(row[1], ep);
        let t_ns = (row[0].parse::<f64>().unwrap() * 1e9).round() as u64;
        assert_eq!(t_ns, line.t_ns);
    }
    // The descriptors name the device, and nothing is malformed.
    let vendor = run_tool(
        &tshark,
        &[
            "-r",
            p(&out),
            "-Y",
            "usb.idVendor",
            "-T",
            "fields",
            "-e",
            "usb.idVendor",
            "-e",
            "usb.idProduct",
        ],
    );
    assert_eq!(vendor.trim(), "0x17a4\t0x0003");
    let verbose = run_tool(&tshark, &["-r", p(&out), "-V"]);
    assert!(verbose.contains("idVendor: Concept2 (0x17a4)"), "{verbose}");
    assert!(
        verbose.contains("bString: 430"),
        "the serial string is in the capture"
    );
    assert!(
        !verbose.to_ascii_lowercase().contains("malformed"),
        "{verbose}"
    );
}

#[test]
fn issue19_transcript_to_pcapng_and_back_replays() {
    let dir = tempfile::tempdir().unwrap();
    let t = sim_transcript(dir.path());
    let original = Transcript::load(&t).unwrap();
    let pcap = dir.path().join("sim.pcapng");
    ok(erglink(&["csafe", "transcript-to-pcap", p(&t), p(&pcap)]));
    let back = dir.path().join("back.txt");
    let o = ok(erglink(&[
        "csafe",
        "pcap",
        p(&pcap),
        "--transcript",
        p(&back),
    ]));
    let shown = String::from_utf8(o.stdout).unwrap();
    assert!(shown.contains("GETSERIAL (94): serial"), "{shown}");
    let again = Transcript::load(&back).unwrap();
    assert_eq!(again.lines, original.lines);
    let (a, b) = (original.device.unwrap(), again.device.unwrap());
    assert_eq!(
        (a.vendor_id, a.product_id, &a.serial, &a.product),
        (b.vendor_id, b.product_id, &b.serial, &b.product)
    );
    assert_eq!(
        again.report_sizes, original.report_sizes,
        "through the HID report descriptor"
    );
    // `replay:` plays the converted transcript: the same requests get the same replies.
    let o = ok(erglink(&[
        "raw",
        "-d",
        &format!("replay:{}", p(&back)),
        "--repeat",
        "4",
        "GETSTATUS",
        "GETVERSION",
        "GETSERIAL",
        "PM_GET_WORKTIME",
    ]));
    assert!(String::from_utf8_lossy(&o.stdout).contains("GETSERIAL"));
}

// ---- captures from an independent writer ----

/// Writes `packets` (µs, bytes) with text2pcap.
fn text2pcap(
    tool: &Path,
    dir: &Path,
    name: &str,
    link: u32,
    format: &str,
    packets: &[(u64, Vec<u8>)],
) -> PathBuf {
    let mut text = String::new();
    for (t_us, bytes) in packets {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let (s, us) = (t_us / 1_000_000, t_us % 1_000_000);
        text.push_str(&format!("2026-12-01T10:00:{s:02}.{us:06}Z {hex}\n"));
    }
    let input = dir.join(format!("{name}.txt"));
    std::fs::write(&input, text).unwrap();
    let out = dir.join(name);
    let link = link.to_string();
    run_tool(
        tool,
        &[
            "-q",
            "-l",
            &link,
            "-F",
            format,
            "-t",
            "ISO",
            "-r",
            r"^(?<time>\S+)\s(?<data>[0-9a-f]+)$",
            p(&input),
            p(&out),
        ],
    );
    out
}

/// (elapsed µs, direction, report id, wire).
type FrameRow = (u64, String, String, String);

/// Every frame of each monitor, as `csafe pcap --json` gives them.
fn decoded(path: &Path) -> (Json, Vec<Vec<FrameRow>>) {
    let o = ok(erglink(&["csafe", "pcap", p(path), "--json"]));
    let doc: Json = serde_json::from_slice(&o.stdout).unwrap();
    let monitors = doc["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["frames"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        (f["elapsed_s"].as_f64().unwrap() * 1e6).round() as u64,
                        f["direction"].as_str().unwrap().to_string(),
                        f["report_id"].as_str().unwrap().to_string(),
                        f["wire"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .collect();
    (doc, monitors)
}

fn expected_frames(offset_us: u64) -> Vec<FrameRow> {
    let hex = |b: &[u8]| erglink_csafe::format_hex(strip_padding(b.to_vec()).as_slice());
    let e = |t: u64, d: &str, f: &[u8]| (t + offset_us, d.to_string(), "0x02".to_string(), hex(f));
    vec![
        e(10_000, "tx", &STATUS_REQUEST),
        e(35_000, "rx", &STATUS_REPLY),
        e(40_000, "tx", &SERIAL_REQUEST),
        e(65_000, "rx", &SERIAL_REPLY),
    ]
}

/// The data Wireshark itself finds in the records: proof that they are real
/// usbmon and USBPcap, not merely what our reader expects.
fn tshark_capdata(tshark: &Path, path: &Path) -> Vec<Vec<u8>> {
    run_tool(
        tshark,
        &[
            "-r",
            p(path),
            "-Y",
            "usb.capdata",
            "-T",
            "fields",
            "-e",
            "usb.capdata",
        ],
    )
    .lines()
    .map(|l| strip_padding(unhex(l)))
    .collect()
}

#[test]
fn issue19_independent_usbmon_and_usbpcap_captures_decode() {
    let (Some(text2pcap_tool), Some(mergecap), Some(tshark)) = (
        wireshark_tool("ERGLINK_TEST_TEXT2PCAP", "text2pcap"),
        wireshark_tool("ERGLINK_TEST_MERGECAP", "mergecap"),
        wireshark_tool("ERGLINK_TEST_TSHARK", "tshark"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data_in: Vec<Vec<u8>> = [
        &STATUS_REQUEST[..],
        &STATUS_REPLY,
        &SERIAL_REQUEST,
        &SERIAL_REPLY,
    ]
    .iter()
    .map(|f| strip_padding(report(2, f, 120)))
    .collect();

    // usbmon 189, pcap: the monitor with its descriptor, and a keyboard
    // (another vendor) whose report happens to look like a CSAFE frame.
    let mon = Usbmon {
        big_endian: false,
        mmapped: false,
        bus: 1,
        device: 4,
    };
    let kbd = Usbmon {
        big_endian: false,
        mmapped: false,
        bus: 1,
        device: 9,
    };
    let mut packets = mon.session(true, 0x17A4, false);
    packets.push((
        5,
        kbd.record(2, b'S', 2, 0x80, Some(GET_DEVICE_DESCRIPTOR), &[], 18),
    ));
    packets.push((
        6,
        kbd.record(
            2,
            b'C',
            2,
            0x80,
            None,
            &device_descriptor(0x046D, 0xC31C),
            18,
        ),
    ));
    packets.push((
        7_000,
        kbd.record(3, b'C', 1, 0x81, None, &report(1, &STATUS_REPLY, 7), 8),
    ));
    packets.sort_by_key(|x| x.0);
    let f189 = text2pcap(&text2pcap_tool, d, "usbmon189.pcap", 189, "pcap", &packets);
    let (doc, frames) = decoded(&f189);
    assert_eq!(frames, [expected_frames(0)], "{doc}");
    assert_eq!(doc["monitors"][0]["found_by"], "descriptor");
    assert_eq!(doc["monitors"][0]["address"], 4);
    let mut wireshark_saw = tshark_capdata(&tshark, &f189);
    wireshark_saw.retain(|x| x[0] == 2); // not the keyboard's report 1
    assert_eq!(wireshark_saw, data_in);

    // usbmon 220 (mmapped), pcapng, SET_REPORT on the control endpoint.
    let mon220 = Usbmon {
        big_endian: false,
        mmapped: true,
        bus: 3,
        device: 2,
    };
    let f220 = text2pcap(
        &text2pcap_tool,
        d,
        "usbmon220.pcapng",
        220,
        "pcapng",
        &mon220.session(true, 0x17A4, true),
    );
    let (doc, frames) = decoded(&f220);
    assert_eq!(frames, [expected_frames(0)], "{doc}");
    assert_eq!(doc["monitors"][0]["set_reports"], 2);
    assert_eq!(doc["capture"]["link_types"], serde_json::json!([220]));
    let wireshark_saw = tshark_capdata(&tshark, &f220);
    assert_eq!(
        wireshark_saw.len(),
        2,
        "the two IN reports (SET_REPORT data is not capdata)"
    );

    // usbmon from a big-endian machine in a little-endian file, with no
    // descriptor: found by its CSAFE frames, its header's byte order detected.
    let be = Usbmon {
        big_endian: true,
        mmapped: false,
        bus: 2,
        device: 7,
    };
    let fbe = text2pcap(
        &text2pcap_tool,
        d,
        "usbmon-be.pcapng",
        189,
        "pcapng",
        &be.session(false, 0, false),
    );
    let (doc, frames) = decoded(&fbe);
    assert_eq!(
        frames,
        [expected_frames(0)
            .into_iter()
            .map(|(t, a, b, c)| (t - 10_000, a, b, c))
            .collect::<Vec<_>>()],
        "{doc}"
    );
    assert_eq!(doc["monitors"][0]["found_by"], "csafe_frames");
    assert_eq!(
        (
            doc["monitors"][0]["bus"].as_u64(),
            doc["monitors"][0]["address"].as_u64()
        ),
        (Some(2), Some(7))
    );

    // USBPcap 249, pcap.
    let f249 = text2pcap(
        &text2pcap_tool,
        d,
        "usbpcap.pcap",
        249,
        "pcap",
        &usbpcap_session(6),
    );
    let (doc, frames) = decoded(&f249);
    assert_eq!(frames, [expected_frames(0)], "{doc}");
    assert_eq!(doc["monitors"][0]["vendor_id"], "0x17A4");
    assert_eq!(tshark_capdata(&tshark, &f249), data_in);

    // One pcapng, two interfaces of different link types (mergecap keeps both).
    let merged = d.join("merged.pcapng");
    run_tool(
        &mergecap,
        &["-F", "pcapng", "-w", p(&merged), p(&f189), p(&f249)],
    );
    let (doc, frames) = decoded(&merged);
    let mut links: Vec<u64> = doc["capture"]["link_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    links.sort_unstable();
    assert_eq!(links, [189, 249], "{doc}");
    assert_eq!(frames.len(), 2, "{doc}");
    assert!(frames.iter().all(|f| *f == expected_frames(0)), "{doc}");
}

#[test]
fn issue19_bad_captures_one_line_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = d.join("t.txt");
    std::fs::write(
        &t,
        "# erglink transcript v1\n0 tx 02 F1 80 80 F2\n5 rx 02 F1 81 81 F2\n",
    )
    .unwrap();
    let good = d.join("good.pcapng");
    ok(erglink(&["csafe", "transcript-to-pcap", p(&t), p(&good)]));
    let bytes = std::fs::read(&good).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("garbage", b"this is not a capture at all".to_vec()),
        ("truncated", bytes[..bytes.len() - 7].to_vec()),
        ("cut header", bytes[..10].to_vec()),
        ("damaged length", {
            let mut b = bytes.clone();
            b[bytes.len() - 4] ^= 0x55;
            b
        }),
        // A classic pcap of Ethernet: not USB.
        ("ethernet", {
            let mut b = vec![0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0];
            b.extend_from_slice(&[0; 8]);
            b.extend_from_slice(&65535u32.to_le_bytes());
            b.extend_from_slice(&1u32.to_le_bytes());
            b
        }),
    ];
    for (name, content) in cases {
        let f = d.join(name);
        std::fs::write(&f, content).unwrap();
        let o = erglink(&["csafe", "pcap", p(&f)]);
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(
            err.starts_with("erglink: cannot read capture"),
            "{name}: {err}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let o = erglink(&["csafe", "pcap", p(&d.join("missing.pcap"))]);
    assert_eq!(o.status.code(), Some(2));
    let o = erglink(&[
        "csafe",
        "transcript-to-pcap",
        p(&d.join("garbage")),
        p(&d.join("x.pcapng")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.join("x.pcapng").exists());
}
