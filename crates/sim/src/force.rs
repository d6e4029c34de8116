//! The drive force curve (rower-model §4): 64 samples a second from catch to
//! finish, a hump leaning toward the catch, sized so that its work equals the
//! stroke's, in whole pound-force as the CSAFE force plot carries it.

use crate::machine::N_PER_LBF;
use crate::rng::Rng;

/// Force samples per second.
pub const SAMPLE_HZ: f64 = 64.0;
/// The PM's buffer holds this many samples of one drive.
pub const MAX_SAMPLES: usize = 144;

// F(x) = Fpk·(x/xp)^a·((1−x)/(1−xp))^b, x = fraction of the drive.
const PEAK_AT: f64 = 0.35;
const RISE: f64 = 1.2;
const FALL: f64 = 1.6;
/// Each sample varies by up to ±3 %.
const NOISE: f64 = 0.03;

fn shape(x: f64) -> f64 {
    (x / PEAK_AT).powf(RISE) * ((1.0 - x) / (1.0 - PEAK_AT)).powf(FALL)
}

/// The samples of one drive of `drive_s` seconds that does `work_j` joules
/// over `length_m` metres of handle travel.
pub fn force_curve(drive_s: f64, work_j: f64, length_m: f64, rng: &mut Rng) -> Vec<u16> {
    let n = ((drive_s * SAMPLE_HZ).floor() as usize).clamp(1, MAX_SAMPLES);
    let xs = (0..n).map(|k| (k as f64 + 0.5) / n as f64);
    // Scaled on the samples themselves, so that mean force × length is the
    // work exactly before noise and rounding.
    let mean_shape = xs.clone().map(shape).sum::<f64>() / n as f64;
    let peak_n = work_j / (length_m * mean_shape);
    xs.map(|x| {
        let lbf = peak_n * shape(x) / N_PER_LBF * (1.0 + rng.symmetric(NOISE));
        lbf.round().clamp(0.0, f64::from(u16::MAX)) as u16
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn reference_stroke() {
        // rower-model §4/§8: 648 J over 1.45 m in 0.8 s → 51 samples,
        // average ≈ 100 lbf, peak 155–180 lbf.
        let mut rng = Rng::stream(1, 3);
        let c = force_curve(0.8, 648.0, 1.45, &mut rng);
        assert_eq!(c.len(), 51);
        let avg = c.iter().map(|&s| f64::from(s)).sum::<f64>() / c.len() as f64;
        let peak = f64::from(*c.iter().max().unwrap());
        assert!((avg - 100.5).abs() < 2.0, "{avg}");
        assert!((155.0..=180.0).contains(&peak), "{peak}");
        let ratio = avg / peak;
        assert!((0.55..=0.65).contains(&ratio), "{ratio}");
        let top = c.iter().position(|&s| f64::from(s) == peak).unwrap();
        assert!(
            (12..=24).contains(&top),
            "peak near 35 % of the drive: {top}"
        );
    }
}
