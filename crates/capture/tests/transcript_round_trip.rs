//! Transcript text -> pcapng -> transcript text, as `csafe transcript-to-pcap`
//! and `csafe pcap --transcript` convert them: the reports, their times and
//! the device's identity come back unchanged.

use std::io::Write;
use std::sync::{Arc, Mutex};

use erglink_capture::{
    DeviceDescription, Direction, HidReport, Via, read_capture, write_usbpcap_pcapng,
};
use erglink_transport::transcript::Direction as TDir;
use erglink_transport::{
    Backend, DeviceInfo, Transcript, TranscriptWriter, build_report_descriptor,
    parse_report_descriptor,
};
use proptest::prelude::*;

#[derive(Clone)]
struct Shared(Arc<Mutex<Vec<u8>>>);
impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn to_pcapng(t: &Transcript) -> Vec<u8> {
    let info = t.device.clone().unwrap();
    let device = DeviceDescription {
        vendor_id: info.vendor_id,
        product_id: info.product_id,
        manufacturer: None,
        product: info.product.clone(),
        serial: info.serial.clone(),
        report_sizes: t.report_sizes.entries().to_vec(),
        report_descriptor: Some(build_report_descriptor(t.report_sizes.entries())),
    };
    let reports: Vec<HidReport> = t
        .lines
        .iter()
        .map(|l| HidReport {
            t_ns: l.t_ns,
            direction: if l.direction == TDir::Tx {
                Direction::Tx
            } else {
                Direction::Rx
            },
            report_id: l.report_id,
            bytes: l.bytes.clone(),
            via: Via::Interrupt,
        })
        .collect();
    write_usbpcap_pcapng(Vec::new(), &device, &reports).unwrap()
}

fn from_pcapng(file: &[u8]) -> String {
    let cap = read_capture(file).unwrap();
    let d = &cap.devices[0];
    let mut info = DeviceInfo::new(Backend::Usb, "capture".into());
    info.vendor_id = d.identity.vendor_id.unwrap();
    info.product_id = d.identity.product_id.unwrap();
    info.serial = d.identity.serial.clone();
    info.product = d.identity.product.clone();
    let buf = Shared(Arc::new(Mutex::new(Vec::new())));
    // As `csafe pcap --transcript` does: the report descriptor's sizes.
    let sizes = parse_report_descriptor(d.report_descriptor.as_deref().unwrap()).output;
    let mut w = TranscriptWriter::new(Box::new(buf.clone()), &info, &sizes).unwrap();
    for r in &d.reports {
        let mut report = vec![r.report_id];
        report.extend_from_slice(&r.bytes);
        let dir = if r.direction == Direction::Tx {
            TDir::Tx
        } else {
            TDir::Rx
        };
        w.report(r.t_ns, dir, &report).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
}

fn transcript_text() -> impl Strategy<Value = String> {
    let line = (
        0u64..50_000_000,
        any::<bool>(),
        prop_oneof![Just(1u8), Just(2), Just(4)],
        proptest::collection::vec(any::<u8>(), 0..19),
    );
    (
        "[0-9]{9}",
        prop_oneof![Just("PM3"), Just("PM4"), Just("PM5")],
        proptest::collection::vec(line, 1..40),
    )
        .prop_map(|(serial, model, lines)| {
            let mut text = format!(
                "# erglink transcript v1\n# device: backend=hid vid=17a4 pid=0003 serial={serial} product=Concept2 Performance Monitor 5 ({model})\n# report-sizes: 1=20 2=120 4=500\n"
            );
            let mut t = 0;
            for (dt, tx, id, mut bytes) in lines {
                t += dt;
                while bytes.last() == Some(&0) {
                    bytes.pop();
                }
                let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
                let dir = if tx { "tx" } else { "rx" };
                text.push_str(&format!("{t} {dir} {id:02X} {}\n", hex.join(" ")));
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn transcript_pcapng_transcript(text in transcript_text()) {
        let original = Transcript::parse(&text).unwrap();
        let back = Transcript::parse(&from_pcapng(&to_pcapng(&original))).unwrap();
        prop_assert_eq!(&back.lines, &original.lines);
        let (a, b) = (original.device.unwrap(), back.device.unwrap());
        prop_assert_eq!((a.vendor_id, a.product_id), (b.vendor_id, b.product_id));
        prop_assert_eq!(a.serial, b.serial);
        prop_assert_eq!(a.product, b.product);
        // Every report size comes back, used or not, through the report descriptor.
        prop_assert_eq!(back.report_sizes, original.report_sizes);
    }
}
