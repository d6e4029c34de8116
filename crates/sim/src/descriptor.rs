//! The HID report descriptor the simulated device offers (`descriptor=`),
//! built by hand as bytes, and the report sizes the simulated monitor really
//! has. No unit's descriptor is published (csafe.md §1.1), so each reading is
//! one a transport must survive: the spec's sizes, no report 2, one it can
//! only partly read, and the 2023 PM5 firmware's 500-byte report 4.

use crate::config::Model;
use crate::quirks::DescriptorQuirk;

/// (report id, CSAFE bytes without the id) the simulated monitor has, in and
/// out alike. `partial` has the spec's sizes: the descriptor hides them, the
/// monitor does not.
pub fn report_sizes(model: Model, q: DescriptorQuirk) -> Vec<(u8, usize)> {
    match q {
        DescriptorQuirk::Spec => vec![(1, 20), (2, 120), (4, 62)],
        // Behind a descriptor that leaves report 4 unsized, a PM5 has the
        // size the spec gives most PM5 firmware (500 B, csafe.md §1.2), the
        // one a host falls back to; older monitors have 62 B.
        DescriptorQuirk::Partial if model == Model::Pm5 => vec![(1, 20), (2, 120), (4, 500)],
        DescriptorQuirk::Partial => vec![(1, 20), (2, 120), (4, 62)],
        DescriptorQuirk::No2 => vec![(1, 20), (4, 62)],
        DescriptorQuirk::Report4At500 => vec![(1, 20), (2, 120), (4, 500)],
    }
}

// Short items (HID 1.11 §6.2.2): prefix = tag | type | size code.
const USAGE_PAGE_VENDOR: [u8; 3] = [0x06, 0x00, 0xFF];
const USAGE_1: [u8; 2] = [0x09, 0x01];
const COLLECTION_APPLICATION: [u8; 2] = [0xA1, 0x01];
const END_COLLECTION: u8 = 0xC0;
const REPORT_ID: u8 = 0x85;
const REPORT_SIZE_8: [u8; 2] = [0x75, 0x08];
const PUSH: u8 = 0xA4;
const POP: u8 = 0xB4;
/// Usage 1, then Input (Data, Var, Abs) and Output (Data, Var, Abs).
const INPUT_AND_OUTPUT: [u8; 8] = [0x09, 0x01, 0x81, 0x02, 0x09, 0x01, 0x91, 0x02];
/// A long item (prefix `FE`, HID 1.11 §6.2.2.3): data size, tag, data.
const LONG_ITEM: u8 = 0xFE;

/// The descriptor's bytes. The model does not change them: no unit's
/// descriptor is published, so the one offered follows the quirk alone.
///
/// - `spec`, `no2`, `500`: a vendor-defined application collection with, per
///   report (1, 2, 4 in that order, without 2 for `no2`), Report ID, Report
///   Size 8, Report Count n (1 byte, or 2 bytes for n > 255) and one Input
///   and one Output main item: each report is n bytes both ways.
/// - `partial`, exactly (hex):
///   `06 00 FF 09 01 A1 01` vendor page, usage 1, application collection;
///   `A4 85 01 75 08 95 14` + Input/Output `B4`: report 1, 20 bytes, well
///   formed, its globals pushed and popped so nothing carries over;
///   `A4 85 02 75 08 FE 02 95 78 00` + Input/Output `B4`: report 2 with Report
///   Size 8 but its Report Count (120) written as a long item, which HID
///   gives no meaning to, so its size cannot be settled (a parser that only
///   knows short items sees a count of 0);
///   `85 04` + Input/Output: report 4 named, with no Report Size or Count at
///   all; then `C0`.
///   The monitor behind it has reports of 20 and 120 bytes, and report 4
///   at 500 bytes on a PM5, 62 on a PM3 or PM4 ([`report_sizes`]).
pub fn report_descriptor(model: Model, q: DescriptorQuirk) -> Vec<u8> {
    let mut d = Vec::with_capacity(64);
    d.extend(USAGE_PAGE_VENDOR);
    d.extend(USAGE_1);
    d.extend(COLLECTION_APPLICATION);
    match q {
        DescriptorQuirk::Partial => {
            d.extend([PUSH, REPORT_ID, 1]);
            d.extend(REPORT_SIZE_8);
            d.extend([0x95, 20]);
            d.extend(INPUT_AND_OUTPUT);
            d.push(POP);
            d.extend([PUSH, REPORT_ID, 2]);
            d.extend(REPORT_SIZE_8);
            d.extend([LONG_ITEM, 0x02, 0x95, 120, 0x00]);
            d.extend(INPUT_AND_OUTPUT);
            d.push(POP);
            d.extend([REPORT_ID, 4]);
            d.extend(INPUT_AND_OUTPUT);
        }
        _ => {
            for (id, len) in report_sizes(model, q) {
                d.extend([REPORT_ID, id]);
                d.extend(REPORT_SIZE_8);
                match u8::try_from(len) {
                    Ok(n) => d.extend([0x95, n]),
                    Err(_) => {
                        let [lo, hi] = u16::try_from(len).expect("reports are small").to_le_bytes();
                        d.extend([0x96, lo, hi]);
                    }
                }
                d.extend(INPUT_AND_OUTPUT);
            }
        }
    }
    d.push(END_COLLECTION);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal reading of short items: (report id, input bits, output bits,
    /// whether a long item was met while the id was current).
    fn walk(d: &[u8]) -> Vec<(u8, u32, u32, bool)> {
        let (mut size, mut count, mut id) = (0u32, 0u32, 0u8);
        let mut stack = Vec::new();
        let mut out: Vec<(u8, u32, u32, bool)> = Vec::new();
        let mut long_seen = false;
        let mut i = 0;
        while i < d.len() {
            if d[i] == LONG_ITEM {
                long_seen = true;
                i += 3 + usize::from(d[i + 1]);
                continue;
            }
            let n = match d[i] & 3 {
                3 => 4,
                n => usize::from(n),
            };
            let v = d[i + 1..i + 1 + n]
                .iter()
                .rev()
                .fold(0u32, |a, &b| (a << 8) | u32::from(b));
            match d[i] & 0xFC {
                0x74 => size = v,
                0x94 => count = v,
                0x84 => {
                    id = v as u8;
                    long_seen = false;
                }
                0xA4 => stack.push((size, count, id)),
                0xB4 => (size, count, id) = stack.pop().unwrap(),
                tag @ (0x80 | 0x90) => {
                    if !out.iter().any(|e| e.0 == id) {
                        out.push((id, 0, 0, false));
                    }
                    let e = out.iter_mut().find(|e| e.0 == id).unwrap();
                    e.3 |= long_seen;
                    if tag == 0x80 {
                        e.1 += size * count;
                    } else {
                        e.2 += size * count;
                    }
                }
                _ => {}
            }
            i += 1 + n;
        }
        out
    }

    #[test]
    fn well_formed_descriptors_declare_the_monitors_sizes() {
        for q in [
            DescriptorQuirk::Spec,
            DescriptorQuirk::No2,
            DescriptorQuirk::Report4At500,
        ] {
            let d = report_descriptor(Model::Pm5, q);
            assert_eq!(d, report_descriptor(Model::Pm3, q));
            let got: Vec<(u8, usize)> = walk(&d)
                .into_iter()
                .map(|(id, i, o, long)| {
                    assert_eq!(i, o, "{q:?}: in and out alike");
                    assert!(!long);
                    (id, (i / 8) as usize)
                })
                .collect();
            assert_eq!(got, report_sizes(Model::Pm5, q), "{q:?}");
        }
        assert_eq!(
            &report_descriptor(Model::Pm5, DescriptorQuirk::Report4At500)[..],
            [
                0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01, // vendor application
                0x85, 0x01, 0x75, 0x08, 0x95, 0x14, 0x09, 0x01, 0x81, 0x02, 0x09, 0x01, 0x91, 0x02,
                0x85, 0x02, 0x75, 0x08, 0x95, 0x78, 0x09, 0x01, 0x81, 0x02, 0x09, 0x01, 0x91, 0x02,
                0x85, 0x04, 0x75, 0x08, 0x96, 0xF4, 0x01, 0x09, 0x01, 0x81, 0x02, 0x09, 0x01, 0x91,
                0x02, 0xC0
            ]
        );
    }

    #[test]
    fn partial_settles_report_1_only() {
        let d = report_descriptor(Model::Pm4, DescriptorQuirk::Partial);
        assert_eq!(
            walk(&d),
            [(1, 160, 160, false), (2, 0, 0, true), (4, 0, 0, false)],
            "report 1 is 20 bytes; 2 has its count in a long item; 4 has no sizes"
        );
        assert_eq!(
            report_sizes(Model::Pm4, DescriptorQuirk::Partial),
            report_sizes(Model::Pm4, DescriptorQuirk::Spec)
        );
        assert_eq!(
            report_sizes(Model::Pm5, DescriptorQuirk::Partial),
            [(1, 20), (2, 120), (4, 500)]
        );
    }
}
