//! What GETPACE's number means. Sources read it three ways, all sent with
//! the same units byte 0x39 (s/km), so the byte cannot tell them apart
//! (reference §5.1, §9): whole seconds per km, whole seconds per 500 m, or
//! hundredths of a second per 500 m. Power settles it: on the first strokes
//! each reading is checked against the pace Concept2's formula gives for the
//! stroke's power, and the one that fits is kept for the session. Until then
//! the pace stored is the one power gives.

use erglink_model::Machine;

/// Concept2's RowErg and SkiErg relation: watts = 2.80 / (seconds per metre)³.
pub const ROWERG_WATTS_CONSTANT: f64 = 2.80;

/// The BikeErg's: watts = 0.35 / (seconds per metre)³, i.e. 2.80 · (v / 2)³,
/// the logbook's "bike metres at half value". Unverified: it is the relation
/// the simulator uses (erglink-sim `Machine::power_for_speed`); no Concept2
/// document we have states it.
pub const BIKEERG_WATTS_CONSTANT: f64 = 0.35;

/// Strokes whose reading must agree before the scale is settled.
const STROKES_TO_SETTLE: u32 = 3;

/// How far (as a ratio) a reading may be from the power's pace and still fit.
/// The readings are 2, 50 or 100 times apart, so any tolerance below √2 tells
/// them apart; the rounding of whole seconds costs at most 0.5 %.
const FIT_RATIO: f64 = 1.15;

/// One reading of GETPACE's number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaceScale {
    /// Whole seconds per km (the units byte's own meaning).
    SecondsPerKm,
    /// Whole seconds per 500 m.
    SecondsPer500m,
    /// Hundredths of a second per 500 m.
    CentisecondsPer500m,
}

impl PaceScale {
    /// Every reading, in the order they are tried.
    pub const ALL: [PaceScale; 3] = [
        PaceScale::SecondsPerKm,
        PaceScale::SecondsPer500m,
        PaceScale::CentisecondsPer500m,
    ];

    /// Its name, as the simulator's `pace_units=` calls it.
    pub fn name(self) -> &'static str {
        match self {
            PaceScale::SecondsPerKm => "s_km",
            PaceScale::SecondsPer500m => "s_500m",
            PaceScale::CentisecondsPer500m => "cs_500m",
        }
    }

    /// `raw` in 0.01 s per 500 m under this reading.
    pub fn cs_per_500m(self, raw: u16) -> u32 {
        let raw = u32::from(raw);
        match self {
            PaceScale::SecondsPerKm => raw * 50,
            PaceScale::SecondsPer500m => raw * 100,
            PaceScale::CentisecondsPer500m => raw,
        }
    }
}

/// The pace, in 0.01 s per 500 m, that `power_w` makes on `machine`.
pub fn pace_for_power(machine: Machine, power_w: u16) -> u32 {
    if power_w == 0 {
        return 0;
    }
    let k = match machine {
        Machine::BikeErg => BIKEERG_WATTS_CONSTANT,
        _ => ROWERG_WATTS_CONSTANT,
    };
    let seconds_per_metre = (k / f64::from(power_w)).cbrt();
    (seconds_per_metre * 500.0 * 100.0).round() as u32
}

/// Settles the GETPACE scale on the first strokes.
#[derive(Clone, Debug, Default)]
pub struct PaceScaler {
    settled: Option<PaceScale>,
    votes: [u32; 3],
    last_power: Option<u16>,
}

impl PaceScaler {
    /// The scale, once settled.
    pub fn scale(&self) -> Option<PaceScale> {
        self.settled
    }

    /// Looks at one poll's GETPACE number and power. Returns the scale when
    /// this poll settled it.
    pub fn observe(&mut self, machine: Machine, raw: u16, power_w: u16) -> Option<PaceScale> {
        if self.settled.is_some() || raw == 0 || power_w == 0 {
            return None;
        }
        // One vote per stroke: power changes once a stroke, when it is published.
        if self.last_power == Some(power_w) {
            return None;
        }
        self.last_power = Some(power_w);
        let expected = f64::from(pace_for_power(machine, power_w));
        let fits: Vec<usize> = PaceScale::ALL
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                let ratio = f64::from(s.cs_per_500m(raw)) / expected;
                (1.0 / FIT_RATIO..=FIT_RATIO).contains(&ratio)
            })
            .map(|(i, _)| i)
            .collect();
        let [only] = fits[..] else {
            return None;
        };
        self.votes[only] += 1;
        if self.votes[only] >= STROKES_TO_SETTLE
            && self.votes.iter().sum::<u32>() == self.votes[only]
        {
            self.settled = Some(PaceScale::ALL[only]);
            return self.settled;
        }
        if self.votes.iter().filter(|&&v| v > 0).count() > 1 {
            // Readings that disagree from stroke to stroke: start again.
            self.votes = [0; 3];
        }
        None
    }

    /// The pace to store for one poll: GETPACE under the settled scale, else
    /// the pace the power makes. A reading in whole seconds is refined by the
    /// power's pace where that rounds to it: a whole second is more than 1 %
    /// of a fast pace.
    pub fn pace_cs(&self, machine: Machine, raw: Option<u16>, power_w: Option<u16>) -> Option<u32> {
        let from_power = power_w
            .filter(|&w| w > 0)
            .map(|w| pace_for_power(machine, w));
        match (self.settled, raw) {
            (Some(scale), Some(raw)) => {
                let read = scale.cs_per_500m(raw);
                let half_step = scale.cs_per_500m(1) / 2;
                Some(match from_power {
                    Some(fine) if read > 0 && fine.abs_diff(read) <= half_step + 1 => fine,
                    _ => read,
                })
            }
            _ => from_power.or(power_w.map(|_| 0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GETPACE's number for a pace of `cs` per 500 m under `scale`.
    fn raw(scale: PaceScale, cs: u32) -> u16 {
        (match scale {
            PaceScale::SecondsPerKm => (f64::from(cs) * 2.0 / 100.0).round(),
            PaceScale::SecondsPer500m => (f64::from(cs) / 100.0).round(),
            PaceScale::CentisecondsPer500m => f64::from(cs),
        }) as u16
    }

    #[test]
    fn concept2_figures() {
        // rower model §1: 2:00 ↔ 202.5 W; 1:45 ↔ 302.3 W.
        assert!((i64::from(pace_for_power(Machine::RowErg, 202)) - 12_011).abs() <= 1);
        assert!((i64::from(pace_for_power(Machine::SkiErg, 302)) - 10_502).abs() <= 2);
        // The simulator's BikeErg: 2:00 per 1000 m (1:00 per 500 m) makes 202.5 W.
        assert!((i64::from(pace_for_power(Machine::BikeErg, 202)) - 6_006).abs() <= 2);
        assert_eq!(pace_for_power(Machine::RowErg, 0), 0);
    }

    #[test]
    fn every_reading_settles_on_every_machine() {
        for machine in [Machine::RowErg, Machine::SkiErg, Machine::BikeErg] {
            for scale in PaceScale::ALL {
                let mut p = PaceScaler::default();
                let mut settled = None;
                for (i, w) in [300u16, 305, 298, 310, 290].into_iter().enumerate() {
                    let cs = pace_for_power(machine, w);
                    let got = p.observe(machine, raw(scale, cs), w);
                    if got.is_some() {
                        settled = Some((i, got));
                    }
                    // Until settled, the stored pace is the power's.
                    let stored = p.pace_cs(machine, Some(raw(scale, cs)), Some(w)).unwrap();
                    let err = (f64::from(stored) - f64::from(cs)).abs() / f64::from(cs);
                    assert!(err < 0.01, "{machine:?} {scale:?}: {stored} for {cs}");
                }
                assert_eq!(settled, Some((2, Some(scale))), "{machine:?} {scale:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_true_reading_settles_from_any_powers(
            powers in proptest::collection::vec(60u16..900, 3..12),
            scale in 0usize..3,
            machine in 0usize..3,
        ) {
            let scale = PaceScale::ALL[scale];
            let machine = [Machine::RowErg, Machine::SkiErg, Machine::BikeErg][machine];
            let mut p = PaceScaler::default();
            let mut last = None;
            for w in powers {
                if last == Some(w) {
                    continue;
                }
                last = Some(w);
                let cs = pace_for_power(machine, w);
                p.observe(machine, raw(scale, cs), w);
                let stored = p.pace_cs(machine, Some(raw(scale, cs)), Some(w)).unwrap();
                let err = (f64::from(stored) - f64::from(cs)).abs() / f64::from(cs);
                proptest::prop_assert!(err < 0.01, "{stored} for {cs}");
            }
            if let Some(settled) = p.scale() {
                proptest::prop_assert_eq!(settled, scale);
            }
        }

        #[test]
        fn any_numbers_are_observed_without_panicking(raw in proptest::num::u16::ANY, w in proptest::num::u16::ANY) {
            let mut p = PaceScaler::default();
            p.observe(Machine::BikeErg, raw, w);
            let _ = p.pace_cs(Machine::RowErg, Some(raw), Some(w));
        }
    }

    #[test]
    fn one_vote_per_stroke_and_nothing_from_zeros() {
        let mut p = PaceScaler::default();
        for _ in 0..10 {
            assert_eq!(p.observe(Machine::RowErg, 210, 302), None);
        }
        assert_eq!(p.observe(Machine::RowErg, 0, 250), None);
        assert_eq!(p.observe(Machine::RowErg, 210, 0), None);
        assert_eq!(p.scale(), None);
        assert_eq!(p.pace_cs(Machine::RowErg, None, None), None);
    }
}
