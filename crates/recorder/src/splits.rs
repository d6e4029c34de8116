//! The `7F` split figures, checked before they are stored. Their byte order
//! is not known (the spec says big-endian for `7F`, and no working program
//! confirms it), so each reading is tried both ways and kept only in the
//! order that fits the session's own elapsed time, a distance anyone could
//! row, and a pace anyone could make (a wrong order gives figures millions
//! of times too large); once one order has fitted twice and the other never,
//! it is kept for the session.

/// Readings in one order, with none in the other, that settle the order.
const READINGS_TO_SETTLE: u32 = 2;
/// Slack on the session's elapsed time: the PM's clock may have started first.
const TIME_SLACK_DS: u32 = 100;
/// No split is longer than this.
const LONGEST_SPLIT_M: u32 = 100_000;
/// Split paces a human can make, in seconds per 500 m (a BikeErg credits
/// distance twice as fast as a rower).
const FASTEST_S_PER_500M: f64 = 30.0;
const SLOWEST_S_PER_500M: f64 = 1_200.0;

/// A byte order of the `7F` replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// As the codec decodes them (the spec's big-endian).
    AsDecoded,
    /// Byte-swapped.
    Swapped,
}

impl Order {
    /// Its name, as the simulator's `byteorder_7f=` calls it.
    pub fn name(self) -> &'static str {
        match self {
            Order::AsDecoded => "be",
            Order::Swapped => "le",
        }
    }

    fn apply(self, v: u32) -> u32 {
        match self {
            Order::AsDecoded => v,
            Order::Swapped => v.swap_bytes(),
        }
    }
}

/// What the session knows when the splits are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// Time since the session began, 0.1 s.
    pub elapsed_ds: u64,
}

/// Settles the byte order of split figures and checks each reading.
#[derive(Clone, Debug, Default)]
pub struct SplitChecker {
    settled: Option<Order>,
    fits: [u32; 2],
}

fn plausible(time_ds: u32, distance_m: u32, cx: Context) -> bool {
    if time_ds == 0 && distance_m == 0 {
        return true;
    }
    if time_ds == 0 || distance_m == 0 {
        return false;
    }
    let within = u64::from(time_ds) <= cx.elapsed_ds + u64::from(TIME_SLACK_DS)
        && distance_m <= LONGEST_SPLIT_M;
    let pace = f64::from(time_ds) / 10.0 * 500.0 / f64::from(distance_m);
    within && (FASTEST_S_PER_500M..=SLOWEST_S_PER_500M).contains(&pace)
}

impl SplitChecker {
    /// The order, once settled.
    pub fn order(&self) -> Option<Order> {
        self.settled
    }

    /// Checks one reading of last-split time (0.1 s) and distance (m) as
    /// decoded. Returns the figures in the right order, or `None` when they
    /// fit in no order (or the order cannot be told yet). The second value
    /// is the order when this reading settled it.
    pub fn check(
        &mut self,
        time_ds: u32,
        distance_m: u32,
        cx: Context,
    ) -> (Option<(u32, u32)>, Option<Order>) {
        let read = |o: Order| (o.apply(time_ds), o.apply(distance_m));
        if let Some(o) = self.settled {
            let (t, d) = read(o);
            return (plausible(t, d, cx).then_some((t, d)), None);
        }
        let fit = [Order::AsDecoded, Order::Swapped].map(|o| {
            let (t, d) = read(o);
            plausible(t, d, cx)
        });
        let only = match fit {
            [true, false] => Order::AsDecoded,
            [false, true] => Order::Swapped,
            // Zeros read the same either way.
            [true, true] => return (Some(read(Order::AsDecoded)), None),
            [false, false] => return (None, None),
        };
        self.fits[only as usize] += 1;
        let other = self.fits[1 - only as usize];
        if self.fits[only as usize] >= READINGS_TO_SETTLE && other == 0 {
            self.settled = Some(only);
            return (Some(read(only)), Some(only));
        }
        (Some(read(only)), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(time_s: u64, _metres: u32) -> Context {
        Context {
            elapsed_ds: time_s * 10,
        }
    }

    #[test]
    fn big_endian_figures_pass_as_they_are() {
        let mut c = SplitChecker::default();
        assert_eq!(c.check(0, 0, cx(10, 40)), (Some((0, 0)), None));
        assert_eq!(c.check(1050, 500, cx(110, 520)), (Some((1050, 500)), None));
        assert_eq!(
            c.check(1050, 500, cx(112, 530)),
            (Some((1050, 500)), Some(Order::AsDecoded))
        );
    }

    #[test]
    fn little_endian_figures_are_swapped() {
        let mut c = SplitChecker::default();
        let (t, d) = (1050u32.swap_bytes(), 500u32.swap_bytes());
        assert_eq!(c.check(t, d, cx(110, 520)), (Some((1050, 500)), None));
        assert_eq!(
            c.check(t, d, cx(111, 525)),
            (Some((1050, 500)), Some(Order::Swapped))
        );
        assert_eq!(c.order(), Some(Order::Swapped));
    }

    proptest::proptest! {
        #[test]
        fn plausible_figures_come_back_in_either_order(
            metres in 100u32..10_000,
            pace_ds_per_500m in 600u32..3_000,
            swapped in proptest::bool::ANY,
        ) {
            let time = metres * pace_ds_per_500m / 500;
            let cx = Context { elapsed_ds: u64::from(time) + 50 };
            let sent = |v: u32| if swapped { v.swap_bytes() } else { v };
            let mut c = SplitChecker::default();
            for _ in 0..3 {
                let (got, _) = c.check(sent(time), sent(metres), cx);
                proptest::prop_assert_eq!(got, Some((time, metres)));
            }
            let order = if swapped { Order::Swapped } else { Order::AsDecoded };
            proptest::prop_assert_eq!(c.order(), Some(order));
        }

        #[test]
        fn any_figures_are_checked_without_panicking(t in proptest::num::u32::ANY, d in proptest::num::u32::ANY, e in proptest::num::u64::ANY) {
            let mut c = SplitChecker::default();
            let cx = Context { elapsed_ds: e };
            if let (Some((t, d)), _) = c.check(t, d, cx) {
                proptest::prop_assert!(plausible(t, d, cx));
            }
        }
    }

    #[test]
    fn implausible_figures_are_rejected() {
        let mut c = SplitChecker::default();
        // A split longer than the session so far, or faster than anyone rows.
        assert_eq!(c.check(5000, 500, cx(110, 520)).0, None);
        assert_eq!(c.check(1050, 500u32.swap_bytes(), cx(110, 520)).0, None);
        assert_eq!(c.check(100, 500, cx(110, 520)).0, None);
        assert_eq!(c.check(1050, 0, cx(110, 520)).0, None);
    }
}
