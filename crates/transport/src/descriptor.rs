//! Report sizes from a HID report descriptor.
//!
//! The PM's descriptor is not published (reference §1.1), and report 4 is 62
//! bytes on some units and 500 on others, so sizes are read from the device
//! at run time; [`ReportSizes::spec_default`] is the fallback of §1.2.

/// CSAFE bytes (excluding the report-id byte) of each numbered report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportSizes {
    entries: Vec<(u8, usize)>,
}

impl ReportSizes {
    /// Sizes from (report id, bytes) pairs, sorted by id.
    pub fn new(mut entries: Vec<(u8, usize)>) -> Self {
        entries.sort_unstable();
        entries.dedup_by_key(|e| e.0);
        Self { entries }
    }

    /// The sizes of reference §1.2: report 1 20 bytes, 2 120 bytes, and 4
    /// either 62 bytes or, on a PM5, 500 bytes.
    pub fn spec_default(model: Option<u8>) -> Self {
        let report4 = if model == Some(5) { 500 } else { 62 };
        Self::new(vec![(1, 20), (2, 120), (4, report4)])
    }

    /// Bytes of report `id`, if the device has it.
    pub fn get(&self, id: u8) -> Option<usize> {
        self.entries.iter().find(|e| e.0 == id).map(|e| e.1)
    }

    /// (id, bytes) pairs, by id.
    pub fn entries(&self) -> &[(u8, usize)] {
        &self.entries
    }

    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Input and output report sizes found in a descriptor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DescriptorSizes {
    /// Input reports (device to host).
    pub input: ReportSizes,
    /// Output reports (host to device).
    pub output: ReportSizes,
}

#[derive(Clone, Copy, Default)]
struct Globals {
    report_size: u32,
    report_count: u32,
    report_id: u8,
}

/// Walks a HID report descriptor and sums the bits of every Input and Output
/// item per report id. Garbage yields whatever was read before it; this never
/// panics.
pub fn parse_report_descriptor(desc: &[u8]) -> DescriptorSizes {
    let mut globals = Globals::default();
    let mut stack: Vec<Globals> = Vec::new();
    // (report id, input bits, output bits)
    let mut bits: Vec<(u8, u64, u64)> = Vec::new();
    let mut i = 0;
    while i < desc.len() {
        let prefix = desc[i];
        if prefix == 0xFE {
            // Long item: size, tag, data. Not used by HID devices in practice.
            let Some(&size) = desc.get(i + 1) else { break };
            i += 3 + usize::from(size);
            continue;
        }
        let size = match prefix & 0x03 {
            3 => 4,
            n => usize::from(n),
        };
        let Some(data) = desc.get(i + 1..i + 1 + size) else {
            break;
        };
        let value = data
            .iter()
            .rev()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        match prefix & 0xFC {
            0x74 => globals.report_size = value,
            0x94 => globals.report_count = value,
            0x84 => globals.report_id = value as u8,
            0xA4 => stack.push(globals),
            0xB4 => globals = stack.pop().unwrap_or_default(),
            tag @ (0x80 | 0x90) => {
                let n = u64::from(globals.report_size) * u64::from(globals.report_count);
                let entry = match bits.iter_mut().find(|e| e.0 == globals.report_id) {
                    Some(e) => e,
                    None => {
                        bits.push((globals.report_id, 0, 0));
                        bits.last_mut().expect("just pushed")
                    }
                };
                if tag == 0x80 {
                    entry.1 = entry.1.saturating_add(n);
                } else {
                    entry.2 = entry.2.saturating_add(n);
                }
            }
            _ => {}
        }
        i += 1 + size;
    }
    let bytes = |b: u64| usize::try_from(b.div_ceil(8)).unwrap_or(usize::MAX);
    DescriptorSizes {
        input: ReportSizes::new(
            bits.iter()
                .filter(|e| e.1 > 0)
                .map(|e| (e.0, bytes(e.1)))
                .collect(),
        ),
        output: ReportSizes::new(
            bits.iter()
                .filter(|e| e.2 > 0)
                .map(|e| (e.0, bytes(e.2)))
                .collect(),
        ),
    }
}

/// A descriptor declaring `reports` (id, bytes) as both input and output
/// reports of 8-bit fields, as a vendor-defined HID device would.
pub fn build_report_descriptor(reports: &[(u8, usize)]) -> Vec<u8> {
    let mut d = vec![0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01]; // usage page (vendor), usage, collection
    for &(id, len) in reports {
        d.extend([0x85, id, 0x75, 0x08]);
        let count = len as u32;
        if count <= 0xFF {
            d.extend([0x95, count as u8]);
        } else {
            d.extend([0x96, count as u8, (count >> 8) as u8]);
        }
        d.extend([0x09, 0x01, 0x81, 0x02, 0x09, 0x01, 0x91, 0x02]); // input, output
    }
    d.push(0xC0);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pm5_like_descriptor() {
        let d = build_report_descriptor(&[(1, 20), (4, 500), (2, 120)]);
        let s = parse_report_descriptor(&d);
        assert_eq!(s.input, ReportSizes::new(vec![(1, 20), (2, 120), (4, 500)]));
        assert_eq!(s.output, s.input);
        assert_eq!(s.input.get(4), Some(500));
        assert_eq!(s.input.get(3), None);
    }

    #[test]
    fn push_pop_and_truncation() {
        let mut d = vec![
            0x85, 0x01, 0x75, 0x08, 0x95, 0x14, 0xA4, 0x95, 0x02, 0x81, 0x02, 0xB4, 0x91, 0x02,
        ];
        let s = parse_report_descriptor(&d);
        assert_eq!(s.input.get(1), Some(2));
        assert_eq!(s.output.get(1), Some(20));
        d.push(0x96); // an item cut short
        assert_eq!(parse_report_descriptor(&d), s);
    }

    proptest! {
        #[test]
        fn round_trip(reports in proptest::collection::btree_map(1u8..=255, 1usize..=1024, 0..6)) {
            let reports: Vec<(u8, usize)> = reports.into_iter().collect();
            let s = parse_report_descriptor(&build_report_descriptor(&reports));
            prop_assert_eq!(s.input, ReportSizes::new(reports.clone()));
            prop_assert_eq!(s.output, ReportSizes::new(reports));
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_report_descriptor(&bytes);
        }
    }
}
