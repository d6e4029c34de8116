//! A small seeded generator (SplitMix64). Every random draw of the simulator
//! comes from one of these, each on its own stream, so that enabling a fault
//! does not change the athlete and polling harder does not change the physics.

/// Independent streams derived from the one `seed=`.
pub(crate) mod stream {
    pub const SERIAL: u64 = 1;
    pub const ATHLETE: u64 = 2;
    pub const FORCE: u64 = 3;
    pub const HEART: u64 = 4;
    pub const FAULTS: u64 = 5;
    pub const ODOMETER: u64 = 6;
    /// The PM's processing time per frame (`proc=MIN-MAX`).
    pub const PROCESSING: u64 = 7;
}

#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// Stream `stream` of `seed`.
    pub fn stream(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let mixed = r.next_u64();
        Rng(mixed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`; draws nothing when `p` is zero, so that a
    /// fault that is off leaves the stream untouched.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// Uniform in `[-half, half)`.
    pub fn symmetric(&mut self, half: f64) -> f64 {
        (self.unit() * 2.0 - 1.0) * half
    }

    /// Roughly standard normal (Irwin–Hall with four terms): plain arithmetic,
    /// so the same seed gives the same numbers whatever the libm.
    pub fn normal(&mut self) -> f64 {
        let s: f64 = (0..4).map(|_| self.unit()).sum();
        (s - 2.0) * 3.0_f64.sqrt()
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_and_repeat() {
        let a: Vec<u64> = (0..4).map(|_| Rng::stream(1, 2).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::stream(1, 2).next_u64(), Rng::stream(1, 3).next_u64());
        assert_ne!(Rng::stream(1, 2).next_u64(), Rng::stream(2, 2).next_u64());
    }

    #[test]
    fn normal_is_centred() {
        let mut r = Rng::stream(7, 1);
        let n = 20_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.03, "{mean}");
        assert!((var - 1.0).abs() < 0.05, "{var}");
    }
}
