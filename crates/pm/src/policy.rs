//! Which HID report carries an exchange (reference §1.2).
//!
//! The PM answers in the report it was asked in and truncates a reply that
//! does not fit, so the report must hold the worst-case reply. Report 2
//! (120 bytes) is what almost every peer uses; report 1 (20 bytes) is faster
//! on the bus and safe only for small exchanges; report 4 is 62 bytes on some
//! units and 500 on PM5s, some of which do not answer on it at all, so it is
//! used only when asked for.

use erglink_transport::ReportSizes;

/// Why no report can carry an exchange.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The forced report does not exist on this device.
    #[error("the device has no report {0:#04x} (it has {1})")]
    NoSuchReport(u8, String),
    /// The request does not fit the forced report.
    #[error("the {len}-byte request does not fit report {id:#04x} ({size} bytes)")]
    TooLong {
        /// Report id.
        id: u8,
        /// Its size.
        size: usize,
        /// The request's length.
        len: usize,
    },
}

/// Report 1 is used only when both the request and the worst-case reply fit it.
pub const SMALL_REPORT: u8 = 1;
/// The default report.
pub const DEFAULT_REPORT: u8 = 2;

/// Picks the report for a request of `request_len` wire bytes whose reply may
/// take up to `worst_reply` wire bytes.
///
/// * `forced`: a report the caller insists on (`--report-id`), used as is.
/// * `floor`: the smallest report this session may use; a truncated reply in
///   report 1 raises it to 2 for the rest of the session.
pub fn choose_report(
    request_len: usize,
    worst_reply: usize,
    sizes: &ReportSizes,
    floor: u8,
    forced: Option<u8>,
) -> Result<u8, PolicyError> {
    if let Some(id) = forced {
        let size = sizes.get(id).ok_or_else(|| {
            let have: Vec<String> = sizes
                .entries()
                .iter()
                .map(|(i, n)| format!("{i} ({n} bytes)"))
                .collect();
            PolicyError::NoSuchReport(id, have.join(", "))
        })?;
        if request_len > size {
            return Err(PolicyError::TooLong {
                id,
                size,
                len: request_len,
            });
        }
        return Ok(id);
    }
    let small_fits = sizes
        .get(SMALL_REPORT)
        .is_some_and(|n| request_len <= n && worst_reply <= n);
    if floor <= SMALL_REPORT && small_fits {
        Ok(SMALL_REPORT)
    } else {
        Ok(DEFAULT_REPORT)
    }
}

/// The next larger report after a truncated reply in `id`, if the policy
/// allows one (never report 4 unless forced).
pub fn larger_report(id: u8) -> Option<u8> {
    (id == SMALL_REPORT).then_some(DEFAULT_REPORT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pm5() -> ReportSizes {
        ReportSizes::spec_default(Some(5))
    }

    #[test]
    fn small_exchanges_use_report_1() {
        assert_eq!(choose_report(4, 7, &pm5(), 1, None), Ok(1));
        assert_eq!(choose_report(8, 20, &pm5(), 1, None), Ok(1));
        assert_eq!(choose_report(8, 21, &pm5(), 1, None), Ok(2));
        assert_eq!(choose_report(21, 7, &pm5(), 1, None), Ok(2));
    }

    #[test]
    fn floor_and_forcing() {
        assert_eq!(choose_report(4, 7, &pm5(), 2, None), Ok(2));
        assert_eq!(choose_report(4, 300, &pm5(), 1, Some(4)), Ok(4));
        assert!(matches!(
            choose_report(4, 7, &pm5(), 1, Some(3)),
            Err(PolicyError::NoSuchReport(3, _))
        ));
        assert!(matches!(
            choose_report(30, 7, &pm5(), 1, Some(1)),
            Err(PolicyError::TooLong { .. })
        ));
        // Report 4 is never chosen on its own, however large the reply.
        assert_eq!(choose_report(100, 500, &pm5(), 1, None), Ok(2));
        assert_eq!(larger_report(1), Some(2));
        assert_eq!(larger_report(2), None);
    }
}
