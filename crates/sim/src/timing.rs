//! The USB timing model (csafe.md §6): full-speed interrupt endpoints move one
//! 64-byte packet per interval, so a report of n bytes (id included) takes
//! ceil(n / 64) intervals each way, plus the PM's own processing time.

/// Interrupt intervals, packet size and processing time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// Interval of the OUT endpoint (host → PM), in ns. Spec: 4 ms.
    pub out_interval_ns: u64,
    /// Interval of the IN endpoint (PM → host), in ns. Spec: 8 ms.
    pub in_interval_ns: u64,
    /// Time the PM takes to answer a frame once it has it, in ns. Unknown on
    /// hardware; 2 ms by default. With `proc=MIN-MAX` it is MIN, and each
    /// frame draws its own from the range.
    pub processing_ns: u64,
    /// Bytes per interrupt packet (64 at full speed).
    pub packet_bytes: usize,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            out_interval_ns: 4_000_000,
            in_interval_ns: 8_000_000,
            processing_ns: 2_000_000,
            packet_bytes: 64,
        }
    }
}

impl Timing {
    /// Packets one report with `report_len` CSAFE bytes takes (its id byte included).
    pub fn packets(&self, report_len: usize) -> u64 {
        (report_len + 1).div_ceil(self.packet_bytes.max(1)) as u64
    }

    /// Time from the host's write to the PM holding the whole request.
    pub fn out_ns(&self, report_len: usize) -> u64 {
        self.packets(report_len) * self.out_interval_ns
    }

    /// Time the reply spends on the IN endpoint.
    pub fn in_ns(&self, report_len: usize) -> u64 {
        self.packets(report_len) * self.in_interval_ns
    }
}

/// The fastest a request/reply pair can go in one report.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BusLimit {
    /// Shortest time from writing a request to holding its reply.
    pub exchange_ns: u64,
    /// Exchanges per second when the next request follows each reply at once.
    pub exchanges_per_s: f64,
}

/// The bus limit for a report of `report_len` CSAFE bytes (id excluded):
/// packets × OUT interval + processing + packets × IN interval.
pub fn bus_limit(timing: &Timing, report_len: usize) -> BusLimit {
    let exchange_ns = timing.out_ns(report_len) + timing.processing_ns + timing.in_ns(report_len);
    BusLimit {
        exchange_ns,
        exchanges_per_s: if exchange_ns == 0 {
            f64::INFINITY
        } else {
            1e9 / exchange_ns as f64
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_example() {
        // Report 2 (121 B) with 4/8 ms and 2 ms processing: 2×4 + 2 + 2×8 = 26 ms.
        let l = bus_limit(&Timing::default(), 120);
        assert_eq!(l.exchange_ns, 26_000_000);
        assert!((l.exchanges_per_s - 1e9 / 26e6).abs() < 1e-9);
    }
}
