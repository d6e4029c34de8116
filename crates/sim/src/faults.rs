//! Seeded faults between the host and the PM (`faults=`). They draw from
//! their own random stream, so turning one on changes nothing else.

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
