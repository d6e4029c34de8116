//! Seeded faults between the host and the PM (`faults=`). They draw from
//! their own random stream, so turning one on changes nothing else.

use erglink_csafe::decode_request;

use crate::config::Faults;
use crate::rng::{Rng, stream};

#[derive(Clone, Debug)]
pub(crate) struct Injector {
    cfg: Faults,
    rng: Rng,
}

impl Injector {
    pub fn new(cfg: Faults, seed: u64) -> Injector {
        Injector {
            cfg,
            rng: Rng::stream(seed, stream::FAULTS),
        }
    }

    pub fn drop_out(&mut self) -> bool {
        self.rng.chance(self.cfg.drop_out)
    }

    pub fn drop_in(&mut self) -> bool {
        self.rng.chance(self.cfg.drop_in)
    }

    pub fn corrupt_out(&mut self, bytes: &mut [u8]) {
        let p = self.cfg.corrupt_out;
        self.corrupt(p, bytes);
    }

    pub fn corrupt_in(&mut self, bytes: &mut [u8]) {
        let p = self.cfg.corrupt_in;
        self.corrupt(p, bytes);
    }

    /// With probability `p`, XORs one byte of `bytes` with a non-zero value.
    fn corrupt(&mut self, p: f64, bytes: &mut [u8]) {
        if bytes.is_empty() || !self.rng.chance(p) {
            return;
        }
        let i = self.rng.below(bytes.len() as u64) as usize;
        bytes[i] ^= 1 + self.rng.below(255) as u8;
    }

    /// Extra delay of one reply.
    pub fn delay_ns(&mut self) -> u64 {
        match self.cfg.delay_ns {
            0 => 0,
            d => self.rng.below(d + 1),
        }
    }

    pub fn toggle_glitch(&mut self) -> bool {
        self.rng.chance(self.cfg.toggle)
    }

    pub fn stale(&self) -> bool {
        self.cfg.stale
    }

    /// Whether the device is gone at `t`.
    pub fn unplugged(&self, t: u64) -> bool {
        self.cfg.unplugs.iter().any(|u| u.covers(t))
    }

    /// Whether a reply to a request written at `sent` is lost because the
    /// device was unplugged by the time it would arrive at `arrives`.
    pub fn lost(&self, sent: u64, arrives: u64) -> bool {
        self.cfg
            .unplugs
            .iter()
            .any(|u| u.covers(arrives) || (u.at_ns > sent && u.at_ns <= arrives))
    }
}

/// Whether request `contents` carry any of `ids`: as a top-level command, as
/// a wrapper, or inside any wrapper (`1A`, `7E`/`7F`, `76`/`77`).
pub(crate) fn carries_any(contents: &[u8], ids: &[u8]) -> bool {
    if ids.is_empty() {
        return false;
    }
    decode_request(contents)
        .commands
        .iter()
        .any(|c| ids.contains(&c.id()) || c.wrapper().id().is_some_and(|w| ids.contains(&w)))
}

#[cfg(test)]
mod tests {
    use super::carries_any;

    #[test]
    fn ids_are_found_at_top_level_and_inside_every_wrapper() {
        assert!(carries_any(&[0x80, 0xA3], &[0xA3]));
        assert!(carries_any(&[0x1A, 0x01, 0xA3], &[0xA3]));
        assert!(carries_any(&[0x7E, 0x01, 0xA3], &[0xA3]));
        assert!(carries_any(&[0x77, 0x03, 0x01, 0x01, 0x02], &[0x01]));
        assert!(carries_any(&[0x1A, 0x01, 0xA3], &[0x1A]));
        assert!(!carries_any(&[0x80, 0x91], &[0xA3]));
        assert!(!carries_any(&[0x80], &[]));
    }
}
