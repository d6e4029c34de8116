//! The stretches the laps are made of, summed as the samples stream past:
//! each lap, each interval's rest, and what came after the last lap. The
//! same [`Sums`] as the session's, plus the cumulative calories at each
//! end (the latest reading at or before it).

use erglink_model::Sample;

use crate::figures::{Phase, Sums};

/// One stretch, `[start_ns, end_ns)`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Span {
    pub start_ns: u64,
    pub end_ns: u64,
    pub sums: Sums,
    energy_at: [Option<u64>; 2],
}

impl Span {
    /// Calories from its start to its end.
    pub fn energy_kcal(&self) -> Option<u32> {
        match self.energy_at {
            [Some(a), Some(b)] => Some(b.saturating_sub(a).min(u64::from(u32::MAX)) as u32),
            _ => None,
        }
    }
}

/// The stretches of a session, in time order.
#[derive(Debug, Default)]
pub(crate) struct Spans {
    spans: Vec<Span>,
    /// (moment, span, end): where a span needs the totals.
    probes: Vec<(u64, usize, usize)>,
    next_probe: usize,
}

impl Spans {
    /// Stretches `[start, end)`, in time order (`u64::MAX`: to the end).
    pub fn new(bounds: &[(u64, u64)]) -> Self {
        let spans: Vec<Span> = bounds
            .iter()
            .map(|&(start_ns, end_ns)| Span {
                start_ns,
                end_ns: end_ns.max(start_ns),
                ..Span::default()
            })
            .collect();
        let mut probes: Vec<(u64, usize, usize)> = spans
            .iter()
            .enumerate()
            .flat_map(|(i, s)| [(s.start_ns, i, 0), (s.end_ns, i, 1)])
            .collect();
        probes.sort_unstable();
        Self {
            spans,
            probes,
            next_probe: 0,
        }
    }

    /// Every moment before `before` (all of them with `None`) sees the
    /// calories since the start so far.
    pub fn probe_until(&mut self, before: Option<u64>, energy: Option<u64>) {
        while let Some(&(t, i, end)) = self.probes.get(self.next_probe) {
            if before.is_some_and(|b| t >= b) {
                break;
            }
            self.spans[i].energy_at[end] = energy;
            self.next_probe += 1;
        }
    }

    /// The span `t` lies in, if any.
    fn at(&mut self, t: u64) -> Option<&mut Span> {
        let i = self.spans.partition_point(|s| s.start_ns <= t);
        let s = self.spans.get_mut(i.checked_sub(1)?)?;
        (t < s.end_ns).then_some(s)
    }

    /// The time from sample `p` to the next, credited to `p`'s span.
    pub fn credit(&mut self, p: &Sample, dt_ns: u64, phase: Phase, hr: Option<u8>) {
        if let Some(s) = self.at(p.elapsed_ns) {
            s.sums.credit(p, dt_ns, phase, hr);
        }
    }

    /// A sample's maxima, for its span.
    pub fn absorb(&mut self, s: &Sample) {
        if let Some(span) = self.at(s.elapsed_ns) {
            span.sums.absorb(s);
        }
    }

    /// The spans, in the order given.
    pub fn finish(mut self, energy: Option<u64>) -> Vec<Span> {
        self.probe_until(None, energy);
        self.spans
    }
}
