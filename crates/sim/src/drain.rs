//! The PM's two drained buffers: the force plot of the last drive and the
//! heartbeat intervals since the last read. A read returns at most 16
//! samples (32 bytes) and removes them; slots past the count keep whatever
//! the previous read left there, as a real buffer would.

use std::collections::VecDeque;

use erglink_csafe::wire::SampleBlock;

#[derive(Clone, Debug, Default)]
pub(crate) struct Drain {
    data: VecDeque<u16>,
    slots: [u16; 16],
    cap: usize,
}

impl Drain {
    pub fn new(cap: usize) -> Drain {
        Drain {
            cap,
            ..Drain::default()
        }
    }

    /// Replaces the contents (a new force curve).
    pub fn replace(&mut self, samples: &[u16]) {
        self.data.clear();
        self.data.extend(samples.iter().take(self.cap));
    }

    /// Adds one sample, dropping the oldest when full (heartbeats).
    pub fn push(&mut self, sample: u16) {
        if self.data.len() == self.cap {
            self.data.pop_front();
        }
        self.data.push_back(sample);
    }

    /// One read of `block_len` bytes (capped at 32).
    pub fn read(&mut self, block_len: u8) -> SampleBlock {
        let n = (usize::from(block_len.min(32)) / 2).min(self.data.len());
        for slot in &mut self.slots[..n] {
            *slot = self.data.pop_front().expect("counted");
        }
        SampleBlock {
            count: (n * 2) as u8,
            slots: self.slots,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drains_sixteen_at_a_time() {
        let mut d = Drain::new(144);
        let curve: Vec<u16> = (1..=40).collect();
        d.replace(&curve);
        let a = d.read(32);
        assert_eq!(a.samples(), &curve[..16]);
        let b = d.read(20);
        assert_eq!(b.samples(), &curve[16..26]);
        let c = d.read(32);
        assert_eq!(c.samples(), &curve[26..]);
        assert_eq!(c.slots[14], a.slots[14], "stale slots stay");
        assert_eq!(d.read(32).count, 0);
    }
}
