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

/// Input and output report sizes found in a descriptor, and the report ids
/// it named but could not size.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DescriptorSizes {
    /// Input reports (device to host).
    pub input: ReportSizes,
    /// Output reports (host to device).
    pub output: ReportSizes,
    /// Report ids the descriptor declared but did not settle: no field gave
    /// them a size, or the descriptor broke off (truncated, a long item, an
    /// absurd size) while describing them. They are in neither list above.
    pub unsettled: Vec<u8>,
}

/// Larger than any HID report a full-speed device can carry in one transfer
/// sequence we would ever send: a size past this is a misread.
const MAX_REPORT_BYTES: u64 = 0xFFFF;

#[derive(Clone, Copy, Default)]
struct Globals {
    report_size: u32,
    report_count: u32,
    report_id: u8,
}

#[derive(Clone, Copy)]
struct Report {
    id: u8,
    input_bits: u64,
    output_bits: u64,
    declared: bool,
    broken: bool,
}

fn report(reports: &mut Vec<Report>, id: u8) -> &mut Report {
    let at = match reports.iter().position(|r| r.id == id) {
        Some(at) => at,
        None => {
            reports.push(Report {
                id,
                input_bits: 0,
                output_bits: 0,
                declared: false,
                broken: false,
            });
            reports.len() - 1
        }
    };
    &mut reports[at]
}

/// The report being described when the descriptor broke off. Before any
/// report id or field there is no report to speak of.
fn mark_broken(reports: &mut Vec<Report>, id: u8) {
    if id != 0 || reports.iter().any(|r| r.id == 0) {
        report(reports, id).broken = true;
    }
}

/// Walks a HID report descriptor and sums the bits of every Input and Output
/// item per report id. Garbage yields whatever was settled before it, and
/// the report it broke off in as unsettled; this never panics.
pub fn parse_report_descriptor(desc: &[u8]) -> DescriptorSizes {
    let mut globals = Globals::default();
    let mut stack: Vec<Globals> = Vec::new();
    let mut reports: Vec<Report> = Vec::new();
    let mut i = 0;
    while i < desc.len() {
        let prefix = desc[i];
        if prefix == 0xFE {
            // A long item: vendor data we cannot read. Whatever the current
            // report is, its size is no longer certain.
            mark_broken(&mut reports, globals.report_id);
            let Some(&size) = desc.get(i + 1) else { break };
            i += 3 + usize::from(size);
            continue;
        }
        let size = match prefix & 0x03 {
            3 => 4,
            n => usize::from(n),
        };
        let Some(data) = desc.get(i + 1..i + 1 + size) else {
            // Cut short: the current report may have had more fields.
            mark_broken(&mut reports, globals.report_id);
            break;
        };
        let value = data
            .iter()
            .rev()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        match prefix & 0xFC {
            0x74 => globals.report_size = value,
            0x94 => globals.report_count = value,
            0x84 => {
                globals.report_id = value as u8;
                report(&mut reports, globals.report_id).declared = true;
            }
            0xA4 => stack.push(globals),
            0xB4 => globals = stack.pop().unwrap_or_default(),
            tag @ (0x80 | 0x90) => {
                let n = u64::from(globals.report_size) * u64::from(globals.report_count);
                let r = report(&mut reports, globals.report_id);
                if tag == 0x80 {
                    r.input_bits = r.input_bits.saturating_add(n);
                } else {
                    r.output_bits = r.output_bits.saturating_add(n);
                }
            }
            _ => {}
        }
        i += 1 + size;
    }
    for r in &mut reports {
        let too_big = |bits: u64| bits.div_ceil(8) > MAX_REPORT_BYTES;
        if too_big(r.input_bits) || too_big(r.output_bits) {
            r.broken = true;
        }
    }
    let settled = |r: &&Report| !r.broken && (r.input_bits > 0 || r.output_bits > 0);
    let sizes = |bits: fn(&Report) -> u64| {
        ReportSizes::new(
            reports
                .iter()
                .filter(settled)
                .filter(|r| bits(r) > 0)
                .map(|r| (r.id, bits(r).div_ceil(8) as usize))
                .collect(),
        )
    };
    let mut unsettled: Vec<u8> = reports
        .iter()
        .filter(|r| r.broken || (r.declared && r.input_bits == 0 && r.output_bits == 0))
        .map(|r| r.id)
        .collect();
    unsettled.sort_unstable();
    DescriptorSizes {
        input: sizes(|r| r.input_bits),
        output: sizes(|r| r.output_bits),
        unsettled,
    }
}

/// The sizes a backend uses, from the descriptor it read (`None`: it could
/// read none) and the model the product string names. Every backend goes
/// through this one function.
///
/// - No descriptor, or one that names no numbered report at all (garbage, or
///   a device without report ids, which is no PM layout we know): the spec's
///   sizes ([`ReportSizes::spec_default`]) for everything.
/// - Otherwise the descriptor's output sizes, and the spec's size only for a
///   report the descriptor named but could not settle. A report the
///   descriptor does not name does not exist: report 2 is never assumed.
pub fn merge_report_sizes(descriptor: Option<&DescriptorSizes>, model: Option<u8>) -> ReportSizes {
    let spec = ReportSizes::spec_default(model);
    let names_a_report = |d: &&DescriptorSizes| {
        d.output.entries().iter().any(|e| e.0 != 0) || d.unsettled.iter().any(|&id| id != 0)
    };
    let Some(d) = descriptor.filter(names_a_report) else {
        return spec;
    };
    let mut entries = d.output.entries().to_vec();
    entries.extend(
        d.unsettled
            .iter()
            .filter(|id| d.output.get(**id).is_none())
            .filter_map(|&id| spec.get(id).map(|n| (id, n))),
    );
    ReportSizes::new(entries)
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
        assert!(s.unsettled.is_empty());
        d.push(0x96); // an item cut short: report 1 may have had more fields
        let cut = parse_report_descriptor(&d);
        assert_eq!(cut.unsettled, vec![1]);
        assert!(cut.output.is_empty() && cut.input.is_empty());
    }

    #[test]
    fn what_is_named_but_not_sized_is_unsettled() {
        // Report 3 declared with no field; report 4's fields after a long item.
        let mut d = build_report_descriptor(&[(1, 20)]);
        d.pop();
        d.extend([0x85, 0x03]);
        d.extend([0x85, 0x04, 0x75, 0x08, 0xFE, 0x02, 0x10, 0xAA, 0xBB]);
        d.extend([0x95, 0x3E, 0x81, 0x02, 0x91, 0x02, 0xC0]);
        let s = parse_report_descriptor(&d);
        assert_eq!(s.output, ReportSizes::new(vec![(1, 20)]));
        assert_eq!(s.unsettled, vec![3, 4]);
        // A size no report can have is a misread.
        let huge = [
            0x85, 0x02, 0x77, 0xFF, 0xFF, 0xFF, 0xFF, 0x95, 0x10, 0x91, 0x02,
        ];
        assert_eq!(parse_report_descriptor(&huge).unsettled, vec![2]);
    }

    #[test]
    fn merge_fills_only_what_the_descriptor_left_open() {
        let spec = |m| ReportSizes::spec_default(m);
        // No descriptor at all: the spec's sizes, per model.
        assert_eq!(merge_report_sizes(None, Some(3)), spec(Some(3)));
        assert_eq!(merge_report_sizes(None, Some(5)).get(4), Some(500));
        // Garbage, or a device without report ids: no descriptor to speak of.
        for junk in [
            vec![],
            vec![0xFE, 0x05],
            vec![0x75, 0x08, 0x95, 0x04, 0x81, 0x02],
        ] {
            let d = parse_report_descriptor(&junk);
            assert_eq!(
                merge_report_sizes(Some(&d), Some(4)),
                spec(Some(4)),
                "{junk:?}"
            );
        }
        // A descriptor without report 2 has no report 2.
        let no2 = parse_report_descriptor(&build_report_descriptor(&[(1, 20), (4, 62)]));
        let m = merge_report_sizes(Some(&no2), Some(5));
        assert_eq!(m, ReportSizes::new(vec![(1, 20), (4, 62)]));
        assert_eq!(m.get(2), None);
        // Its own sizes win over the spec's.
        let big = parse_report_descriptor(&build_report_descriptor(&[(1, 20), (2, 120), (4, 500)]));
        assert_eq!(merge_report_sizes(Some(&big), Some(3)).get(4), Some(500));
        // Only the unsettled report gets the spec's size, and only one the spec knows.
        let partial = DescriptorSizes {
            input: ReportSizes::new(vec![(1, 20)]),
            output: ReportSizes::new(vec![(1, 20)]),
            unsettled: vec![4, 9],
        };
        assert_eq!(
            merge_report_sizes(Some(&partial), Some(4)),
            ReportSizes::new(vec![(1, 20), (4, 62)])
        );
    }

    proptest! {
        #[test]
        fn round_trip(reports in proptest::collection::btree_map(1u8..=255, 1usize..=1024, 0..6)) {
            let reports: Vec<(u8, usize)> = reports.into_iter().collect();
            let s = parse_report_descriptor(&build_report_descriptor(&reports));
            prop_assert_eq!(&s.input, &ReportSizes::new(reports.clone()));
            prop_assert_eq!(&s.output, &ReportSizes::new(reports.clone()));
            prop_assert!(s.unsettled.is_empty());
            // A descriptor naming no report is no descriptor: the spec's sizes.
            let merged = merge_report_sizes(Some(&s), Some(5));
            if reports.is_empty() {
                prop_assert_eq!(merged, ReportSizes::spec_default(Some(5)));
            } else {
                prop_assert_eq!(merged, ReportSizes::new(reports));
            }
        }

        #[test]
        fn a_cut_descriptor_never_settles_a_wrong_size(
            reports in proptest::collection::btree_map(1u8..=255, 1usize..=1024, 1..6),
            cut in any::<proptest::sample::Index>(),
        ) {
            let reports: Vec<(u8, usize)> = reports.into_iter().collect();
            let full = build_report_descriptor(&reports);
            let s = parse_report_descriptor(&full[..cut.index(full.len())]);
            for &(id, n) in s.output.entries().iter().chain(s.input.entries()) {
                prop_assert_eq!(ReportSizes::new(reports.clone()).get(id), Some(n));
            }
            for id in &s.unsettled {
                prop_assert!(s.output.get(*id).is_none() && s.input.get(*id).is_none());
            }
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let s = parse_report_descriptor(&bytes);
            let _ = merge_report_sizes(Some(&s), Some(5));
        }
    }
}
