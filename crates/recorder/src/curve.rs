//! Force curves, drained block by block after each drive.

use crate::plan::FORCE_BLOCK;

/// A curve is at most 144 samples: ten blocks of 16 is plenty.
pub const MAX_BLOCKS: u32 = 10;

/// The curve of one stroke being drained, read by read between the polls.
#[derive(Clone, Debug)]
pub struct Draining {
    /// The stroke whose drive ended.
    pub index: u32,
    /// What was read so far.
    pub curve: CurveDrain,
    /// Reads made.
    pub reads: u32,
}

impl Draining {
    /// The drain of stroke `index`'s curve.
    pub fn new(index: u32) -> Self {
        Self {
            index,
            curve: CurveDrain::default(),
            reads: 0,
        }
    }

    /// One read's outcome: a block, or `None` for a lost one. Returns
    /// whether the drain is over.
    pub fn read(&mut self, block: Option<(u8, &[u16])>) -> bool {
        self.reads += 1;
        let ended = match block {
            Some((count, samples)) => self.curve.add_block(count, samples),
            None => {
                self.curve.lose_block();
                false
            }
        };
        ended || self.reads >= MAX_BLOCKS
    }
}

/// The blocks read for one stroke's curve.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CurveDrain {
    samples: Vec<u16>,
    /// A drain read went unanswered: its block is gone.
    lost: bool,
    /// The PM signalled the end (a block shorter than asked).
    ended: bool,
}

impl CurveDrain {
    /// Adds one block (`count` valid bytes); returns whether the curve ended.
    pub fn add_block(&mut self, count: u8, samples: &[u16]) -> bool {
        self.samples.extend_from_slice(samples);
        if count < FORCE_BLOCK {
            self.ended = true;
        }
        self.ended
    }

    /// Records a lost block: the curve has a hole.
    pub fn lose_block(&mut self) {
        self.lost = true;
    }

    /// Whether a block was lost.
    pub fn was_lost(&self) -> bool {
        self.lost
    }

    /// Reads so far hold no sample.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The drained curves: normally one; more when one drain returned the end
    /// of one curve run together with another (seen on PM5 firmware). Each
    /// with whether it is whole.
    pub fn finish(self) -> Vec<(Vec<u16>, bool)> {
        let whole = self.ended && !self.lost;
        let parts = split_run_together(&self.samples);
        let n = parts.len();
        parts
            .into_iter()
            .enumerate()
            // Only the last part can be whole: the earlier ones are tails whose start was read before.
            .map(|(i, p)| (p.to_vec(), whole && (i + 1 == n) && n == 1))
            .collect()
    }
}

/// Splits samples holding several curves. A curve rises from the catch to a
/// peak and falls toward zero at the finish; values that rise again after
/// falling below a quarter of the peak start the next curve (the rule
/// ErgometerJS uses, reference §5.3). The cut is at the low point.
pub fn split_run_together(samples: &[u16]) -> Vec<&[u16]> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut peak = 0u16;
    let mut fallen = false;
    for i in 0..samples.len() {
        let v = samples[i];
        if fallen && i > start && v > samples[i - 1] {
            let cut = i - 1;
            if cut > start {
                parts.push(&samples[start..cut]);
                start = cut;
            }
            peak = v;
            fallen = false;
            continue;
        }
        peak = peak.max(v);
        if peak > 0 && u32::from(v) * 4 < u32::from(peak) {
            fallen = true;
        }
    }
    if start < samples.len() {
        parts.push(&samples[start..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hump(peak: u16, n: usize) -> Vec<u16> {
        (0..n)
            .map(|i| {
                let x = (i as f64 + 0.5) / n as f64;
                (f64::from(peak) * (std::f64::consts::PI * x).sin()) as u16
            })
            .collect()
    }

    #[test]
    fn one_curve_stays_whole() {
        let c = hump(170, 51);
        assert_eq!(split_run_together(&c), vec![&c[..]]);
        let mut d = CurveDrain::default();
        for chunk in c.chunks(16) {
            d.add_block((chunk.len() * 2) as u8, chunk);
        }
        assert!(d.add_block(0, &[]));
        assert_eq!(d.finish(), vec![(c, true)]);
    }

    #[test]
    fn run_together_curves_are_split_at_the_low_point() {
        let a = hump(170, 40);
        let b = hump(150, 45);
        let both: Vec<u16> = a.iter().chain(&b).copied().collect();
        let parts = split_run_together(&both);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].len().abs_diff(40) <= 1, "{}", parts[0].len());
        let mut d = CurveDrain::default();
        d.add_block(10, &both);
        let out = d.finish();
        assert_eq!(out.len(), 2);
        assert!(
            out.iter().all(|(_, whole)| !whole),
            "a run-together drain is not trusted whole"
        );
    }

    #[test]
    fn a_lost_block_makes_the_curve_incomplete() {
        let mut d = CurveDrain::default();
        d.add_block(32, &hump(100, 16));
        d.lose_block();
        d.add_block(4, &[10, 2]);
        assert!(!d.finish()[0].1);
    }
}
