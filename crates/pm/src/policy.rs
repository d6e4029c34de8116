//! Which HID report carries an exchange (reference §1.2), and how often an
//! exchange may be sent again.
//!
//! The PM answers in the report it was asked in and truncates a reply that
//! does not fit, so the report must hold the worst-case reply. Report 1
//! (20 bytes) is fastest on the bus and safe only for small exchanges; report
//! 2 (120 bytes) is what almost every peer uses, but a device need not have
//! it; report 4 is 62 bytes on some units and 500 on PM5s, some of which do
//! not answer on it at all. A CSAFE frame is at most 120 bytes, so a larger
//! report buys nothing: reports over [`MAX_USEFUL_REPORT`] bytes are used only
//! when asked for, or when a device has nothing else.

use erglink_csafe::{Access, AnyCommand, Wrapper};
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
    /// The device offers no report at all.
    #[error("the device offers no report to send a request in")]
    NoReports,
}

/// Report 1 is used only when both the request and the worst-case reply fit it.
pub const SMALL_REPORT: u8 = 1;
/// The report most peers use, when the device has it.
pub const DEFAULT_REPORT: u8 = 2;
/// The largest report used without being asked: a CSAFE frame is at most
/// 120 bytes, and some PM5s never answer on their 500-byte report 4.
pub const MAX_USEFUL_REPORT: usize = 120;

/// The reports an exchange may go in, in the order they are tried: report 1,
/// report 2, then any other report of at most [`MAX_USEFUL_REPORT`] bytes,
/// smallest first. A device with none of those gets its smallest report.
pub fn usable_reports(sizes: &ReportSizes) -> Vec<(u8, usize)> {
    let mut usable: Vec<(u8, usize)> = sizes
        .entries()
        .iter()
        .copied()
        .filter(|&(_, n)| n > 0 && n <= MAX_USEFUL_REPORT)
        .collect();
    usable.sort_by_key(|&(id, n)| match id {
        SMALL_REPORT => (0, 0),
        DEFAULT_REPORT => (1, 0),
        _ => (2, n),
    });
    if usable.is_empty()
        && let Some(&smallest) = sizes.entries().iter().min_by_key(|e| e.1)
    {
        usable.push(smallest);
    }
    usable
}

/// The largest report [`choose_report`] may pick on its own: what a caller
/// packing frames must fit them into.
pub fn largest_usable_report(sizes: &ReportSizes) -> Option<(u8, usize)> {
    usable_reports(sizes).into_iter().max_by_key(|e| e.1)
}

/// Picks the report for a request of `request_len` wire bytes whose reply may
/// take up to `worst_reply` wire bytes.
///
/// * `forced`: a report the caller insists on (`--report-id`), used as is.
/// * `floor`: the smallest report this session may use; a truncated reply
///   raises it to the next larger report for the rest of the session.
///
/// The first usable report at or above the floor that holds both is chosen;
/// when none does, the largest usable one (the PM may still answer, and a
/// truncated reply is recognised).
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
    let usable = usable_reports(sizes);
    let floor_size = sizes.get(floor).unwrap_or(0);
    let allowed = || usable.iter().filter(|&&(_, n)| n >= floor_size);
    if let Some(&(id, _)) = allowed().find(|&&(_, n)| request_len <= n && worst_reply <= n) {
        return Ok(id);
    }
    let &(id, size) = allowed()
        .max_by_key(|e| e.1)
        .or_else(|| usable.iter().max_by_key(|e| e.1))
        .ok_or(PolicyError::NoReports)?;
    if request_len > size {
        return Err(PolicyError::TooLong {
            id,
            size,
            len: request_len,
        });
    }
    Ok(id)
}

/// The next larger usable report after a truncated reply in `id`, if any.
pub fn larger_report(id: u8, sizes: &ReportSizes) -> Option<u8> {
    let size = sizes.get(id)?;
    usable_reports(sizes)
        .into_iter()
        .filter(|&(_, n)| n > size)
        .min_by_key(|e| e.1)
        .map(|e| e.0)
}

/// Whether a command sits in a proprietary getter wrapper (`7E`, `7F`),
/// which a PM may keep behind authentication over USB: refused, or never
/// answered at all (reference §3).
pub fn is_proprietary(cmd: &AnyCommand) -> bool {
    matches!(cmd.wrapper(), Wrapper::GetPmCfg | Wrapper::GetPmData)
}

/// Resends allowed after a lost reply to `cmds`, of at most `max`.
///
/// * A command that changes the PM, or a read that drains its buffer, is
///   never resent blindly: whether it took effect is unknown.
/// * A proprietary getter is never resent: a PM that keeps it behind
///   authentication may never answer it, and resending a silent getter
///   starves every poll behind it. The caller decides when to give it up.
/// * Any other getter may go again `max` times.
pub fn resends_allowed(cmds: &[AnyCommand], max: u32) -> u32 {
    let changes_or_drains = cmds
        .iter()
        .any(|c| c.spec().is_none_or(|s| s.access != Access::Get));
    if changes_or_drains || cmds.iter().any(is_proprietary) {
        0
    } else {
        max
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use erglink_csafe::command::{
        GetPower, GoInUse, PmGetErgMachineType, PmGetForcePlotData, PmGetWorkTime,
    };

    fn pm5() -> ReportSizes {
        ReportSizes::spec_default(Some(5))
    }

    fn sizes(entries: &[(u8, usize)]) -> ReportSizes {
        ReportSizes::new(entries.to_vec())
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
        // The 500-byte report 4 is never chosen on its own, however large the reply.
        assert_eq!(choose_report(100, 500, &pm5(), 1, None), Ok(2));
        assert_eq!(larger_report(1, &pm5()), Some(2));
        assert_eq!(larger_report(2, &pm5()), None);
    }

    #[test]
    fn report_2_is_never_assumed() {
        // PM3/PM4 without report 2: report 4 at 62 bytes carries what report 1 cannot.
        let no2 = sizes(&[(1, 20), (4, 62)]);
        assert_eq!(choose_report(10, 50, &no2, 1, None), Ok(4));
        assert_eq!(choose_report(10, 15, &no2, 1, None), Ok(1));
        assert_eq!(
            choose_report(10, 90, &no2, 1, None),
            Ok(4),
            "largest usable"
        );
        assert_eq!(larger_report(1, &no2), Some(4));
        assert_eq!(largest_usable_report(&no2), Some((4, 62)));
        // A PM5 without report 2: only report 1 is usable, never the 500 bytes.
        let pm5_no2 = sizes(&[(1, 20), (4, 500)]);
        assert_eq!(choose_report(10, 90, &pm5_no2, 1, None), Ok(1));
        assert_eq!(larger_report(1, &pm5_no2), None);
        assert_eq!(usable_reports(&pm5_no2), vec![(1, 20)]);
        // With report 2, a 62-byte report 4 is not preferred over it.
        let spec = ReportSizes::spec_default(Some(3));
        assert_eq!(choose_report(10, 50, &spec, 1, None), Ok(2));
        // A device with a 500-byte report only still gets polled.
        let only500 = sizes(&[(4, 500)]);
        assert_eq!(choose_report(10, 90, &only500, 1, None), Ok(4));
        assert_eq!(
            choose_report(1, 1, &ReportSizes::default(), 1, None),
            Err(PolicyError::NoReports)
        );
    }

    #[test]
    fn proprietary_getters_are_never_resent() {
        let get: AnyCommand = PmGetWorkTime {}.into();
        let power: AnyCommand = GetPower {}.into();
        assert_eq!(resends_allowed(&[get.clone(), power], 3), 3);
        assert_eq!(
            resends_allowed(&[get.clone(), PmGetErgMachineType {}.into()], 3),
            0
        );
        assert_eq!(
            resends_allowed(&[PmGetForcePlotData { block_len: 32 }.into()], 3),
            0
        );
        assert_eq!(resends_allowed(&[get, GoInUse {}.into()], 3), 0);
    }
}
